//! A saved web page through scraper (html5ever): the article is the `<article>` or `<main>`
//! content, else the body; site chrome (nav, header, footer, cookie banners, scripts, styles,
//! forms) never reaches the blocks. `<h1>`/`<title>` give the title, the canonical link the url.

use ego_tree::NodeRef;
use scraper::{ElementRef, Html, Node, Selector};

use super::{Block, Parsed, clean_text};

/// Elements whose content is never article text.
/// Media elements' content is only a fallback message ("your browser cannot play this").
const CHROME_TAGS: [&str; 20] = [
    "nav", "header", "footer", "aside", "script", "style", "noscript", "template", "form",
    "button", "svg", "iframe", "select", "dialog", "head", "video", "audio", "canvas", "object",
    "embed",
];
/// Class or id words that mark site chrome inside the article area, as themes name it
/// (`cookie-bar`, `entry-meta`, `author-box`, `cat-links`): these words whole, or words that
/// start with one of [`CHROME_STARTS`] (`sharedaddy`, `social-icons`, `skip-link`). A post's
/// own classes (`category-legs`, `tag-veins`) name its topics and are not chrome.
const CHROME_WORDS: [&str; 10] = [
    "banner", "related", "menu", "meta", "author", "screen", "cat", "tags", "byline", "popup",
];
const CHROME_STARTS: [&str; 11] = [
    "cookie",
    "consent",
    "gdpr",
    "breadcrumb",
    "share",
    "sharing",
    "social",
    "newsletter",
    "comment",
    "sidebar",
    "skip",
];
/// Elements that start a block of text of their own: HTML's flow containers, the content
/// model's non-phrasing elements. Every other element, known or not (`u`, `font`, `del`, `img`,
/// a custom `x-note`), is inline: its text goes on with the sentence around it.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "blockquote",
    "body",
    "caption",
    "center",
    "dd",
    "details",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "listing",
    "main",
    "menu",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

pub(crate) fn parse(text: &str) -> Parsed {
    let document = Html::parse_document(text);
    let root = ["article", "main", "body"]
        .iter()
        .find_map(|name| first(&document, name))
        .unwrap_or_else(|| document.root_element());
    let mut walker = Walker {
        in_article: root.value().name() != "body",
        ..Walker::default()
    };
    walker.walk(*root);
    walker.flush_paragraph();
    let mut blocks = super::without_empty_headings(walker.blocks);
    let title = walker
        .first_h1
        .or_else(|| meta(&document, "og:title"))
        .or_else(|| {
            first(&document, "title").map(|t| without_site_name(&t.text().collect::<String>()))
        })
        .filter(|t| !t.is_empty());
    blocks.retain(|b| !matches!(b, Block::Heading(h) if h.is_empty()));
    Parsed {
        title,
        url: canonical(&document),
        blocks,
    }
}

fn first<'a>(document: &'a Html, selector: &str) -> Option<ElementRef<'a>> {
    let selector = Selector::parse(selector).ok()?;
    document.select(&selector).next()
}

fn meta(document: &Html, property: &str) -> Option<String> {
    let selector = Selector::parse(&format!("meta[property=\"{property}\"]")).ok()?;
    let content = document.select(&selector).next()?.value().attr("content")?;
    Some(clean_text(content)).filter(|t| !t.is_empty())
}

/// A page title without the site's name after it: "Peels Explained | Glow Clinic" -> "Peels
/// Explained". The name is the short last part after a separator.
fn without_site_name(title: &str) -> String {
    let title = clean_text(title);
    for separator in [" | ", " – ", " — ", " - ", " :: "] {
        if let Some((page, site)) = title.rsplit_once(separator)
            && site.split_whitespace().count() <= 5
            && page.split_whitespace().count() >= 2
        {
            return page.trim().to_string();
        }
    }
    title
}

fn canonical(document: &Html) -> Option<String> {
    let selector = Selector::parse("link[rel~=canonical]").ok()?;
    let href = document.select(&selector).next()?.value().attr("href")?;
    super::web_address(href)
}

#[derive(Default)]
struct Walker {
    blocks: Vec<Block>,
    /// Inline text waiting to become a paragraph when the next block starts.
    pending: String,
    first_h1: Option<String>,
    /// The header cells of the table being read.
    table_headers: Vec<String>,
    /// Walking an `<article>` or `<main>`: a header there is the article's own.
    in_article: bool,
}

impl Walker {
    fn walk(&mut self, node: NodeRef<'_, Node>) {
        for child in node.children() {
            match child.value() {
                Node::Text(text) => self.pending.push_str(text),
                Node::Element(element) => {
                    let name = element.name();
                    // The article's own header holds its title; the rest of it (date, author,
                    // reading time) is not article text.
                    if name == "header" && self.in_article && self.first_h1.is_none() {
                        self.first_h1 = heading_in(child);
                        continue;
                    }
                    if is_chrome(name, element.id(), element.classes()) {
                        continue;
                    }
                    // A link within the page ("skip to content", "back to top", a share
                    // button's "#") is navigation.
                    if name == "a" && element.attr("href").is_some_and(|h| h.starts_with('#')) {
                        continue;
                    }
                    if name == "br" {
                        self.pending.push(' ');
                    } else if BLOCK_TAGS.contains(&name) {
                        self.block(child, name);
                    } else {
                        self.walk(child);
                    }
                }
                _ => {}
            }
        }
    }

    fn block(&mut self, node: NodeRef<'_, Node>, name: &str) {
        self.flush_paragraph();
        match name {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                let text = inline_text(node);
                if name == "h1" && self.first_h1.is_none() {
                    self.first_h1 = Some(text);
                } else {
                    self.blocks.push(Block::Heading(text));
                }
            }
            "li" | "dd" | "dt" => {
                self.walk(node);
                let text = clean_text(&std::mem::take(&mut self.pending));
                if !text.is_empty() {
                    self.blocks.push(Block::Item(text));
                }
            }
            "table" => {
                self.table_headers.clear();
                self.walk(node);
                self.table_headers.clear();
            }
            "tr" => self.row(node),
            _ => {
                self.walk(node);
                self.flush_paragraph();
            }
        }
    }

    /// A table row: the header row is remembered, each other row becomes a fact that names
    /// its columns ("Freckles: typical sessions 1-3; interval 4 weeks").
    fn row(&mut self, node: NodeRef<'_, Node>) {
        let cells: Vec<(bool, String)> = node
            .children()
            .filter_map(ElementRef::wrap)
            .map(|cell| {
                let text = clean_text(&cell.text().collect::<String>());
                (cell.value().name() == "th", text)
            })
            .collect();
        if cells.iter().all(|(_, text)| text.is_empty()) {
            return;
        }
        if cells.iter().all(|(header, _)| *header) {
            self.table_headers = cells.into_iter().map(|(_, text)| text).collect();
            return;
        }
        let texts: Vec<&str> = cells.iter().map(|(_, text)| text.as_str()).collect();
        let fact = if self.table_headers.len() == texts.len() && texts.len() > 1 {
            let rest: Vec<String> = self.table_headers[1..]
                .iter()
                .zip(&texts[1..])
                // A dash or a blank says the column has nothing for this row.
                .filter(|(_, cell)| cell.chars().any(char::is_alphanumeric))
                .map(|(header, cell)| format!("{} {cell}", header.to_lowercase()))
                .collect();
            format!("{}: {}.", texts[0], rest.join("; "))
        } else {
            texts
                .iter()
                .filter(|t| !t.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("; ")
        };
        self.blocks.push(Block::Item(fact));
    }

    fn flush_paragraph(&mut self) {
        let text = clean_text(&std::mem::take(&mut self.pending));
        if !text.is_empty() {
            self.blocks.push(Block::Paragraph(text));
        }
    }
}

/// The text of the first `<h1>` inside a header element.
fn heading_in(header: NodeRef<'_, Node>) -> Option<String> {
    header
        .descendants()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "h1")
        .map(|h1| inline_text(*h1))
        .filter(|t| !t.is_empty())
}

/// The visible text of an element, chrome inside it left out.
fn inline_text(node: NodeRef<'_, Node>) -> String {
    let mut walker = Walker::default();
    walker.walk(node);
    let mut text = walker.pending;
    for block in walker.blocks {
        let (Block::Heading(t) | Block::Paragraph(t) | Block::Item(t)) = block;
        text.push(' ');
        text.push_str(&t);
    }
    clean_text(&text)
}

fn is_chrome<'a>(name: &str, id: Option<&str>, classes: impl Iterator<Item = &'a str>) -> bool {
    if CHROME_TAGS.contains(&name) {
        return true;
    }
    let marks_chrome = |value: &str| {
        value
            .split(['-', '_', ' '])
            .map(str::to_ascii_lowercase)
            .any(|word| {
                CHROME_WORDS.contains(&word.as_str())
                    || CHROME_STARTS.iter().any(|start| word.starts_with(start))
            })
    };
    id.is_some_and(marks_chrome) || classes.into_iter().any(marks_chrome)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<!doctype html><html><head><title>Peels | Clinic</title>
        <link rel="canonical" href="https://clinic.example/peels"><style>.x{color:red}</style>
        <script>window.dataLayer = [];</script></head><body>
        <header><a href="/">Home</a> Treatments</header><nav>Breadcrumb trail</nav>
        <div class="cookie-banner">Accept all cookies</div>
        <main><article><h1>Chemical Peels</h1><p>A peel <strong>renews</strong> the skin.</p>
        <h2>Aftercare</h2><ul><li>Use SPF 30.</li><li>Avoid the sun.</li></ul>
        <div>Loose text in a div.</div></article></main>
        <footer>Opening hours and Copyright</footer><script>track()</script></body></html>"#;

    #[test]
    fn the_title_comes_from_the_articles_own_header_without_the_site_name() {
        let page = r#"<html><head><title>Microneedling Guide | Bright Skin Studio</title></head>
            <body><article><header><h1>Microneedling Guide</h1>
            <p class="post-info">12 May 2025, five minutes</p></header>
            <p>Tiny needles prompt new collagen.</p></article></body></html>"#;
        let parsed = parse(page);
        assert_eq!(parsed.title.as_deref(), Some("Microneedling Guide"));
        assert_eq!(
            parsed.blocks,
            vec![Block::Paragraph("Tiny needles prompt new collagen.".into())]
        );
        let bare = "<html><head><title>Lip Care After Filler - Bright Skin</title></head>\
                    <body><p>Keep lips moist.</p></body></html>";
        assert_eq!(parse(bare).title.as_deref(), Some("Lip Care After Filler"));
    }

    #[test]
    fn a_table_row_is_a_fact_that_names_its_columns() {
        let page = "<html><body><main><p>Sessions depend on the area:</p><table>\
            <tr><th>Area</th><th>Sessions</th><th>Gap</th></tr>\
            <tr><td>Upper lip</td><td>6-8</td><td>4 weeks</td></tr>\
            <tr><td>Legs</td><td>8-10</td><td>8 weeks</td></tr>\
            <tr><td>Face</td><td>Ask us</td><td>&#8211;</td></tr></table></main></body></html>";
        assert_eq!(
            parse(page).blocks,
            vec![
                Block::Paragraph("Sessions depend on the area:".into()),
                Block::Item("Upper lip: sessions 6-8; gap 4 weeks.".into()),
                Block::Item("Legs: sessions 8-10; gap 8 weeks.".into()),
                Block::Item("Face: sessions Ask us.".into()),
            ]
        );
    }

    #[test]
    fn theme_furniture_and_links_within_the_page_are_not_text() {
        let page = r##"<html><body><a class="skip-link" href="#main">Jump down</a>
            <div class="entry-header"><h1>Peels</h1><div class="entry-meta">1 May by Sam</div></div>
            <div class="entry-content"><p>An acid lifts dead cells.</p>
            <p><a href="#page">Up we go</a></p></div>
            <div class="sharedaddy"><h3>Pass it on</h3><ul><li><a href="#">Friends</a></li></ul></div>
            <span class="cat-links">Filed under Skin</span>
            <h3>Stay in touch</h3></body></html>"##;
        let parsed = parse(page);
        assert_eq!(parsed.title.as_deref(), Some("Peels"));
        assert_eq!(
            parsed.blocks,
            vec![Block::Paragraph("An acid lifts dead cells.".into())]
        );
    }

    #[test]
    fn the_article_is_read_without_the_sites_chrome() {
        let parsed = parse(PAGE);
        assert_eq!(parsed.title.as_deref(), Some("Chemical Peels"));
        assert_eq!(parsed.url.as_deref(), Some("https://clinic.example/peels"));
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Paragraph("A peel renews the skin.".into()),
                Block::Heading("Aftercare".into()),
                Block::Item("Use SPF 30.".into()),
                Block::Item("Avoid the sun.".into()),
                Block::Paragraph("Loose text in a div.".into()),
            ]
        );
    }

    #[test]
    fn a_page_without_an_article_uses_its_body_less_chrome_and_its_title_tag() {
        let parsed = parse(
            "<html><head><title>Fillers</title></head><body><nav>Menu</nav><p>Fillers add volume.</p><footer>Copyright</footer></body></html>",
        );
        assert_eq!(parsed.title.as_deref(), Some("Fillers"));
        assert_eq!(
            parsed.blocks,
            vec![Block::Paragraph("Fillers add volume.".into())]
        );
    }

    #[test]
    fn any_element_that_is_not_a_block_keeps_its_sentence_whole() {
        for tag in [
            "u", "font", "del", "ins", "big", "tt", "dfn", "var", "wbr", "x-note",
        ] {
            let page = format!("<p>A course is usually <{tag}>six</{tag}> sessions long.</p>");
            assert_eq!(
                parse(&page).blocks,
                vec![Block::Paragraph(
                    "A course is usually six sessions long.".into()
                )],
                "<{tag}>"
            );
        }
        let page = r#"<p>Wait <img src="a.png" alt="a clock"> two weeks <picture><source srcset="b.webp"></picture> between sessions.</p>"#;
        assert_eq!(
            parse(page).blocks,
            vec![Block::Paragraph("Wait two weeks between sessions.".into())]
        );
    }

    #[test]
    fn block_elements_inside_inline_ones_still_start_new_paragraphs() {
        let parsed = parse(
            "<section><u>Lead text<p>Own paragraph.</p>tail</u><blockquote>Quoted.</blockquote></section>",
        );
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Paragraph("Lead text".into()),
                Block::Paragraph("Own paragraph.".into()),
                Block::Paragraph("tail".into()),
                Block::Paragraph("Quoted.".into()),
            ]
        );
    }
}

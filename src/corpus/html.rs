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
/// Class or id words that mark site chrome inside the article area.
const CHROME_WORDS: [&str; 14] = [
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "share",
    "social",
    "newsletter",
    "related",
    "comments",
    "sidebar",
    "menu",
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
    let mut walker = Walker::default();
    walker.walk(*root);
    walker.flush_paragraph();
    let mut blocks = walker.blocks;
    let title = match (walker.first_h1, first(&document, "title")) {
        (Some(h1_text), _) => Some(h1_text),
        (None, Some(title)) => Some(clean_text(&title.text().collect::<String>())),
        _ => None,
    }
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
}

impl Walker {
    fn walk(&mut self, node: NodeRef<'_, Node>) {
        for child in node.children() {
            match child.value() {
                Node::Text(text) => self.pending.push_str(text),
                Node::Element(element) => {
                    let name = element.name();
                    if is_chrome(name, element.id(), element.classes()) {
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
            "tr" => {
                let cells: Vec<String> = node
                    .children()
                    .filter_map(ElementRef::wrap)
                    .map(|cell| clean_text(&cell.text().collect::<String>()))
                    .filter(|c| !c.is_empty())
                    .collect();
                if !cells.is_empty() {
                    self.blocks.push(Block::Paragraph(cells.join("; ")));
                }
            }
            _ => {
                self.walk(node);
                self.flush_paragraph();
            }
        }
    }

    fn flush_paragraph(&mut self) {
        let text = clean_text(&std::mem::take(&mut self.pending));
        if !text.is_empty() {
            self.blocks.push(Block::Paragraph(text));
        }
    }
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
            .any(|word| CHROME_WORDS.contains(&word.to_ascii_lowercase().as_str()))
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

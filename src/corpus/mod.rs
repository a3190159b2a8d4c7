//! Reading the clinic's articles from the corpus folder: `.txt`, `.md` and `.html`, each with
//! optional front matter. Owns turning a file into an [`Article`] of plain blocks; knows nothing
//! of chunking, tantivy or HTTP. A file that cannot be read is skipped with a warning naming it.

mod front_matter;
mod html;
mod markdown;
mod txt;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

pub use front_matter::FrontMatter;

/// Files larger than this are not articles (a dump, a video renamed): skipped with a warning.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// One piece of an article's content, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Item(String),
}

/// An article as read from one corpus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// The file name without its extension: the article's address, `/articles/{slug}`.
    pub slug: String,
    pub title: String,
    /// Where the article lives on the clinic's own site, from front matter or a canonical link.
    pub url: Option<String>,
    pub date: Option<String>,
    /// Further front matter keys, kept as they were written.
    pub meta: BTreeMap<String, String>,
    pub blocks: Vec<Block>,
}

/// The formats the corpus folder may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
}

impl Format {
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "txt" => Some(Format::Text),
            "md" | "markdown" => Some(Format::Markdown),
            "html" | "htm" => Some(Format::Html),
            _ => None,
        }
    }
}

/// Why one file was left out of the corpus.
#[derive(Debug, thiserror::Error)]
pub enum SkipReason {
    #[error("cannot read it: {0}")]
    Io(#[from] std::io::Error),
    #[error("it is larger than {MAX_FILE_BYTES} bytes")]
    TooLarge,
    #[error("it is empty")]
    Empty,
    #[error("it is not UTF-8 text")]
    NotText,
    #[error("it has no article text")]
    NoContent,
}

/// The corpus files found in a folder, sorted by name, with the formats they hold. A link
/// to a file outside the folder is left out with a warning: the corpus is what the clinic put
/// in it, not whatever a link reaches (`/proc/self/status`, a private note).
pub fn list_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| anyhow::anyhow!("cannot read the corpus folder {}: {err}", dir.display()))?;
    let inside = dir.canonicalize()?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| Format::of(path).is_some() && !is_hidden(path))
        .filter(|path| !is_link_out_of(path, &inside))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Whether `path` is a symbolic link to something outside the folder `inside` (canonical),
/// or to nothing; warns when so.
fn is_link_out_of(path: &Path, inside: &Path) -> bool {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return false;
    }
    let stays = path
        .canonicalize()
        .is_ok_and(|target| target.starts_with(inside));
    if !stays {
        tracing::warn!(
            file = %path.display(),
            "skipping corpus file: it is a link to something outside the corpus folder"
        );
    }
    !stays
}

fn is_hidden(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

/// Reads every article in `dir`, skipping (with a warning) the files that cannot be read.
pub fn read_dir(dir: &Path) -> anyhow::Result<Vec<Article>> {
    let mut articles = Vec::new();
    for path in list_files(dir)? {
        match read_file(&path) {
            Ok(article) => articles.push(article),
            Err(reason) => tracing::warn!(file = %path.display(), "skipping corpus file: {reason}"),
        }
    }
    Ok(articles)
}

/// Reads one corpus file into an article.
pub fn read_file(path: &Path) -> Result<Article, SkipReason> {
    let format = Format::of(path).ok_or(SkipReason::NoContent)?;
    let mut bytes = Vec::new();
    open(path)?.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge);
    }
    let slug = slug_of(path);
    parse(&slug, format, &bytes)
}

/// Opens a corpus file for reading, refusing by its size alone one over [`MAX_FILE_BYTES`]:
/// a 2 GB file costs a look at its metadata, not 2 GB of memory. What is read from the file is
/// capped one byte past the limit too, for files whose size says nothing (`/proc`, a pipe).
pub fn open(path: &Path) -> Result<std::io::Take<File>, SkipReason> {
    let file = File::open(path)?;
    if file.metadata()?.len() > MAX_FILE_BYTES {
        return Err(SkipReason::TooLarge);
    }
    Ok(file.take(MAX_FILE_BYTES + 1))
}

/// Parses a file's bytes; pure, so tests and fuzzing need no files.
pub fn parse(slug: &str, format: Format, bytes: &[u8]) -> Result<Article, SkipReason> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SkipReason::Empty);
    }
    if bytes.contains(&0) {
        return Err(SkipReason::NotText);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| SkipReason::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (front, body) = FrontMatter::split(text);
    let parsed = match format {
        Format::Text => txt::parse(body),
        Format::Markdown => markdown::parse(body),
        Format::Html => html::parse(body),
    };
    let given = |t: &Option<String>| t.clone().filter(|t| !t.trim().is_empty());
    let title = given(&front.title)
        .or(given(&parsed.title))
        .unwrap_or_else(|| title_from_slug(slug));
    let blocks = drop_repeated_title(parsed.blocks, &title);
    if !blocks.iter().any(|b| !matches!(b, Block::Heading(_))) {
        return Err(SkipReason::NoContent);
    }
    Ok(Article {
        url: front_matter_url(slug, front.url).or(parsed.url),
        slug: slug.to_string(),
        title,
        date: front.date,
        meta: front.meta,
        blocks,
    })
}

/// A front matter `url` becomes links on pages and in answers, so only a web address will do:
/// `javascript:` or `data:` would run in a visitor's browser. Anything else is ignored, warned.
fn front_matter_url(slug: &str, url: Option<String>) -> Option<String> {
    let url = url?;
    let web = web_address(&url);
    if web.is_none() {
        tracing::warn!(
            article = slug,
            "ignoring a front matter url that is not an http(s) address"
        );
    }
    web
}

/// `url` when it is an absolute http or https address.
pub(crate) fn web_address(url: &str) -> Option<String> {
    let url = url.trim();
    let scheme_end = url.find("://")?;
    let scheme = &url[..scheme_end];
    let web = scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https");
    let has_host = url.len() > scheme_end + 3;
    (web && has_host).then(|| url.to_string())
}

/// What a format parser found before front matter is applied.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    pub title: Option<String>,
    pub url: Option<String>,
    pub blocks: Vec<Block>,
}

/// A page's text often repeats the title as its first heading; that is not a section.
fn drop_repeated_title(blocks: Vec<Block>, title: &str) -> Vec<Block> {
    blocks
        .into_iter()
        .filter(|block| !matches!(block, Block::Heading(h) if same_text(h, title)))
        .collect()
}

pub(crate) fn same_text(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// Collapses runs of white space (non-breaking spaces included) into single spaces.
pub(crate) fn clean_text(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c == '\u{a0}' || c == '\u{200b}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn slug_of(path: &Path) -> String {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("article");
    let slug = crate::text::slugify(stem);
    if slug.is_empty() {
        "article".to_string()
    } else {
        slug
    }
}

fn title_from_slug(slug: &str) -> String {
    match crate::text::capitalised(&slug.replace('-', " ")) {
        title if title.is_empty() => "Untitled".to_string(),
        title => title,
    }
}

/// Drops headings with no text under them (before the next heading, or at the end): a
/// footer's labels, a share box's title. Nothing could be quoted from them.
pub(crate) fn without_empty_headings(blocks: Vec<Block>) -> Vec<Block> {
    let mut kept: Vec<Block> = Vec::with_capacity(blocks.len());
    for block in blocks.into_iter().rev() {
        let heading = matches!(block, Block::Heading(_));
        let text_follows = matches!(kept.last(), Some(Block::Paragraph(_) | Block::Item(_)));
        if !heading || text_follows {
            kept.push(block);
        }
    }
    kept.reverse();
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_that_are_not_text_are_refused_with_a_reason() {
        assert!(matches!(
            parse("a", Format::Text, b""),
            Err(SkipReason::Empty)
        ));
        assert!(matches!(
            parse("a", Format::Text, b" \n\t"),
            Err(SkipReason::Empty)
        ));
        assert!(matches!(
            parse("a", Format::Text, b"abc\0def"),
            Err(SkipReason::NotText)
        ));
        assert!(matches!(
            parse("a", Format::Text, &[0xff, 0xfe, 0x41]),
            Err(SkipReason::NotText)
        ));
    }

    #[test]
    fn a_file_with_only_a_title_has_no_content() {
        let result = parse("a", Format::Text, b"Just a title\n");
        assert!(matches!(result, Err(SkipReason::NoContent)));
    }

    #[test]
    fn front_matter_title_and_url_win_over_the_page() {
        let text = "---\ntitle: Peels\nurl: https://clinic.example/peels\nauthor: Dr Who\n---\n# Other\n\nBody text here.\n";
        let article = parse("peels", Format::Markdown, text.as_bytes()).unwrap();
        assert_eq!(article.title, "Peels");
        assert_eq!(article.url.as_deref(), Some("https://clinic.example/peels"));
        assert_eq!(
            article.meta.get("author").map(String::as_str),
            Some("Dr Who")
        );
    }

    #[test]
    fn only_known_extensions_are_corpus_files() {
        assert_eq!(Format::of(Path::new("a.TXT")), Some(Format::Text));
        assert_eq!(Format::of(Path::new("a.md")), Some(Format::Markdown));
        assert_eq!(Format::of(Path::new("a.htm")), Some(Format::Html));
        assert_eq!(Format::of(Path::new("synonyms.toml")), None);
    }

    #[test]
    fn a_front_matter_url_that_is_not_a_web_address_is_ignored() {
        for url in [
            "javascript:alert(1)",
            " JavaScript:alert(1)",
            "data:text/html,<b>x</b>",
            "vbscript:x",
            "//evil.example/x",
            "/relative/path",
            "https:/missing-slash",
        ] {
            let text = format!("---\nurl: {url}\n---\nPeels\n\nA peel renews the skin.\n");
            let article = parse("peels", Format::Text, text.as_bytes()).unwrap();
            assert_eq!(article.url, None, "{url}");
        }
        for url in [
            "https://clinic.example/peels",
            "HTTP://clinic.example/peels",
        ] {
            let text = format!("---\nurl: {url}\n---\nPeels\n\nA peel renews the skin.\n");
            let article = parse("peels", Format::Text, text.as_bytes()).unwrap();
            assert_eq!(article.url.as_deref(), Some(url), "{url}");
        }
    }
}

//! Plain text as copied from a web page: the first line is the title; short unpunctuated lines
//! and questions are headings; bulleted lines are list items; the site's chrome (a repeated
//! title, "Previous"/"Next" links with the neighbouring titles, spacer lines) is dropped.

use super::{Block, Parsed, clean_text, same_text};

const BULLETS: [char; 6] = ['•', '-', '*', '·', '▪', '◦'];
const NAV_WORDS: [&str; 6] = [
    "previous",
    "next",
    "« previous",
    "next »",
    "previous post",
    "next post",
];
/// Longer than this, a line without final punctuation is a paragraph, not a heading.
const MAX_HEADING_CHARS: usize = 140;
const MAX_HEADING_WORDS: usize = 20;

pub(crate) fn parse(text: &str) -> Parsed {
    let mut lines = text.lines().map(clean_text).filter(|l| !l.is_empty());
    let Some(title) = lines.next() else {
        return Parsed::default();
    };
    let mut blocks = Vec::new();
    let mut skip_neighbour_title = false;
    for line in lines {
        if is_nav_word(&line) {
            skip_neighbour_title = true;
            continue;
        }
        if std::mem::take(&mut skip_neighbour_title) || same_text(&line, &title) {
            continue;
        }
        blocks.push(classify(&line));
    }
    Parsed {
        title: Some(title),
        url: None,
        blocks,
    }
}

fn is_nav_word(line: &str) -> bool {
    let lower = line.to_lowercase();
    NAV_WORDS.contains(&lower.as_str())
}

fn classify(line: &str) -> Block {
    if let Some(item) = strip_bullet(line) {
        return Block::Item(item.to_string());
    }
    if is_heading(line) {
        Block::Heading(line.to_string())
    } else {
        Block::Paragraph(line.to_string())
    }
}

fn strip_bullet(line: &str) -> Option<&str> {
    let mut chars = line.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    (BULLETS.contains(&first) && rest.starts_with(' ')).then(|| rest.trim())
}

fn is_heading(line: &str) -> bool {
    let words = line.split_whitespace().count();
    if line.chars().count() > MAX_HEADING_CHARS || words > MAX_HEADING_WORDS {
        return false;
    }
    let last = line.chars().last().unwrap_or('.');
    last == '?' || !matches!(last, '.' | ',' | ';' | ':' | '!' | '"' | '”' | ')')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_headings_paragraphs_and_items_are_told_apart() {
        let parsed = parse(
            "Peels Explained\n\nPeels Explained\n\nWhat is a peel?\n\nA peel removes dead skin.\n\n\u{a0}\n\nAftercare\n\n  • Wear SPF daily.\n  - Avoid the sun.\n",
        );
        assert_eq!(parsed.title.as_deref(), Some("Peels Explained"));
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Heading("What is a peel?".into()),
                Block::Paragraph("A peel removes dead skin.".into()),
                Block::Heading("Aftercare".into()),
                Block::Item("Wear SPF daily.".into()),
                Block::Item("Avoid the sun.".into()),
            ]
        );
    }

    #[test]
    fn navigation_and_neighbouring_titles_are_dropped() {
        let parsed = parse(
            "T\n\nBody text.\n\nPrevious\nPrevious\n\nAn Older Article About Lasers\n\nNext\nNext\n\nA Newer Article\n",
        );
        assert_eq!(parsed.blocks, vec![Block::Paragraph("Body text.".into())]);
    }

    #[test]
    fn a_long_unpunctuated_line_is_a_paragraph() {
        let line = "word ".repeat(30);
        assert!(matches!(classify(line.trim()), Block::Paragraph(_)));
    }
}

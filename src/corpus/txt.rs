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
/// A line of this many words or more that states a figure is a sentence.
const FACT_LINE_WORDS: usize = 5;

pub(crate) fn parse(text: &str) -> Parsed {
    let lines = lines(text);
    let Some((title, _)) = lines.first().cloned() else {
        return Parsed::default();
    };
    let mut blocks: Vec<Block> = Vec::new();
    let mut skip_neighbour_title = false;
    for (line, attached) in lines.into_iter().skip(1) {
        if is_nav_word(&line) {
            skip_neighbour_title = true;
            continue;
        }
        if std::mem::take(&mut skip_neighbour_title) || same_text(&line, &title) {
            continue;
        }
        // A line run on from a paragraph, with no blank line between, is more of its text:
        // "Most results last 3-4 months" under a paragraph is a fact, not a heading.
        let after_text = attached && matches!(blocks.last(), Some(Block::Paragraph(_)));
        let block = match classify(&line) {
            Block::Heading(line) if after_text => Block::Paragraph(line),
            block => block,
        };
        blocks.push(block);
    }
    Parsed {
        title: Some(title),
        url: None,
        blocks: without_furniture(blocks),
    }
}

/// The non-blank lines, cleaned, each with whether it follows the line before with no blank
/// line between.
fn lines(text: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut attached = false;
    for line in text.lines().map(clean_text) {
        if line.is_empty() {
            attached = false;
        } else {
            out.push((line, attached));
            attached = true;
        }
    }
    out
}

/// The page's furniture, by its place and shape rather than its words: before the article's
/// first paragraph, headings that ask nothing (a menu, a byline, a "share" line); and any
/// heading with no text under it (a footer's links and labels).
fn without_furniture(blocks: Vec<Block>) -> Vec<Block> {
    let first_text = blocks
        .iter()
        .position(|b| !matches!(b, Block::Heading(_)))
        .unwrap_or(blocks.len());
    let kept = blocks
        .into_iter()
        .enumerate()
        .filter(|(i, block)| match block {
            Block::Heading(heading) => {
                *i >= first_text || heading.trim_end_matches('!').ends_with('?')
            }
            _ => true,
        })
        .map(|(_, block)| block)
        .collect();
    super::without_empty_headings(kept)
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
    // "Does it sting?!" asks, however it ends.
    let asks = line.trim_end_matches(['!', '?']).len() < line.len() && line.contains('?');
    let last = line.chars().last().unwrap_or('.');
    asks || (!matches!(last, '.' | ',' | ';' | ':' | '!' | '"' | '”' | ')')
        && !states_a_figure(line))
}

/// A line that states a figure in a clause of its own ("Results typically last 9-12 months")
/// is a fact whose full stop was lost, not a heading: headings that hold a number lead with it
/// ("5 things to know"), ask ("How long do the 2 sessions take"), label ("Step 2: numbing")
/// or are a few words ("Recovery after 48 hours"); a byline's parts are set apart by bars or
/// dots ("By Dr A. Smith | 2 May 2024"), never a sentence's.
fn states_a_figure(line: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(first) = words.first() else {
        return false;
    };
    let figure = |w: &&str| w.chars().any(|c| c.is_ascii_digit());
    words.len() >= FACT_LINE_WORDS
        && !figure(first)
        && words.iter().skip(1).any(figure)
        && !line.contains([':', '|', '·'])
        && !crate::text::asks(line)
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
    fn page_furniture_before_the_text_and_headings_with_nothing_under_them_are_dropped() {
        let parsed = parse(
            "Fillers Explained\n\nShop | Salon | Blog | Prices\n\nFillers Explained\n\n\
             5 March 2025 - by our lead nurse\n\nSpread the word\n\n\
             Fillers restore lost volume.\n\nDo fillers hurt?!\n\nA cream numbs the skin first.\n\n\
             Tags\n\nFollow us\n",
        );
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Paragraph("Fillers restore lost volume.".into()),
                Block::Heading("Do fillers hurt?!".into()),
                Block::Paragraph("A cream numbs the skin first.".into()),
            ]
        );
    }

    #[test]
    fn a_question_before_the_first_paragraph_stays_a_heading() {
        let parsed = parse("Peels\n\nWhat is a peel?\n\nAn acid removes dead skin.\n");
        assert_eq!(parsed.blocks[0], Block::Heading("What is a peel?".into()));
    }

    #[test]
    fn a_fact_line_run_on_from_a_paragraph_is_text_not_a_heading() {
        let parsed = parse(
            "Peels\n\nPeels renew the skin.\n\nResults\n\nSkin looks fresher at once.\nMost results last 3-4 months\n\nAftercare\n\nUse SPF.\n",
        );
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Paragraph("Peels renew the skin.".into()),
                Block::Heading("Results".into()),
                Block::Paragraph("Skin looks fresher at once.".into()),
                Block::Paragraph("Most results last 3-4 months".into()),
                Block::Heading("Aftercare".into()),
                Block::Paragraph("Use SPF.".into()),
            ]
        );
    }

    #[test]
    fn a_fact_line_between_blank_lines_is_text_and_a_heading_with_a_figure_stays_one() {
        let parsed = parse(
            "Peels\n\nPeels renew the skin.\n\nResults\n\nSkin looks fresher at once.\n\nMost results last 3-4 months\n\nSkin keeps improving.\n\n5 things to know before a peel\n\nBook a consultation.\n\nHow long do the 2 peels take\n\nAbout 30 minutes each.\n",
        );
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Paragraph("Peels renew the skin.".into()),
                Block::Heading("Results".into()),
                Block::Paragraph("Skin looks fresher at once.".into()),
                Block::Paragraph("Most results last 3-4 months".into()),
                Block::Paragraph("Skin keeps improving.".into()),
                Block::Heading("5 things to know before a peel".into()),
                Block::Paragraph("Book a consultation.".into()),
                Block::Heading("How long do the 2 peels take".into()),
                Block::Paragraph("About 30 minutes each.".into()),
            ]
        );
    }

    #[test]
    fn a_long_unpunctuated_line_is_a_paragraph() {
        let line = "word ".repeat(30);
        assert!(matches!(classify(line.trim()), Block::Paragraph(_)));
    }
}

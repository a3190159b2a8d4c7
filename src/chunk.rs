//! Pure chunking: an [`Article`] becomes sections (a heading and its anchor) holding passages
//! (one paragraph or one list item each). Text before the first heading forms an introduction
//! section headed by the article's title. Knows nothing of files, tantivy or HTTP.

use crate::corpus::{Article, Block};
use crate::text;

/// Paragraphs longer than this are split at sentence ends, so a passage stays quotable.
const MAX_PASSAGE_CHARS: usize = 1200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    /// Unique within the article; the `id` of the section on the article page.
    pub anchor: String,
    /// True for the untitled text before the first heading.
    pub intro: bool,
    pub passages: Vec<Passage>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub text: String,
    pub item: bool,
}

/// Splits an article into sections and passages, in reading order.
pub fn sections(article: &Article) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut anchors = Anchors::default();
    for block in &article.blocks {
        match block {
            Block::Heading(heading) => sections.push(Section {
                heading: heading.clone(),
                anchor: anchors.unique(heading),
                intro: false,
                passages: Vec::new(),
            }),
            Block::Paragraph(text) | Block::Item(text) => {
                if sections.is_empty() {
                    sections.push(Section {
                        heading: article.title.clone(),
                        anchor: anchors.unique("introduction"),
                        intro: true,
                        passages: Vec::new(),
                    });
                }
                let item = matches!(block, Block::Item(_));
                let current = sections.last_mut().expect("a section was just ensured");
                for text in split_long(text) {
                    current.passages.push(Passage { text, item });
                }
            }
        }
    }
    sections
}

#[derive(Default)]
struct Anchors {
    used: std::collections::HashSet<String>,
}

impl Anchors {
    fn unique(&mut self, heading: &str) -> String {
        let base = match text::slugify(heading) {
            s if s.is_empty() => "section".to_string(),
            s => s
                .chars()
                .take(80)
                .collect::<String>()
                .trim_end_matches('-')
                .to_string(),
        };
        let mut anchor = base.clone();
        let mut n = 2;
        while !self.used.insert(anchor.clone()) {
            anchor = format!("{base}-{n}");
            n += 1;
        }
        anchor
    }
}

fn split_long(text: &str) -> Vec<String> {
    if text.len() <= MAX_PASSAGE_CHARS {
        return vec![text.to_string()];
    }
    let mut parts = Vec::new();
    let mut current = String::new();
    for sentence in crate::text::sentences(text) {
        if !current.is_empty() && current.len() + sentence.len() > MAX_PASSAGE_CHARS {
            parts.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(sentence);
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Format, parse};

    fn shipped() -> Article {
        let bytes = include_bytes!("../corpus/mesotherapy-for-flawless-skin.txt");
        parse("mesotherapy-for-flawless-skin", Format::Text, bytes).unwrap()
    }

    #[test]
    fn the_shipped_article_has_its_ten_sections_in_order() {
        let headings: Vec<String> = sections(&shipped())
            .into_iter()
            .map(|s| s.heading)
            .collect();
        assert_eq!(headings.len(), 10, "{headings:#?}");
        assert_eq!(headings[0], "What is mesotherapy and how does it work?");
        assert_eq!(
            headings[3],
            "Mesotherapy for hair loss treatment and hair restoration"
        );
        assert_eq!(
            headings[9],
            "The differences between mesotherapy and other popular beauty treatments like Botox and dermal fillers"
        );
    }

    #[test]
    fn the_shipped_article_has_no_navigation_text() {
        let article = shipped();
        assert_eq!(
            article.title,
            "Mesotherapy for Flawless Skin: All Your Questions Answered"
        );
        for section in sections(&article) {
            for text in
                std::iter::once(&section.heading).chain(section.passages.iter().map(|p| &p.text))
            {
                for chrome in ["Previous", "Next", "LuMecca", "Positive Ageing", "\u{a0}"] {
                    assert!(!text.contains(chrome), "{chrome:?} leaked into {text:?}");
                }
            }
            assert!(
                !section.passages.is_empty(),
                "{} has no passages",
                section.heading
            );
        }
    }

    #[test]
    fn list_items_are_passages_of_their_own() {
        let article = shipped();
        let hair = &sections(&article)[3];
        assert_eq!(
            hair.anchor,
            "mesotherapy-for-hair-loss-treatment-and-hair-restoration"
        );
        assert_eq!(hair.passages.len(), 5);
        assert!(hair.passages[2].item);
        assert!(hair.passages[2].text.contains("6-8 treatments"));
    }

    #[test]
    fn text_before_the_first_heading_is_an_introduction() {
        let article = parse(
            "a",
            Format::Markdown,
            b"# Peels\n\nIntro.\n\n## Care\n\nUse SPF.\n\n## Care\n\nAgain.",
        )
        .unwrap();
        let sections = sections(&article);
        assert!(sections[0].intro);
        assert_eq!(sections[0].heading, "Peels");
        assert_eq!(sections[1].anchor, "care");
        assert_eq!(sections[2].anchor, "care-2");
    }
}

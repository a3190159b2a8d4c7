//! Markdown through pulldown-cmark: `#` headings, paragraphs and list items become blocks; a
//! first `#` heading is the title. Inline markup is flattened to its text.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::{Block, Parsed, clean_text};

enum Open {
    Heading(HeadingLevel),
    Paragraph,
    Item,
    Other,
}

pub(crate) fn parse(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut buffer = String::new();
    // Open containers, innermost last; text goes to the innermost block that collects it.
    let mut stack: Vec<Open> = Vec::new();
    for event in Parser::new(text) {
        match event {
            Event::Start(tag) => {
                let open = match tag {
                    Tag::Heading { level, .. } => Open::Heading(level),
                    Tag::Paragraph if !in_item(&stack) => Open::Paragraph,
                    Tag::Item => Open::Item,
                    Tag::List(_) if in_item(&stack) => {
                        // A nested list ends the outer item's own text.
                        flush(&mut parsed, &mut buffer, Kind::Item);
                        Open::Other
                    }
                    Tag::CodeBlock(_) | Tag::BlockQuote(_) | Tag::TableRow | Tag::TableHead => {
                        Open::Paragraph
                    }
                    _ => Open::Other,
                };
                stack.push(open);
            }
            Event::End(end) => {
                let Some(open) = stack.pop() else { continue };
                match (open, end) {
                    (Open::Heading(level), _) => {
                        let text = clean_text(&std::mem::take(&mut buffer));
                        if level == HeadingLevel::H1
                            && parsed.title.is_none()
                            && parsed.blocks.is_empty()
                        {
                            parsed.title = Some(text);
                        } else if !text.is_empty() {
                            parsed.blocks.push(Block::Heading(text));
                        }
                    }
                    (Open::Item, _) => flush(&mut parsed, &mut buffer, Kind::Item),
                    (Open::Paragraph, _) => flush(&mut parsed, &mut buffer, Kind::Paragraph),
                    (Open::Other, TagEnd::TableCell) => buffer.push_str("; "),
                    (Open::Other, _) => {}
                }
            }
            Event::Text(text) | Event::Code(text) => buffer.push_str(&text),
            Event::SoftBreak | Event::HardBreak => buffer.push(' '),
            _ => {}
        }
    }
    parsed
}

enum Kind {
    Paragraph,
    Item,
}

fn in_item(stack: &[Open]) -> bool {
    stack.iter().any(|o| matches!(o, Open::Item))
}

fn flush(parsed: &mut Parsed, buffer: &mut String, kind: Kind) {
    let text = clean_text(&std::mem::take(buffer));
    let text = text.trim_end_matches(';').trim().to_string();
    if text.is_empty() {
        return;
    }
    parsed.blocks.push(match kind {
        Kind::Paragraph => Block::Paragraph(text),
        Kind::Item => Block::Item(text),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_and_list_items_are_read() {
        let parsed = parse(
            "# Microneedling\n\nIntro with **bold** and a [link](https://x.example).\n\n## How many sessions?\n\n- Three to five\n  sessions.\n- Spaced weeks apart.\n\n1. First step\n",
        );
        assert_eq!(parsed.title.as_deref(), Some("Microneedling"));
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Paragraph("Intro with bold and a link.".into()),
                Block::Heading("How many sessions?".into()),
                Block::Item("Three to five sessions.".into()),
                Block::Item("Spaced weeks apart.".into()),
                Block::Item("First step".into()),
            ]
        );
    }

    #[test]
    fn a_nested_list_keeps_outer_and_inner_items_apart() {
        let parsed = parse("- Outer item\n  - Inner item\n");
        assert_eq!(
            parsed.blocks,
            vec![
                Block::Item("Outer item".into()),
                Block::Item("Inner item".into())
            ]
        );
    }
}

//! Property tests: whatever a corpus file or a visitor's message holds, reading it never panics
//! and what comes out is something a page or a reply can show.

use std::time::Instant;

use clinic_chat::answer::question::{self, Question, QuestionError};
use clinic_chat::chunk;
use clinic_chat::config::Config;
use clinic_chat::corpus::{self, Article, Block, Format};
use clinic_chat::text;
use proptest::prelude::*;

const FORMATS: [Format; 3] = [Format::Text, Format::Markdown, Format::Html];

/// Pieces of the markup the three readers look for, and of the text they must cope with.
const FRAGMENTS: &[&str] = &[
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<h1>",
    "</h1>",
    "<h2>",
    "</h2>",
    "<ul>",
    "</ul>",
    "<li>",
    "</li>",
    "<article>",
    "</article>",
    "<main>",
    "<nav>",
    "</nav>",
    "<script>",
    "</script>",
    "<table><tr><td>",
    "</td><td>",
    "<br>",
    "<!--",
    "-->",
    "<title>",
    "</title>",
    "<link rel=\"canonical\" href=\"https://x.example/a\">",
    "<div class=\"cookie-banner\">",
    "&amp;",
    "&nbsp;",
    "<",
    ">",
    "# ",
    "## ",
    "#",
    "- ",
    "* ",
    "1. ",
    "> ",
    "```",
    "|",
    "---\ntitle: x\n---\n",
    "---\n",
    "---",
    "title: y\n",
    "url: https://clinic.example/p\n",
    ":",
    "\"",
    "'",
    "\u{a0}",
    "\u{200b}",
    "\u{feff}",
    "•",
    "· ",
    " ",
    "  ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "Previous",
    "Next",
    "word",
    "Sessions.",
    "What is it?",
    "Dr. ",
    "e.g. ",
    "2.5 ",
    "It lasts 2 weeks. ",
    "Ça fait mal?",
    "هل يؤلم",
    "😀",
];

/// What a line of a corpus file may open with.
const LINE_STARTS: &[&str] = &[
    "", "", "", "# ", "## ", "#", "- ", "* ", "• ", "1. ", "> ", "---", "```", "<h1>", "<li>",
    "\u{a0}", "title: ",
];

/// Fragments run together, or lines that open like headings, items, fences or front matter.
fn markup() -> impl Strategy<Value = String> {
    let run = prop::collection::vec(prop::sample::select(FRAGMENTS), 0..80)
        .prop_map(|parts| parts.concat());
    let line = (
        prop::sample::select(LINE_STARTS),
        prop::collection::vec(prop::sample::select(FRAGMENTS), 0..6),
    )
        .prop_map(|(start, parts)| format!("{start}{}", parts.concat()));
    let lines = prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"));
    prop_oneof![run, lines]
}

fn format() -> impl Strategy<Value = Format> {
    prop::sample::select(&FORMATS[..])
}

/// Text a page or a reply can show: not blank, trimmed, one line.
fn assert_showable(what: &str, text: &str) {
    assert!(!text.trim().is_empty(), "{what} is blank: {text:?}");
    assert_eq!(text, text.trim(), "{what} is not trimmed");
    assert!(
        !text.contains(['\n', '\r', '\t', '\0']),
        "{what} spans lines or holds control characters: {text:?}"
    );
}

/// What `parse` returns is an article a page can show, or a reason to skip the file. (That the
/// title is never blank is its own test, below.)
fn check_parse(format: Format, bytes: &[u8]) -> Option<Article> {
    let article = corpus::parse("fuzzed-article", format, bytes).ok()?;
    assert_eq!(article.slug, "fuzzed-article");
    if !article.title.is_empty() {
        assert_showable("the title", &article.title);
    }
    assert!(
        article
            .blocks
            .iter()
            .any(|b| !matches!(b, Block::Heading(_))),
        "an article is only kept when it has text besides headings"
    );
    for block in &article.blocks {
        let (Block::Heading(t) | Block::Paragraph(t) | Block::Item(t)) = block;
        assert_showable("a block", t);
        assert!(!t.contains("  "), "runs of spaces are collapsed: {t:?}");
    }
    Some(article)
}

/// Every anchor is a usable, unique link target and every passage has text to quote; no
/// paragraph's words are lost or invented by splitting long ones.
fn check_sections(article: &Article) {
    let sections = chunk::sections(article);
    let mut anchors = std::collections::HashSet::new();
    for section in &sections {
        assert!(
            !section.anchor.is_empty(),
            "an empty anchor in {sections:#?}"
        );
        assert!(
            !section
                .anchor
                .contains(|c: char| c.is_whitespace() || c == '#'),
            "an anchor must work in a URL: {:?}",
            section.anchor
        );
        assert!(
            anchors.insert(section.anchor.clone()),
            "anchor {:?} is used twice",
            section.anchor
        );
        for passage in &section.passages {
            assert!(
                !passage.text.trim().is_empty(),
                "an empty passage under {:?}",
                section.heading
            );
        }
    }
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    let blocks: String = article
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(t) | Block::Item(t) => Some(squeeze(t)),
            Block::Heading(_) => None,
        })
        .collect();
    let passages: String = sections
        .iter()
        .flat_map(|s| &s.passages)
        .map(|p| squeeze(&p.text))
        .collect();
    assert_eq!(blocks, passages, "passages hold exactly the article's text");
}

/// Sentences are non-empty, trimmed pieces of the text, in order, covering all of it.
fn check_sentences(input: &str) {
    let pieces = text::sentences(input);
    let base = input.as_ptr() as usize;
    let mut after = 0;
    for piece in &pieces {
        assert!(!piece.is_empty(), "an empty sentence from {input:?}");
        assert_eq!(*piece, piece.trim(), "sentences are trimmed");
        let start = piece.as_ptr() as usize - base;
        assert!(
            start >= after && start + piece.len() <= input.len(),
            "{piece:?} is not the next piece of {input:?}"
        );
        assert_eq!(&input[start..start + piece.len()], *piece);
        after = start + piece.len();
    }
    let squeeze = |s: &str| s.split_whitespace().collect::<String>();
    assert_eq!(
        pieces.iter().map(|p| squeeze(p)).collect::<String>(),
        squeeze(input),
        "no text is lost between sentences"
    );
}

fn check_question(input: &str) {
    let chars = input.chars().count();
    match Question::parse(input) {
        Ok(question) => {
            assert!(chars <= question::MAX_CHARS);
            let text = question.as_str();
            assert_showable("a question", text);
            assert!(!text.chars().any(char::is_control));
            assert!(!text.contains("  "));
        }
        Err(QuestionError::TooLong) => assert!(chars > question::MAX_CHARS),
        Err(QuestionError::Empty) => {
            assert!(chars <= question::MAX_CHARS);
        }
    }
}

fn check_words(input: &str) {
    let words = text::words(input);
    assert!(words.len() <= 120, "word count is bounded: {}", words.len());
    for word in &words {
        assert!(!word.is_empty());
        assert_eq!(*word, word.to_lowercase(), "words are lowercase");
        assert!(
            !word.contains(|c: char| c.is_whitespace() || (c.is_ascii_punctuation() && c != '\'')),
            "{word:?} holds punctuation or spaces"
        );
        assert!(!word.starts_with('\'') && !word.ends_with('\''));
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(300),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_in_a_corpus_file_are_read_or_skipped_without_panicking(
        format in format(),
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
    ) {
        if let Some(article) = check_parse(format, &bytes) {
            check_sections(&article);
        }
    }

    #[test]
    fn any_text_in_a_corpus_file_gives_a_showable_article_or_a_reason(
        format in format(),
        input in any::<String>(),
    ) {
        if let Some(article) = check_parse(format, input.as_bytes()) {
            check_sections(&article);
        }
    }

    #[test]
    fn markup_soup_gives_showable_articles_with_unique_anchors_and_no_empty_passages(
        format in format(),
        input in markup(),
    ) {
        if let Some(article) = check_parse(format, input.as_bytes()) {
            check_sections(&article);
        }
    }

    #[test]
    fn sentences_are_the_texts_own_pieces_in_order(input in any::<String>()) {
        check_sentences(&input);
    }

    #[test]
    fn sentences_of_article_like_text_are_its_own_pieces_in_order(input in markup()) {
        check_sentences(&input);
    }

    #[test]
    fn any_message_up_to_a_thousand_characters_is_read_or_refused_never_a_panic(
        input in prop::collection::vec(any::<char>(), 0..=1000).prop_map(String::from_iter),
    ) {
        check_question(&input);
        check_words(&input);
    }

    #[test]
    fn messages_made_of_markup_are_read_or_refused_never_a_panic(input in markup()) {
        check_question(&input);
        check_words(&input);
    }
}

#[test]
fn a_markdown_article_whose_first_heading_is_empty_still_has_a_title() {
    for source in [
        "#\n\nSome text.",
        "# \n\nSome text.",
        "#  \u{a0}\n\nSome text.",
    ] {
        let article =
            corpus::parse("laser-hair-removal", Format::Markdown, source.as_bytes()).unwrap();
        assert_showable("the title", &article.title);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_article_kept_from_the_corpus_has_a_title(format in format(), input in markup()) {
        if let Ok(article) = corpus::parse("fuzzed-article", format, input.as_bytes()) {
            assert_showable("the title", &article.title);
        }
    }
}

#[test]
fn a_message_just_over_the_limit_is_refused_as_too_long() {
    assert_eq!(
        Question::parse(&"é".repeat(question::MAX_CHARS + 1)),
        Err(QuestionError::TooLong)
    );
    assert!(Question::parse(&"é".repeat(question::MAX_CHARS)).is_ok());
}

/// An answerer over a copy of the shipped corpus, with its index in a temporary folder.
fn answerer() -> (
    tempfile::TempDir,
    std::sync::Arc<clinic_chat::answer::Answerer>,
) {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for name in ["mesotherapy-for-flawless-skin.txt", "synonyms.toml"] {
        std::fs::copy(shipped.join(name), corpus.join(name)).unwrap();
    }
    let config = Config::for_paths(&corpus, dir.path().join("index"));
    let (answerer, _) = clinic_chat::load(&config).unwrap();
    (dir, answerer)
}

#[test]
fn hostile_messages_each_get_a_reply() {
    let (_dir, answerer) = answerer();
    let nested = format!("{}{}", "(".repeat(500), ")".repeat(500));
    let repeated = "sessions ".repeat(111);
    let mixed: String = [
        "😀",
        "\u{200b}",
        "هل يؤلم",
        "\u{202e}",
        "שלום",
        "\u{200d}",
        "👩‍⚕️",
        "\u{2066}",
        "🇬🇧",
        " ",
        "\u{fe0f}",
        "ܐ",
        "\u{feff}",
    ]
    .iter()
    .flat_map(|s| s.chars())
    .cycle()
    .take(1000)
    .collect();
    let mut answered = 0;
    for (what, message) in [
        ("nested parentheses", nested),
        ("a repeated word", repeated),
        ("emoji, right-to-left and zero-width text", mixed),
    ] {
        assert!(message.chars().count() <= question::MAX_CHARS, "{what}");
        let question = Question::parse(&message).unwrap();
        let started = Instant::now();
        let reply = answerer.answer(&question, None);
        println!("{what}: {:?} in {:?}", reply.kind, started.elapsed());
        assert!(!reply.answer.trim().is_empty(), "{what}: an empty reply");
        answered += 1;
    }
    assert_eq!(answered, 3);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_accepted_message_gets_a_non_empty_reply(
        input in prop_oneof![
            markup(),
            prop::collection::vec(any::<char>(), 1..200).prop_map(String::from_iter),
            "[a-z ?]{1,200}",
        ],
    ) {
        thread_local! {
            static ANSWERER: (tempfile::TempDir, std::sync::Arc<clinic_chat::answer::Answerer>) = answerer();
        }
        let Ok(question) = Question::parse(&input) else {
            return Ok(());
        };
        let follow_up = Question::parse("and for cellulite?").unwrap();
        ANSWERER.with(|(_, answerer)| {
            let first = answerer.answer(&question, None);
            prop_assert!(!first.answer.trim().is_empty());
            // The same message again, then a follow-up, read in the light of it.
            let id = Some(first.conversation_id.clone());
            let again = answerer.answer(&question, id.clone());
            prop_assert!(!again.answer.trim().is_empty());
            prop_assert_eq!(&again.conversation_id, &first.conversation_id);
            let next = answerer.answer(&follow_up, id);
            prop_assert!(!next.answer.trim().is_empty());
            Ok(())
        })?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_article_that_is_read_can_be_indexed_shown_and_asked_about(
        format in format(),
        input in markup(),
    ) {
        let input = format!("{input}\n\nThe treatment takes 30 minutes.\n");
        prop_assume!(corpus::parse("fuzzed-article", format, input.as_bytes()).is_ok());
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        let ext = match format {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Html => "html",
        };
        std::fs::write(corpus.join(format!("fuzzed-article.{ext}")), &input).unwrap();
        let config = Config::for_paths(&corpus, dir.path().join("index"));
        let (answerer, report) = clinic_chat::load(&config).unwrap();
        prop_assert_eq!(report.map(|r| r.articles), Some(1));
        let generation = answerer.index().generation();
        let passages = generation.article_passages("fuzzed-article").unwrap().unwrap();
        prop_assert!(!passages.is_empty());
        let reply = answerer.answer(&Question::parse("how long does the treatment take?").unwrap(), None);
        prop_assert!(!reply.answer.trim().is_empty());
        for source in &reply.sources {
            let anchor = source.url.rsplit_once('#').map(|(_, a)| a).unwrap_or_default();
            prop_assert!(
                passages.iter().any(|p| p.anchor == anchor.split(":~:").next().unwrap_or_default()),
                "{} links to no section", source.url
            );
        }
    }
}

//! Reading the fixture articles in each format: content in, site chrome out.

use clinic_chat::chunk;
use clinic_chat::corpus::{self, Block};

use crate::app::FIXTURES;

fn read(path: &str) -> corpus::Article {
    corpus::read_file(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn all_text(article: &corpus::Article) -> String {
    let mut text = article.title.clone();
    for block in &article.blocks {
        let (Block::Heading(t) | Block::Paragraph(t) | Block::Item(t)) = block;
        text.push('\n');
        text.push_str(t);
    }
    text
}

#[test]
fn markdown_front_matter_sets_title_url_and_date() {
    let article = read(FIXTURES[0]);
    assert_eq!(
        article.title,
        "Microneedling for Acne Scars and Skin Texture"
    );
    assert_eq!(
        article.url.as_deref(),
        Some("https://www.clinic.example/blog/microneedling-for-acne-scars")
    );
    assert_eq!(article.date.as_deref(), Some("2025-03-14"));
    assert!(article.blocks.iter().any(|b| matches!(b, Block::Item(_))));
    assert!(!all_text(&article).contains("**"), "markup is flattened");
}

#[test]
fn a_saved_html_page_loses_its_header_nav_cookies_footer_and_scripts() {
    let article = read(FIXTURES[1]);
    assert_eq!(article.title, "Chemical Peels Explained");
    assert_eq!(
        article.url.as_deref(),
        Some("https://www.clinic.example/treatments/chemical-peels")
    );
    let text = all_text(&article);
    for chrome in [
        "Accept all cookies",
        "Opening hours",
        "Copyright",
        "dataLayer",
        "Privacy policy",
    ] {
        assert!(!text.contains(chrome), "{chrome} leaked into the article");
    }
    assert!(text.contains("2 weeks"));
}

#[test]
fn a_text_page_loses_its_navigation_and_keeps_its_sections() {
    let article = read(FIXTURES[2]);
    let text = all_text(&article);
    for chrome in ["Previous", "Next", "Profhilo", "Thread Lifts", "\u{a0}"] {
        assert!(!text.contains(chrome), "{chrome:?} leaked into the article");
    }
    let sections = chunk::sections(&article);
    assert!(sections.len() >= 5, "{sections:#?}");
    assert!(sections.iter().all(|s| !s.passages.is_empty()));
}

#[test]
fn unreadable_files_are_skipped_and_the_rest_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.md"), "# Good\n\nReal text.\n").unwrap();
    std::fs::write(dir.path().join("empty.txt"), "").unwrap();
    std::fs::write(dir.path().join("binary.html"), [0u8, 159, 146, 150]).unwrap();
    std::fs::write(dir.path().join("notes.toml"), "x = 1").unwrap();
    let articles = corpus::read_dir(dir.path()).unwrap();
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].title, "Good");
}

#[test]
fn a_missing_corpus_folder_is_a_clear_error() {
    let err = corpus::read_dir(std::path::Path::new("/no/such/corpus")).unwrap_err();
    assert!(err.to_string().contains("/no/such/corpus"));
}

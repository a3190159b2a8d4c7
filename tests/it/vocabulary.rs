//! The vocabulary is data a clinic extends: its additions change how messages are read, and a
//! bad entry stops the start with the file and line.

use crate::app::{SHIPPED, answer_text, corpus_of, spawn_app, spawn_with};

/// A question ending in a word of the clinic's visitors' own chat, which neither the
/// built-in vocabulary nor English knows. (Signed off after the question mark, it would be
/// read as the story around the question and never block it.)
const QUESTION: &str = "how many sessions would I need for hair loss xoxo?";

#[tokio::test]
async fn a_chat_word_of_the_clinics_visitors_is_read_past_once_it_is_in_its_vocabulary() {
    let plain = spawn_app(&[SHIPPED]).await;
    let before = plain.ask(QUESTION).await;
    assert!(!answer_text(&before).contains("6-8"), "{before}");

    let app = spawn_with(&[SHIPPED], |config| {
        std::fs::write(
            config.corpus.join("vocabulary.toml"),
            "[chatter]\nwords = [\"xoxo\"]\n",
        )
        .unwrap();
    })
    .await;
    let after = app.ask(QUESTION).await;
    assert_eq!(after["kind"], "answer", "{after}");
    assert!(answer_text(&after).contains("6-8"), "{after}");
}

#[test]
fn a_bad_vocabulary_file_stops_the_service_naming_file_and_line() {
    let dir = corpus_of(&[SHIPPED]);
    let corpus = dir.path().join("corpus");
    std::fs::write(
        corpus.join("vocabulary.toml"),
        "[small_talk]\nthanks = [\"ta\",\n  \"Cheers Mate!\"]\n",
    )
    .unwrap();
    let config = clinic_chat::config::Config::for_paths(corpus.clone(), dir.path().join("index"));
    let err = clinic_chat::load(&config).err().expect("the load fails");
    let message = format!("{err:#}");
    assert!(message.contains("vocabulary.toml"), "{message}");
    assert!(message.contains("line 3"), "{message}");
}

//! The questions database under attack and mishap: feedback for answers never given, votes
//! repeated, erasure that must reach the bytes on disk, and a database file deleted or
//! replaced while the service runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::app::{App, SHIPPED, spawn_app, spawn_with};

/// An answer id of the right shape that this service never gave.
const NEVER_GIVEN: &str = "a_0190f0e0a1b27c3d8e9f0a1b2c3d4e5f";

fn data_of(app: &App) -> PathBuf {
    app.corpus().parent().unwrap().join("data")
}

async fn post_feedback(app: &App, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/api/feedback", app.base))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn staff_report(app: &App) -> (u16, Value) {
    let response = app.get("/api/staff/report?days=7").await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls the report until `ready` holds (recording is asynchronous); about 3 s at most.
async fn report_until(app: &App, ready: impl Fn(&Value) -> bool) -> Value {
    let mut body = Value::Null;
    for _ in 0..60 {
        body = staff_report(app).await.1;
        if ready(&body) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    body
}

async fn erase(app: &App, conversation: &str) {
    let response = app
        .client
        .delete(format!(
            "{}/api/staff/conversations/{conversation}",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// Every byte of every file in `dir` (the database, its WAL and shared memory).
fn raw_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap_or_default());
    }
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn feedback_for_an_answer_never_given_is_refused_and_not_counted() {
    let app = spawn_app(&[SHIPPED]).await;
    for _ in 0..20 {
        let response =
            post_feedback(&app, json!({"answer_id": NEVER_GIVEN, "helpful": false})).await;
        assert_eq!(response.status(), 404);
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"].as_str().unwrap().contains("answer"),
            "{error}"
        );
    }
    app.ask("Does it hurt?").await;
    let body = report_until(&app, |b| b["questions"] == 1).await;
    assert_eq!(body["feedback"]["not_helpful"], 0, "{body}");
}

#[tokio::test]
async fn a_later_vote_on_an_answer_replaces_the_earlier_one() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app.ask("Does it hurt?").await;
    let id = reply["answer_id"].as_str().unwrap();
    for helpful in [false, false, false, true] {
        let response = post_feedback(&app, json!({"answer_id": id, "helpful": helpful})).await;
        assert_eq!(response.status(), 204);
    }
    let body = report_until(&app, |b| b["feedback"]["helpful"] == 1).await;
    assert_eq!(body["feedback"]["helpful"], 1, "{body}");
    assert_eq!(
        body["feedback"]["not_helpful"], 0,
        "one vote per answer: {body}"
    );
}

#[tokio::test]
async fn feedback_is_rate_limited_per_client_like_chat() {
    let app = spawn_with(&[SHIPPED], |c| c.rate_per_minute = 6).await;
    let reply = app.ask("Does it hurt?").await;
    let id = reply["answer_id"].as_str().unwrap();
    let mut limited = None;
    for _ in 0..20 {
        let response = post_feedback(&app, json!({"answer_id": id, "helpful": true})).await;
        if response.status() == 429 {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status(), 204);
    }
    let limited = limited.expect("a flood of feedback is turned away");
    assert!(limited.headers().contains_key("retry-after"));
    let error: Value = limited.json().await.unwrap();
    assert!(error["error"].is_string());
}

/// An answer given before a restart is no longer among the recently issued ids kept in
/// memory; the database vouches for it.
#[tokio::test]
async fn feedback_for_an_answer_given_before_a_restart_is_accepted() {
    let dir = crate::app::corpus_of(&[SHIPPED]);
    let config = || {
        let mut c = clinic_chat::config::Config::for_paths(
            dir.path().join("corpus"),
            dir.path().join("index"),
        );
        c.rate_per_minute = 0;
        c.data = dir.path().join("data");
        c
    };
    let client = reqwest::Client::new();
    let first = crate::app::serve(config()).await;
    let reply: Value = client
        .post(format!("{}/api/chat", first.base))
        .json(&json!({"message": "Does it hurt?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = reply["answer_id"].as_str().unwrap().to_string();
    drop(first);
    // The first server writes what it holds as it stops.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = crate::app::serve(config()).await;
    let response = client
        .post(format!("{}/api/feedback", second.base))
        .json(&json!({"answer_id": id, "helpful": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

#[tokio::test]
async fn an_erased_conversation_leaves_no_trace_in_the_database_files() {
    let app = spawn_app(&[SHIPPED]).await;
    let marker = "zanzibarite";
    let reply = app
        .ask(&format!("does mesotherapy help with {marker} scars?"))
        .await;
    report_until(&app, |b| b["questions"] == 1).await;
    let data = data_of(&app);
    assert!(
        holds(&raw_bytes(&data), marker),
        "the question is recorded before the erasure"
    );
    erase(&app, reply["conversation_id"].as_str().unwrap()).await;
    assert!(
        !holds(&raw_bytes(&data), marker),
        "the erased question is still readable on disk"
    );
}

#[tokio::test]
async fn feedback_for_an_erased_answer_is_refused() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app.ask("Does it hurt?").await;
    report_until(&app, |b| b["questions"] == 1).await;
    erase(&app, reply["conversation_id"].as_str().unwrap()).await;
    let id = reply["answer_id"].as_str().unwrap();
    let response = post_feedback(&app, json!({"answer_id": id, "helpful": false})).await;
    assert_eq!(response.status(), 404);
    app.ask("hello").await;
    let body = report_until(&app, |b| b["questions"] == 1).await;
    assert_eq!(body["feedback"]["not_helpful"], 0, "{body}");
}

/// The turns in the database file at `path`, read as staff tools would.
fn turns_in(path: &Path) -> Option<i64> {
    let connection = rusqlite::Connection::open(path).ok()?;
    connection
        .query_row("SELECT COUNT(*) FROM turns", [], |r| r.get(0))
        .ok()
}

#[tokio::test]
async fn a_deleted_database_is_recreated_and_recording_goes_on() {
    let app = spawn_app(&[SHIPPED]).await;
    app.ask("Does it hurt?").await;
    report_until(&app, |b| b["questions"] == 1).await;
    let data = data_of(&app);
    for file in ["clinic-chat.db", "clinic-chat.db-wal", "clinic-chat.db-shm"] {
        let _ = std::fs::remove_file(data.join(file));
    }
    app.ask("How many sessions for hair loss?").await;
    let database = data.join("clinic-chat.db");
    let mut found = None;
    for _ in 0..60 {
        app.ask("What is the downtime?").await;
        found = turns_in(&database).filter(|n| *n > 0);
        if found.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(found.is_some(), "questions are recorded in a new file");
    let (status, body) = staff_report(&app).await;
    assert_eq!(status, 200, "{body}");
    let page = app.get("/staff").await.text().await.unwrap();
    assert!(
        page.contains("could not be recorded"),
        "the staff page tells of the question lost with the deleted file"
    );
}

#[tokio::test]
async fn a_database_replaced_by_garbage_makes_the_report_a_clear_503() {
    let app = spawn_app(&[SHIPPED]).await;
    app.ask("Does it hurt?").await;
    report_until(&app, |b| b["questions"] == 1).await;
    let data = data_of(&app);
    let garbage = data.join("garbage");
    std::fs::write(&garbage, "this is not a database ".repeat(400)).unwrap();
    std::fs::rename(&garbage, data.join("clinic-chat.db")).unwrap();
    let reply = app.ask("How many sessions for hair loss?").await;
    assert!(reply["answer"].as_str().unwrap().contains("6-8"));
    let (status, body) = staff_report(&app).await;
    assert_eq!(status, 503, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.starts_with("the questions database cannot be read"),
        "{error}"
    );
    assert!(!error.contains(data.to_str().unwrap()), "no paths: {error}");
}

#[tokio::test]
async fn a_garbage_database_at_start_gives_a_503_report_and_answers_still_come() {
    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("clinic-chat.db"), "garbage ".repeat(600)).unwrap();
    let app = spawn_with(&[SHIPPED], |c| c.data = data.path().to_path_buf()).await;
    let reply = app.ask("How many sessions for hair loss?").await;
    assert!(reply["answer"].as_str().unwrap().contains("6-8"));
    for path in ["/api/staff/report", "/api/staff/report.csv"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 503, "{path}");
        let body: Value = response.json().await.unwrap();
        assert!(
            body["error"]
                .as_str()
                .unwrap()
                .starts_with("the questions database cannot be read"),
            "{body}"
        );
    }
    let page = app.get("/staff").await.text().await.unwrap();
    assert!(page.contains("cannot be read"), "the staff page says why");
}

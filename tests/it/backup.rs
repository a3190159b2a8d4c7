//! Backups, restores and upgrades of the questions database, through the real binary's
//! `backup` and `restore` commands against a real server's data folder.
//!
//! "Answered before the backup started" means what a visitor sees: the reply had reached them
//! before the `backup` command was started. Replies that arrive while the backup runs may or
//! may not be in it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use clinic_chat::config::Config;
use clinic_chat::http::{self, AppState};
use clinic_chat::record::{AnswerId, Kind};
use clinic_chat::store::{Recorder, Store, Turn};
use serde_json::json;
use tokio::sync::oneshot;

use crate::app::{SHIPPED, binary, corpus_of};

/// A server over the shipped article whose recorder the test can ask to flush.
struct Live {
    base: String,
    recorder: Arc<Recorder>,
    _stop: oneshot::Sender<()>,
}

async fn serve(config: Config) -> Live {
    let (answerer, _) = tokio::task::spawn_blocking({
        let config = config.clone();
        move || clinic_chat::load(&config).unwrap()
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(answerer, config);
    let recorder = state.recorder.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(http::run(listener, state, async {
        let _ = stopped.await;
    }));
    Live {
        base,
        recorder,
        _stop: stop,
    }
}

fn config_in(dir: &Path) -> Config {
    let mut config = Config::for_paths(dir.join("corpus"), dir.join("index"));
    config.rate_per_minute = 0;
    config.data = dir.join("data");
    config
}

/// Waits until the recorder has committed everything handed to it so far.
async fn flush(recorder: &Arc<Recorder>) {
    let recorder = recorder.clone();
    tokio::task::spawn_blocking(move || recorder.flush())
        .await
        .unwrap();
}

/// Runs the binary with `args`; returns whether it succeeded, and its output and errors.
async fn run(args: Vec<String>) -> (bool, String) {
    let output = tokio::task::spawn_blocking(move || binary().args(args).output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Questions from an earlier season, so that the copy takes many steps.
fn seed(data: &Path, turns: u32) {
    let store = Store::open(data).unwrap();
    let now = clinic_chat::store::now();
    let seeded: Vec<Turn> = (0..turns)
        .map(|n| Turn {
            answer_id: format!("a_{:032x}", u64::from(n) + (1 << 40))
                .parse()
                .unwrap(),
            conversation_id: format!("c_seed{}", n / 4).parse().unwrap(),
            at: now - 86_400,
            kind: Kind::Answer,
            question: format!("seeded question number {n} about mesotherapy for hair loss"),
            top_source: Some("Mesotherapy — Hair loss".into()),
            latency_us: 300,
            severity: None,
            reading: None,
        })
        .collect();
    store.insert_turns(&seeded).unwrap();
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_every_question_answered_before_it_began() {
    let dir = corpus_of(&[SHIPPED]);
    let config = config_in(dir.path());
    let seeded = 40_000;
    seed(&config.data, seeded);
    let live = serve(config.clone()).await;

    // Visitors chatting, four at a time, until told to stop.
    let answered: Arc<Mutex<Vec<AnswerId>>> = Arc::default();
    let chatting = Arc::new(AtomicBool::new(true));
    let client = reqwest::Client::new();
    let visitors: Vec<_> = (0..4)
        .map(|v| {
            let (client, base) = (client.clone(), live.base.clone());
            let (answered, chatting) = (answered.clone(), chatting.clone());
            tokio::spawn(async move {
                let messages = ["How many sessions for hair loss?", "Does it hurt?", "hello"];
                let mut n = 0;
                while chatting.load(Ordering::Relaxed) {
                    let reply: serde_json::Value = client
                        .post(format!("{base}/api/chat"))
                        .json(&json!({"message": messages[(n + v) % messages.len()]}))
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    let id = reply["answer_id"].as_str().unwrap().parse().unwrap();
                    answered.lock().unwrap().push(id);
                    n += 1;
                }
            })
        })
        .collect();
    let count = || answered.lock().unwrap().len();
    while count() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    // Every reply received so far; the backup starts at once, while visitors go on chatting.
    let to = dir.path().join("backups/clinic-chat-backup.db");
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    let before: Vec<AnswerId> = answered.lock().unwrap().clone();
    let at_start = before.len();
    let (ok, said) = run(vec![
        "backup".into(),
        "--to".into(),
        arg(&to),
        "--data".into(),
        arg(&config.data),
    ])
    .await;
    let during = count() - at_start;
    chatting.store(false, Ordering::Relaxed);
    for visitor in visitors {
        visitor.await.unwrap();
    }
    assert!(ok, "{said}");
    assert!(
        said.contains("backed up") && said.contains(&arg(&to)),
        "{said}"
    );
    assert!(during > 0, "visitors were answered while the backup ran");

    // The service recorded everything meanwhile: the backup held nothing up for long.
    flush(&live.recorder).await;
    assert_eq!(live.recorder.dropped(), 0);
    let all: Vec<AnswerId> = answered.lock().unwrap().clone();
    assert!(all.iter().all(|id| live.recorder.store().has_answer(id)));

    let fresh = tempfile::tempdir().unwrap();
    let restored_into = fresh.path().join("data");
    let (ok, said) = run(vec![
        "restore".into(),
        "--from".into(),
        arg(&to),
        "--data".into(),
        arg(&restored_into),
    ])
    .await;
    assert!(ok, "{said}");
    assert!(said.contains("restored"), "{said}");
    let restored = Store::open(&restored_into).unwrap();
    let missing: Vec<&AnswerId> = before
        .iter()
        .filter(|id| !restored.has_answer(id))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} questions answered before the backup are missing from the restored database",
        missing.len(),
        before.len()
    );
    let total = restored.questions(1, 1).unwrap().total;
    assert!(total >= i64::from(seeded) + before.len() as i64, "{total}");
    assert!(total <= i64::from(seeded) + all.len() as i64, "{total}");
}

#[tokio::test]
async fn restore_is_refused_while_the_server_has_the_database_open() {
    let dir = corpus_of(&[SHIPPED]);
    let config = config_in(dir.path());
    seed(&config.data, 10);
    let backup = dir.path().join("backup.db");
    let (ok, said) = run(vec![
        "backup".into(),
        "--to".into(),
        arg(&backup),
        "--data".into(),
        arg(&config.data),
    ])
    .await;
    assert!(ok, "{said}");
    let live = serve(config.clone()).await;
    let reply: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/chat", live.base))
        .json(&json!({"message": "hello"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    flush(&live.recorder).await;
    let (ok, said) = run(vec![
        "restore".into(),
        "--from".into(),
        arg(&backup),
        "--data".into(),
        arg(&config.data),
    ])
    .await;
    assert!(!ok, "{said}");
    assert!(said.contains("stop it first"), "{said}");
    let id: AnswerId = reply["answer_id"].as_str().unwrap().parse().unwrap();
    assert!(
        live.recorder.store().has_answer(&id),
        "the database in use was left alone"
    );
}

/// The test's own copy of a version-4 database (`tests/fixtures/store/v4.sql`).
fn version_4_database(data: &Path) -> PathBuf {
    std::fs::create_dir_all(data).unwrap();
    let path = data.join("clinic-chat.db");
    let sql = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store/v4.sql"),
    )
    .unwrap();
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(&sql)
        .unwrap();
    path
}

/// Every row of `table`, each column as text, in id order.
fn rows(path: &Path, table: &str, columns: &str) -> Vec<Vec<Option<String>>> {
    let connection = rusqlite::Connection::open(path).unwrap();
    let width = columns.split(',').count();
    let mut statement = connection
        .prepare(&format!("SELECT {columns} FROM {table} ORDER BY id"))
        .unwrap();
    statement
        .query_map([], |r| {
            (0..width)
                .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| text(&v)))
                .collect()
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn text(value: &rusqlite::types::Value) -> Option<String> {
    use rusqlite::types::Value;
    match value {
        Value::Null => None,
        Value::Integer(n) => Some(n.to_string()),
        Value::Real(x) => Some(x.to_string()),
        Value::Text(s) => Some(s.clone()),
        Value::Blob(b) => Some(format!("{b:?}")),
    }
}

const TURN_COLUMNS: &str =
    "answer_id, conversation_id, at, kind, question, top_source, latency_us, severity";
const FEEDBACK_COLUMNS: &str = "answer_id, helpful, comment, at";
const CALLBACK_COLUMNS: &str = "callback_id, conversation_id, at, name, phone, email, preferred_time, message, status, handled_at, webhook_delivery, webhook_attempts, email_delivery";

/// An upgrade: the service of this version starts on a database made by the version before
/// (schema 4), brings it to the current schema and keeps every row as it was.
#[tokio::test]
async fn an_upgrade_keeps_every_row_of_a_database_from_the_previous_version() {
    let dir = corpus_of(&[SHIPPED]);
    let mut config = config_in(dir.path());
    // The fixture's rows are from 2026: kept whatever the date the test runs.
    config.retention_days = 100_000;
    let path = version_4_database(&config.data);
    let turns = rows(&path, "turns", TURN_COLUMNS);
    let feedback = rows(&path, "feedback", FEEDBACK_COLUMNS);
    let callbacks = rows(&path, "callbacks", CALLBACK_COLUMNS);
    assert_eq!((turns.len(), feedback.len(), callbacks.len()), (8, 3, 2));

    let live = serve(config.clone()).await;
    let client = reqwest::Client::new();
    let page: serde_json::Value = client
        .get(format!("{}/api/staff/questions?page=1", live.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 8, "{page}");
    let listed: serde_json::Value = client
        .get(format!("{}/api/staff/callbacks", live.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["callbacks"].as_array().unwrap().len(), 2, "{listed}");
    let reply: serde_json::Value = client
        .post(format!("{}/api/chat", live.base))
        .json(&json!({"message": "How many sessions for hair loss?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    flush(&live.recorder).await;

    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, clinic_chat::store::SCHEMA_VERSION);
    let now = rows(&path, "turns", TURN_COLUMNS);
    assert_eq!(now[..8], turns[..], "the old questions, unchanged");
    assert_eq!(now.len(), 9, "and the new one recorded");
    assert_eq!(now[8][0].as_deref(), reply["answer_id"].as_str());
    assert_eq!(rows(&path, "feedback", FEEDBACK_COLUMNS), feedback);
    assert_eq!(rows(&path, "callbacks", CALLBACK_COLUMNS), callbacks);
}

#[tokio::test]
async fn the_service_refuses_to_start_on_a_database_from_a_newer_version() {
    let dir = corpus_of(&[SHIPPED]);
    let config = config_in(dir.path());
    let path = version_4_database(&config.data);
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 9)
        .unwrap();
    let (ok, said) = run(vec![
        "serve".into(),
        "--addr".into(),
        "127.0.0.1:0".into(),
        "--corpus".into(),
        arg(&config.corpus),
        "--index".into(),
        arg(&config.index),
        "--data".into(),
        arg(&config.data),
    ])
    .await;
    assert!(!ok, "{said}");
    assert!(said.contains("newer clinic-chat"), "{said}");
    assert!(said.contains("schema version 9"), "{said}");
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 9, "left as it was");
}

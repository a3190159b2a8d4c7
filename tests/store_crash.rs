//! A hard kill while questions are being recorded leaves a database that opens, passes
//! SQLite's integrity check and still reports, after a restart of the real binary.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(dir: &Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_clinic-chat"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .arg("--corpus")
        .arg(dir.join("corpus"))
        .arg("--index")
        .arg(dir.join("index"))
        .arg("--data")
        .arg(dir.join("data"))
        .env("CLINIC_CHAT_RATE_PER_MINUTE", "0")
        .env_remove("CLINIC_CHAT_STAFF_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    Server(child)
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the service did not become healthy");
}

#[tokio::test]
async fn a_hard_kill_mid_write_leaves_a_database_that_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    let shipped =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/mesotherapy-for-flawless-skin.txt");
    std::fs::copy(
        shipped,
        dir.path().join("corpus/mesotherapy-for-flawless-skin.txt"),
    )
    .unwrap();
    let client = reqwest::Client::new();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(dir.path(), port);
    wait_healthy(&client, &base).await;
    let mut asks = Vec::new();
    for i in 0..40 {
        let client = client.clone();
        let url = format!("{base}/api/chat");
        asks.push(tokio::spawn(async move {
            let message = format!("how many sessions for cellulite, question {i}?");
            let _ = client
                .post(url)
                .json(&json!({ "message": message }))
                .send()
                .await;
        }));
    }
    tokio::time::sleep(Duration::from_millis(30)).await;
    server.0.kill().expect("SIGKILL");
    let _ = server.0.wait();
    for ask in asks {
        let _ = ask.await;
    }

    let database = dir.path().join("data/clinic-chat.db");
    let connection = rusqlite::Connection::open(&database).unwrap();
    let check: String = connection
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(connection);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = start(dir.path(), port);
    wait_healthy(&client, &base).await;
    let reply: Value = client
        .post(format!("{base}/api/chat"))
        .json(&json!({"message": "what is the downtime?"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(reply["kind"], "answer");
    let report = client
        .get(format!("{base}/api/staff/report?days=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);
    let body: Value = report.json().await.unwrap();
    assert!(body["questions"].as_i64().is_some(), "{body}");
}

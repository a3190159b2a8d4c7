//! `CLINIC_CHAT_LOG_FORMAT=json`: the real binary's log is one JSON object a line, for a log
//! collector, and a visitor's message is in none of them.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

use crate::app::{SHIPPED, binary, corpus_of};

/// Kills the server when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_and_never_hold_a_visitors_message() {
    let dir = corpus_of(&[SHIPPED]);
    let mut child = binary()
        .args(["serve", "--addr", "127.0.0.1:0", "--rate-per-minute", "0"])
        .arg("--corpus")
        .arg(dir.path().join("corpus"))
        .arg("--index")
        .arg(dir.path().join("index"))
        .arg("--data")
        .arg(dir.path().join("data"))
        .env("CLINIC_CHAT_LOG_FORMAT", "json")
        // Even at debug level, nothing of what visitors write is logged.
        .env("RUST_LOG", "debug,tantivy=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let _running = Running(child);
    let (lines, logged) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next = |within: Duration| logged.recv_timeout(within).ok();

    // The address it serves on, read from its own JSON line.
    let mut seen: Vec<String> = Vec::new();
    let base = loop {
        let line = next(Duration::from_secs(60)).expect("the server says where it serves");
        seen.push(line.clone());
        let entry: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        let message = entry["fields"]["message"].as_str().unwrap_or_default();
        if let Some(address) = message.strip_prefix("serving ") {
            break address.to_string();
        }
    };
    let secret = "Zebedee Quokkaberry at 12 Lark Lane";
    let client = reqwest::Client::new();
    for message in [
        format!("How many sessions for hair loss? I am {secret}"),
        format!("my throat is swelling after fillers, {secret}"),
    ] {
        let response = client
            .post(format!("{base}/api/chat"))
            .json(&json!({ "message": message }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let bad = client
        .post(format!("{base}/api/chat"))
        .header("content-type", "application/json")
        .body(format!("{{\"message\": \"{secret}"))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // The request lines come as each response is written; give them a moment to arrive.
    while let Some(line) = next(Duration::from_millis(500)) {
        seen.push(line);
    }

    let entries: Vec<Value> = seen
        .iter()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(
        entries
            .iter()
            .all(|e| e["level"].is_string() && e["timestamp"].is_string())
    );
    let chats: Vec<&Value> = entries
        .iter()
        .filter(|e| e["span"]["route"] == "/api/chat" && e["fields"]["status"].is_number())
        .collect();
    assert_eq!(chats.len(), 3, "one line for each chat request: {seen:#?}");
    assert!(chats.iter().any(|e| e["span"]["kind"] == "urgent"));
    for word in ["Zebedee", "Quokkaberry", "Lark Lane"] {
        assert!(
            seen.iter().all(|line| !line.contains(word)),
            "{word} was logged"
        );
    }
}

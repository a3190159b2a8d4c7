//! Bad input gets the documented status and a JSON error, and the service stays healthy.

use serde_json::{Value, json};

use crate::app::{SHIPPED, spawn_app, spawn_with};

async fn post_raw(app: &crate::app::App, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/chat", app.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_requests_get_400_with_a_json_error() {
    let app = spawn_app(&[SHIPPED]).await;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated JSON", br#"{"message": "does it hu"#.to_vec()),
        ("not an object", b"[1, 2, 3]".to_vec()),
        ("missing message", br#"{"conversation_id": "x"}"#.to_vec()),
        ("message of the wrong type", br#"{"message": 42}"#.to_vec()),
        ("empty message", br#"{"message": ""}"#.to_vec()),
        ("white space only", br#"{"message": "  \n\t "}"#.to_vec()),
        ("invalid UTF-8", b"{\"message\": \"\xff\xfe\"}".to_vec()),
        (
            "1,001 characters",
            json!({"message": "a".repeat(1001)})
                .to_string()
                .into_bytes(),
        ),
    ];
    for (what, body) in cases {
        let (status, reply) = post_raw(&app, "application/json", body).await;
        assert_eq!(status, 400, "{what}: {reply}");
        assert!(
            reply["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{what}: {reply}"
        );
    }
}

#[tokio::test]
async fn a_body_over_16_kib_gets_413_and_non_json_gets_415() {
    let app = spawn_app(&[SHIPPED]).await;
    let big = json!({"message": "x".repeat(1024 * 1024)})
        .to_string()
        .into_bytes();
    let (status, reply) = post_raw(&app, "application/json", big).await;
    assert_eq!(status, 413, "{reply}");
    assert!(reply["error"].is_string());
    let (status, reply) = post_raw(&app, "text/plain", b"does it hurt?".to_vec()).await;
    assert_eq!(status, 415, "{reply}");
    assert!(reply["error"].is_string());
}

#[tokio::test]
async fn hostile_but_valid_text_is_answered_never_500() {
    let app = spawn_app(&[SHIPPED]).await;
    let messages = [
        "title:x AND (",
        "what's the price (approx.)?",
        "*",
        "~2",
        &"(".repeat(500),
        "'; DROP TABLE articles; --",
        "<script>alert(1)</script> does it hurt?",
        "does\u{0}it hurt",
        "هل يؤلم؟",
        "does\u{200b}it\u{200b}hurt",
        "😀😀😀 hair loss",
        &"sessions ".repeat(110),
    ];
    for message in messages {
        let (status, reply) = app.chat(json!({ "message": message })).await;
        assert_eq!(status, 200, "{message:?}: {reply}");
        assert!(
            !reply["answer"].as_str().unwrap().contains("<script>"),
            "visitor text is never echoed"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn too_many_messages_get_429_with_retry_after() {
    let app = spawn_with(&[SHIPPED], |c| c.rate_per_minute = 3).await;
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = app
            .client
            .post(format!("{}/api/chat", app.base))
            .json(&json!({"message": "hello"}))
            .send()
            .await
            .unwrap();
        statuses.push((
            response.status().as_u16(),
            response.headers().get("retry-after").cloned(),
        ));
    }
    let limited = statuses
        .iter()
        .find(|(s, _)| *s == 429)
        .expect("the limit is reached");
    assert!(limited.1.is_some(), "429 carries Retry-After");
    assert_eq!(statuses[0].0, 200);
}

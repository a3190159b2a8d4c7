//! What staff learn from visitors' questions: recording, feedback, the report, erasure.

use serde_json::{Value, json};

use crate::app::{SHIPPED, spawn_app, spawn_with};

/// The report once it shows what `ready` waits for: recording is asynchronous, and the
/// report reads what the writer has committed. Gives up (returning the last report) after
/// about 2.5 s.
async fn report_when(app: &crate::app::App, ready: impl Fn(&Value) -> bool) -> Value {
    let mut body = Value::Null;
    for _ in 0..50 {
        body = app
            .get("/api/staff/report?days=7")
            .await
            .json()
            .await
            .unwrap();
        if ready(&body) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    body
}

async fn report(app: &crate::app::App) -> Value {
    report_when(app, |body| body["questions"].as_i64().unwrap_or(0) > 0).await
}

#[tokio::test]
async fn the_report_counts_questions_by_kind_with_personal_details_redacted() {
    let app = spawn_app(&[SHIPPED]).await;
    app.ask("How many sessions for cellulite?").await;
    // A phone number asks to be called back: small talk with the clinic's details.
    app.ask("What are your opening hours? call me on 07700 900123")
        .await;
    app.ask("opening hours please").await;
    app.ask("hello").await;
    app.ask("my throat is swelling after fillers, call me on 07700 900123")
        .await;
    let body = report_when(&app, |body| body["questions"] == 5).await;
    assert_eq!(body["questions"], 5, "{body}");
    assert_eq!(body["by_kind"]["answer"], 1);
    assert_eq!(body["by_kind"]["fallback"], 1);
    assert_eq!(body["by_kind"]["smalltalk"], 2);
    assert_eq!(body["by_kind"]["urgent"], 1);
    let urgent = body["urgent"].to_string();
    assert!(
        !urgent.contains("07700"),
        "phone numbers are redacted: {urgent}"
    );
    assert!(urgent.contains("[number]"), "{urgent}");
}

#[tokio::test]
async fn feedback_on_an_answer_is_stored_and_reported() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app.ask("Does it hurt?").await;
    let answer_id = reply["answer_id"].as_str().unwrap();
    let response = app
        .client
        .post(format!("{}/api/feedback", app.base))
        .json(&json!({"answer_id": answer_id, "helpful": false, "comment": "too vague"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let body = report_when(&app, |body| body["feedback"]["not_helpful"] == 1).await;
    assert_eq!(body["feedback"]["not_helpful"], 1, "{body}");
    assert_eq!(body["unhelpful"][0]["comment"], "too vague");
}

#[tokio::test]
async fn malformed_feedback_gets_400() {
    let app = spawn_app(&[SHIPPED]).await;
    for body in [
        json!({"helpful": true}),
        json!({"answer_id": "a_0123456789abcdef0123456789abcdef", "helpful": "yes"}),
        json!({"answer_id": "<script>", "helpful": true}),
        json!({"answer_id": "a_0123456789abcdef0123456789abcdef", "helpful": true, "comment": "x".repeat(1001)}),
    ] {
        let response = app
            .client
            .post(format!("{}/api/feedback", app.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].is_string());
    }
}

#[tokio::test]
async fn a_conversation_can_be_erased_on_request() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app.ask("How many sessions for cellulite?").await;
    let id = reply["conversation_id"].as_str().unwrap();
    assert_eq!(report(&app).await["questions"], 1);
    let response = app
        .client
        .delete(format!("{}/api/staff/conversations/{id}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let body: Value = app
        .get("/api/staff/report?days=7")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["questions"], 0, "{body}");
    let follow_up = app
        .chat(json!({"message": "and for hair loss?", "conversation_id": id}))
        .await
        .1;
    assert!(
        !follow_up["answer"].as_str().unwrap().contains("6-8"),
        "the conversation is forgotten too"
    );
}

#[tokio::test]
async fn a_mistyped_conversation_id_is_refused_rather_than_reported_erased() {
    let app = spawn_app(&[SHIPPED]).await;
    let response = app
        .client
        .delete(format!("{}/api/staff/conversations/c_1%20", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("not a conversation id"),
        "{body}"
    );
}

#[tokio::test]
async fn the_chat_still_answers_when_the_database_cannot_be_written() {
    let blocker = tempfile::NamedTempFile::new().unwrap();
    let app = spawn_with(&[SHIPPED], |c| c.data = blocker.path().join("data")).await;
    let reply = app.ask("How many sessions for hair loss?").await;
    assert!(reply["answer"].as_str().unwrap().contains("6-8"));
    let report = app.get("/api/staff/report").await;
    assert!(
        report.status().is_server_error() || report.status() == 503,
        "the report says the database is unavailable"
    );
}

#[tokio::test]
async fn the_staff_page_and_csv_show_the_report() {
    let app = spawn_app(&[SHIPPED]).await;
    app.ask("do you do tattoo removal").await;
    report(&app).await;
    let html = app.get("/staff?q=downtime").await.text().await.unwrap();
    assert!(html.contains("What visitors ask"));
    assert!(
        html.contains("tattoo removal"),
        "unanswered questions are listed"
    );
    assert!(
        html.contains("Ranked passages"),
        "the try box shows passages"
    );
    let csv = app
        .get("/api/staff/report.csv?days=7")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("day,questions,answers,fallbacks,urgent\n"));
    assert!(csv.contains("\"do you do tattoo removal\",1"), "{csv}");
}

#[tokio::test]
async fn with_a_staff_token_the_page_asks_for_it_and_the_login_sets_a_session() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some("let-me-in".into())).await;
    let html = app.get("/staff").await.text().await.unwrap();
    assert!(html.contains("Staff sign-in"));
    assert_eq!(app.get("/api/staff/report").await.status(), 401);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let wrong = client
        .post(format!("{}/staff/login", app.base))
        .form(&[("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client
        .post(format!("{}/staff/login", app.base))
        .form(&[("token", "let-me-in")])
        .send()
        .await
        .unwrap();
    let cookie = right.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"));
    let session = cookie.split(';').next().unwrap();
    let page = client
        .get(format!("{}/staff", app.base))
        .header("cookie", session)
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("What visitors ask"));
}

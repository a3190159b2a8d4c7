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

// --- Staff tools: questions by meaning, every question, urgent messages, sign-in ----------

/// The report once it holds `n` questions.
async fn report_of(app: &crate::app::App, n: i64) -> Value {
    let body = report_when(app, |body| body["questions"] == n).await;
    assert_eq!(body["questions"], n, "{body}");
    body
}

/// The unanswered group whose label ends with `asks`, for the treatment `named`.
fn group<'a>(report: &'a Value, named: &str, asks: &str) -> Option<&'a Value> {
    report["unanswered"].as_array()?.iter().find(|g| {
        g["label"]
            .as_str()
            .is_some_and(|l| l.contains(named) && l.ends_with(asks))
    })
}

#[tokio::test]
async fn unanswered_questions_are_grouped_by_treatment_and_ask_however_they_are_worded() {
    let app = spawn_app(&[SHIPPED]).await;
    for question in [
        "how much is tattoo removal?",
        "Tattoo removal price",
        "does tattoo removal hurt?",
        "how many sessions of fat freezing",
        "cryolipolysis: how many treatments will I need",
    ] {
        assert_eq!(app.ask(question).await["kind"], "fallback", "{question}");
    }
    let body = report_of(&app, 5).await;
    let cost = group(&body, "tattoo removal", "· cost").expect("one group for the price");
    assert_eq!(cost["count"], 2, "{body}");
    let examples = cost["examples"].to_string();
    assert!(
        examples.contains("how much is tattoo removal?")
            && examples.contains("Tattoo removal price"),
        "both wordings are shown: {examples}"
    );
    let pain = group(&body, "tattoo removal", "· does it hurt").expect("pain is its own group");
    assert_eq!(pain["count"], 1, "{body}");
    let sessions = body["unanswered"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| {
            g["label"]
                .as_str()
                .is_some_and(|l| l.ends_with("· how many sessions"))
        })
        .expect("fat freezing and cryolipolysis are one treatment");
    assert_eq!(sessions["count"], 2, "{body}");
    assert_eq!(body["unanswered"].as_array().unwrap().len(), 3, "{body}");
    let html = app.get("/staff").await.text().await.unwrap();
    assert!(
        html.contains("tattoo removal · cost"),
        "the page shows the group's label"
    );
    assert!(html.contains("asked 2 times"));
}

#[tokio::test]
async fn every_question_is_listed_newest_first_a_page_at_a_time() {
    let app = spawn_app(&[SHIPPED]).await;
    for question in ["Does it hurt?", "do you do tattoo removal", "hello"] {
        app.ask(question).await;
    }
    report_of(&app, 3).await;
    let first: Value = app
        .get("/api/staff/questions?per_page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (first["total"].as_i64(), first["pages"].as_i64()),
        (Some(3), Some(2))
    );
    let asked: Vec<&str> = first["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["question"].as_str().unwrap())
        .collect();
    assert_eq!(asked, ["hello", "do you do tattoo removal"], "{first}");
    assert_eq!(first["questions"][1]["kind"], "fallback");
    let last: Value = app
        .get("/api/staff/questions?per_page=2&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(last["questions"][0]["question"], "Does it hurt?");
    assert_eq!(last["questions"][0]["kind"], "answer");
    assert!(
        last["questions"][0]["top_source"]
            .as_str()
            .is_some_and(|s| s.contains("Mesotherapy")),
        "{last}"
    );
    for bad in ["page=0", "page=two", "per_page=1000", "per_page=0"] {
        let response = app.get(&format!("/api/staff/questions?{bad}")).await;
        assert_eq!(response.status(), 400, "{bad}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].is_string(), "{bad}: {error}");
    }
    let html = app.get("/staff/questions").await.text().await.unwrap();
    assert!(html.contains("Every question") && html.contains("do you do tattoo removal"));
    assert!(html.contains("Page 1 of 1"), "50 to a page");
    for bad in ["page=x", "page=0", "page=1&page=2", "page=-1"] {
        let wrong = app.get(&format!("/staff/questions?{bad}")).await;
        assert_eq!(wrong.status(), 400, "{bad}");
        let page = wrong.text().await.unwrap();
        assert!(page.contains("whole number"), "a page, not JSON: {bad}");
    }
}

#[tokio::test]
async fn the_questions_csv_holds_each_question_with_formulas_defused() {
    let app = spawn_app(&[SHIPPED]).await;
    app.ask("Does it hurt?").await;
    app.chat(json!({"message": "=HYPERLINK(\"http://evil.example\",\"win\")", "conversation_id": "-visitor"}))
        .await;
    app.ask("-2+3 opening hours").await;
    report_of(&app, 3).await;
    let response = app.get("/api/staff/questions.csv?days=7").await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("clinic-chat-questions-7d.csv")
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "\"time\",\"kind\",\"severity\",\"question\",\"top source\",\"conversation id\""
    );
    assert_eq!(lines.len(), 4, "one row a question: {csv}");
    assert!(lines[1].contains("\"'-2+3 opening hours\""), "{csv}");
    assert!(
        lines[2].contains("\"'=HYPERLINK(\"\"http://evil.example\"\""),
        "{csv}"
    );
    assert!(
        lines[2].ends_with("\"'-visitor\""),
        "a visitor's own id is defused too: {csv}"
    );
    assert!(
        lines[3].contains("\"answer\"") && lines[3].contains("\"Does it hurt?\""),
        "{csv}"
    );
    assert!(
        !csv.contains(",=") && !csv.contains(",\"=") && !csv.contains(",\"-"),
        "{csv}"
    );
    let bad = app.get("/api/staff/questions.csv?days=0").await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn urgent_messages_are_listed_on_the_staff_page_with_their_conversation_escaped() {
    let app = spawn_app(&[SHIPPED]).await;
    let (_, reply) = app
        .chat(json!({
            "message": "<b>help</b> my throat is swelling after fillers, call 07700 900123",
            "conversation_id": "visitor-urgent-1"
        }))
        .await;
    assert_eq!(reply["kind"], "urgent");
    report_of(&app, 1).await;
    let html = app.get("/staff").await.text().await.unwrap();
    let urgent = &html[html.find("Urgent messages").unwrap()..];
    let urgent = &urgent[..urgent.find("</table>").unwrap()];
    assert!(urgent.contains("visitor-urgent-1"), "{urgent}");
    assert!(urgent.contains("emergency"), "{urgent}");
    assert!(urgent.contains("UTC"), "the time: {urgent}");
    assert!(
        urgent.contains("&#60;b&#62;help&#60;/b&#62;"),
        "escaped: {urgent}"
    );
    assert!(
        !urgent.contains("<b>"),
        "no markup from a visitor: {urgent}"
    );
    assert!(!urgent.contains("07700"), "redacted: {urgent}");
}

#[tokio::test]
async fn after_five_wrong_sign_ins_the_form_says_how_long_to_wait() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some("t".repeat(40))).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let try_token = |token: String| {
        client
            .post(format!("{}/staff/login", app.base))
            .form(&[("token", token)])
            .send()
    };
    for n in 0..5 {
        assert_eq!(try_token(format!("wrong-{n}")).await.unwrap().status(), 401);
    }
    let locked = try_token("t".repeat(40)).await.unwrap();
    assert_eq!(locked.status(), 429, "even the right token waits");
    let wait: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (14 * 60..=15 * 60 + 1).contains(&wait),
        "a quarter of an hour: {wait}"
    );
    let page = locked.text().await.unwrap();
    assert!(page.contains("try again in 15 minutes"), "{page}");
}

#[tokio::test]
async fn a_signed_in_session_opens_every_staff_page_until_signed_out() {
    let token = "s".repeat(40);
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(token.clone())).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{}/staff/login", app.base))
        .form(&[("token", token.as_str())])
        .send()
        .await
        .unwrap();
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap();
    assert!(
        !cookie.contains(&token),
        "the cookie is a session, not the token"
    );
    assert!(cookie.contains("Max-Age="), "it expires: {cookie}");
    let session = cookie.split(';').next().unwrap().to_string();
    let questions = |session: String| {
        client
            .get(format!("{}/staff/questions", app.base))
            .header("cookie", session)
            .send()
    };
    let page = questions(session.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Every question"), "{page}");
    let out = client
        .post(format!("{}/staff/logout", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let page = questions(session).await.unwrap().text().await.unwrap();
    assert!(page.contains("Staff sign-in"), "signed out: {page}");
    let json = client
        .get(format!("{}/api/staff/questions", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        json.status(),
        200,
        "the bearer token still opens the JSON API"
    );
}

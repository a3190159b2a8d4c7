//! Reaching the clinic: a visitor asks for a person and leaves a call-back request; staff see
//! it and mark it handled; it reaches the clinic's webhook (an HTTP server here, on a free
//! port) and its SMTP server (mailin-embedded, on a free port); the visitor erases the
//! conversation and everything of it is gone.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};

use crate::app::{App, SHIPPED, spawn_app, spawn_with};
use crate::receivers::{Inbox, Receiver, smtp_server, webhook};

impl App {
    /// Posts JSON to `path`; returns the status, the `Retry-After` header and the JSON body.
    async fn post_json(&self, path: &str, body: &Value) -> (u16, Option<String>, Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        (status, retry, response.json().await.unwrap_or(Value::Null))
    }

    async fn callbacks(&self) -> Vec<Value> {
        let body: Value = self.get("/api/staff/callbacks").await.json().await.unwrap();
        body["callbacks"].as_array().cloned().unwrap_or_default()
    }

    /// The stored request `id` once `ready` holds for it (delivery runs in the background);
    /// the last seen after about 5 s.
    async fn callback_when(&self, id: &str, ready: impl Fn(&Value) -> bool) -> Value {
        let mut seen = Value::Null;
        for _ in 0..100 {
            seen = self
                .callbacks()
                .await
                .into_iter()
                .find(|c| c["id"] == id)
                .unwrap_or(Value::Null);
            if ready(&seen) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seen
    }
}

fn request(name: &str) -> Value {
    json!({"name": name, "phone": "07700 900123", "preferred_time": "after 5pm",
           "message": "About the hair loss course", "consent": true})
}

#[tokio::test]
async fn asking_for_a_person_or_typing_a_number_offers_the_clinic_and_a_call_back() {
    let app = spawn_app(&[SHIPPED]).await;
    for message in [
        "can I talk to a real person please",
        "please ring me on 07700 900123",
        "jane.doe@example.org",
    ] {
        let reply = app.ask(message).await;
        assert_eq!(reply["kind"], "smalltalk", "{message}: {reply}");
        assert_eq!(reply["callback"], true, "{message}: {reply}");
        let phone = reply["contact"]["phone"].as_str().unwrap();
        assert!(reply["answer"].as_str().unwrap().contains(phone), "{reply}");
    }
    let answered = app.ask("How many sessions for hair loss?").await;
    assert!(answered.get("callback").is_none(), "{answered}");
}

#[tokio::test]
async fn each_bad_field_of_a_call_back_request_gets_a_400_that_names_it() {
    let app = spawn_app(&[SHIPPED]).await;
    let with = |change: Value| {
        let mut body = request("Jane Doe");
        for (key, value) in change.as_object().unwrap() {
            match value {
                Value::Null => body.as_object_mut().unwrap().remove(key),
                _ => body
                    .as_object_mut()
                    .unwrap()
                    .insert(key.clone(), value.clone()),
            };
        }
        body
    };
    for (body, field) in [
        (with(json!({"name": null})), "name"),
        (with(json!({"name": "   "})), "name"),
        (with(json!({"name": "x".repeat(101)})), "name"),
        (with(json!({"phone": null})), "phone"),
        (with(json!({"phone": "call me maybe"})), "phone"),
        (with(json!({"email": "jane@"})), "email"),
        (with(json!({"message": "x".repeat(1001)})), "message"),
        (
            with(json!({"preferred_time": "x".repeat(101)})),
            "preferred_time",
        ),
        (with(json!({"consent": false})), "consent"),
        (with(json!({"consent": null})), "consent"),
        (
            with(json!({"conversation_id": "not an id!"})),
            "conversation_id",
        ),
    ] {
        let (status, _, reply) = app.post_json("/api/callback", &body).await;
        assert_eq!(status, 400, "{body}: {reply}");
        assert_eq!(reply["field"], field, "{body}: {reply}");
        let error = reply["error"].as_str().unwrap();
        assert!(
            error.starts_with(field),
            "the message names the field: {error}"
        );
    }
    let (status, _, reply) = app
        .post_json("/api/callback", &with(json!({"consent": "yes"})))
        .await;
    assert_eq!(status, 400, "{reply}");
    assert!(
        reply["error"].as_str().unwrap().contains("consent"),
        "{reply}"
    );
    let as_text = app
        .client
        .post(format!("{}/api/callback", app.base))
        .header("content-type", "text/plain")
        .body("name=Jane")
        .send()
        .await
        .unwrap();
    assert_eq!(as_text.status(), 415);
    let huge = with(json!({"message": "x".repeat(20_000)}));
    let (status, _, _) = app.post_json("/api/callback", &huge).await;
    assert_eq!(status, 413);
    assert!(app.callbacks().await.is_empty(), "nothing bad was stored");
}

#[tokio::test]
async fn a_call_back_request_is_listed_for_staff_newest_first_and_marked_handled() {
    let app = spawn_app(&[SHIPPED]).await;
    let (status, _, first) = app
        .post_json("/api/callback", &request("Jane <b>Doe</b>"))
        .await;
    assert_eq!(status, 201, "{first}");
    let by_email = json!({"name": "Sam", "email": "sam@example.org", "consent": true});
    let (status, _, second) = app.post_json("/api/callback", &by_email).await;
    assert_eq!(status, 201, "{second}");
    let listed = app.callbacks().await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], second["id"], "newest first");
    let jane = &listed[1];
    assert_eq!(jane["name"], "Jane <b>Doe</b>");
    assert_eq!(jane["phone"], "07700 900123", "staff get the number whole");
    assert_eq!(jane["preferred_time"], "after 5pm");
    assert_eq!(jane["status"], "new");
    assert!(jane["created"].as_str().unwrap().ends_with('Z'), "{jane}");

    let page = app.get("/staff").await.text().await.unwrap();
    assert!(
        page.contains("Jane &#60;b&#62;Doe&#60;/b&#62;"),
        "the name is escaped on the staff page"
    );
    assert!(!page.contains("<b>Doe</b>"));

    let id = first["id"].as_str().unwrap();
    let (status, _, marked) = app
        .post_json(&format!("/api/staff/callbacks/{id}/handled"), &json!({}))
        .await;
    assert_eq!(status, 200, "{marked}");
    let listed = app.callbacks().await;
    assert_eq!(listed[1]["status"], "handled");
    assert_eq!(listed[0]["status"], "new");
    let (status, _, missing) = app
        .post_json("/api/staff/callbacks/cb_nothing/handled", &json!({}))
        .await;
    assert_eq!(status, 404);
    assert!(missing["error"].is_string());
}

#[tokio::test]
async fn the_visitor_erases_their_conversation_and_its_questions_feedback_and_requests_go() {
    let app = spawn_app(&[SHIPPED]).await;
    let reply = app.ask("Does it hurt?").await;
    let conversation = reply["conversation_id"].as_str().unwrap().to_string();
    let answer_id = reply["answer_id"].as_str().unwrap();
    let vote = json!({"answer_id": answer_id, "helpful": true});
    assert_eq!(app.post_json("/api/feedback", &vote).await.0, 204);
    let mut theirs = request("Jane");
    theirs["conversation_id"] = json!(conversation);
    assert_eq!(app.post_json("/api/callback", &theirs).await.0, 201);
    let mut other = request("Someone else");
    other["conversation_id"] = json!("c_other");
    assert_eq!(app.post_json("/api/callback", &other).await.0, 201);

    let erased = app
        .client
        .delete(format!("{}/api/conversations/{conversation}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);

    let names: Vec<Value> = app
        .callbacks()
        .await
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert_eq!(names, [json!("Someone else")], "only their request went");
    let report: Value = app
        .get("/api/staff/report?days=7")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["questions"], 0, "their question went: {report}");
    assert_eq!(
        report["feedback"]["helpful"], 0,
        "their vote went: {report}"
    );
    let (status, _, _) = app.post_json("/api/feedback", &vote).await;
    assert_eq!(status, 404, "an erased answer takes no more votes");
    let bad = app
        .client
        .delete(format!("{}/api/conversations/not%20an%20id", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn call_back_requests_are_limited_per_client_more_strictly_than_chat() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.rate_per_minute = 30;
        c.callbacks_per_hour = 2;
    })
    .await;
    for name in ["One", "Two"] {
        assert_eq!(app.post_json("/api/callback", &request(name)).await.0, 201);
    }
    let (status, retry, reply) = app.post_json("/api/callback", &request("Three")).await;
    assert_eq!(status, 429, "{reply}");
    assert!(
        retry.is_some_and(|s| s.parse::<u64>().unwrap() > 60),
        "an hour's allowance"
    );
    assert!(reply["error"].is_string());
    assert_eq!(app.callbacks().await.len(), 2);
    app.ask("Does it hurt?").await;
}

#[tokio::test]
async fn a_call_back_request_reaches_the_clinics_webhook_after_two_failures() {
    let receiver = Receiver {
        failures: 2,
        ..Receiver::default()
    };
    let url = webhook(receiver.clone()).await;
    let app = spawn_with(&[SHIPPED], |c| {
        c.callback_webhook = Some(url);
        c.callback_retry_ms = 20;
        c.clinic_name = "Bloom Skin Clinic".into();
    })
    .await;
    let started = std::time::Instant::now();
    let (status, _, created) = app.post_json("/api/callback", &request("Jane Doe")).await;
    assert_eq!(status, 201);
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "the visitor does not wait for delivery"
    );
    let id = created["id"].as_str().unwrap();
    let row = app
        .callback_when(id, |c| c["delivery"]["webhook"] == "delivered")
        .await;
    assert_eq!(row["delivery"]["webhook"], "delivered", "{row}");
    assert_eq!(row["delivery"]["webhook_attempts"], 3, "{row}");
    assert_eq!(receiver.calls.load(Ordering::SeqCst), 3);
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["id"], id);
    assert_eq!(received[0]["name"], "Jane Doe");
    assert_eq!(received[0]["phone"], "07700 900123");
    assert_eq!(received[0]["clinic"], "Bloom Skin Clinic");
}

#[tokio::test]
async fn a_webhook_that_refuses_the_request_is_marked_failed_without_retrying() {
    let receiver = Receiver::default();
    let url = webhook(receiver.clone()).await;
    let wrong = url.replace("/hooks/callback", "/no-such-hook");
    let app = spawn_with(&[SHIPPED], |c| {
        c.callback_webhook = Some(wrong);
        c.callback_retry_ms = 20;
    })
    .await;
    let (_, _, created) = app.post_json("/api/callback", &request("Jane")).await;
    let id = created["id"].as_str().unwrap();
    let row = app
        .callback_when(id, |c| c["delivery"]["webhook"] == "failed")
        .await;
    assert_eq!(row["delivery"]["webhook"], "failed", "{row}");
    assert_eq!(
        row["delivery"]["webhook_attempts"], 1,
        "a 404 is not tried again"
    );
}

#[tokio::test]
async fn a_call_back_request_reaches_the_clinic_by_email() {
    let inbox = Inbox::default();
    let port = smtp_server(inbox.clone());
    let app = spawn_with(&[SHIPPED], |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.clinic_email = "hello@bloom.example".into();
        c.smtp_from = Some("chat@bloom.example".into());
        c.callback_retry_ms = 20;
    })
    .await;
    let mut body = request("Jane Doe");
    body["email"] = json!("jane@example.org");
    let (status, _, created) = app.post_json("/api/callback", &body).await;
    assert_eq!(status, 201);
    let id = created["id"].as_str().unwrap();
    let row = app
        .callback_when(id, |c| c["delivery"]["email"] == "delivered")
        .await;
    assert_eq!(row["delivery"]["email"], "delivered", "{row}");
    assert_eq!(row["delivery"]["webhook"], "off", "no webhook configured");
    let messages = inbox.messages.lock().unwrap().clone();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    for expected in [
        "Name: Jane Doe",
        "Phone: 07700 900123",
        "Preferred time: after 5pm",
        "Reply-To: jane@example.org",
        id,
    ] {
        assert!(message.contains(expected), "{expected} in {message}");
    }
    let recipients = inbox.recipients.lock().unwrap().clone();
    assert_eq!(recipients, ["hello@bloom.example"]);
}

#[tokio::test]
async fn staff_mark_a_request_handled_and_erase_a_conversation_from_the_staff_page() {
    let app = spawn_app(&[SHIPPED]).await;
    let mut body = request("Jane");
    body["conversation_id"] = json!("c_jane");
    let (_, _, created) = app.post_json("/api/callback", &body).await;
    let id = created["id"].as_str().unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = |path: &str| {
        browser
            .post(format!("{}{path}", app.base))
            .header("accept", "text/html")
            .header("content-type", "application/x-www-form-urlencoded")
    };
    let marked = form(&format!("/api/staff/callbacks/{id}/handled"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        marked.status(),
        303,
        "the page's button returns to the page"
    );
    assert_eq!(marked.headers()["location"], "/staff#callbacks");
    let page = app.get("/staff").await.text().await.unwrap();
    assert!(page.contains("callback-handled"), "shown as handled");
    assert!(page.contains("c_jane"), "staff see the conversation id");

    let erased = form("/staff/erase")
        .body("conversation_id=c_jane")
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 303);
    assert_eq!(erased.headers()["location"], "/staff?erased=c_jane#erase");
    assert!(app.callbacks().await.is_empty(), "its request is gone");
    let page = app.get("/staff?erased=c_jane").await.text().await.unwrap();
    assert!(
        page.contains("<code>c_jane</code> is erased"),
        "the page says so"
    );
    let refused = form("/staff/erase")
        .body("conversation_id=%3Cscript%3E")
        .send()
        .await
        .unwrap();
    assert_eq!(
        refused.headers()["location"],
        "/staff?erase_failed=true#erase"
    );
}

#[tokio::test]
async fn the_privacy_notice_and_the_widget_say_how_long_questions_are_kept() {
    let app = spawn_with(&[SHIPPED], |c| c.retention_days = 30).await;
    let config: Value = app.get("/api/widget-config").await.json().await.unwrap();
    assert_eq!(config["retention_days"], 30);
    assert_eq!(config["privacy_url"], "/privacy");
    let welcome: Value = app.get("/api/welcome").await.json().await.unwrap();
    assert_eq!(welcome["privacy"]["retention_days"], 30);
    let page = app.get("/privacy").await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("for 30 days"), "{page}");
    let own = spawn_with(&[SHIPPED], |c| {
        c.privacy_url = "https://clinic.example/privacy".into()
    })
    .await;
    let config: Value = own.get("/api/widget-config").await.json().await.unwrap();
    assert_eq!(config["privacy_url"], "https://clinic.example/privacy");
}

/// A request the service was still sending when it stopped is sent on when it starts again.
#[tokio::test]
async fn a_delivery_cut_short_by_a_restart_is_resumed_when_the_service_starts() {
    let data = tempfile::tempdir().unwrap();
    let store = clinic_chat::store::Store::open(data.path()).unwrap();
    let pending = clinic_chat::store::NewCallback {
        id: "cb_from_before".into(),
        conversation_id: None,
        at: clinic_chat::store::now(),
        name: "Jane Doe".into(),
        phone: Some("07700 900123".into()),
        email: None,
        preferred_time: None,
        message: None,
    };
    use clinic_chat::store::DeliveryState::{Off, Pending};
    store.insert_callback(&pending, Pending, Off).unwrap();
    drop(store);
    let receiver = Receiver::default();
    let url = webhook(receiver.clone()).await;
    let folder = data.path().to_path_buf();
    let app = spawn_with(&[SHIPPED], |c| {
        c.data = folder;
        c.callback_webhook = Some(url);
        c.callback_retry_ms = 20;
    })
    .await;
    let row = app
        .callback_when("cb_from_before", |c| {
            c["delivery"]["webhook"] == "delivered"
        })
        .await;
    assert_eq!(row["delivery"]["webhook"], "delivered", "{row}");
    assert_eq!(receiver.received.lock().unwrap()[0]["name"], "Jane Doe");
    assert_eq!(receiver.calls.load(Ordering::SeqCst), 1, "sent once");
}

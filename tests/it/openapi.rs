//! The API description at `/api/openapi.json`: an OpenAPI 3 document an integrator's tools can
//! read, describing every route the router serves with the methods it takes, and matching
//! what the server really answers, errors included.

use std::collections::BTreeSet;

use clinic_chat::config::Config;
use clinic_chat::http::{self, AppState};
use serde_json::{Value, json};

use crate::app::{App, SHIPPED, spawn_with};

const TOKEN: &str = "a-staff-token-long-enough-for-the-checks-0123";
const CLINIC: &str = "tests/fixtures/clinic-details/clinic.toml";

/// The served document, and what it says about one response.
struct Described {
    doc: Value,
}

impl Described {
    async fn of(app: &App) -> Described {
        let response = app.get("/api/openapi.json").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/json");
        Described {
            doc: response.json().await.unwrap(),
        }
    }

    /// The described response to `method` on `path` (as the description writes it) with
    /// `status`, its `$ref` followed.
    fn response(&self, method: &str, path: &str, status: u16) -> &Value {
        let operation = &self.doc["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not described");
        let response = &operation["responses"][status.to_string()];
        assert!(
            response.is_object(),
            "{method} {path} answered {status}, which its description does not list"
        );
        match response["$ref"].as_str() {
            Some(pointer) => self.resolve(pointer),
            None => response,
        }
    }

    fn resolve(&self, reference: &str) -> &Value {
        let pointer = reference.strip_prefix('#').expect("a local reference");
        self.doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{reference} points at nothing"))
    }

    /// Checks a real response against the description of `method` on `path`: its status is
    /// listed, its content type and headers are the described ones, and its JSON body matches
    /// the described schema, where every property the server sends must be described. Returns
    /// the body, parsed when it is JSON.
    async fn check(&self, method: &str, path: &str, response: reqwest::Response) -> Value {
        let status = response.status().as_u16();
        let described = self.response(method, path, status).clone();
        let headers = response.headers().clone();
        for name in described["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|h| h.0)
        {
            assert!(
                headers.contains_key(name.as_str()),
                "{method} {path} {status}: the described header {name} is missing"
            );
        }
        let kind = headers.get("content-type").map(|v| {
            v.to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim()
                .to_string()
        });
        let body = response.bytes().await.unwrap();
        let Some(content) = described["content"].as_object() else {
            assert!(
                body.is_empty(),
                "{method} {path} {status}: a body, none described"
            );
            return Value::Null;
        };
        let kind = kind.unwrap_or_else(|| panic!("{method} {path} {status}: no content type"));
        let media = content.get(&kind).unwrap_or_else(|| {
            panic!("{method} {path} {status}: {kind} is not among the described content types")
        });
        if kind != "application/json" {
            assert!(
                media["schema"]["type"] == "string",
                "{method} {path}: {media}"
            );
            return Value::String(String::from_utf8(body.to_vec()).unwrap());
        }
        let body: Value = serde_json::from_slice(&body).unwrap();
        self.validate(
            &media["schema"],
            &body,
            &format!("{method} {path} {status}"),
        );
        body
    }

    /// Validates `value` against `schema`, which may refer to the document's components, with
    /// every described object closed to properties it does not describe.
    fn validate(&self, schema: &Value, value: &Value, what: &str) {
        let mut components = self.doc["components"].clone();
        close_objects(&mut components);
        let mut root = schema.clone();
        close_objects(&mut root);
        root["components"] = components;
        let validator = jsonschema::draft202012::new(&root)
            .unwrap_or_else(|err| panic!("{what}: the described schema does not compile: {err}"));
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{what}: {errors:#?}\nin {value:#}");
    }
}

/// Every object schema that lists its properties admits no others: a field the server sends
/// and the description leaves out fails validation.
fn close_objects(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(close_objects);
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// A service over the shipped article and a clinic.toml, with a staff token.
async fn spawn_described() -> (App, Described) {
    let app = spawn_with(&[SHIPPED, CLINIC], |c| {
        c.staff_token = Some(TOKEN.into());
        c.booking_url = "https://maple.example/book".into();
    })
    .await;
    let described = Described::of(&app).await;
    (app, described)
}

/// No redirects followed: a 303 is checked as the server sent it.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_description_is_an_openapi_3_document_whose_references_all_resolve() {
    let (_app, described) = spawn_described().await;
    let doc = &described.doc;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3."),
        "{}",
        doc["openapi"]
    );
    let text = serde_json::to_string(doc).unwrap();
    let parsed = oas3::from_json(&text).expect("an OpenAPI 3.1 parser reads it");
    assert_eq!(parsed.info.title, "clinic-chat");
    let mut references = Vec::new();
    collect_references(doc, &mut references);
    assert!(references.len() > 20, "{references:?}");
    for reference in references {
        described.resolve(&reference);
    }
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        assert!(
            jsonschema::draft202012::meta::is_valid(schema),
            "{name} is not a valid JSON Schema: {schema}"
        );
    }
    // Every operation says what it answers, and staff operations how to authenticate.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path}"
            );
            if path.starts_with("/api/staff") || path.starts_with("/api/admin") {
                assert_eq!(
                    operation["security"],
                    json!([{"staff_token": []}, {"staff_session": []}]),
                    "{method} {path}"
                );
                assert!(operation["responses"]["401"].is_object(), "{method} {path}");
            }
        }
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["staff_token"]["scheme"], "bearer");
    assert_eq!(schemes["staff_session"]["in"], "cookie");
    assert_eq!(schemes["staff_session"]["name"], "clinic_chat_staff");
}

fn collect_references(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                into.push(reference.clone());
            }
            map.values().for_each(|v| collect_references(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
        _ => {}
    }
}

/// The paths the router routes, read from its `Debug` output (axum offers no list of them):
/// the main path router's table of route ids to paths.
fn routes_of(router: &axum::Router) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    let main = debug
        .split_once("fallback_router:")
        .map_or(debug.as_str(), |(main, _)| main);
    let route = regex::Regex::new(r#"RouteId\(\d+\): "([^"]+)""#).unwrap();
    route
        .captures_iter(main)
        .map(|c| c[1].to_string())
        .filter(|path| !path.contains("__private__"))
        .collect()
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[tokio::test]
async fn every_route_the_router_serves_is_described_with_the_methods_it_takes() {
    let (app, described) = spawn_described().await;
    let dir = crate::app::corpus_of(&[SHIPPED]);
    let mut config = Config::for_paths(dir.path().join("corpus"), dir.path().join("index"));
    config.data = dir.path().join("data");
    let (answerer, _) = tokio::task::spawn_blocking({
        let config = config.clone();
        move || clinic_chat::load(&config).unwrap()
    })
    .await
    .unwrap();
    let served = routes_of(&http::router(AppState::new(answerer, config)));
    assert!(
        served.contains("/api/chat") && served.contains("/articles/{slug}"),
        "the router's routes could not be read from its Debug output: {served:?}"
    );
    let paths: BTreeSet<String> = described.doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    let undescribed: Vec<_> = served.difference(&paths).collect();
    assert!(
        undescribed.is_empty(),
        "routes without a description: {undescribed:?}; \
         add #[utoipa::path] to their handlers and list them in http/openapi.rs"
    );
    let unserved: Vec<_> = paths.difference(&served).collect();
    assert!(
        unserved.is_empty(),
        "described but not served: {unserved:?}"
    );

    // Each method a path is described with is served (anything but 405), and no other is.
    let client = client();
    let bearer = format!("Bearer {TOKEN}");
    for path in &paths {
        let url = format!(
            "{}{}",
            app.base,
            path.replace("{id}", "c_x")
                .replace("{slug}", "x")
                .replace("{file}", "x")
        );
        for method in METHODS {
            let request = client
                .request(method.to_uppercase().parse().unwrap(), &url)
                .header("authorization", &bearer);
            let status = request.send().await.unwrap().status().as_u16();
            let is_described = described.doc["paths"][path][method].is_object();
            assert_eq!(
                status != 405,
                is_described,
                "{method} {path} answered {status}; described: {is_described}"
            );
        }
    }
}

#[tokio::test]
async fn chat_replies_of_every_kind_match_the_described_reply() {
    let (app, described) = spawn_described().await;
    let client = client();
    let chat = |message: &str| {
        client
            .post(format!("{}/api/chat", app.base))
            .json(&json!({"message": message, "conversation_id": "visitor-7"}))
            .send()
    };
    let mut kinds = BTreeSet::new();
    for (message, kind) in [
        ("How many sessions do I need for hair loss?", "answer"),
        ("When are you open on Saturday?", "answer"),
        ("how much is tattoo removal?", "fallback"),
        (
            "had mesotherapy an hour ago and now my tongue is swelling",
            "urgent",
        ),
        (
            "three days after mesotherapy there is pus and I feel feverish",
            "urgent",
        ),
        ("hello", "smalltalk"),
        ("can I talk to a real person please", "smalltalk"),
    ] {
        let reply = described
            .check("post", "/api/chat", chat(message).await.unwrap())
            .await;
        assert_eq!(reply["kind"], kind, "{message}: {reply}");
        kinds.insert(kind);
        if kind == "urgent" {
            assert!(reply["severity"].is_string(), "{reply}");
        }
    }
    assert_eq!(kinds.len(), 4);
}

#[tokio::test]
async fn the_visitors_endpoints_answer_as_described_errors_included() {
    let (app, described) = spawn_described().await;
    let client = client();
    let url = |path: &str| format!("{}{path}", app.base);
    let post = |path: &str, body: Value| client.post(url(path)).json(&body).send();

    for path in ["/api/welcome", "/api/widget-config", "/healthz"] {
        described
            .check("get", path, client.get(url(path)).send().await.unwrap())
            .await;
    }
    let document = client.get(url("/api/openapi.json")).send().await.unwrap();
    described.check("get", "/api/openapi.json", document).await;

    // Chat: the body that is not JSON, not valid, too long, too large.
    let not_json = client
        .post(url("/api/chat"))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);
    described.check("post", "/api/chat", not_json).await;
    for body in [
        json!({}),
        json!({"message": ""}),
        json!({"message": "x".repeat(1001)}),
    ] {
        let response = post("/api/chat", body).await.unwrap();
        assert_eq!(response.status(), 400);
        described.check("post", "/api/chat", response).await;
    }
    let broken = client
        .post(url("/api/chat"))
        .header("content-type", "application/json")
        .body("{\"message\": ")
        .send()
        .await
        .unwrap();
    described.check("post", "/api/chat", broken).await;
    let large = post("/api/chat", json!({"message": "x".repeat(20_000)}))
        .await
        .unwrap();
    assert_eq!(large.status(), 413);
    described.check("post", "/api/chat", large).await;

    // Feedback on a reply, and on one never given.
    let reply: Value = post("/api/chat", json!({"message": "hello"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let stored = post(
        "/api/feedback",
        json!({"answer_id": reply["answer_id"], "helpful": true, "comment": "thanks"}),
    )
    .await
    .unwrap();
    assert_eq!(stored.status(), 204);
    described.check("post", "/api/feedback", stored).await;
    let unknown = post(
        "/api/feedback",
        json!({"answer_id": format!("a_{}", "0".repeat(32)), "helpful": false}),
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), 404);
    described.check("post", "/api/feedback", unknown).await;

    // A call-back request, a wrong one (naming its field), and erasing the conversation.
    let created = post(
        "/api/callback",
        json!({
            "name": "Jo",
            "phone": "+44 20 7946 0000",
            "consent": true,
            "conversation_id": "visitor-9",
        }),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    described.check("post", "/api/callback", created).await;
    let wrong = post("/api/callback", json!({"name": "Jo", "consent": true}))
        .await
        .unwrap();
    let error = described.check("post", "/api/callback", wrong).await;
    assert_eq!(error["field"], "phone", "{error}");
    let path = "/api/conversations/{id}";
    for (id, status) in [("visitor-9", 204), ("not%20an%20id", 400)] {
        let response = client
            .delete(url(&format!("/api/conversations/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status);
        described.check("delete", path, response).await;
    }

    // The pages and the widget.
    for (path, described_path, status) in [
        ("/", "/", 200),
        ("/privacy", "/privacy", 200),
        ("/clinic", "/clinic", 200),
        (
            "/articles/mesotherapy-for-flawless-skin",
            "/articles/{slug}",
            200,
        ),
        ("/articles/no-such-article", "/articles/{slug}", 404),
        ("/static/widget.js", "/static/{file}", 200),
        ("/static/site.css", "/static/{file}", 200),
        ("/static/nothing.js", "/static/{file}", 404),
    ] {
        let response = client.get(url(path)).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        described.check("get", described_path, response).await;
    }
}

#[tokio::test]
async fn a_rate_limited_visitor_gets_the_described_429_with_retry_after() {
    let app = spawn_with(&[SHIPPED], |c| c.rate_per_minute = 3).await;
    let described = Described::of(&app).await;
    let client = client();
    for _ in 0..20 {
        let response = client
            .post(format!("{}/api/chat", app.base))
            .json(&json!({"message": "hello"}))
            .send()
            .await
            .unwrap();
        if response.status() == 429 {
            let body = described.check("post", "/api/chat", response).await;
            assert!(body["error"].as_str().unwrap().contains("wait"), "{body}");
            return;
        }
        described.check("post", "/api/chat", response).await;
    }
    panic!("no 429 after 20 messages at 3 a minute");
}

#[tokio::test]
async fn the_staff_endpoints_answer_as_described_with_and_without_the_token() {
    let (app, described) = spawn_described().await;
    let client = client();
    let url = |path: &str| format!("{}{path}", app.base);
    let bearer = format!("Bearer {TOKEN}");
    let staff_get = |path: &str| {
        client
            .get(url(path))
            .header("authorization", &bearer)
            .send()
    };

    // Some history to report on: an answer, a fallback, an urgent message, a call-back request.
    for message in [
        "How many sessions do I need for hair loss?",
        "how much is tattoo removal?",
        "had mesotherapy an hour ago and now my tongue is swelling",
    ] {
        app.ask(message).await;
    }
    let created: Value = client
        .post(url("/api/callback"))
        .json(&json!({"name": "Jo", "email": "jo@example.org", "consent": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Recording is asynchronous: wait until the report holds the three questions.
    for _ in 0..100 {
        let report: Value = staff_get("/api/staff/report?days=7")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if report["questions"] == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let refused = client.get(url("/api/staff/report")).send().await.unwrap();
    assert_eq!(refused.status(), 401);
    described.check("get", "/api/staff/report", refused).await;
    let wrong_host = client
        .get(url("/api/staff/report"))
        .header("authorization", &bearer)
        .header("host", "rebind.attacker.example")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_host.status(), 403);
    described
        .check("get", "/api/staff/report", wrong_host)
        .await;

    for (path, described_path, status) in [
        ("/api/staff/report?days=7", "/api/staff/report", 200),
        ("/api/staff/report?days=0", "/api/staff/report", 400),
        ("/api/staff/report.csv", "/api/staff/report.csv", 200),
        (
            "/api/staff/questions?page=1&per_page=2",
            "/api/staff/questions",
            200,
        ),
        (
            "/api/staff/questions?per_page=999",
            "/api/staff/questions",
            400,
        ),
        (
            "/api/staff/questions.csv?days=1",
            "/api/staff/questions.csv",
            200,
        ),
        ("/api/staff/callbacks", "/api/staff/callbacks", 200),
        ("/api/search?q=downtime&limit=3", "/api/search", 200),
        ("/api/search", "/api/search", 400),
        ("/api/admin/status", "/api/admin/status", 200),
        ("/staff", "/staff", 200),
        ("/staff/questions", "/staff/questions", 200),
        ("/staff/questions?page=zero", "/staff/questions", 400),
    ] {
        let response = staff_get(path).await.unwrap();
        assert_eq!(response.status(), status, "{path}");
        let body = described.check("get", described_path, response).await;
        if path == "/api/staff/report?days=7" {
            assert_eq!(body["questions"], 3, "{body}");
            assert_eq!(body["urgent"].as_array().unwrap().len(), 1, "{body}");
        }
        if path == "/api/staff/callbacks" {
            assert_eq!(body["callbacks"][0]["id"], created["id"], "{body}");
        }
    }
    let staff_post = |path: &str| client.post(url(path)).header("authorization", &bearer);
    let handled = format!(
        "/api/staff/callbacks/{}/handled",
        created["id"].as_str().unwrap()
    );
    let path = "/api/staff/callbacks/{id}/handled";
    let marked = staff_post(&handled).send().await.unwrap();
    assert_eq!(marked.status(), 200);
    described.check("post", path, marked).await;
    let from_the_page = staff_post(&handled)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(from_the_page.status(), 303);
    described.check("post", path, from_the_page).await;
    let missing = staff_post("/api/staff/callbacks/nothing/handled")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    described.check("post", path, missing).await;
    let reindexed = staff_post("/api/admin/reindex").send().await.unwrap();
    assert_eq!(reindexed.status(), 200);
    described
        .check("post", "/api/admin/reindex", reindexed)
        .await;
    let erased = client
        .delete(url("/api/staff/conversations/visitor-1"))
        .header("authorization", &bearer)
        .send()
        .await
        .unwrap();
    assert_eq!(erased.status(), 204);
    described
        .check("delete", "/api/staff/conversations/{id}", erased)
        .await;

    // The staff pages' forms: a wrong token, a form that is not one, signing out.
    let wrong = client
        .post(url("/staff/login"))
        .form(&[("token", "not-the-token")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    described.check("post", "/staff/login", wrong).await;
    let not_a_form = client
        .post(url("/staff/erase"))
        .header("authorization", &bearer)
        .json(&json!({"conversation_id": "visitor-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_form.status(), 415);
    described.check("post", "/staff/erase", not_a_form).await;
    let erase = client
        .post(url("/staff/erase"))
        .header("authorization", &bearer)
        .form(&[("conversation_id", "visitor-1")])
        .send()
        .await
        .unwrap();
    assert_eq!(erase.status(), 303);
    described.check("post", "/staff/erase", erase).await;
    let out = client.post(url("/staff/logout")).send().await.unwrap();
    described.check("post", "/staff/logout", out).await;
}

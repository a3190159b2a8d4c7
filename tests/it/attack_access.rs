//! Attacks on staff access (security review, issue 15), each played against a real server:
//! visitors arriving through the local reverse proxy, DNS rebinding and cross-site writes,
//! token guessing and the sign-in cookie, and loopback IPv4 clients on a dual-stack listener.
//! The start-up refusals run the built binary.

use std::process::Stdio;
use std::time::{Duration, Instant};

use clinic_chat::config::Config;
use clinic_chat::http::{self, AppState};
use reqwest::header::{HOST, ORIGIN, SET_COOKIE};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::app::{App, SHIPPED, corpus_of, spawn_app, spawn_with};

/// Long enough to be accepted at start.
const TOKEN: &str = "a-long-random-staff-token-0123456789abcdef";
const VISITOR: &str = "203.0.113.9";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn assert_json_error(response: reqwest::Response, status: u16, what: &str) {
    assert_eq!(response.status(), status, "{what}");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(
        body["error"].is_string(),
        "{what}: a JSON error, got {body}"
    );
}

// --- 1. Through the reverse proxy, nobody is on loopback -------------------------------------

#[tokio::test]
async fn visitors_forwarded_by_the_local_proxy_get_no_staff_data() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    for path in [
        "/api/staff/report",
        "/api/search?q=downtime",
        "/staff",
        "/api/admin/status",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .header("x-forwarded-for", VISITOR)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{path}");
    }
    let erase = app
        .client
        .delete(format!("{}/api/staff/conversations/c_someone", app.base))
        .header("x-forwarded-for", VISITOR)
        .send()
        .await
        .unwrap();
    assert_json_error(erase, 403, "erasing through the proxy").await;
}

#[tokio::test]
async fn any_forwarding_header_makes_a_loopback_request_remote() {
    let app = spawn_app(&[SHIPPED]).await;
    for (name, value) in [
        ("forwarded", "for=203.0.113.9;proto=https"),
        ("x-forwarded-for", VISITOR),
        ("x-real-ip", VISITOR),
        ("x-forwarded-host", "chat.clinic.example"),
        ("x-forwarded-proto", "https"),
    ] {
        let response = app
            .client
            .get(format!("{}/api/staff/report", app.base))
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_json_error(response, 403, name).await;
    }
    let direct = app.get("/api/staff/report").await;
    assert_eq!(
        direct.status(),
        200,
        "a request made on this machine is staff"
    );
}

/// Runs the binary over a fresh copy of the shipped article; returns its exit code (None
/// when it was still running after `patience` and had to be stopped) and what it printed.
fn run_binary(env: &[(&str, &str)], patience: Duration) -> (Option<i32>, String) {
    let dir = corpus_of(&[SHIPPED]);
    let mut command = crate::app::binary();
    let mut child = command
        .arg("serve")
        .env("CLINIC_CHAT_CORPUS", dir.path().join("corpus"))
        .env("CLINIC_CHAT_INDEX", dir.path().join("index"))
        .env("CLINIC_CHAT_DATA", dir.path().join("data"))
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + patience;
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut printed = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut printed).unwrap();
    (code, printed)
}

fn assert_refused(env: &[(&str, &str)], mentions: &str) {
    let (code, printed) = run_binary(env, Duration::from_secs(20));
    assert!(
        code.is_some_and(|c| c != 0),
        "{env:?}: the service must refuse to start, got {code:?}: {printed}"
    );
    assert!(
        printed.contains(mentions),
        "{env:?}: the message names {mentions}: {printed}"
    );
}

#[test]
fn the_service_refuses_to_serve_beyond_loopback_or_behind_a_proxy_without_a_token() {
    assert_refused(
        &[("CLINIC_CHAT_ADDR", "0.0.0.0:0")],
        "CLINIC_CHAT_STAFF_TOKEN",
    );
    assert_refused(
        &[
            ("CLINIC_CHAT_ADDR", "127.0.0.1:0"),
            ("CLINIC_CHAT_TRUSTED_PROXIES", "127.0.0.1"),
        ],
        "CLINIC_CHAT_STAFF_TOKEN",
    );
}

#[test]
fn with_a_strong_token_the_service_starts_on_every_interface() {
    let (code, printed) = run_binary(
        &[
            ("CLINIC_CHAT_ADDR", "0.0.0.0:0"),
            ("CLINIC_CHAT_TRUSTED_PROXIES", "127.0.0.1"),
            ("CLINIC_CHAT_STAFF_TOKEN", TOKEN),
        ],
        Duration::from_secs(3),
    );
    assert_eq!(code, None, "still serving when stopped: {printed}");
}

// --- 6. DNS rebinding and cross-site writes ---------------------------------------------------

#[tokio::test]
async fn staff_routes_refuse_a_rebound_host_name() {
    let app = spawn_app(&[SHIPPED]).await;
    for path in ["/api/staff/report", "/staff", "/api/search?q=downtime"] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .header(HOST, "rebind.attacker.example")
            .send()
            .await
            .unwrap();
        assert_json_error(response, 403, path).await;
    }
    let port = app.base.rsplit(':').next().unwrap();
    let local = app
        .client
        .get(format!("{}/api/staff/report", app.base))
        .header(HOST, format!("localhost:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(local.status(), 200, "localhost is this machine");
}

#[tokio::test]
async fn a_configured_public_host_name_reaches_staff_routes_with_the_token() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.staff_token = Some(TOKEN.into());
        c.public_hosts = vec!["chat.clinic.example".into()];
    })
    .await;
    let report = |host: &'static str| {
        app.client
            .get(format!("{}/api/staff/report", app.base))
            .header(HOST, host)
            .bearer_auth(TOKEN)
            .send()
    };
    assert_eq!(report("chat.clinic.example").await.unwrap().status(), 200);
    assert_eq!(report("other.example").await.unwrap().status(), 403);
}

#[tokio::test]
async fn a_cross_site_form_post_can_neither_reindex_nor_erase() {
    let app = spawn_app(&[SHIPPED]).await;
    for origin in ["https://evil.example", "null", "http://localhost:8080"] {
        let reindex = app
            .client
            .post(format!("{}/api/admin/reindex", app.base))
            .header(ORIGIN, origin)
            .header("content-type", "text/plain")
            .body("x")
            .send()
            .await
            .unwrap();
        assert_json_error(reindex, 403, origin).await;
        let erase = app
            .client
            .delete(format!("{}/api/staff/conversations/c_someone", app.base))
            .header(ORIGIN, origin)
            .send()
            .await
            .unwrap();
        assert_json_error(erase, 403, origin).await;
    }
    let own_page = app
        .client
        .post(format!("{}/api/admin/reindex", app.base))
        .header(ORIGIN, &app.base)
        .send()
        .await
        .unwrap();
    assert_eq!(own_page.status(), 200, "the service's own pages may write");
}

#[tokio::test]
async fn localhost_pages_get_no_cors_allowance_on_staff_routes() {
    let app = spawn_app(&[SHIPPED]).await;
    let origin = "http://localhost:8080";
    let preflight = |path: &str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}{path}", app.base))
            .header(ORIGIN, origin)
            .header("access-control-request-method", "GET")
            .send()
    };
    for path in ["/api/staff/report", "/api/search", "/api/admin/status"] {
        let response = preflight(path).await.unwrap();
        assert!(
            !response
                .headers()
                .contains_key("access-control-allow-origin"),
            "{path}"
        );
    }
    let read = app
        .client
        .get(format!("{}/api/staff/report", app.base))
        .header(ORIGIN, origin)
        .send()
        .await
        .unwrap();
    assert!(!read.headers().contains_key("access-control-allow-origin"));
    let chat = preflight("/api/chat").await.unwrap();
    assert_eq!(
        chat.headers()["access-control-allow-origin"],
        origin,
        "the visitor endpoints still allow localhost pages"
    );
}

// --- 12. Token guessing, weak tokens and the sign-in cookie ----------------------------------

/// The statuses of `tries` requests for the report with a wrong token, as `client`.
async fn guess(app: &App, client: &str, tries: usize) -> Vec<(u16, Option<String>)> {
    let mut seen = Vec::new();
    for n in 0..tries {
        let response = app
            .client
            .get(format!("{}/api/staff/report", app.base))
            .header("x-forwarded-for", client)
            .bearer_auth(format!("{TOKEN}{n}"))
            .send()
            .await
            .unwrap();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        seen.push((response.status().as_u16(), retry));
    }
    seen
}

#[tokio::test]
async fn wrong_staff_tokens_are_cut_off_after_a_handful() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.staff_token = Some(TOKEN.into());
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let seen = guess(&app, VISITOR, 12).await;
    let first_429 = seen.iter().position(|(status, _)| *status == 429);
    assert!(
        first_429.is_some_and(|n| (3..=10).contains(&n)),
        "a handful of 401s, then 429: {seen:?}"
    );
    assert!(seen.last().unwrap().1.is_some(), "429 carries Retry-After");
    let right_but_late = app
        .client
        .get(format!("{}/api/staff/report", app.base))
        .header("x-forwarded-for", VISITOR)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(
        right_but_late.status(),
        429,
        "a locked-out client learns nothing, not even from the right token"
    );
    let colleague = app
        .client
        .get(format!("{}/api/staff/report", app.base))
        .header("x-forwarded-for", "203.0.113.10")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(colleague.status(), 200, "other clients are not locked out");
}

#[tokio::test]
async fn wrong_sign_ins_are_cut_off_too() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(TOKEN.into())).await;
    let client = no_redirects();
    let mut statuses = Vec::new();
    for n in 0..12 {
        let response = client
            .post(format!("{}/staff/login", app.base))
            .form(&[("token", format!("wrong-{n}"))])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert!(statuses.starts_with(&[401, 401, 401]), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
}

#[test]
fn the_service_refuses_a_blank_short_or_empty_staff_token() {
    for token in ["   ", "let-me-in", ""] {
        assert_refused(
            &[("CLINIC_CHAT_STAFF_TOKEN", token)],
            "CLINIC_CHAT_STAFF_TOKEN",
        );
    }
}

/// Signs in and returns the `Set-Cookie` header.
async fn sign_in(app: &App, headers: &[(&str, &str)]) -> String {
    let mut request = no_redirects()
        .post(format!("{}/staff/login", app.base))
        .form(&[("token", TOKEN)]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(
        response.status(),
        303,
        "a right token redirects to the page"
    );
    response.headers()[SET_COOKIE].to_str().unwrap().to_string()
}

async fn report_with_cookie(app: &App, cookie: &str) -> u16 {
    app.client
        .get(format!("{}/api/staff/report", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn the_sign_in_cookie_holds_a_session_not_the_token() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(TOKEN.into())).await;
    let cookie = sign_in(&app, &[]).await;
    assert!(!cookie.contains(TOKEN), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute}: {cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP cannot keep a Secure cookie"
    );
    let session = cookie.split(';').next().unwrap();
    assert_eq!(report_with_cookie(&app, session).await, 200);
    let raw_token = format!("clinic_chat_staff={TOKEN}");
    assert_eq!(report_with_cookie(&app, &raw_token).await, 401);
}

#[tokio::test]
async fn behind_a_tls_proxy_the_sign_in_cookie_is_secure() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.staff_token = Some(TOKEN.into());
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    let cookie = sign_in(
        &app,
        &[("x-forwarded-for", VISITOR), ("x-forwarded-proto", "https")],
    )
    .await;
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn signing_out_ends_the_session() {
    let app = spawn_with(&[SHIPPED], |c| c.staff_token = Some(TOKEN.into())).await;
    let cookie = sign_in(&app, &[]).await;
    let session = cookie.split(';').next().unwrap().to_string();
    assert_eq!(report_with_cookie(&app, &session).await, 200);
    let out = no_redirects()
        .post(format!("{}/staff/logout", app.base))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let cleared = out.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        cleared.contains("Max-Age=0"),
        "the browser drops it: {cleared}"
    );
    assert_eq!(
        report_with_cookie(&app, &session).await,
        401,
        "the old cookie opens nothing"
    );
}

// --- 14. IPv4 clients of a dual-stack listener ------------------------------------------------

/// A server listening on `[::]`, reached through 127.0.0.1: its peers are `::ffff:127.0.0.1`.
struct DualStack {
    base: String,
    _stop: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn serve_dual_stack(adjust: impl FnOnce(&mut Config)) -> DualStack {
    let dir = corpus_of(&[SHIPPED]);
    let mut config = Config::for_paths(dir.path().join("corpus"), dir.path().join("index"));
    config.data = dir.path().join("data");
    config.rate_per_minute = 0;
    adjust(&mut config);
    let (answerer, _) = tokio::task::spawn_blocking({
        let config = config.clone();
        move || clinic_chat::load(&config).unwrap()
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("[::]:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(http::run(
        listener,
        AppState::new(answerer, config),
        async {
            let _ = stopped.await;
        },
    ));
    DualStack {
        base: format!("http://127.0.0.1:{port}"),
        _stop: stop,
        _dir: dir,
    }
}

#[tokio::test]
async fn on_a_dual_stack_listener_a_loopback_ipv4_client_is_staff() {
    let server = serve_dual_stack(|_| {}).await;
    let response = reqwest::get(format!("{}/api/staff/report", server.base))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn on_a_dual_stack_listener_each_client_behind_a_loopback_proxy_has_its_own_allowance() {
    let server = serve_dual_stack(|c| {
        c.rate_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        c.staff_token = Some(TOKEN.into());
    })
    .await;
    let client = reqwest::Client::new();
    let chat = |visitor: &'static str| {
        client
            .post(format!("{}/api/chat", server.base))
            .header("x-forwarded-for", visitor)
            .json(&json!({"message": "hello"}))
            .send()
    };
    let mut first = Vec::new();
    for _ in 0..4 {
        first.push(chat("203.0.113.1").await.unwrap().status().as_u16());
    }
    assert_eq!(first.last(), Some(&429), "{first:?}");
    assert_eq!(
        chat("203.0.113.2").await.unwrap().status(),
        200,
        "another visitor behind the same proxy still has its allowance"
    );
}

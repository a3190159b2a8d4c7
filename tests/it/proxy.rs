//! Behind a real reverse proxy (issue 20): Debian's Caddy runs `deploy/Caddyfile` as shipped,
//! with the test's name and upstream in place of the example ones and Caddy's internal
//! certificate authority in place of Let's Encrypt, in front of a real server on loopback.
//! Through it, over TLS: the chat answers, compressed; the widget's site may call it and
//! another site may not; each visitor has their own rate limit, counted from the
//! `X-Forwarded-For` Caddy sets, while a client that reaches the service without Caddy cannot
//! dodge its limit by sending the header itself.
//!
//! Needs `caddy` on the PATH (Debian's package `caddy`). Without it each test says loudly that
//! it SKIPPED and passes, unless `CLINIC_CHAT_REQUIRE_CADDY` is set (CI sets it).

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{
    ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_ORIGIN, CONTENT_ENCODING, CONTENT_TYPE, ORIGIN,
    SET_COOKIE,
};
use serde_json::{Value, json};

use crate::app::{App, SHIPPED, answer_text, spawn_with};

/// The name Caddy serves the test under; the clients resolve it to loopback themselves.
const NAME: &str = "chat.clinic.test";
/// The clinic's site, whose pages carry the widget.
const SITE: &str = "https://www.bloomskin.co.uk";
const TOKEN: &str = "a-long-random-staff-token-0123456789abcdef";
/// The limit under test: a burst of three chats, then 429.
const RATE: u32 = 3;
/// How long Caddy may take to start and issue its certificate.
const PATIENCE: Duration = Duration::from_secs(30);

/// Caddy on free loopback ports in front of `upstream`, with its own throwaway data and
/// config folders (its CA, certificates and autosave) and no admin endpoint.
struct Caddy {
    child: Child,
    port: u16,
    /// The root certificate of Caddy's internal CA, which the test's clients trust.
    root: Option<reqwest::Certificate>,
    _dir: tempfile::TempDir,
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Caddy {
    fn start(caddy: &Path, upstream: &str) -> Caddy {
        let dir = tempfile::tempdir().unwrap();
        let (port, http_port) = (free_port(), free_port());
        let config = dir.path().join("Caddyfile");
        std::fs::write(&config, caddyfile(upstream, port, http_port)).unwrap();
        let log = std::fs::File::create(dir.path().join("caddy.log")).unwrap();
        let child = Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&config)
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("HOME", dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("caddy starts");
        let mut caddy = Caddy {
            child,
            port,
            root: None,
            _dir: dir,
        };
        caddy.root = Some(caddy.wait_for_root());
        caddy
    }

    /// Waits for Caddy to make its certificate authority, and reads its root certificate.
    fn wait_for_root(&mut self) -> reqwest::Certificate {
        let root = self
            ._dir
            .path()
            .join("data/caddy/pki/authorities/local/root.crt");
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("caddy exited ({status}):\n{}", self.log());
            }
            // Read once whole: the file may be seen while Caddy writes it.
            let pem = std::fs::read(&root).unwrap_or_default();
            if pem.trim_ascii_end().ends_with(b"-----END CERTIFICATE-----") {
                return reqwest::Certificate::from_pem(&pem).unwrap();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "caddy made no root certificate within {PATIENCE:?}:\n{}",
            self.log()
        );
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("caddy.log")).unwrap_or_default()
    }

    fn base(&self) -> String {
        format!("https://{NAME}:{}", self.port)
    }

    /// A client that trusts Caddy's root only, finds `NAME` on loopback, and connects from
    /// `source` (any 127.x.y.z address is this machine): each source is another visitor.
    fn visitor(&self, source: &str) -> reqwest::Client {
        reqwest::Client::builder()
            .add_root_certificate(self.root.clone().expect("read at start"))
            .tls_built_in_root_certs(false)
            .https_only(true)
            .resolve(NAME, SocketAddr::from(([127, 0, 0, 1], self.port)))
            .local_address(source.parse::<IpAddr>().unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Waits until the site answers through Caddy (its certificate is issued by then).
    async fn ready(&self) {
        let client = self.visitor("127.0.0.1");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let response = client.get(format!("{}/healthz", self.base())).send().await;
            match response {
                Ok(r) if r.status() == 200 => return,
                _ if Instant::now() > deadline => panic!(
                    "no answer through caddy within {PATIENCE:?}: {response:?}\n{}",
                    self.log()
                ),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }
}

/// The shipped Caddyfile with the test's name, TLS from Caddy's own CA, the test's ports and
/// upstream, after global options that keep Caddy to itself: no admin endpoint, no change to
/// the system's trust store, no listener on port 80.
fn caddyfile(upstream: &str, port: u16, http_port: u16) -> String {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/Caddyfile"))
            .unwrap();
    for marker in ["chat.clinic.example {", "reverse_proxy 127.0.0.1:3000"] {
        assert_eq!(
            shipped.matches(marker).count(),
            1,
            "deploy/Caddyfile has one `{marker}`, which this test replaces"
        );
    }
    let site = shipped
        .replace(
            "chat.clinic.example {",
            &format!("{NAME} {{\n\ttls internal\n\tbind 127.0.0.1"),
        )
        .replace(
            "reverse_proxy 127.0.0.1:3000",
            &format!("reverse_proxy {upstream}"),
        );
    format!(
        "{{\n\tadmin off\n\tskip_install_trust\n\tauto_https disable_redirects\n\
         \thttp_port {http_port}\n\thttps_port {port}\n}}\n\n{site}"
    )
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Caddy's path, or None after saying loudly why the test is skipped (or failing when
/// `CLINIC_CHAT_REQUIRE_CADDY` is set).
fn find_caddy() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("caddy"))
            .find(|p| p.is_file())
    });
    if found.is_some() {
        return found;
    }
    if std::env::var_os("CLINIC_CHAT_REQUIRE_CADDY").is_some() {
        panic!(
            "CLINIC_CHAT_REQUIRE_CADDY is set but caddy is not on the PATH (apt-get install caddy)"
        );
    }
    // Straight to the process's stderr: the test harness captures `eprintln!`.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPED a reverse proxy test: caddy is not on the PATH.\n!!!!! Install Debian's \
         caddy to run it; set CLINIC_CHAT_REQUIRE_CADDY=1 to make this a failure.\n"
    );
    None
}

/// The service as a clinic runs it behind Caddy on the same machine, and Caddy in front.
async fn behind_caddy() -> Option<(App, Caddy)> {
    let caddy = find_caddy()?;
    let app = spawn_with(&[SHIPPED], |c| {
        c.rate_per_minute = RATE;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()];
        c.allowed_origins = vec![SITE.into()];
        c.public_hosts = vec![NAME.into()];
        c.staff_token = Some(TOKEN.into());
    })
    .await;
    let upstream = app.base.trim_start_matches("http://").to_string();
    let caddy = Caddy::start(&caddy, &upstream);
    caddy.ready().await;
    Some((app, caddy))
}

async fn chat(client: &reqwest::Client, base: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut request = client
        .post(format!("{base}/api/chat"))
        .json(&json!({"message": "How many sessions do I need for hair loss?"}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn through_caddy_over_tls_the_chat_answers_compressed_and_staff_sign_in_stays_on_tls() {
    let Some((_app, caddy)) = behind_caddy().await else {
        return;
    };
    let visitor = caddy.visitor("127.0.0.2");
    let (status, reply) = chat(&visitor, &caddy.base(), &[]).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["kind"], "answer", "{reply}");
    assert!(answer_text(&reply).contains("6-8"), "{reply}");

    let widget = visitor
        .get(format!("{}/static/widget.js", caddy.base()))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(widget.status(), 200);
    assert_eq!(
        widget.headers()[CONTENT_ENCODING],
        "gzip",
        "Caddy compresses"
    );
    assert!(
        widget.headers().contains_key("strict-transport-security"),
        "{:?}",
        widget.headers()
    );

    // clinic-chat learns from Caddy's X-Forwarded-Proto that the browser came over TLS, and
    // marks the staff session cookie Secure, though Caddy reaches it over plain HTTP.
    let signed_in = visitor
        .post(format!("{}/staff/login", caddy.base()))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "signed in and sent to /staff");
    let cookie = signed_in.headers()[SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn through_caddy_the_widget_on_the_clinics_site_may_call_the_chat_and_another_site_may_not() {
    let Some((_app, caddy)) = behind_caddy().await else {
        return;
    };
    let visitor = caddy.visitor("127.0.0.2");
    let widget = visitor
        .get(format!("{}/static/widget.js", caddy.base()))
        .header(ORIGIN, SITE)
        .send()
        .await
        .unwrap();
    assert_eq!(widget.status(), 200, "the site's page loads the widget");
    assert!(
        widget.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    let preflight = |origin: &'static str| {
        visitor
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/chat", caddy.base()),
            )
            .header(ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight(SITE).await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(allowed.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SITE);
    let methods = allowed.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let (status, reply) = chat(&visitor, &caddy.base(), &[("origin", SITE)]).await;
    assert_eq!(status, 200, "{reply}");

    let refused = preflight("https://elsewhere.example").await.unwrap();
    assert!(
        !refused.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
        "another site's page may not call the chat: {:?}",
        refused.headers()
    );
    let response = visitor
        .post(format!("{}/api/chat", caddy.base()))
        .header(ORIGIN, "https://elsewhere.example")
        .json(&json!({"message": "hello"}))
        .send()
        .await
        .unwrap();
    assert!(
        !response.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN),
        "the browser keeps the reply from the other site's page: {:?}",
        response.headers()
    );
}

#[tokio::test]
async fn behind_caddy_each_visitor_has_their_own_rate_limit_whatever_they_claim() {
    let Some((_app, caddy)) = behind_caddy().await else {
        return;
    };
    let first = caddy.visitor("127.0.0.2");
    for turn in 0..RATE {
        let (status, reply) = chat(&first, &caddy.base(), &[]).await;
        assert_eq!(status, 200, "chat {turn}: {reply}");
    }
    let (status, _) = chat(&first, &caddy.base(), &[]).await;
    assert_eq!(status, 429, "the first visitor used up their burst");
    // Caddy replaces the X-Forwarded-For a visitor sends with the visitor's address.
    let claimed = [("x-forwarded-for", "198.51.100.23")];
    let (status, _) = chat(&first, &caddy.base(), &claimed).await;
    assert_eq!(
        status, 429,
        "a header of their own does not reset the limit"
    );

    let second = caddy.visitor("127.0.0.3");
    let (status, reply) = chat(&second, &caddy.base(), &[]).await;
    assert_eq!(
        status, 200,
        "another visitor through the same proxy is not held up: {reply}"
    );
}

#[tokio::test]
async fn a_client_that_bypasses_caddy_cannot_dodge_its_limit_with_x_forwarded_for() {
    let Some((app, _caddy)) = behind_caddy().await else {
        return;
    };
    let direct = reqwest::Client::builder()
        .local_address("127.0.0.4".parse::<IpAddr>().unwrap())
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    for turn in 0..=RATE {
        let claimed = format!("203.0.113.{turn}");
        let (status, _) = chat(&direct, &app.base, &[("x-forwarded-for", &claimed)]).await;
        statuses.push(status);
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 429],
        "counted by its own address, not the ones it claims"
    );
}

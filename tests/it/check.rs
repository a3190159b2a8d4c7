//! Settings that warn (issue 20): `clinic-chat check` from the real binary prints the settings
//! in effect with secrets masked and one finding for each thing a live site must change, and
//! `serve` logs once the first refused origin and the first forwarded request from an address
//! that is not a trusted proxy.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::app::{SHIPPED, binary, corpus_of};

/// How long a start (building the shipped article's index) may take.
const PATIENCE: Duration = Duration::from_secs(30);

const TOKEN: &str = "a-long-random-staff-token-0123456789abcdef";
const REAL_CONTACT: [(&str, &str); 4] = [
    ("CLINIC_CHAT_CLINIC_NAME", "Bloom Skin Clinic"),
    ("CLINIC_CHAT_CLINIC_PHONE", "+44 20 7123 4567"),
    ("CLINIC_CHAT_CLINIC_EMAIL", "hello@bloomskin.co.uk"),
    ("CLINIC_CHAT_BOOKING_URL", "https://bloomskin.co.uk/book"),
];
const SITE: &str = "https://www.bloomskin.co.uk";

/// A deployment with nothing to warn about: the clinic's details, its site allowed, a strong
/// token, behind a proxy on this machine.
fn live() -> Vec<(&'static str, &'static str)> {
    let mut env = REAL_CONTACT.to_vec();
    env.extend([
        ("CLINIC_CHAT_ALLOWED_ORIGINS", SITE),
        ("CLINIC_CHAT_STAFF_TOKEN", TOKEN),
        ("CLINIC_CHAT_TRUSTED_PROXIES", "127.0.0.1,::1"),
    ]);
    env
}

/// `live()` with `changes` applied (a value of "" removes the setting).
fn live_but(changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut env = live();
    for (name, value) in changes {
        env.retain(|(n, _)| n != name);
        if !value.is_empty() {
            env.push((name, value));
        }
    }
    env
}

struct Checked {
    passed: bool,
    out: String,
}

impl Checked {
    fn warnings(&self) -> Vec<&str> {
        self.out
            .lines()
            .filter(|l| l.starts_with("warning:") || l.starts_with("error"))
            .collect()
    }

    fn warns_about(&self, setting: &str) -> bool {
        self.warnings().iter().any(|l| l.contains(setting))
    }
}

/// Runs `clinic-chat check ARGS` over the shipped article with only these settings.
fn check(args: &[&str], env: &[(&str, &str)]) -> Checked {
    let dir = corpus_of(&[SHIPPED]);
    let output = binary()
        .arg("check")
        .args(args)
        .env("CLINIC_CHAT_CORPUS", dir.path().join("corpus"))
        .env("CLINIC_CHAT_INDEX", dir.path().join("index"))
        .env("CLINIC_CHAT_DATA", dir.path().join("data"))
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    let out = String::from_utf8_lossy(&output.stdout).into_owned();
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        !dir.path().join("index").exists(),
        "check builds no index: {out}"
    );
    Checked {
        passed: output.status.success(),
        out: format!("{out}{err}"),
    }
}

#[test]
fn check_shows_every_setting_with_its_source_and_masks_the_secrets() {
    let smtp = "smtps://clinic:hunter2-mail-password@mail.bloomskin.co.uk:465";
    let hook = "https://hooks.bloomskin.co.uk/catch/8842/x9secretpath?key=zz-secret-key";
    let env = live_but(&[
        ("CLINIC_CHAT_SMTP_URL", smtp),
        ("CLINIC_CHAT_CALLBACK_WEBHOOK", hook),
    ]);
    let checked = check(&["--rate-per-minute", "12"], &env);
    assert!(checked.passed, "{}", checked.out);
    for secret in [TOKEN, "hunter2", "x9secretpath", "zz-secret-key", "8842"] {
        assert!(
            !checked.out.contains(secret),
            "{secret} is shown: {}",
            checked.out
        );
    }
    let line = |variable: &str| {
        checked
            .out
            .lines()
            .find(|l| l.trim_start().starts_with(variable))
            .unwrap_or_else(|| panic!("no line for {variable}: {}", checked.out))
            .to_string()
    };
    assert!(line("CLINIC_CHAT_STAFF_TOKEN").contains("42 characters"));
    assert!(line("CLINIC_CHAT_SMTP_URL").contains("mail.bloomskin.co.uk:465"));
    assert!(line("CLINIC_CHAT_CALLBACK_WEBHOOK").contains("hooks.bloomskin.co.uk"));
    assert!(line("CLINIC_CHAT_CLINIC_PHONE").contains("+44 20 7123 4567 "));
    assert!(line("CLINIC_CHAT_CLINIC_PHONE").ends_with("[environment]"));
    assert!(line("CLINIC_CHAT_RATE_PER_MINUTE").contains("12  [flag]"));
    assert!(line("CLINIC_CHAT_RETENTION_DAYS").contains("90  [default]"));
    assert!(
        checked.out.contains("No warnings."),
        "nothing to warn about: {}",
        checked.out
    );
}

#[test]
fn a_live_deployment_passes_check_under_strict() {
    let checked = check(&["--strict"], &live());
    assert!(checked.passed, "{}", checked.out);
    assert!(checked.warnings().is_empty(), "{}", checked.out);
}

#[test]
fn check_names_each_placeholder_and_strict_fails_on_them() {
    let relaxed = check(&[], &live_but(&[("CLINIC_CHAT_CLINIC_PHONE", "")]));
    assert!(relaxed.passed, "a warning alone fails only --strict");
    assert!(
        relaxed.warns_about("CLINIC_CHAT_CLINIC_PHONE"),
        "{}",
        relaxed.out
    );
    assert!(relaxed.out.contains("+44 20 7946 0000"), "{}", relaxed.out);
    assert_eq!(relaxed.warnings().len(), 1, "{}", relaxed.out);
    let strict = check(&[], &live_but(&[("CLINIC_CHAT_STRICT", "1")]));
    assert!(strict.passed, "strict passes when nothing is warned");
    let mut env = live();
    env.retain(|(n, _)| !n.starts_with("CLINIC_CHAT_CLINIC_") && !n.contains("BOOKING"));
    let strict = check(&["--strict"], &env);
    assert!(
        !strict.passed,
        "--strict fails on a warning: {}",
        strict.out
    );
    for (setting, _) in REAL_CONTACT {
        assert!(strict.warns_about(setting), "{setting}: {}", strict.out);
    }
}

#[test]
fn check_warns_when_visitors_can_reach_the_service_but_no_site_may_call_it() {
    let proxied = check(&[], &live_but(&[("CLINIC_CHAT_ALLOWED_ORIGINS", "")]));
    assert!(
        proxied.warns_about("CLINIC_CHAT_ALLOWED_ORIGINS"),
        "{}",
        proxied.out
    );
    let open = live_but(&[
        ("CLINIC_CHAT_ALLOWED_ORIGINS", ""),
        ("CLINIC_CHAT_TRUSTED_PROXIES", ""),
        ("CLINIC_CHAT_ADDR", "0.0.0.0:3000"),
    ]);
    let direct = check(&[], &open);
    assert!(
        direct.warns_about("CLINIC_CHAT_ALLOWED_ORIGINS"),
        "{}",
        direct.out
    );
    assert!(direct.out.contains("0.0.0.0:3000"), "{}", direct.out);
    let mut developer = REAL_CONTACT.to_vec();
    developer.push(("CLINIC_CHAT_TRUSTED_PROXIES", "127.0.0.1"));
    developer.push(("CLINIC_CHAT_STAFF_TOKEN", TOKEN));
    developer.push(("CLINIC_CHAT_ALLOWED_ORIGINS", SITE));
    assert!(!check(&[], &developer).warns_about("CLINIC_CHAT_ALLOWED_ORIGINS"));
}

#[test]
fn check_refuses_a_short_staff_token_as_serve_would() {
    let short = check(&[], &live_but(&[("CLINIC_CHAT_STAFF_TOKEN", "let-me-in")]));
    assert!(
        !short.passed,
        "serve refuses it, so check fails: {}",
        short.out
    );
    assert!(
        short.warns_about("CLINIC_CHAT_STAFF_TOKEN"),
        "{}",
        short.out
    );
    assert!(short.out.contains("32 characters"), "{}", short.out);
    assert!(!short.out.contains("let-me-in"), "{}", short.out);
    assert!(!check(&[], &live()).warns_about("CLINIC_CHAT_STAFF_TOKEN"));
}

#[test]
fn check_hints_at_a_missing_trusted_proxy_on_loopback_and_says_it_cannot_see_requests() {
    let env = live_but(&[("CLINIC_CHAT_TRUSTED_PROXIES", "")]);
    let checked = check(&[], &env);
    let warnings = checked.warnings();
    let proxy = warnings
        .iter()
        .find(|l| l.contains("CLINIC_CHAT_TRUSTED_PROXIES"))
        .unwrap_or_else(|| panic!("no proxy warning: {}", checked.out));
    assert!(proxy.contains("cannot see requests"), "{proxy}");
    let direct = live_but(&[
        ("CLINIC_CHAT_TRUSTED_PROXIES", ""),
        ("CLINIC_CHAT_ADDR", "0.0.0.0:3000"),
    ]);
    let checked = check(&[], &direct);
    assert!(
        !checked.warns_about("CLINIC_CHAT_TRUSTED_PROXIES"),
        "visitors reach a public address straight: {}",
        checked.out
    );
}

// --- At run time: logged once, at the first request that shows it ---------------------------

/// The real binary serving the shipped article on a free loopback port, its log collected.
struct Serving {
    child: Child,
    base: String,
    logged: mpsc::Receiver<String>,
    _dir: tempfile::TempDir,
}

impl Serving {
    fn start(env: &[(&str, &str)]) -> Serving {
        let dir = corpus_of(&[SHIPPED]);
        let mut child = binary()
            .arg("serve")
            .env("CLINIC_CHAT_CORPUS", dir.path().join("corpus"))
            .env("CLINIC_CHAT_INDEX", dir.path().join("index"))
            .env("CLINIC_CHAT_DATA", dir.path().join("data"))
            .env("CLINIC_CHAT_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (lines, logged) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            let Ok(line) = logged.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            if let Some((_, address)) = line.split_once("serving http://") {
                let address = address.split_whitespace().next().unwrap_or_default();
                let base = format!("http://{address}");
                return Serving {
                    child,
                    base,
                    logged,
                    _dir: dir,
                };
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the service did not start within {PATIENCE:?}");
    }

    /// The warnings logged so far; stops the service.
    fn warnings(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(100));
        self.logged
            .try_iter()
            .filter(|l| l.contains("WARN"))
            .collect()
    }
}

async fn chat(base: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = reqwest::Client::new()
        .post(format!("{base}/api/chat"))
        .json(&json!({"message": "What is mesotherapy?"}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn the_first_page_of_an_origin_not_allowed_is_logged_once_naming_the_setting() {
    let server = Serving::start(&REAL_CONTACT);
    let own = server.base.replace("http://", "");
    // The service's own pages (a staff page, same-origin) need no CORS: no warning.
    let staff = reqwest::Client::new()
        .get(format!("{}/api/staff/report", server.base))
        .header("origin", &server.base)
        .send()
        .await
        .unwrap();
    assert_eq!(
        staff.status(),
        200,
        "the own page on {own} reads the report"
    );
    for _ in 0..3 {
        assert_eq!(chat(&server.base, &[("origin", SITE)]).await, 200);
    }
    let warnings = server.warnings();
    let about: Vec<_> = warnings
        .iter()
        .filter(|l| l.contains("CLINIC_CHAT_ALLOWED_ORIGINS"))
        .collect();
    assert_eq!(about.len(), 1, "logged once: {warnings:#?}");
    assert!(about[0].contains(SITE), "names the origin: {}", about[0]);
}

#[tokio::test]
async fn an_allowed_origin_is_never_warned_about() {
    let mut env = REAL_CONTACT.to_vec();
    env.push(("CLINIC_CHAT_ALLOWED_ORIGINS", SITE));
    let server = Serving::start(&env);
    assert_eq!(chat(&server.base, &[("origin", SITE)]).await, 200);
    let warnings = server.warnings();
    assert!(
        warnings.iter().all(|l| !l.contains("ALLOWED_ORIGINS")),
        "{warnings:#?}"
    );
}

#[tokio::test]
async fn forwarding_headers_from_an_untrusted_address_are_logged_once_naming_the_setting() {
    let server = Serving::start(&REAL_CONTACT);
    assert_eq!(chat(&server.base, &[]).await, 200);
    assert_eq!(
        chat(&server.base, &[("x-forwarded-for", "203.0.113.9")]).await,
        200
    );
    assert_eq!(
        chat(&server.base, &[("forwarded", "for=198.51.100.7")]).await,
        200
    );
    let warnings = server.warnings();
    let about: Vec<_> = warnings
        .iter()
        .filter(|l| l.contains("CLINIC_CHAT_TRUSTED_PROXIES"))
        .collect();
    assert_eq!(about.len(), 1, "logged once: {warnings:#?}");
    assert!(
        about[0].contains("127.0.0.1"),
        "names the peer: {}",
        about[0]
    );
    assert!(
        !about[0].contains("203.0.113.9"),
        "the visitor's address is not logged: {}",
        about[0]
    );
}

#[tokio::test]
async fn forwarding_headers_from_a_trusted_proxy_are_never_warned_about() {
    let server = Serving::start(&live());
    assert_eq!(
        chat(&server.base, &[("x-forwarded-for", "203.0.113.9")]).await,
        200
    );
    let warnings = server.warnings();
    assert!(
        warnings.iter().all(|l| !l.contains("TRUSTED_PROXIES")),
        "{warnings:#?}"
    );
}

// --- The package's settings file ---------------------------------------------------------------

#[test]
fn the_packaged_settings_file_lists_every_setting_with_its_default() {
    use clap::CommandFactory;
    let file = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/clinic-chat.env"),
    )
    .unwrap();
    // VARIABLE -> value, from set lines and commented-out ones alike.
    let listed: std::collections::HashMap<&str, &str> = file
        .lines()
        .map(|line| line.trim_start_matches('#'))
        .filter_map(|line| line.split_once('='))
        .filter(|(name, _)| name.starts_with("CLINIC_CHAT_"))
        .map(|(name, value)| (name, value.trim_matches('"')))
        .collect();
    for arg in clinic_chat::config::Cli::command().get_arguments() {
        let Some(variable) = arg.get_env().and_then(|v| v.to_str()) else {
            continue;
        };
        let value = listed
            .get(variable)
            .unwrap_or_else(|| panic!("deploy/clinic-chat.env does not list {variable}"));
        if let [default] = arg.get_default_values() {
            let default = default.to_str().unwrap();
            let packaged = [
                "CLINIC_CHAT_CORPUS",
                "CLINIC_CHAT_INDEX",
                "CLINIC_CHAT_DATA",
            ];
            assert!(
                *value == default || packaged.contains(&variable),
                "{variable}: the file says {value}, the default is {default}"
            );
        }
    }
}

//! Going live (issue 19): the real binary warns at start about each placeholder contact detail
//! still in use, since an urgent reply would send a patient to it, and `--strict`
//! (`CLINIC_CHAT_STRICT=1`) refuses to start with one, with no allowed origin, or with staff
//! data open beyond this machine.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::app::{SHIPPED, corpus_of};

/// The example clinic.toml of the tests (and the README): a drama number, `.example` addresses.
const EXAMPLE_CLINIC: &str = "tests/fixtures/clinic-details/clinic.toml";

/// How long a start (building the shipped article's index) or a refusal may take.
const PATIENCE: Duration = Duration::from_secs(30);

const REAL_CONTACT: [(&str, &str); 4] = [
    ("CLINIC_CHAT_CLINIC_NAME", "Bloom Skin Clinic"),
    ("CLINIC_CHAT_CLINIC_PHONE", "+44 20 7123 4567"),
    ("CLINIC_CHAT_CLINIC_EMAIL", "hello@bloomskin.co.uk"),
    ("CLINIC_CHAT_BOOKING_URL", "https://bloomskin.co.uk/book"),
];
const ORIGIN: (&str, &str) = ("CLINIC_CHAT_ALLOWED_ORIGINS", "https://bloomskin.co.uk");

/// How a start ended: serving (then stopped by the test), or exited with a code.
#[derive(Debug, PartialEq)]
enum Start {
    Serving,
    Exited(Option<i32>),
}

/// Starts `clinic-chat serve` over the shipped article with only these settings; returns how
/// the start ended and everything it logged until then.
fn start(args: &[&str], env: &[(&str, &str)]) -> (Start, String) {
    start_over(corpus_of(&[SHIPPED]), args, env)
}

/// The same over a corpus folder of the test's own (in `dir/corpus`).
fn start_over(dir: tempfile::TempDir, args: &[&str], env: &[(&str, &str)]) -> (Start, String) {
    let mut command = crate::app::binary();
    let mut child = command
        .arg("serve")
        .args(args)
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
    let outcome = watch(&mut child, &logged);
    let mut printed = logged.try_iter().collect::<Vec<_>>();
    if outcome.0 == Start::Serving {
        let _ = child.kill();
    }
    let _ = child.wait();
    printed.splice(0..0, outcome.1);
    (outcome.0, printed.join("\n"))
}

/// Reads the log until the service says it is serving or the process exits.
fn watch(child: &mut Child, logged: &mpsc::Receiver<String>) -> (Start, Vec<String>) {
    let deadline = Instant::now() + PATIENCE;
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        match logged.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                let serving = line.contains("serving http://");
                seen.push(line);
                if serving {
                    return (Start::Serving, seen);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            // The log closed: the process is ending; its code follows.
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait().unwrap();
                return (Start::Exited(status.code()), seen);
            }
        }
    }
    let _ = child.kill();
    panic!(
        "neither served nor exited within {PATIENCE:?}:\n{}",
        seen.join("\n")
    );
}

fn warnings(printed: &str) -> Vec<&str> {
    printed.lines().filter(|l| l.contains("WARN")).collect()
}

#[test]
fn the_service_warns_at_start_about_each_placeholder_contact_detail_and_serves() {
    let (started, printed) = start(&[], &[]);
    assert_eq!(started, Start::Serving, "{printed}");
    let warned = warnings(&printed);
    for setting in REAL_CONTACT.map(|(name, _)| name) {
        let lines: Vec<_> = warned.iter().filter(|l| l.contains(setting)).collect();
        assert_eq!(lines.len(), 1, "one warning names {setting}: {printed}");
    }
    assert!(
        warned.iter().any(|l| l.contains("+44 20 7946 0000")),
        "the warning shows the placeholder phone: {printed}"
    );
}

#[test]
fn with_the_clinics_own_details_there_is_no_placeholder_warning() {
    let (started, printed) = start(&[], &REAL_CONTACT);
    assert_eq!(started, Start::Serving, "{printed}");
    assert!(
        !printed.contains("placeholder"),
        "no placeholder warning: {printed}"
    );
}

#[test]
fn strict_refuses_to_start_with_placeholders_naming_each_setting_to_set() {
    let (started, printed) = start(&[], &[("CLINIC_CHAT_STRICT", "1"), ORIGIN]);
    assert!(
        matches!(started, Start::Exited(Some(code)) if code != 0),
        "refused with a non-zero exit, got {started:?}: {printed}"
    );
    assert!(printed.contains("refusing to start"), "{printed}");
    for setting in REAL_CONTACT.map(|(name, _)| name) {
        assert!(printed.contains(setting), "names {setting}: {printed}");
    }
    assert!(!printed.contains("serving http://"), "{printed}");
}

#[test]
fn strict_refuses_to_start_when_no_site_may_call_the_api() {
    let (started, printed) = start(&["--strict"], &REAL_CONTACT);
    assert!(
        matches!(started, Start::Exited(Some(code)) if code != 0),
        "refused with a non-zero exit, got {started:?}: {printed}"
    );
    assert!(printed.contains("CLINIC_CHAT_ALLOWED_ORIGINS"), "{printed}");
    assert!(
        !printed.contains("placeholder"),
        "only the missing origin is named: {printed}"
    );
}

#[test]
fn strict_refuses_staff_data_open_beyond_this_machine() {
    let mut env = REAL_CONTACT.to_vec();
    env.extend([ORIGIN, ("CLINIC_CHAT_ADDR", "0.0.0.0:0")]);
    let (started, printed) = start(&["--strict"], &env);
    assert!(
        matches!(started, Start::Exited(Some(code)) if code != 0),
        "refused with a non-zero exit, got {started:?}: {printed}"
    );
    assert!(printed.contains("CLINIC_CHAT_STAFF_TOKEN"), "{printed}");
}

#[test]
fn strict_starts_with_the_clinics_details_an_origin_and_loopback() {
    let mut env = REAL_CONTACT.to_vec();
    env.push(ORIGIN);
    let (started, printed) = start(&["--strict"], &env);
    assert_eq!(started, Start::Serving, "{printed}");
    assert!(
        warnings(&printed).is_empty(),
        "nothing to warn about: {printed}"
    );
}

#[test]
fn the_clinics_own_details_in_clinic_toml_satisfy_strict() {
    let dir = corpus_of(&[SHIPPED]);
    std::fs::write(
        dir.path().join("corpus/clinic.toml"),
        "name = \"Bloom Skin Clinic\"\nphone = \"+44 20 7123 4567\"\n\
         email = \"hello@bloomskin.co.uk\"\nbooking_url = \"https://bloomskin.co.uk/book\"\n",
    )
    .unwrap();
    let (started, printed) = start_over(dir, &["--strict"], &[ORIGIN]);
    assert_eq!(started, Start::Serving, "{printed}");
    assert!(
        warnings(&printed).is_empty(),
        "nothing to warn about: {printed}"
    );
}

#[test]
fn a_clinic_toml_copied_from_the_example_is_warned_about() {
    let (started, printed) = start_over(corpus_of(&[SHIPPED, EXAMPLE_CLINIC]), &[], &[]);
    assert_eq!(started, Start::Serving, "{printed}");
    let warned = warnings(&printed).join("\n");
    for (setting, example) in [
        ("CLINIC_CHAT_CLINIC_PHONE", "+44 161 496 0123"),
        ("CLINIC_CHAT_CLINIC_EMAIL", "hello@maple.example"),
        ("CLINIC_CHAT_BOOKING_URL", "https://maple.example/book"),
    ] {
        assert!(
            warned.contains(setting) && warned.contains(example),
            "{setting} ({example}): {printed}"
        );
    }
    assert!(
        !warned.contains("CLINIC_CHAT_CLINIC_NAME"),
        "the name is the clinic's: {printed}"
    );
}

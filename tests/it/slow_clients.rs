//! Slow and stalled clients: chat bodies that never finish, request heads sent halfway, idle
//! keep-alive connections, and more connections than the server has file descriptors. In each
//! case a visitor who arrives fresh still gets an answer, and the stalled connections are
//! closed within the client timeout rather than held for minutes.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, TcpStream};
use std::os::unix::process::CommandExt;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::app::{SHIPPED, corpus_of, spawn_with};

/// The client timeout these tests give the server: short, so that they take seconds.
const CLIENT_TIMEOUT: Duration = Duration::from_millis(1000);
/// How much later than the client timeout a stalled connection may be closed: timers and a
/// busy machine.
const SLACK: Duration = Duration::from_secs(2);
/// Every wait in these tests ends.
const PATIENCE: Duration = Duration::from_secs(30);

fn host(base: &str) -> &str {
    base.trim_start_matches("http://")
}

/// A connection to the server whose reads give up after `PATIENCE`. (Blocking I/O: the tests
/// that use it run the server on the runtime's worker threads.)
fn connect(base: &str) -> TcpStream {
    let stream = TcpStream::connect(host(base)).unwrap();
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    stream
}

/// Reads one HTTP/1.1 response with a Content-Length: its status and body.
fn read_response(stream: &mut TcpStream) -> std::io::Result<(u16, String)> {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {status_line:?}")))?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// How long until the server closes `stream` (end of stream or reset), reading whatever it
/// sends meanwhile; `None` when it is still open after `PATIENCE`.
fn closed_after(stream: &mut TcpStream) -> Option<Duration> {
    let started = Instant::now();
    let mut buffer = [0; 1024];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => {}
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(_) => return Some(started.elapsed()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_is_answered_while_thirty_addresses_hold_270_unfinished_chat_bodies() {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let app = spawn_with(&[SHIPPED], |config| {
        // The default rate: a burst of 10, so nine requests from each address pass it.
        config.rate_per_minute = 30;
        config.trusted_proxies = vec![loopback];
        config.client_timeout_ms = CLIENT_TIMEOUT.as_millis() as u64;
    })
    .await;
    let mut stalled = Vec::new();
    for n in 0..270 {
        let mut stream = connect(&app.base);
        let head = format!(
            "POST /api/chat HTTP/1.1\r\nHost: clinic\r\nX-Forwarded-For: 203.0.113.{}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"mess",
            n % 30
        );
        stream.write_all(head.as_bytes()).unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let response = app
        .client
        .post(format!("{}/api/chat", app.base))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&serde_json::json!({ "message": "does it hurt?" }))
        .timeout(PATIENCE)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let reply = response.text().await.unwrap();
    assert_eq!(status, 200, "a fresh visitor is answered: {reply}");

    // The stalled requests are told, in JSON, that their bodies took too long.
    let started = Instant::now();
    for stream in &mut stalled {
        let (status, body) = read_response(stream).expect("a stalled request is answered");
        assert_eq!(status, 408, "{body}");
        let error: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert!(error["error"].is_string(), "{body}");
    }
    assert!(
        started.elapsed() < CLIENT_TIMEOUT + SLACK,
        "stalled bodies were answered only after {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_sent_halfway_is_closed_within_the_client_timeout() {
    let app = spawn_with(&[SHIPPED], |config| {
        config.client_timeout_ms = CLIENT_TIMEOUT.as_millis() as u64;
    })
    .await;
    let mut stream = connect(&app.base);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: cli")
        .unwrap();
    let closed = closed_after(&mut stream);
    assert!(
        closed.is_some_and(|after| after < CLIENT_TIMEOUT + SLACK),
        "a half-sent head kept its connection open: closed after {closed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_within_the_client_timeout() {
    let app = spawn_with(&[SHIPPED], |config| {
        config.client_timeout_ms = CLIENT_TIMEOUT.as_millis() as u64;
    })
    .await;
    let mut stream = connect(&app.base);
    // The connection is kept alive between requests that come in good time.
    for _ in 0..2 {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: clinic\r\n\r\n")
            .unwrap();
        let (status, body) = read_response(&mut stream).unwrap();
        assert_eq!(status, 200, "{body}");
        std::thread::sleep(CLIENT_TIMEOUT / 4);
    }
    let closed = closed_after(&mut stream);
    assert!(
        closed.is_some_and(|after| after < CLIENT_TIMEOUT + SLACK),
        "an idle connection stayed open: closed after {closed:?}"
    );
}

// --- More slow connections than descriptors --------------------------------------------------

/// The descriptor limit (soft and hard) of the server under the flood.
const DESCRIPTORS: u64 = 128;

/// The release of `serve` over the shipped article with at most `DESCRIPTORS` open files.
struct LowOnFiles {
    child: Child,
    addr: String,
    dir: tempfile::TempDir,
}

impl Drop for LowOnFiles {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl LowOnFiles {
    fn start() -> LowOnFiles {
        let dir = corpus_of(&[SHIPPED]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let mut command = crate::app::binary();
        command
            .arg("serve")
            .arg("--corpus")
            .arg(dir.path().join("corpus"))
            .arg("--index")
            .arg(dir.path().join("index"))
            .arg("--addr")
            .arg(&addr)
            .env("CLINIC_CHAT_DATA", dir.path().join("data"))
            .env("CLINIC_CHAT_RATE_PER_MINUTE", "0")
            .env(
                "CLINIC_CHAT_CLIENT_TIMEOUT_MS",
                CLIENT_TIMEOUT.as_millis().to_string(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.path().join("stderr.log")).unwrap());
        // SAFETY: setrlimit is async-signal-safe and touches nothing of the parent's.
        unsafe {
            command
                .pre_exec(|| rlimit::setrlimit(rlimit::Resource::NOFILE, DESCRIPTORS, DESCRIPTORS));
        }
        let child = command.spawn().unwrap();
        let server = LowOnFiles { child, addr, dir };
        server.wait_until_healthy();
        server
    }

    fn wait_until_healthy(&self) {
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if self.get_healthz().is_ok_and(|status| status == 200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve was not healthy:\n{}", self.stderr());
    }

    fn get_healthz(&self) -> std::io::Result<u16> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(2)))?;
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: clinic\r\nConnection: close\r\n\r\n")?;
        let mut status_line = String::new();
        BufReader::new(stream).read_line(&mut status_line)?;
        Ok(status_line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.log")).unwrap_or_default()
    }
}

#[test]
fn a_server_short_of_file_descriptors_still_answers_a_fresh_visitor_under_a_flood_of_slow_connections()
 {
    let server = LowOnFiles::start();
    let addr = server.addr.parse().unwrap();
    // Up to twice as many connections as the server has descriptors, each sending half a head,
    // until the kernel's queue of connections waiting to be accepted is full.
    let mut flood = Vec::new();
    for _ in 0..2 * DESCRIPTORS {
        let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
            break;
        };
        let _ = stream.write_all(b"POST /api/chat HTTP/1.1\r\nHost: cli");
        flood.push(stream);
    }
    assert!(
        flood.len() as u64 > DESCRIPTORS,
        "{} connections",
        flood.len()
    );
    std::thread::sleep(Duration::from_millis(300));

    let started = Instant::now();
    let mut stream = TcpStream::connect_timeout(&addr, PATIENCE).unwrap_or_else(|err| {
        panic!(
            "a fresh visitor cannot connect after {:?}: {err}",
            started.elapsed()
        )
    });
    stream.set_read_timeout(Some(PATIENCE)).unwrap();
    let body = r#"{"message":"does it hurt?"}"#;
    write!(
        stream,
        "POST /api/chat HTTP/1.1\r\nHost: clinic\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let read = BufReader::new(stream).read_to_string(&mut response);
    let stderr = server.stderr();
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "a fresh visitor is answered, not {read:?} {response:?} after {:?}:\n{}",
        started.elapsed(),
        stderr.lines().rev().take(5).collect::<Vec<_>>().join("\n")
    );
    assert!(
        !stderr.contains("Too many open files"),
        "the server never runs out of descriptors"
    );
    drop(flood);
}

//! The real binary, as whoever runs it sees it: `serve` finishes the questions in flight when
//! told to stop and exits cleanly, a missing corpus folder is a clear message rather than a
//! crash, and `index` says what it indexed.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_clinic-chat");
/// How long the server may take to start (it builds its index first) or to stop.
const PATIENCE: Duration = Duration::from_secs(60);
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

/// A folder with a copy of the shipped corpus, and room for the index, data and logs.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for entry in std::fs::read_dir(shipped).unwrap().flatten() {
        if entry.path().is_file() {
            std::fs::copy(entry.path(), corpus.join(entry.file_name())).unwrap();
        }
    }
    dir
}

/// The binary with the settings from the environment cleared and output going to files.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BINARY);
    for (key, _) in std::env::vars() {
        if key.starts_with("CLINIC_CHAT_") {
            command.env_remove(key);
        }
    }
    command
        .args(args)
        .current_dir(dir)
        .env("CLINIC_CHAT_DATA", dir.join("data"))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(dir.join("stdout.log")).unwrap())
        .stderr(std::fs::File::create(dir.join("stderr.log")).unwrap());
    command
}

/// Waits at most `PATIENCE` for the process to exit.
fn wait_bounded(child: &mut Child) -> Option<ExitStatus> {
    let started = Instant::now();
    while started.elapsed() < PATIENCE {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// Runs a command that should exit by itself; returns its status, stdout and stderr.
fn run(dir: &Path, args: &[&str]) -> (ExitStatus, String, String) {
    let mut child = command(dir, args).spawn().unwrap();
    let status = wait_bounded(&mut child);
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    let read = |name| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    let (stdout, stderr) = (read("stdout.log"), read("stderr.log"));
    let status = status.unwrap_or_else(|| panic!("{args:?} did not exit:\n{stderr}"));
    (status, stdout, stderr)
}

/// A running `serve`, killed if a test fails before it stops.
struct Server {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn start(dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let corpus = dir.join("corpus");
        let index = dir.join("index");
        let child = command(
            dir,
            &[
                "serve",
                "--corpus",
                corpus.to_str().unwrap(),
                "--index",
                index.to_str().unwrap(),
                "--addr",
                &addr,
            ],
        )
        .env("CLINIC_CHAT_RATE_PER_MINUTE", "0")
        .spawn()
        .unwrap();
        let mut server = Server {
            child,
            addr,
            dir: dir.to_path_buf(),
        };
        server.wait_until_healthy();
        server
    }

    fn wait_until_healthy(&mut self) {
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("serve exited with {status}:\n{}", self.stderr());
            }
            if let Ok(mut stream) = self.connect() {
                let request = format!(
                    "GET /healthz HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                    self.addr
                );
                if stream.write_all(request.as_bytes()).is_ok()
                    && read_response(&mut BufReader::new(stream)).is_ok_and(|(s, _)| s == 200)
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "serve was not healthy within {PATIENCE:?}:\n{}",
            self.stderr()
        );
    }

    fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
        stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
        Ok(stream)
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }

    fn terminate(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM failed");
    }
}

/// Reads one HTTP/1.1 response with a Content-Length: its status and body.
fn read_response(reader: &mut impl BufRead) -> std::io::Result<(u16, String)> {
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

/// What became of one visitor's question.
#[derive(Debug)]
enum Outcome {
    Answered(u16, String),
    Failed(std::io::Error),
}

#[test]
fn questions_in_flight_are_answered_when_serve_is_told_to_stop_and_it_exits_cleanly() {
    let dir = workspace();
    let mut server = Server::start(dir.path());
    let questions = [
        "How many sessions for hair loss?",
        "does it hurt?",
        "what is the downtime?",
        "is mesotherapy safe?",
    ];

    // Each visitor's connection is accepted and served once, then sends a question whose body
    // is only half there when the signal comes: the question is certainly in flight.
    let (ready_tx, ready_rx) = mpsc::channel::<()>();
    let mut go = Vec::new();
    let mut visitors = Vec::new();
    for question in questions {
        let mut stream = server.connect().unwrap();
        let addr = server.addr.clone();
        let ready = ready_tx.clone();
        let (go_tx, go_rx) = mpsc::channel::<()>();
        go.push(go_tx);
        visitors.push(std::thread::spawn(move || -> Outcome {
            let body = serde_json::json!({ "message": question }).to_string();
            let result = (|| -> std::io::Result<(u16, String)> {
                let mut reader = BufReader::new(stream.try_clone()?);
                write!(
                    stream,
                    "GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n"
                )?;
                let (status, _) = read_response(&mut reader)?;
                assert_eq!(status, 200, "the connection is served");
                let (first, rest) = body.split_at(body.len() / 2);
                write!(
                    stream,
                    "POST /api/chat HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{first}",
                    body.len()
                )?;
                stream.flush()?;
                ready.send(()).unwrap();
                go_rx.recv_timeout(PATIENCE).unwrap();
                stream.write_all(rest.as_bytes())?;
                read_response(&mut reader)
            })();
            match result {
                Ok((status, body)) => Outcome::Answered(status, body),
                Err(err) => Outcome::Failed(err),
            }
        }));
    }
    for _ in &questions {
        ready_rx
            .recv_timeout(PATIENCE)
            .expect("every visitor is ready");
    }
    // Let the server read the requests' heads, then tell it to stop.
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    let signalled = Instant::now();
    std::thread::sleep(Duration::from_millis(300));

    // A visitor arriving after the signal is turned away or answered, never left hanging.
    let late = server.connect().and_then(|mut stream| {
        let body = r#"{"message":"does it hurt?"}"#;
        write!(
            stream,
            "POST /api/chat HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            server.addr,
            body.len()
        )?;
        read_response(&mut BufReader::new(stream))
    });
    match &late {
        Ok((status, _)) => assert_eq!(*status, 200, "a late question that is accepted is answered"),
        Err(err) => assert!(
            matches!(
                err.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::UnexpectedEof
            ),
            "a late question is refused, not left hanging: {err:?}"
        ),
    }

    for go in go {
        go.send(()).unwrap();
    }
    for (question, visitor) in questions.iter().zip(visitors) {
        match visitor.join().unwrap() {
            Outcome::Answered(status, body) => {
                assert_eq!(status, 200, "{question}: {body}");
                let reply: serde_json::Value = serde_json::from_str(&body).unwrap();
                assert!(
                    ["answer", "fallback", "smalltalk"]
                        .contains(&reply["kind"].as_str().unwrap_or("")),
                    "{question}: {reply}"
                );
            }
            Outcome::Failed(err) => panic!(
                "{question} was in flight at the signal and was dropped: {err}\n{}",
                server.stderr()
            ),
        }
    }

    let status = wait_bounded(&mut server.child)
        .unwrap_or_else(|| panic!("serve did not exit within {PATIENCE:?} of SIGTERM"));
    println!(
        "exited {:?} after the signal; a late visitor got {late:?}",
        signalled.elapsed()
    );
    let stderr = server.stderr();
    assert!(
        status.success(),
        "serve exits with status 0, not {status}:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("shutting down"),
        "the log says it is stopping:\n{stderr}"
    );
}

#[test]
fn serve_without_its_corpus_folder_says_which_folder_is_missing_and_exits_non_zero() {
    let dir = workspace();
    let missing = dir.path().join("no-such-corpus");
    let index = dir.path().join("index");
    let (status, _, stderr) = run(
        dir.path(),
        &[
            "serve",
            "--corpus",
            missing.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ],
    );
    assert!(!status.success(), "{status}");
    assert!(
        stderr.contains(missing.to_str().unwrap()),
        "the message names the folder:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("RUST_BACKTRACE"), "{stderr}");
}

#[test]
fn index_prints_how_many_articles_sections_and_passages_it_indexed() {
    let dir = workspace();
    let corpus = dir.path().join("corpus");
    let index = dir.path().join("index");
    let (status, stdout, stderr) = run(
        dir.path(),
        &[
            "index",
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
        ],
    );
    assert!(status.success(), "{status}:\n{stderr}");
    assert!(
        stdout.starts_with("indexed 1 articles, 10 sections, 35 passages"),
        "{stdout:?}"
    );
    assert!(index.join("CURRENT").is_file(), "the index is on disk");
}

/// How long `serve` may take to stop after SIGTERM when a client stalls: longer than the chat
/// endpoint's 10 s request timeout, far shorter than a supervisor's patience.
const STOP_WITHIN: Duration = Duration::from_secs(30);

/// Opens a connection, sends `bytes` and no more, sends SIGTERM; returns how the server
/// ended within `STOP_WITHIN`, if it did.
fn stop_with_a_stalled_client(bytes: &str) -> (Option<ExitStatus>, Duration, String) {
    let dir = workspace();
    let mut server = Server::start(dir.path());
    let mut stream = server.connect().unwrap();
    stream.write_all(bytes.as_bytes()).unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    let signalled = Instant::now();
    let mut status = None;
    while signalled.elapsed() < STOP_WITHIN {
        if let Some(exit) = server.child.try_wait().unwrap() {
            status = Some(exit);
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stream);
    (status, signalled.elapsed(), server.stderr())
}

#[test]
fn a_visitor_who_stops_sending_halfway_through_a_question_does_not_keep_serve_running() {
    let (status, took, stderr) = stop_with_a_stalled_client(
        "POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mess",
    );
    let status = status.unwrap_or_else(|| panic!("serve still running {took:?} after SIGTERM"));
    println!("stopped {took:?} after the signal");
    assert!(status.success(), "{status}:\n{stderr}");
}

#[test]
fn a_client_that_stalls_mid_request_on_any_route_does_not_keep_serve_running() {
    for (what, bytes) in [
        ("half a request head", "GET /healthz HTTP/1.1\r\nHo"),
        (
            "half a feedback body",
            "POST /api/feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"answ",
        ),
        (
            "half a staff login form",
            "POST /staff/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ntok",
        ),
    ] {
        let (status, took, stderr) = stop_with_a_stalled_client(bytes);
        let status =
            status.unwrap_or_else(|| panic!("{what}: serve still running {took:?} after SIGTERM"));
        assert!(status.success(), "{what}: {status}:\n{stderr}");
    }
}

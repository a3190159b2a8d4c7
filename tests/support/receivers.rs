//! The clinic's side of a call-back request, for tests: a webhook receiver (an axum server on
//! a free port) and an SMTP server (mailin-embedded on a free port), each keeping what it got.
//! Shared by the integration tests and the browser test.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::Value;

/// What the test's webhook receiver got, and how many calls it answers 503 before it works.
#[derive(Clone, Default)]
pub struct Receiver {
    pub calls: Arc<AtomicU32>,
    pub failures: u32,
    pub received: Arc<Mutex<Vec<Value>>>,
}

async fn receive(State(receiver): State<Receiver>, Json(body): Json<Value>) -> StatusCode {
    let call = receiver.calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call <= receiver.failures {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    receiver.received.lock().unwrap().push(body);
    StatusCode::NO_CONTENT
}

/// A webhook receiver on a free port; its URL.
pub async fn webhook(receiver: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/callback", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hooks/callback", axum::routing::post(receive))
        .with_state(receiver);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The test's SMTP server: every message it was given, whole.
#[derive(Clone, Default)]
pub struct Inbox {
    pub messages: Arc<Mutex<Vec<String>>>,
    current: Vec<u8>,
    pub recipients: Arc<Mutex<Vec<String>>>,
}

impl mailin_embedded::Handler for Inbox {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current.clear();
        self.recipients.lock().unwrap().extend(to.iter().cloned());
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let message = String::from_utf8_lossy(&self.current).into_owned();
        self.messages.lock().unwrap().push(message);
        mailin_embedded::response::OK
    }
}

/// An SMTP server on a free port, on its own threads for the rest of the test process.
pub fn smtp_server(inbox: Inbox) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut server = mailin_embedded::Server::new(inbox);
    server
        .with_name("smtp.test")
        .with_ssl(mailin_embedded::SslConfig::None)
        .unwrap()
        .with_num_threads(2)
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        if let Err(err) = server.serve() {
            eprintln!("the test's SMTP server stopped: {err}");
        }
    });
    port
}

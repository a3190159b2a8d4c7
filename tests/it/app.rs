//! `spawn_app`: a service over a corpus of our choosing, on 127.0.0.1 and a free port.

use std::path::Path;

use clinic_chat::config::Config;
use clinic_chat::http::{self, AppState};
use clinic_chat::index::BuildReport;
use serde_json::{Value, json};
use tokio::sync::oneshot;

pub const SHIPPED: &str = "corpus/mesotherapy-for-flawless-skin.txt";
pub const FIXTURES: [&str; 3] = [
    "tests/fixtures/clinic/microneedling-for-acne-scars.md",
    "tests/fixtures/clinic/chemical-peels-explained.html",
    "tests/fixtures/clinic/dermal-fillers-guide.txt",
];

pub struct App {
    pub base: String,
    pub client: reqwest::Client,
    _dir: tempfile::TempDir,
    _served: Served,
}

/// A real server on a free loopback port; it stops when this is dropped.
pub struct Served {
    pub base: String,
    /// What was built at start, when the index had to be (re)built.
    pub report: Option<BuildReport>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Loads the index for `config` (building it when needed) and serves it.
pub async fn serve(config: Config) -> Served {
    let (answerer, report) = tokio::task::spawn_blocking({
        let config = config.clone();
        move || clinic_chat::load(&config).unwrap()
    })
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let state = AppState::new(answerer, config);
    tokio::spawn(http::run(listener, state, async {
        let _ = stopped.await;
    }));
    Served {
        base,
        report,
        stop: Some(stop),
    }
}

/// The built binary as a command, with no `CLINIC_CHAT_` setting of the environment running
/// the tests: each test gives its own.
pub fn binary() -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-chat"));
    for (name, _) in std::env::vars() {
        if name.starts_with("CLINIC_CHAT_") {
            command.env_remove(name);
        }
    }
    command
}

/// A corpus folder holding copies of `files` (paths relative to the crate root).
pub fn corpus_of(files: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("corpus")).unwrap();
    for file in files {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let name = from.file_name().unwrap();
        std::fs::copy(&from, dir.path().join("corpus").join(name)).unwrap();
    }
    dir
}

pub async fn spawn_app(files: &[&str]) -> App {
    spawn_with(files, |_| {}).await
}

pub async fn spawn_with(files: &[&str], adjust: impl FnOnce(&mut Config)) -> App {
    let dir = corpus_of(files);
    let mut config = Config::for_paths(dir.path().join("corpus"), dir.path().join("index"));
    config.rate_per_minute = 0;
    config.callbacks_per_hour = 0;
    config.data = dir.path().join("data");
    adjust(&mut config);
    let served = serve(config).await;
    App {
        base: served.base.clone(),
        client: reqwest::Client::new(),
        _dir: dir,
        _served: served,
    }
}

impl App {
    /// The app's corpus folder, for tests that add or remove articles and reindex.
    pub fn corpus(&self) -> std::path::PathBuf {
        self._dir.path().join("corpus")
    }

    /// Asks one question; returns the status and the JSON body.
    pub async fn chat(&self, body: Value) -> (u16, Value) {
        let response = self
            .client
            .post(format!("{}/api/chat", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Asks one question that must be answered 200; returns the reply.
    pub async fn ask(&self, message: &str) -> Value {
        let (status, reply) = self.chat(json!({ "message": message })).await;
        assert_eq!(status, 200, "{message}: {reply}");
        reply
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
}

/// The reply's answer text, lowercased, dashes made plain.
pub fn answer_text(reply: &Value) -> String {
    reply["answer"]
        .as_str()
        .unwrap_or_default()
        .to_lowercase()
        .replace(['–', '—'], "-")
}

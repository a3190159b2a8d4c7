//! Robustness: reindexing under load, damaged index folders, spoofed client addresses, browser
//! security headers, and visitors' markup never coming back as markup.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clinic_chat::config::Config;
use serde_json::{Value, json};

use crate::app::{SHIPPED, answer_text, corpus_of, spawn_app, spawn_with};

/// Every wait in these tests ends.
const PATIENCE: Duration = Duration::from_secs(30);

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(PATIENCE)
        .build()
        .unwrap()
}

async fn bounded<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what} took longer than {PATIENCE:?}"))
}

async fn reindex(client: &reqwest::Client, base: &str) -> (u16, Value) {
    let response = client
        .post(format!("{base}/api/admin/reindex"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

// --- Reindexing while visitors ask -----------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn visitors_keep_getting_answers_while_staff_reindex_again_and_again() {
    let app = spawn_app(&[SHIPPED]).await;
    let questions = [
        "How many sessions for hair loss?",
        "does it hurt?",
        "hello",
        "what is the downtime?",
        "is mesotherapy safe?",
    ];
    // How many reindexes are running now; questions asked meanwhile are counted.
    let reindexing = Arc::new(AtomicUsize::new(0));
    let during_reindex = Arc::new(AtomicUsize::new(0));
    let mut visitors = Vec::new();
    for visitor in 0..4 {
        let (client, base) = (client(), app.base.clone());
        let (reindexing, during_reindex) = (reindexing.clone(), during_reindex.clone());
        visitors.push(tokio::spawn(async move {
            let mut replies = Vec::new();
            for n in 0..30 {
                let message = questions[(visitor + n) % questions.len()];
                let before = reindexing.load(Ordering::SeqCst);
                let response = client
                    .post(format!("{base}/api/chat"))
                    .json(&json!({ "message": message }))
                    .send()
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let reply: Value = response.json().await.unwrap_or(Value::Null);
                if before + reindexing.load(Ordering::SeqCst) > 0 {
                    during_reindex.fetch_add(1, Ordering::SeqCst);
                }
                replies.push((message, status, reply));
                // Visitors type: their questions are spread over the reindexes.
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            replies
        }));
    }
    // Staff read pages and search results meanwhile: they too are served from the index.
    let readers = {
        let (client, base) = (client(), app.base.clone());
        tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..15 {
                for path in [
                    "/articles/mesotherapy-for-flawless-skin",
                    "/api/search?q=downtime",
                    "/",
                ] {
                    let response = client.get(format!("{base}{path}")).send().await.unwrap();
                    let status = response.status().as_u16();
                    let body = response.text().await.unwrap_or_default();
                    statuses.push((path, status, body.contains("esotherapy")));
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            statuses
        })
    };
    // Three reindexes one after another, then two at once.
    let staff = {
        let (client, base) = (client(), app.base.clone());
        let reindexing = reindexing.clone();
        let counted = move || {
            let (client, base, reindexing) = (client.clone(), base.clone(), reindexing.clone());
            async move {
                reindexing.fetch_add(1, Ordering::SeqCst);
                let result = reindex(&client, &base).await;
                reindexing.fetch_sub(1, Ordering::SeqCst);
                result
            }
        };
        tokio::spawn(async move {
            let mut results = Vec::new();
            for _ in 0..3 {
                results.push(counted().await);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let (a, b) = tokio::join!(counted(), counted());
            results.extend([a, b]);
            results
        })
    };

    let mut asked = 0;
    for visitor in visitors {
        for (message, status, reply) in bounded("a visitor's 30 questions", visitor).await.unwrap()
        {
            assert_eq!(status, 200, "{message}: {reply}");
            let kind = reply["kind"].as_str().unwrap_or_default();
            assert!(
                ["answer", "fallback", "smalltalk"].contains(&kind),
                "{message}: {reply}"
            );
            if message.contains("hair loss") {
                assert_eq!(kind, "answer", "a reindex never turns an answer away");
                assert!(answer_text(&reply).contains("6-8"), "{reply}");
            }
            asked += 1;
        }
    }
    assert_eq!(asked, 120);
    let overlapped = during_reindex.load(Ordering::SeqCst);
    println!("{overlapped} of 120 questions were asked during a reindex");
    assert!(overlapped > 0, "questions were asked while reindexing");
    for (path, status, shows_the_article) in bounded("staff reads", readers).await.unwrap() {
        assert_eq!(status, 200, "{path}");
        assert!(shows_the_article, "{path} shows the article's content");
    }
    let reports = bounded("five reindexes", staff).await.unwrap();
    assert_eq!(reports.len(), 5);
    for (status, report) in reports {
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["articles"], 1, "{report}");
    }
    let status: Value = app
        .get("/api/admin/status")
        .await
        .json()
        .await
        .unwrap_or(Value::Null);
    assert_eq!(status["articles"], 1, "{status}");
    assert_eq!(status["passages"], 35, "{status}");
}

const CRYO: &str = "---\ntitle: Cryolipolysis Fat Freezing\n---\n\
# Cryolipolysis Fat Freezing\n\n\
Cryolipolysis freezes stubborn fat cells without surgery.\n\n\
## How cold does the applicator get?\n\n\
The applicator cools the treated area to minus 11 degrees Celsius for about an hour.\n\n\
## How many sessions are needed?\n\n\
Most people need two sessions, eight weeks apart.\n";

#[tokio::test]
async fn an_article_added_to_the_corpus_is_answered_from_after_a_reindex() {
    let app = spawn_app(&[SHIPPED]).await;
    let question = "How cold does the cryolipolysis applicator get?";
    let before = app.ask(question).await;
    assert!(!answer_text(&before).contains("minus 11"), "{before}");

    std::fs::write(app.corpus().join("cryolipolysis.md"), CRYO).unwrap();
    let (status, report) = reindex(&app.client, &app.base).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["articles"], 2, "{report}");

    let after = app.ask(question).await;
    assert_eq!(after["kind"], "answer", "{after}");
    assert!(
        answer_text(&after).contains("minus 11 degrees"),
        "the new article's fact: {after}"
    );
    let source = after["sources"][0]["url"].as_str().unwrap_or_default();
    assert!(source.starts_with("/articles/cryolipolysis#"), "{after}");
    let page = app.get("/articles/cryolipolysis").await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("minus 11 degrees"));
    // The shipped article is still answered from.
    assert!(answer_text(&app.ask("How many sessions for hair loss?").await).contains("6-8"));
}

#[tokio::test]
async fn an_article_removed_from_the_corpus_is_gone_after_a_reindex() {
    let app = spawn_app(&[SHIPPED]).await;
    std::fs::write(app.corpus().join("cryolipolysis.md"), CRYO).unwrap();
    assert_eq!(reindex(&app.client, &app.base).await.0, 200);
    assert_eq!(app.get("/articles/cryolipolysis").await.status(), 200);

    std::fs::remove_file(app.corpus().join("cryolipolysis.md")).unwrap();
    let (status, report) = reindex(&app.client, &app.base).await;
    assert_eq!((status, report["articles"].clone()), (200, json!(1)));
    assert_eq!(app.get("/articles/cryolipolysis").await.status(), 404);
    let reply = app
        .ask("How cold does the cryolipolysis applicator get?")
        .await;
    assert!(!answer_text(&reply).contains("minus 11"), "{reply}");
}

#[tokio::test]
async fn a_reindex_that_fails_leaves_visitors_answered_from_the_index_they_had() {
    let app = spawn_app(&[SHIPPED]).await;
    let moved = app.corpus().with_file_name("corpus-moved");
    std::fs::rename(app.corpus(), &moved).unwrap();
    let (status, report) = reindex(&app.client, &app.base).await;
    assert!(
        status >= 500,
        "the corpus folder is gone: {status} {report}"
    );
    assert!(report["error"].is_string(), "a JSON error: {report}");
    assert!(answer_text(&app.ask("How many sessions for hair loss?").await).contains("6-8"));
    assert_eq!(
        app.get("/articles/mesotherapy-for-flawless-skin")
            .await
            .status(),
        200
    );
    // Staff see that the last reindex failed, and why.
    let status: Value = app.get("/api/admin/status").await.json().await.unwrap();
    let failure = &status["reindex_failure"];
    assert!(
        failure["error"]
            .as_str()
            .is_some_and(|e| e.contains("corpus"))
            && failure["at"].is_i64(),
        "{status}"
    );
    assert_eq!(status["articles"], 1, "{status}");

    std::fs::rename(&moved, app.corpus()).unwrap();
    let (status, report) = reindex(&app.client, &app.base).await;
    assert_eq!((status, report["articles"].clone()), (200, json!(1)));
    let status: Value = app.get("/api/admin/status").await.json().await.unwrap();
    assert!(status["reindex_failure"].is_null(), "{status}");
}

#[tokio::test]
async fn markup_in_an_article_is_shown_as_text_on_its_page() {
    let app = spawn_app(&[SHIPPED]).await;
    std::fs::write(
        app.corpus().join("peels-script.txt"),
        "Peels <script>alert(1)</script> Explained\n\n\
         What is a peel?\n\n\
         A peel <img src=x onerror=alert(1)> removes dead skin in 2 weeks.\n",
    )
    .unwrap();
    assert_eq!(reindex(&app.client, &app.base).await.0, 200);
    for path in ["/articles/peels-script", "/"] {
        let page = app.get(path).await;
        assert_eq!(page.status(), 200, "{path}");
        let html = page.text().await.unwrap();
        assert_no_markup(path, &html);
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
            "{path}"
        );
    }
}

// --- A damaged index folder at start --------------------------------------------------------

/// Log lines written while `f` runs on this thread.
fn logs_of<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let buffer = buffer.clone();
            move || buffer.clone()
        })
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    let logs = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    (out, logs)
}

/// Something done to an index folder or a generation in it.
type Damage = fn(&Path);

/// A corpus with the shipped article and an index built from it.
struct Built {
    dir: tempfile::TempDir,
}

impl Built {
    fn new() -> Built {
        let dir = corpus_of(&[SHIPPED, "corpus/synonyms.toml"]);
        let built = Built { dir };
        clinic_chat::index::build(&built.corpus(), &built.index()).unwrap();
        built
    }

    fn corpus(&self) -> PathBuf {
        self.dir.path().join("corpus")
    }

    fn index(&self) -> PathBuf {
        self.dir.path().join("index")
    }

    fn generation(&self) -> PathBuf {
        let name = std::fs::read_to_string(self.index().join("CURRENT")).unwrap();
        self.index().join(name.trim())
    }

    /// Loads as the service does at start; returns whether it rebuilt, and the logs.
    fn load(&self) -> (Arc<clinic_chat::answer::Answerer>, bool, String) {
        let config = Config::for_paths(self.corpus(), self.index());
        let (loaded, logs) = logs_of(|| clinic_chat::load(&config));
        let (answerer, report) = loaded.unwrap_or_else(|e| panic!("load failed: {e:#}\n{logs}"));
        (answerer, report.is_some(), logs)
    }
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The answerer answers the question the shipped article is best known for.
fn assert_answers(answerer: &clinic_chat::answer::Answerer, case: &str) {
    let question =
        clinic_chat::answer::Question::parse("How many sessions for hair loss?").unwrap();
    let reply = answerer.answer(&question, None);
    assert_eq!(reply.kind.as_str(), "answer", "{case}: {}", reply.answer);
    assert!(reply.answer.contains("6-8"), "{case}: {}", reply.answer);
}

/// After a start, `CURRENT` names a generation that exists and nothing else is left behind.
fn assert_tidy(built: &Built, case: &str) {
    let generation = built.generation();
    assert!(generation.join("manifest.json").is_file(), "{case}");
    let generations: Vec<String> = std::fs::read_dir(built.index())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-") || n.starts_with(".building-"))
        .collect();
    assert_eq!(generations.len(), 1, "{case}: {generations:?}");
}

#[test]
fn an_index_with_truncated_or_emptied_files_is_rebuilt_at_start_with_a_warning() {
    let cases: [(&str, Damage); 4] = [
        ("every file emptied", |gen_dir| {
            for file in files_in(gen_dir) {
                std::fs::write(file, b"").unwrap();
            }
        }),
        ("every file cut in half", |gen_dir| {
            for file in files_in(gen_dir) {
                let len = std::fs::metadata(&file).unwrap().len();
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&file)
                    .unwrap()
                    .set_len(len / 2)
                    .unwrap();
            }
        }),
        (
            "the segment files emptied, the manifest intact",
            |gen_dir| {
                for file in files_in(gen_dir) {
                    let name = file.file_name().unwrap().to_string_lossy().into_owned();
                    if name != "manifest.json" && !name.starts_with('.') {
                        std::fs::write(file, b"").unwrap();
                    }
                }
            },
        ),
        ("the manifest is not JSON", |gen_dir| {
            std::fs::write(gen_dir.join("manifest.json"), b"{\"format_version\": 1, ").unwrap();
        }),
    ];
    for (case, damage) in cases {
        let built = Built::new();
        damage(&built.generation());
        let (answerer, rebuilt, logs) = built.load();
        assert!(rebuilt, "{case}: the index is rebuilt");
        assert!(
            logs.contains("WARN") && logs.contains("unreadable"),
            "{case}: a warning says the index was unreadable:\n{logs}"
        );
        assert_answers(&answerer, case);
        assert_tidy(&built, case);
        // The next start opens the rebuilt index as it is.
        drop(answerer);
        let (answerer, rebuilt, _) = built.load();
        assert!(!rebuilt, "{case}: the rebuilt index is kept");
        assert_answers(&answerer, case);
    }
}

/// The kinds of file a tantivy segment is made of.
const SEGMENT_FILES: [&str; 6] = ["term", "idx", "pos", "store", "fast", "fieldnorm"];

/// Overwrites the first `part` of every file of the current generation with this extension,
/// keeping each file's length.
fn garble(built: &Built, extension: &str, part: f64) {
    let mut damaged = 0;
    for file in files_in(&built.generation()) {
        if file.extension().is_some_and(|e| e == extension) {
            let mut bytes = std::fs::read(&file).unwrap();
            let end = (bytes.len() as f64 * part) as usize;
            for (i, byte) in bytes.iter_mut().take(end).enumerate() {
                *byte = (i * 131 % 251) as u8;
            }
            std::fs::write(&file, bytes).unwrap();
            damaged += 1;
        }
    }
    assert!(damaged > 0, "the index has .{extension} files");
}

#[test]
fn an_index_whose_segment_files_were_overwritten_whole_is_rebuilt_at_start_with_a_warning() {
    for extension in SEGMENT_FILES {
        let built = Built::new();
        garble(&built, extension, 1.0);
        let (answerer, rebuilt, logs) = built.load();
        let case = format!(".{extension} overwritten");
        assert!(rebuilt, "{case}: the index is rebuilt\n{logs}");
        assert!(logs.contains("WARN"), "{case}: a warning\n{logs}");
        assert_answers(&answerer, &case);
        assert_tidy(&built, &case);
    }
}

/// Damage inside a file (a bad disk block, a partial copy) that leaves its footer intact.
#[tokio::test]
async fn visitors_get_answers_when_the_index_was_damaged_inside_its_files_before_start() {
    for extension in SEGMENT_FILES {
        let built = Built::new();
        garble(&built, extension, 0.5);
        let case = format!(".{extension} damaged inside");
        let config = Config::for_paths(built.corpus(), built.index());
        let mut config = config;
        config.rate_per_minute = 0;
        config.data = built.dir.path().join("data");
        let served = crate::app::serve(config).await;
        let base = &served.base;
        let response = client()
            .post(format!("{base}/api/chat"))
            .json(&json!({"message": "How many sessions for hair loss?"}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let reply: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "{case}: {reply}");
        assert!(answer_text(&reply).contains("6-8"), "{case}: {reply}");
        assert!(
            served.report.is_some(),
            "{case}: the damaged index is rebuilt"
        );
    }
}

#[test]
fn a_current_file_naming_a_missing_generation_is_rebuilt_at_start_with_a_warning() {
    let built = Built::new();
    std::fs::write(built.index().join("CURRENT"), "gen-1234567890").unwrap();
    let (answerer, rebuilt, logs) = built.load();
    assert!(rebuilt);
    assert!(
        logs.contains("WARN"),
        "a warning names the problem:\n{logs}"
    );
    assert_answers(&answerer, "missing generation");
    assert_tidy(&built, "missing generation");
}

#[test]
fn junk_in_the_index_folder_does_not_stop_the_service_starting_or_answering() {
    let cases: [(&str, Damage); 3] = [
        ("stray files and folders beside the index", |index| {
            std::fs::write(index.join("notes.txt"), "hello").unwrap();
            std::fs::write(index.join("gen-not-a-folder"), [0xff, 0x00, 0x13]).unwrap();
            std::fs::create_dir(index.join("gen-0")).unwrap();
            std::fs::write(index.join("gen-0").join("meta.json"), "{").unwrap();
            std::fs::create_dir(index.join("lost+found")).unwrap();
        }),
        ("CURRENT holds binary junk", |index| {
            std::fs::write(index.join("CURRENT"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
        }),
        ("CURRENT points outside the index folder", |index| {
            std::fs::write(index.join("CURRENT"), "../corpus").unwrap();
        }),
    ];
    for (case, junk) in cases {
        let built = Built::new();
        junk(&built.index());
        let config = Config::for_paths(built.corpus(), built.index());
        let (loaded, logs) = logs_of(|| clinic_chat::load(&config));
        let (answerer, _) = loaded.unwrap_or_else(|e| panic!("{case}: {e:#}\n{logs}"));
        assert_answers(&answerer, case);
        assert!(
            built
                .corpus()
                .join(SHIPPED.rsplit('/').next().unwrap())
                .is_file(),
            "{case}: the corpus is untouched"
        );
    }
}

#[test]
fn a_folder_named_current_in_the_index_folder_does_not_stop_the_service_starting() {
    let built = Built::new();
    std::fs::remove_file(built.index().join("CURRENT")).unwrap();
    std::fs::create_dir(built.index().join("CURRENT")).unwrap();
    let (answerer, rebuilt, _) = built.load();
    assert!(rebuilt);
    assert_answers(&answerer, "CURRENT is a folder");
}

#[test]
fn a_half_built_index_left_by_a_killed_build_is_removed_and_changes_no_answer() {
    let built = Built::new();
    let leftover = built.index().join(".building-1700000000000000000");
    std::fs::create_dir(&leftover).unwrap();
    std::fs::write(leftover.join("meta.json"), "{\"segments\": [").unwrap();
    std::fs::write(leftover.join("0a1b2c.store"), vec![7u8; 4096]).unwrap();
    let (answerer, rebuilt, _) = built.load();
    assert!(!leftover.exists(), "the leftover is removed at start");
    assert!(!rebuilt, "the finished index is still used as it is");
    assert_answers(&answerer, "leftover build");
    assert_tidy(&built, "leftover build");
}

// --- Rate limits and forwarded addresses ----------------------------------------------------

async fn chat_as(app: &crate::app::App, forwarded_for: Option<&str>) -> (u16, Option<String>) {
    let mut request = app
        .client
        .post(format!("{}/api/chat", app.base))
        .json(&json!({"message": "hello"}));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let response = request.send().await.unwrap();
    let retry = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (response.status().as_u16(), retry)
}

#[tokio::test]
async fn a_client_faking_x_forwarded_for_still_gets_429_after_its_allowance() {
    let app = spawn_with(&[SHIPPED], |c| c.rate_per_minute = 3).await;
    let mut statuses = Vec::new();
    for n in 1..=6 {
        statuses.push(chat_as(&app, Some(&format!("198.51.100.{n}"))).await);
    }
    let codes: Vec<u16> = statuses.iter().map(|s| s.0).collect();
    assert_eq!(codes, [200, 200, 200, 429, 429, 429], "{statuses:?}");
    assert!(statuses[3].1.is_some(), "429 carries Retry-After");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_gets_its_own_allowance() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.rate_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        for n in 0..3 {
            let (status, _) = chat_as(&app, Some(client)).await;
            assert_eq!(status, 200, "{client}, message {n}");
        }
    }
    assert_eq!(chat_as(&app, Some("203.0.113.1")).await.0, 429);
    // A proxy reporting a chain: the last untrusted hop is the client.
    assert_eq!(
        chat_as(&app, Some("203.0.113.9, 203.0.113.2")).await.0,
        429,
        "203.0.113.2 has used its allowance"
    );
    assert_eq!(chat_as(&app, Some("203.0.113.4")).await.0, 200);
}

// --- Browser security headers and CORS -------------------------------------------------------

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

#[tokio::test]
async fn chat_replies_and_pages_carry_the_browser_security_headers() {
    let app = spawn_app(&[SHIPPED]).await;
    let chat = app
        .client
        .post(format!("{}/api/chat", app.base))
        .json(&json!({"message": "does it hurt?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(chat.status(), 200);
    assert_eq!(
        header(&chat, "x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(header(&chat, "referrer-policy").is_some_and(|p| !p.is_empty()));
    for path in [
        "/",
        "/articles/mesotherapy-for-flawless-skin",
        "/no-such-page",
    ] {
        let page = app.get(path).await;
        let csp = header(&page, "content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors"), "{path}: {csp:?}");
        assert_eq!(
            header(&page, "x-content-type-options").as_deref(),
            Some("nosniff"),
            "{path}"
        );
        assert!(header(&page, "referrer-policy").is_some(), "{path}");
    }
}

async fn preflight(app: &crate::app::App, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, format!("{}/api/chat", app.base))
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap()
}

async fn cross_origin_chat(app: &crate::app::App, origin: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/chat", app.base))
        .header("origin", origin)
        .json(&json!({"message": "does it hurt?"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn pages_on_localhost_may_call_the_api_and_other_sites_may_not() {
    let app = spawn_app(&[SHIPPED]).await;
    let local = preflight(&app, "http://localhost:8080").await;
    assert!(local.status().is_success(), "{}", local.status());
    assert_eq!(
        header(&local, "access-control-allow-origin").as_deref(),
        Some("http://localhost:8080")
    );
    assert!(
        header(&local, "access-control-allow-methods").is_some_and(|m| m.contains("POST")),
        "the preflight allows POST"
    );
    for origin in [
        "https://evil.example",
        "http://localhost.evil.example",
        "https://www.clinic.example",
    ] {
        let response = preflight(&app, origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin} is not allowed by default"
        );
        let response = cross_origin_chat(&app, origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn the_clinics_own_site_may_call_the_api_once_configured() {
    let app = spawn_with(&[SHIPPED], |c| {
        c.allowed_origins = vec!["https://www.clinic.example".into()];
    })
    .await;
    let allowed = preflight(&app, "https://www.clinic.example").await;
    assert!(allowed.status().is_success());
    assert_eq!(
        header(&allowed, "access-control-allow-origin").as_deref(),
        Some("https://www.clinic.example")
    );
    let chat = cross_origin_chat(&app, "https://www.clinic.example").await;
    assert_eq!(chat.status(), 200);
    assert_eq!(
        header(&chat, "access-control-allow-origin").as_deref(),
        Some("https://www.clinic.example")
    );
    for origin in [
        "https://evil.example",
        "https://clinic.example",
        "http://www.clinic.example",
    ] {
        let response = preflight(&app, origin).await;
        assert_eq!(
            header(&response, "access-control-allow-origin"),
            None,
            "{origin}"
        );
    }
}

// --- Visitors' markup never comes back as markup ----------------------------------------------

const INJECTIONS: [&str; 6] = [
    "<script>alert(1)</script> does it hurt?",
    "how many sessions for <script>alert(1)</script> hair loss?",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "</script><script>alert(document.cookie)</script>",
    "hair loss <iframe src=javascript:alert(1)>",
];

fn assert_no_markup(what: &str, body: &str) {
    let lower = body.to_lowercase();
    for needle in [
        "<script>alert",
        "<script>alert(document",
        "<img src=x",
        "<svg onload",
        "<iframe src=javascript",
    ] {
        assert!(!lower.contains(needle), "{what} echoes {needle:?}: {body}");
    }
}

#[tokio::test]
async fn markup_in_a_message_never_comes_back_in_the_chat_reply() {
    let app = spawn_app(&[SHIPPED]).await;
    for message in INJECTIONS {
        let response = app
            .client
            .post(format!("{}/api/chat", app.base))
            .json(&json!({ "message": message }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{message}");
        assert!(
            header(&response, "content-type").is_some_and(|t| t.starts_with("application/json"))
        );
        let body = response.text().await.unwrap();
        assert_no_markup(message, &body);
        // Nor in the reply to a follow-up, which reads the message in its light.
        let id = serde_json::from_str::<Value>(&body).unwrap()["conversation_id"].clone();
        let (status, next) = app
            .chat(json!({"message": "and for cellulite?", "conversation_id": id}))
            .await;
        assert_eq!(status, 200);
        assert_no_markup(message, &next.to_string());
    }
}

#[tokio::test]
async fn markup_in_an_article_address_never_comes_back_in_the_404_page() {
    let app = spawn_app(&[SHIPPED]).await;
    for path in [
        "/articles/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/articles/<script>alert(1)</script>",
        "/%3Cscript%3Ealert(1)%3C/script%3E",
        "/articles/x?<script>alert(1)</script>",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_no_markup(path, &response.text().await.unwrap());
    }
    // The same, sent byte for byte, as no browser would encode it.
    let raw = raw_get(&app.base, "/articles/<script>alert(1)</script>").await;
    assert!(
        raw.starts_with("HTTP/1.1 404") || raw.starts_with("HTTP/1.1 400"),
        "{raw}"
    );
    assert_no_markup("a raw request", &raw);
}

async fn raw_get(base: &str, path: &str) -> String {
    let addr = base.trim_start_matches("http://").to_string();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    let read = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        String::from_utf8_lossy(&response).into_owned()
    });
    bounded("a raw request", read).await.unwrap()
}

//! A hostile or careless corpus and index folder (security review, issue 15): huge articles,
//! huge files, odd markup, script addresses, symlinks out of the folder, two processes on one
//! index folder, a read-only index folder. The service keeps starting and answering, and each
//! bad file costs no more than a warning.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clinic_chat::config::Config;
use clinic_chat::index::IndexHandle;
use serde_json::{Value, json};

use crate::app::{SHIPPED, corpus_of, spawn_app};

/// A folder holding `corpus/` with the shipped article plus `extra` files written as given.
fn corpus_with(extra: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = corpus_of(&[SHIPPED, "corpus/synonyms.toml"]);
    for (name, text) in extra {
        std::fs::write(dir.path().join("corpus").join(name), text).unwrap();
    }
    dir
}

/// The service in this process over `dir/corpus`, its index and data beside it.
async fn serve_dir(dir: &Path) -> crate::app::Served {
    let mut config = Config::for_paths(dir.join("corpus"), dir.join("index"));
    config.rate_per_minute = 0;
    config.data = dir.join("data");
    crate::app::serve(config).await
}

async fn ask(client: &reqwest::Client, base: &str, message: &str) -> Value {
    client
        .post(format!("{base}/api/chat"))
        .json(&json!({ "message": message }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

// --- Item 7: an answer's cost does not grow with its article ---------------------------------

/// A markdown article with one list of `items` short items under one lead-in; one item, in
/// the middle, is the only one to name a rare drug.
fn huge_list_article(items: usize) -> String {
    let mut text = String::from(
        "# Before your peel\n\n## Please tell us first\n\nTell us before a peel if:\n\n",
    );
    for n in 0..items {
        if n == items / 2 {
            text.push_str("- you take isotretinoin tablets\n");
        } else {
            text.push_str(&format!("- you use cream number {n}\n"));
        }
    }
    text
}

#[test]
fn an_answer_from_a_huge_list_reads_a_few_passages_not_the_whole_article() {
    let dir = corpus_with(&[("before-peel.md", &huge_list_article(20_000))]);
    let config = Config::for_paths(dir.path().join("corpus"), dir.path().join("index"));
    let (answerer, _) = clinic_chat::load(&config).unwrap();
    let generation = answerer.index().generation();
    let question =
        clinic_chat::answer::Question::parse("Can I have a peel on isotretinoin?").unwrap();

    let before = generation.documents_read();
    let reply = answerer.answer(&question, None);
    let read = generation.documents_read() - before;

    assert_eq!(reply.kind.as_str(), "answer", "{}", reply.answer);
    assert!(
        reply.answer.starts_with("Tell us before a peel if:"),
        "a short item is answered with its lead-in: {}",
        reply.answer
    );
    assert!(
        read < 200,
        "one answer read {read} stored passages of a 20,000-item article"
    );
}

// --- A real `clinic-chat serve` process ------------------------------------------------------

/// The service binary, serving on a free port; killed when dropped.
struct Process {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether this test runs as root, who reads and writes whatever the permissions say.
fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

/// The user a root test runs the service as, so that permissions hold for it.
const NOBODY: u32 = 65534;

impl Process {
    /// Starts `clinic-chat serve` on `dir/corpus` and `dir/index`, its log in `dir/serve.log`,
    /// as an unprivileged user when `unprivileged` and the test runs as root.
    fn start(dir: &Path, unprivileged: bool) -> Process {
        let port = free_port();
        let log = dir.join(format!("serve-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_clinic-chat"));
        command
            .arg("serve")
            .env("RUST_LOG", "info,tantivy=warn")
            .env("CLINIC_CHAT_CORPUS", dir.join("corpus"))
            .env("CLINIC_CHAT_INDEX", dir.join("index"))
            .env("CLINIC_CHAT_DATA", dir.join("data"))
            .env("CLINIC_CHAT_ADDR", format!("127.0.0.1:{port}"))
            .env("CLINIC_CHAT_RATE_PER_MINUTE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        if unprivileged && running_as_root() {
            command.uid(NOBODY).gid(NOBODY);
        }
        let mut process = Process {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        process.wait_until_up();
        process
    }

    fn wait_until_up(&mut self) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(120) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the service exited ({status}):\n{}", self.logs());
            }
            if blocking::get(&format!("{}/healthz", self.base)) == Ok(200) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "the service did not start in 2 minutes (peak memory {} bytes):\n{}",
            self.peak_memory(),
            self.logs()
        );
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The most memory the process has held at once, in bytes (VmHWM).
    fn peak_memory(&self) -> u64 {
        let status = std::fs::read(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = BufReader::new(&status[..])
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("VmHWM:"))
            .expect("VmHWM in /proc status");
        let kib: u64 = line
            .split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap();
        kib * 1024
    }

    fn ask(&self, message: &str) -> Value {
        let body = json!({ "message": message }).to_string();
        let response = blocking::post(&format!("{}/api/chat", self.base), &body);
        serde_json::from_str(&response).unwrap()
    }
}

/// Small blocking HTTP helpers for tests that drive a child process from a plain thread.
mod blocking {
    pub fn get(url: &str) -> Result<u16, ()> {
        let runtime = runtime();
        runtime.block_on(async {
            let response = reqwest::get(url).await.map_err(|_| ())?;
            Ok(response.status().as_u16())
        })
    }

    pub fn post(url: &str, body: &str) -> String {
        runtime().block_on(async {
            reqwest::Client::new()
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }
}

fn assert_answers_hair_loss(process: &Process, case: &str) {
    let reply = process.ask("How many sessions for hair loss?");
    assert_eq!(reply["kind"], "answer", "{case}: {reply}");
    assert!(
        reply["answer"].as_str().unwrap().contains("6-8"),
        "{case}: {reply}"
    );
}

// --- Item 8: an oversized file is skipped by its size, never read ---------------------------

#[test]
fn an_oversized_file_in_the_corpus_is_skipped_without_being_read_into_memory() {
    let dir = corpus_with(&[]);
    let huge = dir.path().join("corpus").join("huge-dump.txt");
    let size: u64 = 1 << 31;
    // Sparse: it claims 2 GiB and uses no disk.
    std::fs::File::create(&huge).unwrap().set_len(size).unwrap();

    for start in ["building the index", "with the index current"] {
        let process = Process::start(dir.path(), false);
        assert_answers_hair_loss(&process, start);
        let peak = process.peak_memory();
        assert!(
            peak < size / 8,
            "{start}: peak memory {peak} bytes for a corpus with a {size}-byte file"
        );
        let logs = process.logs();
        assert!(
            logs.lines()
                .any(|l| l.contains("WARN") && l.contains("huge-dump.txt") && l.contains("larger")),
            "{start}: no warning names the skipped file:\n{logs}"
        );
    }
}

// --- Item 10: inline markup never cuts a sentence ---------------------------------------------

#[tokio::test]
async fn unusual_inline_tags_inside_sentences_leave_the_sentences_whole() {
    let page = r#"<html><head><title>Laser hair removal</title></head><body><article>
        <h1>Laser hair removal</h1>
        <h2>How many sessions?</h2>
        <p>Laser hair removal is usually <u>six</u> sessions, <font color="red">spaced</font>
        <del>two</del> <ins>four</ins> weeks apart<img src="dot.png">, with <blink>no</blink>
        <custom-note>downtime</custom-note> <acronym>at all</acronym>.</p>
        </article></body></html>"#;
    let dir = corpus_with(&[("laser-hair-removal.html", page)]);
    let served = serve_dir(dir.path()).await;
    let client = reqwest::Client::new();
    let reply = ask(
        &client,
        &served.base,
        "How many laser hair removal sessions?",
    )
    .await;
    let answer = reply["answer"].as_str().unwrap_or_default();
    assert!(
        answer.contains(
            "is usually six sessions, spaced two four weeks apart, with no downtime at all."
        ),
        "{reply}"
    );
}

// --- Item 11: only web addresses become links -----------------------------------------------

#[tokio::test]
async fn a_front_matter_url_that_is_not_a_web_address_never_becomes_a_link() {
    for (slug, url) in [
        ("scar-creams", "javascript:alert(document.cookie)"),
        ("scar-gels", "data:text/html,<script>alert(1)</script>"),
    ] {
        let article = format!(
            "---\ntitle: Scar creams\nurl: {url}\n---\n\n## Do scar creams work?\n\nSilicone gel flattens raised scars over about three months of daily use.\n"
        );
        let dir = corpus_with(&[(&format!("{slug}.md"), &article)]);
        let served = serve_dir(dir.path()).await;
        let client = reqwest::Client::new();
        let reply = ask(&client, &served.base, "Do silicone scar gels work?").await;
        assert_eq!(reply["kind"], "answer", "{url}: {reply}");
        let source = reply["sources"][0]["url"].as_str().unwrap();
        assert!(
            source.starts_with(&format!("/articles/{slug}#")),
            "{url} became the source {source}"
        );
        let page = client
            .get(format!("{}/articles/{slug}", served.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let scheme = url.split(':').next().unwrap();
        assert!(
            !page.contains(&format!("{scheme}:")),
            "{url} is on the page"
        );
    }
}

// --- Item 14a: two processes on one index folder --------------------------------------------

/// The index alone, with nothing prepared from it.
fn open_bare(
    corpus: &std::path::Path,
    index: &std::path::Path,
) -> anyhow::Result<(IndexHandle, Option<clinic_chat::index::BuildReport>)> {
    IndexHandle::open_or_build(corpus, index, Ok)
}

#[test]
fn two_services_reindexing_one_index_folder_never_break_each_others_builds() {
    let dir = corpus_with(&[]);
    let corpus = dir.path().join("corpus");
    let index = dir.path().join("index");
    clinic_chat::index::build(&corpus, &index).unwrap();
    let (first, _) = open_bare(&corpus, &index).unwrap();
    let first = Arc::new(first);
    let rebuilding = std::thread::spawn({
        let first = first.clone();
        move || {
            (0..6)
                .map(|_| first.rebuild().map(|_| ()).map_err(|e| format!("{e:#}")))
                .collect::<Vec<_>>()
        }
    });
    // A second service starting (and one reindexing) on the same folder meanwhile.
    let mut errors = Vec::new();
    for _ in 0..12 {
        match open_bare(&corpus, &index) {
            Ok((second, _)) => {
                if let Err(err) = second.rebuild() {
                    errors.push(format!("second rebuild: {err:#}"));
                }
            }
            Err(err) => errors.push(format!("second start: {err:#}")),
        }
    }
    errors.extend(
        rebuilding
            .join()
            .unwrap()
            .into_iter()
            .filter_map(Result::err),
    );
    assert!(errors.is_empty(), "{errors:#?}");
    let (last, report) = open_bare(&corpus, &index).unwrap();
    assert!(report.is_none(), "the index left behind is current");
    assert_eq!(last.generation().manifest.articles.len(), 1);
}

// --- Item 14b: a read-only index folder -----------------------------------------------------

/// Makes every folder and file under `path` read-only (and readable by all), or writable
/// again by its owner.
fn set_writable(path: &Path, writable: bool) {
    let mode = match (path.is_dir(), writable) {
        (true, false) => 0o555,
        (true, true) => 0o755,
        (false, false) => 0o444,
        (false, true) => 0o644,
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).unwrap().flatten() {
            set_writable(&entry.path(), writable);
        }
    }
}

#[test]
fn a_read_only_index_folder_with_a_current_index_is_served_as_it_is() {
    let dir = corpus_with(&[]);
    let root = dir.path();
    clinic_chat::index::build(&root.join("corpus"), &root.join("index")).unwrap();
    set_writable(&root.join("index"), false);
    set_writable(&root.join("corpus"), false);
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::create_dir(root.join("data")).unwrap();
    std::fs::set_permissions(root.join("data"), std::fs::Permissions::from_mode(0o777)).unwrap();

    let process = Process::start(root, true);
    assert_answers_hair_loss(&process, "read-only index folder");
    let logs = process.logs();
    assert!(
        logs.lines()
            .any(|l| l.contains("WARN") && l.contains("read-only")),
        "no warning says reindex is unavailable:\n{logs}"
    );
    drop(process);
    // So the temporary folder can be removed by a test run that is not root's.
    set_writable(&root.join("index"), true);
    set_writable(&root.join("corpus"), true);
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o700)).unwrap();
}

// --- Item 14c: symlinks out of the corpus folder --------------------------------------------

#[tokio::test]
async fn a_symlink_out_of_the_corpus_folder_is_never_read_as_an_article() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.txt");
    std::fs::write(
        &secret,
        "Private notes\n\nThe staff wifi password is zebracrossing and the safe code is 4711.\n",
    )
    .unwrap();
    let app = spawn_app(&[SHIPPED]).await;
    let corpus = app.corpus();
    std::os::unix::fs::symlink(&secret, corpus.join("notes.txt")).unwrap();
    std::os::unix::fs::symlink("/proc/self/status", corpus.join("status.txt")).unwrap();
    // A link that stays inside the corpus folder is an ordinary article.
    std::fs::create_dir(corpus.join("drafts")).unwrap();
    std::fs::write(
        corpus.join("drafts").join("peels.txt"),
        "Peels\n\nA light peel takes about thirty minutes in the clinic.\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(corpus.join("drafts/peels.txt"), corpus.join("peels.txt")).unwrap();

    let reindexed = app
        .client
        .post(format!("{}/api/admin/reindex", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(reindexed.status(), 200);
    for slug in ["notes", "status"] {
        assert_eq!(
            app.get(&format!("/articles/{slug}")).await.status(),
            404,
            "{slug}"
        );
    }
    let reply = app.ask("What is the wifi password?").await;
    assert!(!reply.to_string().contains("zebracrossing"), "{reply}");
    assert_eq!(app.get("/articles/peels").await.status(), 200);
    let status = app.get("/articles/status").await.text().await.unwrap();
    assert!(!status.contains("VmHWM"), "{status}");
}

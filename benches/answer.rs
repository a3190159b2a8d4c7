//! How fast visitors get answers, and how fast the index is built (issue 6, measuring part).
//!
//! ```sh
//! cargo bench --bench answer                      # everything, about 3-5 minutes
//! cargo bench --bench answer -- 'answer/'         # the answer pipeline only
//! cargo bench --bench answer -- 'build/'          # index builds only
//! ```
//!
//! - `answer/{shipped,generated-10k}`: `Answerer::answer` over a rotating mix of 59 visitor
//!   questions (`support/questions.txt`: sessions, downtime, pain, side effects, preparation,
//!   aftercare, cost, typos, greetings, urgent messages, nonsense), one question per iteration;
//!   the throughput is questions per second.
//! - `answer-kind/{corpus}/{kind}`: the same split by kind of question, to see which path is slow.
//! - `build/{1k,10k}`: `index::build` of a generated corpus, in articles/s and bytes/s.
//!
//! The generated corpora come from `support/generate.rs` with a fixed seed, so every run
//! measures the same bytes. All files live in temporary folders removed at the end.

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clinic_chat::answer::{Answerer, Question};
use clinic_chat::config::Config;
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput, measurement::WallTime};
use tempfile::TempDir;

const SEED: u64 = 7;

/// What a visitor might type, grouped by kind (`support/questions.txt`, shared with
/// `scripts/load.sh`); `answer/*` rotates through all of them.
const QUESTIONS: &str = include_str!("support/questions.txt");

/// The questions by kind, in file order.
fn kinds() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut kinds: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in QUESTIONS.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(kind) = line.strip_prefix("# ") {
            if !kind.contains(' ') {
                kinds.push((kind, Vec::new()));
            }
        } else if !line.starts_with('#') {
            let (_, questions) = kinds.last_mut().expect("a `# kind` line first");
            questions.push(line);
        }
    }
    kinds
}

/// A loaded answerer and the folders it reads, removed on drop.
struct Fixture {
    answerer: Arc<Answerer>,
    _dir: TempDir,
}

fn load(corpus: &Path, dir: TempDir) -> Fixture {
    let config = Config::for_paths(corpus, dir.path().join("index"));
    let (answerer, _) = clinic_chat::load(&config).expect("the corpus loads");
    Fixture {
        answerer,
        _dir: dir,
    }
}

/// The shipped corpus, copied so the index lands in a temporary folder.
fn shipped() -> Fixture {
    let dir = TempDir::new().expect("a temporary folder");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("a corpus folder");
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for entry in std::fs::read_dir(&shipped).expect("the shipped corpus") {
        let path = entry.expect("a corpus entry").path();
        if path.is_file() {
            std::fs::copy(&path, corpus.join(path.file_name().expect("a name")))
                .expect("a copied corpus file");
        }
    }
    load(&corpus, dir)
}

/// A generated corpus of `articles` articles (with the shipped lexicon beside it).
fn generated(articles: usize) -> Fixture {
    let dir = TempDir::new().expect("a temporary folder");
    let corpus = dir.path().join("corpus");
    generate::write_corpus(&corpus, articles, SEED).expect("a generated corpus");
    let synonyms = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/synonyms.toml");
    if synonyms.is_file() {
        std::fs::copy(&synonyms, corpus.join("synonyms.toml")).expect("the lexicon");
    }
    load(&corpus, dir)
}

fn parsed(texts: &[&str]) -> Vec<Question> {
    texts
        .iter()
        .map(|q| Question::parse(q).expect("a valid question"))
        .collect()
}

/// Every question, interleaved by kind, so consecutive iterations take different paths.
fn mix() -> Vec<Question> {
    let kinds = kinds();
    let longest = kinds.iter().map(|(_, q)| q.len()).max().unwrap_or(0);
    let mut texts = Vec::new();
    for i in 0..longest {
        texts.extend(kinds.iter().filter_map(|(_, q)| q.get(i).copied()));
    }
    parsed(&texts)
}

/// One question per iteration, rotating through `questions`.
fn bench_rotating(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    answerer: &Answerer,
    questions: &[Question],
) {
    group.bench_function(name, |b| {
        let mut next = 0;
        b.iter(|| {
            let question = &questions[next % questions.len()];
            next += 1;
            black_box(answerer.answer(black_box(question), None))
        })
    });
}

/// How the mix is answered on this corpus, printed once so a reader can see what was timed.
fn describe(name: &str, answerer: &Answerer, questions: &[Question]) {
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for question in questions {
        *kinds
            .entry(answerer.answer(question, None).kind.as_str())
            .or_default() += 1;
    }
    eprintln!(
        "{name}: {} questions answered as {kinds:?}",
        questions.len()
    );
}

fn answer(c: &mut Criterion) {
    let questions = mix();
    for name in ["shipped", "generated-10k"] {
        // Made one at a time, so only one corpus and index sit on disk and in memory.
        let fixture = match name {
            "shipped" => shipped(),
            _ => generated(10_000),
        };
        let answerer = &fixture.answerer;
        describe(name, answerer, &questions);

        let mut group = c.benchmark_group("answer");
        group
            .throughput(Throughput::Elements(1))
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(6));
        bench_rotating(&mut group, name, answerer, &questions);
        group.finish();

        let mut group = c.benchmark_group(format!("answer-kind/{name}"));
        group
            .throughput(Throughput::Elements(1))
            .sample_size(50)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for (kind, texts) in kinds() {
            bench_rotating(&mut group, kind, answerer, &parsed(&texts));
        }
        group.finish();
    }
}

fn build(c: &mut Criterion) {
    for (name, articles, samples, seconds) in [("1k", 1_000, 10, 10), ("10k", 10_000, 10, 60)] {
        let dir = TempDir::new().expect("a temporary folder");
        let corpus: PathBuf = dir.path().join("corpus");
        let summary = generate::write_corpus(&corpus, articles, SEED).expect("a corpus");
        let index = dir.path().join("index");
        let mut group = c.benchmark_group("build");
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(samples)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(seconds))
            .throughput(Throughput::ElementsAndBytes {
                elements: summary.files as u64,
                bytes: summary.bytes,
            });
        group.bench_function(name, |b| {
            b.iter(|| clinic_chat::index::build(&corpus, &index).expect("an index"))
        });
        group.finish();
    }
}

criterion::criterion_group!(benches, answer, build);
criterion::criterion_main!(benches);

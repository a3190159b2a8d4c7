//! A driver for profilers: answers the benchmark questions over and over, on one thread or
//! several, and prints the mean time per answer (serialised to JSON as the chat endpoint
//! serialises it). Criterion's harness gets in a profile's way; this is only the answer path.
//!
//! ```sh
//! cargo build --release --example answer_loop
//! target/release/examples/answer_loop corpus 200000        # one thread
//! target/release/examples/answer_loop corpus 200000 2      # two threads sharing one answerer
//! perf record -g target/release/examples/answer_loop corpus 200000
//! valgrind --tool=callgrind target/release/examples/answer_loop corpus 2000
//! ANSWER_LOOP_INDEX=/tmp/index-10k target/release/examples/answer_loop /tmp/gen10k 2000
//! ANSWER_LOOP_QUESTIONS=visitors.txt target/release/examples/answer_loop corpus 2000
//! ```

use std::time::Instant;

use clinic_chat::answer::Question;
use clinic_chat::config::Config;

/// The server's allocator, so that time per answer and lock contention match it.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

const QUESTIONS: &str = include_str!("../benches/support/questions.txt");

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(corpus), Some(count)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: answer_loop CORPUS_DIR ANSWERS [THREADS]");
    };
    let count: usize = count.parse()?;
    let threads: usize = args.get(3).map_or(Ok(1), |t| t.parse())?.max(1);
    // ANSWER_LOOP_INDEX keeps the index between runs (built on the first), so that a
    // profile of a large corpus is of answers, not of building its index.
    let dir = tempfile::TempDir::new()?;
    let index = std::env::var_os("ANSWER_LOOP_INDEX")
        .map_or_else(|| dir.path().join("index"), std::path::PathBuf::from);
    let config = Config::for_paths(std::path::Path::new(corpus), index);
    let (answerer, _) = clinic_chat::load(&config)?;
    // ANSWER_LOOP_QUESTIONS: a file of questions, one a line, instead of the benchmark's.
    let asked = match std::env::var_os("ANSWER_LOOP_QUESTIONS") {
        Some(path) => std::fs::read_to_string(path)?,
        None => QUESTIONS.to_string(),
    };
    let questions: Vec<Question> = asked
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(Question::parse)
        .collect::<Result<_, _>>()?;
    let per_thread = count / threads;
    let started = Instant::now();
    let bytes: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (answerer, questions) = (&answerer, &questions);
                scope.spawn(move || {
                    (0..per_thread)
                        .map(|i| {
                            let question = &questions[(i + t * 7) % questions.len()];
                            let reply = answerer.answer(question, None);
                            reply.to_json().map_or(0, |json| json.len())
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or(0)).sum()
    });
    let answered = (per_thread * threads).max(1);
    let per_answer = started.elapsed().as_secs_f64() * 1e6 * threads as f64 / answered as f64;
    println!(
        "{answered} answers on {threads} thread(s): {per_answer:.1} µs of a thread each, {} bytes of JSON on average",
        bytes / answered
    );
    Ok(())
}

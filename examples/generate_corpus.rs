//! Writes a deterministic corpus of made-up clinic articles (.txt, .md, .html) for benchmarks
//! and load tests:
//!
//! ```sh
//! cargo run --release --example generate_corpus -- --articles 1000 --seed 7 --out /tmp/gen1k
//! ```
//!
//! The same `--seed` and `--articles` give byte-identical files.

#[path = "../benches/support/generate.rs"]
mod generate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: generate_corpus [--articles N] [--seed S] --out DIR";

fn main() -> ExitCode {
    let mut articles: usize = 1000;
    let mut seed: u64 = 7;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = |args: &mut dyn Iterator<Item = String>| args.next();
        let ok = match arg.as_str() {
            "--articles" => value(&mut args)
                .and_then(|v| v.parse().ok())
                .map(|v| articles = v),
            "--seed" => value(&mut args)
                .and_then(|v| v.parse().ok())
                .map(|v| seed = v),
            "--out" => value(&mut args).map(|v| out = Some(PathBuf::from(v))),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => None,
        };
        if ok.is_none() {
            eprintln!("bad or incomplete argument {arg:?}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let Some(out) = out else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let started = Instant::now();
    match generate::write_corpus(&out, articles, seed) {
        Ok(summary) => {
            println!(
                "wrote {} articles ({} txt, {} md, {} html), {:.1} MB, to {} in {:.0?} (seed {seed})",
                summary.files,
                summary.txt,
                summary.md,
                summary.html,
                summary.bytes as f64 / 1e6,
                out.display(),
                started.elapsed()
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot write the corpus to {}: {err}", out.display());
            ExitCode::FAILURE
        }
    }
}

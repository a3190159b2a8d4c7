//! A driver for profilers: records chat turns through the store's writer, in bursts as a busy
//! server sends them, and waits for each burst to be written. The time it prints is mostly the
//! writer's gathering pause; count instructions instead:
//!
//! ```sh
//! cargo build --release --example store_loop
//! valgrind --tool=callgrind target/release/examples/store_loop 5000
//! valgrind --tool=callgrind target/release/examples/store_loop 25000   # the difference / 20000
//! ```

use clinic_chat::record::Kind;
use clinic_chat::store::{Recorder, Turn};

/// The server's allocator.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Turns a busy server sends in one gathering pause, about.
const BURST: usize = 500;

fn main() -> anyhow::Result<()> {
    let Some(count) = std::env::args().nth(1) else {
        anyhow::bail!("usage: store_loop TURNS");
    };
    let count: usize = count.parse()?;
    let dir = tempfile::TempDir::new()?;
    let recorder = Recorder::start(dir.path(), 30);
    let started = std::time::Instant::now();
    for i in 0..count {
        recorder.turn(Turn {
            answer_id: format!("a_{:032x}", (1u128 << 100) + i as u128).parse()?,
            conversation_id: format!("c_{:032x}", (1u128 << 101) + i as u128).parse()?,
            at: 1_800_000_000 + (i / 1000) as i64,
            kind: Kind::Answer,
            question: "how many sessions do I need for hair loss?".to_string(),
            top_source: Some(
                "Mesotherapy for Flawless Skin — Mesotherapy for hair loss treatment".to_string(),
            ),
            latency_us: 40,
            severity: None,
            reading: None,
        });
        if i % BURST == BURST - 1 {
            recorder.flush();
        }
    }
    recorder.flush();
    println!(
        "{count} turns in {:.2}s, {} lost",
        started.elapsed().as_secs_f64(),
        recorder.dropped()
    );
    recorder.close();
    Ok(())
}

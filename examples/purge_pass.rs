//! How long one history-purge pass holds the store writer: runs purge steps over an
//! existing store (e.g. the one `examples/scale` populated) with a cutoff older than
//! every message, so each step only walks numbers, and reports the pass and its slowest
//! step. The store is not changed.
//!
//! ```text
//! cargo run --release --example purge_pass -- /tmp/agentpass-scale [max_scan]
//! ```

use std::time::{Duration, Instant};

use agentpass_actors::store::sled::SledStore;
use agentpass_actors::Store;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: purge_pass <dir> [max_scan]"));
    let max_scan = args.next().map_or(1000, |v| v.parse().expect("max_scan"));
    let store = SledStore::open(&dir, 64 << 20).expect("open store");
    let start = Instant::now();
    let (mut resume, mut steps, mut slowest) = (None, 0, Duration::ZERO);
    loop {
        let step = Instant::now();
        let next = store
            .purge_step(1, resume.take(), max_scan)
            .await
            .expect("purge step")
            .resume;
        slowest = slowest.max(step.elapsed());
        steps += 1;
        resume = next;
        if resume.is_none() {
            break;
        }
    }
    println!(
        "purge pass ({max_scan} keys per step): {steps} steps in {:.2} s, slowest step {:.1} ms",
        start.elapsed().as_secs_f64(),
        slowest.as_secs_f64() * 1000.0
    );
    store.close().await;
}

//! Interleaved A/B runner: the same operations as the `crud` criterion benchmark, but the two
//! sides alternate in short rounds (switchyard then sqlx, then sqlx then switchyard, ...), so
//! load from other processes hits both alike. Prints a markdown table of the median time per
//! operation on each side and the median and quartiles of the per-round ratios.
//!
//! ```text
//! SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p switchyard-benches --bench paired
//! ```
//!
//! `SWITCHYARD_BENCH_ROUNDS` (default 40) and `SWITCHYARD_BENCH_ROUND_MS` (default 40, the
//! target duration of one side's share of a round) tune it. Run without `--bench` (as
//! `cargo test --benches` does), it makes one short round per case as a smoke test.

use std::time::{Duration, Instant};

use switchyard_benches::{Op, Side, Target, targets};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Iterations per side per round: enough for about `round` of the slower side.
async fn calibrate(target: &Target, op: Op, round: Duration) -> u64 {
    let mut iters = 1;
    loop {
        let slowest = target
            .run(op, Side::Switchyard, iters)
            .await
            .max(target.run(op, Side::Sqlx, iters).await);
        if slowest >= round || iters >= 1 << 20 {
            return iters;
        }
        let scale = round.as_secs_f64() / slowest.as_secs_f64().max(1e-9);
        let next = (iters as f64 * scale.clamp(1.5, 16.0)).ceil() as u64;
        iters = next.max(iters + 1);
    }
}

fn median(values: &mut [f64]) -> f64 {
    quantile(values, 0.5)
}

fn quantile(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let pos = q * (values.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
}

fn format_time(seconds: f64) -> String {
    if seconds >= 1e-3 {
        format!("{:.3} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = if bench {
        env_number("SWITCHYARD_BENCH_ROUNDS", 40).max(2)
    } else {
        2
    };
    let round = Duration::from_millis(if bench {
        env_number("SWITCHYARD_BENCH_ROUND_MS", 40)
    } else {
        1
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let targets = targets().await;
        let started = Instant::now();
        println!(
            "| operation | backend | switchyard (median) | sqlx (median) | ratio (median) | ratio (quartiles) |"
        );
        println!("|---|---|---:|---:|---:|---|");
        for op in Op::ALL {
            for target in &targets {
                let iters = calibrate(target, op, round).await;
                let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
                for r in 0..rounds {
                    let order = if r % 2 == 0 {
                        [Side::Switchyard, Side::Sqlx]
                    } else {
                        [Side::Sqlx, Side::Switchyard]
                    };
                    let mut times = [0.0; 2];
                    for side in order {
                        let t = target.run(op, side, iters).await.as_secs_f64() / iters as f64;
                        times[usize::from(side == Side::Sqlx)] = t;
                    }
                    ours.push(times[0]);
                    theirs.push(times[1]);
                    ratios.push(times[0] / times[1]);
                }
                println!(
                    "| {} | {} | {} | {} | {:.3}× | {:.3}–{:.3} |",
                    op.name(),
                    target.backend(),
                    format_time(median(&mut ours)),
                    format_time(median(&mut theirs)),
                    median(&mut ratios),
                    quantile(&mut ratios, 0.25),
                    quantile(&mut ratios, 0.75),
                );
            }
        }
        eprintln!(
            "{rounds} rounds per case, ~{} ms per side per round, in {:.0} s",
            round.as_millis(),
            started.elapsed().as_secs_f64()
        );
        for target in targets {
            target.finish().await;
        }
    });
}

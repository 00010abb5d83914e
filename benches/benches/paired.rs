//! Interleaved A/B runner: the same operations as the `crud` criterion benchmark, but the two
//! sides alternate in short rounds (switchyard then sqlx, then sqlx then switchyard, ...), so
//! load from other processes hits both alike. Prints two markdown tables, wall-clock time and
//! CPU time of the calling thread (where switchyard's own code runs), each with the median
//! time per operation on each side, their difference and, of the per-round ratios
//! (switchyard / sqlx), the median, a distribution-free 95% confidence interval of that
//! median, and the quartiles.
//!
//! ```text
//! SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p switchyard-benches --bench paired
//! ```
//!
//! `SWITCHYARD_BENCH_ROUNDS` (default 40) and `SWITCHYARD_BENCH_ROUND_MS` (default 40, the
//! target duration of one side's share of a round) tune it; `SWITCHYARD_BENCH_FILTER` keeps
//! only the cases whose `operation/backend` contains it (e.g. `insert_1000/sqlite`). Run
//! without `--bench` (as `cargo test --benches` does), it makes two 1 ms rounds per case as a
//! smoke test.

use std::time::{Duration, Instant};

use switchyard_benches::stats::{Rounds, format_time};
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
            .wall
            .max(target.run(op, Side::Sqlx, iters).await.wall);
        if slowest >= round || iters >= 1 << 20 {
            return iters;
        }
        let scale = round.as_secs_f64() / slowest.as_secs_f64().max(1e-9);
        let next = (iters as f64 * scale.clamp(1.5, 16.0)).ceil() as u64;
        iters = next.max(iters + 1);
    }
}

/// One markdown row: medians of each side, their difference, then the ratio's statistics.
fn row(rounds: &mut Rounds, op: Op, backend: &str) -> String {
    let (ours, theirs) = rounds.medians();
    format!(
        "| {} | {backend} | {} | {} | {:+.1} µs | {} |",
        op.name(),
        format_time(ours),
        format_time(theirs),
        (ours - theirs) * 1e6,
        rounds.ratio_cells(),
    )
}

const HEADER: &str = "| operation | backend | switchyard | sqlx | difference | ratio (median of rounds) | 95% CI of median | quartiles |\n|---|---|---:|---:|---:|---:|---|---|";

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
        let (mut wall_rows, mut cpu_rows) = (Vec::new(), Vec::new());
        let filter = std::env::var("SWITCHYARD_BENCH_FILTER").unwrap_or_default();
        for op in Op::ALL {
            for target in &targets {
                if !format!("{}/{}", op.name(), target.backend()).contains(&filter) {
                    continue;
                }
                let iters = calibrate(target, op, round).await;
                let (mut wall, mut cpu) = (Rounds::default(), Rounds::default());
                for r in 0..rounds {
                    let order = if r % 2 == 0 {
                        [Side::Switchyard, Side::Sqlx]
                    } else {
                        [Side::Sqlx, Side::Switchyard]
                    };
                    let mut times = [None; 2];
                    for side in order {
                        times[usize::from(side == Side::Sqlx)] =
                            Some(target.run(op, side, iters).await);
                    }
                    let [Some(ours), Some(theirs)] = times else {
                        unreachable!("both sides ran")
                    };
                    let per_op = |d: Duration| d.as_secs_f64() / iters as f64;
                    wall.push(per_op(ours.wall), per_op(theirs.wall));
                    if let (Some(a), Some(b)) = (ours.cpu, theirs.cpu) {
                        cpu.push(per_op(a), per_op(b));
                    }
                }
                wall_rows.push(row(&mut wall, op, target.backend()));
                if !cpu.is_empty() {
                    cpu_rows.push(row(&mut cpu, op, target.backend()));
                }
            }
        }
        println!("Wall-clock time per operation (median of {rounds} interleaved rounds):\n");
        println!("{HEADER}");
        wall_rows.iter().for_each(|row| println!("{row}"));
        if !cpu_rows.is_empty() {
            println!("\nCPU time of the calling thread per operation:\n");
            println!("{HEADER}");
            cpu_rows.iter().for_each(|row| println!("{row}"));
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

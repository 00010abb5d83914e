//! Interleaved A/B runner, in two parts.
//!
//! 1. **CRUD**: the same operations as the `crud` criterion benchmark, but the two sides
//!    alternate in short rounds (switchyard then sqlx, then sqlx then switchyard, ...), so load
//!    from other processes hits both alike. Prints two markdown tables, wall-clock time and CPU
//!    time of the calling thread (where switchyard's own code runs), each with the median time
//!    per operation on each side, their difference and, of the per-round ratios
//!    (switchyard / sqlx), the median, a distribution-free 95% confidence interval of that
//!    median, and the quartiles. SQLite and PostgreSQL.
//! 2. **Sharding** (`switchyard_benches::sharding`), on a cluster hashed over four shards:
//!    routing by shard key against the explicit `.shard()` handle (`key_find`,
//!    `key_filter_first`, control `explicit_vs_explicit`), and a scatter-gather over the four
//!    shards against hand-written sqlx on four pools run concurrently and merged
//!    (`scatter_latest_50`, control `sqlx_vs_sqlx_scatter`). Same scheme and tables (ratio
//!    A / B), SQLite, PostgreSQL and MariaDB.
//!
//! ```text
//! SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/switchyard_test \
//! SWITCHYARD_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/switchyard_test \
//!     cargo bench -p switchyard-benches --bench paired
//! ```
//!
//! `SWITCHYARD_BENCH_ROUNDS` (default 40 for CRUD, 100 for sharding, whose key goal is 2%) and
//! `SWITCHYARD_BENCH_ROUND_MS` (default 40, the target duration of one side's share of a round)
//! tune it; `SWITCHYARD_BENCH_FILTER` keeps only the cases whose `operation/backend` (CRUD) or
//! `sharding/case/backend` contains it (e.g. `insert_1000/sqlite`, `sharding`,
//! `sharding/scatter_latest_50/postgres`); a part none of whose cases match is not set up.
//! Run without `--bench` (as `cargo test --benches` does), it makes two 1 ms rounds per case as
//! a smoke test.

use std::time::{Duration, Instant};

use switchyard_benches::eager::{Arm, Backend};
use switchyard_benches::sharding::{ShardOp, shard_targets};
use switchyard_benches::stats::{Rounds, format_time};
use switchyard_benches::{Measured, Op, Side, targets};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Iterations per side per round: enough for about `round` of the slower side.
async fn calibrate(run: &impl AsyncFn(Arm, u64) -> Measured, round: Duration) -> u64 {
    let mut iters = 1;
    loop {
        let slowest = run(Arm::A, iters)
            .await
            .wall
            .max(run(Arm::B, iters).await.wall);
        if slowest >= round || iters >= 1 << 20 {
            return iters;
        }
        let scale = round.as_secs_f64() / slowest.as_secs_f64().max(1e-9);
        let next = (iters as f64 * scale.clamp(1.5, 16.0)).ceil() as u64;
        iters = next.max(iters + 1);
    }
}

/// Wall-clock and calling-thread CPU rounds of one case: `rounds` rounds of A-then-B and
/// B-then-A alternately, each side running a calibrated batch; per-operation times.
async fn interleave(
    run: &impl AsyncFn(Arm, u64) -> Measured,
    rounds: u64,
    round: Duration,
) -> (Rounds, Rounds) {
    let iters = calibrate(run, round).await;
    let (mut wall, mut cpu) = (Rounds::default(), Rounds::default());
    for r in 0..rounds {
        let order = if r % 2 == 0 {
            [Arm::A, Arm::B]
        } else {
            [Arm::B, Arm::A]
        };
        let mut times = [None; 2];
        for arm in order {
            times[usize::from(arm == Arm::B)] = Some(run(arm, iters).await);
        }
        let [Some(a), Some(b)] = times else {
            unreachable!("both arms ran")
        };
        let per_op = |d: Duration| d.as_secs_f64() / iters as f64;
        wall.push(per_op(a.wall), per_op(b.wall));
        if let (Some(x), Some(y)) = (a.cpu, b.cpu) {
            cpu.push(per_op(x), per_op(y));
        }
    }
    (wall, cpu)
}

/// One markdown row: `label` cells, medians of each side, their difference, then the ratio's
/// statistics.
fn row(rounds: &mut Rounds, label: &str) -> String {
    let (ours, theirs) = rounds.medians();
    format!(
        "| {label} | {} | {} | {:+.1} µs | {} |",
        format_time(ours),
        format_time(theirs),
        (ours - theirs) * 1e6,
        rounds.ratio_cells(),
    )
}

const HEADER: &str = "| operation | backend | switchyard | sqlx | difference | ratio (median of rounds) | 95% CI of median | quartiles |\n|---|---|---:|---:|---:|---:|---|---|";

const SHARD_HEADER: &str = "| case | backend | A | B | difference | ratio A / B (median of rounds) | 95% CI of median | quartiles |";

/// Part 1: the CRUD operations against hand-written sqlx, SQLite and PostgreSQL.
async fn crud(rounds: u64, round: Duration, filter: &str) -> Vec<String> {
    let wanted = |op: Op, backend: &str| format!("{}/{backend}", op.name()).contains(filter);
    if !Op::ALL
        .iter()
        .any(|&op| wanted(op, "sqlite") || wanted(op, "postgres"))
    {
        return Vec::new();
    }
    let targets = targets().await;
    let (mut wall_rows, mut cpu_rows) = (Vec::new(), Vec::new());
    for op in Op::ALL {
        for target in &targets {
            if !wanted(op, target.backend()) {
                continue;
            }
            let run = async |arm: Arm, iters: u64| {
                let side = match arm {
                    Arm::A => Side::Switchyard,
                    Arm::B => Side::Sqlx,
                };
                target.run(op, side, iters).await
            };
            let (mut wall, mut cpu) = interleave(&run, rounds, round).await;
            let label = format!("{} | {}", op.name(), target.backend());
            wall_rows.push(row(&mut wall, &label));
            if !cpu.is_empty() {
                cpu_rows.push(row(&mut cpu, &label));
            }
        }
    }
    for target in targets {
        target.finish().await;
    }
    let mut out = vec![format!(
        "Wall-clock time per operation (median of {rounds} interleaved rounds):\n\n{HEADER}\n{}",
        wall_rows.join("\n")
    )];
    if !cpu_rows.is_empty() {
        out.push(format!(
            "CPU time of the calling thread per operation:\n\n{HEADER}\n{}",
            cpu_rows.join("\n")
        ));
    }
    out
}

/// Part 2: routing by shard key and scatter-gather, SQLite, PostgreSQL and MariaDB.
async fn sharding(rounds: u64, round: Duration, filter: &str) -> Vec<String> {
    let backends = [Backend::Sqlite, Backend::Postgres, Backend::MySql];
    let wanted =
        |op: ShardOp, backend: &str| format!("sharding/{}/{backend}", op.name()).contains(filter);
    if !ShardOp::ALL
        .iter()
        .any(|&op| backends.iter().any(|b| wanted(op, b.name())))
    {
        return Vec::new();
    }
    let targets = shard_targets().await;
    let (mut wall_rows, mut cpu_rows) = (Vec::new(), Vec::new());
    for op in ShardOp::ALL {
        for target in &targets {
            let backend = target.backend().name();
            if !wanted(op, backend) {
                continue;
            }
            let run = async |arm: Arm, iters: u64| target.run(op, arm, iters).await;
            let (mut wall, mut cpu) = interleave(&run, rounds, round).await;
            let label = format!("{} | {backend}", op.name());
            let verdict = match op.goal() {
                Some(goal) if wall.median_ratio() <= goal => format!("yes (≤ {goal:.2}×)"),
                Some(goal) => format!("**no** (≤ {goal:.2}×)"),
                None => "control".to_owned(),
            };
            wall_rows.push(format!("{} {verdict} |", row(&mut wall, &label)));
            if !cpu.is_empty() {
                cpu_rows.push(row(&mut cpu, &label));
            }
            eprintln!("sharding/{}/{backend} done", op.name());
        }
    }
    for target in targets {
        target.finish().await;
    }
    let arms: Vec<String> = ShardOp::ALL
        .iter()
        .map(|op| {
            let [a, b] = op.arms();
            format!("- `{}`: A = {a}, B = {b}", op.name())
        })
        .collect();
    let mut out = vec![format!(
        "Sharding, wall-clock time per operation (median of {rounds} interleaved rounds):\n\n{}\n\n\
         {SHARD_HEADER} goal |\n|---|---|---:|---:|---:|---:|---|---|---|\n{}",
        arms.join("\n"),
        wall_rows.join("\n")
    )];
    if !cpu_rows.is_empty() {
        out.push(format!(
            "Sharding, CPU time of the calling thread per operation:\n\n{SHARD_HEADER}\n\
             |---|---|---:|---:|---:|---:|---|---|\n{}",
            cpu_rows.join("\n")
        ));
    }
    out
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = |default: u64| {
        if bench {
            env_number("SWITCHYARD_BENCH_ROUNDS", default).max(2)
        } else {
            2
        }
    };
    let round = Duration::from_millis(if bench {
        env_number("SWITCHYARD_BENCH_ROUND_MS", 40)
    } else {
        1
    });
    let filter = std::env::var("SWITCHYARD_BENCH_FILTER").unwrap_or_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let (crud_rounds, shard_rounds) = (rounds(40), rounds(100));
    let tables = rt.block_on(async {
        let mut tables = crud(crud_rounds, round, &filter).await;
        tables.extend(sharding(shard_rounds, round, &filter).await);
        tables
    });
    for table in &tables {
        println!("{table}\n");
    }
    eprintln!(
        "{crud_rounds} rounds per CRUD case, {shard_rounds} per sharding case, ~{} ms per side per round, in {:.0} s",
        round.as_millis(),
        started.elapsed().as_secs_f64()
    );
}

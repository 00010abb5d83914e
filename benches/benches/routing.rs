//! Routing benchmark (see `switchyard_benches::routing`), in two parts.
//!
//! 1. **Routing overhead**, interleaved A/B as in `paired.rs`: a find by key through a reading
//!    handle (`routing_overhead`) and through the automatic handle inside `Selector::run`
//!    (`routing_overhead_auto`), each against hand-written sqlx on the replica's own pool; the
//!    reading handle against a writing handle (`reading_vs_writing`); and a control, sqlx
//!    against sqlx on a second identical pool (`sqlx_vs_sqlx`). Per case, a batch of about
//!    `SWITCHYARD_BENCH_ROUND_MS` per side, rounds alternating A-then-B and B-then-A, and
//!    the median of the per-round ratios A / B with a distribution-free 95% confidence interval,
//!    for wall-clock time and for the calling thread's CPU time. Current-thread runtime. Then
//!    the pieces of the routed path timed alone, without any statement (`components`).
//! 2. **Read throughput**: `SWITCHYARD_BENCH_TASKS` (default 16) tasks reading random keys
//!    through `db.reading()` for `SWITCHYARD_BENCH_THROUGHPUT_MS` (default 3,000) per run, with
//!    0, 1 and 2 replicas, on a multi-thread runtime with 2 worker threads. The setups take
//!    turns (`SWITCHYARD_BENCH_THROUGHPUT_REPS` runs each, default 3, after one 500 ms warm-up
//!    run each) and the report gives the median reads per second.
//!
//! ```text
//! SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! SWITCHYARD_BENCH_PG_STANDBY_URL=postgres://postgres@127.0.0.1:5433/test \
//! SWITCHYARD_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
//!     cargo bench -p switchyard-benches --bench routing
//! ```
//!
//! `SWITCHYARD_BENCH_ROUNDS` (default 100 here: the goal is 2%, finer than the other runners'
//! 5%) and `SWITCHYARD_BENCH_ROUND_MS` (default 40) tune part 1; `SWITCHYARD_BENCH_FILTER` keeps
//! the cases whose `case/backend` contains it (`routing_overhead/postgres`,
//! `routing_overhead_auto`, `components`, `read_throughput/sqlite`). Run without `--bench` (as
//! `cargo test --benches` does), it makes two 1 ms rounds per case and one 100 ms throughput run
//! per setup, as a smoke test.

use std::time::{Duration, Instant};

use switchyard_benches::eager::Arm;
use switchyard_benches::routing::{
    COMPONENTS, RoutingOp, RoutingTarget, Throughput, ThroughputTarget, fixtures, routing_targets,
    throughput_targets,
};
use switchyard_benches::stats::{Rounds, format_time, median};

/// The goal of `routing_overhead`: at most this ratio to sqlx on the replica's pool.
const GOAL: f64 = 1.02;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Iterations per side per round: enough for about `round` of the slower side.
async fn calibrate(target: &RoutingTarget, op: RoutingOp, round: Duration) -> u64 {
    let mut iters = 1;
    loop {
        let slowest = target
            .run(op, Arm::A, iters)
            .await
            .wall
            .max(target.run(op, Arm::B, iters).await.wall);
        if slowest >= round || iters >= 1 << 20 {
            return iters;
        }
        let scale = round.as_secs_f64() / slowest.as_secs_f64().max(1e-9);
        let next = (iters as f64 * scale.clamp(1.5, 16.0)).ceil() as u64;
        iters = next.max(iters + 1);
    }
}

/// Wall-clock and calling-thread CPU rounds of one case, and the median wall-clock ratio.
async fn interleave(
    target: &RoutingTarget,
    op: RoutingOp,
    rounds: u64,
    round: Duration,
) -> (Rounds, Rounds, f64) {
    let iters = calibrate(target, op, round).await;
    let (mut wall, mut cpu) = (Rounds::default(), Rounds::default());
    let mut ratios = Vec::new();
    for r in 0..rounds {
        let order = if r % 2 == 0 {
            [Arm::A, Arm::B]
        } else {
            [Arm::B, Arm::A]
        };
        let mut times = [None; 2];
        for arm in order {
            times[usize::from(arm == Arm::B)] = Some(target.run(op, arm, iters).await);
        }
        let [Some(a), Some(b)] = times else {
            unreachable!("both arms ran")
        };
        let per_op = |d: Duration| d.as_secs_f64() / iters as f64;
        wall.push(per_op(a.wall), per_op(b.wall));
        ratios.push(per_op(a.wall) / per_op(b.wall));
        if let (Some(x), Some(y)) = (a.cpu, b.cpu) {
            cpu.push(per_op(x), per_op(y));
        }
    }
    (wall, cpu, median(&mut ratios))
}

/// One markdown row: medians of each side, their difference, then the ratio's statistics.
fn row(rounds: &mut Rounds, backend: &str) -> String {
    let (a, b) = rounds.medians();
    format!(
        "| {backend} | {} | {} | {:+.1} µs | {} |",
        format_time(a),
        format_time(b),
        (a - b) * 1e6,
        rounds.ratio_cells(),
    )
}

/// Routing-overhead tables, one per case: wall-clock then CPU.
async fn overhead(
    targets: &[RoutingTarget],
    rounds: u64,
    round: Duration,
    filter: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    for op in RoutingOp::ALL {
        let (mut wall_rows, mut cpu_rows) = (Vec::new(), Vec::new());
        for target in targets {
            let backend = target.backend().name();
            if !format!("{}/{backend}", op.name()).contains(filter) {
                continue;
            }
            let (mut wall, mut cpu, ratio) = interleave(target, op, rounds, round).await;
            let goal = matches!(op, RoutingOp::Reading | RoutingOp::Auto);
            let verdict = if !goal {
                String::new()
            } else if ratio <= GOAL {
                " yes |".to_owned()
            } else {
                " **no** |".to_owned()
            };
            wall_rows.push(format!("{}{verdict}", row(&mut wall, backend)));
            if !cpu.is_empty() {
                cpu_rows.push(row(&mut cpu, backend));
            }
            eprintln!("{}/{backend} done", op.name());
        }
        if wall_rows.is_empty() {
            continue;
        }
        let [a, b] = op.arms();
        let goal = matches!(op, RoutingOp::Reading | RoutingOp::Auto);
        let (extra, extra_align) = if goal {
            (" ≤ 1.02× |", ":---:|")
        } else {
            ("", "")
        };
        out.push(format!(
            "`{}`: A = {a}, B = {b}; wall-clock per find:\n\n\
             | backend | A | B | difference | ratio A / B (median of rounds) | 95% CI of median | quartiles |{extra}\n\
             |---|---:|---:|---:|---:|---|---|{extra_align}\n{}",
            op.name(),
            wall_rows.join("\n")
        ));
        if !cpu_rows.is_empty() {
            out.push(format!(
                "`{}`: CPU time of the calling thread per find:\n\n\
                 | backend | A | B | difference | ratio A / B (median of rounds) | 95% CI of median | quartiles |\n\
                 |---|---:|---:|---:|---:|---|---|\n{}",
                op.name(),
                cpu_rows.join("\n")
            ));
        }
    }
    out
}

/// The components table: nanoseconds per call of each piece, one column per backend.
async fn components(targets: &[RoutingTarget], budget: Duration, filter: &str) -> Option<String> {
    let mut columns = Vec::new();
    for target in targets {
        let backend = target.backend().name();
        if format!("components/{backend}").contains(filter) {
            columns.push((backend, target.components(budget).await));
        }
    }
    if columns.is_empty() {
        return None;
    }
    let mut table = String::from(
        "Pieces of the routed path, timed alone (median ns per call):\n\n| piece | runs in |",
    );
    for (backend, _) in &columns {
        table.push_str(&format!(" {backend} |"));
    }
    table.push_str("\n|---|---|");
    table.push_str(&"---:|".repeat(columns.len()));
    for (i, (piece, place)) in COMPONENTS.iter().enumerate() {
        table.push_str(&format!("\n| {piece} | {place} |"));
        for (_, nanos) in &columns {
            table.push_str(&format!(" {:.0} |", nanos[i]));
        }
    }
    Some(table)
}

/// How the reads of a run were spread over the servers: `writer 100%`, `#0 50% / #1 50%`.
fn split(run: &Throughput) -> String {
    let total: u64 = run.per_server.iter().map(|(_, n)| n).sum();
    run.per_server
        .iter()
        .map(|(role, n)| {
            let name = match role {
                switchyard::Role::Replica(i) => format!("#{i}"),
                other => other.to_string(),
            };
            format!("{name} {:.0}%", *n as f64 * 100.0 / total.max(1) as f64)
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Throughput rows of one backend: every setup `reps` times, the setups taking turns.
async fn throughput(
    target: &ThroughputTarget,
    tasks: usize,
    duration: Duration,
    reps: u64,
) -> Vec<String> {
    let n = target.setups.len();
    let warm_up = duration.min(Duration::from_millis(500));
    for setup in 0..n {
        target.run(setup, tasks, warm_up).await;
    }
    let mut runs: Vec<Vec<Throughput>> = vec![Vec::new(); n];
    for rep in 0..reps {
        for k in 0..n {
            let setup = (k + rep as usize) % n;
            runs[setup].push(target.run(setup, tasks, duration).await);
        }
    }
    let medians: Vec<f64> = runs
        .iter()
        .map(|r| median(&mut r.iter().map(Throughput::per_second).collect::<Vec<_>>()))
        .collect();
    let backend = target.backend().name();
    let mut rows = Vec::new();
    for (setup, runs) in target.setups.iter().zip(&mut runs) {
        let index = rows.len();
        let rates: Vec<f64> = runs.iter().map(Throughput::per_second).collect();
        let (low, high) = rates
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(l, h), r| (l.min(*r), h.max(*r)));
        // The run closest to the median, for the per-run figures.
        runs.sort_by(|a, b| a.per_second().total_cmp(&b.per_second()));
        let mid = &runs[runs.len() / 2];
        let cpu_per_read = mid.process_cpu.map_or("–".to_owned(), |c| {
            format_time(c.as_secs_f64() / mid.reads as f64)
        });
        let cores = mid.process_cpu.map_or("–".to_owned(), |c| {
            format!("{:.2}", c.as_secs_f64() / mid.elapsed.as_secs_f64())
        });
        let busy = mid
            .machine_busy
            .map_or("–".to_owned(), |b| format!("{:.0}%", b * 100.0));
        rows.push(format!(
            "| {backend} | {} | {} | {} | {:.0} | {:.0}–{:.0} | {:.2}× | {} | {cpu_per_read} | {cores} | {busy} |",
            setup.replicas,
            setup.servers,
            setup.connections,
            medians[index],
            low,
            high,
            medians[index] / medians[0],
            split(mid),
        ));
    }
    rows
}

fn main() {
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = if bench {
        env_number("SWITCHYARD_BENCH_ROUNDS", 100).max(2)
    } else {
        2
    };
    let round = Duration::from_millis(if bench {
        env_number("SWITCHYARD_BENCH_ROUND_MS", 40)
    } else {
        1
    });
    let duration = Duration::from_millis(if bench {
        env_number("SWITCHYARD_BENCH_THROUGHPUT_MS", 3_000)
    } else {
        100
    });
    let reps = if bench {
        env_number("SWITCHYARD_BENCH_THROUGHPUT_REPS", 3).max(1)
    } else {
        1
    };
    let tasks = usize::try_from(env_number("SWITCHYARD_BENCH_TASKS", 16).max(1)).expect("fits");
    let filter = std::env::var("SWITCHYARD_BENCH_FILTER").unwrap_or_default();
    let started = Instant::now();

    // Seeding and the routing overhead: a current-thread runtime, as in the other runners, so
    // the calling thread's CPU time covers switchyard, sqlx's pool and the protocol code.
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let fixtures = current.block_on(fixtures());
    let overhead_tables = current.block_on(async {
        let targets = routing_targets(&fixtures).await;
        let mut tables = overhead(&targets, rounds, round, &filter).await;
        let budget = if bench {
            Duration::from_millis(300)
        } else {
            Duration::from_millis(11)
        };
        tables.extend(components(&targets, budget, &filter).await);
        for target in targets {
            target.close().await;
        }
        tables
    });
    let overhead_done = started.elapsed();

    // Read throughput: many tasks on a multi-thread runtime with 2 workers.
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let throughput_rows = multi.block_on(async {
        let targets = throughput_targets(&fixtures).await;
        let mut rows = Vec::new();
        for target in targets {
            if format!("read_throughput/{}", target.backend().name()).contains(&filter) {
                rows.extend(throughput(&target, tasks, duration, reps).await);
                eprintln!("read_throughput/{} done", target.backend().name());
            }
            target.close().await;
        }
        rows
    });
    drop(multi);
    current.block_on(async {
        for fixture in fixtures {
            fixture.finish().await;
        }
    });

    println!("Routing overhead, median of {rounds} interleaved rounds per case.\n");
    for table in &overhead_tables {
        println!("{table}\n");
    }
    if !throughput_rows.is_empty() {
        println!(
            "Read throughput: {tasks} tasks on 2 worker threads, `db.reading().primary().users().find(random key)`, \
             {reps} run(s) of {:.1} s per setup (setups taking turns); the per-run columns are of the median run.\n",
            duration.as_secs_f64()
        );
        println!(
            "| backend | replicas | servers read | connections | reads/s (median) | min–max | vs 0 replicas | reads per server | client CPU per read | client cores | machine busy |"
        );
        println!("|---|---:|---|---:|---:|---|---:|---|---:|---:|---:|");
        throughput_rows.iter().for_each(|row| println!("{row}"));
    }
    eprintln!(
        "{rounds} rounds per case, ~{} ms per side per round; routing overhead in {:.0} s, all in {:.0} s",
        round.as_millis(),
        overhead_done.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

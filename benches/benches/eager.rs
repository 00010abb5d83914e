//! Interleaved A/B runner for eager loading (see `switchyard_benches::eager`): switchyard's
//! `include` against hand-written sqlx running the same batched statements, the N+1 lazy loop
//! against `include`, and key sets bound as chunked `IN (?, ...)` lists against one JSON array.
//!
//! As in `paired.rs`, the two sides of each case alternate in short rounds (A then B, then B
//! then A, ...) and the report gives, per case, the median time per operation of each side and,
//! of the per-round ratios A / B, the median, a distribution-free 95% confidence interval of
//! that median, and the quartiles.
//!
//! ```text
//! SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//! SWITCHYARD_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test \
//!     cargo bench -p switchyard-benches --bench eager
//! ```
//!
//! `SWITCHYARD_BENCH_ROUNDS` (default 40), `SWITCHYARD_BENCH_ROUND_MS` (default 40) and
//! `SWITCHYARD_BENCH_FILTER` (a substring of `case/backend`, e.g. `eager_3_levels/postgres` or
//! `keys_10000/sqlite`) as in `paired.rs`. Run without `--bench` (as `cargo test --benches`
//! does), it makes two 1 ms rounds per case as a smoke test.

use std::time::{Duration, Instant};

use switchyard_benches::Measured;
use switchyard_benches::eager::{
    Arm, EagerOp, EagerTarget, JsonForm, KEY_COUNTS, KeysOp, KeysTarget, eager_targets,
    keys_targets,
};
use switchyard_benches::stats::Rounds;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One case: something to run on two arms.
#[derive(Clone, Copy)]
enum Case<'a> {
    Eager(&'a EagerTarget, EagerOp),
    Keys(&'a KeysTarget, KeysOp),
}

impl Case<'_> {
    async fn run(self, arm: Arm, iters: u64) -> Measured {
        match self {
            Case::Eager(target, op) => target.run(op, arm, iters).await,
            Case::Keys(target, op) => target.run(op, arm, iters).await,
        }
    }

    fn name(self) -> String {
        match self {
            Case::Eager(target, op) => format!("{}/{}", op.name(), target.backend().name()),
            Case::Keys(target, op) => format!("keys_{}/{}", op.keys, target.backend().name()),
        }
    }
}

/// Iterations per side per round: enough for about `round` of the slower side.
async fn calibrate(case: Case<'_>, round: Duration) -> u64 {
    let mut iters = 1;
    loop {
        let slowest = case
            .run(Arm::A, iters)
            .await
            .wall
            .max(case.run(Arm::B, iters).await.wall);
        if slowest >= round || iters >= 1 << 20 {
            return iters;
        }
        let scale = round.as_secs_f64() / slowest.as_secs_f64().max(1e-9);
        let next = (iters as f64 * scale.clamp(1.5, 16.0)).ceil() as u64;
        iters = next.max(iters + 1);
    }
}

/// Wall-clock and calling-thread CPU rounds of `case`.
async fn measure(case: Case<'_>, rounds: u64, round: Duration) -> (Rounds, Rounds) {
    let iters = calibrate(case, round).await;
    let (mut wall, mut cpu) = (Rounds::default(), Rounds::default());
    for r in 0..rounds {
        let order = if r % 2 == 0 {
            [Arm::A, Arm::B]
        } else {
            [Arm::B, Arm::A]
        };
        let mut times = [None; 2];
        for arm in order {
            times[usize::from(arm == Arm::B)] = Some(case.run(arm, iters).await);
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

const RATIO_COLUMNS: &str = "ratio (median of rounds) | 95% CI of median | quartiles |";
const RATIO_ALIGN: &str = "---:|---|---|";

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
    let filter = std::env::var("SWITCHYARD_BENCH_FILTER").unwrap_or_default();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let eager = eager_targets().await;
        let keys = keys_targets().await;
        if keys.len() < 2 {
            eprintln!("MariaDB key sets skipped: set SWITCHYARD_BENCH_MYSQL_URL to include them");
        }
        let started = Instant::now();

        let (mut vs_sqlx, mut vs_sqlx_cpu, mut n_plus_1) = (Vec::new(), Vec::new(), Vec::new());
        for op in EagerOp::ALL {
            for target in &eager {
                let case = Case::Eager(target, op);
                if !case.name().contains(&filter) {
                    continue;
                }
                let (mut wall, mut cpu) = measure(case, rounds, round).await;
                let head = format!("| {} | {} | ", op.name(), target.backend().name());
                if op == EagerOp::NPlusOne100 {
                    n_plus_1.push(format!("{head}{} |", wall.cells()));
                } else {
                    vs_sqlx.push(format!("{head}{} |", wall.cells()));
                    if !cpu.is_empty() {
                        vs_sqlx_cpu.push(format!("{head}{} |", cpu.cells()));
                    }
                }
            }
        }

        let mut key_rows = Vec::new();
        for target in &keys {
            for n in KEY_COUNTS {
                for form in JsonForm::ALL {
                    let case = Case::Keys(target, KeysOp { keys: n, form });
                    if !case.name().contains(&filter) {
                        continue;
                    }
                    let (mut wall, _) = measure(case, rounds, round).await;
                    key_rows.push(format!(
                        "| {} | {n} | `{}` | {} |",
                        target.backend().name(),
                        form.name(target.backend()),
                        wall.cells()
                    ));
                }
            }
        }

        println!("Median of {rounds} interleaved rounds per case.\n");
        if !vs_sqlx.is_empty() {
            println!("Eager loading, switchyard / hand-written sqlx, wall-clock:\n");
            println!("| operation | backend | switchyard | sqlx | {RATIO_COLUMNS}");
            println!("|---|---|---:|---:|{RATIO_ALIGN}");
            vs_sqlx.iter().for_each(|row| println!("{row}"));
        }
        if !vs_sqlx_cpu.is_empty() {
            println!("\nEager loading, CPU time of the calling thread:\n");
            println!("| operation | backend | switchyard | sqlx | {RATIO_COLUMNS}");
            println!("|---|---|---:|---:|{RATIO_ALIGN}");
            vs_sqlx_cpu.iter().for_each(|row| println!("{row}"));
        }
        if !n_plus_1.is_empty() {
            println!("\nN+1: lazy `user.posts(&db)` per user / `include`, wall-clock:\n");
            println!("| operation | backend | lazy | eager | {RATIO_COLUMNS}");
            println!("|---|---|---:|---:|{RATIO_ALIGN}");
            n_plus_1.iter().for_each(|row| println!("{row}"));
        }
        if !key_rows.is_empty() {
            println!("\nKey sets: one JSON array / chunked `IN (?, ...)` lists, wall-clock:\n");
            println!("| backend | keys | JSON form | JSON | IN lists | {RATIO_COLUMNS}");
            println!("|---|---:|---|---:|---:|{RATIO_ALIGN}");
            key_rows.iter().for_each(|row| println!("{row}"));
        }
        eprintln!(
            "{rounds} rounds per case, ~{} ms per side per round, in {:.0} s",
            round.as_millis(),
            started.elapsed().as_secs_f64()
        );
        for target in eager {
            target.finish().await;
        }
        for target in keys {
            target.finish().await;
        }
    });
}

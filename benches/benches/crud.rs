//! Criterion benchmark of CRUD through switchyard's generated code against hand-written sqlx
//! running the same SQL; the operations and the setup are in `switchyard_benches`.
//!
//! ```text
//! SWITCHYARD_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//!     cargo bench -p switchyard-benches --bench crud
//! python3 benches/report.py
//! ```
//!
//! Results land in `target/criterion/<operation>/<switchyard|sqlx>/<backend>/`.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use switchyard_benches::{Op, Side, targets};

fn crud(c: &mut Criterion) {
    // One thread: nothing else competes for the benchmark's tasks on a small machine.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let targets = rt.block_on(targets());
    for op in Op::ALL {
        let mut group = c.benchmark_group(op.name());
        for target in &targets {
            for side in [Side::Switchyard, Side::Sqlx] {
                let id = BenchmarkId::new(side.name(), target.backend());
                group.bench_function(id, |b| {
                    b.to_async(&rt)
                        .iter_custom(|iters| async move { target.run(op, side, iters).await.wall });
                });
            }
        }
        group.finish();
    }
    rt.block_on(async {
        for target in targets {
            target.finish().await;
        }
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .without_plots();
    targets = crud
}
criterion_main!(benches);

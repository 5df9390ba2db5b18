//! Demo generation at scale 1 into a fresh, migrated database (opening it is not timed).
//! Aim: ≤ 5 s.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use towncockpit::demo::{self, DemoOptions};
use towncockpit::store::Store;

fn bench_demo(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    let mut group = c.benchmark_group("demo");
    group.sample_size(10);
    group.bench_function("generate_scale_1", |b| {
        b.iter_batched(
            || {
                n += 1;
                rt.block_on(Store::open(&dir.path().join(format!("d{n}.sqlite"))))
                    .unwrap()
                    .0
            },
            |store| {
                rt.block_on(async {
                    demo::load(&store, DemoOptions::default(), &())
                        .await
                        .unwrap();
                    store.close().await;
                })
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: the machine has no system fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = bench_demo
}
criterion_main!(benches);

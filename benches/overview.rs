//! Overview latency on the demo province at scale 1 and scale 10 (about 1,800 towns and
//! 250,000 enterprises). Aim: ≤ 20 ms at scale 10.
//!
//! The overview keeps its reads in memory while the database is unchanged, so a repeated call
//! (`province_*`, `city_*`: every switch back to a scope and year already shown) differs from the
//! first call after any change to the data (`*_after_change`: every read done afresh, as on the
//! first start of the day or after an import). Both are measured.
//!
//! Generating scale 10 takes about a minute, so the generated databases are kept under
//! `target/tmp/overview-bench/` between runs, named by a hash of what they are generated from
//! (the demo generator's source and assets): a changed generator gets a fresh file. Opening a
//! kept file applies any newer migration, as it would for a user's database.

mod common;

use common::{cached_demo, touch};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use towncockpit::overview::{overview, OverviewArgs};

fn bench_overview(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut group = c.benchmark_group("overview");
    group.sample_size(30);
    for scale in [1u32, 10] {
        let store = rt.block_on(cached_demo(scale));
        group.bench_function(format!("province_scale_{scale}"), |b| {
            b.iter(|| {
                rt.block_on(overview(&store, OverviewArgs::default()))
                    .unwrap()
            })
        });
        group.bench_function(format!("city_scale_{scale}"), |b| {
            b.iter(|| {
                rt.block_on(overview(
                    &store,
                    OverviewArgs {
                        year: Some(2024),
                        scope: Some("330100".into()),
                    },
                ))
                .unwrap()
            })
        });
        group.bench_function(format!("province_scale_{scale}_after_change"), |b| {
            // Reads are kept per data version, so a change before each call measures them all.
            b.iter_batched(
                || rt.block_on(touch(&store)),
                |_| {
                    rt.block_on(overview(&store, OverviewArgs::default()))
                        .unwrap()
                },
                BatchSize::PerIteration,
            )
        });
        rt.block_on(store.close());
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // No plots: the machine has no system fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = bench_overview
}
criterion_main!(benches);

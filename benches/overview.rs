//! Overview latency on the demo province at scale 1 and scale 10 (about 1,800 towns and
//! 250,000 enterprises). Aim: ≤ 20 ms at scale 10.

use criterion::{criterion_group, criterion_main, Criterion};
use towncockpit::demo::{self, DemoOptions};
use towncockpit::overview::{overview, OverviewArgs};
use towncockpit::store::Store;

fn bench_overview(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("overview");
    group.sample_size(30);
    for scale in [1u32, 10] {
        let store = rt.block_on(async {
            let (store, _) = Store::open(&dir.path().join(format!("scale{scale}.sqlite")))
                .await
                .unwrap();
            let options = DemoOptions {
                scale,
                ..DemoOptions::default()
            };
            demo::load(&store, options, &()).await.unwrap();
            store
        });
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

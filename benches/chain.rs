//! 产业链 at demo scale 10 (about 250,000 firms): the panorama plus the gaps of one chain
//! (aim ≤ 100 ms) and its PNG render (aim ≤ 300 ms). The panorama reads each chain's firms once
//! per data version (the store's memo), so the first call after a change (`*_after_change`) is
//! measured beside a repeated one.

mod common;

use common::{cached_demo, touch};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use towncockpit::chain::{self, render, ChainArgs};
use towncockpit::store::Store;

fn args() -> ChainArgs {
    ChainArgs {
        chain: "digital".into(),
        ..ChainArgs::default()
    }
}

async fn panorama_and_gaps(store: &Store) {
    chain::show(store, args()).await.unwrap();
    chain::gaps(store, args()).await.unwrap();
}

fn bench_chain(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(cached_demo(10));
    let mut group = c.benchmark_group("chain");
    group.bench_function("panorama_gaps_scale_10", |b| {
        b.iter(|| rt.block_on(panorama_and_gaps(&store)))
    });
    group.bench_function("panorama_gaps_scale_10_after_change", |b| {
        b.iter_batched(
            || rt.block_on(touch(&store)),
            |_| rt.block_on(panorama_and_gaps(&store)),
            BatchSize::PerIteration,
        )
    });
    let p = rt.block_on(chain::show(&store, args())).unwrap();
    let out = tempfile::tempdir().unwrap();
    let png = out.path().join("chain.png");
    group.bench_function("render_png_scale_10", |b| {
        b.iter(|| render::render(&p, &png).unwrap())
    });
    group.finish();
    rt.block_on(store.close());
}

criterion_group! {
    name = benches;
    // No plots: the machine has no system fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = bench_chain
}
criterion_main!(benches);

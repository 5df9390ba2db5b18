//! 小镇档案 latency on the demo province at scale 10 (about 1,800 towns and 250,000
//! enterprises). Aim: ≤ 50 ms to open a town's profile.
//!
//! `open_town_scale_10`: a town not opened before at this data version, the province-wide reads
//! (peer figures, the index ranking with its Monte Carlo rank intervals, the code facts) already
//! kept in the store's memo — every profile opened after the first. Each iteration opens the next
//! town in id order, so no iteration is answered from the profile's own memo while fewer
//! iterations run than there are towns (criterion runs a few hundred).
//! `after_change_scale_10`: the first profile after any change to the data (everything read and
//! the rank intervals computed afresh).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{cached_demo, touch};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use towncockpit::profile::profile;
use towncockpit::towns;

fn bench_profile(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(cached_demo(10));
    let ids: Vec<String> = rt
        .block_on(towns::load_all(&store))
        .unwrap()
        .iter()
        .map(|t| t.id.to_string())
        .collect();
    let mut group = c.benchmark_group("profile");
    rt.block_on(profile(&store, &ids[0])).unwrap();
    let next = AtomicUsize::new(1);
    group.bench_function("open_town_scale_10", |b| {
        b.iter(|| {
            let k = next.fetch_add(1, Ordering::Relaxed) % ids.len();
            rt.block_on(profile(&store, &ids[k])).unwrap()
        })
    });
    group.bench_function("after_change_scale_10", |b| {
        b.iter_batched(
            || rt.block_on(touch(&store)),
            |_| rt.block_on(profile(&store, &ids[0])).unwrap(),
            BatchSize::PerIteration,
        )
    });
    group.finish();
    rt.block_on(store.close());
}

criterion_group! {
    name = benches;
    // No plots: the machine has no system fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = bench_profile
}
criterion_main!(benches);

//! `map check` at demo scale 10: about 1,800 town boundaries against three control-line layers
//! of 20,000 polygons each (geometry built with the demo generator; no store needed).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use geo::{BoundingRect, Contains, Coord, Point};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use towncockpit::spatial::bundled::{divisions, Level};
use towncockpit::spatial::demo::{generate, DemoTown};
use towncockpit::spatial::overlay::{overlay, ControlLayer, TownShape};

const TOWNS: usize = 1_800;
const POLYGONS_PER_LAYER: usize = 20_000;

fn towns() -> Vec<DemoTown> {
    let counties: Vec<_> = divisions()
        .iter()
        .filter(|d| d.level == Level::County)
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let mut out = Vec::new();
    while out.len() < TOWNS {
        let c = counties[out.len() % counties.len()];
        let r = c.shape.bounding_rect().expect("county has a box");
        let at = Coord {
            x: rng.gen_range(r.min().x..r.max().x),
            y: rng.gen_range(r.min().y..r.max().y),
        };
        if c.shape.contains(&Point(at)) {
            out.push(DemoTown {
                id: out.len() as i64 + 1,
                county: c.code.clone(),
                at,
                named: rng.gen_bool(0.4),
            });
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let geometry = generate(&towns(), 2025, POLYGONS_PER_LAYER);
    let shapes: Vec<TownShape> = geometry
        .towns
        .iter()
        .map(|t| TownShape {
            id: t.id,
            name: format!("镇{}", t.id),
            shape: t.shape.clone(),
        })
        .collect();
    eprintln!(
        "{} town boundaries; layers: {:?}",
        shapes.len(),
        geometry
            .layers
            .iter()
            .map(|(k, p)| (k.key(), p.len()))
            .collect::<Vec<_>>()
    );
    let mut group = c.benchmark_group("map_check");
    group.sample_size(10);
    group.bench_function("scale10_index_and_overlay", |b| {
        b.iter(|| {
            let layers: Vec<ControlLayer> = geometry
                .layers
                .iter()
                .map(|(k, p)| ControlLayer::new(*k, p.clone()))
                .collect();
            black_box(overlay(&shapes, &layers))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // No HTML plots: plotters has no system fonts here, and the medians are what we report.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);

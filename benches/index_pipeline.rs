//! 一指数 benchmarks: the full pipeline on 2,000 units × 40 indicators × 8 periods, and a
//! 1,000-run uncertainty analysis on the same data.
//!
//! The data is generated deterministically and written to `target/index-bench/` as COINr-style
//! CSV files (data, structure, method) so that `benches/numpy_pipeline.py` times the same
//! pipeline on the very same input (`scripts/bench-index.sh` runs both and prints the ratio).

use std::fmt::Write as _;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use towncockpit::index::frame::{read_data, read_structure};
use towncockpit::index::{compute, uncertainty, Method, UncertaintySpec};

const UNITS: usize = 2000;
const INDICATORS: usize = 40;
const PERIODS: usize = 8;

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/index-bench")
}

/// Writes `meta.csv`, `data.csv` and `method.toml`: 8 pillars of 5 indicators, 2 sub-indices,
/// one index; every 5th indicator is "lower is better", every 8th is per capita; a third are
/// heavy-tailed (so winsorisation has work to do) and 3% of the values are missing.
fn generate() -> PathBuf {
    let dir = bench_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let mut meta = String::from("Level,iCode,iName,Direction,Weight,Denominator,Parent,Type\n");
    for j in 0..INDICATORS {
        let dir_ = if j % 5 == 4 { -1 } else { 1 };
        let den = if j % 8 == 0 { "pop" } else { "" };
        let w = 1 + j % 3;
        writeln!(
            meta,
            "1,i{j:02},指标{j},{dir_},{w},{den},P{},Indicator",
            j / 5
        )
        .unwrap();
    }
    for p in 0..8 {
        writeln!(meta, "2,P{p},支柱{p},1,1,,S{},Aggregate", p / 4).unwrap();
    }
    meta.push_str("3,S0,分项0,1,1,,Index,Aggregate\n3,S1,分项1,1,2,,Index,Aggregate\n");
    meta.push_str(
        "4,Index,指数,1,1,,,Aggregate\n,region,区域,,,,,Group\n,pop,人口,,,,,Denominator\n",
    );
    std::fs::write(dir.join("meta.csv"), meta).unwrap();

    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mut data = String::from("uCode,Time,region,pop");
    for j in 0..INDICATORS {
        write!(data, ",i{j:02}").unwrap();
    }
    data.push('\n');
    let level: Vec<f64> = (0..UNITS).map(|_| rng.gen_range(0.5..1.5)).collect();
    for t in 0..PERIODS {
        for (u, lv) in level.iter().enumerate() {
            let pop: f64 = rng.gen_range(1.0..50.0);
            write!(data, "U{u:04},{},R{},{pop:.4}", 2018 + t, u % 4).unwrap();
            for j in 0..INDICATORS {
                if rng.gen_bool(0.03) {
                    data.push(',');
                    continue;
                }
                let z: f64 = rng.gen_range(-1.0..1.0) + rng.gen_range(-1.0..1.0);
                let v = if j % 3 == 0 {
                    (lv * 2.0 + z * 1.2).exp()
                } else {
                    100.0 * lv + 15.0 * z + t as f64
                };
                write!(data, ",{v:.6}").unwrap();
            }
            data.push('\n');
        }
    }
    std::fs::write(dir.join("data.csv"), data).unwrap();
    std::fs::write(
        dir.join("method.toml"),
        "[impute]\nmethod = \"mean_group\"\ngroup = \"region\"\n[screen]\nmin_availability = 0.9\n\
         [treat]\nmethod = \"winsorise\"\n[normalise]\nmethod = \"minmax\"\nrange = [0, 100]\n\
         [panel]\nnormalise = \"pooled\"\ntreat = \"per_period\"\nscreen = \"per_period\"\n",
    )
    .unwrap();
    dir
}

fn benches(c: &mut Criterion) {
    let dir = generate();
    let structure = read_structure(&dir.join("meta.csv")).unwrap();
    let frame = read_data(&dir.join("data.csv"), &structure).unwrap();
    let method = Method::read(&dir.join("method.toml")).unwrap();

    let mut g = c.benchmark_group("index");
    g.sample_size(20);
    g.bench_function("pipeline_2000x40x8", |b| {
        b.iter(|| compute(&frame, &structure, &method).unwrap())
    });
    g.sample_size(10);
    let spec = UncertaintySpec {
        runs: 1000,
        seed: 7,
        ..UncertaintySpec::default()
    };
    g.bench_function("uncertainty_1000_runs", |b| {
        b.iter(|| uncertainty::run(&frame, &structure, &method, &spec).unwrap())
    });
    g.finish();
}

criterion_group!(index, benches);
criterion_main!(index);

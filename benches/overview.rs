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

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use towncockpit::demo::{self, DemoOptions};
use towncockpit::overview::{overview, OverviewArgs};
use towncockpit::store::Store;

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

/// Commits a change that alters no figure, so the next overview reads everything afresh. (A real
/// change: SQLite commits nothing for an update that writes the same value.)
async fn touch(store: &Store) {
    static TOUCHES: AtomicU64 = AtomicU64::new(0);
    sqlx::query("INSERT OR REPLACE INTO meta (key, value) VALUES ('bench_touch', ?)")
        .bind(TOUCHES.fetch_add(1, Ordering::Relaxed).to_string())
        .execute(store.pool())
        .await
        .unwrap();
}

/// Hash of the files the demo database is generated from.
fn source_hash() -> u64 {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["src/demo", "assets/demo"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .chain([root.join("src/spatial/demo.rs")])
        .collect();
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        f.strip_prefix(root).unwrap().hash(&mut hasher);
        std::fs::read(&f).unwrap().hash(&mut hasher);
    }
    hasher.finish()
}

/// The demo province at `scale`, generated once and then reused. Generated under a temporary
/// name and renamed when complete, so an interrupted run leaves no half-built file behind.
async fn cached_demo(scale: u32) -> Store {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("overview-bench");
    let path = dir.join(format!("scale{scale}-{:016x}.sqlite", source_hash()));
    if !path.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let partial = path.with_extension("partial");
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", partial.display()));
        }
        let (store, _) = Store::open(&partial).await.unwrap();
        let options = DemoOptions {
            scale,
            ..DemoOptions::default()
        };
        demo::load(&store, options, &()).await.unwrap();
        store.close().await;
        std::fs::rename(&partial, &path).unwrap();
    }
    Store::open(&path).await.unwrap().0
}

criterion_group! {
    name = benches;
    // No plots: the machine has no system fonts for criterion's charts.
    config = Criterion::default().without_plots();
    targets = bench_overview
}
criterion_main!(benches);

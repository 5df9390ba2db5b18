//! Shared by the benches that need the demo province in a store: generated once per scale and
//! kept under `target/tmp/overview-bench/`, named by a hash of the generator's sources.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use towncockpit::demo::{self, DemoOptions};
use towncockpit::store::Store;

/// Commits a change that alters no figure, so the next overview reads everything afresh. (A real
/// change: SQLite commits nothing for an update that writes the same value.)
pub async fn touch(store: &Store) {
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
pub async fn cached_demo(scale: u32) -> Store {
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

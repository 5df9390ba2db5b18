//! Automatic backups before an import, a restore or a migration: an online copy (`VACUUM INTO`)
//! in the `backups` folder beside the database, the newest [`KEEP`] kept.

use std::path::{Path, PathBuf};

use sqlx::SqliteExecutor;

use crate::error::{Error, Result};

/// Automatic backups kept per database; older ones are deleted after each new one.
pub const KEEP: usize = 10;

/// The folder of `db`'s automatic backups.
pub fn folder(db: &Path) -> PathBuf {
    db.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .join("backups")
}

/// Copies the database behind `db_conn` (at `db`) into its backup folder, named after the file, the
/// time and `reason` (import/restore/migrate), and prunes the oldest beyond [`KEEP`].
pub async fn make(db_conn: impl SqliteExecutor<'_>, db: &Path, reason: &str) -> Result<PathBuf> {
    let dir = folder(db);
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let stem = stem(db);
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut dest = dir.join(format!("{stem}-{stamp}-{reason}.sqlite"));
    let mut n = 1;
    while dest.exists() {
        n += 1;
        dest = dir.join(format!("{stem}-{stamp}-{reason}-{n}.sqlite"));
    }
    sqlx::query("VACUUM INTO ?")
        .bind(dest.to_string_lossy().as_ref())
        .execute(db_conn)
        .await?;
    prune(&dir, &stem)?;
    Ok(dest)
}

fn stem(db: &Path) -> String {
    db.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "towncockpit".into())
}

/// The automatic backups of `db`, oldest first.
pub fn list(db: &Path) -> Vec<PathBuf> {
    list_in(&folder(db), &stem(db))
}

fn list_in(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let prefix = format!("{stem}-");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .map(|n| n.to_string_lossy())
                .is_some_and(|n| n.starts_with(&prefix) && n.ends_with(".sqlite"))
        })
        .collect();
    // Names carry the UTC time: name order is time order.
    files.sort();
    files
}

fn prune(dir: &Path, stem: &str) -> Result<()> {
    let files = list_in(dir, stem);
    let excess = files.len().saturating_sub(KEEP);
    for old in &files[..excess] {
        std::fs::remove_file(old).map_err(|e| Error::io(old, e))?;
    }
    Ok(())
}

/// Replaces the database at `db` with the TownCockpit database `source`: `source` is vetted first
/// (a file that is not ours, corrupt or newer is refused and nothing changes), the current
/// database is backed up, then a consistent copy of `source` takes its place. Returns the backup
/// made, if there was a database to back up. No connection to `db` may be open.
pub async fn restore(db: &Path, source: &Path) -> Result<Option<PathBuf>> {
    use sqlx::sqlite::SqliteConnectOptions;
    use sqlx::{ConnectOptions, Connection};

    if !source.exists() {
        return Err(Error::not_found(format!(
            "恢复用的文件「{}」",
            source.display()
        )));
    }
    super::vet_existing(source).await?;
    let backup = if db.exists() {
        let (store, _) = super::Store::open(db).await?;
        let made = store.backup_before("restore").await;
        store.close().await;
        Some(made?)
    } else {
        None
    };
    let dir = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(".{}.restoring", stem(db)));
    let _ = std::fs::remove_file(&tmp);
    let mut conn = SqliteConnectOptions::new()
        .filename(source)
        .read_only(true)
        .connect()
        .await?;
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(tmp.to_string_lossy().as_ref())
        .execute(&mut conn)
        .await;
    conn.close().await?;
    copied?;
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&tmp, db).map_err(|e| Error::io(db, e))?;
    Ok(backup)
}

//! The local SQLite store: where it lives, how it is opened safely, its schema migrations,
//! integrity check and online backup.
//!
//! Opening never writes to a file it has not first proved to be a TownCockpit database of a
//! schema this program understands: a wrong, corrupt or newer file is refused byte-for-byte
//! unchanged.

pub mod backup;
mod memo;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};

use crate::error::{Error, Result};
use memo::Memo;
pub use memo::Snapshot;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// SQLite's `application_id` header field of every TownCockpit database: 0x54434B50, the ASCII
/// of "TCKP" (set by `migrations/0010_application_id.sql`).
pub const APPLICATION_ID: i64 = 0x5443_4B50;

/// How [`Store::open`] found the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// There was no file: an empty, migrated database was created (the caller loads the demo).
    Created,
    Existing,
}

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    memo: Arc<Memo>,
}

/// The per-user database path: `$TOWNCOCKPIT_DB` is handled by the CLI; this is the fallback in
/// the OS data directory (XDG on Linux, %APPDATA% on Windows).
pub fn default_db_path() -> PathBuf {
    directories::ProjectDirs::from("cn", "TownCockpit", "towncockpit")
        .map(|d| d.data_dir().join("towncockpit.sqlite"))
        .unwrap_or_else(|| PathBuf::from("towncockpit.sqlite"))
}

impl Store {
    /// Opens the database at `path`, creating and migrating it when there is no file.
    pub async fn open(path: &Path) -> Result<(Store, Opened)> {
        let mut pending = false;
        let opened = if path.exists() {
            pending = vet_existing(path).await?;
            Opened::Existing
        } else {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            Opened::Created
        };
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(opened == Opened::Created)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // 64 MiB of page cache a connection: the overview's year-end ranges stay in memory.
            .pragma("cache_size", "-65536");
        if pending {
            // On a connection of its own, closed before the pool opens: a backup taken on a pool
            // connection left the migrated header unwritten at close (tests/store.rs).
            let mut conn = SqliteConnection::connect_with(&options).await?;
            backup::make(&mut conn, path, "migrate").await?;
            conn.close().await?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            // A local file needs no liveness ping before every query (it doubled query latency).
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok((
            Store {
                pool,
                path: path.to_path_buf(),
                memo: Arc::new(Memo::new(options.create_if_missing(false))),
            },
            opened,
        ))
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `PRAGMA integrity_check`: an empty list means the file is sound.
    pub async fn check(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(line,)| line)
            .filter(|line| line != "ok")
            .collect())
    }

    /// Writes a consistent copy to `dest` while other connections may keep reading and writing
    /// (`VACUUM INTO` runs inside one read transaction).
    pub async fn backup(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(Error::invalid(format!(
                "备份目标「{}」已存在，为避免覆盖请换一个文件名",
                dest.display()
            )));
        }
        sqlx::query("VACUUM INTO ?")
            .bind(dest.to_string_lossy().as_ref())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An automatic backup before `reason` (import, restore), kept with a retention limit
    /// ([`backup::KEEP`]).
    pub async fn backup_before(&self, reason: &str) -> Result<PathBuf> {
        backup::make(&self.pool, &self.path, reason).await
    }

    /// A value of the `meta` table (as_of, demo, demo_seed, plan years, …).
    pub async fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// The whole `meta` table (a handful of rows) in one query.
    pub async fn meta_all(&self) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM meta")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().collect())
    }

    /// Whether the store holds the demo province (outputs must then say 「示例数据」).
    pub async fn is_demo(&self) -> Result<bool> {
        Ok(self.meta("demo").await?.as_deref() == Some("1"))
    }

    /// Reads kept in memory while the database is unchanged (see [`memo`]).
    pub async fn snapshot(&self) -> Result<Snapshot<'_>> {
        self.memo.snapshot().await
    }

    /// Hands back what idle pooled connections hold: all but one are closed (each keeps its own
    /// page cache, up to 64 MiB, prepared statements and parsed schema), and the one kept drops
    /// its page cache (`PRAGMA shrink_memory`). The cache only pays while the data stays
    /// unchanged, and the memo keeps what the views read by then: after a burst of commands it is
    /// memory the window holds for nothing. The pool opens connections again when a burst needs
    /// them. Busy connections are left alone; a failure only means less is freed.
    pub async fn release_idle(&self) {
        let Some(mut kept) = self.pool.try_acquire() else {
            return;
        };
        while let Some(conn) = self.pool.try_acquire() {
            let _ = conn.detach().close().await;
        }
        let _ = sqlx::query("PRAGMA shrink_memory")
            .execute(&mut *kept)
            .await;
    }

    pub async fn close(self) {
        self.memo.close().await;
        self.pool.close().await;
    }
}

/// Decodes the text of a `SELECT json_group_array(...)` query. Views that need thousands of
/// small rows fetch them as one JSON value: sqlx hands SQLite rows over one by one through its
/// worker thread, which costs more than SQLite's own work on these queries.
pub fn parse_json_rows<T: serde::de::DeserializeOwned>(json: Option<String>) -> Result<Vec<T>> {
    match json {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| Error::Store(format!("数据库返回的数据无法解析：{e}"))),
    }
}

/// Who makes a change, for the audit log's `source`: the operating-system user (an office PC's
/// login is the only identity the cockpit has) and what they used, a command or a file.
pub fn actor(what: &str) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "未知用户".to_string());
    format!("{user}：{what}")
}

/// Records a change in the audit log (inside the caller's transaction).
pub async fn audit(
    conn: &mut SqliteConnection,
    action: &str,
    table: &str,
    record_key: Option<&str>,
    rows: i64,
    detail: &str,
    source: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, action, table_name, record_key, rows, detail, source) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .bind(action)
    .bind(table)
    .bind(record_key)
    .bind(rows)
    .bind(detail)
    .bind(source)
    .execute(conn)
    .await?;
    Ok(())
}

/// Proves, read-only, that `path` is a sound TownCockpit database this program can migrate;
/// `true` when it has migrations still to apply (the caller backs it up first).
pub async fn vet_existing(path: &Path) -> Result<bool> {
    let shown = path.display();
    let mut header = [0u8; 100];
    let len = {
        let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        read_up_to(&mut f, &mut header).map_err(|e| Error::io(path, e))?
    };
    if len < 100 || &header[..16] != SQLITE_MAGIC {
        return Err(Error::Store(format!(
            "「{shown}」不是 SQLite 数据库文件（文件头不符），未作任何改动。请用 --db 指定驾驶舱数据库，或换一个新文件名以新建"
        )));
    }

    // A read-only connection to a WAL database still creates -wal and -shm files beside it. With
    // no -wal present (the file was closed cleanly) open it immutable, which creates nothing; a
    // -wal present means the file is in use or was not closed cleanly, and its committed pages
    // may live there, so read it normally (the side files already exist).
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let ro = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .read_only(true)
        .immutable(!Path::new(&wal).exists());
    let corrupt = |e: sqlx::Error| {
        Error::Store(format!(
            "「{shown}」已损坏，无法读取（{e}），未作任何改动。可用备份恢复，或换一个新文件名以新建"
        ))
    };
    let mut conn = SqliteConnection::connect_with(&ro).await.map_err(corrupt)?;
    let verdict = vet_schema(&mut conn, &shown.to_string()).await;
    // Close before reporting, so the refusal leaves no connection (and no side file) behind.
    let closed = conn.close().await;
    let pending = verdict?;
    closed.map_err(corrupt)?;
    Ok(pending)
}

/// Whether the schema is ours; `true` when some of our migrations are not applied yet.
async fn vet_schema(conn: &mut SqliteConnection, shown: &str) -> Result<bool> {
    let corrupt = |e: sqlx::Error| {
        Error::Store(format!(
            "「{shown}」已损坏，无法读取（{e}），未作任何改动。可用备份恢复，或换一个新文件名以新建"
        ))
    };
    let problems: Vec<(String,)> = sqlx::query_as("PRAGMA quick_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(corrupt)?;
    if problems.iter().any(|(line,)| line != "ok") {
        let first = problems.first().map(|(l,)| l.as_str()).unwrap_or_default();
        return Err(Error::Store(format!(
            "「{shown}」已损坏（完整性检查：{first}），未作任何改动。可用备份恢复，或换一个新文件名以新建"
        )));
    }

    let tables: Vec<(String,)> =
        sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&mut *conn)
            .await
            .map_err(corrupt)?;
    let application_id: i64 = sqlx::query_scalar("PRAGMA application_id")
        .fetch_one(&mut *conn)
        .await
        .map_err(corrupt)?;
    if tables.is_empty() && application_id == 0 {
        // An empty database holds nothing of anyone's: it is migrated like a new file.
        return Ok(false);
    }
    let has_migrations = tables.iter().any(|(t,)| t == "_sqlx_migrations");
    // Another program's table of that name may have other columns or types: unreadable as
    // sqlx's own means not ours (the file itself passed the integrity check).
    let applied: Option<Vec<(i64, Vec<u8>)>> = if has_migrations {
        sqlx::query_as(
            "SELECT CAST(version AS INTEGER), CAST(checksum AS BLOB) FROM _sqlx_migrations",
        )
        .fetch_all(&mut *conn)
        .await
        .ok()
    } else {
        None
    };
    let applied = applied.unwrap_or_default();
    // Ours by the header mark; or made before the mark existed (0010): then the id is 0 and
    // every migration applied is one of ours, by version and checksum.
    let ours = has_migrations
        && (application_id == APPLICATION_ID
            || (application_id == 0
                && !applied.is_empty()
                && applied.iter().all(|(version, checksum)| {
                    MIGRATOR
                        .iter()
                        .any(|m| m.version == *version && *m.checksum == **checksum)
                })));
    if !ours {
        return Err(Error::Store(format!(
            "「{shown}」是 SQLite 数据库，但不是特色小镇驾驶舱的数据库，未作任何改动"
        )));
    }
    let newest = applied.iter().map(|(v, _)| *v).max();
    let known = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
    if let Some(newest) = newest.filter(|v| *v > known) {
        return Err(Error::Store(format!(
            "「{shown}」来自更新版本的驾驶舱（数据库架构版本 {newest}，本程序最高支持 {known}），未作任何改动。请升级程序后再打开"
        )));
    }
    Ok(MIGRATOR
        .iter()
        .any(|m| !applied.iter().any(|(v, _)| *v == m.version)))
}

fn read_up_to(f: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

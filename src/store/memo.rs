//! Values read from the database and kept in memory for as long as the database is unchanged.
//!
//! A view such as the overview reads the same town list and year-end figures for every switch of
//! scope or year; at demo scale 10 those reads are most of its time. SQLite tells when to read
//! again: `PRAGMA data_version` on a connection changes whenever *another* connection (this
//! program's pool or another process, such as the CLI importing beside the desktop app) commits.
//! The memo keeps its own connection for that question and never writes through it, so every
//! write anywhere is seen.

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};

use crate::error::Result;

type Entries = HashMap<String, Arc<dyn Any + Send + Sync>>;

pub(super) struct Memo {
    options: SqliteConnectOptions,
    /// Opened on first use: a one-shot CLI command that never asks pays nothing.
    watcher: tokio::sync::Mutex<Option<SqliteConnection>>,
    /// The data version the entries were read at, and the entries.
    entries: Mutex<(Option<i64>, Entries)>,
}

/// The memo at one data version: it never returns an entry kept at another version. (A read that
/// overlaps a commit may still see the newer data, as any read could; the next snapshot drops it.)
pub struct Snapshot<'m> {
    memo: &'m Memo,
    version: i64,
}

impl Memo {
    pub(super) fn new(options: SqliteConnectOptions) -> Memo {
        Memo {
            options,
            watcher: tokio::sync::Mutex::new(None),
            entries: Mutex::new((None, HashMap::new())),
        }
    }

    /// The current data version; entries kept from an older one are dropped.
    pub(super) async fn snapshot(&self) -> Result<Snapshot<'_>> {
        let mut watcher = self.watcher.lock().await;
        if watcher.is_none() {
            *watcher = Some(SqliteConnection::connect_with(&self.options).await?);
        }
        let conn = watcher.as_mut().expect("opened above");
        let version: i64 = sqlx::query_scalar("PRAGMA data_version")
            .fetch_one(&mut *conn)
            .await?;
        let mut entries = self.entries.lock().expect("memo lock");
        if entries.0 != Some(version) {
            *entries = (Some(version), HashMap::new());
        }
        Ok(Snapshot {
            memo: self,
            version,
        })
    }

    pub(super) async fn close(&self) {
        if let Some(conn) = self.watcher.lock().await.take() {
            let _ = conn.close().await;
        }
    }
}

impl Snapshot<'_> {
    /// The data version this snapshot was taken at. It grows with every commit anywhere, so a front
    /// end that remembers it knows when what it fetched may be stale.
    pub fn version(&self) -> i64 {
        self.version
    }

    /// The value kept under `key`, or `load`'s, kept for later calls if the data is still at this
    /// snapshot's version. Two callers may load the same key at once; both get a correct value.
    pub async fn get_or_load<T, F>(&self, key: &str, load: F) -> Result<Arc<T>>
    where
        T: Send + Sync + 'static,
        F: Future<Output = Result<T>>,
    {
        if let Some(kept) = self.kept(key) {
            return Ok(kept);
        }
        let value = Arc::new(load.await?);
        let mut entries = self.memo.entries.lock().expect("memo lock");
        if entries.0 == Some(self.version) {
            entries.1.insert(key.to_string(), value.clone());
        }
        Ok(value)
    }

    fn kept<T: Send + Sync + 'static>(&self, key: &str) -> Option<Arc<T>> {
        let entries = self.memo.entries.lock().expect("memo lock");
        if entries.0 != Some(self.version) {
            return None;
        }
        entries.1.get(key).cloned()?.downcast().ok()
    }
}

//! The store: migrations from empty, every bad-database case refused with a Chinese message and
//! the file left byte-for-byte unchanged, and a consistent online backup while another
//! connection writes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlx::{Connection, SqliteConnection};
use towncockpit::heap::Bursts;
use towncockpit::store::{Opened, Store};

fn file_hash(path: &Path) -> Vec<u8> {
    Sha256::digest(std::fs::read(path).unwrap()).to_vec()
}

fn side_files(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|s| {
            let mut p = path.as_os_str().to_owned();
            p.push(s);
            PathBuf::from(p)
        })
        .filter(|p| p.exists())
        .collect()
}

/// Opening `path` must fail with a message containing `expect`, and leave the file unchanged.
async fn assert_refused_unchanged(path: &Path, expect: &str) {
    let before = file_hash(path);
    let len = std::fs::metadata(path).unwrap().len();
    let err = match Store::open(path).await {
        Ok(_) => panic!("{} was opened", path.display()),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(expect), "message「{err}」lacks「{expect}」");
    assert!(err.contains("未作任何改动"), "{err}");
    assert_eq!(file_hash(path), before, "file changed");
    assert_eq!(std::fs::metadata(path).unwrap().len(), len);
    assert!(side_files(path).is_empty(), "left {:?}", side_files(path));
}

/// A migrated, closed TownCockpit database (no demo).
async fn fresh_db(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let (store, opened) = Store::open(&path).await.unwrap();
    assert_eq!(opened, Opened::Created);
    store.close().await;
    path
}

#[tokio::test]
async fn migrates_from_empty_with_reference_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("new.sqlite");
    let (store, opened) = Store::open(&path).await.unwrap();
    assert_eq!(opened, Opened::Created);
    let pool = store.pool();
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(count("SELECT COUNT(*) FROM divisions").await, 1489);
    assert_eq!(
        count("SELECT COUNT(*) FROM divisions WHERE level = 'city'").await,
        11
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM divisions WHERE level = 'county'").await,
        90
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM divisions WHERE parent_code IS NULL").await,
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM divisions WHERE parent_code IS NULL AND code = '330000'").await,
        1
    );
    assert_eq!(count("SELECT COUNT(*) FROM province_targets").await, 9);
    assert!(count("SELECT COUNT(*) FROM indicators").await >= 20);
    assert_eq!(
        count("SELECT COUNT(DISTINCT dimension) FROM indicators").await,
        7
    );
    assert_eq!(count("SELECT COUNT(*) FROM towns").await, 0);
    let fk: Vec<(String,)> = sqlx::query_as("PRAGMA foreign_key_check")
        .fetch_all(pool)
        .await
        .map(|rows: Vec<(String, i64, String, i64)>| rows.into_iter().map(|r| (r.0,)).collect())
        .unwrap();
    assert!(fk.is_empty());
    let fks_on: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(fks_on, 1);
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    // STRICT tables reject a wrongly typed value.
    let bad = sqlx::query("INSERT INTO meta (key, value) VALUES ('x', x'00')")
        .execute(pool)
        .await;
    assert!(bad.is_err());
    assert!(store.check().await.unwrap().is_empty());
    store.close().await;

    let (again, opened) = Store::open(&path).await.unwrap();
    assert_eq!(opened, Opened::Existing);
    again.close().await;
}

#[tokio::test]
async fn refuses_a_file_that_is_not_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.sqlite");
    std::fs::write(&path, "这不是数据库，只是一段文字。\n".repeat(20)).unwrap();
    assert_refused_unchanged(&path, "不是 SQLite 数据库文件").await;

    let empty = dir.path().join("empty.sqlite");
    std::fs::write(&empty, b"").unwrap();
    assert_refused_unchanged(&empty, "不是 SQLite 数据库文件").await;
}

#[tokio::test]
async fn refuses_a_truncated_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "cut.sqlite").await;
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8192);
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_refused_unchanged(&path, "已损坏").await;
}

#[tokio::test]
async fn refuses_a_corrupt_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "corrupt.sqlite").await;
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    // Scribble over the b-tree pages after the schema page.
    for b in &mut bytes[page + 8..page * 6] {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert_refused_unchanged(&path, "已损坏").await;
}

#[tokio::test]
async fn refuses_a_database_from_a_newer_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "newer.sqlite").await;
    {
        let mut conn = SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (99990101000000, 'from the future', 1, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    assert!(side_files(&path).is_empty());
    assert_refused_unchanged(&path, "更新版本").await;
}

#[tokio::test]
async fn refuses_a_foreign_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.db");
    {
        let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount REAL)")
            .execute(&mut conn)
            .await
            .unwrap();
        sqlx::query("INSERT INTO ledger (amount) VALUES (12.5), (99)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    assert_refused_unchanged(&path, "不是特色小镇驾驶舱的数据库").await;
}

/// Runs `sql` on the database at `path` (created when missing, rollback journal: no side file
/// stays behind) and closes it.
async fn run_sql(path: &Path, sql: &[&str]) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    for statement in sql {
        sqlx::query(statement).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
}

/// The `application_id` field of the file's header (offset 68, big-endian), read from disk.
fn header_application_id(path: &Path) -> [u8; 4] {
    std::fs::read(path).unwrap()[68..72].try_into().unwrap()
}

/// Opening must refuse `path` as another program's database and leave every byte as it was.
async fn assert_foreign_untouched(path: &Path) {
    let before = std::fs::read(path).unwrap();
    let err = match Store::open(path).await {
        Ok(_) => panic!("{} was opened", path.display()),
        Err(e) => e.to_string(),
    };
    assert_eq!(
        err,
        format!(
            "「{}」是 SQLite 数据库，但不是特色小镇驾驶舱的数据库，未作任何改动",
            path.display()
        )
    );
    assert!(std::fs::read(path).unwrap() == before, "file changed");
    assert!(side_files(path).is_empty(), "left {:?}", side_files(path));
}

#[tokio::test]
async fn never_writes_another_programs_sqlx_database() {
    let dir = tempfile::tempdir().unwrap();
    // Another program that also migrates with sqlx, numbering its migrations 1, 2 like ours
    // begin: same versions, its own checksums.
    let path = dir.path().join("invoices.db");
    run_sql(
        &path,
        &[
            "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, success BOOLEAN NOT NULL,
             checksum BLOB NOT NULL, execution_time BIGINT NOT NULL)",
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (1, 'invoices', 1, randomblob(48), 1), (2, 'customers', 1, randomblob(48), 1)",
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)",
            "INSERT INTO invoices (amount) VALUES (12.5), (99)",
        ],
    )
    .await;
    assert_eq!(header_application_id(&path), [0; 4]);
    assert_foreign_untouched(&path).await;

    // Another program's mark, even over a copy of our own migrations.
    let marked = fresh_db(dir.path(), "marked.sqlite").await;
    run_sql(&marked, &["PRAGMA application_id = 305419896"]).await;
    assert_eq!(header_application_id(&marked), [0x12, 0x34, 0x56, 0x78]);
    assert_foreign_untouched(&marked).await;
}

#[tokio::test]
async fn marks_new_databases_and_those_of_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "old.sqlite").await;
    assert_eq!(&header_application_id(&path), b"TCKP");

    // A database made before the mark: id 0 and every migration but the one setting it.
    run_sql(
        &path,
        &[
            "PRAGMA journal_mode = DELETE",
            "PRAGMA application_id = 0",
            "DELETE FROM _sqlx_migrations WHERE version = 10",
        ],
    )
    .await;
    assert_eq!(header_application_id(&path), [0; 4]);
    let (store, opened) = Store::open(&path).await.unwrap();
    assert_eq!(opened, Opened::Existing);
    store.close().await;
    assert_eq!(&header_application_id(&path), b"TCKP");
    let (store, _) = Store::open(&path).await.unwrap();
    store.close().await;
}

#[tokio::test]
async fn backup_is_consistent_while_another_connection_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "live.sqlite").await;
    let (reader, _) = Store::open(&path).await.unwrap();
    let (writer, _) = Store::open(&path).await.unwrap();
    let writing = tokio::spawn(async move {
        for i in 0..300 {
            let mut tx = writer.pool().begin().await.unwrap();
            towncockpit::store::audit(
                &mut tx,
                "insert",
                "meta",
                Some(&format!("k{i}")),
                1,
                "测试写入",
                "测试",
            )
            .await
            .unwrap();
            sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?)")
                .bind(format!("k{i}"))
                .bind(i.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        writer.close().await;
    });
    let mut backups = Vec::new();
    for n in 0..3 {
        let dest = dir.path().join(format!("backup-{n}.sqlite"));
        reader.backup(&dest).await.unwrap();
        backups.push(dest);
        tokio::task::yield_now().await;
    }
    writing.await.unwrap();
    let existing = dir.path().join("backup-0.sqlite");
    let err = reader.backup(&existing).await.unwrap_err().to_string();
    assert!(err.contains("已存在"), "{err}");
    reader.close().await;

    for dest in backups {
        let (copy, opened) = Store::open(&dest).await.unwrap();
        assert_eq!(opened, Opened::Existing);
        assert!(copy.check().await.unwrap().is_empty());
        // Each write put one audit row and one meta row in one transaction: a consistent copy
        // holds the same number of both.
        let audits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
            .fetch_one(copy.pool())
            .await
            .unwrap();
        let metas: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM meta WHERE key LIKE 'k%'")
            .fetch_one(copy.pool())
            .await
            .unwrap();
        assert_eq!(audits, metas);
        copy.close().await;
    }
}

/// Bytes of page cache a connection holds (`SQLITE_DBSTATUS_CACHE_USED`, SQLite's own count).
async fn cache_used(conn: &mut SqliteConnection) -> i32 {
    extern "C" {
        fn sqlite3_db_status(
            db: *mut std::ffi::c_void,
            op: i32,
            current: *mut i32,
            highwater: *mut i32,
            reset: i32,
        ) -> i32;
    }
    const SQLITE_DBSTATUS_CACHE_USED: i32 = 1;
    let mut handle = conn.lock_handle().await.unwrap();
    let (mut current, mut highwater) = (0, 0);
    // SAFETY: the handle is locked for the call and sqlite3_db_status only reads counters.
    let rc = unsafe {
        sqlite3_db_status(
            handle.as_raw_handle().as_ptr().cast(),
            SQLITE_DBSTATUS_CACHE_USED,
            &mut current,
            &mut highwater,
            0,
        )
    };
    assert_eq!(rc, 0, "sqlite3_db_status");
    current
}

/// Waits until the pool holds `n` connections, all idle: a dropped connection goes back to the
/// pool on a task of its own, as after a burst.
async fn until_idle(store: &Store, n: usize) {
    for _ in 0..500 {
        if store.pool().num_idle() == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        (store.pool().size() as usize, store.pool().num_idle()),
        (n, n)
    );
}

/// Opens `n` pooled connections at once and reads through each, as a burst of commands does.
async fn open_connections(store: &Store, n: usize) {
    let mut conns = Vec::new();
    for _ in 0..n {
        conns.push(store.pool().acquire().await.unwrap());
    }
    for conn in &mut conns {
        let one: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'towns'",
        )
        .fetch_one(&mut **conn)
        .await
        .unwrap();
        assert_eq!(one, 1);
    }
    drop(conns);
    until_idle(store, n).await;
}

#[tokio::test]
async fn a_burst_releases_the_idle_connections_only_once_the_commands_have_been_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "quiet.sqlite").await;
    let (store, _) = Store::open(&path).await.unwrap();
    open_connections(&store, 3).await;
    let bursts = Bursts::over(store.clone());
    let start = Instant::now();
    drop(bursts.enter());
    // Another command 0.7 s later calls the first burst's release (due at 1.5 s) off.
    tokio::time::sleep(Duration::from_millis(700)).await;
    drop(bursts.enter());
    tokio::time::sleep_until((start + Duration::from_millis(1700)).into()).await;
    assert_eq!(
        store.pool().size(),
        3,
        "released while commands were still coming"
    );
    // The second burst's release comes 1.5 s after it ended.
    until_idle(&store, 1).await;
    assert!(
        start.elapsed() >= Duration::from_millis(2200),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn release_idle_closes_all_idle_connections_but_one_and_empties_its_page_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = fresh_db(dir.path(), "cache.sqlite").await;
    let (store, _) = Store::open(&path).await.unwrap();
    {
        // Three connections at once, as a burst of commands opens them; 4,000 rows of 1,000
        // bytes (about 4 MB) read through each.
        let pool = store.pool();
        let mut conns = vec![
            pool.acquire().await.unwrap(),
            pool.acquire().await.unwrap(),
            pool.acquire().await.unwrap(),
        ];
        sqlx::query("CREATE TABLE filler (id INTEGER PRIMARY KEY, body BLOB NOT NULL)")
            .execute(&mut *conns[0])
            .await
            .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
             INSERT INTO filler SELECT i, randomblob(1000) FROM n",
        )
        .execute(&mut *conns[0])
        .await
        .unwrap();
        for conn in &mut conns {
            let total: i64 = sqlx::query_scalar("SELECT sum(length(body)) FROM filler")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(total, 4_000_000);
            assert!(cache_used(conn).await > 4_000_000);
        }
    }
    until_idle(&store, 3).await;
    store.release_idle().await;
    assert_eq!(store.pool().size(), 1);
    let mut conn = store.pool().acquire().await.unwrap();
    let left = cache_used(&mut conn).await;
    assert!(left < 200_000, "{left} bytes of page cache left");
    // The kept connection still reads, and the pool opens more when asked.
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM filler")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(rows, 4000);
    let mut second = store.pool().acquire().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM filler")
        .fetch_one(&mut *second)
        .await
        .unwrap();
    assert_eq!(rows, 4000);
}

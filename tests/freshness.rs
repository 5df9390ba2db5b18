//! Derived results follow every write to what they were computed from, and reads never write.
//! Each change is made the way a user or another program would make it (SQL on a connection of
//! its own, the CLI in another process), never by calling a recompute by hand.

mod common;

use std::collections::HashMap;
use std::str::FromStr;

use serde_json::{json, Value};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use towncockpit::api::{dispatch, Cockpit};

async fn call(c: &Cockpit, name: &str, args: Value) -> Value {
    dispatch(c, name, args)
        .await
        .unwrap_or_else(|e| panic!("{name}: {}", e.message))
}

/// Another program's connection to the same database file.
async fn other_program(db: &std::path::Path) -> SqliteConnection {
    let opts = SqliteConnectOptions::from_str("sqlite:")
        .unwrap()
        .filename(db);
    SqliteConnection::connect_with(&opts).await.unwrap()
}

fn scores(ranking: &Value) -> HashMap<i64, f64> {
    ranking["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["town_id"].as_i64().unwrap(), r["score"].as_f64().unwrap()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_two_towns_values_swaps_their_index_and_code_scores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cockpit.sqlite");
    let c = Cockpit::open(&db).await.unwrap();
    let before = call(&c, "index_towns", json!({})).await;
    let year = before["period"].as_i64().unwrap();
    let old = scores(&before);

    // Two towns of one category with every year-end value of that year: swapping all their values
    // leaves every column's multiset, every group and every count and sum as they were, so by
    // symmetry each town must now score exactly what the other scored.
    let (a, b): (i64, i64) = sqlx::query_as(
        "WITH full AS (
             SELECT v.town_id, t.category FROM indicator_values v JOIN towns t ON t.id = v.town_id
             WHERE v.year = ?1 AND v.quarter = 4 GROUP BY v.town_id
             HAVING count(*) = (SELECT count(*) FROM indicators))
         SELECT x.town_id, y.town_id FROM full x JOIN full y
           ON x.category = y.category AND x.town_id < y.town_id
         ORDER BY x.town_id, y.town_id",
    )
    .bind(year)
    .fetch_all(c.store().pool())
    .await
    .unwrap()
    .into_iter()
    .find(|(a, b)| (old[a] - old[b]).abs() > 1.0)
    .expect("two complete towns of one category with different scores");
    let code_before = call(&c, "code_show", json!({"town": a.to_string()})).await;
    assert_eq!(code_before["score"].as_f64(), Some(old[&a]));

    let key: (i64, f64) =
        sqlx::query_as("SELECT count(*), total(value) FROM indicator_values WHERE quarter = 4")
            .fetch_one(c.store().pool())
            .await
            .unwrap();
    let mut other = other_program(&db).await;
    let mut tx = other.begin().await.unwrap();
    for sql in [
        "CREATE TEMP TABLE pair AS SELECT indicator_code, quarter, town_id, value
         FROM indicator_values WHERE year = ?1 AND town_id IN (?2, ?3)",
        "UPDATE indicator_values SET value = (
             SELECT p.value FROM pair p WHERE p.indicator_code = indicator_values.indicator_code
               AND p.quarter = indicator_values.quarter AND p.town_id = ?2 + ?3 - indicator_values.town_id)
         WHERE year = ?1 AND town_id IN (?2, ?3)",
    ] {
        sqlx::query(sql)
            .bind(year)
            .bind(a)
            .bind(b)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    other.close().await.unwrap();
    // The old cache's key (count and sum of the year-end values) cannot tell.
    let same_key: (i64, f64) =
        sqlx::query_as("SELECT count(*), total(value) FROM indicator_values WHERE quarter = 4")
            .fetch_one(c.store().pool())
            .await
            .unwrap();
    assert_eq!(same_key.0, key.0);
    assert!((same_key.1 - key.1).abs() < 1e-6 * key.1.abs());

    let after = scores(&call(&c, "index_towns", json!({})).await);
    assert!(
        (after[&a] - old[&b]).abs() < 1e-9,
        "{} vs {}",
        after[&a],
        old[&b]
    );
    assert!(
        (after[&b] - old[&a]).abs() < 1e-9,
        "{} vs {}",
        after[&b],
        old[&a]
    );
    let code_after = call(&c, "code_show", json!({"town": a.to_string()})).await;
    assert!((code_after["score"].as_f64().unwrap() - old[&b]).abs() < 1e-9);
    // The code was signed again with the new score, and the issue is in the audit log.
    assert_ne!(code_after["payload"], code_before["payload"]);
    let issued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE table_name = 'town_code_issues' AND record_key = ?",
    )
    .bind(code_after["code"].as_str().unwrap())
    .fetch_one(c.store().pool())
    .await
    .unwrap();
    assert_eq!(issued, 2, "the first and the re-signed issue");

    // Another process sees the same.
    let out = common::cli(&db, &["index", "towns", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli = scores(&serde_json::from_slice(&out.stdout).unwrap());
    assert!((cli[&a] - old[&b]).abs() < 1e-9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_the_map_check_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = Cockpit::open(&dir.path().join("cockpit.sqlite"))
        .await
        .unwrap();
    call(&c, "overview", json!({})).await;
    let version = call(&c, "data_version", json!({})).await;
    for scope in [
        json!({}),
        json!({"scope": "330100"}),
        json!({"pieces": true}),
    ] {
        let report = call(&c, "map_check", scope).await;
        assert!(report["summary"]["towns"].as_u64().unwrap() > 0);
    }
    call(&c, "map_towns", json!({"scope": "330100"})).await;
    // No commit happened: SQLite's data version is where it was.
    assert_eq!(call(&c, "data_version", json!({})).await, version);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_saves_at_once_get_two_versions_and_two_audit_rows() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cockpit.sqlite");
    let first = Cockpit::open(&db).await.unwrap();
    // A second installation of the program on the same file, as another window would be.
    let second = Cockpit::open(&db).await.unwrap();
    let save =
        |name: &'static str| json!({"weights": {"industry": 30}, "save": true, "name": name});
    let (x, y) = tokio::join!(
        dispatch(&first, "index_recompute", save("甲")),
        dispatch(&second, "index_recompute", save("乙")),
    );
    let (x, y) = (
        x.map_err(|e| e.message).unwrap(),
        y.map_err(|e| e.message).unwrap(),
    );
    let mut versions = vec![
        x["saved"]["version"].as_i64().unwrap(),
        y["saved"]["version"].as_i64().unwrap(),
    ];
    versions.sort_unstable();
    assert_eq!(versions, [2, 3]);
    let audited: Vec<(String, String)> = sqlx::query_as(
        "SELECT record_key, detail FROM audit_log WHERE table_name = 'index_methodologies'
         AND action = 'insert' ORDER BY record_key",
    )
    .fetch_all(first.store().pool())
    .await
    .unwrap();
    assert_eq!(audited.len(), 2, "{audited:?}");
    assert_eq!(audited[0].0, "2");
    assert!(audited.iter().any(|(_, d)| d.contains("「甲」")));
    assert!(audited.iter().any(|(_, d)| d.contains("「乙」")));
    // The current version is the one committed last, and the ranking uses it at once.
    let current: i64 =
        sqlx::query_scalar("SELECT version FROM index_methodologies WHERE is_current = 1")
            .fetch_one(first.store().pool())
            .await
            .unwrap();
    let ranking = call(&first, "index_towns", json!({})).await;
    assert_eq!(ranking["methodology"]["version"], current);
}

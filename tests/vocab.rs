//! The core's vocabularies (`src/vocab.rs`) against the store's CHECKs (migration 0001) and the
//! `vocabularies` command.

use serde_json::json;
use sqlx::SqlitePool;
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::store::Store;
use towncockpit::vocab;

/// Inserts one town, varying one column; `Ok` when the store accepts it.
async fn insert(pool: &SqlitePool, n: usize, column: &str, value: &str) -> Result<(), sqlx::Error> {
    let mut row = [
        ("category", "数字经济"),
        ("stage", "创建"),
        ("status", "正常"),
    ];
    for (c, v) in row.iter_mut() {
        if *c == column {
            *v = value;
        }
    }
    sqlx::query(
        "INSERT INTO towns (name, county_code, category, lead_industry, stage, status, planned_area_km2, source)
         VALUES (?, '330110', ?, '软件', ?, ?, 3.0, '测试')",
    )
    .bind(format!("测试小镇{n}"))
    .bind(row[0].1)
    .bind(row[1].1)
    .bind(row[2].1)
    .execute(pool)
    .await
    .map(|_| ())
}

async fn town_count(pool: &SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM towns")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The quoted values of `column … CHECK (column IN (…))` in the towns table's stored SQL.
fn check_values(table_sql: &str, column: &str) -> Vec<String> {
    let start = table_sql
        .find(&format!("CHECK ({column} IN"))
        .unwrap_or_else(|| panic!("no CHECK on {column}"));
    let list = &table_sql[start..];
    let list = &list[list.find("IN").unwrap()..list.find(")),").or(list.find("))")).unwrap()];
    list.split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_store_accepts_exactly_the_core_vocabularies() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(&dir.path().join("v.sqlite")).await.unwrap();
    let pool = store.pool();

    let table_sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'towns'")
            .fetch_one(pool)
            .await
            .unwrap();
    let mut n = 0;
    for (column, terms) in [
        ("category", vocab::CATEGORIES),
        ("stage", vocab::STAGES),
        ("status", vocab::STATUSES),
    ] {
        let names: Vec<&str> = terms.iter().map(|t| t.name).collect();
        assert_eq!(check_values(&table_sql, column), names, "{column}");
        for name in &names {
            n += 1;
            insert(pool, n, column, name)
                .await
                .unwrap_or_else(|e| panic!("{column} {name}: {e}"));
        }
        let before = town_count(pool).await;
        n += 1;
        let refused = insert(pool, n, column, "未知").await;
        assert!(refused.is_err(), "{column} 未知 was accepted");
        assert_eq!(town_count(pool).await, before);
    }
    // 8 categories + 3 stages + 5 statuses, one town each.
    assert_eq!(town_count(pool).await, 16);
}

#[tokio::test]
async fn the_command_returns_the_vocabularies() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(&dir.path().join("c.sqlite")).await.unwrap();
    let cockpit = Cockpit::new(store);
    let v = dispatch(&cockpit, "vocabularies", json!({})).await.unwrap();

    let names = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names("categories"),
        [
            "数字经济",
            "高端装备制造",
            "环保",
            "健康",
            "时尚",
            "金融",
            "旅游",
            "历史经典"
        ]
    );
    assert_eq!(names("stages"), ["培育", "创建", "命名"]);
    assert_eq!(names("statuses"), ["正常", "警告", "降格", "淘汰", "终止"]);
    assert_eq!(names("code_colours"), ["绿", "黄", "红", "灰"]);
    // The colours the map screen and the static renders showed before they shared one list.
    assert_eq!(
        v["categories"][0],
        json!({"code": "D", "name": "数字经济", "colour": "#1f77b4"})
    );
    assert_eq!(v["categories"][7]["colour"], "#bcbd22");
    assert_eq!(v["stages"][2]["colour"], "#b22222");
    assert_eq!(v["statuses"][0]["colour"], serde_json::Value::Null);
    assert_eq!(v["code_colours"][2]["colour"], "#d6332f");
}

#[tokio::test]
async fn the_media_kinds_are_the_core_vocabulary() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(&dir.path().join("m.sqlite")).await.unwrap();
    let table_sql: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'media'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let codes: Vec<&str> = vocab::MEDIA_KINDS.iter().map(|t| t.code).collect();
    assert_eq!(check_values(&table_sql, "kind"), codes);
}

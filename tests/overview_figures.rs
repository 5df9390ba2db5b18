//! `town_year_figures` (the overview's one row per town and year, kept by triggers) stays equal
//! to the year-end values in `indicator_values`, with its figures rendered as JSON, through the
//! demo load and through later inserts, edits and deletes, and the overview follows an edit.

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::overview::CODES;
use towncockpit::store::Store;

type Row = (
    i64,
    i64,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

/// The table's content recomputed from `indicator_values`, and as the triggers keep it.
async fn expected_and_kept(store: &Store) -> (Vec<Row>, Vec<Row>) {
    let pivot = |code: &str| format!("MAX(CASE WHEN indicator_code = '{code}' THEN value END)");
    let codes = CODES;
    let expected_sql = format!(
        "SELECT year, town_id, {} FROM indicator_values
         WHERE quarter = 4 AND indicator_code IN ({})
         GROUP BY year, town_id ORDER BY year, town_id",
        codes.map(pivot).join(", "),
        codes.map(|c| format!("'{c}'")).join(", ")
    );
    let expected: Vec<Row> = sqlx::query_as(&expected_sql)
        .fetch_all(store.pool())
        .await
        .unwrap();
    let kept: Vec<Row> = sqlx::query_as(&format!(
        "SELECT year, town_id, {} FROM town_year_figures ORDER BY year, town_id",
        codes.join(", ")
    ))
    .fetch_all(store.pool())
    .await
    .unwrap();
    // Each row's figures rendered as JSON (migration 0009), as json_array renders them now.
    let stale: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM town_year_figures WHERE figures_json IS NOT json_array({})",
        codes.join(", ")
    ))
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(stale, 0, "rows whose rendered figures are stale");
    (expected, kept)
}

async fn exec(store: &Store, sql: &str) {
    sqlx::query(sql).execute(store.pool()).await.unwrap();
}

fn target_row<'o>(o: &'o Value, key: &str) -> &'o Value {
    o["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == key)
        .unwrap()
}

fn target(o: &Value, key: &str) -> f64 {
    target_row(o, key)["actual"].as_f64().unwrap()
}

#[tokio::test]
async fn year_figures_follow_indicator_values() {
    let dir = tempfile::tempdir().unwrap();
    let cockpit = Cockpit::open(&dir.path().join("f.sqlite")).await.unwrap();
    let store = cockpit.store();

    let (expected, kept) = expected_and_kept(store).await;
    assert!(expected.len() > 1000, "{}", expected.len());
    assert_eq!(kept, expected, "after the demo load");

    let before = dispatch(&cockpit, "overview", json!({"year": 2025}))
        .await
        .unwrap();
    let (town, tax): (i64, f64) = sqlx::query_as(
        "SELECT town_id, value FROM indicator_values
         WHERE indicator_code = 'tax' AND year = 2025 AND quarter = 4 ORDER BY town_id LIMIT 1",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();

    // An edit, a value moved out of quarter 4 and back into another indicator, deletions of
    // some and of all the year-end values of a town-year, a renamed indicator and new values.
    exec(store, &format!("UPDATE indicator_values SET value = value + 1000 WHERE indicator_code = 'tax' AND year = 2025 AND quarter = 4 AND town_id = {town}")).await;
    exec(store, "DELETE FROM indicator_values WHERE year = 2023 AND quarter = 3 AND indicator_code = 'output'").await;
    exec(store, "UPDATE indicator_values SET quarter = 3 WHERE year = 2023 AND quarter = 4 AND indicator_code = 'output'").await;
    exec(store, "DELETE FROM indicator_values WHERE year = 2021 AND quarter = 4 AND indicator_code IN ('tax', 'listed_firms')").await;
    exec(store, "DELETE FROM indicator_values WHERE year = 2019 AND quarter = 4 AND town_id IN (SELECT id FROM towns ORDER BY id LIMIT 5)").await;
    exec(store, "UPDATE indicator_values SET year = 2019 WHERE year = 2018 AND quarter = 4 AND indicator_code = 'output' AND town_id IN (SELECT id FROM towns ORDER BY id LIMIT 3)").await;
    let (expected, kept) = expected_and_kept(store).await;
    assert_eq!(kept, expected, "after edits and deletes");

    let after = dispatch(&cockpit, "overview", json!({"year": 2025}))
        .await
        .unwrap();
    let grown = target(&after, "tax_revenue") - target(&before, "tax_revenue");
    assert!(
        (grown - 1000.0 / 1e4).abs() < 1e-9,
        "{grown} (town {town}, tax {tax})"
    );
    let o2021 = dispatch(&cockpit, "overview", json!({"year": 2021}))
        .await
        .unwrap();
    assert_eq!(target(&o2021, "tax_revenue"), 0.0);
    assert_eq!(target(&o2021, "listed_firms"), 0.0);
}

/// The overview keeps its reads in memory while the data is unchanged; a change committed by
/// another program on the same file (here a second store, as the CLI beside the desktop app) is
/// seen by the next overview: figures, the town list and the province's targets alike.
#[tokio::test]
async fn overview_sees_changes_made_by_another_program() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.sqlite");
    let cockpit = Cockpit::open(&path).await.unwrap();
    let args = json!({"year": 2025});
    let before = dispatch(&cockpit, "overview", args.clone()).await.unwrap();
    let top = before["rank_output"][0].clone();
    // Asked again, unchanged: the same answer from the kept reads.
    assert_eq!(
        dispatch(&cockpit, "overview", args.clone()).await.unwrap(),
        before
    );

    let (other, _) = Store::open(&path).await.unwrap();
    let town = top["town_id"].as_i64().unwrap();
    exec(&other, &format!("UPDATE indicator_values SET value = value + 5000 WHERE indicator_code = 'tax' AND year = 2025 AND quarter = 4 AND town_id = {town}")).await;
    exec(
        &other,
        &format!("UPDATE towns SET name = '改名测试小镇' WHERE id = {town}"),
    )
    .await;
    exec(
        &other,
        "UPDATE province_targets SET target = 1600 WHERE key = 'tax_revenue'",
    )
    .await;
    other.close().await;

    let after = dispatch(&cockpit, "overview", args).await.unwrap();
    let grown = target(&after, "tax_revenue") - target(&before, "tax_revenue");
    assert!((grown - 5000.0 / 1e4).abs() < 1e-9, "{grown}");
    assert_eq!(after["rank_output"][0]["town_id"], top["town_id"]);
    assert_eq!(after["rank_output"][0]["name"], "改名测试小镇");
    assert_eq!(target_row(&after, "tax_revenue")["target"], 1600.0);

    // A year and a scope not asked before, then back: each read afresh or kept, never mixed up.
    let city = dispatch(
        &cockpit,
        "overview",
        json!({"year": 2024, "scope": "330100"}),
    )
    .await
    .unwrap();
    assert_eq!(city["scope"]["code"], "330100");
    assert_eq!(city["year"], 2024);
    let again = dispatch(&cockpit, "overview", json!({"year": 2025}))
        .await
        .unwrap();
    assert_eq!(again, after);
}

//! The town vitality index over a real store with the demo province: ranking, one town's view,
//! methodology versions, recompute with edited weights or an AHP matrix, and the CLI.

mod common;

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit};

async fn demo() -> (tempfile::TempDir, Cockpit) {
    let dir = tempfile::tempdir().unwrap();
    let cockpit = Cockpit::open(&dir.path().join("t.sqlite")).await.unwrap();
    (dir, cockpit)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

#[tokio::test]
async fn ranking_is_consistent_with_its_dimensions_and_ranks_run_without_gaps() {
    let (_dir, c) = demo().await;
    let r = dispatch(&c, "index_towns", json!({})).await.unwrap();
    assert_eq!(r["demo"], true);
    assert_eq!(r["methodology"]["version"], 1);
    let dims = r["dimensions"].as_array().unwrap();
    let names: Vec<&str> = dims.iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "产业活力",
            "创新活力",
            "投资活力",
            "人才活力",
            "开放辐射",
            "绿色生态",
            "服务功能"
        ]
    );
    let wsum: f64 = dims.iter().map(|d| f(&d["weight"])).sum();
    assert!((wsum - 1.0).abs() < 1e-12);
    let rows = r["rows"].as_array().unwrap();
    assert!(rows.len() > 20, "{}", rows.len());
    for (k, row) in rows.iter().enumerate() {
        assert_eq!(
            row["rank"],
            k as u64 + 1,
            "ranks run 1..n (no ties in demo data)"
        );
        // The index is the weighted mean of the dimension scores present.
        let (mut s, mut w) = (0.0, 0.0);
        for (d, v) in dims.iter().zip(row["dimensions"].as_array().unwrap()) {
            if let Some(v) = v.as_f64() {
                s += f(&d["weight"]) * v;
                w += f(&d["weight"]);
            }
        }
        assert!((f(&row["score"]) - s / w).abs() < 1e-9, "{row}");
        assert!((0.0..=100.0).contains(&f(&row["score"])));
    }
    // Rank change = previous rank − rank, when the town was ranked the year before.
    let moved = rows.iter().find(|r| !r["previous_rank"].is_null()).unwrap();
    assert_eq!(
        moved["rank_change"].as_i64().unwrap(),
        moved["previous_rank"].as_i64().unwrap() - moved["rank"].as_i64().unwrap()
    );
    // Ranks run 1..n without gaps in the year shown.
    let mut ranks: Vec<i64> = rows.iter().map(|r| r["rank"].as_i64().unwrap()).collect();
    ranks.sort_unstable();
    assert_eq!(ranks, (1..=rows.len() as i64).collect::<Vec<_>>());
    // An earlier year is available and differs.
    let first = r["periods"][0].as_i64().unwrap();
    let early = dispatch(&c, "index_towns", json!({"period": first}))
        .await
        .unwrap();
    assert_eq!(early["period"], first);
    let err = dispatch(&c, "index_towns", json!({"period": 1999}))
        .await
        .unwrap_err();
    assert!(err.message.contains("1999"), "{}", err.message);
}

#[tokio::test]
async fn town_view_has_radar_against_the_province_median_and_a_trend() {
    let (_dir, c) = demo().await;
    let r = dispatch(&c, "index_towns", json!({})).await.unwrap();
    let rows = r["rows"].as_array().unwrap();
    let top = &rows[0];
    let t = dispatch(
        &c,
        "index_town",
        json!({"town": top["town_id"].to_string()}),
    )
    .await
    .unwrap();
    assert_eq!(t["rank"], 1);
    assert_eq!(t["score"], top["score"]);
    assert_eq!(t["of"], rows.len());
    let radar = t["radar"].as_array().unwrap();
    assert_eq!(radar.len(), 7);
    for (k, p) in radar.iter().enumerate() {
        let mut all: Vec<f64> = rows
            .iter()
            .filter_map(|r| r["dimensions"][k].as_f64())
            .collect();
        all.sort_by(f64::total_cmp);
        let n = all.len();
        let median = if n % 2 == 1 {
            all[n / 2]
        } else {
            (all[n / 2 - 1] + all[n / 2]) / 2.0
        };
        assert!((f(&p["province_median"]) - median).abs() < 1e-9);
        assert_eq!(p["score"], top["dimensions"][k]);
    }
    let trend = t["trend"].as_array().unwrap();
    assert_eq!(trend.len(), r["periods"].as_array().unwrap().len());
    assert_eq!(trend.last().unwrap()["rank"], 1);
    let err = dispatch(&c, "index_town", json!({"town": "没有这个小镇"}))
        .await
        .unwrap_err();
    assert!(err.message.contains("没有这个小镇"), "{}", err.message);
}

#[tokio::test]
async fn recompute_with_edited_weights_and_save_as_new_version() {
    let (_dir, c) = demo().await;
    let base = dispatch(&c, "index_towns", json!({})).await.unwrap();
    // Only 服务功能 counts: the ranking must follow that dimension's scores.
    let mut weights: serde_json::Map<String, Value> = [
        "industry",
        "innovation",
        "investment",
        "talent",
        "openness",
        "green",
    ]
    .iter()
    .map(|k| (k.to_string(), json!(0)))
    .collect();
    weights.insert("services".into(), json!(1));
    let r = dispatch(&c, "index_recompute", json!({"weights": weights}))
        .await
        .unwrap();
    assert!(r["saved"].is_null());
    let rows = r["ranking"]["rows"].as_array().unwrap();
    for row in rows {
        assert!((f(&row["score"]) - f(&row["dimensions"][6])).abs() < 1e-9);
    }
    let order = |rows: &[Value]| {
        rows.iter()
            .map(|r| r["town_id"].clone())
            .collect::<Vec<_>>()
    };
    assert_ne!(order(rows), order(base["rows"].as_array().unwrap()));
    let m = dispatch(&c, "index_methodology", json!({})).await.unwrap();
    assert_eq!(m["versions"].as_array().unwrap().len(), 1, "not saved");

    let saved = dispatch(
        &c,
        "index_recompute",
        json!({"weights": {"services": 30}, "save": true, "name": "加重服务功能"}),
    )
    .await
    .unwrap();
    assert_eq!(saved["saved"]["version"], 2);
    let m = dispatch(&c, "index_methodology", json!({})).await.unwrap();
    assert_eq!(m["version"], 2);
    assert_eq!(m["name"], "加重服务功能");
    let services = m["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["code"] == "services")
        .unwrap();
    assert_eq!(f(&services["weight"]), 30.0);
    assert!((f(&services["effective_weight"]) - 30.0 / 120.0).abs() < 1e-12);
    let now = dispatch(&c, "index_towns", json!({})).await.unwrap();
    assert_eq!(now["methodology"]["version"], 2);
    assert_eq!(now["rows"], saved["ranking"]["rows"]);
    // Version 1 is kept with its own results.
    let v1 = dispatch(&c, "index_towns", json!({"version": 1}))
        .await
        .unwrap();
    assert_eq!(v1["rows"], base["rows"]);
}

#[tokio::test]
async fn ahp_matrix_recompute_and_inconsistent_matrix_refused() {
    let (_dir, c) = demo().await;
    let ok = json!([
        [1, 1, 2, 2, 3, 3, 3],
        ["1", "1", 2, 2, 3, 3, 3],
        ["1/2", "1/2", 1, 1, 2, 2, 2],
        ["1/2", "1/2", 1, 1, 2, 2, 2],
        ["1/3", "1/3", "1/2", "1/2", 1, 1, 1],
        ["1/3", "1/3", "1/2", "1/2", 1, 1, 1],
        ["1/3", "1/3", "1/2", "1/2", 1, 1, 1]
    ]);
    let r = dispatch(
        &c,
        "index_recompute",
        json!({"ahp": {"vitality": {"matrix": ok}}}),
    )
    .await
    .unwrap();
    let ahp = &r["ahp"][0];
    assert!(f(&ahp["cr"]) < 0.1);
    let dims = r["ranking"]["dimensions"].as_array().unwrap();
    assert!((f(&dims[0]["weight"]) - f(&ahp["weights"][0])).abs() < 1e-12);
    assert!(f(&dims[0]["weight"]) > f(&dims[2]["weight"]));

    let bad = json!([
        [1, 9, "1/9", 1, 1, 1, 1],
        ["1/9", 1, 9, 1, 1, 1, 1],
        [9, "1/9", 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 1, 1, 1]
    ]);
    let err = dispatch(
        &c,
        "index_recompute",
        json!({"ahp": {"vitality": {"matrix": bad}}, "save": true}),
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("CR") && err.message.contains("vitality"),
        "{}",
        err.message
    );
    let m = dispatch(&c, "index_methodology", json!({})).await.unwrap();
    assert_eq!(m["versions"].as_array().unwrap().len(), 1, "nothing saved");
}

#[tokio::test]
async fn ahp_matrix_of_the_wrong_size_is_refused_and_nothing_saved() {
    let (_dir, c) = demo().await;
    // `vitality` (特色小镇活力指数) has seven dimensions (assets/index/vitality_meta.csv).
    let cases = [
        (
            json!([[1]]),
            "AHP 判断矩阵（节点「vitality 特色小镇活力指数」）是 1×1，但该节点有 7 个下级指标，应为 7×7",
        ),
        (
            json!([[1, 2, 2], ["1/2", 1, 1], ["1/2", 1, 1]]),
            "AHP 判断矩阵（节点「vitality 特色小镇活力指数」）是 3×3，但该节点有 7 个下级指标，应为 7×7",
        ),
        (
            json!([[1, 1, 1, 1, 1, 1, 1], [1, 1], [1], [1], [1], [1], [1]]),
            "AHP 判断矩阵（节点「vitality 特色小镇活力指数」）不是方阵：共 7 行，第 2 行却有 2 列；该节点有 7 个下级指标，应为 7×7",
        ),
    ];
    for (matrix, expect) in cases {
        let err = dispatch(
            &c,
            "index_recompute",
            json!({"ahp": {"vitality": {"matrix": matrix}}, "save": true}),
        )
        .await
        .unwrap_err();
        assert_eq!(err.message, expect);
    }
    let m = dispatch(&c, "index_methodology", json!({})).await.unwrap();
    assert_eq!(m["versions"].as_array().unwrap().len(), 1, "nothing saved");
    assert_eq!(m["version"], 1);
}

#[test]
fn cli_prints_the_ranking_marked_as_demo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let run = |args: &[&str]| common::cli(&db, args);
    let o = run(&["index", "towns"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("示例数据") && text.contains("活力指数") && text.contains("产业活力"),
        "{text}"
    );
    let o = run(&["index", "towns", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["rows"][0]["rank"], 1);
}

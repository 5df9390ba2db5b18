//! Rank intervals (Monte Carlo) and diagnostics of the town vitality index over a real store with
//! the demo province, through the command table and the real CLI.

mod common;

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit, ErrorKind};

async fn demo() -> (tempfile::TempDir, Cockpit) {
    let dir = tempfile::tempdir().unwrap();
    let cockpit = Cockpit::open(&dir.path().join("t.sqlite")).await.unwrap();
    (dir, cockpit)
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[tokio::test]
async fn uncertainty_gives_every_ranked_town_an_interval_around_its_rank() {
    let (_dir, c) = demo().await;
    let ranking = dispatch(&c, "index_towns", json!({})).await.unwrap();
    let u = dispatch(&c, "index_uncertainty", json!({"runs": 120, "seed": 7}))
        .await
        .unwrap();
    assert_eq!(u["demo"], true);
    assert_eq!(u["runs"], 120);
    assert_eq!(u["seed"], 7);
    assert_eq!(u["period"], ranking["period"]);
    let rows = u["rows"].as_array().unwrap();
    let ranked = ranking["rows"].as_array().unwrap();
    assert_eq!(rows.len(), ranked.len());
    let n = rows.len() as f64;
    let mut wide = 0;
    for (r, want) in rows.iter().zip(ranked) {
        assert_eq!(r["town_id"], want["town_id"]);
        assert_eq!(r["rank"], want["rank"]);
        assert_eq!(r["score"], want["score"]);
        let (q05, med, q95) = (f(&r["q05"]), f(&r["median"]), f(&r["q95"]));
        assert!(1.0 <= q05 && q05 <= med && med <= q95 && q95 <= n, "{r}");
        if q95 > q05 {
            wide += 1;
        }
    }
    assert!(
        wide > rows.len() / 2,
        "weights and methods vary: ranks move"
    );
    // Seeded: the same seed gives the same answer; the intervals of `index_towns` (300 runs,
    // seed 1) are those of this command with the same runs and seed.
    let again = dispatch(&c, "index_uncertainty", json!({"runs": 120, "seed": 7}))
        .await
        .unwrap();
    assert_eq!(again, u);
    let with = dispatch(&c, "index_towns", json!({"intervals": true}))
        .await
        .unwrap();
    let same = dispatch(&c, "index_uncertainty", json!({"runs": 300, "seed": 1}))
        .await
        .unwrap();
    for (a, b) in with["rows"]
        .as_array()
        .unwrap()
        .iter()
        .zip(same["rows"].as_array().unwrap())
    {
        assert_eq!(a["rank_interval"], json!([b["q05"], b["q95"]]));
    }
    // An earlier year and a bad year.
    let first = ranking["periods"][0].as_i64().unwrap();
    let early = dispatch(
        &c,
        "index_uncertainty",
        json!({"period": first, "runs": 20}),
    )
    .await
    .unwrap();
    assert_eq!(early["period"], first);
    let err = dispatch(&c, "index_uncertainty", json!({"period": 1999}))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    assert!(err.message.contains("1999"), "{}", err.message);
}

#[tokio::test]
async fn uncertainty_refuses_bad_arguments_in_chinese() {
    let (_dir, c) = demo().await;
    for runs in [0, 100_000] {
        let err = dispatch(&c, "index_uncertainty", json!({ "runs": runs }))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid);
        assert!(
            err.message.contains("运行次数") && err.message.contains(&runs.to_string()),
            "{}",
            err.message
        );
    }
    let err = dispatch(&c, "index_uncertainty", json!({"runs": "多"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadArguments);
    assert_eq!(
        err.message,
        "命令「index_uncertainty」的参数中的「runs」有误"
    );
    let err = dispatch(&c, "index_diagnostics", json!({"year": 2025}))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::BadArguments);
    assert!(err.message.contains("index_diagnostics"), "{}", err.message);
    let err = dispatch(&c, "index_diagnostics", json!({"period": 1999}))
        .await
        .unwrap_err();
    assert!(err.message.contains("1999") && err.message.contains("可选年份"));
}

/// Type-2 sample skewness (as R's e1071 type 2 / COINr), written out independently.
fn skew2(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n;
    let m3 = x.iter().map(|v| (v - m).powi(3)).sum::<f64>() / n;
    m3 / m2.powf(1.5) * (n * (n - 1.0)).sqrt() / (n - 2.0)
}

fn variance(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0)
}

#[tokio::test]
async fn diagnostics_match_the_stored_values_and_the_published_scores() {
    let (_dir, c) = demo().await;
    let d = dispatch(&c, "index_diagnostics", json!({})).await.unwrap();
    let ranking = dispatch(&c, "index_towns", json!({})).await.unwrap();
    let year = d["period"].as_i64().unwrap();
    assert_eq!(year, ranking["period"].as_i64().unwrap());
    assert_eq!(d["demo"], true);
    let inds = d["indicators"].as_array().unwrap();
    assert_eq!(inds.len(), 22);
    for i in inds {
        let a = f(&i["stats"]["availability"]);
        assert!((0.0..=1.0).contains(&a), "{i}");
        assert!(!i["dimension_name"].as_str().unwrap().is_empty());
    }
    // Skewness of 从业人员 that year, from the store's year-end values (complete, no denominator).
    let values: Vec<f64> = sqlx::query_scalar(
        "SELECT value FROM indicator_values WHERE indicator_code = 'employees' AND quarter = 4 AND year = ?",
    )
    .bind(year)
    .fetch_all(c.store().pool())
    .await
    .unwrap();
    assert_eq!(values.len() as u64, d["towns"].as_u64().unwrap());
    let emp = inds.iter().find(|i| i["code"] == "employees").unwrap();
    assert_eq!(f(&emp["stats"]["availability"]), 1.0);
    assert!((f(&emp["stats"]["skew"]) - skew2(&values)).abs() < 1e-9);
    let flagged = f(&emp["stats"]["skew"]).abs() >= f(&d["skew_threshold"])
        && f(&emp["stats"]["kurt"]) >= f(&d["kurt_threshold"]);
    assert_eq!(emp["stats"]["skew_kurt_flag"], flagged);

    // Cronbach's alpha of the seven dimensions, from the published dimension scores.
    let rows = ranking["rows"].as_array().unwrap();
    let cols: Vec<Vec<f64>> = (0..7)
        .map(|k| rows.iter().map(|r| f(&r["dimensions"][k])).collect())
        .collect();
    let total: Vec<f64> = (0..rows.len())
        .map(|r| cols.iter().map(|c| c[r]).sum())
        .collect();
    let item: f64 = cols.iter().map(|c| variance(c)).sum();
    let alpha = 7.0 / 6.0 * (1.0 - item / variance(&total));
    let root = &d["aggregates"][0];
    assert_eq!(root["code"], "vitality");
    assert_eq!(root["children"], 7);
    assert!((f(&root["cronbach_alpha"]) - alpha).abs() < 1e-9);

    // The correlation matrix is symmetric with a unit diagonal and agrees with corr_parent.
    let corr = &d["correlations"];
    let codes: Vec<&str> = corr["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let m = corr["matrix"].as_array().unwrap();
    assert_eq!(m.len(), codes.len());
    for (a, row) in m.iter().enumerate() {
        assert_eq!(f(&row[a]), 1.0);
        for (b, v) in row.as_array().unwrap().iter().enumerate() {
            assert_eq!(*v, m[b][a]);
            if let Some(v) = v.as_f64() {
                assert!((-1.0 - 1e-12..=1.0 + 1e-12).contains(&v));
            }
        }
    }
    let at = |code: &str| codes.iter().position(|c| *c == code).unwrap();
    assert_eq!(m[at("employees")][at("talent")], emp["corr_parent"]);
    let talent = d["aggregates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == "talent")
        .unwrap();
    assert_eq!(m[at("talent")][at("vitality")], talent["corr_parent"]);
    let first = ranking["periods"][0].as_i64().unwrap();
    let early = dispatch(&c, "index_diagnostics", json!({"period": first}))
        .await
        .unwrap();
    assert_eq!(early["period"], first);
    assert_ne!(early["indicators"], d["indicators"]);
}

#[test]
fn cli_prints_diagnostics_and_intervals() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("c.sqlite");
    let run = |args: &[&str]| common::cli(&db, args);
    let o = run(&["index", "diagnostics"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for want in [
        "示例数据",
        "统计诊断",
        "偏度",
        "克隆巴赫 α",
        "从业人员",
        "人才活力",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    let o = run(&["index", "diagnostics", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["indicators"].as_array().unwrap().len(), 22);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let direct = rt.block_on(async {
        let c = Cockpit::open(&db).await.unwrap();
        dispatch(&c, "index_uncertainty", json!({"runs": 40, "seed": 3}))
            .await
            .unwrap()
    });
    let o = run(&[
        "index",
        "intervals",
        "--runs",
        "40",
        "--seed",
        "3",
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v, direct);
    let o = run(&["index", "intervals", "--runs", "40"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("5% 名次") && text.contains("示例数据"),
        "{text}"
    );
    let o = run(&["index", "intervals", "--runs", "0"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("运行次数"));
}

//! The overview's numbers equal independent SQL sums over the same file, at province, city and
//! county scope; the JSON follows the contract; bad years and scopes get Chinese errors.

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::store::Store;

const KEYS: [&str; 9] = [
    "named_towns",
    "total_output",
    "tax_revenue",
    "effective_investment",
    "high_tech_firms",
    "listed_firms",
    "incubated_firms",
    "lead_industry_share_named",
    "lead_industry_share_creating",
];

/// Year-end sum of an indicator over the towns of a scope, straight from the table (万元 → 亿元
/// for money is left to the caller).
async fn sql_sum(store: &Store, code: &str, year: i64, scope_sql: &str) -> f64 {
    let sql = format!(
        "SELECT COALESCE(SUM(v.value), 0) FROM indicator_values v
         JOIN towns t ON t.id = v.town_id JOIN divisions c ON c.code = t.county_code
         WHERE v.indicator_code = ? AND v.year = ? AND v.quarter = 4 AND {scope_sql}"
    );
    sqlx::query_scalar(&sql)
        .bind(code)
        .bind(year)
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// A town is named at the end of `year` when named by then and not eliminated by then.
fn named_by(year: i64) -> String {
    format!(
        "t.named_date <= '{year}-12-31' AND NOT (t.status IN ('淘汰', '终止') AND t.status_date <= '{year}-12-31')"
    )
}

fn creating_by(year: i64) -> String {
    let end = format!("{year}-12-31");
    format!(
        "t.creation_date <= '{end}' AND (t.named_date IS NULL OR t.named_date > '{end}')
         AND NOT (t.status IN ('降格', '淘汰', '终止') AND t.status_date <= '{end}')"
    )
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + b.abs())
}

async fn check_scope(cockpit: &Cockpit, scope: &str, scope_sql: &str, year: i64) {
    let o = dispatch(cockpit, "overview", json!({"year": year, "scope": scope}))
        .await
        .unwrap();
    let s = cockpit.store();
    assert_eq!(o["year"], year);
    assert_eq!(o["scope"]["code"], scope);
    let target = |key: &str| -> Value {
        o["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == key)
            .unwrap()
            .clone()
    };
    let keys: Vec<&str> = o["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, KEYS);

    for (key, code, divisor) in [
        ("total_output", "output", 1e4),
        ("tax_revenue", "tax", 1e4),
        ("effective_investment", "effective_investment", 1e4),
        ("high_tech_firms", "high_tech_firms", 1.0),
        ("listed_firms", "listed_firms", 1.0),
        ("incubated_firms", "incubated_firms", 1.0),
    ] {
        let t = target(key);
        let expect = sql_sum(s, code, year, scope_sql).await / divisor;
        assert!(
            close(t["actual"].as_f64().unwrap(), expect),
            "{scope} {key}: {t} vs {expect}"
        );
        let prev = sql_sum(s, code, year - 1, scope_sql).await / divisor;
        assert!(
            close(t["previous"].as_f64().unwrap(), prev),
            "{key} previous"
        );
        let yoy = (expect - prev) / prev;
        assert!(close(t["yoy"].as_f64().unwrap(), yoy), "{key} yoy");
        if scope == "330000" {
            let goal = t["target"].as_f64().unwrap();
            assert!(close(t["progress"].as_f64().unwrap(), expect / goal));
            assert!(t["province_share"].is_null());
        } else {
            assert!(t["target"].is_null() && t["progress"].is_null(), "{key}");
            assert_eq!(t["status"], "no_target");
            let province = sql_sum(s, code, year, "1 = 1").await / divisor;
            assert!(close(
                t["province_share"].as_f64().unwrap(),
                expect / province
            ));
        }
    }

    let named: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM towns t JOIN divisions c ON c.code = t.county_code WHERE {scope_sql} AND {}",
        named_by(year)
    ))
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!(
        target("named_towns")["actual"].as_f64().unwrap(),
        named as f64
    );

    let share_named = 100.0
        * sql_sum(
            s,
            "lead_industry_output",
            year,
            &format!("{scope_sql} AND {}", named_by(year)),
        )
        .await
        / sql_sum(
            s,
            "output",
            year,
            &format!("{scope_sql} AND {}", named_by(year)),
        )
        .await;
    let t = target("lead_industry_share_named");
    assert!(
        close(t["actual"].as_f64().unwrap(), share_named),
        "{t} vs {share_named}"
    );
    assert_eq!(
        t["target"].as_f64(),
        Some(70.0),
        "share targets hold at every scope"
    );
    let creating = format!("{scope_sql} AND {}", creating_by(year));
    let share_creating = 100.0 * sql_sum(s, "lead_industry_investment", year, &creating).await
        / sql_sum(s, "effective_investment", year, &creating).await;
    let t = target("lead_industry_share_creating");
    assert!(
        close(t["actual"].as_f64().unwrap(), share_creating),
        "{t} vs {share_creating}"
    );

    // Breakdowns add up to the scope's totals; ranks are sorted and at most 20.
    let total_output = target("total_output")["actual"].as_f64().unwrap();
    let by_city: f64 = o["by_city"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["output"].as_f64().unwrap())
        .sum();
    let by_cat: f64 = o["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["output"].as_f64().unwrap())
        .sum();
    assert!(close(by_city, total_output) && close(by_cat, total_output));
    let ranks = o["rank_output"].as_array().unwrap();
    assert!(!ranks.is_empty() && ranks.len() <= 20);
    for w in ranks.windows(2) {
        assert!(w[0]["value"].as_f64() >= w[1]["value"].as_f64());
    }
    let top_town = ranks[0]["town_id"].as_i64().unwrap();
    let top: f64 = sqlx::query_scalar(
        "SELECT value FROM indicator_values WHERE indicator_code = 'output' AND year = ? AND quarter = 4 AND town_id = ?",
    )
    .bind(year)
    .bind(top_town)
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert!(close(ranks[0]["value"].as_f64().unwrap(), top / 1e4));
    assert_eq!(ranks[0]["unit"], "亿元");

    let trend = o["trends"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["year"] == year - 2)
        .unwrap();
    let expect = sql_sum(s, "tax", year - 2, scope_sql).await / 1e4;
    assert!(close(trend["tax"].as_f64().unwrap(), expect));
}

#[tokio::test]
async fn overview_numbers_equal_independent_sql() {
    let dir = tempfile::tempdir().unwrap();
    let cockpit = Cockpit::open(&dir.path().join("o.sqlite")).await.unwrap();

    let o = dispatch(&cockpit, "overview", Value::Null).await.unwrap();
    assert_eq!(o["demo"], true);
    assert_eq!(o["year"], 2025);
    assert_eq!(o["as_of"], "2025-12-31");
    assert_eq!(
        o["years"],
        json!([2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025])
    );
    assert_eq!(
        o["scope"],
        json!({"code": "330000", "name": "浙江省", "level": "province"})
    );
    assert_eq!(
        o["plan"],
        json!({"start_year": 2023, "end_year": 2025, "elapsed": 1.0})
    );
    assert_eq!(o["by_city"].as_array().unwrap().len(), 11);
    assert_eq!(o["by_category"].as_array().unwrap().len(), 8);
    for field in ["rank_output", "rank_tax", "trends"] {
        assert!(o[field].is_array(), "{field}");
    }

    check_scope(&cockpit, "330000", "1 = 1", 2025).await;
    check_scope(&cockpit, "330000", "1 = 1", 2022).await;
    check_scope(&cockpit, "330100", "c.parent_code = '330100'", 2025).await;
    check_scope(&cockpit, "330110", "t.county_code = '330110'", 2024).await;

    // Half-way through the plan: 2024 ends 731 of 1,096 days in.
    let o = dispatch(&cockpit, "overview", json!({"year": 2024}))
        .await
        .unwrap();
    assert!(close(
        o["plan"]["elapsed"].as_f64().unwrap(),
        731.0 / 1096.0
    ));
    assert_eq!(o["as_of"], "2024-12-31");
}

#[tokio::test]
async fn bad_arguments_get_chinese_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cockpit = Cockpit::open(&dir.path().join("e.sqlite")).await.unwrap();
    let e = dispatch(&cockpit, "overview", json!({"year": 2030}))
        .await
        .unwrap_err();
    assert!(
        e.message.contains("2030") && e.message.contains("2018–2025"),
        "{}",
        e.message
    );
    let e = dispatch(&cockpit, "overview", json!({"scope": "990000"}))
        .await
        .unwrap_err();
    assert!(e.message.contains("990000"), "{}", e.message);
    let e = dispatch(&cockpit, "overview", json!({"scope": "330110005"}))
        .await
        .unwrap_err();
    assert!(e.message.contains("乡镇级"), "{}", e.message);
    let e = dispatch(&cockpit, "overview", json!({"yaer": 2024}))
        .await
        .unwrap_err();
    assert!(e.message.contains("参数"), "{}", e.message);
    let e = dispatch(&cockpit, "town", json!({"name": "不存在的小镇"}))
        .await
        .unwrap_err();
    assert!(e.message.contains("未找到"), "{}", e.message);

    let scopes = dispatch(&cockpit, "scopes", Value::Null).await.unwrap();
    assert_eq!(scopes["province"]["code"], "330000");
    let cities = scopes["cities"].as_array().unwrap();
    assert_eq!(cities.len(), 11);
    let counties: usize = cities
        .iter()
        .map(|c| c["counties"].as_array().unwrap().len())
        .sum();
    assert_eq!(counties, 90);

    let towns = dispatch(
        &cockpit,
        "towns",
        json!({"scope": "330100", "status": "命名"}),
    )
    .await
    .unwrap();
    let list = towns["towns"].as_array().unwrap();
    assert!(!list.is_empty());
    assert!(list
        .iter()
        .all(|t| t["city_code"] == "330100" && t["stage"] == "命名"));
    let profile = dispatch(&cockpit, "town", json!({"name": "余杭梦想小镇"}))
        .await
        .unwrap();
    assert_eq!(profile["town"]["county"], "余杭区");
    assert!(profile["indicators"].as_array().unwrap().len() >= 20);
    assert!(profile["enterprises"]["total"].as_i64().unwrap() > 0);
}

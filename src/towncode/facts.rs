//! Gathers, from the store, the facts the colour rules read and the key figures a card shows.
//! Facts the store does not (yet) hold stay absent, so their rules report 「未评估」.

use serde::Serialize;
use sqlx::SqlitePool;

use super::rules::Facts;
use crate::error::Result;

/// A town's identity as the code part needs it.
#[derive(Debug, Clone, Serialize)]
pub struct TownRow {
    pub id: i64,
    pub name: String,
    pub county_code: String,
    pub county: String,
    pub city: String,
    pub category: String,
    pub stage: String,
    pub status: String,
    pub creation_date: Option<String>,
    pub planned_area_km2: f64,
    pub is_demo: bool,
}

type TownTuple = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    f64,
    i64,
);

const TOWN_SELECT: &str =
    "SELECT t.id, t.name, t.county_code, COALESCE(c.name, ''), COALESCE(p.name, ''),
        t.category, t.stage, t.status, t.creation_date, t.planned_area_km2, t.is_demo
     FROM towns t
     LEFT JOIN divisions c ON c.code = t.county_code
     LEFT JOIN divisions p ON p.code = c.parent_code";

fn to_row(t: TownTuple) -> TownRow {
    TownRow {
        id: t.0,
        name: t.1,
        county_code: t.2,
        county: t.3,
        city: t.4,
        category: t.5,
        stage: t.6,
        status: t.7,
        creation_date: t.8,
        planned_area_km2: t.9,
        is_demo: t.10 != 0,
    }
}

pub async fn towns(pool: &SqlitePool) -> Result<Vec<TownRow>> {
    let rows: Vec<TownTuple> =
        sqlx::query_as(&format!("{TOWN_SELECT} ORDER BY t.county_code, t.id"))
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(to_row).collect())
}

pub async fn town(pool: &SqlitePool, id: i64) -> Result<Option<TownRow>> {
    let row: Option<TownTuple> = sqlx::query_as(&format!("{TOWN_SELECT} WHERE t.id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(to_row))
}

/// The latest year with indicator data, and the as-of date (meta `as_of`, else today).
pub async fn period(pool: &SqlitePool) -> Result<(Option<i32>, chrono::NaiveDate)> {
    let year: Option<i64> = sqlx::query_scalar("SELECT MAX(year) FROM indicator_values")
        .fetch_one(pool)
        .await?;
    let as_of: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'as_of'")
        .fetch_optional(pool)
        .await?;
    let as_of = as_of
        .and_then(|s| chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    Ok((year.map(|y| y as i32), as_of))
}

/// A year value of an indicator: flows summed over quarters, stocks and ratios at the last
/// quarter reported.
async fn indicator(pool: &SqlitePool, town: i64, year: i32, code: &str) -> Result<Option<f64>> {
    let kind: Option<String> = sqlx::query_scalar("SELECT kind FROM indicators WHERE code = ?")
        .bind(code)
        .fetch_optional(pool)
        .await?;
    let sql = match kind.as_deref() {
        Some("flow") => {
            "SELECT SUM(value) FROM indicator_values WHERE town_id = ? AND year = ? AND indicator_code = ?"
        }
        Some(_) => {
            "SELECT value FROM indicator_values WHERE town_id = ? AND year = ? AND indicator_code = ?
             ORDER BY quarter DESC LIMIT 1"
        }
        None => return Ok(None),
    };
    Ok(sqlx::query_scalar::<_, Option<f64>>(sql)
        .bind(town)
        .bind(year)
        .bind(code)
        .fetch_optional(pool)
        .await?
        .flatten())
}

/// The rule facts of one town.
pub async fn facts(pool: &SqlitePool, town: &TownRow) -> Result<Facts> {
    let (year, as_of) = period(pool).await?;
    let creation_start_year = town
        .creation_date
        .as_deref()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<i32>().ok());
    let creation_years = creation_start_year
        .filter(|_| town.stage == "创建")
        .map(|y| {
            use chrono::Datelike;
            (as_of.year() - y) as f64
        });
    let latest_assessment: Option<String> = sqlx::query_scalar(
        "SELECT grade FROM town_events WHERE town_id = ? AND grade IS NOT NULL
         ORDER BY event_date DESC, id DESC LIMIT 1",
    )
    .bind(town.id)
    .fetch_optional(pool)
    .await?;
    let mut facts = Facts {
        stage: Some(town.stage.clone()),
        status: Some(town.status.clone()),
        creation_start_year,
        creation_years,
        latest_assessment,
        area_km2: Some(town.planned_area_km2),
        ..Facts::default()
    };
    if let Some(year) = year {
        // Named towns are judged on the output share, creating towns on the investment share.
        let share_code = if town.stage == "命名" {
            "lead_output_share_pct"
        } else {
            "lead_investment_share_pct"
        };
        facts.lead_industry_share = indicator(pool, town.id, year, share_code)
            .await?
            .map(|p| p / 100.0);
        facts.green_coverage = indicator(pool, town.id, year, "green_coverage_pct")
            .await?
            .map(|p| p / 100.0);
        let (housing, total): (Option<f64>, Option<f64>) = sqlx::query_as(
            "SELECT SUM(CASE WHEN p.is_housing = 1 OR p.is_commercial_complex = 1 THEN i.invested_wan_yuan ELSE 0 END),
                    SUM(i.invested_wan_yuan)
             FROM project_investments i JOIN investment_projects p ON p.id = i.project_id
             WHERE p.town_id = ? AND i.year = ?",
        )
        .bind(town.id)
        .bind(year)
        .fetch_one(pool)
        .await?;
        facts.housing_investment_share = match (housing, total) {
            (Some(h), Some(t)) if t > 0.0 => Some(h / t),
            _ => None,
        };
    }
    Ok(facts)
}

/// Key figures for the card and the detail view: (label, value) pairs, plus the period label.
pub async fn figures(pool: &SqlitePool, town: &TownRow) -> Result<(String, Vec<(String, String)>)> {
    let (year, _) = period(pool).await?;
    let Some(year) = year else {
        return Ok(("—".into(), Vec::new()));
    };
    let mut out = Vec::new();
    for (code, label) in [
        ("output", "总产出"),
        ("tax", "税收收入"),
        ("effective_investment", "有效投资"),
    ] {
        if let Some(v) = indicator(pool, town.id, year, code).await? {
            out.push((
                format!("{year} 年{label}"),
                format!("{:.2} 亿元", v / 10_000.0),
            ));
        }
    }
    let share_code = if town.stage == "命名" {
        ("lead_output_share_pct", "特色产业产出占比")
    } else {
        ("lead_investment_share_pct", "特色产业投资占比")
    };
    if let Some(v) = indicator(pool, town.id, year, share_code.0).await? {
        out.push((share_code.1.to_string(), format!("{v:.1}%")));
    }
    Ok((year.to_string(), out))
}

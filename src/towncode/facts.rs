//! Gathers, from the store, the facts the colour rules read and the key figures a card shows.
//! Facts the store does not (yet) hold stay absent, so their rules report 「未评估」.
//! Everything is read once for all towns, so listing every town's colour stays one pass.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::rules::Facts;
use crate::error::Result;
use crate::store::Store;
use crate::towns::{self, TownRow};

/// Indicators the rules and cards use (year-end values).
const CODES: [&str; 6] = [
    "output",
    "tax",
    "effective_investment",
    "lead_output_share_pct",
    "lead_investment_share_pct",
    "green_coverage_pct",
];

/// Store facts for every town, read once.
pub struct FactSource {
    /// The latest year with figures.
    pub year: Option<i32>,
    pub as_of: NaiveDate,
    values: HashMap<(i64, &'static str), f64>,
    grades: HashMap<i64, String>,
    /// (housing + commercial complex, all) investment in `year`, 万元.
    investment: HashMap<i64, (f64, f64)>,
}

impl FactSource {
    pub async fn load(store: &Store) -> Result<FactSource> {
        let year = towns::year_range(store).await?.map(|(_, last)| last);
        let as_of: Option<String> =
            sqlx::query_scalar("SELECT value FROM meta WHERE key = 'as_of'")
                .fetch_optional(store.pool())
                .await?;
        let as_of = as_of
            .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        let mut values = HashMap::new();
        let mut investment = HashMap::new();
        if let Some(y) = year {
            for (code, _, town, value) in towns::year_values(store, &CODES, &[y]).await? {
                if let Some(c) = CODES.iter().find(|c| **c == code) {
                    values.insert((town, *c), value);
                }
            }
            let rows: Vec<(i64, f64, f64)> = sqlx::query_as(
                "SELECT p.town_id,
                        TOTAL(CASE WHEN p.is_housing = 1 OR p.is_commercial_complex = 1
                                   THEN i.invested_wan_yuan ELSE 0.0 END),
                        TOTAL(i.invested_wan_yuan)
                 FROM project_investments i JOIN investment_projects p ON p.id = i.project_id
                 WHERE i.year = ? GROUP BY p.town_id",
            )
            .bind(y)
            .fetch_all(store.pool())
            .await?;
            investment = rows.into_iter().map(|(t, h, a)| (t, (h, a))).collect();
        }
        // The latest graded event per town (annual assessment, warning, demotion).
        let grades: Vec<(i64, String)> = sqlx::query_as(
            "SELECT town_id, grade FROM (
                 SELECT town_id, grade, ROW_NUMBER() OVER (
                     PARTITION BY town_id ORDER BY event_date DESC, id DESC) AS n
                 FROM town_events WHERE grade IS NOT NULL)
             WHERE n = 1",
        )
        .fetch_all(store.pool())
        .await?;
        Ok(FactSource {
            year,
            as_of,
            values,
            grades: grades.into_iter().collect(),
            investment,
        })
    }

    fn value(&self, town: i64, code: &'static str) -> Option<f64> {
        self.values.get(&(town, code)).copied()
    }

    /// Named towns are judged on the output share, the others on the investment share.
    fn share_code(town: &TownRow) -> (&'static str, &'static str) {
        if town.stage == "命名" {
            ("lead_output_share_pct", "特色产业产出占比")
        } else {
            ("lead_investment_share_pct", "特色产业投资占比")
        }
    }

    /// The rule facts of one town.
    pub fn facts(&self, town: &TownRow) -> Facts {
        let creation_start_year = town
            .creation_date
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<i32>().ok());
        let creation_years = creation_start_year
            .filter(|_| town.stage == "创建")
            .map(|y| (self.as_of.year() - y) as f64);
        Facts {
            stage: Some(town.stage.clone()),
            status: Some(town.status.clone()),
            creation_start_year,
            creation_years,
            latest_assessment: self.grades.get(&town.id).cloned(),
            area_km2: Some(town.planned_area_km2),
            lead_industry_share: self
                .value(town.id, Self::share_code(town).0)
                .map(|p| p / 100.0),
            green_coverage: self.value(town.id, "green_coverage_pct").map(|p| p / 100.0),
            housing_investment_share: self
                .investment
                .get(&town.id)
                .filter(|(_, all)| *all > 0.0)
                .map(|(h, all)| h / all),
            ..Facts::default()
        }
    }

    /// The period label and key figures (label, value) for the card and the detail view.
    pub fn figures(&self, town: &TownRow) -> (String, Vec<(String, String)>) {
        let Some(year) = self.year else {
            return ("-".into(), Vec::new());
        };
        let mut out = Vec::new();
        for (code, label) in [
            ("output", "总产出"),
            ("tax", "税收收入"),
            ("effective_investment", "有效投资"),
        ] {
            if let Some(v) = self.value(town.id, code) {
                out.push((
                    format!("{year} 年{label}"),
                    format!("{:.2} 亿元", v / 10_000.0),
                ));
            }
        }
        let (code, label) = Self::share_code(town);
        if let Some(v) = self.value(town.id, code) {
            out.push((label.to_string(), format!("{v:.1}%")));
        }
        (year.to_string(), out)
    }
}

//! Gathers, from the store, the facts the colour rules read and the key figures a card shows.
//! Facts the store does not (yet) hold stay absent, so their rules report 「未评估」.
//! Everything is read once for all towns, so listing every town's colour stays one pass.
//!
//! Results of other parts are read through their own modules: the vitality index ranking from
//! [`crate::town_index`] and the control-line check from [`crate::spatial::check`], both kept in
//! the store's memo until the data changes.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};

use super::rules::{CreationSpec, Facts};
use crate::error::Result;
use crate::spatial::overlay::SLIVER_KM2;
use crate::spatial::ControlKind;
use crate::store::Store;
use crate::town_index::{self, RankingArgs};
use crate::towns::{self, TownRow};
use crate::vocab;

/// A town's vitality index in the latest year: score, rank, towns ranked, places changed.
#[derive(Debug, Clone, Copy)]
pub struct IndexFacts {
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub of: u32,
    /// Places gained since the previous year (negative = fell).
    pub change: Option<i64>,
    pub previous: Option<u32>,
}

/// The recorded spatial check of a town.
#[derive(Debug, Clone)]
struct SpatialFacts {
    area_km2: f64,
    /// (control line, km², share of the town) for each violated line.
    violations: Vec<(ControlKind, f64, f64)>,
}

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
    /// Effective investment over the creation window ending in `year`, 万元.
    window_investment: HashMap<i64, f64>,
    /// Output of the year before `year`, 万元.
    previous_output: HashMap<i64, f64>,
    index: HashMap<i64, IndexFacts>,
    index_year: Option<i32>,
    spatial: HashMap<i64, SpatialFacts>,
    creation: CreationSpec,
}

impl FactSource {
    pub async fn load(store: &Store, creation: &CreationSpec) -> Result<FactSource> {
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
            for (k, _, town, value) in towns::year_values(store, &CODES, &[y]).await? {
                values.insert((town, CODES[k]), value);
            }
            investment = towns::investment_by_town(store, y, None).await?;
        }
        let mut window_investment = HashMap::new();
        let mut previous_output = HashMap::new();
        if let Some(y) = year {
            // Effective investment, as everywhere: housing and commercial complexes excluded.
            let first = y - creation.period_years as i32 + 1;
            let rows: Vec<(i64, f64)> = sqlx::query_as(
                "SELECT p.town_id, TOTAL(i.invested_wan_yuan)
                 FROM project_investments i JOIN investment_projects p ON p.id = i.project_id
                 WHERE i.year BETWEEN ? AND ? AND p.is_housing = 0 AND p.is_commercial_complex = 0
                 GROUP BY p.town_id",
            )
            .bind(first)
            .bind(y)
            .fetch_all(store.pool())
            .await?;
            window_investment = rows.into_iter().collect();
            for (_, _, town, value) in towns::year_values(store, &["output"], &[y - 1]).await? {
                previous_output.insert(town, value);
            }
        }
        let (index_year, index) = index_facts(store).await?;
        let spatial = spatial_facts(store).await?;
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
            window_investment,
            previous_output,
            index,
            index_year,
            spatial,
            creation: creation.clone(),
        })
    }

    /// The town's vitality index in the latest ranked year, when the index could be computed.
    pub fn index(&self, town: i64) -> Option<IndexFacts> {
        self.index.get(&town).copied()
    }

    /// (time elapsed − investment progress, the numbers behind it) for a creating town.
    fn investment_gap(&self, town: &TownRow, start_year: Option<i32>) -> Option<(f64, String)> {
        let (year, start) = (self.year?, start_year?);
        if town.stage != vocab::CREATING {
            return None;
        }
        let spec = &self.creation;
        let years = (year - start + 1).max(0) as f64;
        let elapsed = (years / spec.period_years as f64).min(1.0);
        let invested = self.window_investment.get(&town.id).copied().unwrap_or(0.0) / 10_000.0;
        let progress = (invested / spec.investment_target_yi).min(1.0);
        let first = year - spec.period_years as i32 + 1;
        Some((
            elapsed - progress,
            format!(
                "{first}–{year} 年有效投资 {invested:.2} 亿元，为创建期目标 {:.0} 亿元的 {:.1}%，时间进度 {:.1}%",
                spec.investment_target_yi,
                progress * 100.0,
                elapsed * 100.0
            ),
        ))
    }

    /// 低 / 中 / 高 and the signals counted, for a creating town.
    fn creation_risk(
        &self,
        town: &TownRow,
        gap: Option<f64>,
        assessment: Option<&str>,
    ) -> Option<(String, String)> {
        if town.stage != vocab::CREATING || self.year.is_none() {
            return None;
        }
        let spec = &self.creation;
        let mut signals = Vec::new();
        if let Some(g) = gap.filter(|g| *g > spec.risk_gap) {
            signals.push(format!("投资进度落后时间进度 {:.1} 个百分点", g * 100.0));
        }
        if let (Some(now), Some(before)) = (
            self.value(town.id, "output"),
            self.previous_output.get(&town.id).copied(),
        ) {
            let change = if before > 0.0 {
                now / before - 1.0
            } else {
                0.0
            };
            if before > 0.0 && change <= spec.risk_output_change {
                signals.push(format!("总产出同比 {:+.1}%", change * 100.0));
            }
        }
        let warned = |s: &str| matches!(s, "警告" | "降格");
        if warned(&town.status) {
            signals.push(format!("清单状态为{}", town.status));
        } else if let Some(g) = assessment.filter(|g| warned(g)) {
            signals.push(format!("最近一次考核为{g}"));
        }
        let level = if signals.len() as u32 >= spec.high_signals {
            "高"
        } else if signals.is_empty() {
            "低"
        } else {
            "中"
        };
        let why = if signals.is_empty() {
            "无风险信号".to_string()
        } else {
            format!("风险信号 {} 个：{}", signals.len(), signals.join("；"))
        };
        Some((level.to_string(), why))
    }

    fn value(&self, town: i64, code: &'static str) -> Option<f64> {
        self.values.get(&(town, code)).copied()
    }

    /// Named towns are judged on the output share, the others on the investment share.
    fn share_code(town: &TownRow) -> (&'static str, &'static str) {
        if town.stage == vocab::NAMED {
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
            .filter(|_| town.stage == vocab::CREATING)
            .map(|y| (self.as_of.year() - y) as f64);
        let mut evidence = std::collections::BTreeMap::new();
        let latest_assessment = self.grades.get(&town.id).cloned();
        let gap = self.investment_gap(town, creation_start_year);
        let risk = self.creation_risk(
            town,
            gap.as_ref().map(|g| g.0),
            latest_assessment.as_deref(),
        );
        if let Some((_, why)) = &gap {
            evidence.insert("target_progress_gap".to_string(), why.clone());
        }
        if let Some((_, why)) = &risk {
            evidence.insert("creation_risk".to_string(), why.clone());
        }
        let index = self.index(town.id);
        let index_rank_change = index.and_then(|i| i.change).map(|c| c as f64);
        if let (Some(i), Some(y)) = (index, self.index_year) {
            if let (Some(now), Some(before)) = (i.rank, i.previous) {
                evidence.insert(
                    "index_rank_change".to_string(),
                    format!(
                        "{} 年第 {before} 名 → {y} 年第 {now} 名，共 {} 个小镇",
                        y - 1,
                        i.of
                    ),
                );
            }
        }
        let spatial = self.spatial.get(&town.id);
        if let Some(sp) = spatial.filter(|s| !s.violations.is_empty()) {
            let parts: Vec<String> = sp
                .violations
                .iter()
                .map(|(kind, km2, share)| {
                    let share = share * 100.0;
                    if kind.violation_is_outside() {
                        format!(
                            "有 {km2:.3} km²（占小镇 {share:.1}%）位于{}之外",
                            kind.label()
                        )
                    } else {
                        format!("压占{} {km2:.3} km²（占小镇 {share:.1}%）", kind.label())
                    }
                })
                .collect();
            evidence.insert("control_line_violations".to_string(), parts.join("；"));
        }
        if let Some(sp) = spatial {
            evidence.insert(
                "area_km2".to_string(),
                format!(
                    "按四至范围测算 {:.2} 平方公里，规划面积 {:.2} 平方公里",
                    sp.area_km2, town.planned_area_km2
                ),
            );
        }
        Facts {
            stage: Some(town.stage.clone()),
            status: Some(town.status.clone()),
            creation_start_year,
            creation_years,
            creation_risk: risk.map(|r| r.0),
            control_line_violations: spatial.map(|s| s.violations.len() as f64),
            latest_assessment,
            index_rank_change,
            target_progress_gap: gap.map(|g| g.0),
            // The measured (geodesic) area of the boundary when checked, else the planned area.
            area_km2: Some(spatial.map_or(town.planned_area_km2, |s| s.area_km2)),
            lead_industry_share: self
                .value(town.id, Self::share_code(town).0)
                .map(|p| p / 100.0),
            green_coverage: self.value(town.id, "green_coverage_pct").map(|p| p / 100.0),
            housing_investment_share: self
                .investment
                .get(&town.id)
                .filter(|(_, all)| *all > 0.0)
                .map(|(h, all)| h / all),
            evidence,
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

/// The latest year's vitality-index ranking, through the index module (which computes and
/// stores results when they are missing or stale). An index that cannot be computed (too few
/// towns or indicators, say) leaves the facts absent, so their rules say 「未评估」.
async fn index_facts(store: &Store) -> Result<(Option<i32>, HashMap<i64, IndexFacts>)> {
    let ranking = match town_index::ranking(store, RankingArgs::default()).await {
        Ok(r) => r,
        Err(crate::Error::Invalid(_) | crate::Error::NotFound(_)) => {
            return Ok((None, HashMap::new()))
        }
        Err(e) => return Err(e),
    };
    let of = ranking.rows.iter().filter(|r| r.rank.is_some()).count() as u32;
    let facts = ranking
        .rows
        .iter()
        .map(|r| {
            (
                r.town_id,
                IndexFacts {
                    score: r.score,
                    rank: r.rank,
                    of,
                    change: r.rank_change,
                    previous: r.previous_rank,
                },
            )
        })
        .collect();
    Ok((Some(ranking.period), facts))
}

/// The control-line check per town with a boundary, from the check's report (kept in the
/// store's memo, so a new boundary or layer is seen by the next colour).
async fn spatial_facts(store: &Store) -> Result<HashMap<i64, SpatialFacts>> {
    let report = crate::spatial::check::report(store, false).await?;
    Ok(report
        .towns
        .iter()
        .filter_map(|c| {
            let area_km2 = c.area_km2?;
            let violations = c
                .layers
                .iter()
                .filter(|l| l.violation_km2 >= SLIVER_KM2)
                .map(|l| (l.kind, l.violation_km2, l.violation_share))
                .collect();
            Some((
                c.town_id,
                SpatialFacts {
                    area_km2,
                    violations,
                },
            ))
        })
        .collect())
}

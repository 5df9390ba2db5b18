//! The profile's key figures: which they are, how each is computed from a town's stored values
//! of one period, and the median of every figure over the towns of a category or a county.
//!
//! The same function computes a town's own figures and every peer's, so the town and the medians
//! it is set against can never be computed two ways.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::index::stats::quantile_sorted;
use crate::store::{parse_json_rows, Store};
use crate::towns::{self, TownRow};

/// How a figure is computed from the stored values of one period.
#[derive(Debug, Clone, Copy)]
pub enum Basis {
    /// The indicator's stored value (flows year-to-date, stocks and ratios at the quarter's end).
    Indicator(&'static str),
    /// Housing and commercial-complex investment ÷ all project investment of the year × 100.
    HousingShare,
    /// An indicator ÷ the built land in use (`land_used_mu`): 亩均 figures.
    PerMu(&'static str),
}

#[derive(Debug, Clone, Copy)]
pub struct FigureDef {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    pub basis: Basis,
}

const fn def(key: &'static str, name: &'static str, unit: &'static str, basis: Basis) -> FigureDef {
    FigureDef {
        key,
        name,
        unit,
        basis,
    }
}

/// The figures a profile sets against targets and peers, in display order. Keys of indicators
/// are the catalogue's codes; units are the catalogue's (migration 0001).
pub const FIGURES: &[FigureDef] = &[
    def("output", "总产出", "万元", Basis::Indicator("output")),
    def("tax", "税收收入", "万元", Basis::Indicator("tax")),
    def(
        "effective_investment",
        "有效投资",
        "万元",
        Basis::Indicator("effective_investment"),
    ),
    def(
        "housing_commercial_share_pct",
        "住宅和商业综合体投资占比",
        "%",
        Basis::HousingShare,
    ),
    def(
        "lead_output_share_pct",
        "特色产业产出占比",
        "%",
        Basis::Indicator("lead_output_share_pct"),
    ),
    def(
        "lead_investment_share_pct",
        "特色产业投资占比",
        "%",
        Basis::Indicator("lead_investment_share_pct"),
    ),
    def(
        "output_per_mu",
        "亩均产出",
        "万元/亩",
        Basis::PerMu("output"),
    ),
    def("tax_per_mu", "亩均税收", "万元/亩", Basis::PerMu("tax")),
    def(
        "high_tech_firms",
        "高新技术企业数",
        "家",
        Basis::Indicator("high_tech_firms"),
    ),
    def(
        "listed_firms",
        "上市企业数",
        "家",
        Basis::Indicator("listed_firms"),
    ),
    def(
        "incubated_firms",
        "成功孵化企业数",
        "家",
        Basis::Indicator("incubated_firms"),
    ),
    def("employees", "从业人员", "人", Basis::Indicator("employees")),
    def(
        "green_coverage_pct",
        "绿化覆盖率",
        "%",
        Basis::Indicator("green_coverage_pct"),
    ),
];

/// The built land in use, the denominator of the 亩均 figures.
pub const LAND: &str = "land_used_mu";

/// Every indicator code the figures read (the land included), each once.
pub fn indicator_codes() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = FIGURES
        .iter()
        .filter_map(|f| match f.basis {
            Basis::Indicator(c) | Basis::PerMu(c) => Some(c),
            Basis::HousingShare => None,
        })
        .collect();
    codes.push(LAND);
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Project investment of a town in a year, 万元: (housing + commercial complexes, all).
pub use crate::towns::Investment;

/// One town's figures (in `FIGURES` order) from its values of one period; `None` where a value
/// it needs is absent (or a denominator is zero), never zero for a missing value.
pub fn compute(
    value: impl Fn(&str) -> Option<f64>,
    investment: Option<Investment>,
) -> Vec<Option<f64>> {
    FIGURES
        .iter()
        .map(|f| match f.basis {
            Basis::Indicator(code) => value(code),
            Basis::HousingShare => investment
                .filter(|(_, all)| *all > 0.0)
                .map(|(housing, all)| housing / all * 100.0),
            Basis::PerMu(code) => {
                let land = value(LAND).filter(|l| *l > 0.0)?;
                value(code).map(|v| v / land)
            }
        })
        .collect()
}

/// Every town's figures in one period, with its category and county, read once per period and
/// data version.
pub struct Peers {
    pub rows: Vec<PeerRow>,
}

pub struct PeerRow {
    pub town_id: i64,
    pub category: String,
    pub county_code: String,
    pub figures: Vec<Option<f64>>,
}

/// A figure's median over a group of towns, and how many towns it is over.
#[derive(Debug, Clone, Serialize)]
pub struct Median {
    pub value: Option<f64>,
    pub towns: usize,
}

impl Peers {
    /// The median of figure `k` over the towns `pick` chooses that have it.
    pub fn median(&self, k: usize, pick: impl Fn(&PeerRow) -> bool) -> Median {
        let mut v: Vec<f64> = self
            .rows
            .iter()
            .filter(|r| pick(r))
            .filter_map(|r| r.figures[k])
            .collect();
        v.sort_unstable_by(f64::total_cmp);
        Median {
            value: (!v.is_empty()).then(|| quantile_sorted(&v, 0.5)),
            towns: v.len(),
        }
    }
}

/// Every town's figures in (`year`, `quarter`), kept in the store's memo.
pub async fn peers(store: &Store, year: i32, quarter: i32) -> Result<Arc<Peers>> {
    let key = format!("profile:peers:{year}:{quarter}");
    store
        .snapshot()
        .await?
        .get_or_load(&key, load_peers(store, year, quarter))
        .await
}

async fn load_peers(store: &Store, year: i32, quarter: i32) -> Result<Peers> {
    let codes = indicator_codes();
    let sql = format!(
        "SELECT json_group_array(json_array(town_id, indicator_code, value)) FROM indicator_values
         WHERE indicator_code IN ({}) AND year = ? AND quarter = ?",
        vec!["?"; codes.len()].join(",")
    );
    let mut q = sqlx::query_scalar(&sql);
    for c in &codes {
        q = q.bind(*c);
    }
    let json: Option<String> = q.bind(year).bind(quarter).fetch_one(store.pool()).await?;
    let rows: Vec<(i64, String, f64)> = parse_json_rows(json)?;
    let mut values: HashMap<i64, HashMap<String, f64>> = HashMap::new();
    for (town, code, value) in rows {
        values.entry(town).or_default().insert(code, value);
    }
    let investment = towns::investment_by_town(store, year, None).await?;
    let towns: Vec<TownRow> = towns::load_all(store).await?;
    let rows = towns
        .into_iter()
        .map(|t| {
            let own = values.get(&t.id);
            PeerRow {
                figures: compute(
                    |c| own.and_then(|m| m.get(c).copied()),
                    investment.get(&t.id).copied(),
                ),
                town_id: t.id,
                category: t.category,
                county_code: t.county_code,
            }
        })
        .collect();
    Ok(Peers { rows })
}

//! 小镇档案: everything about one town on one screen, each figure traceable to its rows —
//! identity, code and colour, lifecycle, area and boundary, lead industry and its chain links,
//! the key figures of the latest period against the town's own targets and the medians of its
//! category and county, quarterly series of every period, the vitality index with its
//! sub-indices and rank interval, key firms, projects and the warnings that apply.
//!
//! A period without a value is `null` (shown 「暂无数据」), never zero. The whole profile is kept
//! in the store's memo per town; nothing here writes.

pub mod cases;
pub mod figures;
pub mod media;
pub mod search;

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::spatial;
use crate::store::{parse_json_rows, Store};
use crate::town_index::{self, Ranking, RankingArgs, VersionRef};
use crate::towncode::{facts::FactSource, registry, town as code_town};
use crate::towns::TownRow;
use figures::{Basis, Median, FIGURES, LAND};

/// Where a stored value comes from when its row names no source.
const DEMO_SOURCE: &str = "示例数据";
const NO_SOURCE: &str = "未注明来源";

#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub demo: bool,
    pub town: TownRow,
    pub code: Option<CodeInfo>,
    /// 绿/黄/红/灰 from the town-code rules, with the rules that fired in `warnings`.
    pub colour: String,
    pub lifecycle: Lifecycle,
    pub area: Area,
    pub industry: Industry,
    /// The latest period with figures in the store; null when there are none.
    pub period: Option<Period>,
    pub figures: Vec<KeyFigure>,
    /// Why a figure has no target, when the store holds none for the town.
    pub targets_note: Option<String>,
    /// Every period with figures in the store, oldest first; `series` values align with it.
    pub periods: Vec<Period>,
    pub series: Vec<Series>,
    pub index: Option<IndexPart>,
    /// Why there is no index, when it could not be computed.
    pub index_note: Option<String>,
    pub firms: Vec<Firm>,
    pub projects: Vec<Project>,
    pub warnings: Vec<Warning>,
    /// Photos and documents attached to the town, each with the state of its stored file.
    pub media: Vec<media::Media>,
    /// 典型案例 about the town.
    pub cases: Vec<cases::CaseSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CodeInfo {
    /// Compact, e.g. D330110001X.
    pub code: String,
    /// With separators, e.g. D-330110-001-X.
    pub printed: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lifecycle {
    pub stage: String,
    pub status: String,
    pub creation_batch: Option<i64>,
    pub named_batch: Option<i64>,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Event {
    pub date: String,
    pub kind: String,
    pub batch: Option<i64>,
    /// Annual assessment grade, when the event is one.
    pub grade: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Area {
    pub planned_km2: f64,
    /// Geodesic area of the boundary, when the town has one.
    pub measured_km2: Option<f64>,
    /// GeoJSON Polygon or MultiPolygon (四至范围).
    pub boundary: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Industry {
    pub category: String,
    pub lead_industry: String,
    pub links: Vec<HeldLink>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HeldLink {
    pub chain: String,
    pub segment: String,
    pub link: String,
    pub is_key: bool,
    /// The town's firms on the link.
    pub firms: i64,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    pub quarter: i32,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyFigure {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    /// e.g. 「2025年1—4季度累计」, 「2025年第4季度末」.
    pub period: String,
    /// Null when the period has no data.
    pub value: Option<f64>,
    pub source: Option<String>,
    pub target: Option<Target>,
    pub category_median: Median,
    pub county_median: Median,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub year: i32,
    pub value: f64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub key: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    /// flow (year-to-date), stock or ratio, as the catalogue says.
    pub kind: String,
    /// One per period of the profile; null where the period has no value.
    pub values: Vec<Option<f64>>,
    pub sources: Vec<Option<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct IndexPart {
    pub methodology: VersionRef,
    pub year: i32,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub of: usize,
    pub previous_rank: Option<u32>,
    /// 5%–95% rank interval (Monte Carlo, 300 runs, fixed seed): null in the memoised profile,
    /// filled by [`profile_with_interval`] (the CLI) or fetched by the screen (`town_rank_interval`).
    pub rank_interval: Option<[f64; 2]>,
    pub dimensions: Vec<SubIndex>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SubIndex {
    pub code: String,
    pub name: String,
    pub weight: f64,
    pub score: Option<f64>,
    pub province_median: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Firm {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub industry: String,
    /// The chain link it holds (链 · 环节), when any.
    pub link: Option<String>,
    /// 链主 / 上市 / 专精特新 / 小巨人 / 单项冠军, those that apply.
    pub tags: Vec<&'static str>,
    pub output_wan_yuan: f64,
    pub tax_wan_yuan: f64,
    pub employees: i64,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub id: i64,
    pub name: String,
    pub project_type: String,
    pub is_lead_industry: bool,
    pub total_investment_wan_yuan: f64,
    /// Invested up to and including the profile's year.
    pub invested_wan_yuan: f64,
    /// Invested in the profile's year; null when nothing was recorded that year.
    pub invested_in_year_wan_yuan: Option<f64>,
    pub start_year: i32,
    pub end_year: i32,
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    /// 小镇码 (a colour rule that fired), 空间 (the control-line check) or 状态 (the list status).
    pub kind: &'static str,
    /// 黄/红/灰 for code rules; null otherwise.
    pub colour: Option<String>,
    pub text: String,
}

/// Firm flags shown as tags, in this order: (column, tag).
const FIRM_TAGS: [(&str, &str); 5] = [
    ("is_chain_leader", "链主"),
    ("is_listed", "上市"),
    ("is_specialized", "专精特新"),
    ("is_little_giant", "小巨人"),
    ("is_single_champion", "单项冠军"),
];

fn source_of(source: Option<String>, is_demo: bool) -> String {
    source.unwrap_or_else(|| if is_demo { DEMO_SOURCE } else { NO_SOURCE }.to_string())
}

/// A town's profile by id, name (or a part of it only one town has) or town code. Kept in the
/// store's memo until the data changes, except the state of the attached files, which can go
/// missing without any change to the database and so is looked at on every call.
pub async fn profile(store: &Store, key: &str) -> Result<Profile> {
    let town = search::resolve(store, key).await?;
    let id = town.id;
    let memo = format!("profile:town:{id}");
    let kept = store
        .snapshot()
        .await?
        .get_or_load(&memo, build(store, town))
        .await?;
    let mut p = (*kept).clone();
    p.media = media::list(store, media::Owner::Town(id)).await?;
    Ok(p)
}

/// The profile with the index's rank interval filled in (one call for the CLI).
pub async fn profile_with_interval(store: &Store, key: &str) -> Result<Profile> {
    let mut p = profile(store, key).await?;
    if let Some(index) = p.index.as_mut() {
        index.rank_interval = rank_interval(store, key).await?.interval;
    }
    Ok(p)
}

/// Catalogue facts of the indicators: code → (kind).
async fn catalogue(store: &Store) -> Result<Arc<HashMap<String, String>>> {
    store
        .snapshot()
        .await?
        .get_or_load("profile:catalogue", async {
            let rows: Vec<(String, String)> = sqlx::query_as("SELECT code, kind FROM indicators")
                .fetch_all(store.pool())
                .await?;
            Ok(rows.into_iter().collect::<HashMap<_, _>>())
        })
        .await
}

/// Every (year, quarter) with an output figure, oldest first.
async fn all_periods(store: &Store) -> Result<Arc<Vec<Period>>> {
    store
        .snapshot()
        .await?
        .get_or_load("profile:periods", async {
            let rows: Vec<(i32, i32)> = sqlx::query_as(
                "SELECT DISTINCT year, quarter FROM indicator_values
                 WHERE indicator_code = 'output' ORDER BY year, quarter",
            )
            .fetch_all(store.pool())
            .await?;
            Ok(rows
                .into_iter()
                .map(|(year, quarter)| Period { year, quarter })
                .collect::<Vec<_>>())
        })
        .await
}

fn period_label(p: Period, kind: Option<&str>) -> String {
    match kind {
        Some("flow") if p.quarter == 1 => format!("{}年第1季度", p.year),
        Some("flow") => format!("{}年1—{}季度累计", p.year, p.quarter),
        Some(_) => format!("{}年第{}季度末", p.year, p.quarter),
        None => format!("{}年", p.year),
    }
}

async fn build(store: &Store, town: TownRow) -> Result<Profile> {
    let pool = store.pool();
    let periods = all_periods(store).await?;
    let period = periods.last().copied();
    let catalogue = catalogue(store).await?;

    // The town's stored values of the figures' indicators, every period, with their sources.
    let codes = figures::indicator_codes();
    let sql = format!(
        "SELECT json_group_array(json_array(indicator_code, year, quarter, value, source, is_demo))
         FROM indicator_values WHERE town_id = ? AND indicator_code IN ({})",
        vec!["?"; codes.len()].join(",")
    );
    let mut q = sqlx::query_scalar(&sql).bind(town.id);
    for c in &codes {
        q = q.bind(*c);
    }
    let json: Option<String> = q.fetch_one(pool).await?;
    type Stored = (String, i32, i32, f64, Option<String>, i64);
    let stored: Vec<Stored> = parse_json_rows(json)?;
    let mut values: HashMap<(&str, Period), (f64, String)> = HashMap::new();
    for (code, year, quarter, value, source, is_demo) in &stored {
        values.insert(
            (
                code.as_str(),
                Period {
                    year: *year,
                    quarter: *quarter,
                },
            ),
            (*value, source_of(source.clone(), *is_demo == 1)),
        );
    }

    let (figures, targets_note) = match period {
        Some(p) => key_figures(store, &town, p, &values, &catalogue).await?,
        None => (Vec::new(), None),
    };

    let series = FIGURES
        .iter()
        .filter_map(|f| match f.basis {
            Basis::Indicator(code) => Some((f, code)),
            _ => None,
        })
        .map(|(f, code)| {
            let at: Vec<Option<&(f64, String)>> =
                periods.iter().map(|p| values.get(&(code, *p))).collect();
            Series {
                key: f.key,
                name: f.name,
                unit: f.unit,
                kind: catalogue.get(code).cloned().unwrap_or_default(),
                values: at.iter().map(|v| v.map(|v| v.0)).collect(),
                sources: at.iter().map(|v| v.map(|v| v.1.clone())).collect(),
            }
        })
        .collect();

    let events: Vec<Event> = sqlx::query_as(
        "SELECT event_date AS date, kind, batch, grade, note FROM town_events
         WHERE town_id = ? ORDER BY event_date, id",
    )
    .bind(town.id)
    .fetch_all(pool)
    .await?;
    let (creation_batch, named_batch, boundary): (Option<i64>, Option<i64>, Option<String>) =
        sqlx::query_as(
            "SELECT creation_batch, named_batch, boundary_geojson FROM towns WHERE id = ?",
        )
        .bind(town.id)
        .fetch_one(pool)
        .await?;
    let check = spatial::check::report(store, false).await?;
    let own_check = check.towns.iter().find(|c| c.town_id == town.id);

    let links: Vec<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT c.name, l.segment, l.name, l.is_key, COUNT(*)
         FROM enterprises e JOIN chain_links l ON l.id = e.chain_link_id
         JOIN industry_chains c ON c.id = l.chain_id
         WHERE e.town_id = ? GROUP BY l.id ORDER BY c.id, l.sort_order",
    )
    .bind(town.id)
    .fetch_all(pool)
    .await?;

    let (colour, mut warnings, code) = code_and_warnings(store, &town).await?;
    if let Some(c) = own_check {
        warnings.extend(c.flags.iter().map(|f| Warning {
            kind: "空间",
            colour: None,
            text: f.clone(),
        }));
    }
    if town.status != crate::vocab::NORMAL {
        warnings.push(Warning {
            kind: "状态",
            colour: None,
            text: format!(
                "清单状态为「{}」{}",
                town.status,
                town.status_date
                    .as_deref()
                    .map(|d| format!("（{d} 起）"))
                    .unwrap_or_default()
            ),
        });
    }

    let (index, index_note) = match index_part(store, town.id).await {
        Ok(i) => (i, None),
        Err(e) => (None, Some(format!("活力指数无法计算：{e}"))),
    };

    Ok(Profile {
        demo: store.is_demo().await?,
        code,
        colour,
        lifecycle: Lifecycle {
            stage: town.stage.clone(),
            status: town.status.clone(),
            creation_batch,
            named_batch,
            events,
        },
        area: Area {
            planned_km2: town.planned_area_km2,
            measured_km2: own_check.and_then(|c| c.area_km2),
            boundary: boundary.and_then(|b| serde_json::from_str(&b).ok()),
        },
        industry: Industry {
            category: town.category.clone(),
            lead_industry: town.lead_industry.clone(),
            links: links
                .into_iter()
                .map(|(chain, segment, link, is_key, firms)| HeldLink {
                    chain,
                    segment,
                    link,
                    is_key: is_key == 1,
                    firms,
                })
                .collect(),
        },
        period,
        figures,
        targets_note,
        periods: periods.to_vec(),
        series,
        index,
        index_note,
        firms: firms(store, town.id).await?,
        projects: projects(store, town.id, period.map(|p| p.year)).await?,
        warnings,
        // Filled by `profile` on every call.
        media: Vec::new(),
        cases: cases::list(
            store,
            &cases::CaseFilter {
                town_id: Some(town.id),
                ..Default::default()
            },
        )
        .await?,
        town,
    })
}

/// The key figures of period `p`: the town's, its targets, and its category's and county's
/// medians.
async fn key_figures(
    store: &Store,
    town: &TownRow,
    p: Period,
    values: &HashMap<(&str, Period), (f64, String)>,
    catalogue: &HashMap<String, String>,
) -> Result<(Vec<KeyFigure>, Option<String>)> {
    let investment = crate::towns::investment_by_town(store, p.year, Some(town.id))
        .await?
        .get(&town.id)
        .copied();
    let own = figures::compute(|c| values.get(&(c, p)).map(|v| v.0), investment);
    let peers = figures::peers(store, p.year, p.quarter).await?;
    let targets: Vec<(String, i32, f64, String)> = sqlx::query_as(
        "SELECT key, year, target, source FROM town_targets WHERE town_id = ? AND year = ?",
    )
    .bind(town.id)
    .bind(p.year)
    .fetch_all(store.pool())
    .await?;
    let project_source = || {
        investment.map(|_| {
            if town.is_demo {
                DEMO_SOURCE.to_string()
            } else {
                "投资项目库".to_string()
            }
        })
    };
    let src = |code: &str| values.get(&(code, p)).map(|v| v.1.clone());
    let out = FIGURES
        .iter()
        .zip(own)
        .enumerate()
        .map(|(k, (f, value))| {
            let (kind, source) = match f.basis {
                Basis::Indicator(code) => (catalogue.get(code).map(String::as_str), src(code)),
                Basis::HousingShare => (None, project_source()),
                Basis::PerMu(code) => {
                    let both = [src(code), src(LAND)];
                    let mut names: Vec<String> = both.into_iter().flatten().collect();
                    names.dedup();
                    let kind = catalogue.get(code).map(String::as_str);
                    (kind, (!names.is_empty()).then(|| names.join("；")))
                }
            };
            KeyFigure {
                key: f.key,
                name: f.name,
                unit: f.unit,
                period: period_label(p, kind),
                value,
                source: value.and(source),
                target: targets.iter().find(|t| t.0 == f.key).map(|t| Target {
                    year: t.1,
                    value: t.2,
                    source: t.3.clone(),
                }),
                category_median: peers.median(k, |r| r.category == town.category),
                county_median: peers.median(k, |r| r.county_code == town.county_code),
            }
        })
        .collect();
    let note = targets.is_empty().then(|| {
        format!(
            "数据库中没有「{}」{} 年的目标值，各项指标仅与同类别、同县（市、区）小镇的中位数比较",
            town.name, p.year
        )
    });
    Ok((out, note))
}

/// The town's code (when assigned: the profile never assigns one), its colour by the town-code
/// rules and the rules that fired.
async fn code_and_warnings(
    store: &Store,
    town: &TownRow,
) -> Result<(String, Vec<Warning>, Option<CodeInfo>)> {
    let rules = code_town::rules(store)?;
    let facts = store
        .snapshot()
        .await?
        .get_or_load(
            "profile:code_facts",
            FactSource::load(store, rules.creation()),
        )
        .await?;
    let status = rules.evaluate(&facts.facts(town));
    let counties = registry::counties(store.pool()).await?;
    let code = registry::code_of(store.pool(), town.id, &counties)
        .await?
        .map(|c| CodeInfo {
            code: c.compact(),
            printed: c.to_string(),
        });
    let warnings = status
        .fired
        .iter()
        .map(|o| Warning {
            kind: "小镇码",
            colour: Some(o.colour.name().to_string()),
            text: o.detail.clone(),
        })
        .collect();
    Ok((status.colour.name().to_string(), warnings, code))
}

/// The latest year's index ranking, with each town's rank interval when `intervals` (a Monte
/// Carlo run over every town: seconds at demo scale 10), kept in the store's memo.
async fn index_ranking(store: &Store, intervals: bool) -> Result<Arc<Ranking>> {
    store
        .snapshot()
        .await?
        .get_or_load(
            &format!("profile:index_ranking:{intervals}"),
            town_index::ranking(
                store,
                RankingArgs {
                    intervals,
                    ..RankingArgs::default()
                },
            ),
        )
        .await
}

/// A town's 5%–95% rank interval in the latest index year. Separate from the profile so the
/// page is not held back by the Monte Carlo run after a change to the data.
pub async fn rank_interval(store: &Store, key: &str) -> Result<RankInterval> {
    let town = search::resolve(store, key).await?;
    let ranking = index_ranking(store, true).await?;
    Ok(RankInterval {
        town_id: town.id,
        year: ranking.period,
        interval: ranking
            .rows
            .iter()
            .find(|r| r.town_id == town.id)
            .and_then(|r| r.rank_interval),
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RankInterval {
    pub town_id: i64,
    pub year: i32,
    /// 5% and 95% rank (Monte Carlo, 300 runs, fixed seed); null when the town is not ranked.
    pub interval: Option<[f64; 2]>,
}

/// The latest ranked year's index of the town, its sub-indices and the province medians.
async fn index_part(store: &Store, town_id: i64) -> Result<Option<IndexPart>> {
    let ranking = index_ranking(store, false).await?;
    let Some(mine) = ranking.rows.iter().find(|r| r.town_id == town_id) else {
        return Ok(None);
    };
    let dimensions = ranking
        .dimensions
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let mut all: Vec<f64> = ranking
                .rows
                .iter()
                .filter_map(|r| r.dimensions[k])
                .collect();
            all.sort_unstable_by(f64::total_cmp);
            SubIndex {
                code: d.code.clone(),
                name: d.name.clone(),
                weight: d.weight,
                score: mine.dimensions[k],
                province_median: (!all.is_empty())
                    .then(|| crate::index::stats::quantile_sorted(&all, 0.5)),
            }
        })
        .collect();
    Ok(Some(IndexPart {
        methodology: ranking.methodology.clone(),
        year: ranking.period,
        score: mine.score,
        rank: mine.rank,
        of: ranking.rows.iter().filter(|r| r.rank.is_some()).count(),
        previous_rank: mine.previous_rank,
        rank_interval: None,
        dimensions,
    }))
}

/// The town's key firms: those with at least one of the tags, largest output first.
async fn firms(store: &Store, town_id: i64) -> Result<Vec<Firm>> {
    let flags = FIRM_TAGS.map(|(c, _)| format!("e.{c}")).join(", ");
    let sql = format!(
        "SELECT json_group_array(json_array(e.id, e.name, e.credit_code, e.industry,
                    CASE WHEN l.id IS NULL THEN NULL ELSE c.name || ' · ' || l.name END,
                    json_array({flags}), e.output_wan_yuan, e.tax_wan_yuan, e.employees, e.is_demo))
         FROM (SELECT * FROM enterprises e WHERE e.town_id = ? AND ({any})
               ORDER BY e.output_wan_yuan DESC, e.id) e
         LEFT JOIN chain_links l ON l.id = e.chain_link_id
         LEFT JOIN industry_chains c ON c.id = l.chain_id",
        any = FIRM_TAGS.map(|(c, _)| format!("e.{c} = 1")).join(" OR ")
    );
    let json: Option<String> = sqlx::query_scalar(&sql)
        .bind(town_id)
        .fetch_one(store.pool())
        .await?;
    type Row = (
        i64,
        String,
        String,
        String,
        Option<String>,
        [i64; 5],
        f64,
        f64,
        i64,
        i64,
    );
    let rows: Vec<Row> = parse_json_rows(json)?;
    Ok(rows
        .into_iter()
        .map(|r| Firm {
            id: r.0,
            name: r.1,
            credit_code: r.2,
            industry: r.3,
            link: r.4,
            tags: FIRM_TAGS
                .iter()
                .zip(r.5)
                .filter(|(_, on)| *on == 1)
                .map(|((_, tag), _)| *tag)
                .collect(),
            output_wan_yuan: r.6,
            tax_wan_yuan: r.7,
            employees: r.8,
            source: if r.9 == 1 {
                DEMO_SOURCE
            } else {
                "企业名录"
            }
            .to_string(),
        })
        .collect())
}

/// The town's investment projects, largest first, with what was invested up to `year`.
async fn projects(store: &Store, town_id: i64, year: Option<i32>) -> Result<Vec<Project>> {
    type Row = (
        i64,
        String,
        String,
        i64,
        f64,
        f64,
        Option<f64>,
        i32,
        i32,
        i64,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id, p.name, p.project_type, p.is_lead_industry, p.total_investment_wan_yuan,
                TOTAL(CASE WHEN ?2 IS NULL OR i.year <= ?2 THEN i.invested_wan_yuan END),
                SUM(CASE WHEN i.year = ?2 THEN i.invested_wan_yuan END),
                p.start_year, p.end_year, p.is_demo
         FROM investment_projects p LEFT JOIN project_investments i ON i.project_id = p.id
         WHERE p.town_id = ?1 GROUP BY p.id
         ORDER BY p.total_investment_wan_yuan DESC, p.id",
    )
    .bind(town_id)
    .bind(year)
    .fetch_all(store.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Project {
            id: r.0,
            name: r.1,
            project_type: r.2,
            is_lead_industry: r.3 == 1,
            total_investment_wan_yuan: r.4,
            invested_wan_yuan: r.5,
            invested_in_year_wan_yuan: r.6,
            start_year: r.7,
            end_year: r.8,
            source: if r.9 == 1 {
                DEMO_SOURCE
            } else {
                "投资项目库"
            }
            .to_string(),
        })
        .collect())
}

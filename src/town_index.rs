//! 特色小镇活力指数: the composite-indicator engine ([`crate::index`]) run over the towns in the
//! store, with methodology versions stored and their results kept in the store's memo.
//!
//! The default framework (`assets/index/`) is our own documented design — no official scheme is
//! public. Indicator and denominator codes of a framework are the codes of the store's indicator
//! catalogue; the group `category` is the town's industry category; one row per town and year,
//! from the year-end (quarter 4) figures.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::error::{Error, Result};
use crate::index::frame::{build_rows, parse_structure};
use crate::index::method::{AhpMatrix, WeightMethod};
use crate::index::uncertainty::{self, RankStats, UncertaintySpec};
use crate::index::{aggregate, compute, Frame, Method, NodeKind, Outcome, Structure};
use crate::store::Store;
use crate::towns::{load_all, TownRow};

pub const DEFAULT_META: &str = include_str!("../assets/index/vitality_meta.csv");
pub const DEFAULT_METHOD: &str = include_str!("../assets/index/vitality_method.toml");
pub const METHODOLOGY_NOTE: &str = include_str!("../assets/index/methodology.md");

/// One stored methodology version.
#[derive(Debug, Clone, Serialize)]
pub struct Methodology {
    pub version: i64,
    pub name: String,
    pub meta_csv: String,
    pub method_toml: String,
    pub note: String,
    pub created_at: String,
    pub is_current: bool,
}

impl Methodology {
    pub(crate) fn parse(&self) -> Result<(Structure, Method)> {
        let label = format!("方法版本 {} 的结构", self.version);
        let structure = parse_structure(&self.meta_csv, &label)?;
        let method = Method::parse(
            &self.method_toml,
            &format!("方法版本 {} 的方法", self.version),
        )?;
        Ok((structure, method))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VersionRef {
    pub version: i64,
    pub name: String,
}

/// Creates version 1 from the default framework on first use.
async fn ensure_default(store: &Store) -> Result<()> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM index_methodologies")
        .fetch_one(store.pool())
        .await?;
    if n == 0 {
        sqlx::query(
            "INSERT OR IGNORE INTO index_methodologies
                 (version, name, meta_csv, method_toml, note, created_at, is_current)
             VALUES (1, '默认方案（TownCockpit 自行设计）', ?, ?, ?, datetime('now'), 1)",
        )
        .bind(DEFAULT_META)
        .bind(DEFAULT_METHOD)
        .bind(METHODOLOGY_NOTE)
        .execute(store.pool())
        .await?;
    }
    Ok(())
}

/// A methodology version (the current one when `version` is None).
pub async fn methodology(store: &Store, version: Option<i64>) -> Result<Methodology> {
    ensure_default(store).await?;
    let row = sqlx::query(
        "SELECT version, name, meta_csv, method_toml, note, created_at, is_current
         FROM index_methodologies WHERE version = coalesce(?, (SELECT version FROM index_methodologies WHERE is_current = 1))",
    )
    .bind(version)
    .fetch_optional(store.pool())
    .await?
    .ok_or_else(|| {
        Error::not_found(format!(
            "活力指数方法版本 {}",
            version.map(|v| v.to_string()).unwrap_or_default()
        ))
    })?;
    Ok(Methodology {
        version: row.get(0),
        name: row.get(1),
        meta_csv: row.get(2),
        method_toml: row.get(3),
        note: row.get(4),
        created_at: row.get(5),
        is_current: row.get::<i64, _>(6) == 1,
    })
}

/// The towns' year-end values as an index data frame for `structure`.
pub(crate) async fn load_frame(
    store: &Store,
    structure: &Structure,
    towns: &[TownRow],
) -> Result<Frame> {
    let catalogue: Vec<String> = sqlx::query_scalar("SELECT code FROM indicators")
        .fetch_all(store.pool())
        .await?;
    let mut columns: Vec<String> = structure
        .indicators
        .iter()
        .map(|&i| structure.nodes[i].code.clone())
        .collect();
    columns.extend(structure.denominators.iter().cloned());
    for c in &columns {
        if !catalogue.contains(c) {
            return Err(Error::invalid(format!(
                "指数结构中的「{c}」不是指标目录中的代码"
            )));
        }
    }
    for g in &structure.groups {
        if g != "category" {
            return Err(Error::invalid(format!(
                "指数结构中的分组「{g}」不可用（小镇数据只有分组 category，即产业类别）"
            )));
        }
    }
    let col_of: HashMap<&str, usize> = columns
        .iter()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let rows = sqlx::query(
        "SELECT town_id, year, indicator_code, value FROM indicator_values
         WHERE quarter = 4 ORDER BY town_id, year",
    )
    .fetch_all(store.pool())
    .await?;
    let town_of: HashMap<i64, &TownRow> = towns.iter().map(|t| (t.id, t)).collect();
    let mut index: HashMap<(i64, i64), usize> = HashMap::new();
    let mut keys: Vec<(i64, i64)> = Vec::new();
    let mut cells: Vec<Vec<f64>> = Vec::new();
    for row in rows {
        let (town, year, code, value): (i64, i64, String, f64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        let Some(&k) = col_of.get(code.as_str()) else {
            continue;
        };
        if !town_of.contains_key(&town) {
            continue;
        }
        let r = *index.entry((town, year)).or_insert_with(|| {
            keys.push((town, year));
            cells.push(vec![f64::NAN; columns.len()]);
            keys.len() - 1
        });
        cells[r][k] = value;
    }
    if keys.is_empty() {
        return Err(Error::not_found(
            "小镇的年度指标数据（数据库中还没有第四季度的指标值）",
        ));
    }
    let n_ind = structure.indicators.len();
    let values = (0..n_ind)
        .map(|k| Arc::new(cells.iter().map(|c| c[k]).collect()))
        .collect();
    let denominators = structure
        .denominators
        .iter()
        .enumerate()
        .map(|(d, name)| (name.clone(), cells.iter().map(|c| c[n_ind + d]).collect()))
        .collect();
    let groups = structure
        .groups
        .iter()
        .map(|g| {
            (
                g.clone(),
                keys.iter()
                    .map(|(t, _)| town_of[t].category.clone())
                    .collect(),
            )
        })
        .collect();
    let rows = build_rows(
        keys.iter().map(|(t, _)| t.to_string()).collect(),
        keys.iter().map(|(t, _)| town_of[t].name.clone()).collect(),
        Some(keys.iter().map(|(_, y)| y.to_string()).collect()),
    );
    Ok(Frame {
        rows: Arc::new(rows),
        groups: Arc::new(groups),
        denominators,
        values,
    })
}

/// One result: a node's score and rank for a town in a year.
#[derive(Debug, Clone)]
struct ResultRow {
    year: i32,
    town_id: i64,
    node: String,
    score: Option<f64>,
    rank: Option<u32>,
}

fn results_of(structure: &Structure, out: &Outcome) -> Vec<ResultRow> {
    let rows = &out.normalised.rows;
    let by_period = rows.by_period();
    let mut res = Vec::new();
    for &a in &structure.aggregates {
        let score = &out.scores.scores[a];
        let rank = aggregate::rank_desc(score, &by_period);
        for r in 0..rows.len() {
            res.push(ResultRow {
                year: rows
                    .time
                    .as_ref()
                    .map(|t| t[r].parse().unwrap_or(0))
                    .unwrap_or(0),
                town_id: rows.unit[r].parse().unwrap_or(0),
                node: structure.nodes[a].code.clone(),
                score: Some(score[r]).filter(|v| !v.is_nan()),
                rank: rank[r],
            });
        }
    }
    res
}

/// Computes the results of a methodology over the store's data, off the async runtime.
async fn evaluate(
    store: &Store,
    m: &Methodology,
    towns: &[TownRow],
) -> Result<(Structure, Outcome)> {
    let (structure, method) = m.parse()?;
    let frame = load_frame(store, &structure, towns).await?;
    crate::offload::cpu(move || {
        let out = compute(&frame, &structure, &method)?;
        Ok((structure, out))
    })
    .await
}

/// What a methodology version gives over the store's current data: every aggregate's score and
/// rank per town and year, and the effective weights. Derived, never written: a read must not
/// write, so the results live in the store's memo, which drops them at the next commit anywhere
/// (any edit of values, towns or categories, by this program or another).
struct Evaluated {
    results: Vec<ResultRow>,
    effective: Vec<f64>,
}

async fn evaluated(store: &Store, m: &Methodology, towns: &[TownRow]) -> Result<Arc<Evaluated>> {
    // A version's framework and method never change once saved, so its number is the key.
    let key = format!("town_index:{}", m.version);
    store
        .snapshot()
        .await?
        .get_or_load(&key, async {
            let (structure, out) = evaluate(store, m, towns).await?;
            Ok(Evaluated {
                results: results_of(&structure, &out),
                effective: out.weights.effective,
            })
        })
        .await
}

// ---- views ------------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Dimension {
    pub code: String,
    pub name: String,
    /// Share of the dimension in the index.
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RankRow {
    pub rank: Option<u32>,
    pub town_id: i64,
    pub name: String,
    pub county: String,
    pub city: String,
    pub category: String,
    pub stage: String,
    pub score: Option<f64>,
    /// Dimension scores, in the order of `dimensions`.
    pub dimensions: Vec<Option<f64>>,
    pub previous_rank: Option<u32>,
    /// Places gained since the previous year (positive = up).
    pub rank_change: Option<i64>,
    /// 5%–95% rank interval from the uncertainty analysis, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rank_interval: Option<[f64; 2]>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub demo: bool,
    pub methodology: VersionRef,
    pub index: String,
    pub period: i32,
    pub periods: Vec<i32>,
    pub dimensions: Vec<Dimension>,
    pub rows: Vec<RankRow>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankingArgs {
    /// Year (the latest when absent).
    pub period: Option<i32>,
    pub version: Option<i64>,
    /// Adds each town's 5%–95% rank interval (Monte Carlo, 300 runs, fixed seed).
    #[serde(default)]
    pub intervals: bool,
}

fn dimensions_of(structure: &Structure, effective: &[f64]) -> Vec<Dimension> {
    structure.nodes[structure.root]
        .children
        .iter()
        .map(|&c| Dimension {
            code: structure.nodes[c].code.clone(),
            name: structure.nodes[c].name.clone(),
            weight: effective[c],
        })
        .collect()
}

/// A year's ranking before it is dressed as a view.
struct Built {
    period: i32,
    periods: Vec<i32>,
    dimensions: Vec<Dimension>,
    rows: Vec<RankRow>,
}

/// The year asked for (the latest of `periods` when none); a year without `what` is refused
/// with the years there are.
pub(crate) fn pick_year(periods: &[i32], period: Option<i32>, what: &str) -> Result<i32> {
    match period {
        Some(p) if periods.contains(&p) => Ok(p),
        Some(p) => Err(Error::not_found(format!(
            "{p} 年的{what}（可选年份：{}）",
            periods
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join("、")
        ))),
        None => periods
            .last()
            .copied()
            .ok_or_else(|| Error::not_found(what.to_string())),
    }
}

fn build_ranking(
    structure: &Structure,
    effective: &[f64],
    results: &[ResultRow],
    towns: &[TownRow],
    period: Option<i32>,
) -> Result<Built> {
    let mut periods: Vec<i32> = results.iter().map(|r| r.year).collect();
    periods.sort_unstable();
    periods.dedup();
    let year = pick_year(&periods, period, "活力指数结果")?;
    let dims = dimensions_of(structure, effective);
    let root = &structure.nodes[structure.root].code;
    let lookup: HashMap<(i32, i64, &str), &ResultRow> = results
        .iter()
        .map(|r| ((r.year, r.town_id, r.node.as_str()), r))
        .collect();
    let prev_year = periods.iter().rev().find(|&&y| y < year).copied();
    let mut rows: Vec<RankRow> = towns
        .iter()
        .filter_map(|t| {
            let own = lookup.get(&(year, t.id, root.as_str()))?;
            let previous_rank = prev_year
                .and_then(|y| lookup.get(&(y, t.id, root.as_str())))
                .and_then(|r| r.rank);
            Some(RankRow {
                rank: own.rank,
                town_id: t.id,
                name: t.name.clone(),
                county: t.county.clone(),
                city: t.city.clone(),
                category: t.category.clone(),
                stage: t.stage_at(year).unwrap_or(t.stage.as_str()).to_string(),
                score: own.score,
                dimensions: dims
                    .iter()
                    .map(|d| {
                        lookup
                            .get(&(year, t.id, d.code.as_str()))
                            .and_then(|r| r.score)
                    })
                    .collect(),
                previous_rank,
                rank_change: match (own.rank, previous_rank) {
                    (Some(a), Some(b)) => Some(i64::from(b) - i64::from(a)),
                    _ => None,
                },
                rank_interval: None,
            })
        })
        .collect();
    rows.sort_by_key(|r| (r.rank.unwrap_or(u32::MAX), r.town_id));
    Ok(Built {
        period: year,
        periods,
        dimensions: dims,
        rows,
    })
}

/// The ranking of a year under a stored methodology version.
pub async fn ranking(store: &Store, args: RankingArgs) -> Result<Ranking> {
    let m = methodology(store, args.version).await?;
    let towns = load_all(store).await?;
    let evaluated = evaluated(store, &m, &towns).await?;
    let (structure, _) = m.parse()?;
    let Built {
        period,
        periods,
        dimensions,
        mut rows,
    } = build_ranking(
        &structure,
        &evaluated.effective,
        &evaluated.results,
        &towns,
        args.period,
    )?;
    if args.intervals {
        add_intervals(store, &m, &towns, period, &mut rows).await?;
    }
    Ok(Ranking {
        demo: store.is_demo().await?,
        methodology: VersionRef {
            version: m.version,
            name: m.name.clone(),
        },
        index: structure.nodes[structure.root].name.clone(),
        period,
        periods,
        dimensions,
        rows,
    })
}

async fn add_intervals(
    store: &Store,
    m: &Methodology,
    towns: &[TownRow],
    year: i32,
    rows: &mut [RankRow],
) -> Result<()> {
    let spec = UncertaintySpec {
        runs: 300,
        seed: 1,
        ..UncertaintySpec::default()
    };
    let stats = rank_stats(store, m, towns, year, &spec).await?;
    for r in rows {
        r.rank_interval = stats.get(&r.town_id).map(|s| [s.q05, s.q95]);
    }
    Ok(())
}

/// Monte Carlo rank statistics of every town ranked in `year` under methodology `m`.
pub(crate) async fn rank_stats(
    store: &Store,
    m: &Methodology,
    towns: &[TownRow],
    year: i32,
    spec: &UncertaintySpec,
) -> Result<HashMap<i64, RankStats>> {
    let (structure, method) = m.parse()?;
    let frame = load_frame(store, &structure, towns).await?;
    let spec = spec.clone();
    let (_, stats) =
        crate::offload::cpu(move || uncertainty::run(&frame, &structure, &method, &spec)).await?;
    let year = year.to_string();
    Ok(stats
        .into_iter()
        .filter(|s| s.time.as_deref() == Some(year.as_str()))
        .filter_map(|s| Some((s.unit.parse().ok()?, s)))
        .collect())
}

// ---- one town ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownArgs {
    /// Town id or exact name.
    pub town: String,
    pub period: Option<i32>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RadarPoint {
    pub code: String,
    pub name: String,
    pub score: Option<f64>,
    pub province_median: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub year: i32,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub of: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownIndex {
    pub demo: bool,
    pub methodology: VersionRef,
    pub town_id: i64,
    pub name: String,
    pub county: String,
    pub city: String,
    pub category: String,
    pub period: i32,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub of: usize,
    pub previous_rank: Option<u32>,
    pub rank_change: Option<i64>,
    pub radar: Vec<RadarPoint>,
    pub trend: Vec<TrendPoint>,
}

pub async fn town(store: &Store, args: TownArgs) -> Result<TownIndex> {
    let m = methodology(store, args.version).await?;
    let towns = load_all(store).await?;
    let t = crate::towns::find(store, &args.town).await?;
    let evaluated = evaluated(store, &m, &towns).await?;
    let results = &evaluated.results;
    let (structure, _) = m.parse()?;
    let within: Vec<f64> = structure.nodes.iter().map(|n| n.weight).collect();
    let effective = crate::index::weights::effective(&structure, &within);
    let Built {
        period: year,
        periods,
        dimensions: dims,
        rows,
    } = build_ranking(&structure, &effective, results, &towns, args.period)?;
    let mine = rows.iter().find(|r| r.town_id == t.id);
    let radar = dims
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let mut all: Vec<f64> = rows.iter().filter_map(|r| r.dimensions[k]).collect();
            RadarPoint {
                code: d.code.clone(),
                name: d.name.clone(),
                score: mine.and_then(|r| r.dimensions[k]),
                province_median: (!all.is_empty()).then(|| {
                    all.sort_unstable_by(f64::total_cmp);
                    crate::index::stats::quantile_sorted(&all, 0.5)
                }),
            }
        })
        .collect();
    let root = &structure.nodes[structure.root].code;
    let trend = periods
        .iter()
        .map(|&y| {
            let of = results
                .iter()
                .filter(|r| r.year == y && &r.node == root && r.rank.is_some())
                .count();
            let own = results
                .iter()
                .find(|r| r.year == y && r.town_id == t.id && &r.node == root);
            TrendPoint {
                year: y,
                score: own.and_then(|r| r.score),
                rank: own.and_then(|r| r.rank),
                of,
            }
        })
        .collect();
    Ok(TownIndex {
        demo: store.is_demo().await?,
        methodology: VersionRef {
            version: m.version,
            name: m.name.clone(),
        },
        town_id: t.id,
        name: t.name.clone(),
        county: t.county.clone(),
        city: t.city.clone(),
        category: t.category.clone(),
        period: year,
        score: mine.and_then(|r| r.score),
        rank: mine.and_then(|r| r.rank),
        of: rows.iter().filter(|r| r.rank.is_some()).count(),
        previous_rank: mine.and_then(|r| r.previous_rank),
        rank_change: mine.and_then(|r| r.rank_change),
        radar,
        trend,
    })
}

// ---- methodology ------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MethodologyArgs {
    pub version: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeInfo {
    pub code: String,
    pub name: String,
    pub level: u32,
    pub kind: &'static str,
    pub parent: Option<String>,
    pub weight: f64,
    pub effective_weight: f64,
    pub direction: f64,
    pub denominator: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MethodologyView {
    pub version: i64,
    pub name: String,
    pub created_at: String,
    pub is_current: bool,
    pub note: String,
    pub method: Method,
    pub method_toml: String,
    pub meta_csv: String,
    pub nodes: Vec<NodeInfo>,
    pub versions: Vec<VersionRef>,
}

pub async fn methodology_view(store: &Store, args: MethodologyArgs) -> Result<MethodologyView> {
    let m = methodology(store, args.version).await?;
    let (structure, method) = m.parse()?;
    let within: Vec<f64> = structure.nodes.iter().map(|n| n.weight).collect();
    let effective = crate::index::weights::effective(&structure, &within);
    let versions = sqlx::query("SELECT version, name FROM index_methodologies ORDER BY version")
        .fetch_all(store.pool())
        .await?
        .into_iter()
        .map(|r| VersionRef {
            version: r.get(0),
            name: r.get(1),
        })
        .collect();
    let nodes = structure
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeInfo {
            code: n.code.clone(),
            name: n.name.clone(),
            level: n.level,
            kind: if n.kind == NodeKind::Indicator {
                "indicator"
            } else {
                "aggregate"
            },
            parent: n.parent.map(|p| structure.nodes[p].code.clone()),
            weight: n.weight,
            effective_weight: effective[i],
            direction: n.direction,
            denominator: n.denominator.clone(),
        })
        .collect();
    Ok(MethodologyView {
        version: m.version,
        name: m.name,
        created_at: m.created_at,
        is_current: m.is_current,
        note: m.note,
        method,
        method_toml: m.method_toml,
        meta_csv: m.meta_csv,
        nodes,
        versions,
    })
}

// ---- recompute with edits -----------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecomputeArgs {
    /// The version edited (the current one when absent).
    pub version: Option<i64>,
    /// New weights by node code (indicators or aggregates).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Weighting method to switch to (e.g. "entropy", "ahp").
    pub weight_method: Option<WeightMethod>,
    /// AHP matrices by aggregate code (switches the method to AHP).
    #[serde(default)]
    pub ahp: BTreeMap<String, AhpMatrix>,
    pub period: Option<i32>,
    /// Save as a new methodology version and make it current.
    #[serde(default)]
    pub save: bool,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recomputed {
    /// The new version when saved.
    pub saved: Option<VersionRef>,
    pub ranking: Ranking,
    pub ahp: Vec<crate::index::weights::AhpReport>,
}

/// Rewrites the `Weight` column of a structure CSV for the given codes.
fn reweight(meta_csv: &str, weights: &BTreeMap<String, f64>) -> Result<String> {
    let mut reader = csv::Reader::from_reader(meta_csv.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid(format!("指数结构无法读取：{e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (c_code, c_weight) = (
        col("iCode").ok_or_else(|| Error::invalid("指数结构缺少 iCode 列"))?,
        col("Weight").ok_or_else(|| Error::invalid("指数结构缺少 Weight 列"))?,
    );
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| Error::invalid(format!("指数结构无法改写：{e}"));
    writer.write_record(&headers).map_err(fail)?;
    let mut used = 0;
    for rec in reader.records() {
        let rec = rec.map_err(fail)?;
        let mut cells: Vec<String> = rec.iter().map(String::from).collect();
        if let Some(w) = weights.get(&cells[c_code]) {
            if !(w.is_finite() && *w >= 0.0) {
                return Err(Error::invalid(format!(
                    "「{}」的权重应为非负数，而不是 {w}",
                    cells[c_code]
                )));
            }
            cells[c_weight] = w.to_string();
            used += 1;
        }
        writer.write_record(&cells).map_err(fail)?;
    }
    if used < weights.len() {
        let structure = parse_structure(meta_csv, "指数结构")?;
        let unknown: Vec<&str> = weights
            .keys()
            .filter(|k| structure.node(k).is_none())
            .map(String::as_str)
            .collect();
        return Err(Error::invalid(format!(
            "调整权重的「{}」不在指标体系中",
            unknown.join("、")
        )));
    }
    String::from_utf8(
        writer
            .into_inner()
            .map_err(|e| Error::invalid(e.to_string()))?,
    )
    .map_err(|e| Error::invalid(e.to_string()))
}

pub async fn recompute(store: &Store, args: RecomputeArgs) -> Result<Recomputed> {
    let base = methodology(store, args.version).await?;
    let meta_csv = reweight(&base.meta_csv, &args.weights)?;
    let mut method = Method::parse(&base.method_toml, "方法")?;
    if let Some(wm) = args.weight_method {
        method.weights.method = wm;
    }
    if !args.ahp.is_empty() {
        method.weights.method = WeightMethod::Ahp;
        method.weights.ahp = args.ahp.clone();
    }
    let method_toml =
        toml::to_string(&method).map_err(|e| Error::invalid(format!("方法无法保存：{e}")))?;
    let edited = Methodology {
        meta_csv,
        method_toml,
        ..base.clone()
    };
    let towns = load_all(store).await?;
    let (structure, out) = evaluate(store, &edited, &towns).await?;
    let results = results_of(&structure, &out);
    let saved = if args.save {
        Some(save_version(store, &base, &edited, args.name.as_deref()).await?)
    } else {
        None
    };
    let Built {
        period,
        periods,
        dimensions,
        rows,
    } = build_ranking(
        &structure,
        &out.weights.effective,
        &results,
        &towns,
        args.period,
    )?;
    let version = saved.clone().unwrap_or(VersionRef {
        version: base.version,
        name: format!("{}（未保存的调整）", base.name),
    });
    Ok(Recomputed {
        saved,
        ranking: Ranking {
            demo: store.is_demo().await?,
            methodology: version,
            index: structure.nodes[structure.root].name.clone(),
            period,
            periods,
            dimensions,
            rows,
        },
        ahp: out.weights.ahp.clone(),
    })
}

/// Saves `edited` as the next methodology version and makes it current. The number is taken
/// inside the write transaction (`BEGIN IMMEDIATE`), so two saves at once get two versions.
async fn save_version(
    store: &Store,
    base: &Methodology,
    edited: &Methodology,
    name: Option<&str>,
) -> Result<VersionRef> {
    let mut tx = store.pool().begin_with("BEGIN IMMEDIATE").await?;
    let version: i64 =
        sqlx::query_scalar("SELECT coalesce(max(version), 0) + 1 FROM index_methodologies")
            .fetch_one(&mut *tx)
            .await?;
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| format!("版本 {version}（基于版本 {} 调整）", base.version));
    sqlx::query("UPDATE index_methodologies SET is_current = 0 WHERE is_current = 1")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO index_methodologies (version, name, meta_csv, method_toml, note, created_at, is_current)
         VALUES (?, ?, ?, ?, ?, datetime('now'), 1)",
    )
    .bind(version)
    .bind(&name)
    .bind(&edited.meta_csv)
    .bind(&edited.method_toml)
    .bind(&base.note)
    .execute(&mut *tx)
    .await?;
    crate::store::audit(
        &mut tx,
        "insert",
        "index_methodologies",
        Some(&version.to_string()),
        1,
        &format!(
            "保存活力指数方法版本 {version}「{name}」（基于版本 {}）",
            base.version
        ),
        &crate::store::actor("index_recompute"),
    )
    .await?;
    tx.commit().await?;
    Ok(VersionRef { version, name })
}

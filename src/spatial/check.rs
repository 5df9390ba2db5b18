//! The spatial guardrails over the store (底线约束): each town's geodesic area against the 5 km²
//! rule for named towns, its overlap with each control line and with other towns. The report is
//! derived, never written: it is kept in the store's memo until the next commit anywhere (a new
//! boundary or layer included), for the map, the warnings and the town code's colour.

use std::collections::HashMap;
use std::sync::Arc;

use geo::MultiPolygon;
use serde::Serialize;

use super::overlay::{overlay, LayerResult, TownShape};
use super::repo::{layer_info, load_boundaries, load_layers, to_geojson};
use super::ControlKind;
use crate::error::Result;
use crate::store::Store;
use crate::towns::{load_all, TownRow};

/// The guidance: a named town's area is in principle at most 5 km² (原则上不超过5平方公里).
pub const AREA_LIMIT_KM2: f64 = 5.0;

#[derive(Debug, Clone, Serialize)]
pub struct OverlapRef {
    pub town_id: i64,
    pub name: String,
    pub area_km2: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownCheck {
    pub town_id: i64,
    pub name: String,
    pub county_code: String,
    pub stage: String,
    /// `None` when the town has no boundary (四至范围) yet.
    pub area_km2: Option<f64>,
    pub over_area_limit: bool,
    pub layers: Vec<LayerResult>,
    pub overlaps: Vec<OverlapRef>,
    /// Chinese, one per problem; empty when the town passes every check.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    pub kind: ControlKind,
    pub label: &'static str,
    pub source: String,
    pub is_demo: bool,
    pub polygons: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub towns: usize,
    pub with_boundary: usize,
    pub flagged: usize,
    pub over_area_limit: usize,
    pub redline: usize,
    pub farmland: usize,
    pub urban: usize,
    pub overlapping: usize,
}

/// A violating piece for display: which town, which rule, the geometry (GeoJSON).
#[derive(Debug, Clone, Serialize)]
pub struct Piece {
    pub town_id: i64,
    /// `redline`/`farmland`/`urban`, or `town` for an overlap with another town.
    pub kind: String,
    pub geometry: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    pub demo: bool,
    pub area_limit_km2: f64,
    pub layers: Vec<LayerInfo>,
    pub summary: Summary,
    pub towns: Vec<TownCheck>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pieces: Vec<Piece>,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Evaluates `towns` against `layers`; pure, no store.
pub fn evaluate(
    towns: &[TownRow],
    boundaries: &HashMap<i64, MultiPolygon<f64>>,
    layers: &[super::overlay::ControlLayer],
    with_pieces: bool,
) -> (Vec<TownCheck>, Vec<Piece>) {
    let shapes: Vec<TownShape> = towns
        .iter()
        .filter_map(|t| {
            boundaries.get(&t.id).map(|b| TownShape {
                id: t.id,
                name: t.name.clone(),
                shape: b.clone(),
            })
        })
        .collect();
    let report = overlay(&shapes, layers);
    let mut by_id: HashMap<i64, super::overlay::TownResult> =
        report.towns.into_iter().map(|r| (r.town_id, r)).collect();
    let mut overlaps: HashMap<i64, Vec<OverlapRef>> = HashMap::new();
    let mut pieces = Vec::new();
    for o in &report.overlaps {
        overlaps.entry(o.a).or_default().push(OverlapRef {
            town_id: o.b,
            name: o.b_name.clone(),
            area_km2: o.area_km2,
        });
        overlaps.entry(o.b).or_default().push(OverlapRef {
            town_id: o.a,
            name: o.a_name.clone(),
            area_km2: o.area_km2,
        });
        if with_pieces {
            pieces.push(piece(o.a, "town", &o.pieces));
        }
    }

    let checks = towns
        .iter()
        .map(|t| {
            let result = by_id.remove(&t.id);
            let area = result.as_ref().map(|r| r.area_km2);
            let over = t.stage == crate::vocab::NAMED && area.is_some_and(|a| a > AREA_LIMIT_KM2);
            let mut flags = Vec::new();
            if result.is_none() {
                flags.push("尚无四至范围（边界），无法检查面积与控制线".to_string());
            }
            if let (true, Some(a)) = (over, area) {
                flags.push(format!(
                    "命名小镇面积 {a:.2} km²，超过 {AREA_LIMIT_KM2} 平方公里"
                ));
            }
            let layers = result.map(|r| r.layers).unwrap_or_default();
            for l in layers.iter().filter(|l| l.violation) {
                flags.push(if l.kind.violation_is_outside() {
                    format!(
                        "有 {:.3} km²（{}）位于{}之外",
                        l.violation_km2,
                        pct(l.violation_share),
                        l.label
                    )
                } else {
                    format!(
                        "压占{} {:.3} km²（{}）",
                        l.label,
                        l.violation_km2,
                        pct(l.violation_share)
                    )
                });
                if with_pieces {
                    pieces.push(piece(t.id, l.kind.key(), &l.pieces));
                }
            }
            let overlaps = overlaps.remove(&t.id).unwrap_or_default();
            for o in &overlaps {
                flags.push(format!("与「{}」边界重叠 {:.3} km²", o.name, o.area_km2));
            }
            TownCheck {
                town_id: t.id,
                name: t.name.clone(),
                county_code: t.county_code.clone(),
                stage: t.stage.clone(),
                area_km2: area,
                over_area_limit: over,
                layers,
                overlaps,
                flags,
            }
        })
        .collect();
    (checks, pieces)
}

fn piece(town_id: i64, kind: &str, shape: &MultiPolygon<f64>) -> Piece {
    Piece {
        town_id,
        kind: kind.to_string(),
        geometry: serde_json::from_str(&to_geojson(shape)).unwrap_or(serde_json::Value::Null),
    }
}

pub fn summarise(towns: &[TownCheck]) -> Summary {
    let violates =
        |t: &TownCheck, k: ControlKind| t.layers.iter().any(|l| l.kind == k && l.violation);
    Summary {
        towns: towns.len(),
        with_boundary: towns.iter().filter(|t| t.area_km2.is_some()).count(),
        flagged: towns
            .iter()
            .filter(|t| t.area_km2.is_some() && !t.flags.is_empty())
            .count(),
        over_area_limit: towns.iter().filter(|t| t.over_area_limit).count(),
        redline: towns
            .iter()
            .filter(|t| violates(t, ControlKind::Redline))
            .count(),
        farmland: towns
            .iter()
            .filter(|t| violates(t, ControlKind::Farmland))
            .count(),
        urban: towns
            .iter()
            .filter(|t| violates(t, ControlKind::Urban))
            .count(),
        overlapping: towns.iter().filter(|t| !t.overlaps.is_empty()).count(),
    }
}

/// Every check over the store, kept in the store's memo while the data is unchanged: drilling
/// down the map, the code colours and the check command all reuse one run, and none writes.
pub async fn report(store: &Store, with_pieces: bool) -> Result<Arc<CheckReport>> {
    let key = if with_pieces {
        "spatial_check:pieces"
    } else {
        "spatial_check"
    };
    store
        .snapshot()
        .await?
        .get_or_load(key, compute(store, with_pieces))
        .await
}

/// Runs every check over the store (the overlays off the async runtime).
async fn compute(store: &Store, with_pieces: bool) -> Result<CheckReport> {
    let towns = load_all(store).await?;
    let boundaries = load_boundaries(store).await?;
    let layers = load_layers(store).await?;
    let towns_demo = towns.iter().any(|t| t.is_demo);
    let (checks, pieces) =
        crate::offload::cpu(move || Ok(evaluate(&towns, &boundaries, &layers, with_pieces)))
            .await?;
    let mut layers = layer_info(store)
        .await?
        .into_iter()
        .map(|(kind, source, is_demo, polygons)| LayerInfo {
            kind,
            label: kind.label(),
            source,
            is_demo,
            polygons,
        })
        .collect::<Vec<_>>();
    layers.sort_by_key(|l| l.kind);
    let demo = towns_demo || layers.iter().any(|l| l.is_demo);
    Ok(CheckReport {
        demo,
        area_limit_km2: AREA_LIMIT_KM2,
        layers,
        summary: summarise(&checks),
        towns: checks,
        pieces,
    })
}

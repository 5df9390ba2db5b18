//! Overlay of town boundaries with the control-line layers (三条控制线) and with each other.
//!
//! Each layer is indexed once in an R-tree of polygon bounding boxes, so a town is only ever
//! clipped against the few polygons near it; towns are processed in parallel. Areas are
//! geodesic (see [`super::area`]); the clipped pieces are kept so the map can draw them.

use geo::bool_ops::FillRule;
use geo::{BooleanOps, BoundingRect, MultiPolygon, Polygon, Rect};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;

use super::area::multipolygon_km2;
use super::ControlKind;

/// Overlaps smaller than this (km², i.e. 1,000 m²) are digitising slivers along shared edges,
/// not violations.
pub const SLIVER_KM2: f64 = 0.001;

type Indexed = GeomWithData<Rectangle<[f64; 2]>, usize>;

fn envelope(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// Polygons indexed by their bounding boxes.
pub struct PolygonIndex {
    polygons: Vec<Polygon<f64>>,
    tree: RTree<Indexed>,
}

impl PolygonIndex {
    pub fn new(polygons: Vec<Polygon<f64>>) -> Self {
        let boxes = polygons
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.bounding_rect().map(|r| {
                    let e = envelope(r);
                    GeomWithData::new(Rectangle::from_corners(e.lower(), e.upper()), i)
                })
            })
            .collect();
        PolygonIndex {
            polygons,
            tree: RTree::bulk_load(boxes),
        }
    }

    pub fn len(&self) -> usize {
        self.polygons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.polygons.is_empty()
    }

    pub fn polygons(&self) -> &[Polygon<f64>] {
        &self.polygons
    }

    /// Indices of the polygons whose bounding box meets `rect`.
    pub fn near(&self, rect: Rect<f64>) -> impl Iterator<Item = usize> + '_ {
        self.tree
            .locate_in_envelope_intersecting(&envelope(rect))
            .map(|g| g.data)
    }

    /// The polygons near `rect`, as one multipolygon.
    fn near_as_multi(&self, rect: Rect<f64>) -> MultiPolygon<f64> {
        MultiPolygon(self.near(rect).map(|i| self.polygons[i].clone()).collect())
    }
}

/// One control-line layer, ready for overlay.
pub struct ControlLayer {
    pub kind: ControlKind,
    pub index: PolygonIndex,
}

impl ControlLayer {
    pub fn new(kind: ControlKind, polygons: Vec<Polygon<f64>>) -> Self {
        ControlLayer {
            kind,
            index: PolygonIndex::new(polygons),
        }
    }
}

/// A town's boundary as the overlay sees it.
#[derive(Debug, Clone)]
pub struct TownShape {
    pub id: i64,
    pub name: String,
    pub shape: MultiPolygon<f64>,
}

/// A town against one layer.
#[derive(Debug, Clone, Serialize)]
pub struct LayerResult {
    pub kind: ControlKind,
    pub label: &'static str,
    /// Area of the town inside the layer, km².
    pub overlap_km2: f64,
    /// `overlap_km2` over the town's area.
    pub overlap_share: f64,
    /// Area that breaks the rule, km²: inside the layer for 红线 and 基本农田, outside it for
    /// 城镇开发边界.
    pub violation_km2: f64,
    pub violation_share: f64,
    pub violation: bool,
    /// The violating pieces, for display.
    #[serde(skip)]
    pub pieces: MultiPolygon<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownResult {
    pub town_id: i64,
    pub name: String,
    pub area_km2: f64,
    pub layers: Vec<LayerResult>,
}

/// Two towns whose boundaries overlap.
#[derive(Debug, Clone, Serialize)]
pub struct TownOverlap {
    pub a: i64,
    pub a_name: String,
    pub b: i64,
    pub b_name: String,
    pub area_km2: f64,
    #[serde(skip)]
    pub pieces: MultiPolygon<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OverlayReport {
    pub towns: Vec<TownResult>,
    pub overlaps: Vec<TownOverlap>,
}

/// Overlays every town with every layer and with the other towns.
pub fn overlay(towns: &[TownShape], layers: &[ControlLayer]) -> OverlayReport {
    let results = towns
        .par_iter()
        .map(|t| town_against_layers(t, layers))
        .collect();
    OverlayReport {
        towns: results,
        overlaps: towns_overlapping(towns),
    }
}

fn town_against_layers(town: &TownShape, layers: &[ControlLayer]) -> TownResult {
    let area = multipolygon_km2(&town.shape);
    let share = |x: f64| if area > 0.0 { x / area } else { 0.0 };
    let layers = layers
        .iter()
        .map(|layer| {
            let near = town
                .shape
                .bounding_rect()
                .map(|r| layer.index.near_as_multi(r))
                .unwrap_or_else(|| MultiPolygon(vec![]));
            // NonZero so that overlapping polygons within a user layer count once.
            let (overlap_km2, pieces) = if layer.kind.violation_is_outside() {
                let outside = town.shape.boolean_op_with_fill_rule(
                    &near,
                    geo::OpType::Difference,
                    FillRule::NonZero,
                );
                let outside_km2 = multipolygon_km2(&outside);
                ((area - outside_km2).max(0.0), outside)
            } else {
                let inside = town
                    .shape
                    .intersection_with_fill_rule(&near, FillRule::NonZero);
                (multipolygon_km2(&inside), inside)
            };
            let violation_km2 = multipolygon_km2(&pieces);
            LayerResult {
                kind: layer.kind,
                label: layer.kind.label(),
                overlap_km2,
                overlap_share: share(overlap_km2),
                violation_km2,
                violation_share: share(violation_km2),
                violation: violation_km2 >= SLIVER_KM2,
                pieces,
            }
        })
        .collect();
    TownResult {
        town_id: town.id,
        name: town.name.clone(),
        area_km2: area,
        layers,
    }
}

/// Pairs of towns that overlap by at least [`SLIVER_KM2`], each pair once (a before b in input
/// order).
pub fn towns_overlapping(towns: &[TownShape]) -> Vec<TownOverlap> {
    let boxes: Vec<Option<Rect<f64>>> = towns.iter().map(|t| t.shape.bounding_rect()).collect();
    let tree: RTree<Indexed> = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                r.map(|r| {
                    let e = envelope(r);
                    GeomWithData::new(Rectangle::from_corners(e.lower(), e.upper()), i)
                })
            })
            .collect(),
    );
    let mut found: Vec<TownOverlap> = (0..towns.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let Some(r) = boxes[i] else { return vec![] };
            tree.locate_in_envelope_intersecting(&envelope(r))
                .map(|g| g.data)
                .filter(|&j| j > i)
                .filter_map(|j| {
                    let pieces = towns[i].shape.intersection(&towns[j].shape);
                    let area_km2 = multipolygon_km2(&pieces);
                    (area_km2 >= SLIVER_KM2).then(|| TownOverlap {
                        a: towns[i].id,
                        a_name: towns[i].name.clone(),
                        b: towns[j].id,
                        b_name: towns[j].name.clone(),
                        area_km2,
                        pieces,
                    })
                })
                .collect::<Vec<_>>()
        })
        .collect();
    found.sort_by_key(|o| (o.a, o.b));
    found
}

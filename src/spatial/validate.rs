//! Validation of imported boundaries, before anything is written: WGS84 longitude/latitude in
//! range (projected metres are refused with a hint), valid polygons (trivial faults repaired,
//! self-intersections refused with ring and vertex named), and containment in the named county.
//! Every message is Chinese and starts with the place (file, feature) it is about.

use geo::algorithm::validation::{InvalidMultiPolygon, InvalidPolygon, RingRole};
use geo::bool_ops::FillRule;
use geo::line_intersection::{line_intersection, LineIntersection};
use geo::{
    BooleanOps, Coord, Line, LineString, MultiPolygon, OpType, Orient, Polygon,
    RemoveRepeatedPoints, Validation,
};

use super::area::multipolygon_km2;
use crate::error::{Error, Result};

/// Share of a town's area that may lie outside its county: the bundled county outlines are
/// generalised (about 100 vertices each), so a true boundary can cross them slightly.
pub const COUNTY_TOLERANCE: f64 = 0.10;

/// Where a feature came from, for messages: `文件「a.geojson」第 3 个要素（梦想小镇）`.
#[derive(Debug, Clone)]
pub struct Place {
    pub file: String,
    /// 1-based feature number.
    pub feature: usize,
    pub name: Option<String>,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "文件「{}」第 {} 个要素", self.file, self.feature)?;
        if let Some(n) = &self.name {
            write!(f, "（{n}）")?;
        }
        Ok(())
    }
}

/// Refuses coordinates that are not finite WGS84 longitude/latitude.
pub fn check_lonlat(place: &Place, mp: &MultiPolygon<f64>) -> Result<()> {
    for c in mp.0.iter().flat_map(rings).flat_map(|r| r.0.iter()) {
        if !c.x.is_finite() || !c.y.is_finite() {
            return Err(Error::invalid(format!(
                "{place}：坐标含有非数值（NaN 或无穷大）"
            )));
        }
        if c.x.abs() > 180.0 || c.y.abs() > 90.0 {
            let hint = if (73.0..=136.0).contains(&c.y) && (3.0..=54.0).contains(&c.x) {
                "经纬度似乎颠倒了：GeoJSON 要求先经度、后纬度"
            } else {
                "数值超出经度 ±180°、纬度 ±90° 的范围，看起来是投影坐标（单位为米，如 CGCS2000 高斯-克吕格投影）。\
                 请先在 GIS 软件中转换为 WGS84 或 CGCS2000 经纬度（EPSG:4326 / EPSG:4490）再导入"
            };
            return Err(Error::invalid(format!(
                "{place}：坐标 ({}, {}) 不是经纬度，{hint}",
                c.x, c.y
            )));
        }
    }
    Ok(())
}

fn rings(p: &Polygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    std::iter::once(p.exterior()).chain(p.interiors())
}

fn ring_name(role: &RingRole) -> String {
    match role {
        RingRole::Exterior => "外环".to_string(),
        RingRole::Interior(i) => format!("第 {} 个内环（洞）", i + 1),
    }
}

fn ring_of<'a>(p: &'a Polygon<f64>, role: &RingRole) -> &'a LineString<f64> {
    match role {
        RingRole::Exterior => p.exterior(),
        RingRole::Interior(i) => &p.interiors()[*i],
    }
}

/// The first pair of non-adjacent edges of a closed ring that meet: (vertex index starting each
/// edge, 1-based, and the meeting point).
pub fn find_self_intersection(ring: &LineString<f64>) -> Option<(usize, usize, Coord<f64>)> {
    let edges: Vec<Line<f64>> = ring.lines().collect();
    let n = edges.len();
    for i in 0..n {
        for j in (i + 2)..n {
            // The first and last edges share the closing vertex.
            if i == 0 && j == n - 1 {
                continue;
            }
            let (a, b) = (edges[i], edges[j]);
            let at = match line_intersection(a, b) {
                None => continue,
                // Edges meeting only at a vertex they share (around a repeated vertex) are fine.
                Some(LineIntersection::SinglePoint { intersection, .. })
                    if [a.start, a.end].contains(&intersection)
                        && [b.start, b.end].contains(&intersection) =>
                {
                    continue
                }
                Some(LineIntersection::SinglePoint { intersection, .. }) => intersection,
                Some(LineIntersection::Collinear { intersection }) => intersection.start,
            };
            return Some((i + 1, j + 1, at));
        }
    }
    None
}

/// Repairs what can be repaired without changing the shape (repeated vertices, ring orientation)
/// and refuses anything else, saying which polygon, ring and vertex.
pub fn repair(place: &Place, mp: MultiPolygon<f64>) -> Result<MultiPolygon<f64>> {
    if mp.0.is_empty() {
        return Err(Error::invalid(format!("{place}：几何为空，没有任何多边形")));
    }
    // Faults are located in the file's own vertex numbering, so keep the shape as read.
    let original = mp.clone();
    let mp = mp
        .remove_repeated_points()
        .orient(geo::orient::Direction::Default);
    let many = mp.0.len() > 1;
    let part = |k: usize| {
        if many {
            format!("第 {} 个多边形的", k + 1)
        } else {
            String::new()
        }
    };
    for (k, p) in mp.0.iter().enumerate() {
        for (r, ring) in rings(p).enumerate() {
            // A closed ring needs three distinct vertices plus the closing one.
            if ring.0.len() < 4 {
                let role = if r == 0 {
                    RingRole::Exterior
                } else {
                    RingRole::Interior(r - 1)
                };
                return Err(Error::invalid(format!(
                    "{place}：{}{}只有 {} 个不同的顶点，至少需要 3 个",
                    part(k),
                    ring_name(&role),
                    ring.0.len().saturating_sub(1)
                )));
            }
        }
    }
    let Some(err) = mp.validation_errors().into_iter().next() else {
        return Ok(mp);
    };
    let msg = match err {
        InvalidMultiPolygon::InvalidPolygon(k, e) => {
            let what = describe_polygon_fault(&original.0[k.0], &e);
            format!("{place}：{}{what}", part(k.0))
        }
        InvalidMultiPolygon::ElementsOverlaps(a, b) => format!(
            "{place}：第 {} 个与第 {} 个多边形相互重叠，请合并为一个多边形",
            a.0 + 1,
            b.0 + 1
        ),
        InvalidMultiPolygon::ElementsTouchOnALine(a, b) => format!(
            "{place}：第 {} 个与第 {} 个多边形沿边相接，请合并为一个多边形",
            a.0 + 1,
            b.0 + 1
        ),
    };
    Err(Error::invalid(msg))
}

fn describe_polygon_fault(p: &Polygon<f64>, e: &InvalidPolygon) -> String {
    match e {
        InvalidPolygon::SelfIntersection(role) => {
            match find_self_intersection(ring_of(p, role)) {
                Some((i, j, at)) => format!(
                    "{}自相交：从第 {i} 个顶点起的边与从第 {j} 个顶点起的边相交于 ({:.6}, {:.6})，请修正后再导入",
                    ring_name(role),
                    at.x,
                    at.y
                ),
                None => format!("{}自相交，请修正后再导入", ring_name(role)),
            }
        }
        InvalidPolygon::TooFewPointsInRing(role) => {
            format!("{}不同的顶点不足 3 个", ring_name(role))
        }
        InvalidPolygon::NonFiniteCoord(role, idx) => {
            format!("{}第 {} 个顶点坐标不是有限数值", ring_name(role), idx.0 + 1)
        }
        InvalidPolygon::InteriorRingNotContainedInExteriorRing(role) => {
            format!("{}不在外环之内", ring_name(role))
        }
        InvalidPolygon::IntersectingRingsOnALine(a, b) => {
            format!("{}与{}沿边相交", ring_name(a), ring_name(b))
        }
        InvalidPolygon::IntersectingRingsOnAnArea(a, b) => {
            format!("{}与{}相互重叠", ring_name(a), ring_name(b))
        }
    }
}

/// Share of `shape`'s area outside `region` (0 when `shape` has no area).
pub fn share_outside(shape: &MultiPolygon<f64>, region: &MultiPolygon<f64>) -> f64 {
    let total = multipolygon_km2(shape);
    if total <= 0.0 {
        return 0.0;
    }
    let outside = shape.boolean_op_with_fill_rule(region, OpType::Difference, FillRule::NonZero);
    multipolygon_km2(&outside) / total
}

/// Refuses a town boundary that lies (beyond [`COUNTY_TOLERANCE`]) outside its county.
pub fn check_inside(
    place: &Place,
    shape: &MultiPolygon<f64>,
    county_name: &str,
    county: &MultiPolygon<f64>,
) -> Result<()> {
    let out = share_outside(shape, county);
    if out > COUNTY_TOLERANCE {
        return Err(Error::invalid(format!(
            "{place}：边界有 {:.1}% 的面积位于所属的「{county_name}」之外（允许误差 {:.0}%），请核对边界或所属县（市、区）",
            out * 100.0,
            COUNTY_TOLERANCE * 100.0
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    fn place() -> Place {
        Place {
            file: "t.geojson".into(),
            feature: 2,
            name: Some("甲镇".into()),
        }
    }

    #[test]
    fn bow_tie_is_refused_with_its_vertices() {
        let bow = polygon![(x: 120.0, y: 30.0), (x: 120.1, y: 30.1), (x: 120.1, y: 30.0), (x: 120.0, y: 30.1)];
        let err = repair(&place(), MultiPolygon(vec![bow]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("第 2 个要素（甲镇）"), "{err}");
        assert!(err.contains("外环自相交"), "{err}");
        assert!(err.contains("(120.050000, 30.050000)"), "{err}");
        // Vertices are numbered as in the file, even though the ring is re-oriented on import.
        assert!(
            err.contains("从第 1 个顶点起的边与从第 3 个顶点起的边"),
            "{err}"
        );
    }

    #[test]
    fn a_repeated_vertex_is_not_a_self_intersection() {
        let ring = LineString::from(vec![
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
        ]);
        assert_eq!(find_self_intersection(&ring), None);
    }

    #[test]
    fn clockwise_ring_with_repeated_vertex_is_repaired() {
        let cw = polygon![(x: 120.0, y: 30.0), (x: 120.0, y: 30.1), (x: 120.0, y: 30.1), (x: 120.1, y: 30.1), (x: 120.1, y: 30.0)];
        let fixed = repair(&place(), MultiPolygon(vec![cw])).unwrap();
        assert_eq!(fixed.0[0].exterior().0.len(), 5);
        assert!(fixed.is_valid());
    }

    #[test]
    fn metres_are_refused_as_projected() {
        let m = polygon![(x: 452_301.0, y: 3_321_456.0), (x: 453_301.0, y: 3_321_456.0), (x: 453_301.0, y: 3_322_456.0)];
        let err = check_lonlat(&place(), &MultiPolygon(vec![m]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("投影坐标"), "{err}");
    }
}

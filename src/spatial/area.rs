//! Geodesic area on the WGS84 ellipsoid. `geo`'s `GeodesicArea` wraps Karney's geographiclib,
//! exact to round-off for polygons whose edges are geodesics; planar area in degrees would be
//! wrong by a factor that changes with latitude.

use geo::{GeodesicArea, MultiPolygon, Polygon};

/// Square metres in one square kilometre.
const M2_PER_KM2: f64 = 1.0e6;

/// Area of a polygon (holes subtracted) in km², whatever its rings' orientation. (geo's
/// *unsigned* area assumes a counter-clockwise exterior and returns the rest of the Earth for a
/// clockwise one; the signed area with its sign dropped is right either way for small shapes.)
pub fn polygon_km2(p: &Polygon<f64>) -> f64 {
    p.geodesic_area_signed().abs() / M2_PER_KM2
}

/// Area of a multipolygon in km². The parts are assumed not to overlap (true for the output of
/// boolean operations and for validated imports).
pub fn multipolygon_km2(mp: &MultiPolygon<f64>) -> f64 {
    // Folded from +0.0: an empty float `sum()` is -0.0, which would print as "-0.0%".
    mp.0.iter().map(polygon_km2).fold(0.0, |a, b| a + b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn orientation_does_not_change_the_area() {
        let ccw = polygon![(x: 120.0, y: 30.0), (x: 120.01, y: 30.0), (x: 120.01, y: 30.01), (x: 120.0, y: 30.01)];
        let cw = polygon![(x: 120.0, y: 30.0), (x: 120.0, y: 30.01), (x: 120.01, y: 30.01), (x: 120.01, y: 30.0)];
        let a = polygon_km2(&ccw);
        let b = polygon_km2(&cw);
        assert!((a - b).abs() < 1e-9 * a, "{a} vs {b}");
        // About 0.96 km by 1.11 km at 30°N.
        assert!(a > 1.0 && a < 1.1, "{a}");
    }
}

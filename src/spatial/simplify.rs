//! Display simplification. A user's layer can be tens of MB; the map only needs what a screen can
//! show, so shapes are thinned with Visvalingam–Whyatt in its topology-preserving form (no ring
//! may cross itself or another ring of the same polygon after thinning) until they fit a vertex
//! budget. Analysis never uses the simplified shapes.

use geo::{BoundingRect, CoordsIter, MultiPolygon, Rect, SimplifyVwPreserve};
use rayon::prelude::*;

/// Vertices the front end draws smoothly in one view (ECharts canvas on an office PC).
pub const DISPLAY_BUDGET: usize = 200_000;

/// Screen width the first pass aims at: detail below a pixel of a 2,000 px wide map is dropped.
const TARGET_PIXELS: f64 = 2000.0;

pub fn vertex_count(shapes: &[MultiPolygon<f64>]) -> usize {
    shapes.iter().map(|s| s.coords_count()).sum()
}

fn extent(shapes: &[MultiPolygon<f64>]) -> Option<Rect<f64>> {
    shapes
        .iter()
        .filter_map(|s| s.bounding_rect())
        .reduce(|a, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        })
}

/// Thins `shapes` until their total vertex count is at most `budget` (or nothing more can be
/// removed without breaking a ring). Shapes already within budget come back unchanged.
pub fn for_display(shapes: &[MultiPolygon<f64>], budget: usize) -> Vec<MultiPolygon<f64>> {
    let mut out = shapes.to_vec();
    let Some(ext) = extent(shapes) else {
        return out;
    };
    let mut count = vertex_count(&out);
    if count <= budget {
        return out;
    }
    let pixel = ext.width().max(ext.height()) / TARGET_PIXELS;
    // VW's tolerance is a triangle area, in square degrees here.
    let mut epsilon = pixel * pixel;
    for _ in 0..12 {
        out = out
            .par_iter()
            .map(|s| s.simplify_vw_preserve(epsilon))
            .collect();
        let next = vertex_count(&out);
        if next <= budget || next == count {
            break;
        }
        count = next;
        epsilon *= 4.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{LineString, Polygon, Validation};

    /// A wiggly ring of `n` vertices around (cx, cy).
    fn wiggly(cx: f64, cy: f64, n: usize) -> MultiPolygon<f64> {
        let ring: LineString<f64> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64 * std::f64::consts::TAU;
                let r = 0.05 * (1.0 + 0.01 * ((i % 7) as f64));
                (cx + r * t.cos(), cy + r * t.sin())
            })
            .collect();
        MultiPolygon(vec![Polygon::new(ring, vec![])])
    }

    #[test]
    fn large_input_fits_the_budget_and_stays_valid() {
        let shapes: Vec<_> = (0..20)
            .map(|i| wiggly(120.0 + 0.11 * i as f64, 30.0, 5_000))
            .collect();
        assert!(vertex_count(&shapes) > 100_000);
        let thin = for_display(&shapes, 10_000);
        assert!(vertex_count(&thin) <= 10_000, "{}", vertex_count(&thin));
        assert!(thin.iter().all(|s| s.is_valid()));
    }

    #[test]
    fn small_input_is_unchanged() {
        let shapes = vec![wiggly(120.0, 30.0, 50)];
        assert_eq!(for_display(&shapes, 1_000), shapes);
    }
}

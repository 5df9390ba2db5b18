//! Control-line overlay and town-town overlap on hand-built polygons whose answers are known.

use geo::{polygon, MultiPolygon, Polygon};
use towncockpit::spatial::area::polygon_km2;
use towncockpit::spatial::overlay::{overlay, ControlLayer, TownShape};
use towncockpit::spatial::ControlKind;

/// An axis-aligned box in degrees.
fn bx(x0: f64, y0: f64, x1: f64, y1: f64) -> Polygon<f64> {
    polygon![(x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)]
}

fn town(id: i64, p: Polygon<f64>) -> TownShape {
    TownShape {
        id,
        name: format!("镇{id}"),
        shape: MultiPolygon(vec![p]),
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-12)
}

#[test]
fn overlaps_with_each_layer_have_the_expected_areas() {
    // Town: 0.02° × 0.02° at 120.00–120.02 E, 30.00–30.02 N (about 4.4 km²).
    let t = town(1, bx(120.00, 30.00, 120.02, 30.02));
    let whole = polygon_km2(&bx(120.00, 30.00, 120.02, 30.02));
    // Red line over the east quarter (in longitude) and far beyond it.
    let redline = ControlLayer::new(
        ControlKind::Redline,
        vec![
            bx(120.015, 29.9, 120.10, 30.10),
            bx(121.0, 30.0, 121.1, 30.1),
        ],
    );
    // Farmland: two polygons that overlap each other over the same south-west cell; it counts once.
    let farmland = ControlLayer::new(
        ControlKind::Farmland,
        vec![
            bx(120.00, 30.00, 120.01, 30.01),
            bx(119.99, 29.99, 120.01, 30.01),
        ],
    );
    // Urban boundary covering the west 60%: the east 40% is outside, the violation.
    let urban = ControlLayer::new(ControlKind::Urban, vec![bx(119.9, 29.9, 120.012, 30.1)]);

    let report = overlay(&[t], &[redline, farmland, urban]);
    let r = &report.towns[0];
    assert!(close(r.area_km2, whole, 1e-12));

    let red = &r.layers[0];
    let red_expected = polygon_km2(&bx(120.015, 30.00, 120.02, 30.02));
    assert!(
        close(red.overlap_km2, red_expected, 1e-6),
        "{} vs {red_expected}",
        red.overlap_km2
    );
    assert!(
        close(red.overlap_share, 0.25, 1e-6),
        "{}",
        red.overlap_share
    );
    assert!(red.violation && close(red.violation_km2, red.overlap_km2, 1e-12));

    let farm = &r.layers[1];
    let farm_expected = polygon_km2(&bx(120.00, 30.00, 120.01, 30.01));
    assert!(
        close(farm.overlap_km2, farm_expected, 1e-6),
        "{} vs {farm_expected}",
        farm.overlap_km2
    );
    assert!(farm.violation);

    let urb = &r.layers[2];
    let outside = polygon_km2(&bx(120.012, 30.00, 120.02, 30.02));
    assert!(
        close(urb.violation_km2, outside, 1e-6),
        "{} vs {outside}",
        urb.violation_km2
    );
    assert!(
        close(urb.violation_share, 0.4, 1e-6),
        "{}",
        urb.violation_share
    );
    assert!(close(urb.overlap_km2 + urb.violation_km2, whole, 1e-6));
    // The violating piece is kept for display and is the east strip.
    assert_eq!(urb.pieces.0.len(), 1);
}

#[test]
fn a_town_clear_of_every_layer_and_outside_the_urban_boundary() {
    let t = town(7, bx(120.50, 30.50, 120.51, 30.51));
    let layers = [
        ControlLayer::new(ControlKind::Redline, vec![bx(120.0, 30.0, 120.1, 30.1)]),
        ControlLayer::new(ControlKind::Urban, vec![bx(120.0, 30.0, 120.1, 30.1)]),
    ];
    let r = &overlay(&[t], &layers).towns[0];
    assert_eq!(r.layers[0].overlap_km2, 0.0);
    assert!(!r.layers[0].violation);
    // Entirely outside the urban development boundary: all of it is the violation.
    assert!(close(r.layers[1].violation_share, 1.0, 1e-6));
    assert!(r.layers[1].violation);
}

#[test]
fn slivers_along_shared_edges_are_not_violations() {
    // The red line touches the town along its east edge only.
    let t = town(1, bx(120.00, 30.00, 120.02, 30.02));
    let layers = [ControlLayer::new(
        ControlKind::Redline,
        vec![bx(120.02, 30.0, 120.05, 30.02)],
    )];
    let r = &overlay(&[t], &layers).towns[0];
    assert!(!r.layers[0].violation, "{}", r.layers[0].overlap_km2);
}

#[test]
fn towns_overlapping_each_other_are_found_once_with_their_shared_area() {
    let towns = [
        town(1, bx(120.00, 30.00, 120.02, 30.02)),
        town(2, bx(120.01, 30.01, 120.03, 30.03)), // overlaps 1 in a 0.01° square
        town(3, bx(120.02, 30.00, 120.04, 30.01)), // touches 1 along an edge, overlaps 2? no
        town(4, bx(121.00, 30.00, 121.01, 30.01)), // far away
    ];
    let report = overlay(&towns, &[]);
    assert_eq!(report.overlaps.len(), 1, "{:?}", report.overlaps);
    let o = &report.overlaps[0];
    assert_eq!((o.a, o.b), (1, 2));
    let expected = polygon_km2(&bx(120.01, 30.01, 120.02, 30.02));
    assert!(close(o.area_km2, expected, 1e-6));
}

//! The map commands through the one command table, on the demo province.

use serde_json::{json, Value};
use towncockpit::api::{dispatch, Cockpit};
use towncockpit::spatial::demo::{OVERSIZED_NAMED, VIOLATORS};
use towncockpit::spatial::ControlKind;

async fn call(c: &Cockpit, name: &str, args: Value) -> Value {
    dispatch(c, name, args)
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[tokio::test]
async fn drill_down_towns_and_checks_on_the_demo_province() {
    let dir = tempfile::tempdir().unwrap();
    let c = Cockpit::open(&dir.path().join("t.sqlite")).await.unwrap();

    // Province → its 11 cities; a city → its counties, with the path back up; a county → none.
    let geo = call(&c, "map_geo", json!({})).await;
    assert_eq!(geo["children"]["features"].as_array().unwrap().len(), 11);
    assert_eq!(geo["review_number"], "审图号：GS(2024)0650号");
    assert_eq!(geo["disclaimer"], "本图仅为示意，不作为行政区划界线的依据");
    let hz = call(&c, "map_geo", json!({"scope": "330100"})).await;
    assert_eq!(hz["children"]["features"].as_array().unwrap().len(), 13);
    let crumbs: Vec<&str> = hz["breadcrumb"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(crumbs, ["浙江省", "杭州市"]);
    let county = call(&c, "map_geo", json!({"scope": "330106"})).await;
    assert!(county["children"]["features"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(county["breadcrumb"].as_array().unwrap().len(), 3);

    // Every demo town has a boundary; Hangzhou's towns are all in Hangzhou.
    let towns = call(&c, "map_towns", json!({"scope": "330100"})).await;
    let list = towns["towns"].as_array().unwrap();
    assert!(!list.is_empty() && towns["demo"] == true);
    assert!(list
        .iter()
        .all(|t| t["city"] == "杭州市" && t["boundary"]["type"] == "Polygon"));

    // Points only: the same towns and figures, without the polygons the province view skips.
    let points = call(
        &c,
        "map_towns",
        json!({"scope": "330100", "points_only": true}),
    )
    .await;
    let light = points["towns"].as_array().unwrap();
    assert_eq!(light.len(), list.len());
    for (p, t) in light.iter().zip(list) {
        assert!(p["boundary"].is_null());
        assert_eq!(
            (&p["id"], &p["lon"], &p["output"]),
            (&t["id"], &t["lon"], &t["output"])
        );
        assert_eq!(p["violations"], t["violations"]);
    }

    // The demo province triggers the rules it was built to trigger, and the named towns made
    // too large are the only ones over 5 km².
    let check = call(&c, "map_check", json!({"pieces": true})).await;
    let s = &check["summary"];
    assert_eq!(s["with_boundary"], s["towns"]);
    assert_eq!(s["over_area_limit"], OVERSIZED_NAMED);
    for (kind, n) in VIOLATORS {
        assert!(
            s[kind.key()].as_u64().unwrap() >= n as u64,
            "{}: {s}",
            kind.label()
        );
    }
    assert_eq!(s["overlapping"], 0);
    let towns = check["towns"].as_array().unwrap();
    assert!(towns.iter().all(|t| {
        let a = t["area_km2"].as_f64().unwrap();
        (0.7..6.5).contains(&a)
            && (a <= 5.0 || t["over_area_limit"] == true || t["stage"] != "命名")
    }));
    // The violating pieces come back for drawing.
    let pieces = check["pieces"].as_array().unwrap();
    assert!(pieces.iter().any(|p| p["kind"] == ControlKind::Urban.key()));
    // The summary counts what the towns' rows say.
    let flagged = towns
        .iter()
        .filter(|t| !t["flags"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(flagged as u64, s["flagged"].as_u64().unwrap());
    let layers = check["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 3);
    assert!(layers.iter().all(|l| l["is_demo"] == true));
}

#[tokio::test]
async fn renders_carry_the_review_number_and_disclaimer() {
    let dir = tempfile::tempdir().unwrap();
    let c = Cockpit::open(&dir.path().join("t.sqlite")).await.unwrap();
    let svg = dir.path().join("m.svg");
    let spec = towncockpit::spatial::view::render_map(
        c.store(),
        Some("330100"),
        towncockpit::spatial::view::MapLayer::Controls,
        &svg,
    )
    .await
    .unwrap();
    assert!(spec.demo);
    let text = std::fs::read_to_string(&svg).unwrap();
    for want in [
        "GS(2024)0650号",
        "本图仅为示意，不作为行政区划界线的依据",
        "示例数据",
        "杭州市",
    ] {
        assert!(text.contains(want), "SVG lacks {want}");
    }
    let png = dir.path().join("m.png");
    towncockpit::spatial::view::render_map(
        c.store(),
        None,
        towncockpit::spatial::view::MapLayer::Category,
        &png,
    )
    .await
    .unwrap();
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1600, 1200));
    let bad = dir.path().join("m.gif");
    let err = towncockpit::spatial::view::render_map(
        c.store(),
        None,
        towncockpit::spatial::view::MapLayer::Category,
        &bad,
    )
    .await
    .err()
    .expect("a .gif output is refused");
    assert!(err.to_string().contains(".png 或 .svg"));
}

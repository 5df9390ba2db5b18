//! Imports of user boundary files: every bad file gets a clear Chinese message naming the place
//! and leaves the database byte-for-byte unchanged; good files are applied in full.

use std::path::{Path, PathBuf};

use geo::{InteriorPoint, LineString, Polygon};
use sha2::{Digest, Sha256};
use towncockpit::api::Cockpit;
use towncockpit::spatial::area::polygon_km2;
use towncockpit::spatial::bundled::division;
use towncockpit::spatial::import::{import_boundaries, import_layer};
use towncockpit::spatial::view::{map_check, CheckArgs};
use towncockpit::spatial::ControlKind;

/// Hash of the database file and its WAL: what "unchanged" means here.
fn db_hash(db: &Path) -> String {
    let mut h = Sha256::new();
    for p in [
        db.to_path_buf(),
        PathBuf::from(format!("{}-wal", db.display())),
    ] {
        if let Ok(bytes) = std::fs::read(&p) {
            h.update(&bytes);
        }
    }
    data_encoding::HEXLOWER.encode(&h.finalize())
}

/// A square of `half` degrees around the interior point of the county `code`.
fn square_in(code: &str, half: f64) -> Polygon<f64> {
    let c = division(code).unwrap().shape.interior_point().unwrap();
    square(c.x(), c.y(), half)
}

fn square(x: f64, y: f64, half: f64) -> Polygon<f64> {
    Polygon::new(
        LineString::from(vec![
            (x - half, y - half),
            (x + half, y - half),
            (x + half, y + half),
            (x - half, y + half),
        ]),
        vec![],
    )
}

fn ring_json(p: &Polygon<f64>) -> String {
    let pts: Vec<String> = p
        .exterior()
        .0
        .iter()
        .map(|c| format!("[{},{}]", c.x, c.y))
        .collect();
    format!("[[{}]]", pts.join(","))
}

fn feature(name: &str, rings: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":{rings}}}}}"#
    )
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    )
}

async fn first_towns(cockpit: &Cockpit, n: i64) -> Vec<(i64, String, String)> {
    sqlx::query_as("SELECT id, name, county_code FROM towns ORDER BY id LIMIT ?")
        .bind(n)
        .fetch_all(cockpit.store().pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn bad_files_are_refused_in_chinese_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    let cockpit = Cockpit::open(&db).await.unwrap();
    let towns = first_towns(&cockpit, 2).await;
    let (name, county) = (&towns[0].1, &towns[0].2);
    let good = square_in(county, 0.004);
    // Far away from the town's county (Hangzhou's 上城区 area vs. the south of the province).
    let elsewhere = square(119.9, 28.1, 0.004);
    let (cx, cy) = {
        let c = good.exterior().0[0];
        (c.x, c.y)
    };
    let bow_tie = format!(
        "[[[{cx},{cy}],[{},{}],[{},{cy}],[{cx},{}],[{cx},{cy}]]]",
        cx + 0.008,
        cy + 0.008,
        cx + 0.008,
        cy + 0.008
    );

    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "broken.geojson",
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","#.to_string(),
            vec!["broken.geojson", "不是有效的 GeoJSON", "第 1 行"],
        ),
        (
            "bowtie.geojson",
            collection(&[feature(name, &bow_tie)]),
            vec!["第 1 个要素", name, "外环自相交", "顶点"],
        ),
        (
            "metres.geojson",
            collection(&[feature(
                name,
                "[[[452301,3321456],[453301,3321456],[453301,3322456],[452301,3321456]]]",
            )]),
            vec!["(452301, 3321456)", "投影坐标", "EPSG:4326"],
        ),
        (
            "outside.geojson",
            collection(&[feature(name, &ring_json(&elsewhere))]),
            vec!["位于所属的", "之外"],
        ),
        (
            // One good feature and one bad: all or nothing.
            "mixed.geojson",
            collection(&[
                feature(name, &ring_json(&good)),
                feature("不存在的小镇", &ring_json(&good)),
            ]),
            vec!["第 2 个要素", "找不到对应的小镇", "未导入任何数据"],
        ),
        (
            "line.geojson",
            r#"{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"LineString","coordinates":[[120,30],[121,30]]}}"#.to_string(),
            vec!["LineString", "Polygon"],
        ),
    ];
    for (file, text, wants) in cases {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let before = db_hash(&db);
        let err = import_boundaries(cockpit.store(), &path)
            .await
            .expect_err(file)
            .to_string();
        for w in wants {
            assert!(err.contains(w), "{file}: «{err}» lacks «{w}»");
        }
        assert_eq!(before, db_hash(&db), "{file} changed the database");
    }

    // A control-line layer with one projected feature is refused whole, too.
    let path = dir.path().join("redline.geojson");
    std::fs::write(
        &path,
        collection(&[
            feature("a", &ring_json(&good)),
            feature(
                "b",
                "[[[500000,3300000],[501000,3300000],[501000,3301000],[500000,3300000]]]",
            ),
        ]),
    )
    .unwrap();
    let before = db_hash(&db);
    let err = import_layer(cockpit.store(), ControlKind::Redline, &path)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("第 2 个要素（b）") && err.contains("投影坐标"),
        "{err}"
    );
    assert_eq!(before, db_hash(&db));
}

#[tokio::test]
async fn good_files_set_boundaries_and_layers_that_the_check_sees() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    let cockpit = Cockpit::open(&db).await.unwrap();
    let towns = first_towns(&cockpit, 1).await;
    let (id, name, county) = (&towns[0].0, &towns[0].1, &towns[0].2);
    // Clockwise, as many GIS tools write it: repaired on import.
    let mut sq = square_in(county, 0.005);
    sq.exterior_mut(|r| r.0.reverse());
    let path = dir.path().join("towns.geojson");
    std::fs::write(&path, collection(&[feature(name, &ring_json(&sq))])).unwrap();
    let s = import_boundaries(cockpit.store(), &path).await.unwrap();
    assert_eq!(s.towns, vec![name.clone()]);

    // A red line over the whole town and beyond.
    let c = sq.exterior().0[0];
    let big = square(c.x + 0.005, c.y - 0.005, 0.02);
    let layer = dir.path().join("red.geojson");
    std::fs::write(&layer, collection(&[feature("红线1", &ring_json(&big))])).unwrap();
    import_layer(cockpit.store(), ControlKind::Redline, &layer)
        .await
        .unwrap();

    let report = map_check(cockpit.store(), CheckArgs::default())
        .await
        .unwrap();
    let town = report.towns.iter().find(|t| t.town_id == *id).unwrap();
    let expected = polygon_km2(&sq);
    let area = town.area_km2.unwrap();
    assert!(
        (area - expected).abs() < 1e-6 * expected,
        "{area} vs {expected}"
    );
    let red = town
        .layers
        .iter()
        .find(|l| l.kind == ControlKind::Redline)
        .unwrap();
    assert!(
        (red.overlap_share - 1.0).abs() < 1e-6,
        "{}",
        red.overlap_share
    );
    assert!(red.violation);
    assert!(town.flags.iter().any(|f| f.contains("压占生态保护红线")));
    // The user's layer replaced the demo one and is not marked demo.
    let l = report
        .layers
        .iter()
        .find(|l| l.kind == ControlKind::Redline)
        .unwrap();
    assert_eq!((l.polygons, l.is_demo), (1, false));
}

/// The exterior of `p` as Shapefile points, reversed: Shapefile outer rings run clockwise (the
/// writer orders each ring for its kind anyway).
fn shp_ring(p: &Polygon<f64>) -> Vec<shapefile::Point> {
    p.exterior()
        .0
        .iter()
        .rev()
        .map(|c| shapefile::Point::new(c.x, c.y))
        .collect()
}

/// Writes a Shapefile as Chinese GIS software does: a `NAME` attribute in GBK and no .cpg
/// beside the .shp.
fn write_gbk_shapefile(shp: &Path, features: &[(&str, shapefile::Polygon)]) {
    use shapefile::dbase::{self, encoding::EncodingRs, TableWriterBuilder};
    let table = TableWriterBuilder::with_encoding(EncodingRs::from(encoding_rs::GBK))
        .add_character_field("NAME".try_into().unwrap(), 80);
    let mut w = shapefile::Writer::from_path(shp, table).unwrap();
    for (name, poly) in features {
        let mut rec = dbase::Record::default();
        rec.insert("NAME".to_string(), name.to_string().into());
        w.write_shape_and_record(poly, &rec).unwrap();
    }
}

#[tokio::test]
async fn a_shapefile_hole_without_an_outer_ring_is_refused_and_changes_nothing() {
    use shapefile::PolygonRing;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    let cockpit = Cockpit::open(&db).await.unwrap();
    let towns = first_towns(&cockpit, 2).await;
    let (first, second) = (&towns[0].1, &towns[1].1);
    let sq = square_in(&towns[0].2, 0.004);
    let hole = square_in(&towns[1].2, 0.004);
    // The second feature is one inner ring (counter-clockwise in the file): a hole with no
    // outer ring before it, which read as a filled square would import as the town's boundary.
    let shp = dir.path().join("孤立内环.shp");
    write_gbk_shapefile(
        &shp,
        &[
            (
                first,
                shapefile::Polygon::new(PolygonRing::Outer(shp_ring(&sq))),
            ),
            (
                second,
                shapefile::Polygon::new(PolygonRing::Inner(shp_ring(&hole))),
            ),
        ],
    );
    let expect = format!(
        "文件「孤立内环.shp」第 2 个要素（{second}）：第 1 个环是内环（洞，逆时针方向），但它前面没有外环；Shapefile 的外环应为顺时针方向，请在 GIS 软件中修复几何后再导入"
    );
    let read = |sql: &'static str| {
        let pool = cockpit.store().pool().clone();
        async move {
            sqlx::query_scalar::<_, Option<String>>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    const BOUNDARIES: &str =
        "SELECT group_concat(id || ':' || boundary_geojson, ';') FROM towns WHERE boundary_geojson IS NOT NULL";
    const LAYERS: &str = "SELECT group_concat(kind || ':' || geometry, ';') FROM control_polygons";
    let boundaries = read(BOUNDARIES).await;
    let layers = read(LAYERS).await;
    let before = db_hash(&db);
    let err = import_boundaries(cockpit.store(), &shp)
        .await
        .expect_err("boundaries imported");
    assert_eq!(err.to_string(), expect);
    let err = import_layer(cockpit.store(), ControlKind::Redline, &shp)
        .await
        .expect_err("layer imported");
    assert_eq!(err.to_string(), expect);
    assert_eq!(before, db_hash(&db), "the database changed");
    assert_eq!(read(BOUNDARIES).await, boundaries);
    assert_eq!(read(LAYERS).await, layers);
}

#[tokio::test]
async fn a_gbk_shapefile_without_cpg_is_read_and_matched_by_chinese_name() {
    use shapefile::PolygonRing;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    let cockpit = Cockpit::open(&db).await.unwrap();
    let towns = first_towns(&cockpit, 1).await;
    let (id, name, county) = (&towns[0].0, &towns[0].1, &towns[0].2);
    let sq = square_in(county, 0.004);

    let shp = dir.path().join("小镇边界.shp");
    write_gbk_shapefile(
        &shp,
        &[(
            name,
            shapefile::Polygon::new(PolygonRing::Outer(shp_ring(&sq))),
        )],
    );
    assert!(!dir.path().join("小镇边界.cpg").exists());
    let s = import_boundaries(cockpit.store(), &shp).await.unwrap();
    assert_eq!(s.towns, vec![name.clone()]);
    let report = map_check(cockpit.store(), CheckArgs::default())
        .await
        .unwrap();
    let area = report
        .towns
        .iter()
        .find(|t| t.town_id == *id)
        .and_then(|t| t.area_km2)
        .unwrap();
    let expected = polygon_km2(&sq);
    assert!(
        (area - expected).abs() < 1e-6 * expected,
        "{area} vs {expected}"
    );
}

fn division_feature(code: &str, name: &str, rings: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"adcode":"{code}","name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":{rings}}}}}"#
    )
}

/// Every [lon, lat] of a GeoJSON geometry value.
fn coords(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
    match v.as_array() {
        Some(a) if a.len() == 2 && a.iter().all(|x| x.is_f64() || x.is_i64()) => {
            out.push((a[0].as_f64().unwrap(), a[1].as_f64().unwrap()))
        }
        Some(a) => a.iter().for_each(|x| coords(x, out)),
        None => {}
    }
}

/// The bounding box of the named feature of a `map_geo` collection.
async fn drawn_bbox(cockpit: &Cockpit, scope: &str, part: &str, name: &str) -> [f64; 4] {
    let geo = towncockpit::api::dispatch(cockpit, "map_geo", serde_json::json!({ "scope": scope }))
        .await
        .unwrap();
    let f = geo[part]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {part} of {scope}"));
    let mut pts = Vec::new();
    coords(&f["geometry"]["coordinates"], &mut pts);
    pts.iter().fold(
        [f64::MAX, f64::MAX, f64::MIN, f64::MIN],
        |[a, b, c, d], (x, y)| [a.min(*x), b.min(*y), c.max(*x), d.max(*y)],
    )
}

#[tokio::test]
async fn official_county_boundaries_replace_the_bundled_ones_all_or_nothing() {
    use towncockpit::spatial::bundled::Level;
    use towncockpit::spatial::import::import_divisions;

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.sqlite");
    let cockpit = Cockpit::open(&db).await.unwrap();
    let bundled = drawn_bbox(&cockpit, "330106", "outline", "西湖区").await;
    let official = square_in("330106", 0.02);
    let [x0, y0] = [official.exterior().0[0].x, official.exterior().0[0].y];
    let square_box = [x0, y0, x0 + 0.04, y0 + 0.04];
    assert!(
        bundled[0] < square_box[0] - 0.01 && bundled[2] > square_box[2] + 0.01,
        "the test square must differ from the bundled outline"
    );

    // Refused, naming the feature, and nothing written: an unknown code next to a good feature;
    // a boundary far from the division it names; a city code in a county file.
    let far = square_in("330382", 0.02);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unknown.geojson",
            collection(&[
                division_feature("330106", "西湖区", &ring_json(&official)),
                division_feature("339999", "某某区", &ring_json(&official)),
            ]),
            vec!["第 2 个要素", "找不到对应的县（市、区）", "339999"],
        ),
        (
            "far.geojson",
            collection(&[division_feature("330106", "西湖区", &ring_json(&far))]),
            vec!["第 1 个要素", "与内置的「西湖区」重合", "WGS84"],
        ),
        (
            "city.geojson",
            collection(&[division_feature("330100", "杭州市", &ring_json(&official))]),
            vec!["找不到对应的县（市、区）", "330100"],
        ),
    ];
    for (file, text, expected) in &cases {
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let before = db_hash(&db);
        let err = import_divisions(cockpit.store(), Level::County, &path)
            .await
            .unwrap_err()
            .to_string();
        for e in expected {
            assert!(err.contains(e), "{file}: «{e}» missing in: {err}");
        }
        assert_eq!(db_hash(&db), before, "{file} changed the database");
    }
    assert_eq!(
        drawn_bbox(&cockpit, "330106", "outline", "西湖区").await,
        bundled
    );

    // A good file: the county and its city's map draw the official shape.
    let path = dir.path().join("xihu.geojson");
    std::fs::write(
        &path,
        collection(&[division_feature("330106", "西湖区", &ring_json(&official))]),
    )
    .unwrap();
    let s = import_divisions(cockpit.store(), Level::County, &path)
        .await
        .unwrap();
    assert_eq!(
        (s.features, s.towns.clone()),
        (1, vec!["西湖区".to_string()])
    );
    for (scope, part) in [("330106", "outline"), ("330100", "children")] {
        let b = drawn_bbox(&cockpit, scope, part, "西湖区").await;
        for (got, want) in b.iter().zip(square_box) {
            assert!(
                (got - want).abs() < 1e-6,
                "{scope}: {b:?} vs {square_box:?}"
            );
        }
    }

    // A new county file replaces the previous import: 西湖区 is back to the bundled outline.
    let other = square_in("330102", 0.005);
    std::fs::write(
        &path,
        collection(&[division_feature("330102", "上城区", &ring_json(&other))]),
    )
    .unwrap();
    import_divisions(cockpit.store(), Level::County, &path)
        .await
        .unwrap();
    assert_eq!(
        drawn_bbox(&cockpit, "330106", "outline", "西湖区").await,
        bundled
    );
}

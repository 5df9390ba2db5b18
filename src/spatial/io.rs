//! Reading boundary files: GeoJSON (FeatureCollection, Feature or bare geometry) and ESRI
//! Shapefile (`.shp` with its `.dbf`, GBK or UTF-8). Every error is Chinese and names the file,
//! the feature and, where it applies, the property.

use std::path::Path;

use geo::{Coord, LineString, MultiPolygon, Polygon};
use geojson::{GeoJson, GeometryValue};
use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// One polygon feature as read, before validation.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// 1-based position in the file.
    pub number: usize,
    pub properties: Map<String, Value>,
    pub shape: MultiPolygon<f64>,
}

/// Property names tried, in order, for a feature's name and code.
pub const NAME_KEYS: &[&str] = &["name", "NAME", "Name", "名称", "镇名", "小镇名称", "XZMC"];
pub const CODE_KEYS: &[&str] = &[
    "code",
    "CODE",
    "adcode",
    "ADCODE",
    "编码",
    "代码",
    "小镇编码",
];

impl RawFeature {
    /// The first non-empty property among `keys`, as text.
    pub fn text(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| match self.properties.get(*k)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    }

    pub fn name(&self) -> Option<String> {
        self.text(NAME_KEYS)
    }

    pub fn code(&self) -> Option<String> {
        self.text(CODE_KEYS)
    }
}

/// Reads the polygon features of a GeoJSON (`.geojson`, `.json`) or Shapefile (`.shp`).
pub fn read_features(path: &Path) -> Result<Vec<RawFeature>> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "geojson" | "json" => {
            let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            parse_geojson(&file_label(path), &text)
        }
        "shp" => read_shapefile(path),
        _ => Err(Error::invalid(format!(
            "文件「{}」的格式无法识别：请使用 GeoJSON（.geojson/.json）或 Shapefile（.shp，同目录需有 .dbf）",
            file_label(path)
        ))),
    }
}

pub(crate) fn file_label(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Parses GeoJSON bytes; `file` names the source in messages.
pub fn parse_geojson(file: &str, bytes: &[u8]) -> Result<Vec<RawFeature>> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::invalid(format!(
            "文件「{file}」不是 UTF-8 编码（第 {} 个字节处）：GeoJSON 必须使用 UTF-8",
            e.valid_up_to() + 1
        ))
    })?;
    let gj: GeoJson = serde_json::from_str(text.trim_start_matches('\u{feff}')).map_err(|e| {
        Error::invalid(format!(
            "文件「{file}」不是有效的 GeoJSON（第 {} 行第 {} 列）：{}",
            e.line(),
            e.column(),
            json_fault(&e)
        ))
    })?;
    let features: Vec<(Option<geojson::Geometry>, Map<String, Value>)> = match gj {
        GeoJson::FeatureCollection(fc) => fc
            .features
            .into_iter()
            .map(|f| (f.geometry, f.properties.unwrap_or_default()))
            .collect(),
        GeoJson::Feature(f) => vec![(f.geometry, f.properties.unwrap_or_default())],
        GeoJson::Geometry(g) => vec![(Some(g), Map::new())],
    };
    if features.is_empty() {
        return Err(Error::invalid(format!("文件「{file}」中没有任何要素")));
    }
    features
        .into_iter()
        .enumerate()
        .map(|(i, (geometry, properties))| {
            let at = || feature_label(file, i + 1, &properties);
            let geometry = geometry
                .ok_or_else(|| Error::invalid(format!("{}：没有几何（geometry 为 null）", at())))?;
            let shape = to_multipolygon(&geometry.value)
                .map_err(|m| Error::invalid(format!("{}：{m}", at())))?;
            Ok(RawFeature {
                number: i + 1,
                properties,
                shape,
            })
        })
        .collect()
}

fn json_fault(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax => format!("JSON 语法错误（{e}）"),
        Category::Eof => "文件意外结束，JSON 不完整".to_string(),
        Category::Data => format!("结构不符合 GeoJSON 规范（{e}）"),
        Category::Io => format!("读取出错（{e}）"),
    }
}

fn feature_label(file: &str, number: usize, props: &Map<String, Value>) -> String {
    let name = NAME_KEYS
        .iter()
        .find_map(|k| props.get(*k).and_then(|v| v.as_str()));
    match name {
        Some(n) => format!("文件「{file}」第 {number} 个要素（{n}）"),
        None => format!("文件「{file}」第 {number} 个要素"),
    }
}

pub(crate) fn to_multipolygon(g: &GeometryValue) -> std::result::Result<MultiPolygon<f64>, String> {
    match g {
        GeometryValue::Polygon { coordinates } => Ok(MultiPolygon(vec![polygon(coordinates)?])),
        GeometryValue::MultiPolygon { coordinates } => Ok(MultiPolygon(
            coordinates
                .iter()
                .map(|p| polygon(p))
                .collect::<std::result::Result<_, _>>()?,
        )),
        other => Err(format!(
            "几何类型为 {}，边界只接受 Polygon 或 MultiPolygon（面）",
            other.type_name()
        )),
    }
}

fn polygon(rings: &[Vec<geojson::Position>]) -> std::result::Result<Polygon<f64>, String> {
    let mut rings = rings.iter().enumerate().map(|(r, ring)| {
        ring.iter()
            .enumerate()
            .map(|(v, p)| match p.as_slice() {
                [x, y, ..] => Ok(Coord { x: *x, y: *y }),
                _ => Err(format!(
                    "第 {} 个环第 {} 个顶点的坐标少于 2 个数",
                    r + 1,
                    v + 1
                )),
            })
            .collect::<std::result::Result<LineString<f64>, String>>()
    });
    let exterior = rings.next().ok_or("多边形没有任何环")??;
    let interiors = rings.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, interiors))
}

/// Reads a Shapefile's polygons and its `.dbf` attributes. The `.cpg` names the attribute
/// encoding; without one, GBK is assumed, as Chinese GIS software writes by default.
fn read_shapefile(path: &Path) -> Result<Vec<RawFeature>> {
    use shapefile::dbase::{encoding::DynEncoding, FieldValue, ReaderBuilder};
    let file = file_label(path);
    let fail = |e: shapefile::Error| match e {
        shapefile::Error::MissingDbf => Error::invalid(format!(
            "文件「{file}」缺少同名的属性文件（.dbf），无法读取小镇名称或编码"
        )),
        e => Error::invalid(format!("文件「{file}」不是有效的 Shapefile：{e}")),
    };
    let mut reader = if path.with_extension("cpg").exists() {
        shapefile::Reader::from_path(path).map_err(fail)?
    } else {
        let shapes = shapefile::ShapeReader::from_path(path).map_err(fail)?;
        let dbf_path = path.with_extension("dbf");
        let dbf = std::fs::File::open(&dbf_path).map_err(|_| fail(shapefile::Error::MissingDbf))?;
        let gbk =
            DynEncoding::from_name("GBK").ok_or_else(|| Error::invalid("缺少 GBK 编码支持"))?;
        let table = ReaderBuilder::new()
            .with_encoding(gbk)
            .build(std::io::BufReader::new(dbf))
            .map_err(|e| {
                Error::invalid(format!(
                    "文件「{}」的属性表无法读取：{e}",
                    file_label(&dbf_path)
                ))
            })?;
        shapefile::Reader::new(shapes, table)
    };
    let mut out = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let number = i + 1;
        let (shape, record) = item.map_err(|e| {
            Error::invalid(format!("文件「{file}」第 {number} 个要素无法读取：{e}"))
        })?;
        let mut properties = Map::new();
        for (k, v) in record {
            let v = match v {
                FieldValue::Character(Some(s)) | FieldValue::Memo(s) => {
                    Value::String(s.trim().to_string())
                }
                FieldValue::Numeric(Some(n)) | FieldValue::Double(n) | FieldValue::Currency(n) => {
                    serde_json::Number::from_f64(n)
                        .map(Value::Number)
                        .unwrap_or(Value::Null)
                }
                FieldValue::Float(Some(n)) => serde_json::Number::from_f64(n as f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null),
                FieldValue::Integer(n) => Value::from(n),
                _ => Value::Null,
            };
            properties.insert(k, v);
        }
        let at = || feature_label(&file, number, &properties);
        let rings: Vec<(bool, LineString<f64>)> = match shape {
            shapefile::Shape::Polygon(p) => rings_of(p.into_inner(), |pt| (pt.x, pt.y)),
            shapefile::Shape::PolygonM(p) => rings_of(p.into_inner(), |pt| (pt.x, pt.y)),
            shapefile::Shape::PolygonZ(p) => rings_of(p.into_inner(), |pt| (pt.x, pt.y)),
            other => {
                return Err(Error::invalid(format!(
                    "{}：几何类型为 {}，边界只接受面（Polygon）",
                    at(),
                    other.shapetype()
                )))
            }
        };
        // Each outer ring starts a polygon; inner rings belong to the outer ring before them.
        // An inner ring with no outer ring before it (a counter-clockwise first ring) is a hole
        // in nothing: filling it would import an area the file does not describe.
        let mut polys: Vec<Polygon<f64>> = Vec::new();
        for (r, (outer, ring)) in rings.into_iter().enumerate() {
            match (outer, polys.last_mut()) {
                (false, Some(p)) => p.interiors_push(ring),
                (false, None) => {
                    return Err(Error::invalid(format!(
                        "{}：第 {} 个环是内环（洞，逆时针方向），但它前面没有外环；Shapefile 的外环应为顺时针方向，请在 GIS 软件中修复几何后再导入",
                        at(),
                        r + 1
                    )))
                }
                (true, _) => polys.push(Polygon::new(ring, vec![])),
            }
        }
        out.push(RawFeature {
            number,
            properties,
            shape: MultiPolygon(polys),
        });
    }
    if out.is_empty() {
        return Err(Error::invalid(format!("文件「{file}」中没有任何要素")));
    }
    Ok(out)
}

fn rings_of<P>(
    rings: Vec<shapefile::PolygonRing<P>>,
    xy: impl Fn(&P) -> (f64, f64),
) -> Vec<(bool, LineString<f64>)> {
    rings
        .into_iter()
        .map(|r| {
            let outer = matches!(r, shapefile::PolygonRing::Outer(_));
            let ring: LineString<f64> = r.points().iter().map(|p| Coord::from(xy(p))).collect();
            (outer, ring)
        })
        .collect()
}

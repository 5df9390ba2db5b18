//! Validated, all-or-nothing imports of user boundary files: town boundaries (四至范围) and
//! control-line layers. Every feature is checked before anything is written; the first problems
//! found are reported together, in Chinese, naming file, feature and fault.

use std::collections::HashMap;
use std::path::Path;

use geo::MultiPolygon;
use serde::Serialize;

use super::area::multipolygon_km2;
use super::bundled::{division, divisions, Level, Shapes};
use super::io::{file_label, read_features, RawFeature};
use super::repo::{replace_division_boundaries, replace_layer, set_boundary};
use super::validate::{check_inside, check_lonlat, repair, share_outside, Place};
use super::ControlKind;
use crate::error::{Error, Result};
use crate::store::Store;

/// How many problems one failed import lists before "and N more".
const MAX_LISTED: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub file: String,
    pub features: usize,
    pub area_km2: f64,
    /// Towns whose boundary was set (town import only).
    pub towns: Vec<String>,
}

fn place_of(file: &str, f: &RawFeature) -> Place {
    Place {
        file: file.to_string(),
        feature: f.number,
        name: f.name(),
    }
}

/// Checks one feature's coordinates and geometry, repairing what is harmless.
fn clean(file: &str, f: &RawFeature) -> Result<MultiPolygon<f64>> {
    let place = place_of(file, f);
    check_lonlat(&place, &f.shape)?;
    repair(&place, f.shape.clone())
}

fn refuse(file: &str, problems: Vec<String>) -> Error {
    let n = problems.len();
    let mut text = format!("文件「{file}」有 {n} 处问题，未导入任何数据：");
    for p in problems.iter().take(MAX_LISTED) {
        text.push_str("\n  · ");
        text.push_str(p);
    }
    if n > MAX_LISTED {
        text.push_str(&format!("\n  …… 另有 {} 处", n - MAX_LISTED));
    }
    Error::invalid(text)
}

/// Sets town boundaries from `path`. Features are matched to towns by name, or by the town's
/// number (`code` property); each boundary must lie inside the town's county.
pub async fn import_boundaries(store: &Store, path: &Path) -> Result<ImportSummary> {
    let file = file_label(path);
    let features = read_features(path)?;
    let towns: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, county_code FROM towns")
            .fetch_all(store.pool())
            .await?;
    let by_name: HashMap<&str, &(i64, String, String)> =
        towns.iter().map(|t| (t.1.as_str(), t)).collect();
    let by_id: HashMap<String, &(i64, String, String)> =
        towns.iter().map(|t| (t.0.to_string(), t)).collect();

    let drawn = Shapes::load(store).await?;
    let mut problems = Vec::new();
    let mut accepted: Vec<(i64, String, MultiPolygon<f64>)> = Vec::new();
    let mut seen: HashMap<i64, usize> = HashMap::new();
    for f in &features {
        let place = place_of(&file, f);
        let town = f
            .name()
            .and_then(|n| by_name.get(n.as_str()).copied())
            .or_else(|| f.code().and_then(|c| by_id.get(&c).copied()));
        let Some((id, name, county_code)) = town else {
            problems.push(match (f.name(), f.code()) {
                (None, None) => {
                    format!("{place}：缺少小镇名称属性（name 或 名称）或编号属性（code）")
                }
                (n, c) => format!(
                    "{place}：找不到对应的小镇（名称「{}」，编号「{}」）",
                    n.unwrap_or_default(),
                    c.unwrap_or_default()
                ),
            });
            continue;
        };
        if let Some(first) = seen.insert(*id, f.number) {
            problems.push(format!(
                "{place}：小镇「{name}」已由第 {first} 个要素给出边界，不能重复"
            ));
            continue;
        }
        let shape = match clean(&file, f) {
            Ok(s) => s,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        if let Some(county) = division(county_code) {
            if let Err(e) = check_inside(&place, &shape, &county.name, drawn.of(county)) {
                problems.push(e.to_string());
                continue;
            }
        }
        accepted.push((*id, name.clone(), shape));
    }
    if !problems.is_empty() {
        return Err(refuse(&file, problems));
    }

    let mut tx = store.pool().begin().await?;
    for (id, _, shape) in &accepted {
        set_boundary(&mut tx, *id, shape, None).await?;
    }
    crate::store::audit(
        &mut tx,
        "import",
        "towns",
        None,
        accepted.len() as i64,
        &format!("导入小镇四至范围 {} 个", accepted.len()),
        &crate::store::actor(&file),
    )
    .await?;
    tx.commit().await?;
    Ok(ImportSummary {
        file,
        features: features.len(),
        area_km2: accepted.iter().map(|(_, _, s)| multipolygon_km2(s)).sum(),
        towns: accepted.into_iter().map(|(_, n, _)| n).collect(),
    })
}

/// Replaces the control-line layer of `kind` with the polygons of `path`.
pub async fn import_layer(store: &Store, kind: ControlKind, path: &Path) -> Result<ImportSummary> {
    let file = file_label(path);
    let features = read_features(path)?;
    let mut problems = Vec::new();
    let mut accepted = Vec::with_capacity(features.len());
    for f in &features {
        match clean(&file, f) {
            Ok(s) => accepted.push((f.number, s)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(refuse(&file, problems));
    }
    let mut tx = store.pool().begin().await?;
    let now = chrono::Local::now().to_rfc3339();
    replace_layer(&mut tx, kind, &file, &accepted, false, &now).await?;
    crate::store::audit(
        &mut tx,
        "import",
        "control_layers",
        Some(kind.key()),
        accepted.len() as i64,
        &format!("导入{}图层 {} 个面", kind.label(), accepted.len()),
        &crate::store::actor(&file),
    )
    .await?;
    tx.commit().await?;
    Ok(ImportSummary {
        file,
        features: accepted.len(),
        area_km2: accepted.iter().map(|(_, s)| multipolygon_km2(s)).sum(),
        towns: vec![],
    })
}

/// An imported division may differ from the bundled one (another source, another scale), but at
/// least this share of it must lie on the bundled division of the same code: more apart means a
/// wrong code, a wrong datum or a projected file read as degrees.
const DIVISION_MIN_SHARED: f64 = 0.5;

/// Replaces the bundled boundaries of the cities or counties that `path` names (by `adcode`/`code`,
/// else by name) with the file's official ones. Every feature is checked first; any problem
/// rejects the whole file. A new import of a level replaces the previous one of that level.
pub async fn import_divisions(store: &Store, level: Level, path: &Path) -> Result<ImportSummary> {
    let level_key = match level {
        Level::City => "city",
        Level::County => "county",
        _ => {
            return Err(Error::invalid(
                "只能导入设区市（city）或县（市、区）（county）的边界",
            ))
        }
    };
    let file = file_label(path);
    let features = read_features(path)?;
    let known: Vec<_> = divisions().iter().filter(|d| d.level == level).collect();
    let mut problems = Vec::new();
    let mut accepted: Vec<(String, String, MultiPolygon<f64>)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for f in &features {
        let place = place_of(&file, f);
        let by_code = f.code().and_then(|c| known.iter().find(|d| d.code == c));
        let by_name = || {
            let n = f.name()?;
            let hits: Vec<_> = known.iter().filter(|d| d.name == n).collect();
            (hits.len() == 1).then(|| *hits[0])
        };
        let Some(d) = by_code.copied().or_else(by_name) else {
            problems.push(format!(
                "{place}：找不到对应的{}（编码「{}」，名称「{}」），请用 adcode 或 code 属性给出六位行政区划代码",
                level.label(),
                f.code().unwrap_or_default(),
                f.name().unwrap_or_default()
            ));
            continue;
        };
        if let Some(first) = seen.insert(d.code.clone(), f.number) {
            problems.push(format!(
                "{place}：「{}」已由第 {first} 个要素给出边界，不能重复",
                d.name
            ));
            continue;
        }
        let shape = match clean(&file, f) {
            Ok(s) => s,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let shared = 1.0 - share_outside(&shape, &d.shape);
        if shared < DIVISION_MIN_SHARED {
            problems.push(format!(
                "{place}：边界只有 {:.1}% 的面积与内置的「{}」重合（至少 {:.0}%），请核对行政区划代码和坐标系（须为 WGS84 经纬度）",
                shared * 100.0,
                d.name,
                DIVISION_MIN_SHARED * 100.0
            ));
            continue;
        }
        accepted.push((d.code.clone(), d.name.clone(), shape));
    }
    if accepted.is_empty() && problems.is_empty() {
        problems.push("文件中没有面要素".to_string());
    }
    if !problems.is_empty() {
        return Err(refuse(&file, problems));
    }
    let rows: Vec<(String, MultiPolygon<f64>)> = accepted
        .iter()
        .map(|(c, _, s)| (c.clone(), s.clone()))
        .collect();
    let mut tx = store.pool().begin().await?;
    replace_division_boundaries(&mut tx, level_key, &file, &rows).await?;
    crate::store::audit(
        &mut tx,
        "import",
        "division_boundaries",
        Some(level_key),
        rows.len() as i64,
        &format!("导入{}边界 {} 个", level.label(), rows.len()),
        &crate::store::actor(&file),
    )
    .await?;
    tx.commit().await?;
    Ok(ImportSummary {
        file,
        features: accepted.len(),
        area_km2: accepted.iter().map(|(_, _, s)| multipolygon_km2(s)).sum(),
        towns: accepted.into_iter().map(|(_, n, _)| n).collect(),
    })
}

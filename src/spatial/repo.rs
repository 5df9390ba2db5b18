//! Reading and writing the spatial rows of the store: town boundaries (`towns.boundary_geojson`),
//! control-line layers (`control_layers`, `control_polygons`) and check results.

use std::collections::HashMap;

use geo::{BoundingRect, MultiPolygon, Polygon};
use rayon::prelude::*;
use sqlx::SqliteConnection;

use super::area::multipolygon_km2;
use super::io::to_multipolygon;
use super::overlay::ControlLayer;
use super::ControlKind;
use crate::error::{Error, Result};
use crate::store::Store;

/// GeoJSON text of a (multi)polygon, coordinates rounded to 1e-7° (about 1 cm).
pub fn to_geojson(shape: &MultiPolygon<f64>) -> String {
    use geo::MapCoords;
    let rounded = shape.map_coords(|c| geo::Coord {
        x: (c.x * 1e7).round() / 1e7,
        y: (c.y * 1e7).round() / 1e7,
    });
    let value = if rounded.0.len() == 1 {
        geojson::GeometryValue::from(&rounded.0[0])
    } else {
        geojson::GeometryValue::from(&rounded)
    };
    geojson::Geometry::new(value).to_string()
}

/// Parses geometry text written by [`to_geojson`] (or any GeoJSON polygon geometry).
pub fn from_geojson(what: &str, text: &str) -> Result<MultiPolygon<f64>> {
    let g: geojson::Geometry = serde_json::from_str(text)
        .map_err(|e| Error::Store(format!("{what}的边界数据已损坏：{e}")))?;
    to_multipolygon(&g.value).map_err(|m| Error::Store(format!("{what}的边界数据有误：{m}")))
}

/// Every town boundary in the store, by town id.
pub async fn load_boundaries(store: &Store) -> Result<HashMap<i64, MultiPolygon<f64>>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT id, name, boundary_geojson FROM towns WHERE boundary_geojson IS NOT NULL",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_par_iter()
        .map(|(id, name, text)| Ok((id, from_geojson(&format!("小镇「{name}」"), &text)?)))
        .collect()
}

/// The current layers (only kinds that have been loaded), indexed for overlay.
pub async fn load_layers(store: &Store) -> Result<Vec<ControlLayer>> {
    let mut out = Vec::new();
    for kind in ControlKind::ALL {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT geometry FROM control_polygons WHERE kind = ? ORDER BY id")
                .bind(kind.key())
                .fetch_all(store.pool())
                .await?;
        let loaded: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM control_layers WHERE kind = ?")
            .bind(kind.key())
            .fetch_one(store.pool())
            .await?;
        if loaded == 0 {
            continue;
        }
        let polygons: Vec<Polygon<f64>> = rows
            .par_iter()
            .map(|(g,)| from_geojson(kind.label(), g).map(|mp| mp.0))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .collect();
        out.push(ControlLayer::new(kind, polygons));
    }
    Ok(out)
}

/// Whether a layer of `kind` is loaded, and whether it is demo data.
pub async fn layer_info(store: &Store) -> Result<Vec<(ControlKind, String, bool, i64)>> {
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT l.kind, l.source, l.is_demo, COUNT(p.id) FROM control_layers l
         LEFT JOIN control_polygons p ON p.kind = l.kind GROUP BY l.kind ORDER BY l.kind",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_iter()
        .map(|(k, source, demo, n)| Ok((ControlKind::parse(&k)?, source, demo != 0, n)))
        .collect()
}

/// Replaces the layer of `kind` (call inside a transaction).
pub async fn replace_layer(
    conn: &mut SqliteConnection,
    kind: ControlKind,
    source: &str,
    features: &[(usize, MultiPolygon<f64>)],
    is_demo: bool,
    imported_at: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM control_layers WHERE kind = ?")
        .bind(kind.key())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO control_layers (kind, name, source, imported_at, is_demo) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(kind.key())
    .bind(kind.label())
    .bind(source)
    .bind(imported_at)
    .bind(is_demo as i64)
    .execute(&mut *conn)
    .await?;
    for (feature, shape) in features {
        let Some(r) = shape.bounding_rect() else {
            continue;
        };
        sqlx::query(
            "INSERT INTO control_polygons (kind, feature, geometry, area_km2, min_lon, min_lat, max_lon, max_lat, is_demo)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(kind.key())
        .bind(*feature as i64)
        .bind(to_geojson(shape))
        .bind(multipolygon_km2(shape))
        .bind(r.min().x)
        .bind(r.min().y)
        .bind(r.max().x)
        .bind(r.max().y)
        .bind(is_demo as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Writes a town's boundary; `at` moves its point too when given.
pub async fn set_boundary(
    conn: &mut SqliteConnection,
    town_id: i64,
    shape: &MultiPolygon<f64>,
    at: Option<geo::Coord<f64>>,
) -> Result<()> {
    let q = match at {
        Some(c) => {
            sqlx::query("UPDATE towns SET boundary_geojson = ?, lon = ?, lat = ? WHERE id = ?")
                .bind(to_geojson(shape))
                .bind((c.x * 1e6).round() / 1e6)
                .bind((c.y * 1e6).round() / 1e6)
                .bind(town_id)
        }
        None => sqlx::query("UPDATE towns SET boundary_geojson = ? WHERE id = ?")
            .bind(to_geojson(shape))
            .bind(town_id),
    };
    q.execute(&mut *conn).await?;
    Ok(())
}

/// The user's imported city and county boundaries, by division code.
pub async fn load_division_boundaries(store: &Store) -> Result<HashMap<String, MultiPolygon<f64>>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT code, geometry FROM division_boundaries")
            .fetch_all(store.pool())
            .await?;
    rows.into_iter()
        .map(|(code, text)| {
            Ok((
                code.clone(),
                from_geojson(&format!("区划「{code}」"), &text)?,
            ))
        })
        .collect()
}

/// Replaces every imported boundary of `level` (`city` or `county`) with `rows`.
pub async fn replace_division_boundaries(
    conn: &mut SqliteConnection,
    level: &str,
    source: &str,
    rows: &[(String, MultiPolygon<f64>)],
) -> Result<()> {
    sqlx::query("DELETE FROM division_boundaries WHERE level = ?")
        .bind(level)
        .execute(&mut *conn)
        .await?;
    let now = chrono::Local::now().to_rfc3339();
    for (code, shape) in rows {
        sqlx::query(
            "INSERT INTO division_boundaries (code, level, geometry, source, imported_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(code)
        .bind(level)
        .bind(to_geojson(shape))
        .bind(source)
        .bind(&now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

//! Reading and writing the spatial rows of the store: town boundaries (`towns.boundary_geojson`),
//! control-line layers (`control_layers`, `control_polygons`) and check results.

use geo::{BoundingRect, MultiPolygon, Polygon};
use rayon::prelude::*;
use sqlx::{Sqlite, Transaction};

use super::area::multipolygon_km2;
use super::io::to_multipolygon;
use super::overlay::ControlLayer;
use super::ControlKind;
use crate::error::{Error, Result};
use crate::store::Store;

/// A town as the map and the checks need it.
#[derive(Debug, Clone)]
pub struct TownRow {
    pub id: i64,
    pub name: String,
    pub county_code: String,
    pub category: String,
    pub stage: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub boundary: Option<MultiPolygon<f64>>,
    pub is_demo: bool,
}

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

type TownTuple = (
    i64,
    String,
    String,
    String,
    String,
    Option<f64>,
    Option<f64>,
    Option<String>,
    i64,
);

pub async fn load_towns(store: &Store) -> Result<Vec<TownRow>> {
    let rows: Vec<TownTuple> = sqlx::query_as(
        "SELECT id, name, county_code, category, stage, lon, lat, boundary_geojson, is_demo
         FROM towns ORDER BY id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.into_par_iter()
        .map(
            |(id, name, county_code, category, stage, lon, lat, boundary, is_demo)| {
                let boundary = boundary
                    .map(|b| from_geojson(&format!("小镇「{name}」"), &b))
                    .transpose()?;
                Ok(TownRow {
                    id,
                    name,
                    county_code,
                    category,
                    stage,
                    lon,
                    lat,
                    boundary,
                    is_demo: is_demo != 0,
                })
            },
        )
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

/// Replaces the layer of `kind` inside `tx`.
pub async fn replace_layer(
    tx: &mut Transaction<'_, Sqlite>,
    kind: ControlKind,
    source: &str,
    features: &[(usize, MultiPolygon<f64>)],
    is_demo: bool,
) -> Result<()> {
    sqlx::query("DELETE FROM control_layers WHERE kind = ?")
        .bind(kind.key())
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO control_layers (kind, name, source, imported_at, is_demo) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(kind.key())
    .bind(kind.label())
    .bind(source)
    .bind(chrono::Local::now().to_rfc3339())
    .bind(is_demo as i64)
    .execute(&mut **tx)
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
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Writes a town's boundary inside `tx`; `at` moves its point too when given.
pub async fn set_boundary(
    tx: &mut Transaction<'_, Sqlite>,
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
    q.execute(&mut **tx).await?;
    Ok(())
}

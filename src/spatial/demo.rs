//! Demo geometry (示例数据): a plausible boundary for every demo town and synthetic control-line
//! layers that trigger a few violations. Deterministic for a given seed and input order.
//!
//! Town boundaries are irregular star-shaped polygons (always simple) of 1–4.6 km², two named
//! towns are made larger than the 5 km² rule allows, every boundary lies inside its county and
//! none overlaps another. Control lines are blobs scattered through the counties, kept clear of
//! towns except for a few chosen ones, plus an urban development boundary around every town that
//! a few towns are pushed partly outside of.

use geo::{
    Area, BoundingRect, Contains, Coord, Intersects, LineString, MultiPolygon, Point, Polygon,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};

use super::area::polygon_km2;
use super::bundled::{division, divisions, Level};
use super::ControlKind;

/// Named towns made deliberately larger than the 5 km² rule.
pub const OVERSIZED_NAMED: usize = 2;
/// Towns per layer made to break the red-line and farmland rules, and to stick out of the urban
/// development boundary.
pub const VIOLATORS: [(ControlKind, usize); 3] = [
    (ControlKind::Redline, 3),
    (ControlKind::Farmland, 3),
    (ControlKind::Urban, 2),
];

/// Kilometres per degree of latitude, and of longitude at the equator (good enough to shape a
/// blob; its area is then set exactly with the geodesic area).
const KM_PER_DEG_LAT: f64 = 110.57;
const KM_PER_DEG_LON: f64 = 111.32;

#[derive(Debug, Clone)]
pub struct DemoTown {
    pub id: i64,
    /// Six-digit county code.
    pub county: String,
    pub at: Coord<f64>,
    pub named: bool,
}

#[derive(Debug, Clone)]
pub struct PlacedTown {
    pub id: i64,
    pub shape: MultiPolygon<f64>,
    /// Where the polygon ended up (its generating centre); the town's point should move here.
    pub at: Coord<f64>,
}

#[derive(Debug, Clone)]
pub struct DemoGeometry {
    pub towns: Vec<PlacedTown>,
    pub layers: Vec<(ControlKind, Vec<Polygon<f64>>)>,
}

/// An irregular star-shaped ring around `c` of roughly `area_km2`.
fn blob(rng: &mut ChaCha8Rng, c: Coord<f64>, area_km2: f64, roughness: f64) -> Polygon<f64> {
    let n = rng.gen_range(12..22);
    let step = std::f64::consts::TAU / n as f64;
    let phase: [f64; 3] = [rng.gen(), rng.gen(), rng.gen()];
    let amp: [f64; 3] = [rng.gen(), rng.gen(), rng.gen()];
    let shape: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = i as f64 * step + rng.gen_range(-0.3..0.3) * step;
            let wave: f64 = (1..=3)
                .map(|k| amp[k - 1] * (k as f64 * t + phase[k - 1] * std::f64::consts::TAU).cos())
                .sum::<f64>()
                / 3.0;
            let r = (1.0 + roughness * (wave + rng.gen_range(-0.15..0.15))).max(0.35);
            (t, r)
        })
        .collect();
    let at_scale = |s: f64| {
        let kx = KM_PER_DEG_LON * c.y.to_radians().cos();
        let ring: LineString<f64> = shape
            .iter()
            .map(|(t, r)| {
                (
                    c.x + s * r * t.cos() / kx,
                    c.y + s * r * t.sin() / KM_PER_DEG_LAT,
                )
            })
            .collect();
        Polygon::new(ring, vec![])
    };
    let unit = polygon_km2(&at_scale(1.0));
    at_scale((area_km2 / unit).sqrt())
}

type Boxed = GeomWithData<Rectangle<[f64; 2]>, usize>;

fn boxed(p: &Polygon<f64>, i: usize) -> Option<Boxed> {
    let r = p.bounding_rect()?;
    Some(GeomWithData::new(
        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
        i,
    ))
}

fn hits(tree: &RTree<Boxed>, shapes: &[Polygon<f64>], p: &Polygon<f64>) -> bool {
    let Some(r) = p.bounding_rect() else {
        return false;
    };
    let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
    tree.locate_in_envelope_intersecting(&env)
        .any(|g| shapes[g.data].intersects(p))
}

/// Generates the demo geometry for `towns` (in a fixed order) with `seed`. `background` is the
/// number of control-line polygons per layer scattered away from the towns.
pub fn generate(towns: &[DemoTown], seed: u64, background: usize) -> DemoGeometry {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let named: Vec<usize> = (0..towns.len()).filter(|&i| towns[i].named).collect();
    let oversized: Vec<usize> = pick(&mut rng, &named, OVERSIZED_NAMED);

    let mut placed: Vec<PlacedTown> = Vec::new();
    let mut shapes: Vec<Polygon<f64>> = Vec::new();
    let mut tree: RTree<Boxed> = RTree::new();
    for (i, t) in towns.iter().enumerate() {
        let Some(county) = division(&t.county).filter(|d| d.level == Level::County) else {
            continue;
        };
        let target = if oversized.contains(&i) {
            rng.gen_range(5.4..6.4)
        } else {
            rng.gen_range(1.0..4.6)
        };
        let mut found = None;
        for attempt in 0..40 {
            // First try where the town is, then shrink and wander further afield.
            let shrink = if oversized.contains(&i) {
                1.0
            } else {
                0.93f64.powi(attempt)
            };
            let reach = 0.004 * attempt as f64;
            let c = Coord {
                x: t.at.x + rng.gen_range(-reach..=reach),
                y: t.at.y + rng.gen_range(-reach..=reach),
            };
            let p = blob(&mut rng, c, (target * shrink).max(0.8), 0.45);
            if county.shape.contains(&p) && !hits(&tree, &shapes, &p) {
                found = Some((c, p));
                break;
            }
        }
        if let Some((c, p)) = found {
            if let Some(b) = boxed(&p, shapes.len()) {
                tree.insert(b);
            }
            shapes.push(p.clone());
            placed.push(PlacedTown {
                id: t.id,
                shape: MultiPolygon(vec![p]),
                at: c,
            });
        }
    }

    let layers = control_layers(&mut rng, &placed, &tree, &shapes, background);
    DemoGeometry {
        towns: placed,
        layers,
    }
}

/// `n` distinct items of `from`, chosen with `rng`.
fn pick(rng: &mut ChaCha8Rng, from: &[usize], n: usize) -> Vec<usize> {
    let mut pool = from.to_vec();
    let mut out = Vec::new();
    while out.len() < n && !pool.is_empty() {
        out.push(pool.swap_remove(rng.gen_range(0..pool.len())));
    }
    out
}

fn control_layers(
    rng: &mut ChaCha8Rng,
    placed: &[PlacedTown],
    tree: &RTree<Boxed>,
    shapes: &[Polygon<f64>],
    background: usize,
) -> Vec<(ControlKind, Vec<Polygon<f64>>)> {
    let all: Vec<usize> = (0..placed.len()).collect();
    let mut chosen = pick(rng, &all, VIOLATORS.iter().map(|(_, n)| n).sum());
    let counties: Vec<_> = divisions()
        .iter()
        .filter(|d| d.level == Level::County)
        .collect();
    let mut out = Vec::new();
    for (kind, n) in VIOLATORS {
        let violators: Vec<usize> = chosen.drain(..n.min(chosen.len())).collect();
        let mut polys = Vec::new();
        if kind == ControlKind::Urban {
            // Every town sits inside a generous development boundary…
            for (i, t) in placed.iter().enumerate() {
                let area = t.shape.unsigned_area();
                let c = if violators.contains(&i) {
                    // …except the chosen few, whose boundary is shifted so part of the town sticks out.
                    let r = (area.sqrt()) * 0.9;
                    Coord {
                        x: t.at.x + r,
                        y: t.at.y + r * 0.3,
                    }
                } else {
                    t.at
                };
                let km2 = polygon_km2(&t.shape.0[0]);
                polys.push(blob(rng, c, km2 * 4.0, 0.1));
            }
        } else {
            // A blob over the edge of each chosen town…
            for &i in &violators {
                let t = &placed[i];
                let r = t.shape.unsigned_area().sqrt() * 0.6;
                let c = Coord {
                    x: t.at.x + r,
                    y: t.at.y - r * 0.5,
                };
                let km2 = rng.gen_range(0.6..1.4);
                polys.push(blob(rng, c, km2, 0.3));
            }
        }
        // …and background polygons in random counties, clear of every town.
        let mut tries = 0;
        let mut added = 0;
        while added < background && tries < background * 20 {
            tries += 1;
            let county = counties[rng.gen_range(0..counties.len())];
            let Some(r) = county.shape.bounding_rect() else {
                continue;
            };
            let c = Coord {
                x: rng.gen_range(r.min().x..r.max().x),
                y: rng.gen_range(r.min().y..r.max().y),
            };
            if !county.shape.contains(&Point(c)) {
                continue;
            }
            let km2 = rng.gen_range(0.2..3.0);
            let p = blob(rng, c, km2, 0.5);
            if !hits(tree, shapes, &p) {
                polys.push(p);
                added += 1;
            }
        }
        out.push((kind, polys));
    }
    out
}

/// Mixed into the demo seed so the geometry's random stream differs from the figures'.
const MAP_SEED_SALT: u64 = 0x006d_6170;

/// Control-line polygons per layer scattered through the demo province, away from the towns.
pub const DEMO_BACKGROUND: usize = 300;
/// Source text of demo layers.
pub const DEMO_SOURCE: &str = "示例数据（随机生成，非真实控制线）";

/// Gives every demo town in the store a boundary (moving its point to the boundary's centre) and
/// replaces the demo control-line layers. Called by the demo generator inside its transaction;
/// a layer the user imported is left alone.
pub async fn write(conn: &mut sqlx::SqliteConnection, seed: u64) -> crate::Result<()> {
    type Row = (i64, String, Option<f64>, Option<f64>, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, county_code, lon, lat, stage FROM towns WHERE is_demo = 1 ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let towns: Vec<DemoTown> = rows
        .into_iter()
        .filter_map(|(id, county, lon, lat, stage)| {
            Some(DemoTown {
                id,
                county,
                at: Coord { x: lon?, y: lat? },
                named: stage == crate::vocab::NAMED,
            })
        })
        .collect();
    let geometry = generate(&towns, seed ^ MAP_SEED_SALT, DEMO_BACKGROUND);
    for t in &geometry.towns {
        super::repo::set_boundary(&mut *conn, t.id, &t.shape, Some(t.at)).await?;
    }
    // All demo layers go first, so that polygon ids restart and a reload equals a fresh load.
    sqlx::query("DELETE FROM control_layers WHERE is_demo = 1")
        .execute(&mut *conn)
        .await?;
    for (kind, polygons) in &geometry.layers {
        let user_layer: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM control_layers WHERE kind = ? AND is_demo = 0")
                .bind(kind.key())
                .fetch_optional(&mut *conn)
                .await?;
        if user_layer.is_some() {
            continue;
        }
        let features: Vec<(usize, MultiPolygon<f64>)> = polygons
            .iter()
            .enumerate()
            .map(|(i, p)| (i + 1, MultiPolygon(vec![p.clone()])))
            .collect();
        // Dated like the rest of the demo so that the same seed gives the same database.
        super::repo::replace_layer(
            &mut *conn,
            *kind,
            DEMO_SOURCE,
            &features,
            true,
            crate::demo::AS_OF,
        )
        .await?;
    }
    Ok(())
}

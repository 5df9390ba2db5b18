//! The demo's industry chains: the shipped definitions (`assets/chains/`) written as demo rows,
//! and the firms the figures put on a chain spread over the bottom-level links so that the
//! panorama shows every case: strong links, thin ones, empty ones and one held by a single firm.
//!
//! Its own ChaCha8 stream (seeded from the demo seed), so the other demo figures do not shift.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::SqliteConnection;

use super::figures::{Enterprise, Link};
use super::towns::DemoTown;
use crate::chain::{definition, repo};
use crate::error::Result;

/// Mixed into the demo seed for this stream.
const STREAM: u64 = 0x17_c4a1;

/// How the demo fills a bottom-level link.
#[derive(Clone, Copy, PartialEq)]
enum Fill {
    Empty,
    Single,
    /// Held by few towns, with a small weight.
    Thin,
    /// Held by most towns, with this weight.
    Strong(f64),
}

/// A bottom-level link: its id, segment and how the demo fills it.
type Leaf = (i64, String, Fill);

/// Writes the default chains and moves every firm with a chain link onto a link of its town's
/// category's chain (in the segment of the link the figures gave it where the town holds one).
pub async fn write(
    conn: &mut SqliteConnection,
    seed: u64,
    towns: &[DemoTown],
    old_links: &[Link],
    firms: &mut [Enterprise],
) -> Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ STREAM);
    // Per category: the bottom-level links as (id, segment, fill).
    let mut leaves: Vec<(String, Vec<Leaf>)> = Vec::new();
    for def in definition::defaults() {
        let written = repo::write(conn, &def, true).await?;
        let mut list: Vec<Leaf> = def
            .links
            .iter()
            .filter(|l| def.links.iter().all(|c| c.parent.as_ref() != Some(&l.code)))
            .map(|l| {
                (
                    written.link_ids[&l.code],
                    l.segment.clone(),
                    Fill::Strong(1.0),
                )
            })
            .collect();
        let mut order: Vec<usize> = (0..list.len()).collect();
        order.shuffle(&mut rng);
        for (k, &i) in order.iter().enumerate() {
            list[i].2 = match k {
                0 => Fill::Empty,
                1 => Fill::Single,
                2 | 3 => Fill::Thin,
                _ => Fill::Strong(rng.gen_range(0.3..2.0)),
            };
        }
        leaves.push((def.category.clone(), list));
    }
    let segment_of: HashMap<i64, &str> = old_links.iter().map(|l| (l.id, l.segment)).collect();
    let category_of_town: HashMap<i64, &str> = towns.iter().map(|t| (t.id, t.category)).collect();

    // Which links each town holds: most strong ones, a thin one rarely.
    let mut held: HashMap<i64, Vec<(i64, String, f64)>> = HashMap::new();
    for t in towns {
        let Some((_, list)) = leaves.iter().find(|(c, _)| c == t.category) else {
            continue;
        };
        let mut mine: Vec<(i64, String, f64)> = list
            .iter()
            .filter_map(|(id, seg, fill)| match *fill {
                Fill::Strong(w) if rng.gen_bool(0.6) => Some((*id, seg.clone(), w)),
                Fill::Thin if rng.gen_bool(0.04) => Some((*id, seg.clone(), 0.3)),
                _ => None,
            })
            .collect();
        if mine.is_empty() {
            if let Some((id, seg, _)) = list.iter().find(|l| matches!(l.2, Fill::Strong(_))) {
                mine.push((*id, seg.clone(), 1.0));
            }
        }
        held.insert(t.id, mine);
    }
    for firm in firms.iter_mut() {
        let Some(old) = firm.chain_link_id else {
            continue;
        };
        let mine = &held[&firm.town_id];
        let seg = segment_of.get(&old).copied().unwrap_or_default();
        let same: Vec<&(i64, String, f64)> = mine.iter().filter(|l| l.1 == seg).collect();
        let pool: Vec<&(i64, String, f64)> = if same.is_empty() {
            mine.iter().collect()
        } else {
            same
        };
        firm.chain_link_id = pool.choose_weighted(&mut rng, |l| l.2).ok().map(|l| l.0);
    }
    // One firm, not a chain leader, alone on each single-firm link.
    for (category, list) in &leaves {
        for (id, _, fill) in list {
            if *fill != Fill::Single {
                continue;
            }
            let candidates: Vec<usize> = firms
                .iter()
                .enumerate()
                .filter(|(_, f)| {
                    f.chain_link_id.is_some()
                        && !f.flags[6]
                        && category_of_town.get(&f.town_id) == Some(&category.as_str())
                })
                .map(|(i, _)| i)
                .collect();
            if let Some(&i) = candidates.choose(&mut rng) {
                firms[i].chain_link_id = Some(*id);
            }
        }
    }
    Ok(())
}

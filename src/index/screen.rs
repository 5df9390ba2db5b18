//! Screen units by data availability: a unit (or unit-period) with fewer than the required share
//! of its indicators present is dropped.

use super::frame::Frame;
use super::method::Scope;

/// The kept rows and the screened frame. `Pooled` judges a unit over all its periods and keeps
/// or drops it as a whole; `PerPeriod` judges each unit-period row on its own.
pub fn apply(frame: &Frame, min_availability: f64, scope: Scope) -> (Vec<usize>, Frame) {
    let k = frame.values.len() as f64;
    // Counted column by column: reading each column in order instead of striding across all of
    // them for every row keeps the scan in cache.
    let mut count = vec![0usize; frame.rows.len()];
    for col in &frame.values {
        for (n, v) in count.iter_mut().zip(col.iter()) {
            *n += usize::from(!v.is_nan());
        }
    }
    let present = |r: usize| count[r];
    let mut keep: Vec<usize> = match scope {
        Scope::PerPeriod => (0..frame.rows.len())
            .filter(|&r| present(r) as f64 / k >= min_availability)
            .collect(),
        Scope::Pooled => frame
            .rows
            .by_unit()
            .into_iter()
            .filter(|rows| {
                let have: usize = rows.iter().map(|&r| present(r)).sum();
                have as f64 / (k * rows.len() as f64) >= min_availability
            })
            .flatten()
            .collect(),
    };
    keep.sort_unstable();
    if keep.len() == frame.rows.len() {
        return (keep, frame.clone());
    }
    let out = frame.subset(&keep);
    (keep, out)
}

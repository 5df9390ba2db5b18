//! Impute missing values: by the indicator's mean or median (over the units of the same period),
//! the same within a group, or along time for panels (last observation carried forward, linear
//! between observed periods).

use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;

use super::frame::{Column, Frame};
use super::method::{Impute, ImputeMethod};
use super::stats;
use crate::error::{Error, Result};

pub fn apply(frame: &Frame, spec: &Impute) -> Result<Frame> {
    let mut out = frame.clone();
    match spec.method {
        ImputeMethod::None => {}
        ImputeMethod::Mean | ImputeMethod::Median => {
            let cells = frame.rows.by_period();
            fill_by_cells(&mut out.values, &cells, spec.method == ImputeMethod::Median);
        }
        ImputeMethod::MeanGroup | ImputeMethod::MedianGroup => {
            let name = spec.group.as_deref().unwrap_or_default();
            let group = frame
                .group(name)
                .ok_or_else(|| Error::invalid(format!("插补所用的分组列「{name}」不在数据中")))?;
            // Cells: (period, group) pairs.
            let mut index: HashMap<(usize, &str), usize> = HashMap::new();
            let mut cells: Vec<Vec<usize>> = Vec::new();
            for (r, g) in group.iter().enumerate() {
                let k = *index
                    .entry((frame.rows.period[r], g.as_str()))
                    .or_insert_with(|| {
                        cells.push(Vec::new());
                        cells.len() - 1
                    });
                cells[k].push(r);
            }
            fill_by_cells(
                &mut out.values,
                &cells,
                spec.method == ImputeMethod::MedianGroup,
            );
        }
        ImputeMethod::Locf | ImputeMethod::Linear => {
            let units = frame.rows.by_unit();
            let pos = &frame.rows.period_pos;
            let period = &frame.rows.period;
            with_missing(&mut out.values, |col| {
                for rows in &units {
                    if spec.method == ImputeMethod::Locf {
                        locf(col, rows);
                    } else {
                        let t: Vec<f64> = rows.iter().map(|&r| pos[period[r]]).collect();
                        linear(col, rows, &t);
                    }
                }
            });
        }
    }
    Ok(out)
}

/// Runs `fill` on the columns that miss values, in parallel; the others stay shared with the
/// stage before.
fn with_missing(values: &mut [Column], fill: impl Fn(&mut Vec<f64>) + Sync) {
    values
        .par_iter_mut()
        .filter(|col| col.iter().any(|v| v.is_nan()))
        .for_each(|col| fill(Arc::make_mut(col)));
}

/// Replaces missing values with the mean/median of the present values of the same cell.
fn fill_by_cells(values: &mut [Column], cells: &[Vec<usize>], median: bool) {
    if !median {
        return fill_by_cell_means(values, cells);
    }
    with_missing(values, |col| {
        let mut buf = Vec::new();
        for rows in cells {
            if !rows.iter().any(|&r| col[r].is_nan()) {
                continue;
            }
            buf.clear();
            buf.extend(rows.iter().map(|&r| col[r]));
            let fill = stats::median(&buf);
            for &r in rows {
                if col[r].is_nan() {
                    col[r] = fill;
                }
            }
        }
    });
}

/// The mean case in one sequential pass per column, every cell summed at once: the cells list
/// their rows in ascending order, so each cell's sum is added up in the same order as
/// [`stats::mean`] over that cell (bit for bit the same fill), without gathering.
fn fill_by_cell_means(values: &mut [Column], cells: &[Vec<usize>]) {
    let n = values.first().map_or(0, |c| c.len());
    let mut cell_of = vec![usize::MAX; n];
    for (k, rows) in cells.iter().enumerate() {
        for &r in rows {
            cell_of[r] = k;
        }
    }
    with_missing(values, |col| {
        let mut sum = vec![0.0; cells.len()];
        let mut count = vec![0usize; cells.len()];
        for (&v, &k) in col.iter().zip(&cell_of) {
            if !v.is_nan() && k != usize::MAX {
                sum[k] += v;
                count[k] += 1;
            }
        }
        for (v, &k) in col.iter_mut().zip(&cell_of) {
            if v.is_nan() && k != usize::MAX && count[k] > 0 {
                *v = sum[k] / count[k] as f64;
            }
        }
    });
}

/// Last observation carried forward along one unit's rows (in time order).
fn locf(col: &mut [f64], rows: &[usize]) {
    let mut last = f64::NAN;
    for &r in rows {
        if col[r].is_nan() {
            col[r] = last;
        } else {
            last = col[r];
        }
    }
}

/// Linear interpolation between observed periods at positions `t`; no extrapolation.
fn linear(col: &mut [f64], rows: &[usize], t: &[f64]) {
    let mut prev: Option<usize> = None;
    for k in 0..rows.len() {
        if col[rows[k]].is_nan() {
            continue;
        }
        if let Some(p) = prev {
            let (y0, y1) = (col[rows[p]], col[rows[k]]);
            for m in p + 1..k {
                let f = (t[m] - t[p]) / (t[k] - t[p]);
                col[rows[m]] = y0 + f * (y1 - y0);
            }
        }
        prev = Some(k);
    }
}

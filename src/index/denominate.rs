//! Denominate: divide each indicator that names a denominator by that column (e.g. per capita,
//! per unit of GDP), so that big and small units compare.

use std::sync::Arc;

use super::frame::{Frame, Structure};
use crate::error::{Error, Result};

/// Returns the denominated copy of `frame`. A zero or missing denominator makes the value missing
/// rather than infinite; a unit whose denominator is zero is reported.
pub fn apply(frame: &Frame, structure: &Structure) -> Result<Frame> {
    let mut out = frame.clone();
    for (j, &i) in structure.indicators.iter().enumerate() {
        let Some(d) = &structure.nodes[i].denominator else {
            continue;
        };
        let (_, den) = frame
            .denominators
            .iter()
            .find(|(n, _)| n == d)
            .ok_or_else(|| Error::invalid(format!("数据中缺少分母列「{d}」")))?;
        for (r, v) in Arc::make_mut(&mut out.values[j]).iter_mut().enumerate() {
            if den[r] == 0.0 && !v.is_nan() {
                return Err(Error::invalid(format!(
                    "单位「{}」的分母「{d}」为 0，指标「{}」无法相除",
                    frame.rows.unit[r], structure.nodes[i].code
                )));
            }
            *v /= den[r];
        }
    }
    Ok(out)
}

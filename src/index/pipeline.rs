//! The pipeline in COINr's order: denominate → impute → screen → treat → normalise → weights →
//! aggregate → rank. Every intermediate stage is kept so that any number can be explained.

use std::str::FromStr;

use super::aggregate::{self, Scores};
use super::frame::{Frame, Structure};
use super::method::Method;
use super::treat::Treatment;
use super::weights::NodeWeights;
use super::{denominate, impute, normalise, screen, treat, weights};
use crate::error::{Error, Result};

/// An intermediate data set that can be written out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Denominated,
    Imputed,
    Screened,
    Treated,
    Normalised,
}

impl FromStr for Stage {
    type Err = Error;
    fn from_str(s: &str) -> Result<Stage> {
        Ok(match s {
            "denominated" => Stage::Denominated,
            "imputed" => Stage::Imputed,
            "screened" => Stage::Screened,
            "treated" => Stage::Treated,
            "normalised" | "normalized" => Stage::Normalised,
            other => {
                return Err(Error::invalid(format!(
                "未知的阶段「{other}」，应为 denominated、imputed、screened、treated 或 normalised"
            )))
            }
        })
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub denominated: Frame,
    pub imputed: Frame,
    /// Rows of `imputed` kept by screening.
    pub kept: Vec<usize>,
    pub screened: Frame,
    pub treated: Frame,
    pub treatment: Vec<Treatment>,
    pub normalised: Frame,
    pub weights: NodeWeights,
    pub scores: Scores,
    /// Rank of each screened row within its period (1 = best).
    pub rank: Vec<Option<u32>>,
}

impl Outcome {
    pub fn stage(&self, stage: Stage) -> &Frame {
        match stage {
            Stage::Denominated => &self.denominated,
            Stage::Imputed => &self.imputed,
            Stage::Screened => &self.screened,
            Stage::Treated => &self.treated,
            Stage::Normalised => &self.normalised,
        }
    }

    /// Score column of any node (normalised values for an indicator).
    pub fn score<'a>(&'a self, structure: &Structure, node: usize) -> &'a [f64] {
        self.scores.column(structure, &self.normalised, node)
    }
}

/// The rows left after denominating, imputing and screening (shared with the uncertainty run).
pub fn prepare(
    frame: &Frame,
    structure: &Structure,
    method: &Method,
) -> Result<(Frame, Frame, Vec<usize>, Frame)> {
    let denominated = if method.denominate.enabled {
        denominate::apply(frame, structure)?
    } else {
        frame.clone()
    };
    let imputed = impute::apply(&denominated, &method.impute)?;
    let (kept, screened) = screen::apply(
        &imputed,
        method.screen.min_availability,
        method.panel.screen,
    );
    if kept.is_empty() {
        return Err(Error::invalid(format!(
            "筛选后没有单位剩下（要求数据可得率不低于 {}）",
            method.screen.min_availability
        )));
    }
    for (j, col) in screened.values.iter().enumerate() {
        if col.iter().all(|v| v.is_nan()) {
            return Err(Error::invalid(format!(
                "指标「{}」在筛选后没有任何数据",
                structure.nodes[structure.indicators[j]].code
            )));
        }
    }
    Ok((denominated, imputed, kept, screened))
}

/// Runs the whole pipeline.
pub fn compute(frame: &Frame, structure: &Structure, method: &Method) -> Result<Outcome> {
    let (denominated, imputed, kept, screened) = prepare(frame, structure, method)?;
    let (treated, treatment) =
        treat::apply(&screened, structure, &method.treat, method.panel.treat);
    let normalised = normalise::apply(
        &treated,
        structure,
        &method.normalise,
        method.panel.normalise,
    )?;
    let weights = weights::compute(structure, &treated, &normalised, &method.weights)?;
    let methods = aggregate::methods_by_node(structure, &method.aggregate);
    let scores = aggregate::apply(
        structure,
        &normalised,
        &weights.within,
        &methods,
        method.aggregate.p,
    )?;
    let rank = aggregate::rank_desc(&scores.scores[structure.root], &normalised.rows.by_period());
    Ok(Outcome {
        denominated,
        imputed,
        kept,
        screened,
        treated,
        treatment,
        normalised,
        weights,
        scores,
        rank,
    })
}

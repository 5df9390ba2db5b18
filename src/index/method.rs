//! The method file (TOML). Every key is optional; an absent key takes COINr's default for that
//! step (`Denominate` by the structure's denominators, `Impute` by the indicator mean, `Treat` by
//! winsorisation with winmax 5, |skew| 2, kurtosis 3.5, `Normalise` min-max to [0, 100],
//! weights from the structure, arithmetic aggregation). Screening keeps every unit by default.
//!
//! ```toml
//! [denominate] enabled = true
//! [impute]     method = "mean_group"  group = "EurAsia_group"
//! [screen]     min_availability = 0.9
//! [treat]      method = "winsorise"  winmax = 5  skew = 2.0  kurt = 3.5
//! [normalise]  method = "minmax"  range = [0, 100]
//! [weights]    method = "ahp"
//! [weights.ahp.Conn] matrix = [[1, 3], ["1/3", 1]]
//! [aggregate]  method = ["arithmetic", "geometric"]   # one per level, lowest first; or one for all
//! [panel]      normalise = "pooled"  treat = "per_period"  screen = "per_period"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Method {
    pub denominate: Denominate,
    pub impute: Impute,
    pub screen: Screen,
    pub treat: Treat,
    pub normalise: Normalise,
    pub weights: Weights,
    pub aggregate: Aggregate,
    pub panel: Panel,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Denominate {
    pub enabled: bool,
}

impl Default for Denominate {
    fn default() -> Self {
        Denominate { enabled: true }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImputeMethod {
    None,
    #[default]
    Mean,
    Median,
    MeanGroup,
    MedianGroup,
    Locf,
    Linear,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Impute {
    pub method: ImputeMethod,
    /// Group column for `mean_group` / `median_group`.
    pub group: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Screen {
    /// Share of indicators a unit must have (0–1); below it the unit is dropped.
    pub min_availability: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreatMethod {
    None,
    #[default]
    Winsorise,
    /// Every indicator that fails the skew/kurtosis test is log-transformed (no winsorising).
    Log,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Treat {
    pub method: TreatMethod,
    pub winmax: usize,
    pub skew: f64,
    pub kurt: f64,
}

impl Default for Treat {
    fn default() -> Self {
        Treat {
            method: TreatMethod::Winsorise,
            winmax: 5,
            skew: 2.0,
            kurt: 3.5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NormaliseMethod {
    #[default]
    Minmax,
    Zscore,
    Goalposts,
    DistToTarget,
    Rank,
    Prank,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Normalise {
    pub method: NormaliseMethod,
    pub range: [f64; 2],
    pub mean: f64,
    pub sd: f64,
}

impl Default for Normalise {
    fn default() -> Self {
        Normalise {
            method: NormaliseMethod::Minmax,
            range: [0.0, 100.0],
            mean: 0.0,
            sd: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightMethod {
    #[default]
    Manual,
    Equal,
    /// 熵权法, Chinese form: min-max with direction, then entropy of the shares.
    Entropy,
    /// Shannon entropy of the raw shares x / Σx (Western MCDA form).
    EntropyShare,
    Ahp,
    Pca,
}

/// A number written as `3`, `0.333` or `"1/3"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Judgement {
    Number(f64),
    Text(String),
}

impl Judgement {
    pub fn value(&self) -> Option<f64> {
        match self {
            Judgement::Number(v) => Some(*v),
            Judgement::Text(s) => match s.split_once('/') {
                Some((a, b)) => Some(a.trim().parse::<f64>().ok()? / b.trim().parse::<f64>().ok()?),
                None => s.trim().parse().ok(),
            },
        }
    }
}

/// An AHP pairwise comparison matrix over the children of one aggregate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AhpMatrix {
    /// Order of the rows; the structure's order of the children when absent.
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    pub matrix: Vec<Vec<Judgement>>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub method: WeightMethod,
    /// Aggregate code → its children's comparison matrix (method `ahp`).
    pub ahp: BTreeMap<String, AhpMatrix>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateMethod {
    #[default]
    Arithmetic,
    Geometric,
    Harmonic,
    Genmean,
}

/// One method for every level, or one per level (lowest aggregation level first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PerLevel<T> {
    All(T),
    Levels(Vec<T>),
}

impl<T: Copy + Default> Default for PerLevel<T> {
    fn default() -> Self {
        PerLevel::All(T::default())
    }
}

impl<T: Copy> PerLevel<T> {
    /// The method for the `k`-th aggregation level (0 = lowest); the last one repeats.
    pub fn at(&self, k: usize) -> T {
        match self {
            PerLevel::All(t) => *t,
            PerLevel::Levels(v) => v[k.min(v.len() - 1)],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Aggregate {
    pub method: PerLevel<AggregateMethod>,
    /// Exponent of the generalised mean.
    pub p: f64,
}

impl Default for Aggregate {
    fn default() -> Self {
        Aggregate {
            method: PerLevel::default(),
            p: 1.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    #[default]
    Pooled,
    PerPeriod,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Panel {
    pub normalise: Scope,
    pub treat: Scope,
    pub screen: Scope,
}

impl Default for Panel {
    fn default() -> Self {
        Panel {
            normalise: Scope::Pooled,
            treat: Scope::PerPeriod,
            screen: Scope::PerPeriod,
        }
    }
}

impl Method {
    pub fn read(path: &Path) -> Result<Method> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Method::parse(&text, &file)
    }

    /// Parses a method file; `file` names it in error messages.
    pub fn parse(text: &str, file: &str) -> Result<Method> {
        let de = toml::Deserializer::parse(text)
            .map_err(|e| Error::invalid(format!("方法文件「{file}」不是有效的 TOML：{e}")))?;
        let method: Method = serde_path_to_error::deserialize(de).map_err(|e| {
            Error::invalid(format!(
                "方法文件「{file}」中「{}」有误：{}",
                e.path(),
                e.inner().message()
            ))
        })?;
        method.validate(file)?;
        Ok(method)
    }

    pub fn validate(&self, file: &str) -> Result<()> {
        let bad = |key: &str, what: String| {
            Err(Error::invalid(format!(
                "方法文件「{file}」中「{key}」有误：{what}"
            )))
        };
        if !(0.0..=1.0).contains(&self.screen.min_availability) {
            return bad(
                "screen.min_availability",
                format!("应在 0 到 1 之间，而不是 {}", self.screen.min_availability),
            );
        }
        if matches!(
            self.impute.method,
            ImputeMethod::MeanGroup | ImputeMethod::MedianGroup
        ) && self.impute.group.is_none()
        {
            return bad("impute.group", "按组插补需要指定分组列 group".into());
        }
        let [lo, hi] = self.normalise.range;
        if lo.is_nan() || hi.is_nan() || lo >= hi {
            return bad("normalise.range", format!("下限 {lo} 应小于上限 {hi}"));
        }
        if self.normalise.sd.is_nan() || self.normalise.sd <= 0.0 {
            return bad(
                "normalise.sd",
                format!("应为正数，而不是 {}", self.normalise.sd),
            );
        }
        if let PerLevel::Levels(v) = &self.aggregate.method {
            if v.is_empty() {
                return bad("aggregate.method", "列表不能为空".into());
            }
        }
        let genmean = match &self.aggregate.method {
            PerLevel::All(m) => *m == AggregateMethod::Genmean,
            PerLevel::Levels(v) => v.contains(&AggregateMethod::Genmean),
        };
        if genmean && !self.aggregate.p.is_finite() {
            return bad("aggregate.p", "广义平均的指数 p 应为有限数".into());
        }
        if self.treat.skew.is_nan() || self.treat.skew <= 0.0 || !self.treat.kurt.is_finite() {
            return bad("treat.skew", "偏度阈值应为正数".into());
        }
        Ok(())
    }
}

//! The colour status of a town code (绿/黄/红, 灰 for towns that have left the list) from an
//! editable rules file (`assets/towncode/rules.toml` is the default).
//!
//! Each rule compares one fact of the town with a threshold. Facts are passed in as [`Facts`];
//! a fact that is not available is simply absent, and every rule on it is reported as
//! 「未评估」 instead of silently passing. The colour is the most severe colour among the rules
//! that fired (灰 > 红 > 黄 > 绿); green when none fired.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::vocab::{self, Term};

/// The bundled default rules.
pub const DEFAULT_RULES: &str = include_str!("../../assets/towncode/rules.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Colour {
    #[serde(rename = "绿")]
    Green,
    #[serde(rename = "黄")]
    Yellow,
    #[serde(rename = "红")]
    Red,
    #[serde(rename = "灰")]
    Grey,
}

impl Colour {
    pub const ALL: [Colour; 4] = [Colour::Green, Colour::Yellow, Colour::Red, Colour::Grey];

    /// Its entry in the vocabulary (`Colour::ALL` follows `vocab::CODE_COLOURS`).
    pub fn term(self) -> &'static Term {
        &vocab::CODE_COLOURS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.term().name
    }

    /// One ASCII letter for the QR payload (kept in the QR alphanumeric set).
    pub fn letter(self) -> char {
        self.term().code.chars().next().expect("one letter")
    }

    pub fn from_letter(c: char) -> Option<Colour> {
        Colour::ALL.into_iter().find(|k| k.letter() == c)
    }

    pub fn from_name(s: &str) -> Option<Colour> {
        Colour::ALL
            .into_iter()
            .find(|k| k.name() == s || s.eq_ignore_ascii_case(&k.letter().to_string()))
    }

    /// Display colour (RGB) for cards and screens.
    pub fn rgb(self) -> (u8, u8, u8) {
        self.term()
            .colour
            .expect("every code colour has a display colour")
    }
}

impl fmt::Display for Colour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is known about a town when its colour is decided. `None` = not available.
/// Shares and rates are fractions (0.62 = 62%).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// 培育 / 创建 / 命名
    pub stage: Option<String>,
    /// 正常 / 警告 / 降格 / 淘汰 / 终止
    pub status: Option<String>,
    pub creation_start_year: Option<i32>,
    /// Whole years the town has been creating (only for towns still at the 创建 stage).
    pub creation_years: Option<f64>,
    /// Creation-period risk evaluation: 低 / 中 / 高
    pub creation_risk: Option<String>,
    pub control_line_violations: Option<f64>,
    /// Grade in the latest annual assessment: 优秀 / 良好 / 合格 / 警告 / 降格 / 淘汰
    pub latest_assessment: Option<String>,
    /// Change of the vitality-index rank since the previous period; negative = fell.
    pub index_rank_change: Option<f64>,
    /// Lead-industry share: of output for named towns, of investment for creating towns.
    pub lead_industry_share: Option<f64>,
    pub green_coverage: Option<f64>,
    pub area_km2: Option<f64>,
    /// Housing and commercial-complex share of all investment.
    pub housing_investment_share: Option<f64>,
    /// Time elapsed minus progress towards the town's targets (0.25 = 25 points behind time).
    pub target_progress_gap: Option<f64>,
    /// Supporting numbers per fact key (e.g. the km² under each control line), appended to the
    /// reason when a rule on that fact fires.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub evidence: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
enum FactValue {
    Number(f64),
    Text(String),
}

/// How a fact is named and shown.
struct FactSpec {
    key: &'static str,
    label: &'static str,
    /// Numbers shown ×100 with a % sign.
    percent: bool,
    unit: &'static str,
}

const FACTS: &[FactSpec] = &[
    FactSpec {
        key: "stage",
        label: "阶段",
        percent: false,
        unit: "",
    },
    FactSpec {
        key: "status",
        label: "清单状态",
        percent: false,
        unit: "",
    },
    FactSpec {
        key: "creation_start_year",
        label: "创建起始年份",
        percent: false,
        unit: "年",
    },
    FactSpec {
        key: "creation_years",
        label: "创建年限",
        percent: false,
        unit: "年",
    },
    FactSpec {
        key: "creation_risk",
        label: "创建期风险评估",
        percent: false,
        unit: "",
    },
    FactSpec {
        key: "control_line_violations",
        label: "三条控制线违规",
        percent: false,
        unit: "处",
    },
    FactSpec {
        key: "latest_assessment",
        label: "最近一次考核",
        percent: false,
        unit: "",
    },
    FactSpec {
        key: "index_rank_change",
        label: "活力指数排名变化",
        percent: false,
        unit: "位",
    },
    FactSpec {
        key: "lead_industry_share",
        label: "特色产业占比",
        percent: true,
        unit: "",
    },
    FactSpec {
        key: "green_coverage",
        label: "绿化覆盖率",
        percent: true,
        unit: "",
    },
    FactSpec {
        key: "area_km2",
        label: "小镇面积",
        percent: false,
        unit: "平方公里",
    },
    FactSpec {
        key: "housing_investment_share",
        label: "商品住宅和商业综合体投资占比",
        percent: true,
        unit: "",
    },
    FactSpec {
        key: "target_progress_gap",
        label: "目标进度落后于时间进度",
        percent: true,
        unit: "",
    },
];

impl Facts {
    fn get(&self, key: &str) -> Option<FactValue> {
        use FactValue::{Number, Text};
        match key {
            "stage" => self.stage.clone().map(Text),
            "status" => self.status.clone().map(Text),
            "creation_start_year" => self.creation_start_year.map(|y| Number(y as f64)),
            "creation_years" => self.creation_years.map(Number),
            "creation_risk" => self.creation_risk.clone().map(Text),
            "control_line_violations" => self.control_line_violations.map(Number),
            "latest_assessment" => self.latest_assessment.clone().map(Text),
            "index_rank_change" => self.index_rank_change.map(Number),
            "lead_industry_share" => self.lead_industry_share.map(Number),
            "green_coverage" => self.green_coverage.map(Number),
            "area_km2" => self.area_km2.map(Number),
            "housing_investment_share" => self.housing_investment_share.map(Number),
            "target_progress_gap" => self.target_progress_gap.map(Number),
            _ => None,
        }
    }
}

fn spec(key: &str) -> Option<&'static FactSpec> {
    FACTS.iter().find(|f| f.key == key)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "in")]
    In,
}

impl Op {
    fn words(self) -> &'static str {
        match self {
            Op::Gt => "高于",
            Op::Ge => "达到或超过",
            Op::Lt => "低于",
            Op::Le => "不高于",
            Op::Eq => "为",
            Op::In => "属于",
        }
    }
}

/// A threshold: a number, a text, or a list of texts (for `in`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Number(f64),
    Text(String),
    List(Vec<String>),
}

/// One rule as written in the rules file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub colour: Colour,
    pub fact: String,
    pub op: Op,
    pub threshold: Threshold,
    pub description: String,
    /// Only towns at these stages are judged by the rule (empty = all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<String>,
}

/// How the creation-period facts (`target_progress_gap`, `creation_risk`) are derived from
/// the store: the `[creation]` table of the rules file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreationSpec {
    /// Effective investment (housing and commercial complexes excluded) expected over the
    /// creation period, 亿元.
    pub investment_target_yi: f64,
    /// Length of the creation period, years.
    pub period_years: u32,
    /// Investment progress this far behind time is one risk signal.
    pub risk_gap: f64,
    /// A year-over-year change of output at or below this is one risk signal (-0.0 = any fall).
    pub risk_output_change: f64,
    /// Signals for 高 (one signal or more gives 中).
    pub high_signals: u32,
}

impl Default for CreationSpec {
    fn default() -> Self {
        CreationSpec {
            investment_target_yi: 20.0,
            period_years: 3,
            risk_gap: 0.5,
            risk_output_change: 0.0,
            high_signals: 2,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    version: Option<u32>,
    #[serde(default)]
    creation: Option<CreationSpec>,
    rule: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    rules: Vec<Rule>,
    creation: CreationSpec,
}

/// Whether a rule fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleState {
    #[serde(rename = "触发")]
    Fired,
    #[serde(rename = "未触发")]
    Passed,
    #[serde(rename = "未评估")]
    NotEvaluated,
    #[serde(rename = "不适用")]
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleOutcome {
    pub id: String,
    pub colour: Colour,
    pub description: String,
    pub state: RuleState,
    /// The fact's value as shown (e.g. 「62.0%」), when known.
    pub value: Option<String>,
    pub threshold: String,
    /// One Chinese sentence with the numbers.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColourStatus {
    pub colour: Colour,
    /// Rules that fired (the reasons), most severe first.
    pub fired: Vec<RuleOutcome>,
    /// Every rule with its outcome, in file order.
    pub rules: Vec<RuleOutcome>,
}

impl ColourStatus {
    pub fn not_evaluated(&self) -> impl Iterator<Item = &RuleOutcome> {
        self.rules
            .iter()
            .filter(|r| r.state == RuleState::NotEvaluated)
    }
}

impl Rules {
    pub fn bundled() -> Rules {
        Rules::parse(DEFAULT_RULES, "内置规则文件").expect("bundled rules are valid")
    }

    /// Reads a rules file; errors name the file, the rule and the field.
    pub fn load(path: &Path) -> Result<Rules> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Rules::parse(&text, &path.display().to_string())
    }

    pub fn parse(text: &str, origin: &str) -> Result<Rules> {
        let file: RulesFile = toml::from_str(text)
            .map_err(|e| Error::invalid(format!("规则文件「{origin}」格式有误：{e}")))?;
        if let Some(v) = file.version.filter(|v| *v != 1) {
            return Err(Error::invalid(format!(
                "规则文件「{origin}」的版本 {v} 不受支持（应为 1）"
            )));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, rule) in file.rule.iter().enumerate() {
            let at = format!("规则文件「{origin}」第 {} 条规则（{}）", i + 1, rule.id);
            if !seen.insert(rule.id.clone()) {
                return Err(Error::invalid(format!("{at}：编号重复")));
            }
            if spec(&rule.fact).is_none() {
                let known: Vec<&str> = FACTS.iter().map(|f| f.key).collect();
                return Err(Error::invalid(format!(
                    "{at}：事实「{}」未定义，可用：{}",
                    rule.fact,
                    known.join("、")
                )));
            }
            let ok = matches!(
                (rule.op, &rule.threshold),
                (Op::Gt | Op::Ge | Op::Lt | Op::Le, Threshold::Number(_))
                    | (Op::Eq, Threshold::Number(_) | Threshold::Text(_))
                    | (Op::In, Threshold::List(_))
            );
            if !ok {
                return Err(Error::invalid(format!(
                    "{at}：比较符与阈值不匹配（>、>=、<、<= 用数值，== 用数值或文字，in 用文字列表）"
                )));
            }
        }
        let creation = file.creation.unwrap_or_default();
        if creation.investment_target_yi.is_nan()
            || creation.investment_target_yi <= 0.0
            || creation.period_years == 0
        {
            return Err(Error::invalid(format!(
                "规则文件「{origin}」[creation]：investment_target_yi 和 period_years 须大于 0"
            )));
        }
        Ok(Rules {
            rules: file.rule,
            creation,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn creation(&self) -> &CreationSpec {
        &self.creation
    }

    /// Decides the colour of one town.
    pub fn evaluate(&self, facts: &Facts) -> ColourStatus {
        let outcomes: Vec<RuleOutcome> = self.rules.iter().map(|r| judge(r, facts)).collect();
        let mut fired: Vec<RuleOutcome> = outcomes
            .iter()
            .filter(|o| o.state == RuleState::Fired)
            .cloned()
            .collect();
        fired.sort_by_key(|o| std::cmp::Reverse(o.colour));
        let colour = fired.first().map(|o| o.colour).unwrap_or(Colour::Green);
        ColourStatus {
            colour,
            fired,
            rules: outcomes,
        }
    }
}

fn show_number(spec: &FactSpec, v: f64) -> String {
    if spec.percent {
        format!("{:.1}%", v * 100.0)
    } else if v.fract() == 0.0 {
        format!("{v:.0}{}", spec.unit)
    } else {
        format!("{v:.2}{}", spec.unit)
    }
}

fn show_threshold(spec: &FactSpec, t: &Threshold) -> String {
    match t {
        Threshold::Number(n) => show_number(spec, *n),
        Threshold::Text(s) => s.clone(),
        Threshold::List(l) => l.join("、"),
    }
}

fn judge(rule: &Rule, facts: &Facts) -> RuleOutcome {
    let spec = spec(&rule.fact).expect("checked when the rules were read");
    let threshold = show_threshold(spec, &rule.threshold);
    let outcome = |state, value: Option<String>, detail: String| RuleOutcome {
        id: rule.id.clone(),
        colour: rule.colour,
        description: rule.description.clone(),
        state,
        value,
        threshold: threshold.clone(),
        detail,
    };
    if !rule.stages.is_empty() {
        match &facts.stage {
            Some(stage) if !rule.stages.contains(stage) => {
                return outcome(
                    RuleState::NotApplicable,
                    None,
                    format!("仅适用于{}小镇", rule.stages.join("、")),
                )
            }
            None => {
                return outcome(
                    RuleState::NotEvaluated,
                    None,
                    "未评估：缺少「阶段」数据".into(),
                )
            }
            _ => {}
        }
    }
    let Some(value) = facts.get(&rule.fact) else {
        return outcome(
            RuleState::NotEvaluated,
            None,
            format!("未评估：缺少「{}」数据", spec.label),
        );
    };
    let (fires, shown) = match (&value, &rule.threshold) {
        (FactValue::Number(v), Threshold::Number(t)) => {
            let fires = match rule.op {
                Op::Gt => v > t,
                Op::Ge => v >= t,
                Op::Lt => v < t,
                Op::Le => v <= t,
                Op::Eq => (v - t).abs() < 1e-9,
                Op::In => false,
            };
            (fires, show_number(spec, *v))
        }
        (FactValue::Text(v), Threshold::Text(t)) => (rule.op == Op::Eq && v == t, v.clone()),
        (FactValue::Text(v), Threshold::List(l)) => (l.contains(v), v.clone()),
        (FactValue::Number(v), _) => (false, show_number(spec, *v)),
        (FactValue::Text(v), _) => (false, v.clone()),
    };
    let (state, detail) = if fires {
        let evidence = facts
            .evidence
            .get(&rule.fact)
            .map(|e| format!("（{e}）"))
            .unwrap_or_default();
        (
            RuleState::Fired,
            format!(
                "{}：{} {}，{}{}{evidence}",
                rule.description,
                spec.label,
                shown,
                rule.op.words(),
                threshold
            ),
        )
    } else {
        (
            RuleState::Passed,
            format!(
                "{} {}（阈值：{}{}）",
                spec.label,
                shown,
                rule.op.words(),
                threshold
            ),
        )
    };
    outcome(state, Some(shown), detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_follow_the_vocabulary() {
        let letters: String = Colour::ALL.iter().map(|c| c.letter()).collect();
        assert_eq!(letters, "GYRX");
        let names: String = Colour::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names, "绿黄红灰");
        assert_eq!(Colour::Red.rgb(), (214, 51, 47));
        assert_eq!(Colour::ALL.len(), vocab::CODE_COLOURS.len());
    }

    fn named_town() -> Facts {
        Facts {
            stage: Some("命名".into()),
            status: Some("正常".into()),
            lead_industry_share: Some(0.82),
            green_coverage: Some(0.41),
            area_km2: Some(3.2),
            housing_investment_share: Some(0.05),
            control_line_violations: Some(0.0),
            index_rank_change: Some(2.0),
            ..Facts::default()
        }
    }

    #[test]
    fn bundled_rules_read_and_green_when_nothing_fires() {
        let rules = Rules::bundled();
        assert!(rules.rules().len() >= 10);
        let status = rules.evaluate(&named_town());
        assert_eq!(status.colour, Colour::Green);
        assert!(status.fired.is_empty());
        // Facts not given are reported, not silently passed.
        assert!(status
            .not_evaluated()
            .any(|o| o.detail.contains("最近一次考核")));
    }

    #[test]
    fn fires_with_the_numbers() {
        let rules = Rules::bundled();
        let mut facts = named_town();
        facts.lead_industry_share = Some(0.62);
        let status = rules.evaluate(&facts);
        assert_eq!(status.colour, Colour::Yellow);
        assert_eq!(status.fired.len(), 1);
        assert_eq!(status.fired[0].value.as_deref(), Some("62.0%"));
        assert!(
            status.fired[0].detail.contains("62.0%"),
            "{:?}",
            status.fired[0]
        );
        assert!(status.fired[0].detail.contains("70.0%"));

        facts.control_line_violations = Some(2.0);
        let status = rules.evaluate(&facts);
        assert_eq!(status.colour, Colour::Red);
        assert_eq!(status.fired[0].colour, Colour::Red);
        assert!(
            status.fired[0].detail.contains("2处"),
            "{:?}",
            status.fired[0]
        );

        facts.status = Some("终止".into());
        assert_eq!(rules.evaluate(&facts).colour, Colour::Grey);
    }

    #[test]
    fn stage_limited_rules_skip_other_stages() {
        let rules = Rules::bundled();
        let mut facts = named_town();
        facts.stage = Some("创建".into());
        facts.area_km2 = Some(6.5);
        let status = rules.evaluate(&facts);
        let area = status
            .rules
            .iter()
            .find(|o| o.id == "Y4")
            .expect("area rule");
        assert_eq!(area.state, RuleState::NotApplicable);
        facts.stage = Some("命名".into());
        assert_eq!(rules.evaluate(&facts).colour, Colour::Yellow);
    }

    #[test]
    fn bad_rules_files_name_the_rule() {
        let e = Rules::parse(
            "[[rule]]\nid = \"X1\"\ncolour = \"红\"\nfact = \"height\"\nop = \">\"\nthreshold = 1\ndescription = \"d\"\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("X1") && e.to_string().contains("height"),
            "{e}"
        );
        let e = Rules::parse(
            "[[rule]]\nid = \"X1\"\ncolour = \"红\"\nfact = \"area_km2\"\nop = \"in\"\nthreshold = 1\ndescription = \"d\"\n",
            "t.toml",
        )
        .unwrap_err();
        assert!(e.to_string().contains("不匹配"), "{e}");
        let e = Rules::parse("[[rule]]\nid = 1\n", "t.toml").unwrap_err();
        assert!(e.to_string().contains("t.toml"), "{e}");
    }
}

//! A cell to the value the store keeps, or the Chinese reason it cannot be: types, ranges,
//! codes (credit code check character, county exists, town known, indicator in the catalogue).

use std::collections::HashMap;

use serde::Serialize;
use sqlx::SqliteConnection;

use super::kinds::{Field, Ty};
use super::period::{self, Period};
use super::read::{format_number, Cell};
use super::units::{Conversion, Measure};
use crate::error::Result;
use crate::vocab;

/// A value as the store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
}

impl Value {
    /// Equal as stored values (an integral REAL equals the same INTEGER).
    pub fn same(&self, other: &Value) -> bool {
        match (self.number(), other.number()) {
            (Some(a), Some(b)) => a == b,
            _ => self == other,
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            _ => None,
        }
    }

    /// The value as exports write it.
    pub fn text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Int(i) => i.to_string(),
            Value::Real(r) => format_number(*r),
            Value::Text(t) => t.clone(),
        }
    }
}

/// Why a cell was refused: the fault and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Bad {
    pub problem: String,
    pub expected: String,
}

fn bad(problem: impl Into<String>, expected: impl Into<String>) -> Bad {
    Bad {
        problem: problem.into(),
        expected: expected.into(),
    }
}

/// One catalogue indicator.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub unit: String,
}

/// What validation looks names up in: counties, towns and the indicator catalogue, read once per
/// file inside the import's transaction (so a package's towns are known to its enterprises).
#[derive(Debug, Default)]
pub struct Reference {
    counties: HashMap<String, String>,
    towns: HashMap<String, i64>,
    indicators: Vec<Indicator>,
}

impl Reference {
    pub async fn load(conn: &mut SqliteConnection) -> Result<Reference> {
        let divisions: Vec<(String, String)> =
            sqlx::query_as("SELECT code, name FROM divisions WHERE level = 'county'")
                .fetch_all(&mut *conn)
                .await?;
        let mut counties = HashMap::new();
        let mut name_count: HashMap<String, usize> = HashMap::new();
        for (_, name) in &divisions {
            *name_count.entry(name.clone()).or_default() += 1;
        }
        for (code, name) in divisions {
            if name_count[&name] == 1 {
                counties.insert(name, code.clone());
            }
            counties.insert(code.clone(), code);
        }
        let towns: Vec<(String, i64)> = sqlx::query_as("SELECT name, id FROM towns")
            .fetch_all(&mut *conn)
            .await?;
        let indicators: Vec<(String, String, String)> =
            sqlx::query_as("SELECT code, name, unit FROM indicators ORDER BY sort_order")
                .fetch_all(&mut *conn)
                .await?;
        Ok(Reference {
            counties,
            towns: towns.into_iter().collect(),
            indicators: indicators
                .into_iter()
                .map(|(code, name, unit)| Indicator { code, name, unit })
                .collect(),
        })
    }

    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The indicator whose code or name is `text`.
    pub fn indicator(&self, text: &str) -> Option<&Indicator> {
        self.indicators
            .iter()
            .find(|i| i.code.eq_ignore_ascii_case(text) || i.name == text)
    }

    pub fn town_id(&self, name: &str) -> Option<i64> {
        self.towns.get(name).copied()
    }
}

/// Text a user typed as a number: thousands separators, spaces and full-width digits allowed.
pub fn parse_number(text: &str) -> Option<f64> {
    let t: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | ' ' | '\u{3000}'))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '－' => '-',
            _ => c,
        })
        .collect();
    let n: f64 = t.parse().ok()?;
    n.is_finite().then_some(n)
}

fn number_of(cell: &Cell) -> std::result::Result<f64, Bad> {
    match cell {
        Cell::Number(n) => Ok(*n),
        Cell::Text(t) => parse_number(t).ok_or_else(|| bad("不是数字", "数字（可带千分位逗号）")),
        Cell::Bool(_) => Err(bad("是逻辑值", "数字")),
        Cell::Date(_) => Err(bad("是日期", "数字")),
        Cell::Error(_) => Err(bad("是公式的错误结果", "数字（请先修正公式）")),
        Cell::Empty => Err(bad("为空", "数字")),
    }
}

fn text_of(cell: &Cell) -> String {
    match cell {
        Cell::Number(_) | Cell::Date(_) => cell.shown(),
        Cell::Text(t) => t.clone(),
        Cell::Bool(_) | Cell::Error(_) | Cell::Empty => cell.shown(),
    }
}

fn range_text(min: Option<f64>, above_min: bool, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{} 到 {} 之间的数", format_number(a), format_number(b)),
        (Some(a), None) if above_min => format!("大于 {} 的数", format_number(a)),
        (Some(a), None) => format!("不小于 {} 的数", format_number(a)),
        (None, Some(b)) => format!("不大于 {} 的数", format_number(b)),
        (None, None) => "数字".to_string(),
    }
}

/// A date cell (text, Excel date or serial number) as YYYY-MM-DD.
fn date_of(cell: &Cell) -> std::result::Result<chrono::NaiveDate, Bad> {
    let expected = period::DATE_FORMS;
    match cell {
        Cell::Date(n) | Cell::Number(n) => {
            period::excel_date(*n).ok_or_else(|| bad("不是有效的日期序列号", expected))
        }
        Cell::Text(t) => match parse_number(t) {
            // A serial number stored as text.
            Some(n) if !t.contains(['-', '/', '年']) => {
                period::excel_date(n).ok_or_else(|| bad("不是有效的日期", expected))
            }
            _ => period::parse_date(t).ok_or_else(|| bad("不是有效的日期", expected)),
        },
        _ => Err(bad("不是日期", expected)),
    }
}

/// A period cell: text, a year number, or an Excel date at a quarter's end.
pub fn period_of(cell: &Cell) -> std::result::Result<Period, Bad> {
    let expected = period::PERIOD_FORMS;
    match cell {
        Cell::Number(n) if (2000.0..=2100.0).contains(n) && n.fract() == 0.0 => Ok(Period {
            year: *n as i64,
            quarter: 4,
        }),
        Cell::Number(n) | Cell::Date(n) => period::excel_date(*n)
            .and_then(period::period_of_date)
            .ok_or_else(|| bad("不是年份或季末日期", expected)),
        Cell::Text(t) => period::parse_period(t).ok_or_else(|| bad("不是可识别的期间", expected)),
        _ => Err(bad("不是期间", expected)),
    }
}

/// Converts one cell of `field`; `conversion` turns a number in the header's unit into the
/// store's. An empty optional cell is NULL (false for 是/否).
pub fn convert(
    cell: &Cell,
    field: &Field,
    conversion: Conversion,
    reference: &Reference,
) -> std::result::Result<Value, Bad> {
    if cell.is_empty() {
        return match field.ty {
            Ty::Bool => Ok(Value::Int(0)),
            _ if field.required => Err(bad("为空", expected_of(field))),
            _ => Ok(Value::Null),
        };
    }
    match field.ty {
        Ty::Text => Ok(Value::Text(text_of(cell))),
        Ty::Real {
            min,
            above_min,
            max,
            ..
        } => {
            let v = conversion.apply(number_of(cell)?);
            let low = min.is_some_and(|m| if above_min { v <= m } else { v < m });
            let high = max.is_some_and(|m| v > m);
            if low || high {
                return Err(bad("超出范围", range_text(min, above_min, max)));
            }
            Ok(Value::Real(v))
        }
        Ty::Int { min, max } => {
            let v = number_of(cell)?;
            if v.fract() != 0.0 {
                return Err(bad("不是整数", "整数"));
            }
            if v < min as f64 || v > max as f64 {
                return Err(bad("超出范围", format!("{min} 到 {max} 之间的整数")));
            }
            Ok(Value::Int(v as i64))
        }
        Ty::Bool => match cell {
            Cell::Bool(b) => Ok(Value::Int(*b as i64)),
            Cell::Number(n) if *n == 0.0 || *n == 1.0 => Ok(Value::Int(*n as i64)),
            Cell::Text(t) => match t.to_ascii_uppercase().as_str() {
                "是" | "1" | "Y" | "YES" | "TRUE" | "√" => Ok(Value::Int(1)),
                "否" | "0" | "N" | "NO" | "FALSE" | "×" => Ok(Value::Int(0)),
                _ => Err(bad("不是是/否", "「是」或「否」")),
            },
            _ => Err(bad("不是是/否", "「是」或「否」")),
        },
        Ty::Date => Ok(Value::Text(date_of(cell)?.format("%Y-%m-%d").to_string())),
        Ty::Choice(terms) => {
            let t = text_of(cell);
            if vocab::contains(terms, &t) {
                Ok(Value::Text(t))
            } else {
                Err(bad(
                    "不在可选范围内",
                    format!("{} 之一", vocab::names(terms, "/")),
                ))
            }
        }
        Ty::County => {
            let t = text_of(cell);
            reference
                .counties
                .get(&t)
                .map(|code| Value::Text(code.clone()))
                .ok_or_else(|| bad("不是已知的县（市、区）", expected_of(field)))
        }
        Ty::Town => {
            let t = text_of(cell);
            reference
                .town_id(&t)
                .map(Value::Int)
                .ok_or_else(|| bad("不是已登记的小镇", expected_of(field)))
        }
        Ty::CreditCode => {
            let t = text_of(cell).to_ascii_uppercase();
            if t.chars().count() != 18 || !t.is_ascii() {
                return Err(bad(
                    format!("有 {} 位", t.chars().count()),
                    "18 位统一社会信用代码",
                ));
            }
            let expected_check = crate::credit_code::check_char(&t[..17]).map_err(|_| {
                bad(
                    "含有不允许的字符",
                    "数字或除 I、O、S、V、Z 外的大写字母组成的 18 位代码",
                )
            })?;
            if t.as_bytes()[17] as char != expected_check {
                return Err(bad(
                    "校验位错误",
                    format!("第 18 位「{expected_check}」（按 GB 32100 计算）"),
                ));
            }
            Ok(Value::Text(t))
        }
        Ty::Indicator => {
            let t = text_of(cell);
            reference
                .indicator(&t)
                .map(|i| Value::Text(i.code.clone()))
                .ok_or_else(|| bad("不是指标目录中的指标", expected_of(field)))
        }
        Ty::Unit => Ok(Value::Text(text_of(cell))),
        Ty::Period => Err(bad("不是期间", period::PERIOD_FORMS)),
    }
}

/// What a column expects, for messages.
pub fn expected_of(field: &Field) -> String {
    match field.ty {
        Ty::Text | Ty::Unit => format!("「{}」的内容", field.header),
        Ty::Real {
            min,
            above_min,
            max,
            ..
        } => range_text(min, above_min, max),
        Ty::Int { min, max } => format!("{min} 到 {max} 之间的整数"),
        Ty::Bool => "「是」或「否」".into(),
        Ty::Date => period::DATE_FORMS.into(),
        Ty::Choice(terms) => format!("{} 之一", vocab::names(terms, "/")),
        Ty::County => "6 位县级行政区划代码或县（市、区）名称，如「330106」或「西湖区」".into(),
        Ty::Town => "小镇清单中已有的小镇名称（可先导入小镇清单）".into(),
        Ty::CreditCode => "18 位统一社会信用代码".into(),
        Ty::Period => period::PERIOD_FORMS.into(),
        Ty::Indicator => "指标目录中的指标名称或代码，如「总产出」或「output」".into(),
    }
}

/// The conversion a header's unit asks for, for a column whose store unit is `store_unit` (and
/// `measure` when it converts); `Err` says why the unit cannot be used.
pub fn header_conversion(
    written: Option<&str>,
    store_unit: Option<&str>,
    measure: Option<Measure>,
) -> std::result::Result<Conversion, String> {
    let Some(unit) = written.filter(|u| !u.is_empty()) else {
        return Ok(Conversion::IDENTITY);
    };
    if let Some(m) = measure.or_else(|| store_unit.and_then(Measure::of_store_unit)) {
        return m.conversion(unit).ok_or_else(|| {
            format!(
                "单位「{unit}」无法换算为「{}」，应为 {} 之一",
                m.store_unit(),
                m.accepted()
            )
        });
    }
    match store_unit {
        Some(s) if s == unit => Ok(Conversion::IDENTITY),
        Some(s) => Err(format!("单位「{unit}」与应填的单位「{s}」不符")),
        None => Err(format!("单位「{unit}」不适用于此列，此列没有单位")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::kinds::ENTERPRISES;

    fn field(name: &str) -> &'static Field {
        ENTERPRISES.iter().find(|f| f.name == name).unwrap()
    }

    #[test]
    fn numbers_stored_as_text_are_read() {
        assert_eq!(parse_number("1,234.5"), Some(1234.5));
        assert_eq!(parse_number("１２３"), Some(123.0));
        assert_eq!(parse_number("约100"), None);
        assert_eq!(parse_number("NaN"), None);
    }

    #[test]
    fn cells_convert_or_say_why_not() {
        let r = Reference::default();
        let out = field("output_wan_yuan");
        let yi = Measure::Money.conversion("亿元").unwrap();
        assert_eq!(
            convert(&Cell::Text("1.5".into()), out, yi, &r),
            Ok(Value::Real(15_000.0))
        );
        assert_eq!(
            convert(&Cell::Text("-3".into()), out, Conversion::IDENTITY, &r)
                .unwrap_err()
                .expected,
            "不小于 0 的数"
        );
        assert_eq!(
            convert(&Cell::Empty, field("is_listed"), Conversion::IDENTITY, &r),
            Ok(Value::Int(0))
        );
        // 45383 is 2024-04-01 (1899-12-30 + 45383 days, computed with Python's datetime).
        assert_eq!(
            convert(
                &Cell::Number(45383.0),
                field("founded_date"),
                Conversion::IDENTITY,
                &r
            ),
            Ok(Value::Text("2024-04-01".into()))
        );
        // A valid code with its last character changed.
        let code = crate::credit_code::compose("91", "330106", "MA2CD4FL").unwrap();
        let mut wrong = code.clone();
        let last = if code.ends_with('1') { '2' } else { '1' };
        wrong.replace_range(17.., &last.to_string());
        let e = convert(
            &Cell::Text(wrong),
            field("credit_code"),
            Conversion::IDENTITY,
            &r,
        )
        .unwrap_err();
        assert_eq!(e.problem, "校验位错误");
    }

    #[test]
    fn header_units_convert_or_are_refused() {
        assert_eq!(
            header_conversion(Some("亿元"), Some("万元"), None)
                .unwrap()
                .apply(2.0),
            20_000.0
        );
        assert_eq!(
            header_conversion(Some("美元"), Some("万元"), Some(Measure::Money)).unwrap_err(),
            "单位「美元」无法换算为「万元」，应为 元/万元/亿元 之一"
        );
        assert!(header_conversion(Some("家"), Some("家"), None).is_ok());
        assert!(header_conversion(Some("个"), Some("家"), None).is_err());
    }
}

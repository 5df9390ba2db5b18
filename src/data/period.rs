//! Periods (2024, 2024Q3, 2024年第三季度, 2024-09) and dates (2024-03-05, 2024/3/5, 2024年3月5日,
//! Excel serial numbers) as users' files write them.

use chrono::{Datelike, Duration, NaiveDate};

/// What a period cell may hold, for messages.
pub const PERIOD_FORMS: &str =
    "年份或季度，如「2024」「2024Q3」「2024年第三季度」「2024-09」（季末月份）";
pub const DATE_FORMS: &str = "日期，如「2024-03-05」「2024/3/5」「2024年3月5日」";

/// A reporting period: a year's figure is its quarter 4 (year-to-date values, see migration 0001).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub year: i64,
    pub quarter: i64,
}

impl Period {
    /// 「2024Q3」; a year's figure prints as its quarter 4.
    pub fn label(self) -> String {
        format!("{}Q{}", self.year, self.quarter)
    }
}

/// The date an Excel serial number stands for (the 1900 system, as Excel and WPS write it; the
/// fictitious 1900-02-29 means dates from March 1900 on count from 1899-12-30).
pub fn excel_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    base.checked_add_signed(Duration::days(serial.floor() as i64))
}

fn year_ok(y: i64) -> bool {
    (2000..=2100).contains(&y)
}

fn chinese_numeral(s: &str) -> Option<i64> {
    match s {
        "一" | "1" => Some(1),
        "二" | "2" => Some(2),
        "三" | "3" => Some(3),
        "四" | "4" => Some(4),
        _ => None,
    }
}

/// Parses a period written as text. A month must end a quarter (values are reported at quarters'
/// ends).
pub fn parse_period(text: &str) -> Option<Period> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let num = |s: &str| s.parse::<i64>().ok();
    let period = |year: i64, quarter: i64| {
        (year_ok(year) && (1..=4).contains(&quarter)).then_some(Period { year, quarter })
    };
    let from_month = |year: i64, month: i64| {
        if month % 3 == 0 && (3..=12).contains(&month) {
            period(year, month / 3)
        } else {
            None
        }
    };
    // 2024 / 2024年 / 2024年度 / 2024.0 (a number cell read as text)
    let bare = t
        .trim_end_matches("年度")
        .trim_end_matches('年')
        .trim_end_matches(".0");
    if bare.len() == 4 {
        if let Some(y) = num(bare) {
            return period(y, 4);
        }
    }
    // 2024Q3 / 2024-Q3 / 2024年Q3
    if let Some((y, q)) = t.split_once('Q') {
        let y = y.trim_end_matches(['-', '年', '/', '.']);
        return period(num(y)?, num(q)?);
    }
    // 2024年第三季度 / 2024年三季度 / 2024年第3季度
    if let Some((y, rest)) = t.split_once('年') {
        if let Some(q) = rest.strip_suffix("季度") {
            return period(num(y)?, chinese_numeral(q.trim_start_matches('第'))?);
        }
        // 2024年9月
        if let Some(m) = rest.strip_suffix('月') {
            return from_month(num(y)?, num(m)?);
        }
        return None;
    }
    // 2024-09 / 2024/9 / 2024.09
    for sep in ['-', '/', '.'] {
        if let Some((y, m)) = t.split_once(sep) {
            if m.contains(sep) {
                // A full date: the quarter it ends.
                let d = parse_date(&t)?;
                return from_month(d.year() as i64, d.month() as i64).filter(|_| is_quarter_end(d));
            }
            return from_month(num(y)?, num(m)?);
        }
    }
    None
}

fn is_quarter_end(d: NaiveDate) -> bool {
    d.month() % 3 == 0 && d.succ_opt().is_none_or(|n| n.month() != d.month())
}

/// A period from an Excel date cell or serial: the date must be a quarter's last day or the
/// first of a quarter-end month (how 「2024-09」 typed into Excel is stored).
pub fn period_of_date(d: NaiveDate) -> Option<Period> {
    let month = d.month() as i64;
    (month % 3 == 0 && (d.day() == 1 || is_quarter_end(d)))
        .then_some(Period {
            year: d.year() as i64,
            quarter: month / 3,
        })
        .filter(|p| year_ok(p.year))
}

/// Parses a date written as text.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    let t = t.strip_suffix('日').unwrap_or(t);
    let parts: Vec<&str> = t
        .split(['-', '/', '.', '年', '月'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(year: i64, quarter: i64) -> Option<Period> {
        Some(Period { year, quarter })
    }

    #[test]
    fn periods_in_every_written_form() {
        assert_eq!(parse_period("2024"), p(2024, 4));
        assert_eq!(parse_period("2024年"), p(2024, 4));
        assert_eq!(parse_period("2024Q3"), p(2024, 3));
        assert_eq!(parse_period("2024q1"), p(2024, 1));
        assert_eq!(parse_period("2024-Q2"), p(2024, 2));
        assert_eq!(parse_period("2024年第三季度"), p(2024, 3));
        assert_eq!(parse_period("2024年第2季度"), p(2024, 2));
        assert_eq!(parse_period("2024年四季度"), p(2024, 4));
        assert_eq!(parse_period("2024-09"), p(2024, 3));
        assert_eq!(parse_period("2024/12"), p(2024, 4));
        assert_eq!(parse_period("2024年6月"), p(2024, 2));
        assert_eq!(parse_period("2024-09-30"), p(2024, 3));
        assert_eq!(parse_period("2024-08"), None, "not a quarter's end");
        assert_eq!(parse_period("2024Q5"), None);
        assert_eq!(parse_period("去年"), None);
        assert_eq!(parse_period("1999"), None);
    }

    #[test]
    fn excel_serials_are_days_since_1899_12_30() {
        // 45565 is 2024-09-30 (checked in LibreOffice: =DATE(2024;9;30) shows 45565 as a number).
        assert_eq!(excel_date(45565.0), NaiveDate::from_ymd_opt(2024, 9, 30));
        assert_eq!(excel_date(45292.0), NaiveDate::from_ymd_opt(2024, 1, 1));
        assert_eq!(period_of_date(excel_date(45565.0).unwrap()), p(2024, 3));
        assert_eq!(
            period_of_date(NaiveDate::from_ymd_opt(2024, 9, 1).unwrap()),
            p(2024, 3)
        );
        assert_eq!(
            period_of_date(NaiveDate::from_ymd_opt(2024, 9, 15).unwrap()),
            None
        );
    }

    #[test]
    fn dates_in_every_written_form() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5);
        assert_eq!(parse_date("2024-03-05"), d);
        assert_eq!(parse_date("2024/3/5"), d);
        assert_eq!(parse_date("2024年3月5日"), d);
        assert_eq!(parse_date("2024.3.5"), d);
        assert_eq!(parse_date("2024-02-30"), None);
        assert_eq!(parse_date("03/05/2024"), None);
    }
}

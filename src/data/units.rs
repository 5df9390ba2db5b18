//! Units declared in a header (「产出（亿元）」) and their conversion to the unit the store keeps.

/// A quantity the store keeps in one unit and files may give in several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Money, stored in 万元.
    Money,
    /// Land, stored in 亩.
    AreaMu,
    /// Planned area, stored in km².
    AreaKm2,
}

/// A unit's size in the measure's base (元 for money, m² for area) as a fraction, so that
/// 1 亩 = 2000/3 m² converts without a rounded reciprocal.
type Size = (f64, f64);

/// (names a file may write, size).
const MONEY: &[(&[&str], Size)] = &[
    (&["元"], (1.0, 1.0)),
    (&["万元"], (1.0e4, 1.0)),
    (&["亿元"], (1.0e8, 1.0)),
];
const AREA: &[(&[&str], Size)] = &[
    (&["平方米", "m²", "m2", "㎡"], (1.0, 1.0)),
    (&["亩"], (2000.0, 3.0)),
    (&["公顷", "ha"], (1.0e4, 1.0)),
    (&["km²", "km2", "平方公里", "平方千米", "k㎡"], (1.0e6, 1.0)),
];

impl Measure {
    /// The unit the store keeps, as headers write it.
    pub fn store_unit(self) -> &'static str {
        match self {
            Measure::Money => "万元",
            Measure::AreaMu => "亩",
            Measure::AreaKm2 => "km²",
        }
    }

    fn table(self) -> &'static [(&'static [&'static str], Size)] {
        match self {
            Measure::Money => MONEY,
            Measure::AreaMu | Measure::AreaKm2 => AREA,
        }
    }

    /// The measure whose store unit is `unit` (an indicator's catalogue unit), if any.
    pub fn of_store_unit(unit: &str) -> Option<Measure> {
        [Measure::Money, Measure::AreaMu, Measure::AreaKm2]
            .into_iter()
            .find(|m| m.store_unit() == unit)
    }

    /// The units a file may use, for messages: 「元/万元/亿元」.
    pub fn accepted(self) -> String {
        self.table()
            .iter()
            .map(|(names, _)| names[0])
            .collect::<Vec<_>>()
            .join("/")
    }

    /// How to turn a value in `unit` into the store unit: `Some(conversion)` when `unit` is one
    /// of this measure's.
    pub fn conversion(self, unit: &str) -> Option<Conversion> {
        let base = |u: &str| {
            self.table()
                .iter()
                .find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(u)))
                .map(|(_, b)| *b)
        };
        let from = base(unit)?;
        let to = base(self.store_unit()).expect("the store unit is in its own table");
        Some(Conversion {
            num: from.0 * to.1,
            den: from.1 * to.0,
        })
    }
}

/// value_in_store_unit = value × num ÷ den.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conversion {
    num: f64,
    den: f64,
}

impl Conversion {
    pub const IDENTITY: Conversion = Conversion { num: 1.0, den: 1.0 };

    pub fn apply(self, value: f64) -> f64 {
        if self.is_identity() {
            value
        } else {
            value * self.num / self.den
        }
    }

    pub fn is_identity(self) -> bool {
        self.num == self.den
    }
}

/// Splits a header into its name and the unit in brackets: 「产出（亿元）」→ (产出, Some(亿元)).
/// Full-width and ASCII round or square brackets are accepted; spaces are ignored.
pub fn split_header(header: &str) -> (String, Option<String>) {
    let compact: String = header
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{3000}')
        .collect();
    for (open, close) in [('（', '）'), ('(', ')'), ('[', ']'), ('【', '】')] {
        if let Some(start) = compact.rfind(open) {
            if compact.ends_with(close) {
                let name = compact[..start].to_string();
                let unit =
                    compact[start + open.len_utf8()..compact.len() - close.len_utf8()].to_string();
                return (name, Some(unit));
            }
        }
    }
    (compact, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_split_into_name_and_unit() {
        assert_eq!(
            split_header("产出（亿元）"),
            ("产出".into(), Some("亿元".into()))
        );
        assert_eq!(
            split_header(" 用地 (公顷) "),
            ("用地".into(), Some("公顷".into()))
        );
        assert_eq!(split_header("企业名称"), ("企业名称".into(), None));
    }

    #[test]
    fn conversions_to_the_store_unit() {
        let money = |u: &str, v: f64| Measure::Money.conversion(u).unwrap().apply(v);
        assert_eq!(money("亿元", 1.5), 15_000.0);
        assert_eq!(money("元", 25_000.0), 2.5);
        assert_eq!(money("万元", 7.25), 7.25);
        let mu = |u: &str, v: f64| Measure::AreaMu.conversion(u).unwrap().apply(v);
        assert_eq!(mu("公顷", 2.0), 30.0);
        assert_eq!(mu("km²", 1.0), 1500.0);
        let km2 = |u: &str, v: f64| Measure::AreaKm2.conversion(u).unwrap().apply(v);
        assert_eq!(km2("亩", 1500.0), 1.0);
        assert_eq!(km2("公顷", 250.0), 2.5);
        assert!(Measure::Money.conversion("美元").is_none());
        assert!(Measure::AreaMu.conversion("万元").is_none());
    }
}

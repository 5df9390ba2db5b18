//! The bundled administrative boundaries of `assets/geo` (province, 11 cities, 90 counties;
//! provenance and review number in `assets/geo/README.md`), compiled in and parsed once.

use std::collections::HashMap;
use std::sync::OnceLock;

use geo::MultiPolygon;
use serde::Serialize;

use super::io::parse_geojson;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Province,
    City,
    County,
    Town,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Province => "省",
            Level::City => "市",
            Level::County => "县（市、区）",
            Level::Town => "小镇",
        }
    }

    /// The level a six-digit GB/T 2260 code names: `330000` province, `330100` city, else county.
    pub fn of_code(code: &str) -> Option<Level> {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(if &code[2..] == "0000" {
            Level::Province
        } else if &code[4..] == "00" {
            Level::City
        } else {
            Level::County
        })
    }
}

#[derive(Debug, Clone)]
pub struct Division {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent: String,
    pub shape: MultiPolygon<f64>,
}

const SOURCES: [(&str, &str); 3] = [
    (
        "zhejiang_province.geojson",
        include_str!("../../assets/geo/zhejiang_province.geojson"),
    ),
    (
        "zhejiang_cities.geojson",
        include_str!("../../assets/geo/zhejiang_cities.geojson"),
    ),
    (
        "zhejiang_counties.geojson",
        include_str!("../../assets/geo/zhejiang_counties.geojson"),
    ),
];

/// Province, cities and counties, in that order.
pub fn divisions() -> &'static [Division] {
    static ALL: OnceLock<Vec<Division>> = OnceLock::new();
    ALL.get_or_init(|| {
        SOURCES
            .iter()
            .flat_map(|(file, text)| {
                // Compiled-in and checked by the unit test below; a failure is a build defect.
                parse_geojson(file, text.as_bytes())
                    .unwrap_or_else(|e| panic!("bundled {file}: {e}"))
            })
            .filter_map(|f| {
                let code = f.text(&["adcode"])?;
                Some(Division {
                    level: Level::of_code(&code)?,
                    name: f.name()?,
                    parent: f.text(&["parent_adcode"]).unwrap_or_default(),
                    code,
                    shape: f.shape,
                })
            })
            .collect()
    })
}

pub fn division(code: &str) -> Option<&'static Division> {
    divisions().iter().find(|d| d.code == code)
}

pub fn children(code: &str) -> impl Iterator<Item = &'static Division> + '_ {
    divisions().iter().filter(move |d| d.parent == code)
}

/// The shapes a database draws its divisions with: the bundled ones, except where the user imported
/// an official boundary (`map import-divisions`).
pub struct Shapes(HashMap<String, MultiPolygon<f64>>);

impl Shapes {
    pub async fn load(store: &crate::store::Store) -> crate::Result<Shapes> {
        Ok(Shapes(super::repo::load_division_boundaries(store).await?))
    }

    pub fn of<'a>(&'a self, d: &'a Division) -> &'a MultiPolygon<f64> {
        self.0.get(&d.code).unwrap_or(&d.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_boundaries_parse_with_every_county_under_a_city() {
        let all = divisions();
        assert_eq!(all.iter().filter(|d| d.level == Level::Province).count(), 1);
        assert_eq!(children("330000").count(), 11);
        let counties = all.iter().filter(|d| d.level == Level::County).count();
        assert_eq!(counties, 90);
        assert_eq!(children("330100").count(), 13);
        assert!(all
            .iter()
            .filter(|d| d.level == Level::County)
            .all(|d| division(&d.parent).is_some_and(|p| p.level == Level::City)));
    }
}

//! The structured town code (特色小镇码): category letter, county code, sequence, check character.
//!
//! Layout (11 characters, printed `D-330110-001-7`):
//!
//! | part | width | content |
//! |---|---|---|
//! | category | 1 | lead-industry category letter, see [`Category`] |
//! | county | 6 | the county's GB/T 2260 code |
//! | sequence | 3 | `001`–`999`, assigned once per county, never reused |
//! | check | 1 | ISO/IEC 7064:2003 MOD 37,36 (hybrid system) over the ten characters before it |
//!
//! The letter comes first on purpose: with the county first, MOD 37,36 cannot tell some real
//! county codes apart under an adjacent transposition (`330102` ↔ `331002` start from the same
//! state). Leading with the letter changes the state before the county digits; letters F and I
//! are left unused because they still collide for a few counties (see the module tests and
//! `docs/methodology/towncode.md`). Residual weak sequences are skipped at assignment
//! ([`is_robust`]), so every issued code detects every single substitution and every adjacent
//! transposition.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::Error;
use crate::vocab::{self, Term};

/// The ISO/IEC 7064 alphanumeric character set: values 0–35.
const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const MODULUS: u32 = 36;

/// Length of a code without separators.
pub const CODE_LEN: usize = 11;
/// Highest sequence number (three digits).
pub const MAX_SEQUENCE: u16 = 999;

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|v| v as u32)
}

/// One step of the hybrid system: `P(j+1) = (||P(j) + a(j)||_36 × 2) mod 37`, with `||x||_36`
/// the remainder mod 36 where 0 is replaced by 36 (ISO/IEC 7064:2003, clause 10).
fn step(p: u32, a: u32) -> u32 {
    let s = (p + a) % MODULUS;
    let s = if s == 0 { MODULUS } else { s };
    (s * 2) % (MODULUS + 1)
}

fn run(values: impl Iterator<Item = u32>) -> u32 {
    values.fold(MODULUS, step)
}

/// ISO/IEC 7064 MOD 37,36 check character for `body` (characters `0-9A-Z`, upper case).
/// `None` when `body` holds any other character.
pub fn mod37_36_check(body: &str) -> Option<char> {
    let values: Option<Vec<u32>> = body.bytes().map(value_of).collect();
    let p = run(values?.into_iter());
    // The check character a makes ||P + a||_36 = 1.
    let a = (MODULUS + 1 - p) % MODULUS;
    Some(ALPHABET[a as usize] as char)
}

/// True when `full` (body followed by its check character) satisfies MOD 37,36.
pub fn mod37_36_valid(full: &str) -> bool {
    let bytes = full.as_bytes();
    let Some((&last, body)) = bytes.split_last() else {
        return false;
    };
    let values: Option<Vec<u32>> = body.iter().copied().map(value_of).collect();
    match (values, value_of(last)) {
        (Some(values), Some(a)) => (run(values.into_iter()) + a) % MODULUS == 1,
        _ => false,
    }
}

/// The eight lead-industry categories of Zhejiang's characteristic towns and their letters.
/// Letters F and I are not used (see the module note); the others were chosen to be easy to
/// say and to remember (mostly the English or pinyin initial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Digital,
    Equipment,
    Environment,
    Health,
    Fashion,
    Finance,
    Tourism,
    Classic,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Digital,
        Category::Equipment,
        Category::Environment,
        Category::Health,
        Category::Fashion,
        Category::Finance,
        Category::Tourism,
        Category::Classic,
    ];

    /// Its entry in the vocabulary (`Category::ALL` follows `vocab::CATEGORIES`).
    pub fn term(self) -> &'static Term {
        &vocab::CATEGORIES[self as usize]
    }

    /// The code's letter: D digital, M manufacturing, E environment, H health, S 时尚, J 金融,
    /// T tourism, C classic.
    pub fn letter(self) -> char {
        self.term().code.chars().next().expect("one letter")
    }

    /// The category's name as the store and the guidance write it.
    pub fn name(self) -> &'static str {
        self.term().name
    }

    pub fn from_letter(c: char) -> Option<Category> {
        Category::ALL.into_iter().find(|k| k.letter() == c)
    }

    /// Reads a category name; also accepts the short form 高端装备 and a compound such as
    /// 数字经济/双创 or 健康(中医药) by its first part.
    pub fn from_name(name: &str) -> Option<Category> {
        let first = name
            .split(['/', '(', '（', '、'])
            .next()
            .unwrap_or_default()
            .trim();
        let first = if first == "高端装备" {
            "高端装备制造"
        } else {
            first
        };
        Category::ALL.into_iter().find(|k| k.name() == first)
    }
}

/// The valid county codes (GB/T 2260) with their names.
#[derive(Debug, Clone, Default)]
pub struct Counties(BTreeMap<String, String>);

impl Counties {
    /// Zhejiang's 90 counties from the bundled `assets/geo/zhejiang_divisions.csv`.
    pub fn bundled() -> Counties {
        const CSV: &str = include_str!("../../assets/geo/zhejiang_divisions.csv");
        let map = CSV
            .lines()
            .skip(1)
            .filter_map(|line| {
                let mut f = line.split(',');
                let (code, name, level) = (f.next()?, f.next()?, f.next()?);
                (level == "county").then(|| (code.to_string(), name.to_string()))
            })
            .collect();
        Counties(map)
    }

    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Counties {
        Counties(pairs.into_iter().collect())
    }

    pub fn contains(&self, code: &str) -> bool {
        self.0.contains_key(code)
    }

    pub fn name(&self, code: &str) -> Option<&str> {
        self.0.get(code).map(String::as_str)
    }

    pub fn codes(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A valid town code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TownCode {
    category: Category,
    county: String,
    sequence: u16,
    check: char,
}

impl TownCode {
    /// Builds the code for a town and computes its check character.
    pub fn new(
        category: Category,
        county: &str,
        sequence: u16,
        counties: &Counties,
    ) -> Result<TownCode, CodeError> {
        let body = format!("{}{county}{sequence:03}", category.letter());
        let mut faults = Vec::new();
        if county.len() != 6 || !county.bytes().all(|b| b.is_ascii_digit()) {
            faults.push(Fault::CountyFormat(county.to_string()));
        } else if !counties.contains(county) {
            faults.push(Fault::UnknownCounty(county.to_string()));
        }
        if sequence == 0 || sequence > MAX_SEQUENCE {
            faults.push(Fault::Sequence(sequence.to_string()));
        }
        if !faults.is_empty() {
            return Err(CodeError {
                input: body,
                faults,
            });
        }
        let check = mod37_36_check(&body).expect("body is alphanumeric");
        Ok(TownCode {
            category,
            county: county.to_string(),
            sequence,
            check,
        })
    }

    /// Reads a code as a person typed it: separators (spaces, hyphens, dots, middle dots,
    /// full-width forms) are ignored and letters may be in any case. Every fault found is named.
    pub fn parse(input: &str, counties: &Counties) -> Result<TownCode, CodeError> {
        let compact = normalise(input);
        let err = |faults| CodeError {
            input: input.trim().to_string(),
            faults,
        };
        let chars: Vec<char> = compact.chars().collect();
        let mut faults = Vec::new();
        for (i, &c) in chars.iter().enumerate() {
            if !c.is_ascii_alphanumeric() {
                faults.push(Fault::Character { position: i + 1, c });
            }
        }
        if chars.len() != CODE_LEN {
            faults.insert(0, Fault::Length(chars.len()));
            return Err(err(faults));
        }
        if !faults.is_empty() {
            return Err(err(faults));
        }
        // Position kinds: a letter first, then nine digits, then the check character.
        let letter = chars[0];
        let category = Category::from_letter(letter);
        if letter.is_ascii_digit() {
            faults.push(Fault::NotLetter(letter));
        } else if category.is_none() {
            faults.push(Fault::UnknownCategory(letter));
        }
        for (i, &c) in chars.iter().enumerate().take(10).skip(1) {
            if !c.is_ascii_digit() {
                faults.push(Fault::NotDigit { position: i + 1, c });
            }
        }
        let county: String = chars[1..7].iter().collect();
        let seq_text: String = chars[7..10].iter().collect();
        let digits_ok = !faults.iter().any(|f| matches!(f, Fault::NotDigit { .. }));
        if digits_ok && !counties.contains(&county) {
            faults.push(Fault::UnknownCounty(county.clone()));
        }
        let sequence: u16 = seq_text.parse().unwrap_or(0);
        if digits_ok && sequence == 0 {
            faults.push(Fault::Sequence(seq_text));
        }
        let expected = mod37_36_check(&compact[..10]).expect("alphanumeric checked above");
        let found = chars[10];
        if expected != found {
            faults.push(Fault::Check { found, expected });
        }
        match (faults.is_empty(), category) {
            (true, Some(category)) => Ok(TownCode {
                category,
                county,
                sequence,
                check: found,
            }),
            _ => Err(err(faults)),
        }
    }

    pub fn category(&self) -> Category {
        self.category
    }

    pub fn county(&self) -> &str {
        &self.county
    }

    pub fn sequence(&self) -> u16 {
        self.sequence
    }

    pub fn check(&self) -> char {
        self.check
    }

    /// The code without separators, as stored and as put in the QR payload: `D330110001X`.
    pub fn compact(&self) -> String {
        format!(
            "{}{}{:03}{}",
            self.category.letter(),
            self.county,
            self.sequence,
            self.check
        )
    }
}

/// Printed form with separators for reading aloud: `D-330110-001-X`.
impl fmt::Display for TownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}-{:03}-{}",
            self.category.letter(),
            self.county,
            self.sequence,
            self.check
        )
    }
}

/// Drops separators, folds full-width forms to ASCII and letters to upper case.
fn normalise(input: &str) -> String {
    input
        .chars()
        .filter_map(|c| {
            let c = match c as u32 {
                0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            match c {
                ' ' | '\t' | '-' | '_' | '.' | '·' | '—' | '–' | '\u{3000}' | '\u{2212}' => {
                    None
                }
                c => Some(c.to_ascii_uppercase()),
            }
        })
        .collect()
}

/// One thing wrong with a typed code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Wrong number of characters (separators not counted).
    Length(usize),
    /// A character that may not appear in a code at all (1-based position).
    Character {
        position: usize,
        c: char,
    },
    /// A digit where the category letter belongs.
    NotLetter(char),
    /// A letter where a digit belongs (1-based position).
    NotDigit {
        position: usize,
        c: char,
    },
    UnknownCategory(char),
    UnknownCounty(String),
    CountyFormat(String),
    Sequence(String),
    /// The check character does not match: `found` was typed, `expected` follows from the rest.
    Check {
        found: char,
        expected: char,
    },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Length(n) => write!(
                f,
                "长度不对：去掉分隔符后应为 {CODE_LEN} 位（类别字母 1 位 + 县级代码 6 位 + 序号 3 位 + 校验字符 1 位），实为 {n} 位"
            ),
            Fault::Character { position, c } => {
                write!(f, "第 {position} 位「{c}」不是字母或数字")
            }
            Fault::NotLetter(c) => write!(f, "第 1 位应为产业类别字母，实为数字「{c}」"),
            Fault::NotDigit { position, c } => {
                write!(f, "第 {position} 位应为数字，实为「{c}」")
            }
            Fault::UnknownCategory(c) => write!(
                f,
                "产业类别字母「{c}」未定义（可用：{}）",
                Category::ALL
                    .iter()
                    .map(|k| format!("{} {}", k.letter(), k.name()))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            Fault::UnknownCounty(code) => {
                write!(f, "县级行政区划代码「{code}」不在有效县（市、区）代码表中")
            }
            Fault::CountyFormat(code) => {
                write!(f, "县级行政区划代码「{code}」应为 6 位数字（GB/T 2260）")
            }
            Fault::Sequence(s) => write!(f, "县内序号「{s}」无效，应为 001–999"),
            Fault::Check { found, expected } => write!(
                f,
                "校验字符不符：第 11 位为「{found}」，按前 10 位计算应为「{expected}」（多为某一位抄错或相邻两位颠倒）"
            ),
        }
    }
}

/// A typed code that is not valid, with every fault found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeError {
    pub input: String,
    pub faults: Vec<Fault>,
}

impl fmt::Display for CodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let faults: Vec<String> = self.faults.iter().map(ToString::to_string).collect();
        write!(f, "小镇码「{}」无效：{}", self.input, faults.join("；"))
    }
}

impl std::error::Error for CodeError {}

impl From<CodeError> for Error {
    fn from(e: CodeError) -> Self {
        Error::Invalid(e.to_string())
    }
}

/// True when the validator rejects every adjacent transposition of `code` (single substitutions
/// are always caught by the check character). Assignment only hands out robust codes.
pub fn is_robust(code: &TownCode, counties: &Counties) -> bool {
    let text: Vec<char> = code.compact().chars().collect();
    (0..text.len() - 1).all(|i| {
        if text[i] == text[i + 1] {
            return true;
        }
        let mut swapped = text.clone();
        swapped.swap(i, i + 1);
        let swapped: String = swapped.into_iter().collect();
        TownCode::parse(&swapped, counties).is_err()
    })
}

/// The sequence for a new town in `county`: the lowest number above every number the county has
/// ever used (`highest_used`, 0 for none) whose code is robust. `None` when the county has run
/// out of numbers.
pub fn next_sequence(
    category: Category,
    county: &str,
    highest_used: u16,
    counties: &Counties,
) -> Result<Option<TownCode>, CodeError> {
    for sequence in highest_used.saturating_add(1)..=MAX_SEQUENCE {
        let code = TownCode::new(category, county, sequence, counties)?;
        if is_robust(&code, counties) {
            return Ok(Some(code));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_the_vocabulary() {
        let letters: String = Category::ALL.iter().map(|k| k.letter()).collect();
        assert_eq!(letters, "DMEHSJTC");
        assert_eq!(Category::Tourism.name(), "旅游");
        assert_eq!(Category::ALL.len(), vocab::CATEGORIES.len());
    }

    // Published examples of ISO/IEC 7064 MOD 37,36 from standards that mandate it:
    // the IFPI Global Release Identifier (GRid) standard, A1-2425G-ABC1234002-M, and the ISAN
    // (ISO 15706) root 0000-0000-C36D-002B with check character K.
    #[test]
    fn matches_published_mod37_36_examples() {
        assert_eq!(mod37_36_check("A12425GABC1234002"), Some('M'));
        assert!(mod37_36_valid("A12425GABC1234002M"));
        assert!(!mod37_36_valid("A12425GABC1234002N"));
        assert_eq!(mod37_36_check("00000000C36D002B"), Some('K'));
        assert!(mod37_36_valid("00000000C36D002BK"));
        assert_eq!(mod37_36_check("a1"), None);
    }

    #[test]
    fn prints_with_separators_and_parses_any_form() {
        let counties = Counties::bundled();
        assert_eq!(counties.len(), 90);
        let code = TownCode::new(Category::Digital, "330110", 1, &counties).unwrap();
        let printed = code.to_string();
        assert_eq!(printed.len(), 14);
        assert_eq!(printed.replace('-', ""), code.compact());
        for form in [
            printed.clone(),
            code.compact(),
            code.compact().to_lowercase(),
            printed.replace('-', " "),
            printed.replace('-', "·"),
            // Full-width digits and letters as typed with a Chinese input method.
            code.compact()
                .chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
                .collect(),
        ] {
            assert_eq!(TownCode::parse(&form, &counties).unwrap(), code, "{form}");
        }
    }

    #[test]
    fn names_each_fault() {
        let counties = Counties::bundled();
        let good = TownCode::new(Category::Finance, "330102", 7, &counties).unwrap();
        let c = good.compact();

        let e = TownCode::parse(&c[..10], &counties).unwrap_err();
        assert_eq!(e.faults, vec![Fault::Length(10)]);
        assert!(e.to_string().contains("长度不对"), "{e}");

        // A county code that does not exist, with a check character made to fit.
        let body = "J999999001";
        let bad = format!("{body}{}", mod37_36_check(body).unwrap());
        let e = TownCode::parse(&bad, &counties).unwrap_err();
        assert_eq!(e.faults, vec![Fault::UnknownCounty("999999".into())]);

        let body = "Q330102001";
        let bad = format!("{body}{}", mod37_36_check(body).unwrap());
        let e = TownCode::parse(&bad, &counties).unwrap_err();
        assert_eq!(e.faults, vec![Fault::UnknownCategory('Q')]);
        assert!(e.to_string().contains("D 数字经济"), "{e}");

        let wrong = if good.check() == '0' { '1' } else { '0' };
        let bad = format!("{}{wrong}", &c[..10]);
        let e = TownCode::parse(&bad, &counties).unwrap_err();
        assert_eq!(
            e.faults,
            vec![Fault::Check {
                found: wrong,
                expected: good.check()
            }]
        );
        assert!(e.to_string().contains(&format!("应为「{}」", good.check())));

        let e = TownCode::parse("J-33010#-007-X", &counties).unwrap_err();
        assert!(matches!(
            e.faults[0],
            Fault::Character {
                position: 7,
                c: '#'
            }
        ));

        // A county of the caller's own list is accepted; the bundled one is not consulted.
        let own = Counties::from_pairs([("999999".to_string(), "测试县".to_string())]);
        let body = "J999999001";
        let ok = format!("{body}{}", mod37_36_check(body).unwrap());
        assert!(TownCode::parse(&ok, &own).is_ok());
    }

    /// Every single-character substitution and every adjacent transposition of every code the
    /// assignment can hand out first in every county and category is rejected.
    #[test]
    fn every_substitution_and_adjacent_transposition_is_detected() {
        let counties = Counties::bundled();
        let mut checked = 0usize;
        for county in counties.codes() {
            for category in Category::ALL {
                let mut highest = 0;
                for _ in 0..3 {
                    let code = next_sequence(category, county, highest, &counties)
                        .unwrap()
                        .expect("numbers left");
                    highest = code.sequence();
                    let text: Vec<char> = code.compact().chars().collect();
                    for i in 0..text.len() {
                        for &b in ALPHABET.iter() {
                            let c = b as char;
                            if c == text[i] {
                                continue;
                            }
                            let mut t = text.clone();
                            t[i] = c;
                            let t: String = t.into_iter().collect();
                            assert!(TownCode::parse(&t, &counties).is_err(), "{t}");
                            checked += 1;
                        }
                        if i + 1 < text.len() && text[i] != text[i + 1] {
                            let mut t = text.clone();
                            t.swap(i, i + 1);
                            let t: String = t.into_iter().collect();
                            assert!(TownCode::parse(&t, &counties).is_err(), "{t}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 90 * 8 * 3 * 11 * 35);
    }

    /// Why the letter leads and why F and I are unused: with the county first, 330102 and
    /// 331002 are indistinguishable under MOD 37,36; with F or I first, some counties are.
    #[test]
    fn layout_choice_is_needed() {
        let counties = Counties::bundled();
        let county_first = |county: &str| {
            let body = format!("{county}D001");
            format!("{body}{}", mod37_36_check(&body).unwrap())
        };
        assert!(mod37_36_valid(&county_first("331002")));
        assert_eq!(
            mod37_36_check("330102D001"),
            mod37_36_check("331002D001"),
            "county-first layout would miss 330102 ↔ 331002"
        );
        for bad in ['F', 'I'] {
            let weak = counties.codes().any(|county| {
                let body = format!("{bad}{county}001");
                let code = format!("{body}{}", mod37_36_check(&body).unwrap());
                let t: Vec<char> = code.chars().collect();
                (1..6).any(|i| {
                    let mut s = t.clone();
                    s.swap(i, i + 1);
                    let s: String = s.into_iter().collect();
                    s != code && counties.contains(&s[1..7]) && mod37_36_valid(&s)
                })
            });
            assert!(weak, "letter {bad}");
        }
    }

    #[test]
    fn reads_category_names() {
        assert_eq!(Category::from_name("高端装备"), Some(Category::Equipment));
        assert_eq!(
            Category::from_name("数字经济/双创"),
            Some(Category::Digital)
        );
        assert_eq!(Category::from_name("健康(中医药)"), Some(Category::Health));
        assert_eq!(Category::from_name("农业"), None);
        let letters: std::collections::BTreeSet<char> =
            Category::ALL.iter().map(|c| c.letter()).collect();
        assert_eq!(letters.len(), 8);
        assert!(!letters.contains(&'F') && !letters.contains(&'I'));
    }
}

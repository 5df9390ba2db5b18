//! Unified social credit codes (统一社会信用代码, GB 32100-2015): 18 characters —
//! registration authority (1), entity type (1), administrative division (6), organisation code
//! (9, GB 11714 with its own check digit), and a final check character.
//!
//! The alphabet leaves out I, O, S, V and Z so that no character reads as a digit.

use crate::error::{Error, Result};

/// The 31 characters of GB 32100, in value order (0–30).
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of positions 1–17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 organisation-code weights for its eight body characters.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

fn value_of(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// The check character (position 18) for the first 17 characters.
pub fn check_char(first17: &str) -> Result<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 {
        return Err(Error::invalid(format!(
            "统一社会信用代码前 17 位应为 17 个字符，实际为 {} 个：「{first17}」",
            first17.chars().count()
        )));
    }
    let mut sum = 0u32;
    for (i, &c) in bytes.iter().enumerate() {
        let v = value_of(c).ok_or_else(|| {
            Error::invalid(format!(
                "统一社会信用代码「{first17}」第 {} 位「{}」不是允许的字符（数字或除 I、O、S、V、Z 外的大写字母）",
                i + 1,
                c as char
            ))
        })?;
        sum += v * WEIGHTS[i];
    }
    let check = (31 - sum % 31) % 31;
    Ok(ALPHABET[check as usize] as char)
}

/// The GB 11714 check digit of an organisation code's eight body characters (digits or A–Z).
pub fn org_check_char(body8: &str) -> Result<char> {
    let bytes = body8.as_bytes();
    if bytes.len() != 8 {
        return Err(Error::invalid(format!(
            "组织机构代码本体应为 8 个字符：「{body8}」"
        )));
    }
    let mut sum = 0u32;
    for (i, &c) in bytes.iter().enumerate() {
        let v = match c {
            b'0'..=b'9' => (c - b'0') as u32,
            b'A'..=b'Z' => (c - b'A') as u32 + 10,
            _ => {
                return Err(Error::invalid(format!(
                    "组织机构代码「{body8}」第 {} 位「{}」不是数字或大写字母",
                    i + 1,
                    c as char
                )))
            }
        };
        sum += v * ORG_WEIGHTS[i];
    }
    Ok(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).expect("digit below 10"),
    })
}

/// Checks a full 18-character code: alphabet, length and check character. (The embedded
/// organisation code's own check digit is not enforced: codes converted from older registers
/// do not all carry one.)
pub fn validate(code: &str) -> Result<()> {
    let n = code.chars().count();
    if n != 18 || code.len() != 18 {
        return Err(Error::invalid(format!(
            "统一社会信用代码「{code}」应为 18 位，实际为 {n} 位"
        )));
    }
    let expected = check_char(&code[..17])?;
    let actual = code.as_bytes()[17] as char;
    if actual != expected {
        return Err(Error::invalid(format!(
            "统一社会信用代码「{code}」校验位错误：第 18 位应为「{expected}」，实际为「{actual}」"
        )));
    }
    Ok(())
}

/// Builds a full code from its parts: registration authority and entity type (e.g. "91" for an
/// enterprise registered with market regulation), the six-digit division, and the organisation
/// code body (8 characters); both check characters are computed.
pub fn compose(authority_and_type: &str, division: &str, org_body8: &str) -> Result<String> {
    if authority_and_type.len() != 2 || division.len() != 6 {
        return Err(Error::invalid(format!(
            "统一社会信用代码的登记管理部门和机构类别应为 2 位、行政区划应为 6 位：「{authority_and_type}」「{division}」"
        )));
    }
    let org = format!("{org_body8}{}", org_check_char(org_body8)?);
    let first17 = format!("{authority_and_type}{division}{org}");
    let check = check_char(&first17)?;
    Ok(format!("{first17}{check}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn composed_codes_validate_and_any_single_change_fails() {
        let code = compose("91", "330106", "MA2H3K7T").unwrap();
        validate(&code).unwrap();
        for (i, c) in code.char_indices().take(17) {
            let replacement = if c == '1' { '2' } else { '1' };
            let mut changed = code.clone();
            changed.replace_range(i..i + 1, &replacement.to_string());
            assert!(validate(&changed).is_err(), "{changed}");
        }
    }

    #[test]
    fn rejects_forbidden_letters_and_lengths() {
        assert!(validate("91330106MA2H3K7TOX").is_err());
        assert!(check_char("9133010SMA2H3K7T1").is_err());
        assert!(validate("913301").is_err());
    }
}

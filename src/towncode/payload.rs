//! The text carried in a town card's QR code.
//!
//! ```text
//! TC1*D330110001X*余杭梦想小镇*2025*G*78.4*12/116*2026-11-26*K7QJ2M4A*<signature>
//! ```
//!
//! Fields in order, separated by `*`: version tag `TC1`, town code (compact), town name,
//! period of the figures, colour letter (G 绿 / Y 黄 / R 红 / X 灰), vitality-index score
//! (one decimal, `-` if none), rank `r/n` (`-` if none), issue date, the issuer's key id, and
//! the Ed25519 signature (RFC 8032) over every byte before it — version tag and key id
//! included — in RFC 4648 base32 without padding (103 characters).
//!
//! Everything except the name uses only characters of the QR alphanumeric mode (digits, upper
//! case letters, space and `$%*+-./:`), so the encoder puts those parts in the 5.5-bit mode and
//! only the name in UTF-8 byte mode; the text stays readable when a phone camera shows it.

use std::fmt;

use chrono::NaiveDate;

use super::code::{mod37_36_valid, CODE_LEN};
use super::rules::Colour;
use crate::error::{Error, Result};

pub const VERSION_TAG: &str = "TC1";
pub const SEPARATOR: char = '*';
/// Characters in a key id (base32 of the public key's SHA-256).
pub const KEY_ID_LEN: usize = 8;

/// The signed content of a town code QR.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// The town code without separators.
    pub code: String,
    pub name: String,
    /// The period the colour and the index refer to, e.g. `2025` or `2025Q3`.
    pub period: String,
    pub colour: Colour,
    pub score: Option<f64>,
    /// (rank, number of towns ranked)
    pub rank: Option<(u32, u32)>,
    pub issued: NaiveDate,
    pub key_id: String,
}

impl Payload {
    /// The signed part: every field followed by a separator, ending after the key id.
    pub fn signed_text(&self) -> String {
        let score = self
            .score
            .map(|s| format!("{s:.1}"))
            .unwrap_or_else(|| "-".into());
        let rank = self
            .rank
            .map(|(r, n)| format!("{r}/{n}"))
            .unwrap_or_else(|| "-".into());
        // A separator inside the name would shift every later field.
        let name = self.name.replace(SEPARATOR, "＊");
        format!(
            "{VERSION_TAG}*{}*{name}*{}*{}*{score}*{rank}*{}*{}*",
            self.code,
            self.period,
            self.colour.letter(),
            self.issued.format("%Y-%m-%d"),
            self.key_id
        )
    }

    /// Same town, same content, regardless of who signed it.
    pub fn same_content(&self, other: &Payload) -> bool {
        let strip = |p: &Payload| Payload {
            key_id: String::new(),
            ..p.clone()
        };
        strip(self).signed_text() == strip(other).signed_text()
    }

    /// Reads the fields of a signed part (as produced by [`Payload::signed_text`]).
    pub fn parse_signed_text(signed: &str) -> Result<Payload> {
        let body = signed.strip_suffix(SEPARATOR).unwrap_or(signed);
        let f: Vec<&str> = body.split(SEPARATOR).collect();
        let bad = |what: &str| Error::invalid(format!("小镇码二维码内容有误：{what}"));
        if f.len() != 9 {
            return Err(bad(&format!("应有 10 个字段，实有 {} 个", f.len() + 1)));
        }
        if f[0] != VERSION_TAG {
            return Err(bad(&format!(
                "版本标记「{}」不受支持（应为 {VERSION_TAG}）",
                f[0]
            )));
        }
        if f[1].len() != CODE_LEN || !mod37_36_valid(f[1]) {
            return Err(bad(&format!("小镇码「{}」无效", f[1])));
        }
        let colour = f[4]
            .chars()
            .next()
            .filter(|_| f[4].len() == 1)
            .and_then(Colour::from_letter)
            .ok_or_else(|| bad(&format!("颜色「{}」无效", f[4])))?;
        let score = match f[5] {
            "-" => None,
            s => Some(
                s.parse::<f64>()
                    .map_err(|_| bad(&format!("指数得分「{s}」无效")))?,
            ),
        };
        let rank = match f[6] {
            "-" => None,
            s => {
                let (r, n) = s
                    .split_once('/')
                    .and_then(|(r, n)| Some((r.parse().ok()?, n.parse().ok()?)))
                    .ok_or_else(|| bad(&format!("排名「{s}」无效")))?;
                Some((r, n))
            }
        };
        let issued = NaiveDate::parse_from_str(f[7], "%Y-%m-%d")
            .map_err(|_| bad(&format!("签发日期「{}」无效", f[7])))?;
        Ok(Payload {
            code: f[1].to_string(),
            name: f[2].to_string(),
            period: f[3].to_string(),
            colour,
            score,
            rank,
            issued,
            key_id: f[8].to_string(),
        })
    }
}

/// A payload text as presented for verification, split into its signed part, key id and
/// signature; the fields are read leniently so that even a payload that fails verification can
/// say which town it claims to be.
#[derive(Debug, Clone)]
pub struct Presented {
    pub text: String,
    pub signed: String,
    pub key_id: String,
    /// `None` when the signature text is not 64 bytes of base32.
    pub signature: Option<[u8; 64]>,
    /// The fields, when they can be read.
    pub payload: Option<Payload>,
}

impl Presented {
    /// Splits a payload text. Fails only when the text is not a town code payload at all.
    pub fn read(text: &str) -> Result<Presented> {
        let text = text.trim();
        if !text.starts_with(VERSION_TAG) || text.matches(SEPARATOR).count() < 9 {
            let shown: String = text.chars().take(40).collect();
            return Err(Error::invalid(format!(
                "这不是特色小镇码：内容应以「{VERSION_TAG}*」开头并含 10 个字段，实为「{shown}」"
            )));
        }
        let mut parts = text.rsplitn(3, SEPARATOR);
        let sig_text = parts.next().unwrap_or_default();
        let key_id = parts.next().unwrap_or_default().to_string();
        let rest = parts.next().unwrap_or_default();
        let signed = format!("{rest}{SEPARATOR}{key_id}{SEPARATOR}");
        let signature = data_encoding::BASE32_NOPAD
            .decode(sig_text.as_bytes())
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok());
        let payload = Payload::parse_signed_text(&signed).ok();
        Ok(Presented {
            text: text.to_string(),
            signed,
            key_id,
            signature,
            payload,
        })
    }
}

/// The full payload text: signed part followed by the signature.
pub fn assemble(payload: &Payload, signature: &[u8; 64]) -> String {
    format!(
        "{}{}",
        payload.signed_text(),
        data_encoding::BASE32_NOPAD.encode(signature)
    )
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.signed_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Payload {
        Payload {
            code: "D3301100019".into(),
            name: "余杭梦想小镇".into(),
            period: "2025".into(),
            colour: Colour::Yellow,
            score: Some(78.44),
            rank: Some((12, 116)),
            issued: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            key_id: "ABCDEFGH".into(),
        }
    }

    #[test]
    fn signed_text_round_trips() {
        let mut p = sample();
        p.code = {
            let body = "D330110001";
            format!(
                "{body}{}",
                super::super::code::mod37_36_check(body).unwrap()
            )
        };
        let text = p.signed_text();
        assert!(text.starts_with("TC1*D330110001"));
        assert!(text.contains("*78.4*12/116*2026-11-26*ABCDEFGH*"));
        let back = Payload::parse_signed_text(&text).unwrap();
        assert_eq!(back.name, p.name);
        assert_eq!(back.score, Some(78.4));
        assert_eq!(back.rank, Some((12, 116)));
        assert!(back.same_content(&Payload {
            score: Some(78.4),
            ..p.clone()
        }));

        let sig = [7u8; 64];
        let full = assemble(&back, &sig);
        let shown = Presented::read(&full).unwrap();
        assert_eq!(shown.signed, back.signed_text());
        assert_eq!(shown.signature, Some(sig));
        assert_eq!(shown.key_id, "ABCDEFGH");
        // Outside the name, only QR alphanumeric-mode characters.
        let alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        assert!(full.replace(&p.name, "").chars().all(|c| alnum.contains(c)));
    }

    #[test]
    fn not_a_payload_is_refused_plainly() {
        let e = Presented::read("https://example.invalid/x").unwrap_err();
        assert!(e.to_string().contains("不是特色小镇码"), "{e}");
    }
}

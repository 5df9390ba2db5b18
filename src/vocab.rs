//! The domain's fixed vocabularies, in one place: town categories, stages, statuses and the town
//! code's colours. The store's CHECKs (migration 0001) accept exactly these names; the demo, the
//! town code, the static maps and (through the `vocabularies` command) the screens all read them
//! from here, so a name or a display colour is never written twice.

use serde::ser::{Serialize, SerializeStruct, Serializer};

/// A display colour (sRGB).
pub type Rgb = (u8, u8, u8);

/// One entry of a vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    /// A short stable key (ASCII): the town code's letter for categories and colours.
    pub code: &'static str,
    /// The name as the guidance and the store write it.
    pub name: &'static str,
    /// The colour the maps and cards show it in, where the product shows one.
    pub colour: Option<Rgb>,
}

const fn term(code: &'static str, name: &'static str, colour: Option<Rgb>) -> Term {
    Term { code, name, colour }
}

/// Lead-industry categories (主导产业类别), with the map colours (d3's category10).
pub const CATEGORIES: &[Term] = &[
    term("D", "数字经济", Some((31, 119, 180))),
    term("M", "高端装备制造", Some((255, 127, 14))),
    term("E", "环保", Some((44, 160, 44))),
    term("H", "健康", Some((214, 39, 40))),
    term("S", "时尚", Some((148, 103, 189))),
    term("J", "金融", Some((140, 86, 75))),
    term("T", "旅游", Some((23, 190, 207))),
    term("C", "历史经典", Some((188, 189, 34))),
];

pub const CULTIVATING: &str = "培育";
pub const CREATING: &str = "创建";
pub const NAMED: &str = "命名";

pub const NORMAL: &str = "正常";
pub const WARNED: &str = "警告";
pub const DEMOTED: &str = "降格";
pub const ELIMINATED: &str = "淘汰";
pub const TERMINATED: &str = "终止";

/// Stages of the list (培育 → 创建 → 命名), in lifecycle order, with the static map's colours.
pub const STAGES: &[Term] = &[
    term("cultivating", CULTIVATING, Some((70, 130, 180))),
    term("creating", CREATING, Some((230, 145, 56))),
    term("named", NAMED, Some((178, 34, 34))),
];

/// A town's status on the list; 淘汰 and 终止 take it off the list.
pub const STATUSES: &[Term] = &[
    term("normal", NORMAL, None),
    term("warned", WARNED, None),
    term("demoted", DEMOTED, None),
    term("eliminated", ELIMINATED, None),
    term("terminated", TERMINATED, None),
];

/// The town code's colours, mildest first, with the letter of the QR payload and the card colour.
pub const CODE_COLOURS: &[Term] = &[
    term("G", "绿", Some((0x2e, 0x9d, 0x4f))),
    term("Y", "黄", Some((0xe8, 0xa3, 0x17))),
    term("R", "红", Some((0xd6, 0x33, 0x2f))),
    term("X", "灰", Some((0x8c, 0x8c, 0x8c))),
];

/// Segments of an industry chain (产业链段), upstream first (migration 0001's CHECK on chain_links).
pub const SEGMENTS: &[Term] = &[
    term("up", "上游", None),
    term("mid", "中游", None),
    term("down", "下游", None),
];

/// How well a scope holds a chain link (产业链全景图's colours); rules in `src/chain/analysis.rs`.
pub const LINK_STRENGTHS: &[Term] = &[
    term("strong", "较强", Some((0x2e, 0x9d, 0x4f))),
    term("thin", "薄弱", Some((0xe8, 0xa3, 0x17))),
    term("single", "依赖单一企业", Some((0xd9, 0x6c, 0x1e))),
    term("missing", "缺失", Some((0xd6, 0x33, 0x2f))),
];

/// The guidance's three chain actions, suggested for each gap, with their tag colours.
pub const CHAIN_ACTIONS: &[Term] = &[
    term("attract", "补链", Some((0xd6, 0x33, 0x2f))),
    term("grow", "强链", Some((0xd9, 0x6c, 0x1e))),
    term("extend", "延链", Some((0x46, 0x82, 0xb4))),
];

/// A firm's distinctions that matter on a chain, most telling first; each code is the column of
/// `enterprises` that holds it (leads are ranked on them, the screens show them as tags).
pub const FIRM_FLAGS: &[Term] = &[
    term("is_chain_leader", "链主", None),
    term("is_single_champion", "单项冠军", None),
    term("is_little_giant", "小巨人", None),
    term("is_listed", "上市", None),
    term("is_specialized", "专精特新", None),
    term("is_high_tech", "高新", None),
];
/// Kinds of files attached to a town or a case (migration 0019's CHECK): code stored, name shown.
pub const MEDIA_KINDS: &[Term] = &[term(PHOTO, "照片", None), term(DOCUMENT, "文档", None)];
pub const PHOTO: &str = "photo";
pub const DOCUMENT: &str = "document";

/// The entry of `terms` named `name`.
pub fn find(terms: &'static [Term], name: &str) -> Option<&'static Term> {
    terms.iter().find(|t| t.name == name)
}

/// Whether `name` is one of `terms`.
pub fn contains(terms: &[Term], name: &str) -> bool {
    terms.iter().any(|t| t.name == name)
}

/// The names joined by `sep`, for messages such as 「应为 培育/创建/命名」.
pub fn names(terms: &[Term], sep: &str) -> String {
    terms.iter().map(|t| t.name).collect::<Vec<_>>().join(sep)
}

/// Whether a town with this status has left the list (淘汰, 终止).
pub fn is_off_list(status: &str) -> bool {
    status == ELIMINATED || status == TERMINATED
}

/// `#rrggbb`, as the screens take colours.
pub fn hex((r, g, b): Rgb) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

impl Serialize for Term {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_struct("Term", 3)?;
        out.serialize_field("code", self.code)?;
        out.serialize_field("name", self.name)?;
        out.serialize_field("colour", &self.colour.map(hex))?;
        out.end()
    }
}

/// Every vocabulary, as the `vocabularies` command returns them.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Vocabularies {
    pub categories: &'static [Term],
    pub stages: &'static [Term],
    pub statuses: &'static [Term],
    pub code_colours: &'static [Term],
    pub chain_segments: &'static [Term],
    pub link_strengths: &'static [Term],
    pub chain_actions: &'static [Term],
    pub firm_flags: &'static [Term],
}

pub const ALL: Vocabularies = Vocabularies {
    categories: CATEGORIES,
    stages: STAGES,
    statuses: STATUSES,
    code_colours: CODE_COLOURS,
    chain_segments: SEGMENTS,
    link_strengths: LINK_STRENGTHS,
    chain_actions: CHAIN_ACTIONS,
    firm_flags: FIRM_FLAGS,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_within_each_vocabulary() {
        for terms in [
            CATEGORIES,
            STAGES,
            STATUSES,
            CODE_COLOURS,
            SEGMENTS,
            LINK_STRENGTHS,
            CHAIN_ACTIONS,
            FIRM_FLAGS,
        ] {
            for (i, a) in terms.iter().enumerate() {
                for b in &terms[i + 1..] {
                    assert_ne!(a.code, b.code);
                    assert_ne!(a.name, b.name);
                }
            }
        }
    }

    #[test]
    fn serialises_colours_as_hex() {
        let json = serde_json::to_value(CATEGORIES[0]).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "D", "name": "数字经济", "colour": "#1f77b4"})
        );
        let json = serde_json::to_value(STATUSES[0]).unwrap();
        assert_eq!(json["colour"], serde_json::Value::Null);
    }
}

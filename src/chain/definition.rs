//! Chain definition files (TOML, one chain a file; the format is documented in `docs/chains.md`):
//! parsing with validation (every fault a Chinese message naming the file, the link and the value)
//! and writing back out. Pure: no store.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::vocab;

/// The definitions shipped for the demo's chains, one per town category (`assets/chains/`).
pub const DEFAULTS: &[(&str, &str)] = &[
    (
        "digital.toml",
        include_str!("../../assets/chains/digital.toml"),
    ),
    (
        "equipment.toml",
        include_str!("../../assets/chains/equipment.toml"),
    ),
    ("eco.toml", include_str!("../../assets/chains/eco.toml")),
    (
        "health.toml",
        include_str!("../../assets/chains/health.toml"),
    ),
    (
        "fashion.toml",
        include_str!("../../assets/chains/fashion.toml"),
    ),
    (
        "finance.toml",
        include_str!("../../assets/chains/finance.toml"),
    ),
    (
        "tourism.toml",
        include_str!("../../assets/chains/tourism.toml"),
    ),
    (
        "classic.toml",
        include_str!("../../assets/chains/classic.toml"),
    ),
];

/// One chain as a definition file states it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChainDef {
    pub code: String,
    pub name: String,
    pub category: String,
    pub description: String,
    /// In display order; a sub-link names its parent's code.
    pub links: Vec<LinkDef>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkDef {
    pub code: String,
    pub name: String,
    pub segment: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub key: bool,
}

const CHAIN_KEYS: &[&str] = &["code", "name", "category", "description", "links"];
const LINK_KEYS: &[&str] = &["code", "name", "segment", "parent", "key"];

/// The shipped definitions, parsed (they are tested to be valid).
pub fn defaults() -> Vec<ChainDef> {
    DEFAULTS
        .iter()
        .map(|(file, text)| {
            parse(text.as_bytes(), file).expect("shipped chain definitions are valid")
        })
        .collect()
}

/// Parses and validates the bytes of a definition file; `file` names it in messages.
pub fn parse(bytes: &[u8], file: &str) -> Result<ChainDef> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
            return Err(Error::invalid(format!(
                "「{file}」不是 UTF-8 编码的文本：第 {line} 行（第 {} 个字节）无法按 UTF-8 解码。请把文件另存为 UTF-8 编码后再导入",
                at + 1
            )));
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
        Error::invalid(format!(
            "「{file}」第 {line} 行第 {col} 列不是有效的 TOML（请检查引号、等号和 [[links]] 标题）"
        ))
    })?;
    unknown_keys(&table, CHAIN_KEYS, &format!("「{file}」顶层"))?;
    let top = |key: &str| string(&table, key, &format!("「{file}」顶层"));
    let code = checked_code(top("code")?, &format!("「{file}」顶层"))?;
    let name = non_empty(top("name")?, &format!("「{file}」顶层的 name"))?;
    let category = top("category")?;
    if !vocab::contains(vocab::CATEGORIES, &category) {
        return Err(Error::invalid(format!(
            "「{file}」的 category「{category}」不是主导产业类别，应为：{}",
            vocab::names(vocab::CATEGORIES, "、")
        )));
    }
    let description = match table.get("description") {
        None => String::new(),
        Some(_) => top("description")?,
    };
    let Some(items) = table.get("links") else {
        return Err(Error::invalid(format!(
            "「{file}」没有环节：至少需要一个 [[links]]"
        )));
    };
    let Some(items) = items.as_array().filter(|a| !a.is_empty()) else {
        return Err(Error::invalid(format!(
            "「{file}」的 links 应为一组 [[links]] 表，且至少有一个环节"
        )));
    };
    let mut links = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let place = format!("「{file}」第 {} 个环节", i + 1);
        let Some(t) = item.as_table() else {
            return Err(Error::invalid(format!("{place}应为 [[links]] 表")));
        };
        unknown_keys(t, LINK_KEYS, &place)?;
        let code = checked_code(string(t, "code", &place)?, &place)?;
        let name = non_empty(string(t, "name", &place)?, &format!("{place}的 name"))?;
        let segment = string(t, "segment", &place)?;
        if !vocab::contains(vocab::SEGMENTS, &segment) {
            return Err(Error::invalid(format!(
                "{place}「{name}」的 segment「{segment}」不是产业链段，应为：{}",
                vocab::names(vocab::SEGMENTS, "、")
            )));
        }
        let parent = match t.get("parent") {
            None => None,
            Some(_) => Some(string(t, "parent", &place)?),
        };
        let key = match t.get("key") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| {
                Error::invalid(format!(
                    "{place}「{name}」的 key 应为 true 或 false，实际为 {v}"
                ))
            })?,
        };
        links.push(LinkDef {
            code,
            name,
            segment,
            parent,
            key,
        });
    }
    validate_links(&links, file)?;
    Ok(ChainDef {
        code,
        name,
        category,
        description,
        links,
    })
}

/// Codes and names unique, every parent known, no cycle, a sub-link in its parent's segment.
fn validate_links(links: &[LinkDef], file: &str) -> Result<()> {
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, l) in links.iter().enumerate() {
        if let Some(j) = by_code.insert(&l.code, i) {
            return Err(Error::invalid(format!(
                "「{file}」第 {} 个环节「{}」的 code「{}」与第 {} 个环节「{}」重复，环节代码在一条链内必须唯一",
                i + 1,
                l.name,
                l.code,
                j + 1,
                links[j].name
            )));
        }
        if let Some(j) = by_name.insert(&l.name, i) {
            return Err(Error::invalid(format!(
                "「{file}」第 {} 个环节的名称「{}」与第 {} 个环节重复，环节名称在一条链内必须唯一",
                i + 1,
                l.name,
                j + 1
            )));
        }
    }
    for (i, l) in links.iter().enumerate() {
        let Some(p) = &l.parent else { continue };
        let Some(&j) = by_code.get(p.as_str()) else {
            return Err(Error::invalid(format!(
                "「{file}」第 {} 个环节「{}」的上级 parent「{p}」不存在：文件中没有 code 为「{p}」的环节",
                i + 1,
                l.name
            )));
        };
        if links[j].segment != l.segment {
            return Err(Error::invalid(format!(
                "「{file}」第 {} 个环节「{}」属于{}，而它的上级「{}」属于{}：子环节须与上级同属一段",
                i + 1,
                l.name,
                l.segment,
                links[j].name,
                links[j].segment
            )));
        }
    }
    // A cycle: following parents from some link comes back to a link already on the path.
    for (start, l) in links.iter().enumerate() {
        let mut path = vec![start];
        let mut at = l;
        while let Some(p) = &at.parent {
            let j = by_code[p.as_str()];
            if let Some(pos) = path.iter().position(|&k| k == j) {
                if pos != 0 {
                    break; // the cycle is reported from one of its own members
                }
                let mut names: Vec<&str> = path.iter().map(|&k| links[k].code.as_str()).collect();
                names.push(&links[j].code);
                return Err(Error::invalid(format!(
                    "「{file}」环节的上级关系成环：{}。每个环节沿 parent 向上最终应到达没有 parent 的顶层环节",
                    names.join(" → ")
                )));
            }
            path.push(j);
            at = &links[j];
        }
    }
    Ok(())
}

/// The definition as a file (the format `parse` reads).
pub fn to_toml(def: &ChainDef) -> String {
    let body = toml::to_string(def).expect("a chain definition serialises");
    format!(
        "# {} — a TownCockpit chain definition (format: docs/chains.md).\n{body}",
        def.name
    )
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn unknown_keys(table: &toml::Table, allowed: &[&str], place: &str) -> Result<()> {
    match table.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(Error::invalid(format!(
            "{place}有未知的键「{k}」，可用的键：{}",
            allowed.join("、")
        ))),
        None => Ok(()),
    }
}

fn string(table: &toml::Table, key: &str, place: &str) -> Result<String> {
    match table.get(key) {
        None => Err(Error::invalid(format!("{place}缺少 {key}"))),
        Some(toml::Value::String(s)) => Ok(s.trim().to_string()),
        Some(v) => Err(Error::invalid(format!(
            "{place}的 {key} 应为文字（加引号），实际为 {v}"
        ))),
    }
}

fn non_empty(s: String, what: &str) -> Result<String> {
    if s.is_empty() {
        Err(Error::invalid(format!("{what}为空")))
    } else {
        Ok(s)
    }
}

/// Codes are short ASCII keys: lower-case letters, digits and '-'.
fn checked_code(code: String, place: &str) -> Result<String> {
    let ok = !code.is_empty()
        && code.len() <= 40
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(code)
    } else {
        Err(Error::invalid(format!(
            "{place}的 code「{code}」无效：应为 1 到 40 个小写字母、数字或连字符"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_definitions_round_trip_through_export() {
        for def in defaults() {
            assert!(
                def.links.len() >= 12,
                "{} has {} links",
                def.code,
                def.links.len()
            );
            let again = parse(to_toml(&def).as_bytes(), "export.toml").unwrap();
            assert_eq!(again, def);
        }
    }
}

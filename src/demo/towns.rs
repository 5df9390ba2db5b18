//! The demo province's town list: every town of `assets/demo/zhejiang_towns.tsv` in its real
//! county with its listed stage and batch, plus generated towns up to the target mix, each placed
//! at a point inside its county's polygon.

use std::collections::HashMap;

use geo::{Contains, Point};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};
use crate::vocab::{self, CATEGORIES};

/// Creation batches (批次 → date announced).
pub const CREATION_BATCHES: [(i64, &str); 9] = [
    (1, "2015-06-01"),
    (2, "2016-01-20"),
    (3, "2017-08-02"),
    (4, "2018-09-13"),
    (5, "2019-09-26"),
    (6, "2020-10-23"),
    (7, "2021-11-25"),
    (8, "2023-01-06"),
    (9, "2023-12-12"),
];

/// Naming batches, and how many towns each named (towns-source.md; batch 6 size and batch 8 are
/// the demo's assumption).
pub const NAMED_BATCHES: [(i64, &str, usize); 8] = [
    (1, "2017-08-02", 2),
    (2, "2018-09-13", 5),
    (3, "2019-09-26", 15),
    (4, "2020-10-23", 20),
    (5, "2021-11-25", 18),
    (6, "2023-01-06", 6),
    (7, "2023-12-12", 10),
    (8, "2025-01-15", 0),
];

/// Town mix at scale 1 (issue 2): named, creating, cultivating, and a few off the list.
const NAMED: usize = 76;
const CREATING: usize = 70;
const CULTIVATING: usize = 35;
const TERMINATED: usize = 4;
const ELIMINATED: usize = 3;

const TOWNS_TSV: &str = include_str!("../../assets/demo/zhejiang_towns.tsv");
const COUNTIES_GEOJSON: &str = include_str!("../../assets/geo/zhejiang_counties.geojson");

#[derive(Debug, Clone)]
pub struct County {
    pub code: String,
    pub name: String,
    pub city_name: String,
}

#[derive(Debug, Clone)]
pub struct DemoTown {
    pub id: i64,
    pub name: String,
    pub county: usize, // index into the county list
    pub county_code: String,
    pub category: &'static str,
    pub lead_industry: String,
    pub stage: &'static str,
    pub status: &'static str,
    pub cultivation_date: Option<String>,
    pub creation_date: Option<String>,
    pub creation_batch: Option<i64>,
    pub named_date: Option<String>,
    pub named_batch: Option<i64>,
    pub status_date: Option<String>,
    pub planned_area_km2: f64,
    pub lon: f64,
    pub lat: f64,
    pub source: String,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub date: String,
    pub kind: &'static str,
    pub batch: Option<i64>,
    pub note: Option<String>,
}

impl DemoTown {
    /// First year the town is on the province's list.
    pub fn listed_year(&self) -> i32 {
        let d = self
            .cultivation_date
            .as_deref()
            .into_iter()
            .chain(self.creation_date.as_deref())
            .min()
            .expect("every town is listed");
        year_of(d)
    }

    /// Last year with figures: the year before it left the list, or open-ended.
    pub fn last_year(&self) -> i32 {
        match self.status {
            s if vocab::is_off_list(s) => year_of(self.status_date.as_deref().expect("dated")) - 1,
            _ => i32::MAX,
        }
    }
}

pub fn year_of(date: &str) -> i32 {
    date[..4].parse().expect("YYYY-MM-DD")
}

/// Counties from the divisions file with their cities (names as in the store).
pub fn counties(divisions: &[(String, String, String, Option<String>)]) -> Vec<County> {
    let names: HashMap<&str, &str> = divisions
        .iter()
        .map(|(c, n, _, _)| (c.as_str(), n.as_str()))
        .collect();
    divisions
        .iter()
        .filter(|(_, _, level, _)| level == "county")
        .map(|(code, name, _, parent)| {
            let city_code = parent.as_deref().expect("county has a city");
            County {
                code: code.clone(),
                name: name.clone(),
                city_name: names[city_code].to_string(),
            }
        })
        .collect()
}

struct Draft {
    name: String,
    county: usize,
    category: &'static str,
    lead_industry: String,
    creation_batch: Option<i64>,
    named_batch: Option<i64>,
    demoted_in: Option<i32>,
    source: String,
}

/// Builds the towns (ids from 1, in a stable order).
pub fn build(counties: &[County], scale: u32, rng: &mut ChaCha8Rng) -> Result<Vec<DemoTown>> {
    let scale = scale.max(1) as usize;
    let mut drafts = real_towns(counties, rng)?;

    // Quotas and what the real list already fills.
    let named_real = drafts.iter().filter(|d| d.named_batch.is_some()).count();
    let demoted_real = drafts.iter().filter(|d| d.demoted_in.is_some()).count();
    let creating_real = drafts.len() - named_real - demoted_real;
    let mut named_slots: Vec<usize> = NAMED_BATCHES.iter().map(|b| b.2 * scale).collect();
    for d in &drafts {
        if let Some(b) = d.named_batch {
            let slot = &mut named_slots[(b - 1) as usize];
            *slot = slot.saturating_sub(1);
        }
    }
    let named_gen = (NAMED * scale).saturating_sub(named_real);
    let creating_gen = (CREATING * scale).saturating_sub(creating_real);
    let cultivating_gen = (CULTIVATING * scale).saturating_sub(demoted_real);

    let mut used_names: std::collections::HashSet<String> =
        drafts.iter().map(|d| d.name.clone()).collect();
    let county_weights: Vec<f64> = counties.iter().map(|c| city_factor(&c.city_name)).collect();
    let mut per_county = vec![0usize; counties.len()];
    for d in &drafts {
        per_county[d.county] += 1;
    }

    #[derive(Clone, Copy)]
    enum Kind {
        Named,
        Creating,
        Cultivating,
        Terminated,
        Eliminated,
    }
    let plan = std::iter::repeat_n(Kind::Named, named_gen)
        .chain(std::iter::repeat_n(Kind::Creating, creating_gen))
        .chain(std::iter::repeat_n(Kind::Cultivating, cultivating_gen))
        .chain(std::iter::repeat_n(Kind::Terminated, TERMINATED * scale))
        .chain(std::iter::repeat_n(Kind::Eliminated, ELIMINATED * scale));
    let mut generated = Vec::new();
    for kind in plan {
        let county = pick_county(&county_weights, &per_county, rng);
        per_county[county] += 1;
        let category = CATEGORIES
            .choose_weighted(rng, |c| category_weight(c.name))
            .expect("weights")
            .name;
        let (name, lead_industry) =
            generated_name(&counties[county], category, &mut used_names, rng);
        let mut draft = Draft {
            name,
            county,
            category,
            lead_industry,
            creation_batch: None,
            named_batch: None,
            demoted_in: None,
            source: "示例数据：生成的小镇".into(),
        };
        match kind {
            Kind::Named => {
                let batch = named_slots
                    .iter()
                    .position(|&s| s > 0)
                    .map(|i| i + 1)
                    .unwrap_or(NAMED_BATCHES.len());
                if let Some(s) = named_slots.get_mut(batch - 1) {
                    *s = s.saturating_sub(1);
                }
                draft.named_batch = Some(batch as i64);
            }
            Kind::Creating => draft.creation_batch = Some(rng.gen_range(4..=9)),
            Kind::Terminated => draft.creation_batch = Some(rng.gen_range(1..=3)),
            Kind::Cultivating | Kind::Eliminated => {}
        }
        generated.push((draft, kind));
    }

    let mut towns = Vec::with_capacity(drafts.len() + generated.len());
    let mut points: Vec<Vec<(f64, f64)>> = vec![Vec::new(); counties.len()];
    let shapes = county_shapes(counties)?;
    let all = drafts
        .drain(..)
        .map(|d| (d, None))
        .chain(generated.into_iter().map(|(d, k)| (d, Some(k))));
    for (i, (d, kind)) in all.enumerate() {
        let mut t = DemoTown {
            id: i as i64 + 1,
            name: d.name,
            county: d.county,
            county_code: counties[d.county].code.clone(),
            category: d.category,
            lead_industry: d.lead_industry,
            stage: vocab::CREATING,
            status: vocab::NORMAL,
            cultivation_date: None,
            creation_date: None,
            creation_batch: None,
            named_date: None,
            named_batch: None,
            status_date: None,
            planned_area_km2: 0.0,
            lon: 0.0,
            lat: 0.0,
            source: d.source,
            events: Vec::new(),
        };
        // Creation batch: given, or one at least two years before naming.
        let creation = d.creation_batch.or_else(|| {
            d.named_batch.map(|nb| {
                let named = NAMED_BATCHES[(nb - 1) as usize].1;
                let latest = CREATION_BATCHES
                    .iter()
                    .filter(|(_, date)| year_of(date) + 2 <= year_of(named))
                    .map(|(b, _)| *b)
                    .max()
                    .unwrap_or(1);
                rng.gen_range(1..=latest.min(4))
            })
        });
        match (&kind, creation) {
            (Some(Kind::Cultivating) | Some(Kind::Eliminated), _) | (_, None) => {
                let year = rng.gen_range(2019..=2024);
                t.stage = vocab::CULTIVATING;
                t.cultivation_date = Some(format!("{year}-03-{:02}", rng.gen_range(1..=28)));
                t.events
                    .push(event(t.cultivation_date.clone().unwrap(), "列入培育", None));
            }
            (_, Some(b)) => {
                let date = CREATION_BATCHES[(b - 1) as usize].1.to_string();
                t.creation_batch = Some(b);
                t.creation_date = Some(date.clone());
                t.events.push(event(date, "列入创建", Some(b)));
            }
        }
        if let Some(nb) = d.named_batch {
            let date = NAMED_BATCHES[(nb - 1) as usize].1.to_string();
            t.stage = vocab::NAMED;
            t.named_batch = Some(nb);
            t.named_date = Some(date.clone());
            t.events.push(event(date, "命名", Some(nb)));
        }
        if let Some(year) = d.demoted_in {
            // The year's assessment is published the next spring.
            let date = format!("{}-04-15", year + 1);
            t.stage = vocab::CULTIVATING;
            t.status = vocab::DEMOTED;
            t.status_date = Some(date.clone());
            t.events.push(Event {
                date,
                kind: "降格",
                batch: None,
                note: Some(format!("{year} 年度考核降格，转入培育名单")),
            });
        }
        match kind {
            Some(Kind::Terminated) => {
                let date = format!("{}-04-15", rng.gen_range(2023..=2025));
                t.status = vocab::TERMINATED;
                t.status_date = Some(date.clone());
                t.events.push(Event {
                    date,
                    kind: "终止",
                    batch: None,
                    note: Some("创建满 5 年未命名，评估为高风险，终止创建".into()),
                });
            }
            Some(Kind::Eliminated) => {
                let first = year_of(t.cultivation_date.as_deref().unwrap()) + 1;
                let date = format!("{}-04-15", rng.gen_range(first.max(2022)..=2025));
                t.status = vocab::ELIMINATED;
                t.status_date = Some(date.clone());
                t.events.push(Event {
                    date,
                    kind: "淘汰",
                    batch: None,
                    note: Some("年度考核不合格，移出培育名单".into()),
                });
            }
            _ => {
                // A warning in the latest assessment for some creating towns.
                if t.stage == vocab::CREATING && t.status == vocab::NORMAL && rng.gen_bool(0.1) {
                    t.status = vocab::WARNED;
                    t.status_date = Some("2025-04-15".into());
                    t.events.push(Event {
                        date: "2025-04-15".into(),
                        kind: "警告",
                        batch: None,
                        note: Some("2024 年度考核为警告等次".into()),
                    });
                }
            }
        }
        t.planned_area_km2 = round2(match t.stage {
            // A few named towns over the 5 km² guardrail, for the evaluation views to find.
            vocab::NAMED if rng.gen_bool(0.04) => rng.gen_range(5.1..5.8),
            vocab::NAMED => rng.gen_range(2.8..4.95),
            vocab::CREATING => rng.gen_range(2.2..4.6),
            _ => rng.gen_range(1.5..4.0),
        });
        let (lon, lat) = place(&shapes[t.county], &points[t.county], rng);
        points[t.county].push((lon, lat));
        t.lon = (lon * 1e6).round() / 1e6;
        t.lat = (lat * 1e6).round() / 1e6;
        t.events.sort_by(|a, b| a.date.cmp(&b.date));
        towns.push(t);
    }
    Ok(towns)
}

fn event(date: String, kind: &'static str, batch: Option<i64>) -> Event {
    Event {
        date,
        kind,
        batch,
        note: None,
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The towns of the public list, merged by name (a town appears once per list it was on).
fn real_towns(counties: &[County], rng: &mut ChaCha8Rng) -> Result<Vec<Draft>> {
    let mut out: Vec<Draft> = Vec::new();
    for (line_no, line) in TOWNS_TSV.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 7 {
            return Err(Error::invalid(format!(
                "assets/demo/zhejiang_towns.tsv 第 {} 行字段不足 7 个",
                line_no + 1
            )));
        }
        let name = clean_name(f[0]);
        let batch_col = f[4];
        let status_col = f[6];
        let county = resolve_county(counties, f[1], f[2], rng).ok_or_else(|| {
            Error::invalid(format!(
                "assets/demo/zhejiang_towns.tsv 第 {} 行：找不到县（市、区）「{}」",
                line_no + 1,
                f[2]
            ))
        })?;
        let (category, lead) = parse_category(f[3], &name);
        let mut named_batch = None;
        let mut creation_batch = None;
        if let Some(rest) = batch_col.strip_prefix(vocab::NAMED) {
            named_batch =
                Some(batch_number(rest).unwrap_or_else(|| if rng.gen_bool(0.5) { 3 } else { 4 }));
        } else if let Some(rest) = batch_col.strip_prefix(vocab::CREATING) {
            creation_batch = Some(batch_number(rest).unwrap_or(if rest.contains("2017") {
                3
            } else {
                rng.gen_range(5..=6)
            }));
        }
        // "创建(2023命名)", "创建(后命名)": named later.
        if named_batch.is_none()
            && status_col.contains(vocab::NAMED)
            && status_col != vocab::CREATING
        {
            named_batch = Some(match status_col {
                s if s.contains("2019") => 3,
                s if s.contains("2020") => 4,
                s if s.contains("2021") => 5,
                s if s.contains("2023") => 7,
                _ => rng.gen_range(3..=4),
            });
        }
        let demoted_in = [batch_col, status_col]
            .iter()
            .find_map(|s| s.find("年度降格").map(|i| s[i - 4..i].parse::<i32>().ok()))
            .flatten();
        if let Some(existing) = out.iter_mut().find(|d| d.name == name) {
            existing.creation_batch = existing.creation_batch.or(creation_batch);
            existing.named_batch = existing.named_batch.or(named_batch);
            existing.demoted_in = existing.demoted_in.or(demoted_in);
            continue;
        }
        out.push(Draft {
            name,
            county,
            category,
            lead_industry: lead,
            creation_batch,
            named_batch,
            demoted_in,
            source: format!(
                "公开名单（{}）；{}",
                f[5].trim(),
                f.get(7).unwrap_or(&"").trim()
            ),
        });
    }
    Ok(out)
}

fn clean_name(raw: &str) -> String {
    let raw = raw.trim();
    match raw.split_once('(') {
        Some((before, inner)) => {
            let inner = inner.trim_end_matches(')');
            for prefix in ["现称", "后称", "现"] {
                if let Some(now) = inner.strip_prefix(prefix) {
                    return now.to_string();
                }
            }
            before.to_string()
        }
        None => raw.to_string(),
    }
}

fn batch_number(s: &str) -> Option<i64> {
    let s = s.strip_prefix('第')?;
    let end = s.find('批')?;
    s[..end].parse().ok()
}

fn resolve_county(
    counties: &[County],
    city: &str,
    county: &str,
    rng: &mut ChaCha8Rng,
) -> Option<usize> {
    let current = county.rsplit('→').next().unwrap_or(county);
    let (base, note) = match current.split_once('(') {
        Some((b, n)) => (b, n.trim_end_matches(')')),
        None => (current, ""),
    };
    let in_city = |c: &County| c.city_name.starts_with(city);
    for wanted in [base, note] {
        let wanted = if wanted == "杭州湾新区" {
            "慈溪"
        } else {
            wanted
        };
        if wanted.is_empty() {
            continue;
        }
        if let Some(i) = counties
            .iter()
            .position(|c| in_city(c) && (c.name == wanted || c.name.starts_with(wanted)))
        {
            return Some(i);
        }
    }
    // County not confirmed in the source: a county of the right city.
    let choices: Vec<usize> = (0..counties.len())
        .filter(|&i| in_city(&counties[i]))
        .collect();
    choices.choose(rng).copied()
}

fn parse_category(raw: &str, name: &str) -> (&'static str, String) {
    let head = raw.split(['(', '/']).next().unwrap_or(raw).trim();
    let category = CATEGORIES
        .iter()
        .find(|c| c.name.starts_with(head) || head.starts_with(c.name))
        .unwrap_or(&CATEGORIES[0])
        .name;
    let lead = raw
        .split_once('(')
        .map(|(_, inner)| inner.trim_end_matches(')').to_string())
        .or_else(|| {
            NAME_KEYWORDS
                .iter()
                .find(|(k, _)| name.contains(k))
                .map(|(_, v)| v.to_string())
        })
        .unwrap_or_else(|| words(category)[0].1.to_string());
    (category, lead)
}

const NAME_KEYWORDS: &[(&str, &str)] = &[
    ("袜", "袜业"),
    ("基金", "私募基金"),
    ("财富", "财富管理"),
    ("金融", "金融服务"),
    ("茶", "茶产业"),
    ("青瓷", "青瓷"),
    ("黄酒", "黄酒"),
    ("丝绸", "丝绸"),
    ("湖笔", "湖笔"),
    ("红木", "红木家具"),
    ("赏石", "赏石"),
    ("根缘", "根雕"),
    ("模具", "模具"),
    ("沃尔沃", "汽车整车及零部件"),
    ("汽车", "汽车整车及零部件"),
    ("木雕", "木雕"),
    ("光伏", "光伏"),
    ("光谷", "光伏"),
    ("新能源", "新能源"),
    ("核电", "核电装备"),
    ("皮革", "皮革时尚"),
    ("美妆", "美妆"),
    ("航空", "通用航空"),
    ("泵", "泵业"),
    ("机床", "机床"),
    ("宝剑", "宝剑"),
    ("香菇", "食用菌"),
    ("石雕", "石雕"),
    ("戏曲", "戏曲演艺"),
    ("越剧", "戏曲演艺"),
    ("演艺", "戏曲演艺"),
    ("物联网", "物联网"),
    ("互联网", "互联网"),
    ("人工智能", "人工智能"),
    ("医药", "生物医药"),
    ("药", "生物医药"),
    ("生命", "生命健康"),
    ("温泉", "温泉康养"),
    ("氧吧", "生态旅游"),
    ("渔", "远洋渔业"),
    ("伞", "制伞"),
    ("木玩", "木制玩具"),
    ("机器人", "机器人"),
    ("安防", "数字安防"),
    ("云", "云计算与大数据"),
    ("梦想", "互联网创业"),
    ("梦栖", "工业设计"),
    ("静脉", "循环经济"),
    ("循环", "循环经济"),
];

/// (name word, specific lead industry) per category, for generated towns.
pub fn words(category: &str) -> &'static [(&'static str, &'static str)] {
    match category {
        "数字经济" => &[
            ("云计算", "云计算与大数据"),
            ("集成电路", "集成电路"),
            ("数字安防", "数字安防"),
            ("软件", "软件与信息服务"),
            ("电商", "电子商务"),
            ("人工智能", "人工智能"),
            ("数字文创", "数字文化"),
            ("物联网", "物联网"),
            ("光电", "光电信息"),
        ],
        "高端装备制造" => &[
            ("智能装备", "智能装备"),
            ("汽车零部件", "汽车零部件"),
            ("机器人", "机器人"),
            ("通航", "通用航空"),
            ("轴承", "轴承"),
            ("泵阀", "泵阀"),
            ("电机", "电机"),
            ("海工装备", "船舶与海工装备"),
            ("新材料", "新材料"),
            ("精密制造", "精密制造"),
        ],
        "环保" => &[
            ("节能环保", "节能环保"),
            ("循环经济", "循环经济"),
            ("氢能", "氢能"),
            ("光伏", "光伏"),
            ("储能", "新型储能"),
            ("低碳", "绿色低碳技术"),
        ],
        "健康" => &[
            ("生物医药", "生物医药"),
            ("医疗器械", "医疗器械"),
            ("康养", "健康养老"),
            ("中医药", "中医药"),
            ("生命科学", "生命健康"),
            ("运动健康", "运动健康"),
        ],
        "时尚" => &[
            ("服装", "服装服饰"),
            ("眼镜", "眼镜"),
            ("鞋业", "鞋业"),
            ("箱包", "箱包"),
            ("家纺", "家纺"),
            ("珠宝", "珠宝首饰"),
            ("美妆", "美妆"),
            ("设计", "时尚设计"),
        ],
        "金融" => &[
            ("基金", "私募基金"),
            ("金融科技", "金融科技"),
            ("财富", "财富管理"),
            ("保险科技", "保险科技"),
            ("创投", "创业投资"),
        ],
        "旅游" => &[
            ("温泉", "温泉康养"),
            ("海岛", "海岛旅游"),
            ("森林", "森林旅游"),
            ("运动休闲", "运动休闲"),
            ("研学", "研学旅行"),
            ("古村", "乡村旅游"),
            ("山水", "山水旅游"),
        ],
        _ => &[
            ("茶香", "茶产业"),
            ("丝绸", "丝绸"),
            ("青瓷", "青瓷"),
            ("黄酒", "黄酒"),
            ("木雕", "木雕"),
            ("竹艺", "竹木工艺"),
            ("石雕", "石雕"),
            ("陶艺", "陶瓷"),
            ("剪纸", "民间工艺"),
        ],
    }
}

fn generated_name(
    county: &County,
    category: &'static str,
    used: &mut std::collections::HashSet<String>,
    rng: &mut ChaCha8Rng,
) -> (String, String) {
    let short = short_name(&county.name);
    let options = words(category);
    let start = rng.gen_range(0..options.len());
    for k in 0..options.len() {
        let (word, lead) = options[(start + k) % options.len()];
        let name = format!("{short}{word}小镇");
        if used.insert(name.clone()) {
            return (name, lead.to_string());
        }
    }
    let (word, lead) = options[start];
    let mut n = 2;
    loop {
        let name = format!("{short}{word}小镇（{n}）");
        if used.insert(name.clone()) {
            return (name, lead.to_string());
        }
        n += 1;
    }
}

pub fn short_name(county: &str) -> &str {
    if let Some(i) = county.find("畲族自治县") {
        return &county[..i];
    }
    let trimmed = county
        .strip_suffix('区')
        .or_else(|| county.strip_suffix('县'))
        .or_else(|| county.strip_suffix('市'))
        .unwrap_or(county);
    if trimmed.chars().count() >= 2 {
        trimmed
    } else {
        county
    }
}

fn city_factor(city: &str) -> f64 {
    match city {
        "杭州市" => 2.2,
        "宁波市" => 1.5,
        "温州市" | "绍兴市" | "嘉兴市" | "金华市" => 1.2,
        "湖州市" | "台州市" => 1.0,
        _ => 0.8,
    }
}

fn category_weight(category: &str) -> f64 {
    match category {
        "数字经济" => 3.0,
        "高端装备制造" => 3.0,
        "健康" => 1.5,
        "时尚" => 1.5,
        "旅游" => 1.5,
        "历史经典" => 1.3,
        "环保" => 1.0,
        _ => 0.8,
    }
}

fn pick_county(weights: &[f64], counts: &[usize], rng: &mut ChaCha8Rng) -> usize {
    let w: Vec<f64> = weights
        .iter()
        .zip(counts)
        .map(|(w, &n)| w / (1.0 + n as f64))
        .collect();
    let total: f64 = w.iter().sum();
    let mut x = rng.gen_range(0.0..total);
    for (i, wi) in w.iter().enumerate() {
        if x < *wi {
            return i;
        }
        x -= wi;
    }
    w.len() - 1
}

/// County polygons in the order of `counties`.
fn county_shapes(counties: &[County]) -> Result<Vec<geo::MultiPolygon<f64>>> {
    let bad =
        |what: String| Error::invalid(format!("assets/geo/zhejiang_counties.geojson：{what}"));
    let fc: geojson::FeatureCollection = COUNTIES_GEOJSON
        .parse()
        .map_err(|e| bad(format!("无法解析（{e}）")))?;
    let mut by_code: HashMap<String, geo::MultiPolygon<f64>> = HashMap::new();
    for f in fc.features {
        let code = f
            .property("adcode")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .ok_or_else(|| bad("要素缺少 adcode".into()))?;
        let geometry = f.geometry.ok_or_else(|| bad(format!("{code} 没有几何")))?;
        let g: geo::Geometry<f64> = geo::Geometry::try_from(&geometry)
            .map_err(|e| bad(format!("{code} 几何无效（{e}）")))?;
        let mp = match g {
            geo::Geometry::Polygon(p) => geo::MultiPolygon(vec![p]),
            geo::Geometry::MultiPolygon(mp) => mp,
            _ => return Err(bad(format!("{code} 不是面"))),
        };
        by_code.insert(code, mp);
    }
    counties
        .iter()
        .map(|c| {
            by_code
                .remove(&c.code)
                .ok_or_else(|| bad(format!("缺少县（市、区）{} {}", c.code, c.name)))
        })
        .collect()
}

/// A point well inside the county (about 1.5 km from its edge) and about 3 km from the county's
/// other towns when there is room, so the map part can grow a boundary around it.
fn place(shape: &geo::MultiPolygon<f64>, taken: &[(f64, f64)], rng: &mut ChaCha8Rng) -> (f64, f64) {
    use geo::BoundingRect;
    let rect = shape.bounding_rect().expect("non-empty county");
    let (min, max) = (rect.min(), rect.max());
    let margin = 0.015;
    let mut fallback = None;
    for attempt in 0..2000 {
        let p = (rng.gen_range(min.x..max.x), rng.gen_range(min.y..max.y));
        let inside = [
            (0.0, 0.0),
            (margin, 0.0),
            (-margin, 0.0),
            (0.0, margin),
            (0.0, -margin),
        ]
        .iter()
        .all(|(dx, dy)| shape.contains(&Point::new(p.0 + dx, p.1 + dy)));
        if !inside {
            continue;
        }
        if fallback.is_none() {
            fallback = Some(p);
        }
        let spacing = if attempt < 1000 { 0.03 } else { 0.012 };
        if taken.iter().all(|q| (q.0 - p.0).hypot(q.1 - p.1) > spacing) {
            return p;
        }
    }
    fallback.unwrap_or_else(|| {
        // Tiny or ragged county: any interior point.
        loop {
            let p = Point::new(rng.gen_range(min.x..max.x), rng.gen_range(min.y..max.y));
            if shape.contains(&p) {
                return (p.x(), p.y());
            }
        }
    })
}

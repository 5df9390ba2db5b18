//! The panorama of one chain in one scope, its gaps with their leads, a chain leader's local
//! upstream and downstream, a town's position and partners. Pure functions over what
//! [`super::repo::load`] read and the town list: no store, no writes.
//!
//! A link's figures include its sub-links' firms. Rules (a scope = the firms of its towns):
//! - strength: 缺失 no firm; 依赖单一企业 one firm, or the largest holds ≥ 60 % of the output;
//!   薄弱 fewer than 3 firms, or output below a quarter of the average bottom-level link's;
//!   较强 otherwise.
//! - gaps are the bottom-level links (no sub-links) that are not 较强; the action follows the
//!   rule: 补链 (attract) where firms elsewhere could fill it, 强链 (grow) where one firm carries
//!   it, 延链 (extend) where no firm anywhere holds it.
//! - concentration: the largest firm's share of the link's output and the
//!   Herfindahl–Hirschman index, Σ (100 · share)², from 0 to 10,000.

use std::collections::HashMap;

use serde::Serialize;

use super::repo::{ChainData, ChainInfo, Firm, CHAIN_LEADER};
use crate::towns::{Scope, TownRow};
use crate::vocab;

/// Below this many firms a link is thin.
pub const THIN_FIRMS: usize = 3;
/// A link whose largest firm has at least this share of its output depends on it.
pub const DOMINANT_SHARE: f64 = 0.6;
/// Output below this fraction of the average bottom-level link's makes a link thin.
pub const THIN_OUTPUT_RATIO: f64 = 0.25;
/// Leads listed for a gap.
pub const LEADS_PER_GAP: usize = 10;
/// Towns listed beside each link of the panorama (the link's own view lists them all).
pub const TOP_TOWNS: usize = 5;
/// Partner towns listed for each link a town lacks.
pub const PARTNERS_PER_LINK: usize = 3;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    pub firms: usize,
    pub output_wan_yuan: f64,
    pub tax_wan_yuan: f64,
    pub employees: i64,
}

/// Firms per distinction, in `vocab::FIRM_FLAGS` order.
#[derive(Debug, Clone, Serialize)]
pub struct FlagCount {
    pub flag: &'static str,
    pub firms: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct TownShare {
    pub town_id: i64,
    pub name: String,
    pub county: String,
    pub city: String,
    pub firms: usize,
    pub output_wan_yuan: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkStats {
    pub code: String,
    pub name: String,
    pub segment: String,
    pub parent: Option<String>,
    /// 0 for a top-level link, 1 for its sub-links, …
    pub depth: usize,
    pub is_key: bool,
    /// Has no sub-links (gaps are judged on these).
    pub is_leaf: bool,
    #[serde(flatten)]
    pub figures: Figures,
    pub key_firms: Vec<FlagCount>,
    /// Chain-leading firms on the link in the scope (names).
    pub chain_leaders: Vec<String>,
    /// Towns of the scope holding the link.
    pub towns: usize,
    pub top_towns: Vec<TownShare>,
    /// Largest firm's share of the link's output (0–1); None without output.
    pub largest_share: Option<f64>,
    pub hhi: Option<f64>,
    /// `vocab::LINK_STRENGTHS` name and code.
    pub strength: &'static str,
    pub strength_code: &'static str,
    /// Firms on the link outside the scope.
    pub firms_outside: usize,
    /// With a town: whether it holds the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held_by_town: Option<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentStats {
    pub segment: &'static str,
    #[serde(flatten)]
    pub figures: Figures,
    /// The segment's links, each top-level link followed by its sub-links.
    pub links: Vec<LinkStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Panorama {
    pub chain: ChainInfo,
    pub scope: Scope,
    #[serde(flatten)]
    pub totals: Figures,
    pub towns: usize,
    pub segments: Vec<SegmentStats>,
    pub leaders: Vec<LeaderView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub town: Option<TownPosition>,
}

/// A link named beside a leader or a town, with the scope's firms on it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkRef {
    pub code: String,
    pub name: String,
    pub segment: String,
    pub firms: usize,
    pub strength: &'static str,
}

/// A chain-leading firm of the scope and the local links up- and downstream of its own.
#[derive(Debug, Clone, Serialize)]
pub struct LeaderView {
    pub firm: FirmRow,
    pub link: String,
    pub upstream: Vec<LinkRef>,
    pub downstream: Vec<LinkRef>,
}

/// A town on the chain: the links it holds, the bottom-level links it lacks and who holds them.
#[derive(Debug, Clone, Serialize)]
pub struct TownPosition {
    pub town_id: i64,
    pub name: String,
    pub county: String,
    /// The segments where the town has firms.
    pub segments: Vec<&'static str>,
    pub held: Vec<LinkRef>,
    pub lacking: Vec<Partners>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Partners {
    pub link: String,
    pub name: String,
    pub segment: String,
    /// The towns holding the link anywhere, largest output first.
    pub towns: Vec<TownShare>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FirmRow {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub town_id: i64,
    pub town: String,
    pub county: String,
    pub city: String,
    /// The link the firm is attached to (a sub-link when it sits on one).
    pub link: String,
    pub output_wan_yuan: f64,
    pub tax_wan_yuan: f64,
    pub employees: i64,
    pub flags: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub link: String,
    pub name: String,
    pub segment: String,
    pub is_key: bool,
    /// The rule that found it: missing_here, missing_everywhere, single_firm, dominated,
    /// thin_firms, thin_output.
    pub rule: &'static str,
    /// The rule with this link's figures, in Chinese.
    pub finding: String,
    /// `vocab::CHAIN_ACTIONS` name and code.
    pub action: &'static str,
    pub action_code: &'static str,
    pub suggestion: &'static str,
    pub firms: usize,
    pub firms_outside: usize,
    /// Firms outside the scope on the link, most distinguished first, then largest.
    pub leads: Vec<FirmRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gaps {
    pub chain: ChainInfo,
    pub scope: Scope,
    pub gaps: Vec<Gap>,
}

/// One link with all its firms and towns in the scope.
#[derive(Debug, Clone, Serialize)]
pub struct LinkDetail {
    pub chain: ChainInfo,
    pub scope: Scope,
    pub link: LinkStats,
    /// Largest output first.
    pub firms: Vec<FirmRow>,
    pub towns: Vec<TownShare>,
}

/// Per-link sums over the firms, computed once per call.
struct Tally {
    inside: Figures,
    outside: usize,
    max_output: f64,
    largest: Option<usize>,
    sum_sq: f64,
    flags: [usize; 8],
    leaders: Vec<usize>,
    towns: HashMap<i64, (usize, f64)>,
}

impl Tally {
    fn new() -> Tally {
        Tally {
            inside: Figures::default(),
            outside: 0,
            max_output: -1.0,
            largest: None,
            sum_sq: 0.0,
            flags: [0; 8],
            leaders: Vec::new(),
            towns: HashMap::new(),
        }
    }
}

/// What every view of a chain shares: the link tree, each link's tally in the scope.
pub struct Analysis<'a> {
    data: &'a ChainData,
    towns: HashMap<i64, &'a TownRow>,
    scope: Scope,
    /// Index of the link by id; parent index; children indexes; depth.
    index: HashMap<i64, usize>,
    parent: Vec<Option<usize>>,
    leaf: Vec<bool>,
    depth: Vec<usize>,
    tallies: Vec<Tally>,
    avg_leaf_output: f64,
}

impl<'a> Analysis<'a> {
    pub fn new(data: &'a ChainData, towns: &'a [TownRow], scope: &Scope) -> Analysis<'a> {
        let towns: HashMap<i64, &TownRow> = towns.iter().map(|t| (t.id, t)).collect();
        let index: HashMap<i64, usize> = data
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id, i))
            .collect();
        let parent: Vec<Option<usize>> = data
            .links
            .iter()
            .map(|l| l.parent_id.and_then(|p| index.get(&p).copied()))
            .collect();
        let mut leaf = vec![true; data.links.len()];
        for p in parent.iter().flatten() {
            leaf[*p] = false;
        }
        let depth: Vec<usize> = (0..data.links.len())
            .map(|mut i| {
                let mut d = 0;
                while let Some(p) = parent[i] {
                    d += 1;
                    i = p;
                    if d > data.links.len() {
                        break;
                    }
                }
                d
            })
            .collect();
        let mut tallies: Vec<Tally> = data.links.iter().map(|_| Tally::new()).collect();
        for (f, firm) in data.firms.iter().enumerate() {
            let (Some(&at), Some(town)) = (index.get(&firm.link_id), towns.get(&firm.town_id))
            else {
                continue;
            };
            let inside = scope.contains(town);
            let mut link = Some(at);
            let mut guard = 0;
            while let Some(i) = link {
                let t = &mut tallies[i];
                if inside {
                    t.inside.firms += 1;
                    t.inside.output_wan_yuan += firm.output_wan_yuan;
                    t.inside.tax_wan_yuan += firm.tax_wan_yuan;
                    t.inside.employees += firm.employees;
                    t.sum_sq += firm.output_wan_yuan * firm.output_wan_yuan;
                    if firm.output_wan_yuan > t.max_output {
                        t.max_output = firm.output_wan_yuan;
                        t.largest = Some(f);
                    }
                    for (b, n) in t.flags.iter_mut().enumerate() {
                        if firm.flags & (1 << b) != 0 {
                            *n += 1;
                        }
                    }
                    if firm.flags & CHAIN_LEADER != 0 {
                        t.leaders.push(f);
                    }
                    let e = t.towns.entry(firm.town_id).or_insert((0, 0.0));
                    e.0 += 1;
                    e.1 += firm.output_wan_yuan;
                } else {
                    t.outside += 1;
                }
                link = parent[i];
                guard += 1;
                if guard > data.links.len() {
                    break;
                }
            }
        }
        let leaves: Vec<&Tally> = tallies
            .iter()
            .zip(&leaf)
            .filter(|(_, &l)| l)
            .map(|(t, _)| t)
            .collect();
        let avg_leaf_output = if leaves.is_empty() {
            0.0
        } else {
            leaves.iter().map(|t| t.inside.output_wan_yuan).sum::<f64>() / leaves.len() as f64
        };
        Analysis {
            data,
            towns,
            scope: scope.clone(),
            index,
            parent,
            leaf,
            depth,
            tallies,
            avg_leaf_output,
        }
    }

    fn largest_share(&self, i: usize) -> Option<f64> {
        let t = &self.tallies[i];
        (t.inside.output_wan_yuan > 0.0).then(|| t.max_output / t.inside.output_wan_yuan)
    }

    fn hhi(&self, i: usize) -> Option<f64> {
        let t = &self.tallies[i];
        let total = t.inside.output_wan_yuan;
        (total > 0.0).then(|| 10_000.0 * t.sum_sq / (total * total))
    }

    /// The strength rule and, for a gap, which part of it matched.
    fn judge(&self, i: usize) -> (&'static vocab::Term, Option<&'static str>) {
        let t = &self.tallies[i];
        let term = |code: &str| {
            vocab::LINK_STRENGTHS
                .iter()
                .find(|s| s.code == code)
                .expect("strength in vocab")
        };
        let firms = t.inside.firms;
        if firms == 0 {
            let rule = if t.outside > 0 {
                "missing_here"
            } else {
                "missing_everywhere"
            };
            return (term("missing"), Some(rule));
        }
        if firms == 1 {
            return (term("single"), Some("single_firm"));
        }
        if self.largest_share(i).is_some_and(|s| s >= DOMINANT_SHARE) {
            return (term("single"), Some("dominated"));
        }
        if firms < THIN_FIRMS {
            return (term("thin"), Some("thin_firms"));
        }
        if t.inside.output_wan_yuan < THIN_OUTPUT_RATIO * self.avg_leaf_output {
            return (term("thin"), Some("thin_output"));
        }
        (term("strong"), None)
    }

    fn town_share(&self, id: i64, firms: usize, output: f64) -> Option<TownShare> {
        let t = self.towns.get(&id)?;
        Some(TownShare {
            town_id: id,
            name: t.name.clone(),
            county: t.county.clone(),
            city: t.city.clone(),
            firms,
            output_wan_yuan: output,
        })
    }

    fn towns_of(&self, i: usize) -> Vec<TownShare> {
        let mut v: Vec<TownShare> = self.tallies[i]
            .towns
            .iter()
            .filter_map(|(&id, &(n, o))| self.town_share(id, n, o))
            .collect();
        largest_towns_first(&mut v);
        v
    }

    fn firm_row(&self, f: &Firm) -> FirmRow {
        let town = self.towns.get(&f.town_id);
        let place = |g: fn(&TownRow) -> &String| town.map(|t| g(t).clone()).unwrap_or_default();
        FirmRow {
            id: f.id,
            name: f.name.clone(),
            credit_code: f.credit_code.clone(),
            town_id: f.town_id,
            town: place(|t| &t.name),
            county: place(|t| &t.county),
            city: place(|t| &t.city),
            link: self
                .index
                .get(&f.link_id)
                .map_or_else(String::new, |&i| self.data.links[i].name.clone()),
            output_wan_yuan: f.output_wan_yuan,
            tax_wan_yuan: f.tax_wan_yuan,
            employees: f.employees,
            flags: vocab::FIRM_FLAGS
                .iter()
                .enumerate()
                .filter(|(b, _)| f.flags & (1 << b) != 0)
                .map(|(_, t)| t.name)
                .collect(),
        }
    }

    fn stats(&self, i: usize, town: Option<i64>) -> LinkStats {
        let l = &self.data.links[i];
        let t = &self.tallies[i];
        let (strength, _) = self.judge(i);
        let mut top_towns = self.towns_of(i);
        let towns = top_towns.len();
        top_towns.truncate(TOP_TOWNS);
        let mut leaders: Vec<&Firm> = t.leaders.iter().map(|&f| &self.data.firms[f]).collect();
        leaders.sort_by(|a, b| b.output_wan_yuan.total_cmp(&a.output_wan_yuan));
        LinkStats {
            code: l.code.clone(),
            name: l.name.clone(),
            segment: l.segment.clone(),
            parent: self.parent[i].map(|p| self.data.links[p].code.clone()),
            depth: self.depth[i],
            is_key: l.is_key,
            is_leaf: self.leaf[i],
            figures: t.inside.clone(),
            key_firms: vocab::FIRM_FLAGS
                .iter()
                .enumerate()
                .map(|(b, f)| FlagCount {
                    flag: f.name,
                    firms: t.flags[b],
                })
                .collect(),
            chain_leaders: leaders.iter().map(|f| f.name.clone()).collect(),
            towns,
            top_towns,
            largest_share: self.largest_share(i),
            hhi: self.hhi(i),
            strength: strength.name,
            strength_code: strength.code,
            firms_outside: t.outside,
            held_by_town: town.map(|id| self.holds(id, i)),
        }
    }

    /// Whether the town has a firm on link `i` (or its sub-links), whatever the scope.
    fn holds(&self, town: i64, i: usize) -> bool {
        self.data.firms.iter().any(|f| {
            f.town_id == town
                && self
                    .index
                    .get(&f.link_id)
                    .is_some_and(|&at| self.within(at, i))
        })
    }

    /// Whether link `at` is `i` or lies under it.
    fn within(&self, at: usize, i: usize) -> bool {
        let mut link = Some(at);
        let mut guard = 0;
        while let Some(k) = link {
            if k == i {
                return true;
            }
            link = self.parent[k];
            guard += 1;
            if guard > self.parent.len() {
                break;
            }
        }
        false
    }

    fn link_ref(&self, i: usize) -> LinkRef {
        let l = &self.data.links[i];
        LinkRef {
            code: l.code.clone(),
            name: l.name.clone(),
            segment: l.segment.clone(),
            firms: self.tallies[i].inside.firms,
            strength: self.judge(i).0.name,
        }
    }

    /// Links in display order: segments upstream first, each top-level link followed by its
    /// sub-links (depth first, in the definition's order).
    fn ordered(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.data.links.len());
        fn visit(a: &Analysis, i: usize, out: &mut Vec<usize>) {
            out.push(i);
            for k in 0..a.data.links.len() {
                if a.parent[k] == Some(i) && !out.contains(&k) {
                    visit(a, k, out);
                }
            }
        }
        for seg in vocab::SEGMENTS {
            for i in 0..self.data.links.len() {
                if self.parent[i].is_none() && self.data.links[i].segment == seg.name {
                    visit(self, i, &mut out);
                }
            }
        }
        out
    }

    pub fn panorama(&self, town: Option<&TownRow>) -> Panorama {
        let order = self.ordered();
        let segments = vocab::SEGMENTS
            .iter()
            .map(|seg| {
                let links: Vec<LinkStats> = order
                    .iter()
                    .filter(|&&i| self.data.links[i].segment == seg.name)
                    .map(|&i| self.stats(i, town.map(|t| t.id)))
                    .collect();
                let figures = self.sum(order.iter().filter(|&&i| {
                    self.data.links[i].segment == seg.name && self.parent[i].is_none()
                }));
                SegmentStats {
                    segment: seg.name,
                    figures,
                    links,
                }
            })
            .collect();
        let tops: Vec<usize> = (0..self.data.links.len())
            .filter(|&i| self.parent[i].is_none())
            .collect();
        let mut held_towns: Vec<i64> = tops
            .iter()
            .flat_map(|&i| self.tallies[i].towns.keys().copied())
            .collect();
        held_towns.sort_unstable();
        held_towns.dedup();
        Panorama {
            chain: self.data.chain.clone(),
            scope: self.scope.clone(),
            totals: self.sum(tops.iter()),
            towns: held_towns.len(),
            segments,
            leaders: self.leaders(),
            town: town.map(|t| self.position(t)),
        }
    }

    fn sum<'i>(&self, links: impl Iterator<Item = &'i usize>) -> Figures {
        let mut s = Figures::default();
        for &i in links {
            let f = &self.tallies[i].inside;
            s.firms += f.firms;
            s.output_wan_yuan += f.output_wan_yuan;
            s.tax_wan_yuan += f.tax_wan_yuan;
            s.employees += f.employees;
        }
        s
    }

    fn segment_rank(segment: &str) -> usize {
        vocab::SEGMENTS
            .iter()
            .position(|s| s.name == segment)
            .unwrap_or(0)
    }

    /// The scope's chain leaders (largest first, at most 20), each with the top-level links of
    /// the segments before and after its own.
    fn leaders(&self) -> Vec<LeaderView> {
        let mut firms: Vec<&Firm> = self
            .data
            .firms
            .iter()
            .filter(|f| {
                f.flags & CHAIN_LEADER != 0
                    && self
                        .towns
                        .get(&f.town_id)
                        .is_some_and(|t| self.scope.contains(t))
                    && self.index.contains_key(&f.link_id)
            })
            .collect();
        largest_first(&mut firms);
        firms.truncate(20);
        firms
            .into_iter()
            .map(|f| {
                let at = self.index[&f.link_id];
                let own = Self::segment_rank(&self.data.links[at].segment);
                let side = |want: &dyn Fn(usize) -> bool| -> Vec<LinkRef> {
                    (0..self.data.links.len())
                        .filter(|&i| {
                            self.parent[i].is_none()
                                && want(Self::segment_rank(&self.data.links[i].segment))
                        })
                        .map(|i| self.link_ref(i))
                        .collect()
                };
                LeaderView {
                    firm: self.firm_row(f),
                    link: self.data.links[at].name.clone(),
                    upstream: side(&|r| r < own),
                    downstream: side(&|r| r > own),
                }
            })
            .collect()
    }

    fn position(&self, town: &TownRow) -> TownPosition {
        let order = self.ordered();
        let mut held = Vec::new();
        let mut lacking = Vec::new();
        let mut segments: Vec<&'static str> = Vec::new();
        for &i in &order {
            let l = &self.data.links[i];
            if self.holds(town.id, i) {
                held.push(self.link_ref(i));
                if let Some(s) = vocab::find(vocab::SEGMENTS, &l.segment) {
                    if !segments.contains(&s.name) {
                        segments.push(s.name);
                    }
                }
            } else if self.leaf[i] {
                lacking.push(Partners {
                    link: l.code.clone(),
                    name: l.name.clone(),
                    segment: l.segment.clone(),
                    towns: self.holders_anywhere(i, PARTNERS_PER_LINK),
                });
            }
        }
        TownPosition {
            town_id: town.id,
            name: town.name.clone(),
            county: town.county.clone(),
            segments,
            held,
            lacking,
        }
    }

    /// The towns, in or out of the scope, with firms on link `i`, largest output first.
    fn holders_anywhere(&self, i: usize, n: usize) -> Vec<TownShare> {
        let mut by_town: HashMap<i64, (usize, f64)> = HashMap::new();
        for f in &self.data.firms {
            if self
                .index
                .get(&f.link_id)
                .is_some_and(|&at| self.within(at, i))
            {
                let e = by_town.entry(f.town_id).or_insert((0, 0.0));
                e.0 += 1;
                e.1 += f.output_wan_yuan;
            }
        }
        let mut v: Vec<TownShare> = by_town
            .into_iter()
            .filter_map(|(id, (k, o))| self.town_share(id, k, o))
            .collect();
        largest_towns_first(&mut v);
        v.truncate(n);
        v
    }

    /// Rank of a lead: its distinctions (the rarer first: 链主 counts most), then its output.
    fn lead_weight(f: &Firm) -> u32 {
        let n = vocab::FIRM_FLAGS.len() as u32;
        (0..n)
            .filter(|b| f.flags & (1 << b) != 0)
            .map(|b| 1 << (n - b))
            .sum()
    }

    pub fn gaps(&self) -> Gaps {
        let mut gaps = Vec::new();
        for i in self.ordered() {
            if !self.leaf[i] {
                continue;
            }
            let (_, Some(rule)) = self.judge(i) else {
                continue;
            };
            let l = &self.data.links[i];
            let t = &self.tallies[i];
            let largest = t.largest.map(|f| self.data.firms[f].name.as_str());
            let finding = match rule {
                "missing_here" => format!("范围内没有这一环节的企业，范围外有 {} 家", t.outside),
                "missing_everywhere" => "全部数据中都没有这一环节的企业".to_string(),
                "single_firm" => format!("范围内只有 1 家企业（{}）", largest.unwrap_or_default()),
                "dominated" => format!(
                    "最大企业（{}）占本环节产出的 {:.1}%（不低于 {:.0}%）",
                    largest.unwrap_or_default(),
                    100.0 * self.largest_share(i).unwrap_or(0.0),
                    100.0 * DOMINANT_SHARE
                ),
                "thin_firms" => format!(
                    "范围内只有 {} 家企业（少于 {THIN_FIRMS} 家）",
                    t.inside.firms
                ),
                _ => format!(
                    "产出 {:.2} 亿元，不到本范围末级环节平均产出（{:.2} 亿元）的四分之一",
                    t.inside.output_wan_yuan / 1e4,
                    self.avg_leaf_output / 1e4
                ),
            };
            let (action_code, suggestion) = match rule {
                "missing_everywhere" => (
                    "extend",
                    "全部数据中尚无布局：结合上下游谋划项目，向这一环节延伸",
                ),
                "single_firm" | "dominated" => (
                    "grow",
                    "培育壮大现有企业，并引进同环节企业，降低对单一企业的依赖",
                ),
                _ => (
                    "attract",
                    "从范围外招引这一环节的企业落户（见招商线索），补上短板",
                ),
            };
            let action = vocab::CHAIN_ACTIONS
                .iter()
                .find(|a| a.code == action_code)
                .expect("action in vocab");
            gaps.push(Gap {
                link: l.code.clone(),
                name: l.name.clone(),
                segment: l.segment.clone(),
                is_key: l.is_key,
                rule,
                finding,
                action: action.name,
                action_code,
                suggestion,
                firms: t.inside.firms,
                firms_outside: t.outside,
                leads: self.leads(i),
            });
        }
        Gaps {
            chain: self.data.chain.clone(),
            scope: self.scope.clone(),
            gaps,
        }
    }

    /// The firms on link `i` (or its sub-links) inside the scope, or outside it.
    fn firms_on(&self, i: usize, inside: bool) -> Vec<&Firm> {
        self.data
            .firms
            .iter()
            .filter(|f| {
                self.index
                    .get(&f.link_id)
                    .is_some_and(|&at| self.within(at, i))
                    && self
                        .towns
                        .get(&f.town_id)
                        .is_some_and(|t| self.scope.contains(t) == inside)
            })
            .collect()
    }

    /// Firms outside the scope on link `i`: most distinguished first, then largest.
    fn leads(&self, i: usize) -> Vec<FirmRow> {
        let mut firms = self.firms_on(i, false);
        firms.sort_by(|a, b| {
            Self::lead_weight(b)
                .cmp(&Self::lead_weight(a))
                .then(b.output_wan_yuan.total_cmp(&a.output_wan_yuan))
                .then(a.id.cmp(&b.id))
        });
        firms.truncate(LEADS_PER_GAP);
        firms.into_iter().map(|f| self.firm_row(f)).collect()
    }

    /// One link (by code) with its firms and towns in the scope; None when the chain has no
    /// such link.
    pub fn link(&self, code: &str) -> Option<LinkDetail> {
        let i = self.data.links.iter().position(|l| l.code == code)?;
        let mut firms = self.firms_on(i, true);
        largest_first(&mut firms);
        Some(LinkDetail {
            chain: self.data.chain.clone(),
            scope: self.scope.clone(),
            link: self.stats(i, None),
            firms: firms.into_iter().map(|f| self.firm_row(f)).collect(),
            towns: self.towns_of(i),
        })
    }
}

fn largest_first(firms: &mut [&Firm]) {
    firms.sort_by(|a, b| {
        b.output_wan_yuan
            .total_cmp(&a.output_wan_yuan)
            .then(a.id.cmp(&b.id))
    });
}

fn largest_towns_first(towns: &mut [TownShare]) {
    towns.sort_by(|a, b| {
        b.output_wan_yuan
            .total_cmp(&a.output_wan_yuan)
            .then(a.town_id.cmp(&b.town_id))
    });
}

//! The demo province's figures: quarterly indicator values 2018–2025, investment projects whose
//! yearly amounts add up to each town's effective investment, industry chains, and the 2025
//! enterprise register whose flags match the towns' year-end counts.
//!
//! Province totals follow the public aggregates in `assets/demo/towns-source.md` (2018: output
//! 8,741.9 亿, tax 582.1 亿, 884 high-tech firms; 2022: output 1.98 万亿, tax 1,291.5 亿, 3,188
//! high-tech firms, 1.932 million jobs, 1,056 R&D institutes, 157k patents, tax 77.9 万元 a mu)
//! and rise towards, but not all reach, the 2025 targets of the guidance.

use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::towns::{short_name, County, DemoTown};
use crate::credit_code;

pub const FIRST_YEAR: i32 = 2018;
pub const LAST_YEAR: i32 = 2025;
const NY: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// Province totals per year at scale 1 (money in 亿元).
const OUTPUT_YI: [f64; NY] = [
    8741.9, 10900.0, 12700.0, 16300.0, 19800.0, 21300.0, 22650.0, 23850.0,
];
const TAX_YI: [f64; NY] = [582.1, 700.0, 800.0, 1060.0, 1291.5, 1385.0, 1465.0, 1556.0];
const EFFECTIVE_INVESTMENT_YI: [f64; NY] = [
    1080.0, 1150.0, 1180.0, 1240.0, 1262.0, 1330.0, 1390.0, 1440.0,
];
const HIGH_TECH: [f64; NY] = [
    884.0, 1300.0, 1850.0, 2550.0, 3188.0, 3560.0, 3880.0, 4160.0,
];
const LISTED: [f64; NY] = [150.0, 185.0, 230.0, 280.0, 330.0, 372.0, 404.0, 432.0];
const INCUBATED: [f64; NY] = [
    1500.0, 1700.0, 1900.0, 2150.0, 2350.0, 2520.0, 2650.0, 2780.0,
];
const EMPLOYEES: [f64; NY] = [
    1_050_000.0,
    1_250_000.0,
    1_420_000.0,
    1_680_000.0,
    1_932_000.0,
    2_030_000.0,
    2_110_000.0,
    2_190_000.0,
];
const RD_INSTITUTES: [f64; NY] = [560.0, 680.0, 800.0, 930.0, 1056.0, 1120.0, 1180.0, 1240.0];
const PATENTS: [f64; NY] = [
    70_000.0, 90_000.0, 110_000.0, 135_000.0, 157_000.0, 175_000.0, 192_000.0, 210_000.0,
];
const LAND_MU: [f64; NY] = [
    111_900.0, 125_000.0, 138_000.0, 152_000.0, 165_800.0, 173_000.0, 179_000.0, 185_000.0,
];
const ABOVE_SCALE: [f64; NY] = [
    2800.0, 3300.0, 3800.0, 4400.0, 5000.0, 5500.0, 5900.0, 6200.0,
];
const NEW_FIRMS: [f64; NY] = [
    3000.0, 3400.0, 3700.0, 4100.0, 4400.0, 4700.0, 5000.0, 5200.0,
];
/// Enterprises in the 2025 register at scale 1.
const ENTERPRISES: f64 = 25_000.0;

/// Quarterly figures of one indicator for one town.
pub struct Value {
    pub code: &'static str,
    pub year: i32,
    pub town_id: i64,
    pub quarter: i64,
    pub value: f64,
}

/// The figures' placeholder chains: the firms are drawn onto their links, then `chains.rs` moves
/// them onto the shipped definitions' links. Kept as they were so the random stream (which
/// depends on their link counts) and every other demo figure stay the same.
pub struct Chain {
    pub id: i64,
    pub category: &'static str,
}

pub struct Link {
    pub id: i64,
    pub chain_id: i64,
    pub segment: &'static str,
}

pub struct Enterprise {
    pub id: i64,
    pub credit_code: String,
    pub name: String,
    pub town_id: i64,
    pub chain_link_id: Option<i64>,
    pub industry: String,
    pub founded_date: String,
    pub flags: [bool; 8], // above_scale, high_tech, listed, specialized, little_giant, single_champion, chain_leader, incubated
    pub output: f64,
    pub value_added: f64,
    pub tax: f64,
    pub rd: f64,
    pub employees: i64,
    pub land_mu: f64,
    pub energy_tce: f64,
}

pub struct Project {
    pub id: i64,
    pub town_id: i64,
    pub name: String,
    pub project_type: &'static str,
    pub is_lead_industry: bool,
    pub total: f64,
    pub land_mu: f64,
    pub start_year: i32,
    pub end_year: i32,
}

pub struct ProjectYear {
    pub project_id: i64,
    pub year: i32,
    pub invested: f64,
}

#[derive(Default)]
pub struct Figures {
    pub values: Vec<Value>,
    pub chains: Vec<Chain>,
    pub links: Vec<Link>,
    pub enterprises: Vec<Enterprise>,
    pub projects: Vec<Project>,
    pub project_years: Vec<ProjectYear>,
}

/// Annual figures of one indicator: per town, per year (None when the town is off the list).
type Annual = Vec<[Option<f64>; NY]>;

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn lognormal(rng: &mut ChaCha8Rng, sigma: f64) -> f64 {
    (sigma * normal(rng)).exp()
}

struct TownTraits {
    weight: f64,
    innovation: f64,
    tax_rate: f64,
    rd_rate: f64,
    export_rate: f64,
    energy_intensity: f64,
    land_factor: f64,
    lead_share: f64,
    lead_invest_share: f64,
    talent_rate: f64,
    degree_base: f64,
    green_base: f64,
    visitors_base: f64,
    first: i32,
    last: i32,
}

fn traits(t: &DemoTown, city: &str, rng: &mut ChaCha8Rng) -> TownTraits {
    let c = t.category;
    let pick = |rng: &mut ChaCha8Rng, lo: f64, hi: f64| rng.gen_range(lo..hi);
    let cat_size = match c {
        "数字经济" => 1.7,
        "高端装备制造" => 1.5,
        "金融" => 1.2,
        "时尚" => 1.0,
        "环保" => 0.9,
        "健康" => 0.8,
        "历史经典" => 0.45,
        _ => 0.35,
    };
    let stage = match t.stage {
        "命名" => 1.6,
        "创建" => 1.0,
        _ => 0.55,
    };
    let city_f = match city {
        "杭州市" => 1.4,
        "宁波市" => 1.2,
        "丽水市" | "衢州市" | "舟山市" => 0.7,
        _ => 1.0,
    };
    TownTraits {
        weight: lognormal(rng, 0.7) * cat_size * stage * city_f,
        innovation: match c {
            "数字经济" | "健康" => 1.6,
            "高端装备制造" | "环保" => 1.3,
            "时尚" => 0.8,
            "金融" => 0.6,
            _ => 0.35,
        } * lognormal(rng, 0.3),
        tax_rate: match c {
            "金融" => 2.2,
            "数字经济" => 1.2,
            "旅游" | "历史经典" => 0.8,
            _ => 1.0,
        } * lognormal(rng, 0.25),
        rd_rate: match c {
            "数字经济" => pick(rng, 0.04, 0.07),
            "健康" => pick(rng, 0.05, 0.08),
            "高端装备制造" => pick(rng, 0.03, 0.045),
            "环保" => pick(rng, 0.025, 0.04),
            "时尚" => pick(rng, 0.015, 0.025),
            "历史经典" => pick(rng, 0.008, 0.02),
            "金融" => pick(rng, 0.004, 0.01),
            _ => pick(rng, 0.003, 0.008),
        },
        export_rate: match c {
            "时尚" | "高端装备制造" => pick(rng, 0.15, 0.3),
            "数字经济" | "环保" | "健康" => pick(rng, 0.06, 0.15),
            "历史经典" => pick(rng, 0.05, 0.12),
            _ => pick(rng, 0.0, 0.02),
        },
        energy_intensity: match c {
            "高端装备制造" | "环保" => pick(rng, 0.06, 0.12),
            "时尚" | "历史经典" => pick(rng, 0.05, 0.1),
            "健康" => pick(rng, 0.04, 0.08),
            "数字经济" => pick(rng, 0.02, 0.05),
            _ => pick(rng, 0.01, 0.03),
        },
        land_factor: match c {
            "高端装备制造" | "环保" => 1.5,
            "时尚" | "历史经典" | "健康" => 1.1,
            "旅游" => 1.3,
            "数字经济" => 0.6,
            _ => 0.3,
        } * lognormal(rng, 0.2),
        lead_share: pick(rng, 0.55, 0.8) + if t.stage == "命名" { 0.02 } else { 0.0 },
        lead_invest_share: pick(rng, 0.58, 0.82),
        talent_rate: pick(rng, 0.004, 0.015),
        degree_base: match c {
            "数字经济" | "金融" => pick(rng, 60.0, 78.0),
            "健康" | "环保" => pick(rng, 45.0, 62.0),
            _ => pick(rng, 30.0, 50.0),
        },
        green_base: if rng.gen_bool(0.06) {
            pick(rng, 24.0, 29.0)
        } else {
            pick(rng, 30.5, 46.0)
        },
        visitors_base: match c {
            "旅游" => pick(rng, 150.0, 700.0),
            "历史经典" => pick(rng, 60.0, 300.0),
            "健康" | "时尚" => pick(rng, 20.0, 90.0),
            _ => pick(rng, 5.0, 40.0),
        },
        first: t.listed_year(),
        last: t.last_year(),
    }
}

fn maturity(age: i32) -> f64 {
    0.35 + 0.65 * (1.0 - (-(age.max(0) as f64 + 1.0) / 2.5).exp())
}

/// Shares `total` out in proportion to `raw` (None stays None).
fn allocate(raw: &[Option<f64>], total: f64) -> Vec<Option<f64>> {
    let sum: f64 = raw.iter().flatten().sum();
    raw.iter()
        .map(|r| r.map(|r| if sum > 0.0 { total * r / sum } else { 0.0 }))
        .collect()
}

/// As [`allocate`], in whole numbers that add up to the rounded total (largest remainder).
fn allocate_int(raw: &[Option<f64>], total: f64) -> Vec<Option<f64>> {
    let exact = allocate(raw, total.round());
    let mut floors: Vec<Option<f64>> = exact.iter().map(|v| v.map(f64::floor)).collect();
    let assigned: f64 = floors.iter().flatten().sum();
    let mut short = (total.round() - assigned) as i64;
    let mut order: Vec<usize> = (0..exact.len()).filter(|&i| exact[i].is_some()).collect();
    order.sort_by(|&a, &b| {
        let ra = exact[a].unwrap() - floors[a].unwrap();
        let rb = exact[b].unwrap() - floors[b].unwrap();
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for &i in order.iter().cycle().take(order.len().max(1) * 2) {
        if short <= 0 || order.is_empty() {
            break;
        }
        floors[i] = floors[i].map(|v| v + 1.0);
        short -= 1;
    }
    floors
}

/// Builds every figure of the demo province.
pub fn build(towns: &[DemoTown], counties: &[County], scale: u32, rng: &mut ChaCha8Rng) -> Figures {
    let s = scale.max(1) as f64;
    let tr: Vec<TownTraits> = towns
        .iter()
        .map(|t| traits(t, &counties[t.county].city_name, rng))
        .collect();
    let active = |i: usize, y: usize| {
        let year = FIRST_YEAR + y as i32;
        tr[i].first <= year && year <= tr[i].last
    };
    let per_town_year = |f: &mut dyn FnMut(usize, usize) -> f64| -> Annual {
        (0..towns.len())
            .map(|i| {
                let mut row = [None; NY];
                for (y, cell) in row.iter_mut().enumerate() {
                    if active(i, y) {
                        *cell = Some(f(i, y));
                    }
                }
                row
            })
            .collect()
    };
    // Raw size of a town in a year: weight × maturity × a random walk (so a town's series is
    // smooth from year to year).
    let mut walk = vec![1.0f64; towns.len()];
    let size: Annual = per_town_year(&mut |i, y| {
        let age = FIRST_YEAR + y as i32 - tr[i].first;
        walk[i] *= lognormal(rng, 0.035);
        tr[i].weight * maturity(age) * walk[i]
    });
    let calibrate = |raw: &Annual, totals: &[f64; NY], whole: bool| -> Annual {
        let mut out: Annual = vec![[None; NY]; raw.len()];
        for y in 0..NY {
            let column: Vec<Option<f64>> = raw.iter().map(|r| r[y]).collect();
            let total = totals[y] * s;
            let shared = if whole {
                allocate_int(&column, total)
            } else {
                allocate(&column, total)
            };
            for (i, v) in shared.into_iter().enumerate() {
                out[i][y] = v;
            }
        }
        out
    };
    let scaled = |by: &dyn Fn(usize) -> f64, pow: f64| -> Annual {
        size.iter()
            .enumerate()
            .map(|(i, row)| row.map(|v| v.map(|v| v.powf(pow) * by(i))))
            .collect()
    };
    let wan = |yi: &[f64; NY]| yi.map(|v| v * 1e4);
    let output = calibrate(&scaled(&|_| 1.0, 1.0), &wan(&OUTPUT_YI), false);
    let tax = calibrate(&scaled(&|i| tr[i].tax_rate, 1.0), &wan(&TAX_YI), false);
    let innov = scaled(&|i| tr[i].innovation, 1.0);
    let high_tech = calibrate(&innov, &HIGH_TECH, true);
    let listed = calibrate(&scaled(&|i| tr[i].innovation.sqrt(), 1.2), &LISTED, true);
    let incubated = calibrate(&scaled(&|i| tr[i].innovation, 0.6), &INCUBATED, true);
    let rd_institutes = calibrate(&innov, &RD_INSTITUTES, true);
    let patents = calibrate(&innov, &PATENTS, true);
    let employees = calibrate(&scaled(&|_| 1.0, 0.85), &EMPLOYEES, true);
    let land = calibrate(&scaled(&|i| tr[i].land_factor, 0.8), &LAND_MU, false);
    let above_scale = calibrate(&scaled(&|_| 1.0, 0.9), &ABOVE_SCALE, true);
    let new_firms = calibrate(&scaled(&|_| 1.0, 0.6), &NEW_FIRMS, true);
    // Young towns invest more for their size.
    let invest_raw: Annual = size
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut r = *row;
            for (y, v) in r.iter_mut().enumerate() {
                let age = (FIRST_YEAR + y as i32 - tr[i].first) as f64;
                *v = v.map(|v| v.powf(0.7) * (1.6 - 0.08 * age).max(0.6));
            }
            r
        })
        .collect();
    let effective = calibrate(&invest_raw, &wan(&EFFECTIVE_INVESTMENT_YI), false);

    let mut fig = Figures::default();
    let (projects, project_years, housing) = projects(towns, &tr, &effective, rng);
    fig.projects = projects;
    fig.project_years = project_years;

    for (i, t) in towns.iter().enumerate() {
        let id = t.id;
        let trt = &tr[i];
        let mut prev_stock: std::collections::BTreeMap<&'static str, f64> = Default::default();
        for y in 0..NY {
            let Some(out_y) = output[i][y] else { continue };
            let year = FIRST_YEAR + y as i32;
            let shares = quarter_shares(rng);
            let inv_shares = quarter_shares(rng);
            let lead_share =
                (trt.lead_share + 0.006 * y as f64 + 0.02 * normal(rng)).clamp(0.3, 0.97);
            let lead_inv_share =
                (trt.lead_invest_share + 0.005 * y as f64 + 0.03 * normal(rng)).clamp(0.3, 0.98);
            let eff_y = effective[i][y].unwrap_or(0.0);
            let house_y = housing[i][y];
            let intensity = trt.energy_intensity * (1.0 - 0.03 * y as f64) * lognormal(rng, 0.05);
            let flows: [(&'static str, f64, &[f64; 4]); 10] = [
                ("output", out_y, &shares),
                ("lead_industry_output", out_y * lead_share, &shares),
                ("tax", tax[i][y].unwrap_or(0.0), &shares),
                ("rd_spend", out_y * trt.rd_rate, &shares),
                ("incubated_firms", incubated[i][y].unwrap_or(0.0), &[0.0; 4]),
                ("effective_investment", eff_y, &inv_shares),
                (
                    "lead_industry_investment",
                    eff_y * lead_inv_share,
                    &inv_shares,
                ),
                ("fixed_asset_investment", eff_y + house_y, &inv_shares),
                ("exports", out_y * trt.export_rate, &shares),
                (
                    "visitors",
                    trt.visitors_base * maturity(year - trt.first),
                    &shares,
                ),
            ];
            let mut quarterly: std::collections::BTreeMap<&'static str, [f64; 4]> =
                Default::default();
            for (code, total, sh) in flows {
                let q = if code == "incubated_firms" || code == "new_firms" {
                    split_int(total, &shares)
                } else {
                    sh.map(|x| total * x)
                };
                quarterly.insert(code, q);
            }
            quarterly.insert(
                "new_firms",
                split_int(new_firms[i][y].unwrap_or(0.0), &shares),
            );
            // Flows are stored year-to-date (累计值); the Q4 value is the year's total.
            for (code, q) in &quarterly {
                let mut cumulative = 0.0;
                for (k, v) in q.iter().enumerate() {
                    cumulative += v;
                    let stored = if k == 3 { q.iter().sum() } else { cumulative };
                    fig.values.push(value(code, year, id, k, stored));
                }
            }
            // Year-to-date ratios at each quarter's end.
            let ytd = |code: &str, k: usize| quarterly[code][..=k].iter().sum::<f64>();
            for k in 0..4 {
                let out_ytd = ytd("output", k);
                let eff_ytd = ytd("effective_investment", k);
                let ratio = |num: f64, den: f64| if den > 0.0 { 100.0 * num / den } else { 0.0 };
                fig.values.push(value(
                    "lead_output_share_pct",
                    year,
                    id,
                    k,
                    ratio(ytd("lead_industry_output", k), out_ytd),
                ));
                fig.values.push(value(
                    "lead_investment_share_pct",
                    year,
                    id,
                    k,
                    ratio(ytd("lead_industry_investment", k), eff_ytd),
                ));
                fig.values.push(value(
                    "energy_per_output",
                    year,
                    id,
                    k,
                    round_to(intensity * (1.0 + 0.02 * (1.5 - k as f64)), 4),
                ));
                fig.values.push(value(
                    "green_coverage_pct",
                    year,
                    id,
                    k,
                    round_to(trt.green_base + 0.35 * y as f64 + 0.1 * k as f64, 1),
                ));
                fig.values.push(value(
                    "degree_staff_pct",
                    year,
                    id,
                    k,
                    round_to(
                        (trt.degree_base + 0.8 * y as f64 + 0.2 * k as f64).min(95.0),
                        1,
                    ),
                ));
            }
            let emp = employees[i][y].unwrap_or(0.0);
            let stocks: [(&'static str, f64, bool); 10] = [
                ("above_scale_firms", above_scale[i][y].unwrap_or(0.0), true),
                ("valid_patents", patents[i][y].unwrap_or(0.0), true),
                ("high_tech_firms", high_tech[i][y].unwrap_or(0.0), true),
                ("rd_institutes", rd_institutes[i][y].unwrap_or(0.0), true),
                ("employees", emp, true),
                ("talents", (emp * trt.talent_rate).round(), true),
                ("listed_firms", listed[i][y].unwrap_or(0.0), true),
                (
                    "land_used_mu",
                    round_to(land[i][y].unwrap_or(0.0), 1),
                    false,
                ),
                (
                    "public_facilities",
                    (4.0 + 3.0 * trt.weight.sqrt() + 0.6 * (year - trt.first) as f64).round(),
                    true,
                ),
                (
                    "service_platforms",
                    (2.0 + 1.5 * trt.weight.sqrt() + 0.3 * (year - trt.first) as f64).round(),
                    true,
                ),
            ];
            for (code, end, whole) in stocks {
                let start = prev_stock.get(code).copied().unwrap_or(end * 0.9);
                for k in 0..4 {
                    let v = start + (end - start) * (k as f64 + 1.0) / 4.0;
                    let v = if whole { v.round() } else { round_to(v, 1) };
                    let v = if k == 3 { end } else { v };
                    fig.values.push(value(code, year, id, k, v));
                }
                prev_stock.insert(code, end);
            }
        }
    }

    let (chains, links) = chains();
    fig.chains = chains;
    fig.links = links;
    fig.enterprises = enterprises(
        towns,
        counties,
        &tr,
        &fig.links,
        &fig.chains,
        &Annuals {
            output: &output,
            tax: &tax,
            high_tech: &high_tech,
            listed: &listed,
            above_scale: &above_scale,
            employees: &employees,
            land: &land,
        },
        s,
        rng,
    );
    fig
}

fn value(code: &'static str, year: i32, town_id: i64, k: usize, value: f64) -> Value {
    Value {
        code,
        year,
        town_id,
        quarter: k as i64 + 1,
        value,
    }
}

fn round_to(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

fn quarter_shares(rng: &mut ChaCha8Rng) -> [f64; 4] {
    let base = [0.21, 0.24, 0.25, 0.30];
    let raw = base.map(|b| b * lognormal(rng, 0.05));
    let sum: f64 = raw.iter().sum();
    raw.map(|r| r / sum)
}

/// Splits a whole number over quarters in whole numbers.
fn split_int(total: f64, shares: &[f64; 4]) -> [f64; 4] {
    let mut out = [0.0; 4];
    let mut cum = 0.0;
    let mut done = 0.0;
    for k in 0..4 {
        cum += shares[k];
        let upto = if k == 3 { total } else { (total * cum).round() };
        out[k] = upto - done;
        done = upto;
    }
    out
}

/// Projects for every town-year: each year's effective investment is shared among the town's
/// active non-housing projects (its lead-industry share among lead-industry projects); some
/// town-years also have housing or a commercial complex, outside effective investment.
/// Returns the projects, their yearly amounts, and the housing amount per town-year.
#[allow(clippy::type_complexity)]
fn projects(
    towns: &[DemoTown],
    tr: &[TownTraits],
    effective: &Annual,
    rng: &mut ChaCha8Rng,
) -> (Vec<Project>, Vec<ProjectYear>, Vec<[f64; NY]>) {
    let mut projects: Vec<Project> = Vec::new();
    let mut years: Vec<ProjectYear> = Vec::new();
    let mut housing = vec![[0.0; NY]; towns.len()];
    for (i, t) in towns.iter().enumerate() {
        let mut open: Vec<(usize, i32, bool)> = Vec::new(); // (index, planned end, lead)
        let mut n = 0;
        for y in 0..NY {
            let Some(amount) = effective[i][y] else {
                continue;
            };
            let year = FIRST_YEAR + y as i32;
            open.retain(|p| p.1 >= year);
            let mut new_project = |lead: bool, kind: &'static str, rng: &mut ChaCha8Rng| {
                n += 1;
                let duration = rng.gen_range(1..=3);
                let name = match kind {
                    "产业项目" if lead => {
                        format!("{}{}产业化项目（{n}）", t.name, t.lead_industry)
                    }
                    "产业项目" => format!("{}配套产业项目（{n}）", t.name),
                    "基础设施" => format!("{}道路管网提升工程（{n}）", t.name),
                    "公共服务" => format!("{}客厅及公共服务中心（{n}）", t.name),
                    "商品住宅" => format!("{}配套商品住宅（{n}）", t.name),
                    _ => format!("{}商业综合体（{n}）", t.name),
                };
                projects.push(Project {
                    id: 0,
                    town_id: t.id,
                    name,
                    project_type: kind,
                    is_lead_industry: lead,
                    total: 0.0,
                    land_mu: 0.0,
                    start_year: year,
                    end_year: year + duration - 1,
                });
                (projects.len() - 1, year + duration - 1, lead)
            };
            if !open.iter().any(|p| p.2) || rng.gen_bool(0.5) {
                let p = new_project(true, "产业项目", rng);
                open.push(p);
            }
            if !open.iter().any(|p| !p.2) || rng.gen_bool(0.3) {
                let kind = *["产业项目", "基础设施", "公共服务"].choose(rng).unwrap();
                let p = new_project(false, kind, rng);
                open.push(p);
            }
            let lead_amount =
                amount * (tr[i].lead_invest_share + 0.005 * y as f64).clamp(0.3, 0.98);
            for (lead, part) in [(true, lead_amount), (false, amount - lead_amount)] {
                let members: Vec<usize> =
                    open.iter().filter(|p| p.2 == lead).map(|p| p.0).collect();
                let weights: Vec<f64> = members.iter().map(|_| rng.gen_range(0.5..1.5)).collect();
                let total_w: f64 = weights.iter().sum();
                for (m, w) in members.iter().zip(&weights) {
                    years.push(ProjectYear {
                        project_id: *m as i64,
                        year,
                        invested: part * w / total_w,
                    });
                }
            }
            let housing_p = if matches!(t.category, "旅游" | "健康") {
                0.25
            } else {
                0.1
            };
            if rng.gen_bool(housing_p) {
                let kind = if rng.gen_bool(0.6) {
                    "商品住宅"
                } else {
                    "商业综合体"
                };
                let (idx, _, _) = new_project(false, kind, rng);
                projects[idx].end_year = year;
                let invested = amount * rng.gen_range(0.05..0.3);
                housing[i][y] = invested;
                years.push(ProjectYear {
                    project_id: idx as i64,
                    year,
                    invested,
                });
            }
        }
    }
    // Totals: invested so far, plus the planned rest for projects running past the last year.
    let mut invested = vec![(0.0f64, 0usize); projects.len()];
    for py in &years {
        let e = &mut invested[py.project_id as usize];
        e.0 += py.invested;
        e.1 += 1;
    }
    for (k, p) in projects.iter_mut().enumerate() {
        let (sum, n) = invested[k];
        let planned_years = (p.end_year - p.start_year + 1) as f64;
        p.total = if n > 0 {
            sum / n as f64 * planned_years.max(n as f64)
        } else {
            0.0
        };
        p.land_mu = match p.project_type {
            "产业项目" => round_to(p.total / rng.gen_range(300.0..600.0), 1),
            "商品住宅" | "商业综合体" => {
                round_to(p.total / rng.gen_range(600.0..1000.0), 1)
            }
            _ => 0.0,
        };
        p.id = k as i64 + 1;
    }
    for py in &mut years {
        py.project_id += 1;
    }
    (projects, years, housing)
}

struct Annuals<'a> {
    output: &'a Annual,
    tax: &'a Annual,
    high_tech: &'a Annual,
    listed: &'a Annual,
    above_scale: &'a Annual,
    employees: &'a Annual,
    land: &'a Annual,
}

/// (category, chain name, [(segment, link)]).
type ChainSpec = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const CHAINS: [ChainSpec; 8] = [
    (
        "数字经济",
        "数字经济产业链",
        &[
            ("上游", "集成电路设计"),
            ("上游", "电子元器件"),
            ("上游", "基础软件"),
            ("中游", "云计算与数据中心"),
            ("中游", "工业软件"),
            ("中游", "人工智能算法"),
            ("中游", "物联网设备"),
            ("下游", "电子商务"),
            ("下游", "数字内容"),
            ("下游", "智慧城市应用"),
        ],
    ),
    (
        "高端装备制造",
        "高端装备制造产业链",
        &[
            ("上游", "基础材料"),
            ("上游", "核心零部件"),
            ("上游", "控制系统"),
            ("中游", "整机制造"),
            ("中游", "系统集成"),
            ("下游", "运维服务"),
            ("下游", "行业应用"),
        ],
    ),
    (
        "环保",
        "节能环保与新能源产业链",
        &[
            ("上游", "环保材料"),
            ("上游", "核心设备部件"),
            ("中游", "环保装备制造"),
            ("中游", "新能源设备"),
            ("下游", "环境工程服务"),
            ("下游", "资源回收利用"),
            ("下游", "运营监测"),
        ],
    ),
    (
        "健康",
        "生命健康产业链",
        &[
            ("上游", "原料药与中药材"),
            ("上游", "研发外包"),
            ("中游", "药品制造"),
            ("中游", "医疗器械"),
            ("中游", "健康食品"),
            ("下游", "医疗服务"),
            ("下游", "康养服务"),
            ("下游", "医药流通"),
        ],
    ),
    (
        "时尚",
        "时尚产业链",
        &[
            ("上游", "纤维与面料"),
            ("上游", "辅料"),
            ("中游", "设计研发"),
            ("中游", "成品制造"),
            ("中游", "品牌运营"),
            ("下游", "电商直播"),
            ("下游", "展示零售"),
        ],
    ),
    (
        "金融",
        "产业金融链",
        &[
            ("上游", "金融科技基础设施"),
            ("上游", "数据服务"),
            ("中游", "私募股权投资"),
            ("中游", "证券期货"),
            ("中游", "银行保险"),
            ("下游", "财富管理"),
            ("下游", "产业金融服务"),
        ],
    ),
    (
        "旅游",
        "文旅产业链",
        &[
            ("上游", "资源保护与开发"),
            ("上游", "规划设计"),
            ("中游", "景区运营"),
            ("中游", "住宿餐饮"),
            ("中游", "文创演艺"),
            ("下游", "旅行服务"),
            ("下游", "营销推广"),
        ],
    ),
    (
        "历史经典",
        "历史经典产业链",
        &[
            ("上游", "原料种植与采集"),
            ("上游", "传统技艺传承"),
            ("中游", "手工制作"),
            ("中游", "工业化生产"),
            ("下游", "品牌营销"),
            ("下游", "文化体验"),
            ("下游", "电商零售"),
        ],
    ),
];

fn chains() -> (Vec<Chain>, Vec<Link>) {
    let mut chains = Vec::new();
    let mut links = Vec::new();
    for (k, (category, _, items)) in CHAINS.iter().enumerate() {
        let chain_id = k as i64 + 1;
        chains.push(Chain {
            id: chain_id,
            category,
        });
        for (segment, _) in items.iter() {
            links.push(Link {
                id: links.len() as i64 + 1,
                chain_id,
                segment,
            });
        }
    }
    (chains, links)
}

const BRAND: [&str; 30] = [
    "恒", "远", "正", "泰", "鑫", "宏", "科", "信", "达", "新", "海", "瑞", "丰", "安", "嘉", "禾",
    "优", "博", "锐", "航", "睿", "智", "立", "诚", "晟", "拓", "越", "卓", "源", "天",
];

#[allow(clippy::too_many_arguments)]
fn enterprises(
    towns: &[DemoTown],
    counties: &[County],
    tr: &[TownTraits],
    links: &[Link],
    chains: &[Chain],
    a: &Annuals,
    s: f64,
    rng: &mut ChaCha8Rng,
) -> Vec<Enterprise> {
    let last = NY - 1;
    let size: Vec<f64> = (0..towns.len())
        .map(|i| a.output[i][last].unwrap_or(0.0))
        .collect();
    let total_size: f64 = size.iter().sum();
    let mut sorted = size.clone();
    sorted.sort_by(|x, y| y.total_cmp(x));
    let leader_cut = sorted
        .get((sorted.len() as f64 * 0.3) as usize)
        .copied()
        .unwrap_or(0.0);
    let mut out = Vec::new();
    for (i, t) in towns.iter().enumerate() {
        let Some(town_output) = a.output[i][last] else {
            continue;
        };
        let get = |an: &Annual| an[i][last].unwrap_or(0.0);
        let (ht, li, above) = (
            get(a.high_tech) as usize,
            get(a.listed) as usize,
            get(a.above_scale) as usize,
        );
        let n = ((ENTERPRISES * s * size[i] / total_size).round() as usize)
            .max(ht.max(li).max(above) + 8);
        let chain = chains
            .iter()
            .find(|c| c.category == t.category)
            .expect("chain per category");
        let chain_links: Vec<&Link> = links.iter().filter(|l| l.chain_id == chain.id).collect();
        let mut held: Vec<&Link> = chain_links
            .iter()
            .copied()
            .filter(|_| rng.gen_bool(0.75))
            .collect();
        if held.len() < 2 {
            held = chain_links.iter().copied().take(3).collect();
        }
        // Firm sizes: heavy-tailed, biggest first.
        let mut w: Vec<f64> = (0..n)
            .map(|_| (1.0 - rng.gen::<f64>()).powf(-1.0 / 1.2).min(400.0))
            .collect();
        w.sort_by(|x, y| y.total_cmp(x));
        let wsum: f64 = w.iter().sum();
        let outputs: Vec<f64> = w.iter().map(|x| town_output * 0.8 * x / wsum).collect();
        let rescale = |raw: Vec<f64>, target: f64| -> Vec<f64> {
            let sum: f64 = raw.iter().sum();
            raw.into_iter()
                .map(|v| if sum > 0.0 { v * target / sum } else { 0.0 })
                .collect()
        };
        let taxes = rescale(
            outputs.iter().map(|o| o * lognormal(rng, 0.3)).collect(),
            get(a.tax) * 0.85,
        );
        let rds = rescale(
            outputs.iter().map(|o| o * lognormal(rng, 0.4)).collect(),
            town_output * tr[i].rd_rate * 0.9,
        );
        let emps = rescale(
            outputs
                .iter()
                .map(|o| o.powf(0.8) * lognormal(rng, 0.3))
                .collect(),
            get(a.employees) * 0.75,
        );
        let lands = rescale(
            outputs
                .iter()
                .map(|o| o.powf(0.9) * lognormal(rng, 0.3))
                .collect(),
            get(a.land) * 0.8,
        );
        // High-tech firms among the larger ones.
        let pool = n.min((ht * 2).max(above)).max(ht);
        let mut idx: Vec<usize> = (0..pool).collect();
        idx.shuffle(rng);
        let mut high_tech = vec![false; n];
        for &k in idx.iter().take(ht) {
            high_tech[k] = true;
        }
        let short = short_name(&counties[t.county].name);
        for k in 0..n {
            let seq = out.len() as u64;
            let on_chain = rng.gen_bool(0.75);
            let link = if on_chain {
                held.choose(rng).map(|l| l.id)
            } else {
                None
            };
            let listed = k < li;
            let specialized = !listed && k < n / 2 && rng.gen_bool(0.12);
            let little_giant = specialized && rng.gen_bool(0.2);
            let champion = (listed || k < n / 50) && rng.gen_bool(0.08);
            let leader = k == 0 && link.is_some() && size[i] >= leader_cut;
            let brand = format!(
                "{}{}",
                BRAND.choose(rng).unwrap(),
                BRAND.choose(rng).unwrap()
            );
            let industry = if link.is_some() {
                t.lead_industry.clone()
            } else {
                ["商务服务", "科技服务", "物流", "建筑安装", "批发零售"]
                    .choose(rng)
                    .unwrap()
                    .to_string()
            };
            let suffix = if listed {
                "股份有限公司"
            } else {
                "有限公司"
            };
            let body = org_body(seq);
            let code = credit_code::compose("91", &counties[t.county].code, &body)
                .expect("demo credit code parts are valid");
            let output = round_to(outputs[k], 1);
            out.push(Enterprise {
                id: seq as i64 + 1,
                credit_code: code,
                name: format!("浙江{short}{brand}{industry}{suffix}"),
                town_id: t.id,
                chain_link_id: link,
                industry,
                founded_date: format!(
                    "{}-{:02}-{:02}",
                    rng.gen_range(1998..=2025),
                    rng.gen_range(1..=12),
                    rng.gen_range(1..=28)
                ),
                flags: [
                    k < above.max(li),
                    high_tech[k],
                    listed,
                    specialized,
                    little_giant,
                    champion,
                    leader,
                    rng.gen_bool(0.12),
                ],
                output,
                value_added: round_to(output * rng.gen_range(0.2..0.35), 1),
                tax: round_to(taxes[k], 1),
                rd: round_to(rds[k], 1),
                employees: emps[k].round().max(3.0) as i64,
                land_mu: round_to(lands[k], 1),
                energy_tce: round_to(output * tr[i].energy_intensity * lognormal(rng, 0.2), 1),
            });
        }
    }
    out
}

/// A unique organisation-code body for the n-th demo firm: "MA" and six characters of the
/// credit-code alphabet, spread by a bijection mod 31^6 so neighbours do not look sequential.
fn org_body(seq: u64) -> String {
    const M: u64 = 31u64.pow(6);
    let mut x = (seq * 104_729 + 1_234_567) % M;
    let mut chars = [b'0'; 6];
    for c in chars.iter_mut().rev() {
        *c = credit_code::ALPHABET[(x % 31) as usize];
        x /= 31;
    }
    format!("MA{}", std::str::from_utf8(&chars).expect("ascii"))
}

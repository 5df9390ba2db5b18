//! `towncockpit towns [--city CODE] [--status S] [--json]` and `towncockpit town NAME_OR_CODE`.

use clap::Args;

use super::table::{num, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::Result;
use crate::towns::{list, profile, TownFilter};

#[derive(Debug, Args)]
pub struct TownsCmd {
    /// 设区市或县（市、区）代码
    #[arg(long, value_name = "CODE")]
    city: Option<String>,
    /// 阶段（培育/创建/命名）或状态（正常/警告/降格/淘汰/终止）
    #[arg(long, value_name = "S")]
    status: Option<String>,
    /// 产业类别（数字经济、高端装备制造、环保、健康、时尚、金融、旅游、历史经典）
    #[arg(long)]
    category: Option<String>,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub async fn run_list(cli: &Cli, cmd: &TownsCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let l = list(
        cockpit.store(),
        TownFilter {
            scope: cmd.city.clone(),
            status: cmd.status.clone(),
            category: cmd.category.clone(),
        },
    )
    .await?;
    if cmd.json {
        return print_json(&l);
    }
    let year = l.year.map(|y| format!("{y} 年")).unwrap_or_default();
    println!(
        "小镇清单：{} 个{}\n",
        l.towns.len(),
        if l.demo { "（示例数据）" } else { "" }
    );
    let out_h = format!("{year}总产出(亿元)");
    let tax_h = format!("{year}税收(亿元)");
    let mut t = Table::new(&[
        ("编号", Align::Right),
        ("小镇", Align::Left),
        ("县（市、区）", Align::Left),
        ("设区市", Align::Left),
        ("类别", Align::Left),
        ("特色产业", Align::Left),
        ("阶段", Align::Left),
        ("状态", Align::Left),
        (&out_h, Align::Right),
        (&tax_h, Align::Right),
    ]);
    for i in &l.towns {
        let t0 = &i.town;
        t.row(vec![
            t0.id.to_string(),
            t0.name.clone(),
            t0.county.clone(),
            t0.city.clone(),
            t0.category.clone(),
            t0.lead_industry.clone(),
            t0.stage.clone(),
            t0.status.clone(),
            i.output.map(|v| num(v, 2)).unwrap_or_else(|| "—".into()),
            i.tax.map(|v| num(v, 2)).unwrap_or_else(|| "—".into()),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

#[derive(Debug, Args)]
pub struct TownCmd {
    /// 小镇名称（或名称中唯一的一部分）或编号
    name_or_code: String,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub async fn run_one(cli: &Cli, cmd: &TownCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let p = profile(cockpit.store(), &cmd.name_or_code).await?;
    if cmd.json {
        return print_json(&p);
    }
    let t = &p.town;
    println!(
        "{}（编号 {}）{}",
        t.name,
        t.id,
        if p.demo { "（示例数据）" } else { "" }
    );
    println!(
        "{} {} · {} · 特色产业：{} · {}（{}） · 规划面积 {} km²",
        t.city,
        t.county,
        t.category,
        t.lead_industry,
        t.stage,
        t.status,
        num(t.planned_area_km2, 2)
    );
    if let (Some(lon), Some(lat)) = (t.lon, t.lat) {
        println!("位置：东经 {lon:.4}°，北纬 {lat:.4}°");
    }
    println!("\n生命周期");
    for e in &p.events {
        let batch = e
            .batch
            .map(|b| format!("（第 {b} 批）"))
            .unwrap_or_default();
        let note = e
            .note
            .as_deref()
            .map(|n| format!("：{n}"))
            .unwrap_or_default();
        println!("  {} {}{batch}{note}", e.date, e.kind);
    }
    let years: Vec<i32> = {
        let mut y: Vec<i32> = p
            .indicators
            .iter()
            .flat_map(|s| s.values.iter().map(|v| v.0))
            .collect();
        y.sort();
        y.dedup();
        y
    };
    let shown: Vec<i32> = years.iter().rev().take(4).rev().copied().collect();
    println!("\n指标（年末值；流量为全年累计）");
    let mut cols: Vec<(String, Align)> = vec![
        ("维度".into(), Align::Left),
        ("指标".into(), Align::Left),
        ("单位".into(), Align::Left),
    ];
    cols.extend(shown.iter().map(|y| (y.to_string(), Align::Right)));
    let col_refs: Vec<(&str, Align)> = cols.iter().map(|(h, a)| (h.as_str(), *a)).collect();
    let mut table = Table::new(&col_refs);
    for s in &p.indicators {
        let mut row = vec![s.dimension.clone(), s.name.clone(), s.unit.clone()];
        for y in &shown {
            row.push(
                s.values
                    .iter()
                    .find(|v| v.0 == *y)
                    .map(|v| {
                        num(
                            v.1,
                            if v.1.abs() < 100.0 && v.1.fract() != 0.0 {
                                2
                            } else {
                                0
                            },
                        )
                    })
                    .unwrap_or_else(|| "—".into()),
            );
        }
        table.row(row);
    }
    print!("{}", table.render());
    let e = &p.enterprises;
    println!(
        "\n企业：{} 家（规上 {}，高新技术 {}，上市 {}，专精特新 {}，小巨人 {}，单项冠军 {}，链主 {}）；产出 {} 亿元，税收 {} 亿元，用地 {} 亩",
        e.total,
        e.above_scale,
        e.high_tech,
        e.listed,
        e.specialized,
        e.little_giants,
        e.single_champions,
        e.chain_leaders,
        num(e.output, 2),
        num(e.tax, 2),
        num(e.land_mu, 1)
    );
    if !p.chain_links.is_empty() {
        println!("产业链环节：");
        for l in &p.chain_links {
            println!(
                "  {} · {} · {}：{} 家",
                l.chain, l.segment, l.link, l.enterprises
            );
        }
    }
    if !p.investment.is_empty() {
        println!("\n投资（亿元）");
        let mut t = Table::new(&[
            ("年份", Align::Left),
            ("项目数", Align::Right),
            ("固定资产投资", Align::Right),
            ("有效投资", Align::Right),
        ]);
        for i in &p.investment {
            t.row(vec![
                i.year.to_string(),
                i.projects.to_string(),
                num(i.fixed_asset, 2),
                num(i.effective, 2),
            ]);
        }
        print!("{}", t.render());
    }
    Ok(())
}

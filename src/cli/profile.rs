//! `towncockpit town TOWN [--json]` (the 小镇档案, the same data as the `town_profile` command)
//! and `towncockpit search TEXT [--json]`.

use clap::Args;

use super::table::{num, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::Result;
use crate::profile::search::{search, SearchArgs};
use crate::profile::{profile, Profile};

/// Shown for a period without data: never a zero.
const NO_DATA: &str = "暂无数据";

#[derive(Debug, Args)]
pub struct TownCmd {
    /// 小镇名称（或名称中唯一的一部分）、编号或小镇码
    town: String,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct SearchCmd {
    /// 名称、拼音首字母（如 MXXZ）、小镇码或县（市、区）
    text: String,
    /// 最多显示的结果个数
    #[arg(long, default_value_t = crate::profile::search::DEFAULT_LIMIT)]
    limit: usize,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

/// Decimals a unit is shown with.
fn decimals(unit: &str) -> usize {
    match unit {
        "%" | "亩" | "万人次" => 1,
        u if u.contains('/') => 2,
        _ => 0,
    }
}

fn value(v: Option<f64>, unit: &str) -> String {
    v.map(|v| num(v, decimals(unit)))
        .unwrap_or_else(|| NO_DATA.into())
}

pub async fn run(cli: &Cli, cmd: &TownCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let p = profile(cockpit.store(), &cmd.town).await?;
    if cmd.json {
        return print_json(&*p);
    }
    print_profile(&p);
    Ok(())
}

fn print_profile(p: &Profile) {
    let t = &p.town;
    let code = p
        .code
        .as_ref()
        .map(|c| c.printed.clone())
        .unwrap_or_else(|| "尚未赋码".into());
    println!(
        "{}（编号 {}，小镇码 {}，{}码）{}",
        t.name,
        t.id,
        code,
        p.colour,
        if p.demo { "（示例数据）" } else { "" }
    );
    let l = &p.lifecycle;
    let batch =
        |b: Option<i64>, what: &str| b.map(|b| format!("，第 {b} 批{what}")).unwrap_or_default();
    println!(
        "{} {} · {} · 特色产业：{} · {}（{}）{}{}",
        t.city,
        t.county,
        t.category,
        t.lead_industry,
        l.stage,
        l.status,
        batch(l.creation_batch, "创建"),
        batch(l.named_batch, "命名")
    );
    let measured = p
        .area
        .measured_km2
        .map(|a| format!("，四至范围实测 {} km²", num(a, 2)))
        .unwrap_or_else(|| "，尚无四至范围".into());
    println!("规划面积 {} km²{measured}", num(p.area.planned_km2, 2));
    if !p.industry.links.is_empty() {
        let links: Vec<String> = p
            .industry
            .links
            .iter()
            .map(|k| {
                format!(
                    "{} · {} · {}{}（{} 家）",
                    k.chain,
                    k.segment,
                    k.link,
                    if k.is_key { "【关键】" } else { "" },
                    k.firms
                )
            })
            .collect();
        println!("产业链环节：{}", links.join("；"));
    }

    println!("\n关键指标");
    let mut table = Table::new(&[
        ("指标", Align::Left),
        ("期间", Align::Left),
        ("数值", Align::Right),
        ("单位", Align::Left),
        ("目标", Align::Right),
        ("同类别中位数", Align::Right),
        ("同县中位数", Align::Right),
        ("来源", Align::Left),
    ]);
    for f in &p.figures {
        table.row(vec![
            f.name.to_string(),
            f.period.clone(),
            value(f.value, f.unit),
            f.unit.to_string(),
            f.target
                .as_ref()
                .map(|x| num(x.value, decimals(f.unit)))
                .unwrap_or_else(|| "—".into()),
            value(f.category_median.value, f.unit),
            value(f.county_median.value, f.unit),
            f.source.clone().unwrap_or_else(|| "—".into()),
        ]);
    }
    if p.figures.is_empty() {
        println!("{NO_DATA}");
    } else {
        print!("{}", table.render());
    }
    if let Some(note) = &p.targets_note {
        println!("{note}");
    }
    println!("各季度序列 {} 期（--json 输出全部）", p.periods.len());

    match (&p.index, &p.index_note) {
        (Some(i), _) => {
            let interval = i
                .rank_interval
                .map(|[a, b]| format!("，名次区间 {a:.0}–{b:.0}"))
                .unwrap_or_default();
            println!(
                "\n{} 年活力指数 {}，第 {} 名 / {}{interval}（{}）",
                i.year,
                i.score.map(|s| num(s, 1)).unwrap_or_else(|| NO_DATA.into()),
                i.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
                i.of,
                i.methodology.name
            );
            let dims: Vec<String> = i
                .dimensions
                .iter()
                .map(|d| {
                    format!(
                        "{} {}",
                        d.name,
                        d.score.map(|s| num(s, 1)).unwrap_or_else(|| NO_DATA.into())
                    )
                })
                .collect();
            println!("分维度：{}", dims.join("，"));
        }
        (None, Some(note)) => println!("\n{note}"),
        (None, None) => println!("\n活力指数：{NO_DATA}"),
    }

    println!("\n重点企业 {} 家", p.firms.len());
    if !p.firms.is_empty() {
        let mut t = Table::new(&[
            ("企业", Align::Left),
            ("称号", Align::Left),
            ("产业链环节", Align::Left),
            ("产出(万元)", Align::Right),
            ("税收(万元)", Align::Right),
        ]);
        for f in &p.firms {
            t.row(vec![
                f.name.clone(),
                f.tags.join("、"),
                f.link.clone().unwrap_or_else(|| "—".into()),
                num(f.output_wan_yuan, 0),
                num(f.tax_wan_yuan, 0),
            ]);
        }
        print!("{}", t.render());
    }
    println!("\n投资项目 {} 个", p.projects.len());
    if !p.projects.is_empty() {
        let mut t = Table::new(&[
            ("项目", Align::Left),
            ("类型", Align::Left),
            ("总投资(万元)", Align::Right),
            ("累计完成(万元)", Align::Right),
            ("年份", Align::Left),
        ]);
        for x in &p.projects {
            t.row(vec![
                x.name.clone(),
                x.project_type.clone(),
                num(x.total_investment_wan_yuan, 0),
                num(x.invested_wan_yuan, 0),
                format!("{}–{}", x.start_year, x.end_year),
            ]);
        }
        print!("{}", t.render());
    }
    if !p.warnings.is_empty() {
        println!("\n预警");
        for w in &p.warnings {
            let colour = w
                .colour
                .as_deref()
                .map(|c| format!("（{c}）"))
                .unwrap_or_default();
            println!("  [{}{colour}] {}", w.kind, w.text);
        }
    }
    println!("\n历程");
    for e in &l.events {
        let batch = e
            .batch
            .map(|b| format!("（第 {b} 批）"))
            .unwrap_or_default();
        let grade = e
            .grade
            .as_deref()
            .map(|g| format!("，{g}"))
            .unwrap_or_default();
        let note = e
            .note
            .as_deref()
            .map(|n| format!("：{n}"))
            .unwrap_or_default();
        println!("  {} {}{batch}{grade}{note}", e.date, e.kind);
    }
}

pub async fn run_search(cli: &Cli, cmd: &SearchCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let hits = search(
        cockpit.store(),
        SearchArgs {
            q: cmd.text.clone(),
            limit: Some(cmd.limit),
        },
    )
    .await?;
    if cmd.json {
        return print_json(&hits);
    }
    if hits.is_empty() {
        println!("没有与「{}」匹配的小镇", cmd.text);
        return Ok(());
    }
    let mut t = Table::new(&[
        ("编号", Align::Right),
        ("小镇", Align::Left),
        ("县（市、区）", Align::Left),
        ("类别", Align::Left),
        ("小镇码", Align::Left),
        ("匹配", Align::Left),
    ]);
    for h in &hits {
        t.row(vec![
            h.town_id.to_string(),
            h.name.clone(),
            h.county.clone(),
            h.category.clone(),
            h.code.clone().unwrap_or_else(|| "—".into()),
            h.matched.to_string(),
        ]);
    }
    print!("{}", t.render());
    Ok(())
}

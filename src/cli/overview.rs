//! `towncockpit overview [--year Y] [--scope CODE] [--json]`.

use clap::Args;

use super::table::{num, pct, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::Result;
use crate::overview::{overview, Overview, OverviewArgs};

#[derive(Debug, Args)]
pub struct OverviewCmd {
    /// 年份（默认最新一年）
    #[arg(long)]
    year: Option<i32>,
    /// 范围：330000（全省，默认）、设区市或县（市、区）代码
    #[arg(long, value_name = "CODE")]
    scope: Option<String>,
    /// 以 JSON 输出（供程序读取）
    #[arg(long)]
    json: bool,
}

pub async fn run(cli: &Cli, cmd: &OverviewCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let o = overview(
        cockpit.store(),
        OverviewArgs {
            year: cmd.year,
            scope: cmd.scope.clone(),
        },
    )
    .await?;
    if cmd.json {
        return print_json(&o);
    }
    print!("{}", render(&o));
    Ok(())
}

fn status_label(status: &str) -> &'static str {
    match status {
        "met" => "已达标",
        "ahead" => "快于进度",
        "behind" => "慢于进度",
        _ => "—",
    }
}

fn opt(x: Option<f64>, f: impl Fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| "—".into())
}

/// The overview as Chinese text tables.
pub fn render(o: &Overview) -> String {
    let mut out = String::new();
    let demo = if o.demo { "（示例数据）" } else { "" };
    out.push_str(&format!(
        "特色小镇驾驶舱总览 — {} {} 年{demo}\n数据截至 {}；规划期 {}–{} 年，时间进度 {}\n\n",
        o.scope.name,
        o.year,
        o.as_of,
        o.plan.start_year,
        o.plan.end_year,
        pct(o.plan.elapsed)
    ));

    let mut t = Table::new(&[
        ("目标", Align::Left),
        ("实际", Align::Right),
        ("目标值", Align::Right),
        ("单位", Align::Left),
        ("完成度", Align::Right),
        ("状态", Align::Left),
        ("上年", Align::Right),
        ("同比", Align::Right),
        ("占全省", Align::Right),
    ]);
    for r in &o.targets {
        let d = if r.unit == "亿元" || r.unit == "%" {
            1
        } else {
            0
        };
        t.row(vec![
            r.name.clone(),
            num(r.actual, d),
            opt(r.target, |v| {
                format!(
                    "{}{}",
                    if r.comparator == "about" {
                        "约"
                    } else {
                        "≥"
                    },
                    num(v, 0)
                )
            }),
            r.unit.clone(),
            opt(r.progress, pct),
            status_label(r.status).into(),
            opt(r.previous, |v| num(v, d)),
            opt(r.yoy, pct),
            opt(r.province_share, pct),
        ]);
    }
    out.push_str(&t.render());

    let level = o.by_city.first().map(|g| g.level).unwrap_or("city");
    out.push_str(if level == "city" {
        "\n分设区市（金额：亿元）\n"
    } else {
        "\n分县（市、区）（金额：亿元）\n"
    });
    let mut t = Table::new(&[
        ("地区", Align::Left),
        ("小镇", Align::Right),
        ("总产出", Align::Right),
        ("税收", Align::Right),
        ("有效投资", Align::Right),
        ("高新技术企业", Align::Right),
    ]);
    for g in &o.by_city {
        t.row(vec![
            g.name.clone(),
            g.towns.to_string(),
            num(g.output, 1),
            num(g.tax, 1),
            num(g.investment, 1),
            num(g.high_tech_firms, 0),
        ]);
    }
    out.push_str(&t.render());

    out.push_str("\n分产业类别（金额：亿元）\n");
    let mut t = Table::new(&[
        ("类别", Align::Left),
        ("小镇", Align::Right),
        ("总产出", Align::Right),
        ("税收", Align::Right),
        ("有效投资", Align::Right),
        ("高新技术企业", Align::Right),
    ]);
    for c in &o.by_category {
        t.row(vec![
            c.category.clone(),
            c.towns.to_string(),
            num(c.output, 1),
            num(c.tax, 1),
            num(c.investment, 1),
            num(c.high_tech_firms, 0),
        ]);
    }
    out.push_str(&t.render());

    for (title, rows) in [("总产出", &o.rank_output), ("税收", &o.rank_tax)] {
        out.push_str(&format!("\n{title}前 {} 名（亿元）\n", rows.len()));
        let mut t = Table::new(&[
            ("名次", Align::Right),
            ("小镇", Align::Left),
            ("县（市、区）", Align::Left),
            ("设区市", Align::Left),
            ("类别", Align::Left),
            ("阶段", Align::Left),
            (title, Align::Right),
        ]);
        for r in rows.iter() {
            t.row(vec![
                r.rank.to_string(),
                r.name.clone(),
                r.county.clone(),
                r.city.clone(),
                r.category.clone(),
                r.stage.clone(),
                num(r.value, 1),
            ]);
        }
        out.push_str(&t.render());
    }

    out.push_str("\n历年趋势（金额：亿元）\n");
    let mut t = Table::new(&[
        ("年份", Align::Left),
        ("总产出", Align::Right),
        ("税收", Align::Right),
        ("有效投资", Align::Right),
        ("高新技术企业", Align::Right),
        ("上市企业", Align::Right),
        ("命名小镇", Align::Right),
    ]);
    for r in &o.trends {
        t.row(vec![
            r.year.to_string(),
            num(r.output, 1),
            num(r.tax, 1),
            num(r.effective_investment, 1),
            num(r.high_tech_firms, 0),
            num(r.listed_firms, 0),
            r.named_towns.to_string(),
        ]);
    }
    out.push_str(&t.render());
    if o.demo {
        out.push_str("\n注：以上为示例数据（生成的示例省份），不代表真实统计。\n");
    }
    out
}

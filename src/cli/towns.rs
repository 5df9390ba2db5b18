//! `towncockpit towns [--city CODE] [--status S] [--json]`.

use clap::Args;

use super::table::{num, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::Result;
use crate::towns::{list, TownFilter};

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

//! `towncockpit chain list|show|gaps|render|import|export`: the industry-chain panorama (产业链).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::table::{num, pct, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::chain::{self, ChainArgs};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct ChainCmd {
    #[command(subcommand)]
    action: ChainAction,
}

#[derive(Debug, Subcommand)]
enum ChainAction {
    /// 产业链清单
    List {
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 产业链全景图：按上游/中游/下游列出各环节的企业、产出、集中度与强弱
    Show {
        /// 产业链代码、名称或类别（如 digital、数字经济产业链、数字经济）
        chain: String,
        /// 范围：330000（全省）、设区市或县（市、区）代码
        #[arg(long)]
        scope: Option<String>,
        /// 突出显示一个小镇（编号或名称）的环节、位置和可合作的小镇
        #[arg(long)]
        town: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 产业链缺口：发现规则、补链/强链/延链建议和招商线索
    Gaps {
        /// 产业链代码、名称或类别
        chain: String,
        /// 范围：330000（全省）、设区市或县（市、区）代码
        #[arg(long)]
        scope: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 绘制产业链全景图（PNG 或 SVG，内置字体），供报告和汇报材料使用
    Render {
        /// 产业链代码、名称或类别
        chain: String,
        /// 范围：330000（全省）、设区市或县（市、区）代码
        #[arg(long)]
        scope: Option<String>,
        /// 输出文件（.png 或 .svg）
        #[arg(long)]
        out: PathBuf,
    },
    /// 导入产业链定义文件（TOML，格式见 docs/chains.md；全部通过校验才写入）
    Import { file: PathBuf },
    /// 导出产业链定义文件（TOML）
    Export {
        /// 产业链代码、名称或类别
        chain: String,
        /// 输出文件（.toml）
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(cli: &Cli, cmd: &ChainCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let store = cockpit.store();
    match &cmd.action {
        ChainAction::List { json } => {
            let list = chain::list(store).await?;
            if *json {
                return print_json(&list);
            }
            let mut t = Table::new(&[
                ("代码", Align::Left),
                ("产业链", Align::Left),
                ("类别", Align::Left),
                ("环节", Align::Right),
                ("企业", Align::Right),
            ]);
            for c in &list {
                t.row(vec![
                    c.code.clone(),
                    format!("{}{}", c.name, if c.is_demo { "（示例数据）" } else { "" }),
                    c.category.clone(),
                    c.links.to_string(),
                    c.firms.to_string(),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        ChainAction::Show {
            chain: key,
            scope,
            town,
            json,
        } => {
            let args = ChainArgs {
                chain: key.clone(),
                scope: scope.clone(),
                town: town.clone(),
            };
            let p = chain::show(store, args).await?;
            if *json {
                return print_json(&p);
            }
            println!(
                "{}（{}）{}：{} 家企业，{} 个小镇，产出 {} 亿元，税收 {} 亿元",
                p.chain.name,
                p.scope.name,
                demo_mark(p.chain.is_demo),
                p.totals.firms,
                p.towns,
                num(p.totals.output_wan_yuan / 1e4, 2),
                num(p.totals.tax_wan_yuan / 1e4, 2)
            );
            let mut t = Table::new(&[
                ("段", Align::Left),
                ("环节", Align::Left),
                ("企业", Align::Right),
                ("产出(亿元)", Align::Right),
                ("税收(亿元)", Align::Right),
                ("从业人员", Align::Right),
                ("链主", Align::Right),
                ("小镇", Align::Right),
                ("最大企业占比", Align::Right),
                ("HHI", Align::Right),
                ("强弱", Align::Left),
            ]);
            for s in &p.segments {
                for l in &s.links {
                    t.row(vec![
                        s.segment.to_string(),
                        format!(
                            "{}{}{}{}",
                            "  ".repeat(l.depth),
                            l.name,
                            if l.is_key { "★" } else { "" },
                            match l.held_by_town {
                                Some(true) => "（本镇有）",
                                _ => "",
                            }
                        ),
                        l.figures.firms.to_string(),
                        num(l.figures.output_wan_yuan / 1e4, 2),
                        num(l.figures.tax_wan_yuan / 1e4, 2),
                        num(l.figures.employees as f64, 0),
                        l.chain_leaders.len().to_string(),
                        l.towns.to_string(),
                        l.largest_share.map(pct).unwrap_or_else(|| "—".into()),
                        l.hhi.map(|h| num(h, 0)).unwrap_or_else(|| "—".into()),
                        l.strength.to_string(),
                    ]);
                }
            }
            print!("{}", t.render());
            println!("★ 关键环节；HHI 为赫芬达尔—赫希曼指数（0–10000）");
            for l in &p.leaders {
                let names = |v: &[chain::analysis::LinkRef]| {
                    v.iter()
                        .map(|r| format!("{}（{} 家）", r.name, r.firms))
                        .collect::<Vec<_>>()
                        .join("、")
                };
                println!(
                    "链主 {}（{}，{}）：上游 {}；下游 {}",
                    l.firm.name,
                    l.firm.town,
                    l.link,
                    or_none(names(&l.upstream)),
                    or_none(names(&l.downstream))
                );
            }
            if let Some(town) = &p.town {
                println!(
                    "\n{}（{}）位于{}，拥有 {} 个环节，缺少 {} 个末级环节：",
                    town.name,
                    town.county,
                    or_none(town.segments.join("、")),
                    town.held.len(),
                    town.lacking.len()
                );
                for g in &town.lacking {
                    let partners: Vec<String> = g
                        .towns
                        .iter()
                        .map(|t| format!("{}（{}，{} 家）", t.name, t.county, t.firms))
                        .collect();
                    println!(
                        "  {} {}：{}",
                        g.segment,
                        g.name,
                        or_none(partners.join("、"))
                    );
                }
            }
            Ok(())
        }
        ChainAction::Gaps {
            chain: key,
            scope,
            json,
        } => {
            let args = ChainArgs {
                chain: key.clone(),
                scope: scope.clone(),
                town: None,
            };
            let g = chain::gaps(store, args).await?;
            if *json {
                return print_json(&g);
            }
            println!(
                "{}（{}）{}：{} 个缺口",
                g.chain.name,
                g.scope.name,
                demo_mark(g.chain.is_demo),
                g.gaps.len()
            );
            for gap in &g.gaps {
                println!(
                    "\n[{}] {} {}：{}。{}",
                    gap.action, gap.segment, gap.name, gap.finding, gap.suggestion
                );
                for (k, f) in gap.leads.iter().enumerate() {
                    println!(
                        "    线索 {}：{}（{}，{}，{}）产出 {} 万元{}",
                        k + 1,
                        f.name,
                        f.town,
                        f.county,
                        f.city,
                        num(f.output_wan_yuan, 1),
                        if f.flags.is_empty() {
                            String::new()
                        } else {
                            format!("，{}", f.flags.join("、"))
                        }
                    );
                }
            }
            Ok(())
        }
        ChainAction::Render {
            chain: key,
            scope,
            out,
        } => {
            let args = ChainArgs {
                chain: key.clone(),
                scope: scope.clone(),
                town: None,
            };
            let p = chain::render_file(store, args, out).await?;
            println!(
                "已绘制「{}」（{}）全景图 → {}{}",
                p.chain.name,
                p.scope.name,
                out.display(),
                demo_mark(p.chain.is_demo)
            );
            Ok(())
        }
        ChainAction::Import { file } => {
            let s = chain::repo::import(store, file).await?;
            println!(
                "已从「{}」导入产业链「{}」（{}）：{} 个环节，新增 {}，更新 {}，删除 {}{}",
                s.file,
                s.name,
                s.code,
                s.links,
                s.added,
                s.updated,
                s.removed,
                if s.detached_firms > 0 {
                    format!(
                        "；{} 家企业所在环节已删除，现未归入任何环节",
                        s.detached_firms
                    )
                } else {
                    String::new()
                }
            );
            Ok(())
        }
        ChainAction::Export { chain: key, out } => {
            let def = chain::repo::export(store, key).await?;
            std::fs::write(out, chain::definition::to_toml(&def)).map_err(|e| Error::io(out, e))?;
            println!(
                "已导出产业链「{}」（{} 个环节）→ {}",
                def.name,
                def.links.len(),
                out.display()
            );
            Ok(())
        }
    }
}

fn demo_mark(demo: bool) -> &'static str {
    if demo {
        "（示例数据）"
    } else {
        ""
    }
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "无".into()
    } else {
        s
    }
}

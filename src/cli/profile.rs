//! `towncockpit town TOWN [--json]` (the 小镇档案, the same data as the `town_profile` command),
//! `towncockpit town TOWN --attach FILE [--caption TEXT] [--date D]`, `towncockpit case
//! add|list|show` (典型案例) and `towncockpit search TEXT [--json]`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::table::{num, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::{Error, Result};
use crate::profile::cases::{self, CaseFilter, NewCase};
use crate::profile::media::{self, NewMedia};
use crate::profile::search::{resolve, search, SearchArgs};
use crate::profile::{profile_with_interval, Profile};
use crate::store::actor;

/// Shown for a period without data: never a zero.
const NO_DATA: &str = "暂无数据";

#[derive(Debug, Args)]
pub struct TownCmd {
    /// 小镇名称（或名称中唯一的一部分）、编号或小镇码
    town: String,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
    /// 为小镇附加照片（JPEG/PNG）或文档（PDF、Office、文本）
    #[arg(long, value_name = "FILE")]
    attach: Option<PathBuf>,
    /// 附件说明（与 --attach 同用）
    #[arg(long, value_name = "TEXT", requires = "attach")]
    caption: Option<String>,
    /// 拍摄或形成日期 YYYY-MM-DD（与 --attach 同用）
    #[arg(long, value_name = "DATE", requires = "attach")]
    date: Option<String>,
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

fn read(path: &Path) -> Result<(String, Vec<u8>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    Ok((name, bytes))
}

pub async fn run(cli: &Cli, cmd: &TownCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    if let Some(path) = &cmd.attach {
        let town = resolve(cockpit.store(), &cmd.town).await?;
        let (name, bytes) = read(path)?;
        let id = media::attach(
            cockpit.store(),
            town.id,
            NewMedia {
                file_name: &name,
                bytes,
                caption: cmd.caption.clone(),
                taken_on: cmd.date.clone(),
            },
            &actor(&format!("towncockpit town --attach {}", path.display())),
        )
        .await?;
        println!("已为「{}」附加「{name}」（附件编号 {id}）", town.name);
        return Ok(());
    }
    let p = profile_with_interval(cockpit.store(), &cmd.town).await?;
    if cmd.json {
        return print_json(&p);
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
    if !p.media.is_empty() {
        println!("\n照片与文档");
        for m in &p.media {
            let problem = m
                .problem
                .as_deref()
                .map(|x| format!("【{x}】"))
                .unwrap_or_default();
            println!(
                "  [{}] {}{}{}{problem}",
                m.id,
                m.file_name,
                m.caption
                    .as_deref()
                    .map(|c| format!("：{c}"))
                    .unwrap_or_default(),
                m.taken_on
                    .as_deref()
                    .map(|d| format!("（{d}）"))
                    .unwrap_or_default()
            );
        }
    }
    if !p.cases.is_empty() {
        println!("\n典型案例");
        for c in &p.cases {
            println!("  [{}] {} {}", c.id, c.date, c.title);
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

#[derive(Debug, Args)]
pub struct CaseArgs {
    #[command(subcommand)]
    command: CaseCmd,
}

#[derive(Debug, Subcommand)]
enum CaseCmd {
    /// 新增典型案例（可附照片）
    Add {
        /// 标题
        #[arg(long)]
        title: String,
        /// 正文
        #[arg(long)]
        text: String,
        /// 日期 YYYY-MM-DD
        #[arg(long)]
        date: String,
        /// 标签（可重复）
        #[arg(long = "tag", value_name = "TAG")]
        tags: Vec<String>,
        /// 案例所属小镇（名称、编号或小镇码）
        #[arg(long)]
        town: Option<String>,
        /// 照片 JPEG/PNG（可重复）
        #[arg(long = "photo", value_name = "FILE")]
        photos: Vec<PathBuf>,
    },
    /// 列出典型案例（可按关键词、标签、小镇筛选）
    List {
        /// 标题、正文或标签中的文字
        #[arg(long)]
        q: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        town: Option<String>,
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
    /// 查看一个典型案例
    Show {
        /// 案例编号
        id: i64,
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
}

pub async fn run_case(cli: &Cli, args: &CaseArgs) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let store = cockpit.store();
    match &args.command {
        CaseCmd::Add {
            title,
            text,
            date,
            tags,
            town,
            photos,
        } => {
            let town_id = match town {
                Some(t) => Some(resolve(store, t).await?.id),
                None => None,
            };
            let photos = photos.iter().map(|p| read(p)).collect::<Result<Vec<_>>>()?;
            let id = cases::add(
                store,
                NewCase {
                    title: title.clone(),
                    body: text.clone(),
                    date: date.clone(),
                    tags: tags.clone(),
                    town_id,
                    photos,
                },
                &actor("towncockpit case add"),
            )
            .await?;
            println!("已新增典型案例「{}」（编号 {id}）", title.trim());
        }
        CaseCmd::List { q, tag, town, json } => {
            let town_id = match town {
                Some(t) => Some(resolve(store, t).await?.id),
                None => None,
            };
            let list = cases::list(
                store,
                &CaseFilter {
                    q: q.clone(),
                    tag: tag.clone(),
                    town_id,
                },
            )
            .await?;
            if *json {
                return print_json(&list);
            }
            let mut t = Table::new(&[
                ("编号", Align::Right),
                ("日期", Align::Left),
                ("标题", Align::Left),
                ("小镇", Align::Left),
                ("标签", Align::Left),
            ]);
            for c in &list {
                t.row(vec![
                    c.id.to_string(),
                    c.date.clone(),
                    c.title.clone(),
                    c.town.clone().unwrap_or_else(|| "—".into()),
                    c.tags.join("、"),
                ]);
            }
            println!("典型案例 {} 个", list.len());
            print!("{}", t.render());
        }
        CaseCmd::Show { id, json } => {
            let c = cases::show(store, *id).await?;
            if *json {
                return print_json(&c);
            }
            let s = &c.summary;
            println!("{}（编号 {}，{}）", s.title, s.id, s.date);
            if let Some(town) = &s.town {
                println!("小镇：{town}");
            }
            if !s.tags.is_empty() {
                println!("标签：{}", s.tags.join("、"));
            }
            println!("\n{}\n", c.body);
            for p in &c.photos {
                let problem = p
                    .problem
                    .as_deref()
                    .map(|x| format!("（{x}）"))
                    .unwrap_or_default();
                println!("照片：{}{problem}", p.file_name);
            }
        }
    }
    Ok(())
}

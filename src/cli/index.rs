//! `towncockpit index compute|uncertainty`: the composite-indicator engine on COINr-style files;
//! `towns|intervals|diagnostics`: the town vitality index over the store.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::table::{num as fmt_num, pct, Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::error::{Error, Result};
use crate::index::frame::{read_data, read_structure};
use crate::index::{compute, uncertainty, Method, Stage, Structure, UncertaintySpec};
use crate::town_index::{ranking, RankingArgs};
use crate::town_index_explain::{self as explain, DiagnosticsArgs, UncertaintyArgs};

#[derive(Debug, Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    action: IndexAction,
}

#[derive(Debug, Args)]
struct Inputs {
    /// 数据文件（CSV，格式同 COINr 的 iData：uCode、可选 uName、可选 Time、分组、分母、指标列）
    #[arg(long, value_name = "D.csv")]
    data: PathBuf,
    /// 结构文件（CSV，格式同 COINr 的 iMeta：Level, iCode, iName, Direction, Weight, Denominator, Parent, Type）
    #[arg(long, value_name = "M.csv")]
    meta: PathBuf,
    /// 方法文件（TOML；缺省的键取 COINr 的默认值）
    #[arg(long, value_name = "METHOD.toml")]
    method: Option<PathBuf>,
    /// 结果文件（CSV，UTF-8）；省略时写到标准输出
    #[arg(long, value_name = "RESULTS.csv")]
    out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum IndexAction {
    /// 计算综合指数：输出 uCode、Time（如有）、Rank 和每个汇总项的得分（全精度）
    Compute {
        #[command(flatten)]
        inputs: Inputs,
        /// 改为输出中间阶段：denominated、imputed、screened、treated、normalised
        #[arg(long, value_name = "NAME")]
        stage: Option<String>,
    },
    /// 不确定性分析（蒙特卡洛）：每个单位的名义排名及平均、中位、5%、95% 排名
    Uncertainty {
        #[command(flatten)]
        inputs: Inputs,
        /// 运行次数
        #[arg(long, default_value_t = 1000)]
        runs: usize,
        /// 随机种子（相同种子得到相同结果）
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 权重扰动幅度（每个权重乘以 [1-x, 1+x] 上的均匀随机数）
        #[arg(long, default_value_t = 0.25)]
        noise: f64,
    },
    /// 特色小镇活力指数排名（数据库中的小镇，当前方法版本）
    Towns {
        /// 年份（默认最新）
        #[arg(long, value_name = "P")]
        period: Option<i32>,
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
    /// 活力指数排名区间（蒙特卡洛）：每个小镇的名义名次及中位、5%、95% 名次
    Intervals {
        /// 年份（默认最新）
        #[arg(long, value_name = "P")]
        period: Option<i32>,
        /// 运行次数
        #[arg(long, default_value_t = explain::DEFAULT_RUNS)]
        runs: usize,
        /// 随机种子（相同种子得到相同结果）
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
    /// 活力指数的统计诊断：各指标的可得率、偏度、峰度、异常值，相关系数与克隆巴赫 α 系数
    Diagnostics {
        /// 年份（默认最新）
        #[arg(long, value_name = "P")]
        period: Option<i32>,
        /// 以 JSON 输出
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cli: &Cli, args: &IndexArgs) -> Result<()> {
    match &args.action {
        IndexAction::Towns { period, json } => {
            let cockpit = open_cockpit(cli).await?;
            let r = ranking(
                cockpit.store(),
                RankingArgs {
                    period: *period,
                    ..RankingArgs::default()
                },
            )
            .await?;
            if *json {
                return print_json(&r);
            }
            println!(
                "{} {} 年排名（方法版本 {}：{}）{}\n",
                r.index,
                r.period,
                r.methodology.version,
                r.methodology.name,
                if r.demo { "（示例数据）" } else { "" }
            );
            let mut columns: Vec<(&str, Align)> = vec![
                ("名次", Align::Right),
                ("升降", Align::Right),
                ("小镇", Align::Left),
                ("设区市", Align::Left),
                ("类别", Align::Left),
                ("指数", Align::Right),
            ];
            columns.extend(r.dimensions.iter().map(|d| (d.name.as_str(), Align::Right)));
            let mut t = Table::new(&columns);
            let score = |v: Option<f64>| v.map(|x| fmt_num(x, 2)).unwrap_or_else(|| "—".into());
            for row in &r.rows {
                let mut cells = vec![
                    row.rank.map(|k| k.to_string()).unwrap_or_default(),
                    match row.rank_change {
                        Some(0) => "—".into(),
                        Some(c) if c > 0 => format!("↑{c}"),
                        Some(c) => format!("↓{}", -c),
                        None => "新".into(),
                    },
                    row.name.clone(),
                    row.city.clone(),
                    row.category.clone(),
                    score(row.score),
                ];
                cells.extend(row.dimensions.iter().map(|d| score(*d)));
                t.row(cells);
            }
            print!("{}", t.render());
            Ok(())
        }
        IndexAction::Intervals {
            period,
            runs,
            seed,
            json,
        } => {
            let cockpit = open_cockpit(cli).await?;
            let u = explain::uncertainty(
                cockpit.store(),
                UncertaintyArgs {
                    period: *period,
                    runs: Some(*runs),
                    seed: Some(*seed),
                    ..UncertaintyArgs::default()
                },
            )
            .await?;
            if *json {
                return print_json(&u);
            }
            println!(
                "活力指数 {} 年排名区间（方法版本 {}，蒙特卡洛 {} 次，种子 {}，权重扰动 ±{}）{}\n",
                u.period,
                u.methodology.version,
                u.runs,
                u.seed,
                pct(u.weight_noise),
                if u.demo { "（示例数据）" } else { "" }
            );
            let mut t = Table::new(&[
                ("名次", Align::Right),
                ("小镇", Align::Left),
                ("设区市", Align::Left),
                ("指数", Align::Right),
                ("中位名次", Align::Right),
                ("5% 名次", Align::Right),
                ("95% 名次", Align::Right),
            ]);
            let cell =
                |v: Option<f64>, d: usize| v.map(|x| fmt_num(x, d)).unwrap_or_else(|| "—".into());
            for r in &u.rows {
                t.row(vec![
                    r.rank.map(|k| k.to_string()).unwrap_or_default(),
                    r.name.clone(),
                    r.city.clone(),
                    cell(r.score, 2),
                    cell(r.median, 1),
                    cell(r.q05, 1),
                    cell(r.q95, 1),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        IndexAction::Diagnostics { period, json } => {
            let cockpit = open_cockpit(cli).await?;
            let d = explain::diagnostics(
                cockpit.store(),
                DiagnosticsArgs {
                    period: *period,
                    ..DiagnosticsArgs::default()
                },
            )
            .await?;
            if *json {
                return print_json(&d);
            }
            println!(
                "活力指数 {} 年统计诊断（方法版本 {}；有数据的小镇 {} 个，参加排名 {} 个）{}\n",
                d.period,
                d.methodology.version,
                d.towns,
                d.ranked,
                if d.demo { "（示例数据）" } else { "" }
            );
            let cell = |v: Option<f64>, dec: usize| {
                v.map(|x| fmt_num(x, dec)).unwrap_or_else(|| "—".into())
            };
            let finite = |v: f64| v.is_finite().then_some(v);
            let mut t = Table::new(&[
                ("指标", Align::Left),
                ("维度", Align::Left),
                ("可得率", Align::Right),
                ("偏度", Align::Right),
                ("峰度", Align::Right),
                ("偏峰检验", Align::Left),
                ("异常值（低/高）", Align::Right),
                ("处理", Align::Left),
                ("与维度相关", Align::Right),
            ]);
            for i in &d.indicators {
                let s = &i.stats;
                t.row(vec![
                    i.name.clone(),
                    i.dimension_name.clone(),
                    pct(s.availability),
                    cell(finite(s.skew), 2),
                    cell(finite(s.kurt), 2),
                    if s.skew_kurt_flag {
                        "需处理"
                    } else {
                        "通过"
                    }
                    .into(),
                    format!("{}/{}", s.outliers_low, s.outliers_high),
                    treatment_text(i.winsorised_low + i.winsorised_high, i.log),
                    cell(i.corr_parent, 2),
                ]);
            }
            print!("{}", t.render());
            println!();
            let mut t = Table::new(&[
                ("汇总项", Align::Left),
                ("下级项数", Align::Right),
                ("克隆巴赫 α", Align::Right),
                ("与上级相关", Align::Right),
            ]);
            for a in &d.aggregates {
                t.row(vec![
                    a.name.clone(),
                    a.children.to_string(),
                    cell(a.cronbach_alpha, 2),
                    cell(a.corr_parent, 2),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        IndexAction::Compute { inputs, stage } => {
            let (structure, method, frame) = load(inputs)?;
            let outcome = compute(&frame, &structure, &method)?;
            let table = match stage {
                Some(name) => stage_table(&structure, outcome.stage(name.parse::<Stage>()?)),
                None => {
                    let aggs = structure.aggregates_top_down();
                    let rows = &outcome.normalised.rows;
                    let mut header = id_header(rows.time.is_some());
                    header.push("Rank".into());
                    header.extend(aggs.iter().map(|&a| structure.nodes[a].code.clone()));
                    let mut lines = vec![header];
                    for r in 0..rows.len() {
                        let mut line = id_cells(rows, r);
                        line.push(outcome.rank[r].map(|k| k.to_string()).unwrap_or_default());
                        line.extend(aggs.iter().map(|&a| num(outcome.scores.scores[a][r])));
                        lines.push(line);
                    }
                    lines
                }
            };
            write_table(inputs.out.as_deref(), &table)
        }
        IndexAction::Uncertainty {
            inputs,
            runs,
            seed,
            noise,
        } => {
            let (structure, method, frame) = load(inputs)?;
            let spec = UncertaintySpec {
                runs: *runs,
                seed: *seed,
                weight_noise: *noise,
                ..UncertaintySpec::default()
            };
            let (_, stats) = uncertainty::run(&frame, &structure, &method, &spec)?;
            let has_time = stats.first().is_some_and(|s| s.time.is_some());
            let mut header = id_header(has_time);
            header.extend(
                [
                    "NominalRank",
                    "MeanRank",
                    "MedianRank",
                    "Q05Rank",
                    "Q95Rank",
                ]
                .map(String::from),
            );
            let mut lines = vec![header];
            for s in &stats {
                let mut line = vec![s.unit.clone()];
                if let Some(t) = &s.time {
                    line.push(t.clone());
                }
                line.push(s.nominal.map(|k| k.to_string()).unwrap_or_default());
                line.extend([s.mean, s.median, s.q05, s.q95].map(num));
                lines.push(line);
            }
            write_table(inputs.out.as_deref(), &lines)
        }
    }
}

fn treatment_text(winsorised: usize, log: bool) -> String {
    match (winsorised, log) {
        (_, true) => "取对数".into(),
        (0, false) => "—".into(),
        (n, false) => format!("缩尾 {n} 个"),
    }
}

fn load(inputs: &Inputs) -> Result<(Structure, Method, crate::index::Frame)> {
    let structure = read_structure(&inputs.meta)?;
    let method = match &inputs.method {
        Some(p) => Method::read(p)?,
        None => Method::default(),
    };
    let frame = read_data(&inputs.data, &structure)?;
    Ok((structure, method, frame))
}

fn id_header(has_time: bool) -> Vec<String> {
    let mut h = vec!["uCode".to_string()];
    if has_time {
        h.push("Time".into());
    }
    h
}

fn id_cells(rows: &crate::index::Rows, r: usize) -> Vec<String> {
    let mut line = vec![rows.unit[r].clone()];
    if let Some(t) = &rows.time {
        line.push(t[r].clone());
    }
    line
}

/// Full precision (shortest text that reads back to the same f64); missing is empty.
fn num(v: f64) -> String {
    if v.is_nan() {
        String::new()
    } else {
        format!("{v}")
    }
}

fn stage_table(structure: &Structure, frame: &crate::index::Frame) -> Vec<Vec<String>> {
    let mut header = id_header(frame.rows.time.is_some());
    header.extend(
        structure
            .indicators
            .iter()
            .map(|&i| structure.nodes[i].code.clone()),
    );
    let mut lines = vec![header];
    for r in 0..frame.rows.len() {
        let mut line = id_cells(&frame.rows, r);
        line.extend(frame.values.iter().map(|c| num(c[r])));
        lines.push(line);
    }
    lines
}

fn write_table(out: Option<&Path>, lines: &[Vec<String>]) -> Result<()> {
    let sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    let place = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| "标准输出".into());
    for line in lines {
        w.write_record(line)
            .map_err(|e| Error::io(&place, std::io::Error::other(e)))?;
    }
    w.flush().map_err(|e| Error::io(&place, e))?;
    if let Some(p) = out {
        eprintln!("已写出 {} 行结果到 {}", lines.len() - 1, p.display());
    }
    Ok(())
}

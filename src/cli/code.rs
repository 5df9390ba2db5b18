//! `towncockpit code show|card|sheet|verify|key`: the town code (一码).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{open_cockpit, Cli};
use crate::error::{Error, Result};
use crate::towncode::card::Paper;
use crate::towncode::export::{self, Format};
use crate::towncode::rules::Colour;
use crate::towncode::signing;
use crate::towncode::town::{self, VerifyReport};

#[derive(Debug, Args)]
pub struct CodeArgs {
    #[command(subcommand)]
    action: CodeAction,
}

#[derive(Debug, Subcommand)]
enum CodeAction {
    /// 列出全部小镇的小镇码和颜色，及各颜色数量
    List {
        /// 只列出这种颜色：绿、黄、红、灰
        #[arg(long)]
        colour: Option<String>,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 显示小镇码、颜色、原因和二维码内容
    Show {
        /// 小镇名称（或其中唯一的一部分）、小镇码或编号
        town: String,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 导出一个小镇的卡片（PNG 或 PDF）
    Card {
        /// 小镇名称、小镇码或编号
        town: String,
        /// 输出文件，扩展名 .png 或 .pdf
        #[arg(long)]
        out: PathBuf,
        /// 纸张：a6 或 a4
        #[arg(long, default_value = "a6")]
        size: String,
    },
    /// 导出全部小镇卡片的 A4 拼版 PDF（每页四张 A6）
    Sheet {
        /// 输出的 PDF 文件
        #[arg(long)]
        out: PathBuf,
    },
    /// 核验小镇码：二维码文字，或卡片照片、截图的文件路径；仅在真实有效且为最新时返回 0
    Verify {
        /// 二维码文字或图片文件路径
        input: String,
        /// 输出 JSON
        #[arg(long)]
        json: bool,
    },
    /// 签发密钥：导出本机公钥，或导入其他单位的公钥
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
}

#[derive(Debug, Subcommand)]
enum KeyAction {
    /// 把本机公钥导出为文本文件，供其他单位导入后核验
    Export {
        file: PathBuf,
        /// 签发方名称，写入公钥文件
        #[arg(long, default_value = town::DEFAULT_ISSUER)]
        issuer: String,
    },
    /// 导入其他单位导出的公钥文件
    Import { file: PathBuf },
}

pub async fn run(cli: &Cli, args: &CodeArgs) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let store = cockpit.store();
    match &args.action {
        CodeAction::List { colour, json } => {
            let colour = colour
                .as_deref()
                .map(|c| {
                    Colour::from_name(c.trim()).ok_or_else(|| {
                        Error::invalid(format!("颜色「{c}」无效，可选：绿、黄、红、灰"))
                    })
                })
                .transpose()?;
            let list = town::list(store, colour).await?;
            if *json {
                return print_json(&list);
            }
            if list.demo {
                println!("【示例数据】");
            }
            let counts: Vec<String> = list
                .counts
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect();
            println!("共 {} 个小镇：{}", list.total, counts.join("，"));
            for i in &list.towns {
                let t = &i.town;
                println!(
                    "{}  {}  {}  {}",
                    t.printed,
                    t.colour,
                    t.name,
                    i.reasons.join("；")
                );
            }
            Ok(())
        }
        CodeAction::Show { town: query, json } => {
            let view = town::show(store, query).await?;
            if *json {
                print_json(&view)?;
            } else {
                if view.demo {
                    println!("【示例数据】");
                }
                let t = &view.town;
                println!("{}  {}", t.name, t.printed);
                println!(
                    "{}{} · {} · {} · {}",
                    t.city, t.county, t.category, t.stage, view.status
                );
                println!("颜色：{}", t.colour);
                if view.reasons.is_empty() {
                    println!("原因：未触发任何预警规则");
                } else {
                    println!("原因：");
                    for r in &view.reasons {
                        println!("  [{}] {} {}", r.colour, r.id, r.detail);
                    }
                }
                let pending: Vec<String> = view
                    .rules
                    .iter()
                    .filter(|r| r.state == crate::towncode::rules::RuleState::NotEvaluated)
                    .map(|r| r.id.clone())
                    .collect();
                if !pending.is_empty() {
                    println!("未评估（缺少数据）：{}", pending.join("、"));
                }
                for f in &view.figures {
                    println!("{}：{}", f.label, f.value);
                }
                println!("签发：{} · 密钥 {}", view.issued, view.key_id);
                println!("二维码内容：{}", view.payload);
            }
            Ok(())
        }
        CodeAction::Card {
            town: query,
            out,
            size,
        } => {
            let paper = Paper::parse(size)?;
            let format = Format::of_path(out)?;
            let (view, bytes) = export::town_card(store, query, paper, format).await?;
            export::write(out, &bytes)?;
            println!("已导出 {} 的卡片：{}", view.town.name, out.display());
            Ok(())
        }
        CodeAction::Sheet { out } => {
            if Format::of_path(out).ok() != Some(Format::Pdf) {
                return Err(Error::invalid(format!(
                    "拼版只能导出 PDF，「{}」的扩展名不是 .pdf",
                    out.display()
                )));
            }
            let (cards, pages, bytes) = export::sheet_pdf(store).await?;
            export::write(out, &bytes)?;
            println!(
                "已导出 {cards} 个小镇的卡片，共 {pages} 页：{}",
                out.display()
            );
            Ok(())
        }
        CodeAction::Verify { input, json } => {
            let path = Path::new(input);
            let looks_like_image = ["png", "jpg", "jpeg"].contains(&extension(path).as_str());
            if looks_like_image && !path.exists() {
                return Err(Error::invalid(format!("找不到图片文件「{input}」")));
            }
            let report = if path.is_file() {
                town::verify_image(store, path).await?
            } else {
                town::verify_text(store, input).await?
            };
            if *json {
                print_json(&report)?;
            } else {
                print_report(&report);
            }
            if report.ok {
                Ok(())
            } else {
                Err(Error::invalid(format!("核验未通过：{}", report.label)))
            }
        }
        CodeAction::Key { action } => {
            let dir = town::data_dir(store);
            match action {
                KeyAction::Export { file, issuer } => {
                    let (key_id, text) = town::public_key_text(store, issuer)?;
                    export::write(file, text.as_bytes())?;
                    println!("已导出本机公钥（密钥编号 {key_id}）：{}", file.display());
                }
                KeyAction::Import { file } => {
                    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
                    let key = signing::import_public(&dir, &text, &file.display().to_string())?;
                    println!("已导入公钥：{}（密钥编号 {}）", key.issuer, key.key_id());
                }
            }
            Ok(())
        }
    }
}

fn print_report(r: &VerifyReport) {
    println!("核验结论：{}", r.label);
    if let (Some(name), Some(code)) = (&r.name, &r.code) {
        println!("小镇：{name}（{code}）");
    }
    if let Some(c) = r.colour {
        println!("颜色：{c}");
    }
    if let Some(d) = r.issued {
        println!("签发日期：{d}");
    }
    match &r.issuer {
        Some(i) => println!("签发方：{i}（密钥 {}）", r.key_id),
        None => println!("签发方密钥：{}（未导入）", r.key_id),
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::invalid(format!("结果无法输出为 JSON：{e}")))?;
    println!("{text}");
    Ok(())
}

//! `towncockpit code show|card|sheet|verify|key`: the town code (一码).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::{open_cockpit, Cli};
use crate::error::{Error, Result};
use crate::towncode::card::{self, Paper};
use crate::towncode::signing::{self, Issuer};
use crate::towncode::town::{self, VerifyReport};

#[derive(Debug, Args)]
pub struct CodeArgs {
    #[command(subcommand)]
    action: CodeAction,
}

#[derive(Debug, Subcommand)]
enum CodeAction {
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
        #[arg(long, default_value = "特色小镇驾驶舱")]
        issuer: String,
    },
    /// 导入其他单位导出的公钥文件
    Import { file: PathBuf },
}

pub async fn run(cli: &Cli, args: &CodeArgs) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let store = cockpit.store();
    match &args.action {
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
            let view = town::show(store, query).await?;
            let page = card::card_page(&town::card_data(&view), paper)?;
            let bytes = match extension(out).as_str() {
                "png" => card::render_png(&page, 300.0)?,
                "pdf" => card::render_pdf(&[page])?,
                other => {
                    return Err(Error::invalid(format!(
                        "输出文件「{}」的扩展名「{other}」不支持，请用 .png 或 .pdf",
                        out.display()
                    )))
                }
            };
            write(out, &bytes)?;
            println!("已导出 {} 的卡片：{}", view.town.name, out.display());
            Ok(())
        }
        CodeAction::Sheet { out } => {
            if extension(out) != "pdf" {
                return Err(Error::invalid(format!(
                    "拼版只能导出 PDF，「{}」的扩展名不是 .pdf",
                    out.display()
                )));
            }
            let list = town::list(store, None).await?;
            let mut cards = Vec::with_capacity(list.towns.len());
            for item in &list.towns {
                let view = town::show(store, &item.town.code).await?;
                cards.push(town::card_data(&view));
            }
            let pages = card::sheet_pages(&cards)?;
            write(out, &card::render_pdf(&pages)?)?;
            println!(
                "已导出 {} 个小镇的卡片，共 {} 页：{}",
                cards.len(),
                pages.len(),
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
                    let own = Issuer::load_or_create(&dir)?;
                    write(file, own.export_public(issuer).as_bytes())?;
                    println!(
                        "已导出本机公钥（密钥编号 {}）：{}",
                        own.key_id(),
                        file.display()
                    );
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

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::invalid(format!("结果无法输出为 JSON：{e}")))?;
    println!("{text}");
    Ok(())
}

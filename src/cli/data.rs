//! 数据: `template KIND --out FILE.xlsx`, `import KIND FILE [--dry-run] [--json]`,
//! `import undo BATCH`, `import batches`, `export KIND --out FILE.xlsx|csv`,
//! `package export|import FILE.zip`.

use std::path::PathBuf;

use clap::Args;

use super::table::{Align, Table};
use super::{open_cockpit, print_json, Cli};
use crate::data::read::Input;
use crate::data::{self, ImportOptions, Kind};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct TemplateCmd {
    /// 数据种类：towns（小镇清单）、indicators（指标数据）、enterprises（企业名录）
    kind: String,
    /// 模板文件路径（.xlsx）
    #[arg(long, value_name = "FILE.xlsx")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportCmd {
    /// 数据种类（towns/indicators/enterprises，或 auto 按表头识别）；undo 撤销批次；batches 列出导入批次
    kind: String,
    /// 要导入的文件（.xlsx/.xls/.ods/.csv）；撤销时为批次号
    target: Option<String>,
    /// 只检查并报告将新增、修改和拒绝的行，不写入
    #[arg(long)]
    dry_run: bool,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ExportCmd {
    /// 数据种类：towns、indicators、enterprises
    kind: String,
    /// 导出文件路径（.xlsx 或 .csv）
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub struct PackageCmd {
    /// export（导出交换包）或 import（导入交换包）
    #[arg(value_parser = ["export", "import"])]
    action: String,
    /// 交换包文件路径（.zip）
    file: PathBuf,
    /// 导入时只检查并报告，不写入
    #[arg(long)]
    dry_run: bool,
    /// 以 JSON 输出
    #[arg(long)]
    json: bool,
}

pub async fn run_package(cli: &Cli, cmd: &PackageCmd) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let file = &cmd.file;
    if cmd.action == "export" {
        let (manifest, bytes) = data::package::export(cockpit.store()).await?;
        std::fs::write(file, bytes).map_err(|e| Error::io(file, e))?;
        if cmd.json {
            return print_json(&manifest);
        }
        let counts: Vec<String> = manifest
            .files
            .iter()
            .map(|f| format!("{} {} 行", f.name, f.rows))
            .collect();
        println!(
            "已导出交换包 {}（数据截至 {}）：{}",
            file.display(),
            manifest.as_of,
            counts.join("，")
        );
        return Ok(());
    }
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let report = data::package::import(cockpit.store(), &name, bytes, cmd.dry_run).await?;
    if cmd.json {
        print_json(&report)?;
    } else {
        for r in &report.reports {
            print_report(r);
        }
        let c = report.counts;
        let state = if report.committed {
            format!("已导入，导入批次 {}", report.batch.unwrap_or_default())
        } else if report.refused > 0 {
            "未导入任何数据".to_string()
        } else {
            "试运行（未写入）".to_string()
        };
        println!(
            "交换包「{}」{state}：新增 {}，修改 {}，不变 {}，拒绝 {} 行",
            report.file, c.added, c.changed, c.unchanged, report.refused
        );
    }
    if report.refused > 0 {
        return Err(Error::invalid(format!(
            "交换包中 {} 行有误，整个交换包未导入，数据库未作任何改动",
            report.refused
        )));
    }
    Ok(())
}

pub async fn run_template(cli: &Cli, cmd: &TemplateCmd) -> Result<()> {
    let kind = Kind::parse(&cmd.kind)?;
    let cockpit = open_cockpit(cli).await?;
    let bytes = data::template::template(cockpit.store(), kind).await?;
    std::fs::write(&cmd.out, bytes).map_err(|e| Error::io(&cmd.out, e))?;
    println!("已生成{}模板：{}", kind.label(), cmd.out.display());
    Ok(())
}

pub async fn run_export(cli: &Cli, cmd: &ExportCmd) -> Result<()> {
    let kind = Kind::parse(&cmd.kind)?;
    let cockpit = open_cockpit(cli).await?;
    let done = data::export::export_to(cockpit.store(), kind, &cmd.out).await?;
    println!(
        "已导出{} {} 行（数据截至 {}）：{}",
        kind.label(),
        done.rows,
        done.as_of,
        done.file
    );
    Ok(())
}

pub async fn run_import(cli: &Cli, cmd: &ImportCmd) -> Result<()> {
    let need_target = || {
        cmd.target
            .clone()
            .ok_or_else(|| Error::invalid(format!("「import {}」缺少参数：要导入的文件", cmd.kind)))
    };
    match cmd.kind.as_str() {
        "undo" => {
            let text = cmd
                .target
                .clone()
                .ok_or_else(|| Error::invalid("「import undo」缺少参数：导入批次号"))?;
            let batch: i64 = text
                .parse()
                .map_err(|_| Error::invalid(format!("导入批次号应为整数，实际为「{text}」")))?;
            let cockpit = open_cockpit(cli).await?;
            let done = data::undo(cockpit.store(), batch).await?;
            if cmd.json {
                return print_json(&done);
            }
            println!(
                "已撤销导入批次 {}（文件「{}」）：删除新增的 {} 行，恢复修改的 {} 行",
                done.batch, done.file, done.removed, done.restored
            );
            Ok(())
        }
        "batches" => {
            let cockpit = open_cockpit(cli).await?;
            let list = data::import::batches(cockpit.store()).await?;
            if cmd.json {
                return print_json(&list);
            }
            let mut t = Table::new(&[
                ("批次", Align::Right),
                ("时间", Align::Left),
                ("种类", Align::Left),
                ("文件", Align::Left),
                ("新增", Align::Right),
                ("修改", Align::Right),
                ("不变", Align::Right),
                ("状态", Align::Left),
            ]);
            for b in &list {
                t.row(vec![
                    b.id.to_string(),
                    b.at.clone(),
                    b.kind.clone(),
                    b.file_name.clone(),
                    b.added.to_string(),
                    b.changed.to_string(),
                    b.unchanged.to_string(),
                    b.undone_at
                        .as_ref()
                        .map(|at| format!("已撤销 {at}"))
                        .unwrap_or_else(|| "有效".into()),
                ]);
            }
            print!("{}", t.render());
            Ok(())
        }
        kind => {
            let kind = match kind {
                "auto" => None,
                k => Some(Kind::parse(k)?),
            };
            let path = PathBuf::from(need_target()?);
            if !path.exists() {
                return Err(Error::not_found(format!(
                    "要导入的文件「{}」",
                    path.display()
                )));
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string());
            let cockpit = open_cockpit(cli).await?;
            let report = data::import(
                cockpit.store(),
                ImportOptions {
                    kind,
                    file_name,
                    dry_run: cmd.dry_run,
                },
                Input::Path(path),
            )
            .await?;
            if cmd.json {
                print_json(&report)?;
            } else {
                print_report(&report);
            }
            if report.refused > 0 {
                return Err(Error::invalid(format!(
                    "{} 行有误，整个文件未导入，数据库未作任何改动",
                    report.refused
                )));
            }
            Ok(())
        }
    }
}

fn print_report(r: &data::Report) {
    println!("{}", r.summary());
    let mut where_ = format!(
        "种类：{}{}",
        r.kind.label(),
        r.layout.map(|l| format!("（{l}）")).unwrap_or_default()
    );
    if let Some(s) = &r.sheet {
        where_.push_str(&format!("；工作表：{s}"));
    }
    if let Some(e) = &r.encoding {
        where_.push_str(&format!("；编码：{e}"));
    }
    println!(
        "{where_}；表头在第 {} 行；SHA-256：{}",
        r.header_row, r.sha256
    );
    for m in &r.mapping {
        let target = match (&m.label, &m.converted_from) {
            (Some(l), Some(u)) => format!("{l}（由{u}换算）"),
            (Some(l), None) => l.clone(),
            (None, _) => "（未使用）".into(),
        };
        println!("  第 {} 列「{}」→ {target}", m.column, m.header);
    }
    for e in &r.errors {
        println!("{}", e.message);
    }
    if r.errors.len() < r.refused {
        println!("……另有错误未列出，共 {} 行有误", r.refused);
    }
    if let Some(b) = &r.backup {
        println!("导入前的备份：{b}");
    }
}

//! The 数据 commands: templates, imports of uploaded files (base64), undo, batch history and
//! exports into the download folder.

use serde::{Deserialize, Serialize};

use super::commands::NoArgs;
use super::Cockpit;
use crate::data::export::{self, FileFormat};
use crate::data::import::{batches, Batch, Undone};
use crate::data::read::Input;
use crate::data::{self, ImportOptions, Kind, Report};
use crate::error::{Error, Result};
use crate::towncode::export::{download_dir, write};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportArgs {
    /// towns / indicators / enterprises; absent: detected from the header.
    #[serde(default)]
    kind: Option<String>,
    file_name: String,
    /// The file's bytes in base64 (a `data:` URL is accepted).
    content_base64: String,
    #[serde(default)]
    dry_run: bool,
}

pub async fn data_import(cockpit: &Cockpit, args: ImportArgs) -> Result<Report> {
    let kind = args.kind.as_deref().map(Kind::parse).transpose()?;
    let b64 = args.content_base64.trim();
    let b64 = b64.split_once(";base64,").map_or(b64, |(_, rest)| rest);
    let cleaned: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let bytes = data_encoding::BASE64
        .decode(cleaned.as_bytes())
        .map_err(|_| {
            Error::invalid(format!(
                "上传的文件「{}」的数据不是有效的 base64",
                args.file_name
            ))
        })?;
    data::import(
        cockpit.store(),
        ImportOptions {
            kind,
            file_name: args.file_name,
            dry_run: args.dry_run,
        },
        Input::Bytes(bytes),
    )
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UndoArgs {
    batch: i64,
}

pub async fn data_undo(cockpit: &Cockpit, args: UndoArgs) -> Result<Undone> {
    data::undo(cockpit.store(), args.batch).await
}

pub async fn data_batches(cockpit: &Cockpit, _: NoArgs) -> Result<Vec<Batch>> {
    batches(cockpit.store()).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileArgs {
    kind: String,
    /// xlsx or csv (exports; templates are always xlsx).
    #[serde(default)]
    format: Option<String>,
}

/// A file written into the download folder.
#[derive(Serialize)]
pub struct Saved {
    pub kind: Kind,
    pub path: String,
    pub rows: Option<usize>,
    pub as_of: Option<String>,
}

fn stamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M%S").to_string()
}

pub async fn data_template(cockpit: &Cockpit, args: FileArgs) -> Result<Saved> {
    let kind = Kind::parse(&args.kind)?;
    let bytes = data::template::template(cockpit.store(), kind).await?;
    let path = download_dir(cockpit.store()).join(format!("{}模板.xlsx", kind.label()));
    write(&path, &bytes)?;
    Ok(Saved {
        kind,
        path: path.display().to_string(),
        rows: None,
        as_of: None,
    })
}

pub async fn data_export(cockpit: &Cockpit, args: FileArgs) -> Result<Saved> {
    let kind = Kind::parse(&args.kind)?;
    let ext = args.format.as_deref().unwrap_or("xlsx");
    let name = format!("{}_{}.{ext}", kind.label(), stamp());
    FileFormat::of(&name)?;
    let path = download_dir(cockpit.store()).join(name);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let done = export::export_to(cockpit.store(), kind, &path).await?;
    Ok(Saved {
        kind,
        path: done.file,
        rows: Some(done.rows),
        as_of: Some(done.as_of),
    })
}

/// One kind of data a file can carry.
#[derive(Serialize)]
pub struct KindInfo {
    pub name: &'static str,
    pub label: &'static str,
}

pub async fn data_kinds(_: &Cockpit, _: NoArgs) -> Result<Vec<KindInfo>> {
    Ok(Kind::ALL
        .iter()
        .map(|k| KindInfo {
            name: k.name(),
            label: k.label(),
        })
        .collect())
}

//! The exchange package (省级平台对接): a zip of CSV files, one per kind, and `manifest.json`
//! (format, schema version, scope, period range, row counts, SHA-256 of every file). Importing a
//! package checks the manifest against the files and imports them all in one transaction, as one
//! undoable batch, or nothing. The format is documented in `docs/exchange-package.md`.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use super::export::{csv_bytes, sheet};
use super::import::{finish_batch, import_into, open_batch, sha256_of, Counts};
use super::read::Input;
use super::{ImportOptions, Kind, Report};
use crate::error::{Error, Result};
use crate::store::Store;

pub const FORMAT: &str = "towncockpit-exchange";
pub const SCHEMA_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";

/// The kinds a package carries, in the order they are imported (towns before what refers to them).
const ORDER: [Kind; 3] = [Kind::Towns, Kind::Indicators, Kind::Enterprises];

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: String,
    pub schema_version: u32,
    pub created_at: String,
    /// The data's as-of date.
    pub as_of: String,
    pub scope: Scope,
    pub period_range: Option<PeriodRange>,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scope {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeriodRange {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub name: String,
    pub kind: Kind,
    /// Data rows (below the title and header lines).
    pub rows: usize,
    pub sha256: String,
}

/// Writes the whole province's towns, indicator values and enterprises as a package.
pub async fn export(store: &Store) -> Result<(Manifest, Vec<u8>)> {
    let mut files = Vec::new();
    let mut entries = Vec::new();
    let mut as_of = String::new();
    for kind in ORDER {
        let s = sheet(store, kind).await?;
        as_of = s.as_of.clone();
        let rows = s.rows.len();
        let bytes = crate::offload::cpu(move || csv_bytes(&s)).await?;
        let name = format!("{}.csv", kind.name());
        entries.push(FileEntry {
            name: name.clone(),
            kind,
            rows,
            sha256: sha256_of(&Input::Bytes(bytes.clone()))?,
        });
        files.push((name, bytes));
    }
    let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT MIN(year * 10 + quarter), MAX(year * 10 + quarter) FROM indicator_values",
    )
    .fetch_one(store.pool())
    .await?;
    let province: (String, String) =
        sqlx::query_as("SELECT code, name FROM divisions WHERE level = 'province'")
            .fetch_one(store.pool())
            .await?;
    let manifest = Manifest {
        format: FORMAT.into(),
        schema_version: SCHEMA_VERSION,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        as_of,
        scope: Scope {
            code: province.0,
            name: province.1,
        },
        period_range: first.zip(last).map(|(a, b)| PeriodRange {
            from: format!("{}Q{}", a / 10, a % 10),
            to: format!("{}Q{}", b / 10, b % 10),
        }),
        files: entries,
    };
    let json = serde_json::to_vec_pretty(&manifest).expect("the manifest serialises");
    let zipped = crate::offload::cpu(move || {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let failed = |e: zip::result::ZipError| Error::invalid(format!("交换包写出失败：{e}"));
        z.start_file(MANIFEST, opts).map_err(failed)?;
        z.write_all(&json)
            .map_err(|e| Error::invalid(format!("交换包写出失败：{e}")))?;
        for (name, bytes) in files {
            z.start_file(name, opts).map_err(failed)?;
            z.write_all(&bytes)
                .map_err(|e| Error::invalid(format!("交换包写出失败：{e}")))?;
        }
        z.finish().map_err(failed)?;
        Ok(out.into_inner())
    })
    .await?;
    Ok((manifest, zipped))
}

/// What importing a package did (or, refused or dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct PackageReport {
    pub file: String,
    pub sha256: String,
    pub manifest: Manifest,
    pub reports: Vec<Report>,
    pub counts: Counts,
    pub refused: usize,
    pub dry_run: bool,
    pub committed: bool,
    pub batch: Option<i64>,
    pub backup: Option<String>,
}

/// Reads and checks a package: the manifest's format and version, every listed file present
/// with its SHA-256.
/// A listed file and its bytes.
type Entry = (FileEntry, Vec<u8>);

fn open_package(file: &str, bytes: &[u8]) -> Result<(Manifest, Vec<Entry>)> {
    let bad = |what: String| Error::invalid(format!("交换包「{file}」{what}，未导入任何数据"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|_| bad("不是完整的 zip 文件（已损坏或被截断）".into()))?;
    let mut read = |name: &str| -> Result<Vec<u8>> {
        let mut entry = zip
            .by_name(name)
            .map_err(|_| bad(format!("缺少文件「{name}」")))?;
        let mut out = Vec::new();
        entry
            .read_to_end(&mut out)
            .map_err(|_| bad(format!("中的「{name}」无法解压")))?;
        Ok(out)
    };
    let manifest: Manifest = serde_json::from_slice(&read(MANIFEST)?)
        .map_err(|e| bad(format!("的 {MANIFEST} 无法解析（{e}）")))?;
    if manifest.format != FORMAT {
        return Err(bad(format!(
            "的格式为「{}」，应为「{FORMAT}」",
            manifest.format
        )));
    }
    if manifest.schema_version != SCHEMA_VERSION {
        return Err(bad(format!(
            "的架构版本为 {}，本程序支持版本 {SCHEMA_VERSION}",
            manifest.schema_version
        )));
    }
    let mut files = Vec::new();
    for entry in &manifest.files {
        let bytes = read(&entry.name)?;
        let sha = sha256_of(&Input::Bytes(bytes.clone()))?;
        if sha != entry.sha256 {
            return Err(bad(format!(
                "中的「{}」与清单不符：SHA-256 为 {sha}，清单记为 {}（文件被改动或损坏）",
                entry.name, entry.sha256
            )));
        }
        files.push((entry.clone(), bytes));
    }
    files.sort_by_key(|(e, _)| ORDER.iter().position(|k| *k == e.kind));
    Ok((manifest, files))
}

/// Imports a package: all its files in one transaction and one batch, or nothing.
pub async fn import(
    store: &Store,
    file: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> Result<PackageReport> {
    let sha = sha256_of(&Input::Bytes(bytes.clone()))?;
    let name = file.to_string();
    let (manifest, files) = crate::offload::cpu(move || open_package(&name, &bytes)).await?;
    let backup = if dry_run {
        None
    } else {
        Some(store.backup_before("import").await?)
    };
    let mut tx = store.pool().begin().await?;
    let batch = open_batch(&mut tx, file, &sha).await?;
    let mut reports = Vec::new();
    for (entry, data) in files {
        let options = ImportOptions {
            kind: Some(entry.kind),
            file_name: format!("{file}/{}", entry.name),
            dry_run,
        };
        let file_sha = entry.sha256.clone();
        let report = import_into(&mut tx, &options, Input::Bytes(data), file_sha, batch).await?;
        if report.refused == 0 && report.rows != entry.rows {
            return Err(Error::invalid(format!(
                "交换包「{file}」中的「{}」有 {} 行数据，清单记为 {} 行，未导入任何数据",
                entry.name, report.rows, entry.rows
            )));
        }
        reports.push(report);
    }
    let counts = Counts::of(&reports);
    let refused = reports.iter().map(|r| r.refused).sum();
    let mut out = PackageReport {
        file: file.to_string(),
        sha256: sha.clone(),
        manifest,
        reports,
        counts,
        refused,
        dry_run,
        committed: false,
        batch: None,
        backup: backup.map(|p| p.display().to_string()),
    };
    if refused == 0 && !dry_run {
        finish_batch(
            &mut tx,
            batch,
            "package",
            "import_batches",
            file,
            &sha,
            counts,
        )
        .await?;
        tx.commit().await?;
        out.committed = true;
        out.batch = Some(batch);
    } else {
        tx.rollback().await?;
    }
    Ok(out)
}

//! Photos and documents attached to a town or a case: stored under the data directory
//! (`media/<sha256>.<ext>`, and a resized `media/<sha256>-display.jpg` for photos), recorded in
//! the `media` table in one audited transaction. A photo that cannot be decoded is refused with
//! nothing written; a stored file that went missing or changed later is reported as such.

use std::path::{Path, PathBuf};

use image::{codecs::jpeg::JpegEncoder, imageops::FilterType, DynamicImage};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::store::{self, Store};
use crate::towncode::town::data_dir;
use crate::vocab;

/// Longest side of a photo's display copy, in pixels.
pub const DISPLAY_PX: u32 = 1600;
/// Largest file accepted, in bytes.
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

const PHOTO_EXTS: [&str; 3] = ["jpg", "jpeg", "png"];
const DOCUMENT_EXTS: [&str; 8] = ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt"];

/// What a media row is attached to.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Town(i64),
    Case(i64),
}

/// A file to attach.
pub struct NewMedia<'a> {
    pub file_name: &'a str,
    pub bytes: Vec<u8>,
    pub caption: Option<String>,
    pub taken_on: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Media {
    pub id: i64,
    /// photo / document
    pub kind: String,
    pub file_name: String,
    pub caption: Option<String>,
    pub taken_on: Option<String>,
    pub bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// ok, missing (the stored file is gone) or changed (its size differs from the record).
    pub state: &'static str,
    /// A Chinese sentence when the state is not ok.
    pub problem: Option<String>,
}

/// A YYYY-MM-DD date, or a Chinese message naming `what`.
pub fn check_date(what: &str, date: &str) -> Result<()> {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map(|_| ())
        .map_err(|_| {
            Error::invalid(format!(
                "{what}「{date}」不是日期，应为 YYYY-MM-DD，如 2025-06-30"
            ))
        })
}

struct Prepared {
    kind: &'static str,
    ext: String,
    sha: String,
    display: Option<(Vec<u8>, u32, u32)>,
}

/// Checks and, for a photo, decodes and resizes (on the blocking pool).
async fn prepare(file_name: &str, bytes: Vec<u8>) -> Result<(Prepared, Vec<u8>)> {
    let ext = Path::new(file_name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let kind = if PHOTO_EXTS.contains(&ext.as_str()) {
        vocab::PHOTO
    } else if DOCUMENT_EXTS.contains(&ext.as_str()) {
        vocab::DOCUMENT
    } else {
        return Err(Error::invalid(format!(
            "文件「{file_name}」的类型「{ext}」不能附加：照片应为 {}，文档应为 {}",
            PHOTO_EXTS.join("/"),
            DOCUMENT_EXTS.join("/")
        )));
    };
    if bytes.is_empty() {
        return Err(Error::invalid(format!(
            "文件「{file_name}」是空文件，未附加"
        )));
    }
    if bytes.len() as u64 > MAX_BYTES {
        return Err(Error::invalid(format!(
            "文件「{file_name}」有 {:.1} MB，超过上限 {} MB，未附加",
            bytes.len() as f64 / 1048576.0,
            MAX_BYTES / 1048576
        )));
    }
    let name = file_name.to_string();
    crate::offload::cpu(move || {
        let sha = hex(&Sha256::digest(&bytes));
        let display = if kind == vocab::PHOTO {
            let img = image::load_from_memory(&bytes).map_err(|e| {
                Error::invalid(format!(
                    "照片「{name}」无法读取（文件损坏或不是 JPEG/PNG 图片：{e}），未附加"
                ))
            })?;
            Some(display_copy(&img, &name)?)
        } else {
            None
        };
        Ok((
            Prepared {
                kind,
                ext,
                sha,
                display,
            },
            bytes,
        ))
    })
    .await
}

/// 照片 / 文档, from the vocabulary.
fn kind_name(code: &str) -> &'static str {
    vocab::MEDIA_KINDS
        .iter()
        .find(|t| t.code == code)
        .map_or("文件", |t| t.name)
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The photo scaled to at most [`DISPLAY_PX`] on its longer side, as JPEG; with the original size.
fn display_copy(img: &DynamicImage, name: &str) -> Result<(Vec<u8>, u32, u32)> {
    let (w, h) = (img.width(), img.height());
    let small = if w.max(h) > DISPLAY_PX {
        img.resize(DISPLAY_PX, DISPLAY_PX, FilterType::Triangle)
    } else {
        img.clone()
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&small.to_rgb8())
        .map_err(|e| Error::invalid(format!("照片「{name}」无法生成显示用缩图：{e}")))?;
    Ok((out, w, h))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// A file checked (and a photo decoded and resized), nothing written yet.
pub struct Ready {
    prepared: Prepared,
    bytes: Vec<u8>,
    file_name: String,
    caption: Option<String>,
    taken_on: Option<String>,
}

/// Checks a file before anything is written: its type, size, date and (a photo) that it decodes.
pub async fn ready(file: NewMedia<'_>) -> Result<Ready> {
    if let Some(d) = file.taken_on.as_deref() {
        check_date("拍摄或形成日期", d)?;
    }
    let (prepared, bytes) = prepare(file.file_name, file.bytes).await?;
    Ok(Ready {
        prepared,
        bytes,
        file_name: file.file_name.to_string(),
        caption: file.caption,
        taken_on: file.taken_on,
    })
}

/// Stores a checked file under the data directory and records it inside the caller's
/// transaction (audited). Returns the new row's id.
pub async fn store_in(
    tx: &mut sqlx::SqliteConnection,
    dir: &Path,
    owner: Owner,
    file: &Ready,
    actor: &str,
) -> Result<i64> {
    let p = &file.prepared;
    let rel = format!("media/{}.{}", p.sha, p.ext);
    let display_rel = p
        .display
        .as_ref()
        .map(|_| format!("media/{}-display.jpg", p.sha));
    // Files are named by content, so a repeated attach rewrites identical bytes, and a file left
    // by a transaction that then failed is one no row points at, never a row pointing at nothing.
    write_file(&dir.join(&rel), &file.bytes)?;
    if let (Some(d), Some((jpeg, _, _))) = (&display_rel, &p.display) {
        write_file(&dir.join(d), jpeg)?;
    }
    let (town_id, case_id) = match owner {
        Owner::Town(t) => (Some(t), None),
        Owner::Case(c) => (None, Some(c)),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO media (town_id, case_id, kind, file_name, path, display_path, caption, taken_on,
                            bytes, sha256, width, height, added_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(town_id)
    .bind(case_id)
    .bind(p.kind)
    .bind(&file.file_name)
    .bind(&rel)
    .bind(&display_rel)
    .bind(&file.caption)
    .bind(&file.taken_on)
    .bind(file.bytes.len() as i64)
    .bind(&p.sha)
    .bind(p.display.as_ref().map(|d| d.1 as i64))
    .bind(p.display.as_ref().map(|d| d.2 as i64))
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!(
        "附加{}「{}」（{} 字节，sha256 {}）",
        kind_name(p.kind),
        file.file_name,
        file.bytes.len(),
        p.sha
    );
    store::audit(
        tx,
        "insert",
        "media",
        Some(&id.to_string()),
        1,
        &detail,
        actor,
    )
    .await?;
    Ok(id)
}

/// Attaches a file to a town in one audited transaction. Bad input is refused before anything
/// is written.
pub async fn attach(store: &Store, town_id: i64, file: NewMedia<'_>, actor: &str) -> Result<i64> {
    let file = ready(file).await?;
    let mut tx = store.pool().begin().await?;
    let id = store_in(
        &mut tx,
        &data_dir(store),
        Owner::Town(town_id),
        &file,
        actor,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

type Row = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    Option<i64>,
);

/// The media of a town or a case, newest date first, each with the state of its stored file.
pub async fn list(store: &Store, owner: Owner) -> Result<Vec<Media>> {
    let (column, id) = match owner {
        Owner::Town(t) => ("town_id", t),
        Owner::Case(c) => ("case_id", c),
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT id, kind, file_name, path, caption, taken_on, bytes, width, height FROM media
         WHERE {column} = ? ORDER BY taken_on DESC, id DESC"
    ))
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let dir = data_dir(store);
    Ok(rows
        .into_iter()
        .map(|r| {
            let (state, problem) = file_state(&dir.join(&r.3), r.6, &r.2);
            Media {
                id: r.0,
                kind: r.1,
                file_name: r.2,
                caption: r.4,
                taken_on: r.5,
                bytes: r.6,
                width: r.7,
                height: r.8,
                state,
                problem,
            }
        })
        .collect())
}

fn file_state(path: &Path, bytes: i64, name: &str) -> (&'static str, Option<String>) {
    match std::fs::metadata(path) {
        Err(_) => (
            "missing",
            Some(format!(
                "「{name}」的文件已不在数据目录中（{}）",
                path.display()
            )),
        ),
        Ok(m) if m.len() as i64 != bytes => (
            "changed",
            Some(format!(
                "「{name}」的文件已损坏或被改动：记录为 {bytes} 字节，现为 {} 字节",
                m.len()
            )),
        ),
        Ok(_) => ("ok", None),
    }
}

/// A photo's display copy, JPEG bytes (a document's bytes are not served). A missing or
/// undecodable file is a Chinese error naming it, never a broken picture.
pub async fn image(store: &Store, id: i64) -> Result<Vec<u8>> {
    let row: Option<(String, Option<String>, String)> =
        sqlx::query_as("SELECT file_name, display_path, kind FROM media WHERE id = ?")
            .bind(id)
            .fetch_optional(store.pool())
            .await?;
    let (name, display, kind) =
        row.ok_or_else(|| Error::not_found(format!("编号为 {id} 的照片或文档")))?;
    let Some(display) = display.filter(|_| kind == vocab::PHOTO) else {
        return Err(Error::invalid(format!(
            "「{name}」是{}，没有可显示的图片",
            kind_name(&kind)
        )));
    };
    let path: PathBuf = data_dir(store).join(display);
    let bytes = std::fs::read(&path)
        .map_err(|_| Error::not_found(format!("照片「{name}」的显示文件（{}）", path.display())))?;
    if image::guess_format(&bytes).is_err() {
        return Err(Error::invalid(format!(
            "照片「{name}」的显示文件（{}）已损坏",
            path.display()
        )));
    }
    Ok(bytes)
}

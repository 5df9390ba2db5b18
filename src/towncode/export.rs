//! Cards as files and bytes: one town's card (PNG or PDF, A6 or A4), the A4 sheet of all towns'
//! cards, and where exports go. Shared by the CLI and the command table, so the desktop window,
//! the browser and the terminal produce the same files.

use std::path::{Path, PathBuf};

use super::card::{self, CardData, Paper};
use super::town::{self, TownCodeView};
use crate::error::{Error, Result};
use crate::store::Store;

/// PNG resolution of a card.
pub const PNG_DPI: f32 = 300.0;

/// Overrides the export directory (tests, kiosks).
pub const DOWNLOAD_DIR_ENV: &str = "TOWNCOCKPIT_DOWNLOAD_DIR";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Pdf,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "pdf" => Ok(Format::Pdf),
            other => Err(Error::invalid(format!(
                "导出格式「{other}」不支持，可选：png、pdf"
            ))),
        }
    }

    /// From a file name's extension.
    pub fn of_path(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default();
        Format::parse(ext).map_err(|_| {
            Error::invalid(format!(
                "输出文件「{}」的扩展名「{ext}」不支持，请用 .png 或 .pdf",
                path.display()
            ))
        })
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Pdf => "pdf",
        }
    }
}

/// One card's bytes.
pub fn card_bytes(data: &CardData, paper: Paper, format: Format) -> Result<Vec<u8>> {
    let page = card::card_page(data, paper)?;
    match format {
        Format::Png => card::render_png(&page, PNG_DPI),
        Format::Pdf => card::render_pdf(&[page]),
    }
}

/// A town's code view and its card's bytes.
pub async fn town_card(
    store: &Store,
    query: &str,
    paper: Paper,
    format: Format,
) -> Result<(TownCodeView, Vec<u8>)> {
    let view = town::show(store, query).await?;
    let data = town::card_data(&view);
    let bytes = crate::offload::cpu(move || card_bytes(&data, paper, format)).await?;
    Ok((view, bytes))
}

/// Every town's card data, in list order.
pub async fn all_cards(store: &Store) -> Result<Vec<CardData>> {
    let list = town::list(store, None).await?;
    let mut cards = Vec::with_capacity(list.towns.len());
    for item in &list.towns {
        cards.push(town::card_data(&town::show(store, &item.town.code).await?));
    }
    Ok(cards)
}

/// The A4 sheet PDF of all towns' cards (four A6 cards a page): (cards, pages, bytes).
pub async fn sheet_pdf(store: &Store) -> Result<(usize, usize, Vec<u8>)> {
    let cards = all_cards(store).await?;
    crate::offload::cpu(move || {
        let pages = card::sheet_pages(&cards)?;
        Ok((cards.len(), pages.len(), card::render_pdf(&pages)?))
    })
    .await
}

/// Where exports go: [`DOWNLOAD_DIR_ENV`] if set, else the user's download directory, else the
/// installation's data directory.
pub fn download_dir(store: &Store) -> PathBuf {
    if let Some(dir) = std::env::var_os(DOWNLOAD_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(Path::to_path_buf))
        .unwrap_or_else(|| town::data_dir(store))
}

pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// A file name without characters that file systems refuse.
fn safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// What to export.
pub enum Target<'a> {
    Town(&'a str),
    All,
}

/// Writes cards into `dir` and returns the files written. One town: its card
/// (`小镇码卡片_<名称>_<码>_<纸张>.<ext>`); all towns: the A4 sheet PDF of every card, or one
/// PNG per town (a folder `小镇码卡片_全部_<纸张>`).
pub async fn export(
    store: &Store,
    dir: &Path,
    target: Target<'_>,
    paper: Paper,
    format: Format,
) -> Result<Vec<PathBuf>> {
    let paper_tag = match paper {
        Paper::A6 => "A6",
        Paper::A4 => "A4",
    };
    match target {
        Target::Town(query) => {
            let (view, bytes) = town_card(store, query, paper, format).await?;
            let path = dir.join(format!(
                "小镇码卡片_{}_{}_{paper_tag}.{}",
                safe(&view.town.name),
                view.town.code,
                format.extension()
            ));
            write(&path, &bytes)?;
            Ok(vec![path])
        }
        Target::All if format == Format::Pdf => {
            let (_, _, bytes) = sheet_pdf(store).await?;
            let path = dir.join("小镇码卡片_全部小镇_A4拼版.pdf");
            write(&path, &bytes)?;
            Ok(vec![path])
        }
        Target::All => {
            let folder = dir.join(format!("小镇码卡片_全部_{paper_tag}"));
            let cards = all_cards(store).await?;
            crate::offload::cpu(move || {
                let mut out = Vec::new();
                for card in cards {
                    let bytes = card_bytes(&card, paper, format)?;
                    let code: String = card.code.chars().filter(|c| *c != '-').collect();
                    let path = folder.join(format!("{}_{code}.png", safe(&card.name)));
                    write(&path, &bytes)?;
                    out.push(path);
                }
                Ok(out)
            })
            .await
        }
    }
}

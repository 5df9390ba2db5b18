//! Command handlers of the town code (一码): typed arguments in, core results out.

use serde::{Deserialize, Serialize};

use super::Cockpit;
use crate::error::{Error, Result};
use crate::towncode::card::Paper;
use crate::towncode::export::{self, Format, Target};
use crate::towncode::rules::Colour;
use crate::towncode::town::{self, CodeList, CodeListItem, TownCodeView, TrustedKey, VerifyReport};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// 绿 / 黄 / 红 / 灰 (or G / Y / R / X); all towns when absent.
    #[serde(default)]
    colour: Option<String>,
}

pub async fn code_list(cockpit: &Cockpit, args: ListArgs) -> Result<CodeList> {
    let colour = match args.colour.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(
            Colour::from_name(c)
                .ok_or_else(|| Error::invalid(format!("颜色「{c}」无效，可选：绿、黄、红、灰")))?,
        ),
    };
    town::list(cockpit.store(), colour).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowArgs {
    /// Town name, id or code.
    town: String,
}

pub async fn code_show(cockpit: &Cockpit, args: ShowArgs) -> Result<TownCodeView> {
    town::show(cockpit.store(), &args.town).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyArgs {
    /// The QR text, pasted.
    #[serde(default)]
    text: Option<String>,
    /// An image file (photo or screenshot of a card) on this machine.
    #[serde(default)]
    image_path: Option<String>,
    /// An image's bytes in base64, for a browser upload.
    #[serde(default)]
    image_base64: Option<String>,
}

pub async fn code_verify(cockpit: &Cockpit, args: VerifyArgs) -> Result<VerifyReport> {
    let store = cockpit.store();
    match (args.text, args.image_path, args.image_base64) {
        (Some(text), None, None) => town::verify_text(store, &text).await,
        (None, Some(path), None) => town::verify_image(store, std::path::Path::new(&path)).await,
        (None, None, Some(b64)) => town::verify_image_base64(store, &b64).await,
        _ => Err(Error::invalid(
            "请提供且只提供一项：二维码文字（text）、图片路径（image_path）或图片数据（image_base64）",
        )),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchArgs {
    /// Name, pinyin initials or code.
    q: String,
}

pub async fn code_search(cockpit: &Cockpit, args: SearchArgs) -> Result<Vec<CodeListItem>> {
    town::search(cockpit.store(), &args.q).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardArgs {
    /// Town name, id or code.
    town: String,
    /// a6 (default) or a4.
    #[serde(default)]
    size: Option<String>,
}

#[derive(Serialize)]
pub struct CardImage {
    pub town_id: i64,
    pub name: String,
    pub code: String,
    pub size: &'static str,
    pub mime: &'static str,
    /// The PNG, base64 (shown as a `data:` URL; the CSP allows `img-src data:`).
    pub png_base64: String,
}

fn paper(size: Option<&str>) -> Result<Paper> {
    Paper::parse(
        size.map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("a6"),
    )
}

pub async fn code_card(cockpit: &Cockpit, args: CardArgs) -> Result<CardImage> {
    let paper = paper(args.size.as_deref())?;
    let (view, bytes) = export::town_card(cockpit.store(), &args.town, paper, Format::Png).await?;
    Ok(CardImage {
        town_id: view.town.town_id,
        name: view.town.name,
        code: view.town.code,
        size: match paper {
            Paper::A6 => "a6",
            Paper::A4 => "a4",
        },
        mime: "image/png",
        png_base64: data_encoding::BASE64.encode(&bytes),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyImageArgs {
    /// The image's bytes in base64 (a `data:` URL is accepted).
    image_base64: String,
}

pub async fn code_verify_image(cockpit: &Cockpit, args: VerifyImageArgs) -> Result<VerifyReport> {
    town::verify_image_base64(cockpit.store(), &args.image_base64).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportArgs {
    /// One town (name, id or code); absent with `all: true` for every town.
    #[serde(default)]
    town: Option<String>,
    #[serde(default)]
    all: bool,
    /// png or pdf (default pdf).
    #[serde(default)]
    format: Option<String>,
    /// a6 (default) or a4.
    #[serde(default)]
    size: Option<String>,
}

#[derive(Serialize)]
pub struct Exported {
    /// The folder the files went to.
    pub dir: String,
    pub files: Vec<String>,
}

pub async fn code_export(cockpit: &Cockpit, args: ExportArgs) -> Result<Exported> {
    let format = Format::parse(args.format.as_deref().unwrap_or("pdf"))?;
    let paper = paper(args.size.as_deref())?;
    let target = match (&args.town, args.all) {
        (Some(t), false) => Target::Town(t),
        (None, true) => Target::All,
        _ => {
            return Err(Error::invalid(
                "命令「code_export」需要且只需要一项：town（一个小镇）或 all: true（全部小镇）",
            ))
        }
    };
    let store = cockpit.store();
    let dir = export::download_dir(store);
    let files = export::export(store, &dir, target, paper, format).await?;
    Ok(Exported {
        dir: dir.display().to_string(),
        files: files.iter().map(|p| p.display().to_string()).collect(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyExportArgs {
    /// The issuer's name written into the key file (the office that signs, e.g. 「特色小镇驾驶舱」).
    issuer: String,
}

#[derive(Serialize)]
pub struct PublicKey {
    pub key_id: String,
    /// The public key file's text, for another office to import.
    pub text: String,
    /// Where the key file was saved (the download folder), for the user to hand on.
    pub file: String,
}

pub async fn code_key_export(cockpit: &Cockpit, args: KeyExportArgs) -> Result<PublicKey> {
    let issuer = args.issuer.trim();
    if issuer.is_empty() {
        return Err(Error::invalid("签发方名称（issuer）不能为空"));
    }
    let store = cockpit.store();
    let (key_id, text) = town::public_key_text(store, issuer)?;
    let file = export::download_dir(store).join(format!("小镇码公钥-{key_id}.txt"));
    export::write(&file, text.as_bytes())?;
    Ok(PublicKey {
        key_id,
        text,
        file: file.display().to_string(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyImportArgs {
    /// The text of a key file exported by another office.
    text: String,
    /// The file's name, for messages.
    #[serde(default)]
    file_name: Option<String>,
}

pub async fn code_key_import(cockpit: &Cockpit, args: KeyImportArgs) -> Result<TrustedKey> {
    let origin = args.file_name.as_deref().unwrap_or("粘贴的公钥");
    town::import_key(cockpit.store(), &args.text, origin)
}

pub async fn code_keys(cockpit: &Cockpit, _: super::commands::NoArgs) -> Result<Vec<TrustedKey>> {
    town::trusted_keys(cockpit.store())
}

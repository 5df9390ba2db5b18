//! Command handlers of the town code (一码): typed arguments in, core results out.

use serde::Deserialize;

use super::Cockpit;
use crate::error::{Error, Result};
use crate::towncode::rules::Colour;
use crate::towncode::town::{self, CodeList, CodeListItem, TownCodeView, VerifyReport};

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
        (None, None, Some(b64)) => {
            let bytes = data_encoding::BASE64
                .decode(b64.trim().as_bytes())
                .map_err(|_| Error::invalid("上传的图片数据不是有效的 base64"))?;
            let img = image::load_from_memory(&bytes).map_err(|_| {
                Error::invalid("无法读取上传的图片：文件已损坏或不是支持的图片格式（PNG、JPEG）")
            })?;
            let text = crate::towncode::qr::decode_image(&img)
                .map_err(|e| Error::invalid(format!("上传的图片{e}")))?;
            town::verify_text(store, &text).await
        }
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

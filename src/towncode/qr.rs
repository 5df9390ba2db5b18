//! QR codes for town code payloads: encoding with the `qrcode` crate (error correction level M,
//! mixed alphanumeric/byte segments chosen by the encoder) and decoding photos or screenshots
//! with `rqrr`.

use std::path::Path;

use image::{DynamicImage, GrayImage, Luma};
use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::error::{Error, Result};

/// A QR symbol as a square of dark/light modules (no quiet zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    pub width: usize,
    /// Row-major, `true` = dark.
    pub dark: Vec<bool>,
    pub version: i16,
}

impl QrMatrix {
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }
}

/// UTF-8 in the ECI registry (ISO/IEC 18004, 6.4.2): without it decoders guess the byte
/// segment's charset and some read Chinese UTF-8 as Shift JIS.
const ECI_UTF8: u32 = 26;

/// Encodes in the smallest version that holds an ECI header plus the optimally segmented data.
fn encode(text: &str) -> Result<QrCode> {
    let ec = EcLevel::M;
    for v in 1..=40 {
        let mut bits = Bits::new(Version::Normal(v));
        let fits = bits.push_eci_designator(ECI_UTF8).is_ok()
            && bits.push_optimal_data(text.as_bytes()).is_ok()
            && bits.push_terminator(ec).is_ok();
        if fits {
            return QrCode::with_bits(bits, ec)
                .map_err(|e| Error::invalid(format!("内容无法编成二维码（{e}）")));
        }
    }
    Err(Error::invalid(format!(
        "内容过长，无法编成二维码（{} 字节）",
        text.len()
    )))
}

/// Encodes `text` into a QR symbol.
pub fn matrix(text: &str) -> Result<QrMatrix> {
    let code = encode(text)?;
    let version = match code.version() {
        Version::Normal(v) | Version::Micro(v) => v,
    };
    Ok(QrMatrix {
        width: code.width(),
        dark: code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect(),
        version,
    })
}

/// Renders `text` as a black-on-white image with the standard 4-module quiet zone.
pub fn render(text: &str, module_px: u32) -> Result<GrayImage> {
    let code = encode(text)?;
    Ok(code
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(module_px, module_px)
        .build())
}

/// Reads the QR code in an image file (PNG or JPEG: a photo, a screenshot, a scan).
pub fn decode_file(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let img = image::load_from_memory(&bytes).map_err(|_| {
        Error::invalid(format!(
            "无法读取图片「{}」：文件已损坏或不是支持的图片格式（PNG、JPEG）",
            path.display()
        ))
    })?;
    decode_image(&img).map_err(|e| match e {
        Error::Invalid(msg) => Error::invalid(format!("图片「{}」{msg}", path.display())),
        other => other,
    })
}

/// Reads the QR code in a decoded image. Large photos are also tried scaled down, which helps
/// the detector with camera noise.
pub fn decode_image(img: &DynamicImage) -> Result<String> {
    let gray = img.to_luma8();
    let mut attempts = vec![gray.clone()];
    let longest = gray.width().max(gray.height());
    if longest > 1200 {
        let scale = 1000.0 / longest as f64;
        attempts.push(image::imageops::resize(
            &gray,
            (gray.width() as f64 * scale).round().max(1.0) as u32,
            (gray.height() as f64 * scale).round().max(1.0) as u32,
            image::imageops::FilterType::Triangle,
        ));
    }
    let mut found_unreadable = false;
    for candidate in &attempts {
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            candidate.width() as usize,
            candidate.height() as usize,
            |x, y| candidate.get_pixel(x as u32, y as u32).0[0],
        );
        for grid in prepared.detect_grids() {
            match grid.decode() {
                Ok((_, content)) => return Ok(content),
                Err(_) => found_unreadable = true,
            }
        }
    }
    if found_unreadable {
        Err(Error::invalid(
            "中的二维码无法识读：可能模糊、残缺或反光，请重新拍摄或截图".to_string(),
        ))
    } else {
        Err(Error::invalid("中没有找到二维码".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_reads_back_mixed_text() {
        let text = "TC1*D3301100019*余杭梦想小镇*2025*G*78.4*12/116*2026-11-26*ABCDEFGH*XYZ";
        let img = render(text, 4).unwrap();
        let back = decode_image(&DynamicImage::ImageLuma8(img)).unwrap();
        assert_eq!(back, text);
        let m = matrix(text).unwrap();
        assert_eq!(m.width, 17 + 4 * m.version as usize);
    }

    #[test]
    fn blank_image_has_no_qr() {
        let img = GrayImage::from_pixel(200, 200, Luma([255]));
        let e = decode_image(&DynamicImage::ImageLuma8(img)).unwrap_err();
        assert!(e.to_string().contains("没有找到二维码"), "{e}");
    }
}

//! The printable town card (小镇码卡片): QR code, colour, name, code, key figures and issue date.
//!
//! The card is laid out once, in millimetres, as a list of [`Shape`]s; two renderers draw the
//! same list: plotters (PNG, bundled font through ab_glyph) and krilla (PDF, the bundled font
//! embedded as a subset, so CJK text stays text and prints sharply). An A4 card is the A6 card
//! scaled by two; the sheet puts four A6 cards on each A4 page with cut lines.

use chrono::NaiveDate;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::qr::{self, QrMatrix};
use super::rules::Colour;
use crate::error::{Error, Result};
use crate::fonts::{self, Metrics};

/// What a card shows.
#[derive(Debug, Clone, PartialEq)]
pub struct CardData {
    pub name: String,
    /// The code as printed, with separators.
    pub code: String,
    pub colour: Colour,
    /// One line under the name, e.g. 「杭州市余杭区 · 数字经济 · 命名」.
    pub subtitle: String,
    /// Key figures as (label, value), at most four are shown.
    pub figures: Vec<(String, String)>,
    /// Reasons for the colour (rules that fired), most severe first.
    pub reasons: Vec<String>,
    pub period: String,
    pub issued: NaiveDate,
    pub key_id: String,
    /// The signed QR text.
    pub payload: String,
    /// Demo figures: the card says 「示例数据」.
    pub demo: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    A6,
    A4,
}

impl Paper {
    /// Width and height in mm (ISO 216).
    pub fn size_mm(self) -> (f32, f32) {
        match self {
            Paper::A6 => (105.0, 148.0),
            Paper::A4 => (210.0, 297.0),
        }
    }

    pub fn parse(s: &str) -> Result<Paper> {
        match s.to_ascii_lowercase().as_str() {
            "a6" => Ok(Paper::A6),
            "a4" => Ok(Paper::A4),
            other => Err(Error::invalid(format!(
                "纸张尺寸「{other}」不支持，可选 a6 或 a4"
            ))),
        }
    }
}

type Rgb = (u8, u8, u8);

const INK: Rgb = (0x22, 0x22, 0x22);
const MUTED: Rgb = (0x66, 0x66, 0x66);
const WHITE_: Rgb = (0xff, 0xff, 0xff);
const DEMO_RED: Rgb = (0xc6, 0x28, 0x28);
const RULE_GREY: Rgb = (0xbb, 0xbb, 0xbb);

/// A drawing primitive, in mm from the page's top-left corner.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Rgb,
    },
    /// Text starting at `x` with its baseline at `y`; `size` is the em size in mm.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        fill: Rgb,
        text: String,
    },
    /// A QR symbol with its quiet zone filling the square at (`x`, `y`) of side `side`.
    Qr {
        x: f32,
        y: f32,
        side: f32,
        matrix: QrMatrix,
    },
}

/// A page of shapes.
#[derive(Debug, Clone)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub shapes: Vec<Shape>,
}

/// Text placement with the bundled font's metrics.
struct Typesetter {
    regular: Metrics,
    bold: Metrics,
}

impl Typesetter {
    fn new() -> Typesetter {
        Typesetter {
            regular: Metrics::new(false),
            bold: Metrics::new(true),
        }
    }

    fn metrics(&self, bold: bool) -> &Metrics {
        if bold {
            &self.bold
        } else {
            &self.regular
        }
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.metrics(bold).width(text, size)
    }

    /// The largest size up to `size` at which `text` fits in `max_w`.
    fn fit(&self, text: &str, size: f32, bold: bool, max_w: f32) -> f32 {
        let w = self.width(text, size, bold);
        if w <= max_w {
            size
        } else {
            size * max_w / w
        }
    }

    /// Breaks `text` into lines no wider than `max_w`.
    fn wrap(&self, text: &str, size: f32, bold: bool, max_w: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for c in text.chars() {
            line.push(c);
            if self.width(&line, size, bold) > max_w {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

struct Builder<'a> {
    ts: &'a Typesetter,
    /// Card origin on the page and scale (1 = A6).
    ox: f32,
    oy: f32,
    k: f32,
    shapes: Vec<Shape>,
}

impl Builder<'_> {
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.shapes.push(Shape::Rect {
            x: self.ox + x * self.k,
            y: self.oy + y * self.k,
            w: w * self.k,
            h: h * self.k,
            fill,
        });
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, fill: Rgb, text: &str) {
        self.shapes.push(Shape::Text {
            x: self.ox + x * self.k,
            y: self.oy + y * self.k,
            size: size * self.k,
            bold,
            fill,
            text: text.to_string(),
        });
    }

    fn text_right(&mut self, right: f32, y: f32, size: f32, bold: bool, fill: Rgb, text: &str) {
        let w = self.ts.width(text, size, bold);
        self.text(right - w, y, size, bold, fill, text);
    }

    fn text_centre(&mut self, centre: f32, y: f32, size: f32, bold: bool, fill: Rgb, text: &str) {
        let w = self.ts.width(text, size, bold);
        self.text(centre - w / 2.0, y, size, bold, fill, text);
    }
}

/// Lays out one card in the A6 frame at (`ox`, `oy`) scaled by `k`.
fn card_shapes(card: &CardData, ts: &Typesetter, ox: f32, oy: f32, k: f32) -> Result<Vec<Shape>> {
    const W: f32 = 105.0;
    const M: f32 = 7.0;
    let inner = W - 2.0 * M;
    let matrix = qr::matrix(&card.payload)?;
    let mut b = Builder {
        ts,
        ox,
        oy,
        k,
        shapes: Vec::new(),
    };
    let colour = card.colour.rgb();

    // Colour band with title and the colour word.
    b.rect(0.0, 0.0, W, 19.0, colour);
    b.text(M, 10.5, 5.6, true, WHITE_, "特色小镇码");
    let colour_word = format!("{}码", card.colour.name());
    b.text_right(W - M, 11.0, 7.5, true, WHITE_, &colour_word);
    let band_note = if card.demo {
        "示例数据 · 非真实统计"
    } else {
        "浙江省特色小镇"
    };
    b.text(M, 16.0, 2.8, false, WHITE_, band_note);

    // Name (shrunk to fit one line), subtitle, code.
    let size = ts.fit(&card.name, 7.0, true, inner);
    b.text_centre(W / 2.0, 29.5, size, true, INK, &card.name);
    let size = ts.fit(&card.subtitle, 3.2, false, inner);
    b.text_centre(W / 2.0, 35.5, size, false, MUTED, &card.subtitle);
    b.text_centre(W / 2.0, 44.0, 6.0, true, INK, &card.code);

    // QR with its quiet zone, framed by a thin line in the colour.
    let side = 56.0;
    let qx = (W - side) / 2.0;
    let qy = 47.5;
    b.rect(qx - 0.8, qy - 0.8, side + 1.6, side + 1.6, colour);
    b.rect(qx, qy, side, side, WHITE_);
    b.shapes.push(Shape::Qr {
        x: ox + qx * k,
        y: oy + qy * k,
        side: side * k,
        matrix,
    });

    // Key figures, two columns.
    let mut y = 111.0;
    for (i, (label, value)) in card.figures.iter().take(4).enumerate() {
        let col_x = if i % 2 == 0 { M } else { W / 2.0 + 1.0 };
        let row_y = y + (i / 2) as f32 * 8.5;
        let col_w = inner / 2.0 - 1.0;
        b.text(col_x, row_y, 2.6, false, MUTED, label);
        let size = ts.fit(value, 3.6, true, col_w);
        b.text(col_x, row_y + 4.0, size, true, INK, value);
    }
    y += 8.5 * card.figures.len().min(4).div_ceil(2) as f32 + 0.5;

    // Reasons for the colour.
    b.rect(M, y - 3.0, inner, 0.25, RULE_GREY);
    let reasons = if card.reasons.is_empty() {
        vec!["未触发任何预警规则".to_string()]
    } else {
        card.reasons.clone()
    };
    let mut lines = Vec::new();
    for r in &reasons {
        for line in ts.wrap(&format!("· {r}"), 2.6, false, inner) {
            lines.push(line);
        }
    }
    let max_lines = ((140.0 - y) / 3.6).floor().max(1.0) as usize;
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            last.pop();
            last.push('…');
        }
    }
    for line in &lines {
        b.text(M, y + 0.5, 2.6, false, INK, line);
        y += 3.6;
    }

    // Footer: issue facts, and the demo mark.
    let footer = format!(
        "数据期 {} · 签发 {} · 密钥 {}",
        card.period,
        card.issued.format("%Y-%m-%d"),
        card.key_id
    );
    b.text(M, 144.0, 2.4, false, MUTED, &footer);
    if card.demo {
        b.text_right(W - M, 144.0, 3.0, true, DEMO_RED, "示例数据");
    }
    Ok(b.shapes)
}

/// One card on its own page of the given paper size.
pub fn card_page(card: &CardData, paper: Paper) -> Result<Page> {
    let ts = Typesetter::new();
    let (w, h) = paper.size_mm();
    let k = w / 105.0;
    Ok(Page {
        width: w,
        height: h,
        shapes: card_shapes(card, &ts, 0.0, 0.0, k)?,
    })
}

/// A4 pages with four A6 cards each, for printing and cutting.
pub fn sheet_pages(cards: &[CardData]) -> Result<Vec<Page>> {
    let ts = Typesetter::new();
    let mut pages = Vec::new();
    for chunk in cards.chunks(4) {
        let mut shapes = Vec::new();
        for (i, card) in chunk.iter().enumerate() {
            let ox = (i % 2) as f32 * 105.0;
            let oy = (i / 2) as f32 * 148.5;
            shapes.extend(card_shapes(card, &ts, ox, oy, 1.0)?);
        }
        // Cut lines.
        shapes.push(Shape::Rect {
            x: 104.9,
            y: 0.0,
            w: 0.2,
            h: 297.0,
            fill: RULE_GREY,
        });
        shapes.push(Shape::Rect {
            x: 0.0,
            y: 148.4,
            w: 210.0,
            h: 0.2,
            fill: RULE_GREY,
        });
        pages.push(Page {
            width: 210.0,
            height: 297.0,
            shapes,
        });
    }
    Ok(pages)
}

/// Renders a page to PNG bytes at `dpi`.
pub fn render_png(page: &Page, dpi: f32) -> Result<Vec<u8>> {
    fonts::register_plotters();
    let px = |mm: f32| mm * dpi / 25.4;
    let (w, h) = (
        px(page.width).round() as u32,
        px(page.height).round() as u32,
    );
    let mut buf = vec![0u8; (w * h * 3) as usize];
    let draw_err = |e: String| Error::invalid(format!("绘制卡片失败：{e}"));
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_err(e.to_string()))?;
        let regular_metrics = Metrics::new(false);
        let bold_metrics = Metrics::new(true);
        let ratio_regular = regular_metrics.line_height_ratio();
        let ratio_bold = bold_metrics.line_height_ratio();
        for shape in &page.shapes {
            match shape {
                Shape::Rect { x, y, w, h, fill } => {
                    let (x0, y0) = (px(*x).round() as i32, px(*y).round() as i32);
                    let (x1, y1) = (px(x + w).round() as i32, px(y + h).round() as i32);
                    let colour = RGBColor(fill.0, fill.1, fill.2);
                    root.draw(&Rectangle::new(
                        [(x0, y0), (x1.max(x0 + 1), y1.max(y0 + 1))],
                        colour.filled(),
                    ))
                    .map_err(|e| draw_err(e.to_string()))?;
                }
                Shape::Text {
                    x,
                    y,
                    size,
                    bold,
                    fill,
                    text,
                } => {
                    // plotters' ab_glyph backend puts the baseline half its size below the
                    // anchor, and its size is ascent − descent rather than the em size.
                    let ratio = if *bold { ratio_bold } else { ratio_regular };
                    let size_px = px(*size) * ratio;
                    let style = FontDesc::new(
                        FontFamily::Name(fonts::FAMILY),
                        size_px as f64,
                        if *bold {
                            FontStyle::Bold
                        } else {
                            FontStyle::Normal
                        },
                    )
                    .color(&RGBColor(fill.0, fill.1, fill.2));
                    // One glyph at a time: the backend starts each glyph's bounding box at
                    // the pen position, dropping the left side bearing, which crowds digits
                    // and punctuation; placing each glyph here keeps the PDF's spacing.
                    let metrics = if *bold {
                        &bold_metrics
                    } else {
                        &regular_metrics
                    };
                    let top = (px(*y) - size_px / 2.0).round() as i32;
                    let mut pen = *x;
                    let mut glyph = [0u8; 4];
                    for c in text.chars() {
                        let (lsb, advance) = metrics.horizontal(c, *size);
                        if !c.is_whitespace() {
                            let at = (px(pen + lsb.max(0.0)).round() as i32, top);
                            root.draw_text(c.encode_utf8(&mut glyph), &style, at)
                                .map_err(|e| draw_err(e.to_string()))?;
                        }
                        pen += advance;
                    }
                }
                Shape::Qr { x, y, side, matrix } => {
                    // Whole pixels per module keep the symbol crisp for scanners.
                    let modules = matrix.width + 8;
                    let unit = (px(*side) / modules as f32).floor().max(1.0) as i32;
                    let total = unit * modules as i32;
                    let left =
                        (px(*x) + (px(*side) - total as f32) / 2.0).round() as i32 + 4 * unit;
                    let top = (px(*y) + (px(*side) - total as f32) / 2.0).round() as i32 + 4 * unit;
                    for my in 0..matrix.width {
                        for mx in 0..matrix.width {
                            if matrix.is_dark(mx, my) {
                                let x0 = left + mx as i32 * unit;
                                let y0 = top + my as i32 * unit;
                                root.draw(&Rectangle::new(
                                    [(x0, y0), (x0 + unit, y0 + unit)],
                                    BLACK.filled(),
                                ))
                                .map_err(|e| draw_err(e.to_string()))?;
                            }
                        }
                    }
                }
            }
        }
        root.present().map_err(|e| draw_err(e.to_string()))?;
    }
    let img =
        image::RgbImage::from_raw(w, h, buf).ok_or_else(|| draw_err("缓冲区大小不符".into()))?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| draw_err(e.to_string()))?;
    Ok(out.into_inner())
}

/// Renders pages to one PDF with the bundled font embedded (subset).
pub fn render_pdf(pages: &[Page]) -> Result<Vec<u8>> {
    use krilla::color::rgb;
    use krilla::geom::{PathBuilder, Point, Rect};
    use krilla::num::NormalizedF32;
    use krilla::page::PageSettings;
    use krilla::paint::Fill;
    use krilla::text::{Font, TextDirection};
    use krilla::Document;
    use std::sync::Arc;

    let pt = |mm: f32| mm * 72.0 / 25.4;
    let load = |bytes: &'static [u8]| {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(bytes);
        Font::new(data.into(), 0).ok_or_else(|| Error::invalid("内置字体无法载入 PDF"))
    };
    let regular = load(fonts::REGULAR)?;
    let bold = load(fonts::BOLD)?;
    let fill = |c: Rgb| Fill {
        paint: rgb::Color::new(c.0, c.1, c.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    };

    let mut document = Document::new();
    for page in pages {
        let settings = PageSettings::from_wh(pt(page.width), pt(page.height))
            .ok_or_else(|| Error::invalid("页面尺寸无效"))?;
        let mut p = document.start_page_with(settings);
        let mut surface = p.surface();
        for shape in &page.shapes {
            match shape {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill: c,
                } => {
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(pt(*x), pt(*y), pt(*w), pt(*h)) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(Some(fill(*c)));
                        surface.draw_path(&path);
                    }
                }
                Shape::Text {
                    x,
                    y,
                    size,
                    bold: is_bold,
                    fill: c,
                    text,
                } => {
                    surface.set_fill(Some(fill(*c)));
                    let font = if *is_bold {
                        bold.clone()
                    } else {
                        regular.clone()
                    };
                    surface.draw_text(
                        Point::from_xy(pt(*x), pt(*y)),
                        font,
                        pt(*size),
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Shape::Qr { x, y, side, matrix } => {
                    let unit = side / (matrix.width + 8) as f32;
                    let mut pb = PathBuilder::new();
                    for my in 0..matrix.width {
                        for mx in 0..matrix.width {
                            if matrix.is_dark(mx, my) {
                                let rx = x + (mx + 4) as f32 * unit;
                                let ry = y + (my + 4) as f32 * unit;
                                if let Some(r) = Rect::from_xywh(pt(rx), pt(ry), pt(unit), pt(unit))
                                {
                                    pb.push_rect(r);
                                }
                            }
                        }
                    }
                    if let Some(path) = pb.finish() {
                        surface.set_fill(Some(fill((0, 0, 0))));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        p.finish();
    }
    document
        .finish()
        .map_err(|e| Error::invalid(format!("生成 PDF 失败：{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn sample(demo: bool) -> CardData {
        CardData {
            name: "余杭梦想小镇".into(),
            code: "D-330110-001-X".into(),
            colour: Colour::Yellow,
            subtitle: "杭州市余杭区 · 数字经济 · 命名".into(),
            figures: vec![
                ("活力指数".into(), "78.4（第 12/116 名）".into()),
                ("总产出".into(), "152.3 亿元".into()),
                ("税收".into(), "12.1 亿元".into()),
                ("特色产业占比".into(), "62.0%".into()),
            ],
            reasons: vec!["特色产业占比低于 70%：特色产业占比 62.0%，低于 70.0%".into()],
            period: "2025".into(),
            issued: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            key_id: "ABCDEFGH".into(),
            payload: "TC1*D3301100019*余杭梦想小镇*2025*Y*78.4*12/116*2026-11-26*ABCDEFGH*XX"
                .into(),
            demo,
        }
    }

    #[test]
    fn every_text_fits_and_has_glyphs() {
        let ts = Typesetter::new();
        for paper in [Paper::A6, Paper::A4] {
            let page = card_page(&sample(true), paper).unwrap();
            let mut texts = 0;
            for s in &page.shapes {
                if let Shape::Text {
                    x,
                    size,
                    bold,
                    text,
                    y,
                    ..
                } = s
                {
                    texts += 1;
                    let w = ts.width(text, *size, *bold);
                    assert!(*x >= 0.0 && x + w <= page.width + 0.01, "{text} overflows");
                    assert!(*y <= page.height, "{text} below the page");
                    assert!(ts.metrics(*bold).covers(text), "no glyph in {text}");
                }
            }
            assert!(texts >= 10);
            assert!(page
                .shapes
                .iter()
                .any(|s| matches!(s, Shape::Text { text, .. } if text == "示例数据")));
        }
        let page = card_page(&sample(false), Paper::A6).unwrap();
        assert!(!page
            .shapes
            .iter()
            .any(|s| matches!(s, Shape::Text { text, .. } if text.contains("示例数据"))));
    }

    #[test]
    fn png_card_carries_a_readable_qr() {
        let card = sample(true);
        let png = render_png(&card_page(&card, Paper::A6).unwrap(), 200.0).unwrap();
        let img = image::load_from_memory(&png).unwrap();
        assert_eq!(qr::decode_image(&img).unwrap(), card.payload);
    }

    #[test]
    fn sheet_has_four_cards_per_page() {
        let cards: Vec<CardData> = (0..5).map(|_| sample(false)).collect();
        let pages = sheet_pages(&cards).unwrap();
        assert_eq!(pages.len(), 2);
        let qrs = pages[0]
            .shapes
            .iter()
            .filter(|s| matches!(s, Shape::Qr { .. }))
            .count();
        assert_eq!(qrs, 4);
        let pdf = render_pdf(&pages).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
    }
}

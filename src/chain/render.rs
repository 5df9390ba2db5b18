//! The panorama as a static image (PNG or SVG) for reports and the briefing deck, drawn with
//! plotters and the bundled font. Laid out first as plain shapes ([`layout`]: every label's box is
//! known, so tests can prove none is clipped or overlaps another), then drawn.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::analysis::{LinkStats, Panorama};
use crate::error::{Error, Result};
use crate::fonts::Metrics;
use crate::vocab::{self, Rgb};

pub const WIDTH: u32 = 1920;
pub const HEIGHT: u32 = 1200;
const MARGIN: f64 = 40.0;
const GAP: f64 = 24.0;
const TOP: f64 = 150.0;
const BOTTOM: f64 = 60.0;
const CHIP_H: f64 = 32.0;
const INK: Rgb = (34, 34, 34);
const DIM: Rgb = (96, 96, 96);
const LINE: Rgb = (200, 200, 200);
const LEADER: Rgb = (0xb8, 0x86, 0x0b);

/// A filled rectangle, optionally outlined.
#[derive(Debug, Clone)]
pub struct Block {
    pub rect: [f64; 4],
    pub fill: Rgb,
    pub stroke: Option<Rgb>,
}

/// One line of text and the box it occupies.
#[derive(Debug, Clone)]
pub struct Label {
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub bold: bool,
    pub colour: Rgb,
    /// x0, y0, x1, y1 of the text as drawn.
    pub rect: [f64; 4],
}

#[derive(Debug, Default)]
pub struct Layout {
    pub blocks: Vec<Block>,
    pub labels: Vec<Label>,
}

struct Measure {
    regular: Metrics,
    bold: Metrics,
}

impl Measure {
    fn width(&self, text: &str, size: f64, bold: bool) -> f64 {
        let m = if bold { &self.bold } else { &self.regular };
        // plotters' ab_glyph sizes are in line heights, the metrics in ems.
        m.width(text, size as f32 / m.line_height_ratio()) as f64
    }
}

impl Layout {
    /// Places `text` with its top-left corner at (x, y); returns its width.
    #[allow(clippy::too_many_arguments)]
    fn text(
        &mut self,
        m: &Measure,
        text: &str,
        x: f64,
        y: f64,
        size: f64,
        bold: bool,
        colour: Rgb,
    ) -> f64 {
        let w = m.width(text, size, bold);
        self.labels.push(Label {
            text: text.to_string(),
            x,
            y,
            size,
            bold,
            colour,
            rect: [x, y, x + w, y + size],
        });
        w
    }

    fn block(&mut self, rect: [f64; 4], fill: Rgb, stroke: Option<Rgb>) {
        self.blocks.push(Block { rect, fill, stroke });
    }
}

fn strength_colour(l: &LinkStats) -> Rgb {
    vocab::LINK_STRENGTHS
        .iter()
        .find(|s| s.code == l.strength_code)
        .and_then(|s| s.colour)
        .unwrap_or(DIM)
}

/// `c` laid over white at opacity `a`.
fn tint(c: Rgb, a: f64) -> Rgb {
    let mix = |v: u8| (v as f64 * a + 255.0 * (1.0 - a)).round() as u8;
    (mix(c.0), mix(c.1), mix(c.2))
}

fn yi(wan: f64) -> String {
    format!("{:.1} 亿元", wan / 1e4)
}

/// A sub-link chip: text, colour, row, x offset and width.
type Chip = (String, Rgb, usize, f64, f64);

/// Sub-link chips of a link, wrapped to `width`.
fn chips(m: &Measure, subs: &[&LinkStats], width: f64) -> Vec<Chip> {
    let mut out = Vec::new();
    let (mut row, mut x) = (0, 0.0);
    for s in subs {
        let text = format!("{} {}", s.name, s.figures.firms);
        let w = m.width(&text, 18.0, false) + 16.0;
        if x > 0.0 && x + w > width {
            row += 1;
            x = 0.0;
        }
        out.push((text, strength_colour(s), row, x, w));
        x += w + 6.0;
    }
    out
}

/// Where everything goes.
pub fn layout(p: &Panorama) -> Layout {
    let m = Measure {
        regular: Metrics::new(false),
        bold: Metrics::new(true),
    };
    let star = if m.regular.covers("★") {
        "★"
    } else {
        "（关键）"
    };
    let mut out = Layout::default();
    out.block(
        [0.0, 0.0, WIDTH as f64, HEIGHT as f64],
        (255, 255, 255),
        None,
    );
    let title = format!("{} 全景图 · {}", p.chain.name, p.scope.name);
    let tw = out.text(&m, &title, MARGIN, 24.0, 40.0, true, INK);
    if p.chain.is_demo {
        out.text(
            &m,
            "示例数据",
            MARGIN + tw + 20.0,
            34.0,
            26.0,
            true,
            (0xd6, 0x33, 0x2f),
        );
    }
    out.text(
        &m,
        &format!(
            "{} 家企业 · {} 个小镇 · 产出 {} · 税收 {} · 从业人员 {} 人",
            p.totals.firms,
            p.towns,
            yi(p.totals.output_wan_yuan),
            yi(p.totals.tax_wan_yuan),
            p.totals.employees
        ),
        MARGIN,
        76.0,
        20.0,
        false,
        DIM,
    );
    // Legend.
    let mut x = MARGIN;
    for s in vocab::LINK_STRENGTHS {
        let c = s.colour.unwrap_or(DIM);
        out.block([x, 113.0, x + 22.0, 131.0], c, None);
        x += 30.0 + out.text(&m, s.name, x + 30.0, 110.0, 20.0, false, INK) + 24.0;
    }
    x += out.text(&m, star, x, 110.0, 20.0, false, (0xe8, 0xa3, 0x17)) + 6.0;
    x += out.text(&m, "关键环节", x, 110.0, 20.0, false, INK) + 24.0;
    x += out.text(&m, "链主 n", x, 110.0, 20.0, true, LEADER) + 6.0;
    out.text(
        &m,
        "该环节的链主企业数；框高随产出",
        x,
        110.0,
        20.0,
        false,
        INK,
    );

    let col_w = (WIDTH as f64 - 2.0 * MARGIN - 2.0 * GAP) / 3.0;
    for (k, seg) in p.segments.iter().enumerate() {
        let x0 = MARGIN + k as f64 * (col_w + GAP);
        out.text(&m, seg.segment, x0, TOP, 28.0, true, INK);
        let head = format!(
            "{} 家 · {}",
            seg.figures.firms,
            yi(seg.figures.output_wan_yuan)
        );
        let hw = m.width(&head, 20.0, false);
        out.text(&m, &head, x0 + col_w - hw, TOP + 6.0, 20.0, false, DIM);
        out.block([x0, TOP + 34.0, x0 + col_w, TOP + 36.0], LINE, None);
        let tops: Vec<&LinkStats> = seg.links.iter().filter(|l| l.parent.is_none()).collect();
        let inner = col_w - 36.0;
        let laid: Vec<(&LinkStats, Vec<Chip>)> = tops
            .iter()
            .map(|l| {
                let subs: Vec<&LinkStats> = seg
                    .links
                    .iter()
                    .filter(|s| s.parent.as_deref() == Some(l.code.as_str()))
                    .collect();
                (*l, chips(&m, &subs, inner))
            })
            .collect();
        let needed: Vec<f64> = laid
            .iter()
            .map(|(_, c)| {
                let rows = c.iter().map(|c| c.2 + 1).max().unwrap_or(0);
                78.0 + rows as f64 * (CHIP_H + 6.0)
            })
            .collect();
        let avail = HEIGHT as f64 - BOTTOM - (TOP + 48.0) - 10.0 * laid.len() as f64;
        let extra = (avail - needed.iter().sum::<f64>()).max(0.0);
        let total: f64 = tops.iter().map(|l| l.figures.output_wan_yuan).sum();
        let mut y = TOP + 48.0;
        for ((l, chips), need) in laid.iter().zip(&needed) {
            let share = if total > 0.0 {
                l.figures.output_wan_yuan / total
            } else {
                1.0 / laid.len() as f64
            };
            let h = need + extra * share;
            let c = strength_colour(l);
            out.block([x0, y, x0 + col_w, y + h], tint(c, 0.10), Some(LINE));
            out.block([x0, y, x0 + 10.0, y + h], c, None);
            let nx = x0 + 22.0;
            let mut name = l.name.clone();
            if l.is_key {
                name.push_str(star);
            }
            out.text(&m, &name, nx, y + 10.0, 26.0, true, INK);
            if !l.chain_leaders.is_empty() {
                let tag = format!("链主 {}", l.chain_leaders.len());
                let w = m.width(&tag, 18.0, true);
                out.block(
                    [x0 + col_w - w - 24.0, y + 10.0, x0 + col_w - 8.0, y + 38.0],
                    LEADER,
                    None,
                );
                out.text(
                    &m,
                    &tag,
                    x0 + col_w - w - 16.0,
                    y + 15.0,
                    18.0,
                    true,
                    (255, 255, 255),
                );
            }
            let figs = format!(
                "{} · {} 家 · {} · {} 个小镇",
                l.strength,
                l.figures.firms,
                yi(l.figures.output_wan_yuan),
                l.towns
            );
            out.text(&m, &figs, nx, y + 46.0, 19.0, false, DIM);
            for (text, colour, row, cx, w) in chips {
                let cy = y + 78.0 + *row as f64 * (CHIP_H + 6.0);
                out.block([nx + cx, cy, nx + cx + w, cy + CHIP_H], *colour, None);
                out.text(
                    &m,
                    text,
                    nx + cx + 8.0,
                    cy + 7.0,
                    18.0,
                    false,
                    (255, 255, 255),
                );
            }
            y += h + 10.0;
        }
    }
    out.text(
        &m,
        "强弱：无企业为缺失；1 家或最大企业产出占比 ≥ 60% 为依赖单一企业；少于 3 家或产出不到末级环节平均的四分之一为薄弱。TownCockpit 特色小镇驾驶舱",
        MARGIN,
        HEIGHT as f64 - BOTTOM + 22.0,
        16.0,
        false,
        DIM,
    );
    out
}

/// Renders the panorama to `out`; the extension picks PNG or SVG.
pub fn render(p: &Panorama, out: &Path) -> Result<()> {
    crate::spatial::render::is_svg(out).and_then(|svg| {
        crate::fonts::register_plotters();
        let plan = layout(p);
        let fail =
            |e: String| Error::invalid(format!("绘制产业链全景图「{}」失败：{e}", out.display()));
        if svg {
            let root = SVGBackend::new(out, (WIDTH, HEIGHT)).into_drawing_area();
            draw(&plan, &root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        } else {
            let root = BitMapBackend::new(out, (WIDTH, HEIGHT)).into_drawing_area();
            draw(&plan, &root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
    })
}

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn draw<DB: DrawingBackend>(plan: &Layout, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    let px = |v: f64| v.round() as i32;
    let rgb = |c: Rgb| RGBColor(c.0, c.1, c.2);
    for b in &plan.blocks {
        let [x0, y0, x1, y1] = b.rect;
        root.draw(&Rectangle::new(
            [(px(x0), px(y0)), (px(x1), px(y1))],
            rgb(b.fill).filled(),
        ))?;
        if let Some(s) = b.stroke {
            root.draw(&Rectangle::new(
                [(px(x0), px(y0)), (px(x1), px(y1))],
                rgb(s).stroke_width(1),
            ))?;
        }
    }
    for l in &plan.labels {
        let style = FontDesc::new(
            FontFamily::Name(crate::fonts::FAMILY),
            l.size,
            if l.bold {
                FontStyle::Bold
            } else {
                FontStyle::Normal
            },
        );
        let mut style = TextStyle::from(style);
        style.color = rgb(l.colour).to_backend_color();
        root.draw_text(&l.text, &style, (px(l.x), px(l.y)))?;
    }
    Ok(())
}

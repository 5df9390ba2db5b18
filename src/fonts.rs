//! The bundled Chinese fonts (Noto Sans SC, OFL) for everything drawn in Rust: plotters charts
//! and cards, PDF exports. Embedded at compile time so output is the same on every machine and
//! nothing depends on system fonts.

use std::sync::Once;

use ab_glyph::{Font, FontRef};

pub static REGULAR: &[u8] = include_bytes!("../assets/fonts/NotoSansSC-Regular.ttf");
pub static BOLD: &[u8] = include_bytes!("../assets/fonts/NotoSansSC-Bold.ttf");

/// The family name under which [`register_plotters`] registers the fonts.
pub const FAMILY: &str = "sans-serif";

/// Registers both weights with plotters' ab_glyph backend (normal and bold style) once.
pub fn register_plotters() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::{register_font, FontStyle};
        // The bytes are the bundled fonts, which parse; a failure here is a build defect.
        assert!(
            register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok(),
            "bundled regular font"
        );
        assert!(
            register_font(FAMILY, FontStyle::Bold, BOLD).is_ok(),
            "bundled bold font"
        );
    });
}

/// Font metrics for layout in physical units, independent of the renderer.
pub struct Metrics {
    font: FontRef<'static>,
}

impl Metrics {
    pub fn new(bold: bool) -> Metrics {
        let bytes = if bold { BOLD } else { REGULAR };
        Metrics {
            font: FontRef::try_from_slice(bytes).expect("bundled font parses"),
        }
    }

    fn upem(&self) -> f32 {
        self.font.units_per_em().unwrap_or(1000.0)
    }

    /// Width of `text` at em size `size` (same unit out as in).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| self.font.h_advance_unscaled(self.font.glyph_id(c)))
            .sum();
        units * size / self.upem()
    }

    /// Left side bearing and advance of one character at em size `size`.
    pub fn horizontal(&self, c: char, size: f32) -> (f32, f32) {
        let id = self.font.glyph_id(c);
        let k = size / self.upem();
        (
            self.font.h_side_bearing_unscaled(id) * k,
            self.font.h_advance_unscaled(id) * k,
        )
    }

    /// Ascent minus descent as a multiple of the em size: plotters' ab_glyph backend takes its
    /// size in these units.
    pub fn line_height_ratio(&self) -> f32 {
        (self.font.ascent_unscaled() - self.font.descent_unscaled()) / self.upem()
    }

    /// True when the font has a glyph for every character of `text` (no tofu boxes).
    pub fn covers(&self, text: &str) -> bool {
        text.chars()
            .all(|c| c.is_whitespace() || self.font.glyph_id(c).0 != 0)
    }
}

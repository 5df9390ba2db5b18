//! 一图: the spatial core. Geodesic areas, control-line overlays, import validation, reading
//! user boundary files, display simplification and static map renders. Pure functions over
//! `geo` geometries in WGS84 longitude/latitude; nothing here knows about JSON transports.

pub mod area;
pub mod bundled;
pub mod check;
pub mod demo;
pub mod import;
pub mod io;
pub mod overlay;
pub mod render;
pub mod repo;
pub mod simplify;
pub mod validate;
pub mod view;

use serde::{Deserialize, Serialize};

/// The review number of the bundled boundary source and the disclaimer every map must show.
pub const REVIEW_NUMBER: &str = "审图号：GS(2024)0650号";
pub const DISCLAIMER: &str = "本图仅为示意，不作为行政区划界线的依据";

/// The three control lines of the guidance (三条控制线).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlKind {
    /// 生态保护红线: any overlap is a violation.
    Redline,
    /// 永久基本农田: any overlap is a violation.
    Farmland,
    /// 城镇开发边界: the part of a town *outside* it is the violation.
    Urban,
}

impl ControlKind {
    pub const ALL: [ControlKind; 3] = [
        ControlKind::Redline,
        ControlKind::Farmland,
        ControlKind::Urban,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ControlKind::Redline => "redline",
            ControlKind::Farmland => "farmland",
            ControlKind::Urban => "urban",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ControlKind::Redline => "生态保护红线",
            ControlKind::Farmland => "永久基本农田",
            ControlKind::Urban => "城镇开发边界",
        }
    }

    /// True when the violation is the part of a town outside the layer rather than inside it.
    pub fn violation_is_outside(self) -> bool {
        self == ControlKind::Urban
    }

    pub fn parse(s: &str) -> crate::Result<ControlKind> {
        ControlKind::ALL
            .into_iter()
            .find(|k| k.key() == s || k.label() == s)
            .ok_or_else(|| {
                crate::Error::invalid(format!(
                    "未知的控制线类型「{s}」，可选：redline（生态保护红线）、farmland（永久基本农田）、urban（城镇开发边界）"
                ))
            })
    }
}

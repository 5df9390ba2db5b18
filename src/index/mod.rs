//! 一指数: a generic composite-indicator engine at the level of the R package COINr and the
//! OECD/JRC handbook, with 熵权法 and AHP from Chinese practice.
//!
//! Any units, any indicators, any hierarchy depth, cross-sections or panels. One file per step,
//! in pipeline order: [`frame`] (data + structure), [`denominate`], [`impute`], [`screen`],
//! [`treat`], [`normalise`], [`weights`], [`aggregate`]; then [`diagnostics`] and
//! [`uncertainty`]. [`method`] is the TOML method file, [`pipeline`] runs the steps in order.
//! Pure: no store, no JSON transport.

pub mod aggregate;
pub mod denominate;
pub mod diagnostics;
pub mod frame;
pub mod impute;
pub mod method;
pub mod normalise;
pub mod pipeline;
pub mod screen;
pub mod stats;
pub mod treat;
pub mod uncertainty;
pub mod weights;

pub use frame::{Frame, Node, NodeKind, Rows, Structure};
pub use method::Method;
pub use pipeline::{compute, Outcome, Stage};
pub use uncertainty::{RankStats, UncertaintySpec};

//! TownCockpit core: the analytics, the store and the one command table that every front end
//! (CLI, desktop shell, HTTP server) calls. Nothing here knows about Tauri; HTTP lives only in
//! the `server` adapter over [`api`].

pub mod api;
pub mod chain;
#[cfg(feature = "cli")]
pub mod cli;
pub mod credit_code;
pub mod data;
pub mod demo;
pub mod error;
pub mod fonts;
pub mod heap;
pub mod index;
pub mod offload;
pub mod overview;
pub mod profile;
#[cfg(feature = "cli")]
pub mod server;
pub mod spatial;
pub mod store;
pub mod town_index;
pub mod town_index_explain;
pub mod towncode;
pub mod towns;
pub mod vocab;

pub use error::{Error, Result};

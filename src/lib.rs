//! TownCockpit core: the analytics, the store and the one command table that every front end
//! (CLI, desktop shell, HTTP server) calls. Nothing here knows about Tauri; HTTP lives only in
//! the `server` adapter over [`api`].

pub mod api;
pub mod cli;
pub mod error;
pub mod server;
pub mod store;

pub use error::{Error, Result};

//! The one command table behind every transport.
//!
//! The desktop shell (Tauri IPC) and the HTTP server (`towncockpit serve`) both call
//! [`dispatch`] with a command name and JSON arguments; neither holds any logic of its own.
//! Analytics live in their own modules and know nothing of JSON transports.

mod commands;
mod towncode;

use serde::Serialize;

pub use commands::{dispatch, CommandSpec, COMMANDS};

use crate::store::Store;

/// The facade every transport holds: the open store plus installation-level settings.
pub struct Cockpit {
    store: Store,
}

impl Cockpit {
    pub fn new(store: Store) -> Self {
        Cockpit { store }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

/// What a transport returns to the front end when a command fails: a stable kind for code and
/// a Chinese message for people.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: String,
    /// Technical detail for developers (may be English); never shown as the headline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    UnknownCommand,
    BadArguments,
    NotFound,
    Invalid,
    Store,
    Internal,
}

impl ApiError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ApiError {
            kind,
            message: message.into(),
            detail: None,
        }
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        use crate::Error as E;
        let kind = match &e {
            E::Invalid(_) => ErrorKind::Invalid,
            E::NotFound(_) => ErrorKind::NotFound,
            E::Store(_) | E::Db(_) | E::Migrate(_) => ErrorKind::Store,
            E::Io { .. } => ErrorKind::Internal,
        };
        ApiError::new(kind, e.to_string())
    }
}

//! The one command table behind every transport.
//!
//! The desktop shell (Tauri IPC) and the HTTP server (`towncockpit serve`) both call
//! [`dispatch`] with a command name and JSON arguments; neither holds any logic of its own.
//! Analytics live in their own modules and know nothing of JSON transports.

mod commands;
mod data;
mod towncode;

use serde::Serialize;

pub use commands::{dispatch, CommandSpec, COMMANDS};

use std::path::Path;

use crate::demo::{self, DemoOptions};
use crate::heap::Bursts;
use crate::store::{Opened, Store};

/// The facade every transport holds: the open store plus installation-level settings.
pub struct Cockpit {
    store: Store,
    bursts: Bursts,
}

impl Cockpit {
    pub fn new(store: Store) -> Self {
        Cockpit {
            bursts: Bursts::over(store.clone()),
            store,
        }
    }

    /// Opens the database at `path` (refusing a wrong, corrupt or newer file unchanged); a new
    /// database gets the demo province, with no question asked. The desktop shell, the server and
    /// the CLI all start here.
    pub async fn open(path: &Path) -> crate::Result<Cockpit> {
        let (store, opened) = Store::open(path).await?;
        if opened == Opened::Created {
            if let Err(e) = demo::load(&store, DemoOptions::default(), &()).await {
                // Leave no half-born database behind: the next start tries again.
                store.close().await;
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.as_os_str().to_owned();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                return Err(e);
            }
        }
        Ok(Cockpit::new(store))
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
    /// A request larger than its transport accepts (HTTP 413).
    TooLarge,
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

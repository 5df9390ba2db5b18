//! The core's error type. Every message is Simplified Chinese and says where and what, because it
//! reaches the user unchanged through the CLI, the desktop shell and the HTTP server.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input the user gave (a file, an argument, a code) that cannot be used; the message names
    /// the place (file, sheet, row, column) and the fault.
    #[error("{0}")]
    Invalid(String),
    /// Something asked for by name or code that the store does not hold.
    #[error("未找到：{0}")]
    NotFound(String),
    /// The database file itself is unusable (not SQLite, corrupt, newer schema). Nothing was written.
    #[error("{0}")]
    Store(String),
    #[error("数据库操作失败：{0}")]
    Db(#[from] sqlx::Error),
    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("读写文件「{path}」失败：{source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    pub fn not_found(msg: impl Into<String>) -> Self {
        Error::NotFound(msg.into())
    }

    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

//! The desktop shell: one window, one Tauri command. `call(name, args)` hands every request from
//! the front end to the core's command table ([`towncockpit::api::dispatch`]); the shell holds no
//! logic of its own.

use serde_json::Value;
use tauri::{Runtime, State};
use towncockpit::api::{dispatch, ApiError, Cockpit, ErrorKind};

/// What the window talks to: the open cockpit, or the Chinese reason it could not be opened (shown
/// by the front end's error state instead of a window that never appears).
pub struct Shell {
    cockpit: Result<Cockpit, ApiError>,
}

impl Shell {
    pub fn new(cockpit: Result<Cockpit, ApiError>) -> Self {
        Shell { cockpit }
    }
}

/// The only command the front end may invoke.
#[tauri::command]
async fn call(
    shell: State<'_, Shell>,
    name: String,
    args: Option<Value>,
) -> Result<Value, ApiError> {
    match &shell.cockpit {
        Ok(cockpit) => dispatch(cockpit, &name, args.unwrap_or(Value::Null)).await,
        Err(e) => Err(e.clone()),
    }
}

/// Registers the shell's command handler on a builder (the real runtime, or the mock one in tests).
pub fn register<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![call])
}

/// The database the desktop app uses: `$TOWNCOCKPIT_DB` if set, else the per-user data directory.
pub fn db_path() -> std::path::PathBuf {
    std::env::var_os("TOWNCOCKPIT_DB")
        .map(Into::into)
        .unwrap_or_else(towncockpit::store::default_db_path)
}

/// Opens the cockpit (creating it and loading the demo province on first start).
pub async fn open_cockpit(path: &std::path::Path) -> Result<Cockpit, ApiError> {
    Cockpit::open(path).await.map_err(ApiError::from)
}

pub fn run() {
    let path = db_path();
    let cockpit = tauri::async_runtime::block_on(open_cockpit(&path)).map_err(|e| {
        eprintln!("错误：无法打开数据库「{}」：{e}", path.display());
        ApiError {
            kind: ErrorKind::Store,
            message: format!("无法打开数据库「{}」：{}", path.display(), e.message),
            detail: e.detail,
        }
    });
    register(tauri::Builder::default())
        .manage(Shell::new(cockpit))
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("错误：驾驶舱窗口无法启动：{e}");
            std::process::exit(1);
        });
}

//! The desktop shell: one window, one Tauri command. `call(name, args)` hands every request from
//! the front end to the core's command table ([`towncockpit::api::dispatch`]); the shell holds no
//! logic of its own.

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tauri::{Runtime, State};
use tokio::sync::OnceCell;
use towncockpit::api::{dispatch, ApiError, Cockpit, ErrorKind};

/// What the window talks to: the cockpit over the database at `path`, opened once — by the first
/// call or by the start-up task, whichever comes first — or the Chinese reason it could not be
/// opened (shown by the front end's error state instead of a window that never appears).
#[derive(Clone)]
pub struct Shell {
    path: PathBuf,
    cockpit: Arc<OnceCell<Result<Cockpit, ApiError>>>,
}

impl Shell {
    pub fn new(path: PathBuf) -> Self {
        Shell {
            path,
            cockpit: Arc::new(OnceCell::new()),
        }
    }

    async fn cockpit(&self) -> &Result<Cockpit, ApiError> {
        self.cockpit
            .get_or_init(|| {
                // Opening may generate the demo province, whose future is not `Send`: it runs on a
                // blocking thread, driven by the app's runtime so the pool's tasks outlive it.
                let path = self.path.clone();
                async move {
                    tauri::async_runtime::spawn_blocking(move || {
                        tauri::async_runtime::block_on(open_cockpit(&path))
                    })
                    .await
                    .unwrap_or_else(|e| {
                        Err(ApiError {
                            kind: ErrorKind::Store,
                            message: format!("打开数据库的任务意外中止：{e}"),
                            detail: None,
                        })
                    })
                }
            })
            .await
    }
}

/// The only command the front end may invoke.
#[tauri::command]
async fn call(
    shell: State<'_, Shell>,
    name: String,
    args: Option<Value>,
) -> Result<Value, ApiError> {
    match shell.cockpit().await {
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

/// WebKitGTK draws the page without accelerated compositing unless the user says otherwise: the
/// cockpit is 2D canvases and text, and the GL compositor (a software one on office PCs without a
/// usable GPU) cost the web process about 160 MB of memory and is the known cause of blank windows
/// on some GPU drivers. Set before GTK starts, so the web process inherits it.
///
/// The web process also runs JavaScriptCore without its optimising DFG (and so FTL) tier unless the
/// user sets `JSC_useDFGJIT`: the screens' scripts are short-lived UI code that the baseline JIT
/// serves as fast (start time measured unchanged), and the DFG tier cost the web process about 20 MB.
fn configure_web_process() {
    #[cfg(target_os = "linux")]
    for (name, value) in [
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("JSC_useDFGJIT", "0"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

/// Opens the cockpit (creating it and loading the demo province on first start).
pub async fn open_cockpit(path: &std::path::Path) -> Result<Cockpit, ApiError> {
    Cockpit::open(path)
        .await
        .map_err(ApiError::from)
        .map_err(|e| {
            eprintln!("错误：无法打开数据库「{}」：{e}", path.display());
            ApiError {
                kind: ErrorKind::Store,
                message: format!("无法打开数据库「{}」：{}", path.display(), e.message),
                detail: e.detail,
            }
        })
}

pub fn run() {
    configure_web_process();
    let shell = Shell::new(db_path());
    let opening = shell.clone();
    register(tauri::Builder::default())
        .manage(shell)
        .setup(move |_app| {
            // The database opens (and on first start fills with the demo province) while the
            // window and its web process start, instead of before them.
            tauri::async_runtime::spawn(async move {
                opening.cockpit().await;
            });
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("错误：驾驶舱窗口无法启动：{e}");
            std::process::exit(1);
        });
}

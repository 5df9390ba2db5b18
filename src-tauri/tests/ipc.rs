//! The desktop shell's command handler under Tauri's mock runtime: every command in the core's table
//! is reachable through `call` and answers exactly what `dispatch` answers; bad arguments, unknown
//! commands and an unusable database come back as Chinese `ApiError`s.

use serde_json::{json, Value};
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};
use towncockpit::api::{dispatch, Cockpit, ErrorKind, COMMANDS};
use towncockpit_desktop::{open_cockpit, register, Shell};

fn app(shell: Shell) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = register(mock_builder())
        .manage(shell)
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("mock window");
    (app, window)
}

/// Invokes `call` the way the front end's `invoke('call', {name, args})` does.
fn call(window: &WebviewWindow<MockRuntime>, name: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: "call".into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            // The desktop origin on Linux; `http://tauri.localhost` counts as remote and is ACL-checked.
            url: "tauri://localhost".parse().unwrap(),
            body: json!({ "name": name, "args": args }).into(),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("JSON response"))
}

fn open(dir: &std::path::Path, file: &str) -> Cockpit {
    tauri::async_runtime::block_on(open_cockpit(&dir.join(file))).expect("cockpit opens")
}

#[test]
fn every_command_answers_through_the_shell_exactly_as_dispatch_does() {
    let dir = tempfile::tempdir().unwrap();
    // The shell opens the file on its first call; a second connection to the same file (created
    // here first) must get answers that match to the byte, timestamps included.
    let direct = open(dir.path(), "shell.sqlite");
    let (_app, window) = app(Shell::new(dir.path().join("shell.sqlite")));
    assert!(!COMMANDS.is_empty());
    for spec in COMMANDS {
        let through_shell = call(&window, spec.name, json!({}));
        if spec.name == "data_version" {
            // SQLite's data version is a counter of each connection: two connections' differ.
            assert!(through_shell.expect("data_version")["version"].is_i64());
            continue;
        }
        match tauri::async_runtime::block_on(dispatch(&direct, spec.name, json!({}))) {
            Ok(expected) => assert_eq!(through_shell, Ok(expected), "command {}", spec.name),
            Err(e) => {
                assert_ne!(
                    e.kind,
                    ErrorKind::UnknownCommand,
                    "command {} not in the table",
                    spec.name
                );
                let got = through_shell.expect_err(spec.name);
                assert_eq!(got["message"], json!(e.message), "command {}", spec.name);
            }
        }
    }
    // Arguments may also be left out entirely.
    let listed = call(&window, "commands", Value::Null).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), COMMANDS.len());
}

#[test]
fn bad_calls_get_chinese_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app(Shell::new(dir.path().join("shell.sqlite")));

    let e = call(&window, "no_such_command", json!({})).unwrap_err();
    assert_eq!(e["kind"], "unknown_command");
    assert_eq!(e["message"], "未知命令「no_such_command」");

    let e = call(&window, "commands", json!({ "bogus": true })).unwrap_err();
    assert_eq!(e["kind"], "bad_arguments");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("命令「commands」的参数"),
        "{e}"
    );

    let e = call(&window, "commands", json!([1, 2])).unwrap_err();
    assert_eq!(e["kind"], "bad_arguments");
}

#[test]
fn an_unusable_database_is_reported_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("not-a-db.sqlite");
    std::fs::write(&bad, "这不是数据库".repeat(20)).unwrap();
    let opened = tauri::async_runtime::block_on(open_cockpit(&bad));
    let err = opened
        .as_ref()
        .err()
        .cloned()
        .expect("a text file is refused");
    assert_eq!(err.kind, ErrorKind::Store);
    let (_app, window) = app(Shell::new(bad.clone()));
    let e = call(&window, "commands", json!({})).unwrap_err();
    assert_eq!(e["kind"], "store");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("不是 SQLite 数据库文件"),
        "{e}"
    );
    // The file was left exactly as it was.
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "这不是数据库".repeat(20)
    );
}

//! The command table: every command any front end may call, by name, with its handler.
//!
//! Handlers take typed arguments (deserialised from JSON, with a Chinese error naming the bad
//! field) and return anything serialisable. Add a command with one `command!` line.

use futures::future::BoxFuture;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_json::Value;

use super::{ApiError, Cockpit, ErrorKind};

type Handler = for<'a> fn(&'a Cockpit, Value) -> BoxFuture<'a, Result<Value, ApiError>>;

/// One entry of the table.
pub struct CommandSpec {
    pub name: &'static str,
    /// One line in Chinese: what the command returns.
    pub summary: &'static str,
    handler: Handler,
}

/// Turns an async `fn(&Cockpit, Args) -> crate::Result<T>` into a table entry.
macro_rules! command {
    ($name:literal, $summary:literal, $f:path) => {
        CommandSpec {
            name: $name,
            summary: $summary,
            handler: |cockpit, args| {
                Box::pin(async move {
                    let args = parse_args($name, args)?;
                    let out = $f(cockpit, args).await?;
                    to_json(out)
                })
            },
        }
    };
}

pub static COMMANDS: &[CommandSpec] = &[command!(
    "commands",
    "列出全部可调用的命令",
    list_commands
)];

/// Runs the command `name` with JSON `args` (`null` or `{}` when it takes none).
pub async fn dispatch(cockpit: &Cockpit, name: &str, args: Value) -> Result<Value, ApiError> {
    let spec = COMMANDS.iter().find(|c| c.name == name).ok_or_else(|| {
        ApiError::new(ErrorKind::UnknownCommand, format!("未知命令「{name}」"))
    })?;
    (spec.handler)(cockpit, args).await
}

fn parse_args<A: DeserializeOwned>(command: &str, args: Value) -> Result<A, ApiError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    serde_path_to_error::deserialize(args).map_err(|e| {
        let path = e.path().to_string();
        let place = if path == "." {
            String::new()
        } else {
            format!("中的「{path}」")
        };
        ApiError {
            kind: ErrorKind::BadArguments,
            message: format!("命令「{command}」的参数{place}有误"),
            detail: Some(e.inner().to_string()),
        }
    })
}

fn to_json<T: Serialize>(value: T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| ApiError {
        kind: ErrorKind::Internal,
        message: "结果无法序列化".into(),
        detail: Some(e.to_string()),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

#[derive(Serialize)]
struct CommandInfo {
    name: &'static str,
    summary: &'static str,
}

async fn list_commands(_: &Cockpit, _: NoArgs) -> crate::Result<Vec<CommandInfo>> {
    Ok(COMMANDS
        .iter()
        .map(|c| CommandInfo {
            name: c.name,
            summary: c.summary,
        })
        .collect())
}

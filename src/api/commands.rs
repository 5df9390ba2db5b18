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

pub static COMMANDS: &[CommandSpec] = &[
    command!("commands", "列出全部可调用的命令", list_commands),
    command!(
        "overview",
        "驾驶舱总览：某年某范围（全省/设区市/县）的目标完成、分市分类、排名与趋势",
        overview
    ),
    command!("scopes", "可选范围：全省、设区市及其县（市、区）", scopes),
    command!(
        "towns",
        "小镇清单（可按范围、阶段或状态、类别筛选）",
        towns_list
    ),
    command!(
        "town",
        "单个小镇的档案：生命周期、指标序列、企业、产业链环节、投资",
        town
    ),
];

/// Runs the command `name` with JSON `args` (`null` or `{}` when it takes none).
pub async fn dispatch(cockpit: &Cockpit, name: &str, args: Value) -> Result<Value, ApiError> {
    let spec = COMMANDS
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| ApiError::new(ErrorKind::UnknownCommand, format!("未知命令「{name}」")))?;
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

async fn overview(
    cockpit: &Cockpit,
    args: crate::overview::OverviewArgs,
) -> crate::Result<crate::overview::Overview> {
    crate::overview::overview(cockpit.store(), args).await
}

async fn scopes(cockpit: &Cockpit, _: NoArgs) -> crate::Result<crate::towns::Scopes> {
    crate::towns::scopes(cockpit.store()).await
}

async fn towns_list(
    cockpit: &Cockpit,
    filter: crate::towns::TownFilter,
) -> crate::Result<crate::towns::TownList> {
    crate::towns::list(cockpit.store(), filter).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TownArgs {
    /// The town's id, or its name (or a part only one town's name has).
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: Option<String>,
}

async fn town(cockpit: &Cockpit, args: TownArgs) -> crate::Result<crate::towns::TownProfile> {
    let key = match (args.id, args.name) {
        (Some(id), _) => id.to_string(),
        (None, Some(name)) => name,
        (None, None) => {
            return Err(crate::Error::invalid(
                "命令「town」需要参数 id（小镇编号）或 name（小镇名称）",
            ))
        }
    };
    crate::towns::profile(cockpit.store(), &key).await
}

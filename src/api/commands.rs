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
    /// The largest arguments it takes, in MiB of JSON: room for a photo where a command takes a
    /// file as base64 (a 5–10 MB phone photo is a third larger so), small arguments elsewhere.
    /// A transport that receives bodies (the HTTP server) refuses larger ones unread.
    pub max_args_mib: usize,
    handler: Handler,
}

/// Arguments of an ordinary command: names, codes, numbers.
const SMALL_ARGS_MIB: usize = 1;
/// Arguments that carry a file as base64.
const FILE_ARGS_MIB: usize = 32;

/// Turns an async `fn(&Cockpit, Args) -> crate::Result<T>` into a table entry; `file` after the
/// handler marks a command whose arguments carry a file.
macro_rules! command {
    ($name:literal, $summary:literal, $f:path) => {
        command!(@spec $name, $summary, $f, SMALL_ARGS_MIB)
    };
    ($name:literal, $summary:literal, $f:path, file) => {
        command!(@spec $name, $summary, $f, FILE_ARGS_MIB)
    };
    (@spec $name:literal, $summary:literal, $f:path, $mib:expr) => {
        CommandSpec {
            name: $name,
            summary: $summary,
            max_args_mib: $mib,
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
        "data_version",
        "数据版本：任何写入（导入、保存、签发）后都会变化，界面据此丢弃过期的缓存",
        data_version
    ),
    command!(
        "overview",
        "驾驶舱总览：某年某范围（全省/设区市/县）的目标完成、分市分类、排名与趋势",
        overview
    ),
    command!("scopes", "可选范围：全省、设区市及其县（市、区）", scopes),
    command!(
        "vocabularies",
        "固定词表：主导产业类别、创建阶段、清单状态、小镇码颜色（代码、名称、显示颜色）",
        vocabularies
    ),
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
    command!(
        "map_geo",
        "一图：某范围（全省/设区市/县）的行政区划边界（内置，已为显示简化）与下钻路径",
        map_geo
    ),
    command!(
        "map_towns",
        "一图：某范围内的小镇位置与四至范围，及类别、阶段、产出与空间底线检查结果",
        map_towns
    ),
    command!(
        "map_check",
        "空间底线检查：每个小镇的面积、与三条控制线的重叠面积和占比、相互重叠",
        map_check
    ),
    command!(
        "code_list",
        "全部小镇的小镇码和颜色，各颜色数量；可按颜色筛选",
        super::towncode::code_list
    ),
    command!(
        "code_show",
        "一个小镇的小镇码、颜色、原因、关键数据和签名二维码内容",
        super::towncode::code_show
    ),
    command!(
        "code_verify",
        "核验小镇码（二维码文字或图片）：真实有效、签名不符、签发方未知或已过期",
        super::towncode::code_verify,
        file
    ),
    command!(
        "code_search",
        "按名称、拼音首字母或小镇码搜索小镇",
        super::towncode::code_search
    ),
    command!(
        "code_card",
        "一个小镇的小镇码卡片图片（PNG，base64；A6 或 A4）",
        super::towncode::code_card
    ),
    command!(
        "code_verify_image",
        "核验上传的卡片照片或截图（base64）中的小镇码",
        super::towncode::code_verify_image,
        file
    ),
    command!(
        "code_export",
        "把一个小镇或全部小镇的卡片（PNG/PDF）导出到下载文件夹，返回文件路径",
        super::towncode::code_export
    ),
    command!(
        "code_key_export",
        "导出本机签发公钥（文本，并存入下载文件夹），供其他单位导入后核验",
        super::towncode::code_key_export
    ),
    command!(
        "code_key_import",
        "导入其他单位导出的签发公钥，此后可核验其签发的小镇码",
        super::towncode::code_key_import
    ),
    command!(
        "code_keys",
        "本机信任的签发公钥：本机密钥和已导入的密钥",
        super::towncode::code_keys
    ),
    command!(
        "data_kinds",
        "可导入导出的数据种类（英文名与中文名）",
        super::data::data_kinds
    ),
    command!(
        "data_import",
        "导入上传的 Excel/CSV 文件（base64）：先整体校验，试运行只报告新增、修改和拒绝；有误则整个文件不导入",
        super::data::data_import,
        file
    ),
    command!(
        "data_undo",
        "撤销一个导入批次：删除其新增的行，恢复其修改的行",
        super::data::data_undo
    ),
    command!(
        "data_batches",
        "导入批次记录：文件、SHA-256、时间、新增/修改/不变行数、是否已撤销",
        super::data::data_batches
    ),
    command!(
        "data_template",
        "把某种数据的 Excel 填报模板存入下载文件夹，返回文件路径",
        super::data::data_template
    ),
    command!(
        "data_export",
        "把某种数据导出为 .xlsx 或 .csv（含单位和数据截至日期）存入下载文件夹，返回文件路径",
        super::data::data_export
    ),
    command!(
        "index_towns",
        "特色小镇活力指数排名：某年各小镇的指数、七个维度得分、名次变化（可附排名区间）",
        index_towns
    ),
    command!(
        "index_town",
        "单个小镇的活力指数：各维度雷达（对比全省中位数）、历年指数与名次",
        index_town
    ),
    command!(
        "index_methodology",
        "活力指数的方法版本：指标体系、权重、计算方法与说明",
        index_methodology
    ),
    command!(
        "index_recompute",
        "按调整后的权重或 AHP 判断矩阵重算活力指数，可另存为新的方法版本",
        index_recompute
    ),
    command!(
        "index_uncertainty",
        "活力指数的不确定性分析（蒙特卡洛，固定种子）：某年各小镇的名义名次及中位、5%、95% 名次",
        index_uncertainty
    ),
    command!(
        "index_diagnostics",
        "活力指数的统计诊断：某年各指标的可得率、偏度、峰度、异常值，相关系数与克隆巴赫 α 系数",
        index_diagnostics
    ),
];

/// Runs the command `name` with JSON `args` (`null` or `{}` when it takes none). The last command
/// of a burst hands the heap's free pages back as it ends ([`crate::heap`]).
pub async fn dispatch(cockpit: &Cockpit, name: &str, args: Value) -> Result<Value, ApiError> {
    let spec = COMMANDS
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| ApiError::new(ErrorKind::UnknownCommand, format!("未知命令「{name}」")))?;
    let _in_flight = cockpit.bursts.enter();
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
pub(super) struct NoArgs {}

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

#[derive(Serialize)]
struct DataVersion {
    version: i64,
}

async fn data_version(cockpit: &Cockpit, _: NoArgs) -> crate::Result<DataVersion> {
    let version = cockpit.store().snapshot().await?.version();
    Ok(DataVersion { version })
}

async fn vocabularies(_: &Cockpit, _: NoArgs) -> crate::Result<crate::vocab::Vocabularies> {
    Ok(crate::vocab::ALL)
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

async fn index_towns(
    cockpit: &Cockpit,
    args: crate::town_index::RankingArgs,
) -> crate::Result<crate::town_index::Ranking> {
    crate::town_index::ranking(cockpit.store(), args).await
}

async fn index_town(
    cockpit: &Cockpit,
    args: crate::town_index::TownArgs,
) -> crate::Result<crate::town_index::TownIndex> {
    crate::town_index::town(cockpit.store(), args).await
}

async fn index_methodology(
    cockpit: &Cockpit,
    args: crate::town_index::MethodologyArgs,
) -> crate::Result<crate::town_index::MethodologyView> {
    crate::town_index::methodology_view(cockpit.store(), args).await
}

async fn index_recompute(
    cockpit: &Cockpit,
    args: crate::town_index::RecomputeArgs,
) -> crate::Result<crate::town_index::Recomputed> {
    crate::town_index::recompute(cockpit.store(), args).await
}

async fn index_uncertainty(
    cockpit: &Cockpit,
    args: crate::town_index_explain::UncertaintyArgs,
) -> crate::Result<crate::town_index_explain::Uncertainty> {
    crate::town_index_explain::uncertainty(cockpit.store(), args).await
}

async fn index_diagnostics(
    cockpit: &Cockpit,
    args: crate::town_index_explain::DiagnosticsArgs,
) -> crate::Result<crate::town_index_explain::IndexDiagnostics> {
    crate::town_index_explain::diagnostics(cockpit.store(), args).await
}

async fn map_geo(
    cockpit: &Cockpit,
    args: crate::spatial::view::GeoArgs,
) -> crate::Result<crate::spatial::view::MapGeo> {
    crate::spatial::view::map_geo(cockpit.store(), args).await
}

async fn map_towns(
    cockpit: &Cockpit,
    args: crate::spatial::view::TownsArgs,
) -> crate::Result<crate::spatial::view::MapTowns> {
    crate::spatial::view::map_towns(cockpit.store(), args).await
}

async fn map_check(
    cockpit: &Cockpit,
    args: crate::spatial::view::CheckArgs,
) -> crate::Result<crate::spatial::check::CheckReport> {
    crate::spatial::view::map_check(cockpit.store(), args).await
}

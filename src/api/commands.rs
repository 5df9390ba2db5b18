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
        "town_profile",
        "小镇档案：身份与小镇码、生命周期、四至、主导产业与产业链环节、最新一期关键指标（对比目标及同类别、同县中位数）、各季度序列、活力指数、重点企业与项目、预警",
        town_profile
    ),
    command!(
        "town_rank_interval",
        "小镇活力指数的名次区间（5%–95%，蒙特卡洛 300 次，固定种子）",
        town_rank_interval
    ),
    command!(
        "town_attach",
        "为小镇附加照片（JPEG/PNG，生成显示用缩图）或文档（base64），存于数据目录",
        town_attach,
        file
    ),
    command!(
        "media_image",
        "一张已附加照片的显示用图片（JPEG，base64）；文件缺失或损坏时说明原因",
        media_image
    ),
    command!(
        "cases",
        "典型案例列表：可按关键词（标题、正文、标签）、标签、小镇筛选",
        cases_list
    ),
    command!("case_show", "一个典型案例：正文、标签、照片", case_show),
    command!(
        "case_add",
        "新增典型案例（标题、正文、日期、标签、所属小镇、照片 base64）",
        case_add,
        file
    ),
    command!(
        "town_search",
        "全局搜索小镇：名称、拼音首字母、小镇码或县（市、区）",
        town_search
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
    command!("chain_list", "产业链清单：各链的代码、名称、类别、环节数和企业数", chain_list),
    command!(
        "chain_show",
        "产业链全景图：某范围内按上游/中游/下游分组的各环节企业数、产出、税收、从业人员、重点企业、所在小镇、集中度与强弱，链主的上下游，可突出一个小镇的环节",
        chain_show
    ),
    command!(
        "chain_gaps",
        "产业链缺口：某范围内缺失、薄弱或依赖单一企业的环节，发现规则、补链/强链/延链建议和范围外的招商线索",
        chain_gaps
    ),
    command!(
        "chain_link",
        "产业链的一个环节：某范围内这一环节的全部企业（含荣誉与数据）和所在小镇",
        chain_link
    ),
    command!(
        "chain_export_image",
        "把产业链全景图（PNG 或 SVG）导出到下载文件夹，返回文件路径",
        chain_export_image
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TownProfileArgs {
    /// Id, name (or a part only one town's name has) or town code.
    town: String,
}

async fn town_profile(
    cockpit: &Cockpit,
    args: TownProfileArgs,
) -> crate::Result<crate::profile::Profile> {
    crate::profile::profile(cockpit.store(), &args.town).await
}

async fn town_rank_interval(
    cockpit: &Cockpit,
    args: TownProfileArgs,
) -> crate::Result<crate::profile::RankInterval> {
    crate::profile::rank_interval(cockpit.store(), &args.town).await
}

/// A file carried as base64.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileArg {
    file_name: String,
    base64: String,
}

impl FileArg {
    fn decode(self) -> crate::Result<(String, Vec<u8>)> {
        let bytes = data_encoding::BASE64
            .decode(self.base64.trim().as_bytes())
            .map_err(|e| {
                crate::Error::invalid(format!("文件「{}」的 base64 内容有误：{e}", self.file_name))
            })?;
        Ok((self.file_name, bytes))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachArgs {
    town: String,
    file: FileArg,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

#[derive(Serialize)]
struct Added {
    id: i64,
}

async fn town_attach(cockpit: &Cockpit, args: AttachArgs) -> crate::Result<Added> {
    let town = crate::profile::search::resolve(cockpit.store(), &args.town).await?;
    let (name, bytes) = args.file.decode()?;
    let id = crate::profile::media::attach(
        cockpit.store(),
        town.id,
        crate::profile::media::NewMedia {
            file_name: &name,
            bytes,
            caption: args.caption,
            taken_on: args.date,
        },
        &crate::store::actor("town_attach"),
    )
    .await?;
    Ok(Added { id })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdArgs {
    id: i64,
}

/// A photo's display copy as the screens take it (the core hands over bytes; base64 is the
/// transports' concern, as for the code card).
#[derive(Serialize)]
struct MediaImage {
    id: i64,
    mime: &'static str,
    base64: String,
}

async fn media_image(cockpit: &Cockpit, args: IdArgs) -> crate::Result<MediaImage> {
    let bytes = crate::profile::media::image(cockpit.store(), args.id).await?;
    Ok(MediaImage {
        id: args.id,
        mime: "image/jpeg",
        base64: data_encoding::BASE64.encode(&bytes),
    })
}

async fn cases_list(
    cockpit: &Cockpit,
    filter: crate::profile::cases::CaseFilter,
) -> crate::Result<Vec<crate::profile::cases::CaseSummary>> {
    crate::profile::cases::list(cockpit.store(), &filter).await
}

async fn case_show(cockpit: &Cockpit, args: IdArgs) -> crate::Result<crate::profile::cases::Case> {
    crate::profile::cases::show(cockpit.store(), args.id).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseAddArgs {
    title: String,
    text: String,
    date: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    town: Option<String>,
    #[serde(default)]
    photos: Vec<FileArg>,
}

async fn case_add(cockpit: &Cockpit, args: CaseAddArgs) -> crate::Result<Added> {
    let store = cockpit.store();
    let town_id = match &args.town {
        Some(t) => Some(crate::profile::search::resolve(store, t).await?.id),
        None => None,
    };
    let photos = args
        .photos
        .into_iter()
        .map(FileArg::decode)
        .collect::<crate::Result<Vec<_>>>()?;
    let id = crate::profile::cases::add(
        store,
        crate::profile::cases::NewCase {
            title: args.title,
            body: args.text,
            date: args.date,
            tags: args.tags,
            town_id,
            photos,
        },
        &crate::store::actor("case_add"),
    )
    .await?;
    Ok(Added { id })
}

async fn town_search(
    cockpit: &Cockpit,
    args: crate::profile::search::SearchArgs,
) -> crate::Result<Vec<crate::profile::search::Hit>> {
    crate::profile::search::search(cockpit.store(), args).await
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

async fn chain_list(
    cockpit: &Cockpit,
    _: NoArgs,
) -> crate::Result<Vec<crate::chain::repo::ChainSummary>> {
    crate::chain::list(cockpit.store()).await
}

async fn chain_show(
    cockpit: &Cockpit,
    args: crate::chain::ChainArgs,
) -> crate::Result<crate::chain::analysis::Panorama> {
    crate::chain::show(cockpit.store(), args).await
}

async fn chain_gaps(
    cockpit: &Cockpit,
    args: crate::chain::ChainArgs,
) -> crate::Result<crate::chain::analysis::Gaps> {
    crate::chain::gaps(cockpit.store(), args).await
}

async fn chain_link(
    cockpit: &Cockpit,
    args: crate::chain::LinkArgs,
) -> crate::Result<crate::chain::analysis::LinkDetail> {
    crate::chain::link(cockpit.store(), args).await
}

async fn chain_export_image(
    cockpit: &Cockpit,
    args: crate::chain::ImageArgs,
) -> crate::Result<crate::chain::ExportedImage> {
    crate::chain::export_image(cockpit.store(), args).await
}

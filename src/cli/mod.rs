//! The `towncockpit` command line: Chinese tables for people, `--json` for machines.
//! Each subcommand lives in its own file and calls the core; none holds analytics of its own.

mod chain;
mod code;
mod data;
mod db;
mod demo;
mod index;
mod map;
mod overview;
mod profile;
mod serve;
mod table;
mod towns;

use std::path::PathBuf;

use clap::error::{ContextKind, ErrorKind};
use clap::{Arg, ArgAction, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::api::Cockpit;
use crate::error::Result;
use crate::store::default_db_path;

#[derive(Debug, Parser)]
#[command(
    name = "towncockpit",
    version,
    about = "特色小镇驾驶舱：浙江省特色小镇的离线驾驶舱（一图一码一指数）",
    long_about = None
)]
pub struct Cli {
    /// 数据库文件路径（默认位于本机用户数据目录；首次使用自动载入示例数据）
    #[arg(long, global = true, env = "TOWNCOCKPIT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 驾驶舱总览：目标完成、分市分类、排名与趋势
    Overview(overview::OverviewCmd),
    /// 小镇清单
    Towns(towns::TownsCmd),
    /// 小镇档案：关键指标对比目标与同类、季度序列、活力指数、重点企业与项目、预警
    Town(profile::TownCmd),
    /// 全局搜索小镇：名称、拼音首字母、小镇码或县（市、区）
    Search(profile::SearchCmd),
    /// 典型案例：新增、列表、查看
    Case(profile::CaseArgs),
    /// 一图：空间底线检查、导入边界与控制线、绘制静态地图
    Map(map::MapCmd),
    /// 生成并载入示例数据（示例省份）
    Demo(demo::DemoCmd),
    /// 数据库：路径、完整性检查、在线备份
    Db(db::DbArgs),
    /// 小镇码（一码）：查看、卡片、拼版、核验、签发密钥
    Code(code::CodeArgs),
    /// 一指数：综合指数计算（COINr 格式的数据与结构文件）、不确定性分析
    Index(index::IndexArgs),
    /// 浏览器模式：在本机启动驾驶舱网页服务（含访问令牌）
    Serve(serve::ServeArgs),
    /// 产业链全景图：环节、企业、链主、缺口与招商线索；定义文件的导入导出
    Chain(chain::ChainCmd),
    /// 生成某种数据的 Excel 填报模板（towns/indicators/enterprises）
    Template(data::TemplateCmd),
    /// 导入 Excel/CSV 数据（先整体校验，有误则不导入）；import undo 批次号 撤销；import batches 列出批次
    Import(data::ImportCmd),
    /// 导出某种数据为 .xlsx 或 .csv（含单位和数据截至日期）
    Export(data::ExportCmd),
    /// 省级平台交换包（zip：CSV + manifest.json）：export 导出，import 校验后整体导入
    Package(data::PackageCmd),
}

/// What parsing the command line gave: a command to run, or text to print and an exit code.
pub enum Parsed {
    Run(Cli),
    /// Help or version text (exit 0), or a Chinese usage error (exit 2).
    Exit(String, u8),
}

impl Cli {
    /// Parses `args` (program name first) with Chinese help headings and Chinese errors.
    pub fn parse_chinese<I, T>(args: I) -> Parsed
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let mut command = localise(Cli::command(), true);
        match command
            .try_get_matches_from_mut(args)
            .and_then(|mut m| Cli::from_arg_matches_mut(&mut m))
        {
            Ok(cli) => Parsed::Run(cli),
            Err(e) => match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    Parsed::Exit(e.to_string(), 0)
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    Parsed::Exit(format!("{}\n错误：缺少子命令", e.render()), 2)
                }
                _ => Parsed::Exit(format!("错误：{}", usage_error(&e)), 2),
            },
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(default_db_path)
    }
}

/// Runs the parsed command line; errors come back in Chinese for `main` to print.
pub async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Overview(cmd) => overview::run(&cli, cmd).await,
        Command::Towns(cmd) => towns::run_list(&cli, cmd).await,
        Command::Town(cmd) => profile::run(&cli, cmd).await,
        Command::Search(cmd) => profile::run_search(&cli, cmd).await,
        Command::Case(args) => profile::run_case(&cli, args).await,
        Command::Map(cmd) => map::run(&cli, cmd).await,
        Command::Demo(cmd) => demo::run(&cli, cmd).await,
        Command::Db(args) => db::run(&cli, args).await,
        Command::Code(args) => code::run(&cli, args).await,
        Command::Index(args) => index::run(&cli, args).await,
        Command::Serve(args) => serve::run(&cli, args).await,
        Command::Chain(cmd) => chain::run(&cli, cmd).await,
        Command::Template(cmd) => data::run_template(&cli, cmd).await,
        Command::Import(cmd) => data::run_import(&cli, cmd).await,
        Command::Export(cmd) => data::run_export(&cli, cmd).await,
        Command::Package(cmd) => data::run_package(&cli, cmd).await,
    }
}

/// Opens (or on first use creates, with the demo province) the store the command line names.
pub async fn open_cockpit(cli: &Cli) -> Result<Cockpit> {
    Cockpit::open(&cli.db_path()).await
}

/// Machine output: pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| crate::Error::invalid(format!("结果无法转换为 JSON：{e}")))?;
    println!("{text}");
    Ok(())
}

/// Chinese headings, help and version flags for a command and all its subcommands.
fn localise(command: clap::Command, top: bool) -> clap::Command {
    let mut command = command
        .help_template("{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}\n")
        .subcommand_help_heading("子命令")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .mut_args(|a| {
            if a.get_help_heading().is_none() {
                a.help_heading("选项")
            } else {
                a
            }
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("显示帮助")
                .help_heading("选项"),
        );
    if top {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("显示版本")
                .help_heading("选项"),
        );
    }
    command.mut_subcommands(|sub| localise(sub, false))
}

/// A clap parse error in Chinese, naming the argument or value at fault.
fn usage_error(e: &clap::Error) -> String {
    let ctx = |k: ContextKind| e.get(k).map(|v| v.to_string()).unwrap_or_default();
    let what = match e.kind() {
        ErrorKind::UnknownArgument => format!("未知参数「{}」", ctx(ContextKind::InvalidArg)),
        ErrorKind::InvalidSubcommand => {
            format!("未知子命令「{}」", ctx(ContextKind::InvalidSubcommand))
        }
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => format!(
            "参数 {} 的值「{}」无效",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::InvalidValue)
        ),
        ErrorKind::MissingRequiredArgument => {
            format!("缺少必需的参数 {}", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
        ErrorKind::NoEquals
        | ErrorKind::TooManyValues
        | ErrorKind::TooFewValues
        | ErrorKind::WrongNumberOfValues => {
            format!("参数 {} 的值的个数不对", ctx(ContextKind::InvalidArg))
        }
        ErrorKind::ArgumentConflict => format!(
            "参数 {} 与 {} 不能同时使用",
            ctx(ContextKind::InvalidArg),
            ctx(ContextKind::PriorArg)
        ),
        _ => "命令行参数有误".to_string(),
    };
    let hint = [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand]
        .into_iter()
        .map(ctx)
        .find(|s| !s.is_empty())
        .map(|s| format!("，是否想用「{s}」？"))
        .unwrap_or_else(|| "。".into());
    format!("{what}{hint}用 towncockpit --help 查看用法")
}

//! The `towncockpit` command line: Chinese tables for people, `--json` for machines.
//! Each subcommand lives in its own file and calls the core; none holds analytics of its own.

mod db;
mod demo;
mod overview;
mod serve;
mod table;
mod towns;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
    /// 单个小镇的档案
    Town(towns::TownCmd),
    /// 生成并载入示例数据（示例省份）
    Demo(demo::DemoCmd),
    /// 数据库：路径、完整性检查、在线备份
    Db(db::DbArgs),
    /// 浏览器模式：在本机启动驾驶舱网页服务（含访问令牌）
    Serve(serve::ServeArgs),
}

impl Cli {
    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(default_db_path)
    }
}

/// Runs the parsed command line; errors come back in Chinese for `main` to print.
pub async fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Overview(cmd) => overview::run(&cli, cmd).await,
        Command::Towns(cmd) => towns::run_list(&cli, cmd).await,
        Command::Town(cmd) => towns::run_one(&cli, cmd).await,
        Command::Demo(cmd) => demo::run(&cli, cmd).await,
        Command::Db(args) => db::run(&cli, args).await,
        Command::Serve(args) => serve::run(&cli, args).await,
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

//! `towncockpit db path|check|backup FILE|restore FILE`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::{open_cockpit, Cli};
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    action: DbAction,
}

#[derive(Debug, Subcommand)]
enum DbAction {
    /// 显示正在使用的数据库文件路径
    Path,
    /// 完整性检查（PRAGMA integrity_check）
    Check,
    /// 在线备份到新文件（程序运行时也可备份，得到一致的副本）
    Backup {
        /// 备份文件路径（不能已存在）
        file: PathBuf,
    },
    /// 用一个驾驶舱数据库文件替换当前数据库（先自动备份当前数据库；不是驾驶舱数据库的文件会被拒绝）
    Restore {
        /// 用来恢复的数据库文件
        file: PathBuf,
    },
}

pub async fn run(cli: &Cli, args: &DbArgs) -> Result<()> {
    match &args.action {
        DbAction::Path => {
            println!("{}", cli.db_path().display());
            Ok(())
        }
        DbAction::Check => {
            let cockpit = open_cockpit(cli).await?;
            let problems = cockpit.store().check().await?;
            if problems.is_empty() {
                println!("完整性检查通过：{}", cockpit.store().path().display());
                Ok(())
            } else {
                Err(Error::Store(format!(
                    "完整性检查发现 {} 处问题：\n{}",
                    problems.len(),
                    problems.join("\n")
                )))
            }
        }
        DbAction::Backup { file } => {
            let cockpit = open_cockpit(cli).await?;
            cockpit.store().backup(file).await?;
            println!("已备份到 {}", file.display());
            Ok(())
        }
        DbAction::Restore { file } => {
            let db = cli.db_path();
            let backup = crate::store::backup::restore(&db, file).await?;
            // Open once: an older file is migrated now (backed up first), not at the next start.
            open_cockpit(cli).await?.store().clone().close().await;
            println!("已用「{}」恢复数据库 {}", file.display(), db.display());
            if let Some(b) = backup {
                println!("恢复前的数据库已备份到 {}", b.display());
            }
            Ok(())
        }
    }
}

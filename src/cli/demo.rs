//! `towncockpit demo [--scale N] [--seed S] [--force]`: (re)loads the demo province into the
//! `--db` database. A new file is created; a database holding the demo is replaced; a database
//! with other data is refused unless `--force`.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::Cli;
use crate::demo::{load, DemoOptions, Progress, DEFAULT_SEED};
use crate::error::Result;
use crate::store::Store;

#[derive(Debug, Args)]
pub struct DemoCmd {
    /// 规模倍数：N 倍的小镇和企业（用于性能测试）
    #[arg(long, default_value_t = 1)]
    scale: u32,
    /// 随机种子（相同种子得到相同数据）
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// 数据库中已有非示例数据时仍然替换
    #[arg(long)]
    force: bool,
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn update(&self, done: u64, total: u64) {
        self.0.set_length(total);
        self.0.set_position(done);
    }
}

pub async fn run(cli: &Cli, cmd: &DemoCmd) -> Result<()> {
    let path = cli.db_path();
    let (store, _) = Store::open(&path).await?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "正在生成示例数据 {bar:40} {percent}% {pos}/{len} 行 {elapsed}",
        )
        .expect("static template"),
    );
    let summary = load(
        &store,
        DemoOptions {
            scale: cmd.scale,
            seed: cmd.seed,
            force: cmd.force,
        },
        &Bar(bar.clone()),
    )
    .await;
    bar.finish_and_clear();
    let summary = summary?;
    println!(
        "已载入示例数据（种子 {}，规模 {}）：{} 个小镇、{} 家企业、{} 条指标值、{} 个投资项目 → {}",
        summary.seed,
        summary.scale,
        summary.towns,
        summary.enterprises,
        summary.indicator_values,
        summary.projects,
        path.display()
    );
    store.close().await;
    Ok(())
}

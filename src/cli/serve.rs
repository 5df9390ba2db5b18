//! `towncockpit serve [--port P] [--listen ADDR] [--ui DIR] [--open]`: the cockpit in a browser.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use clap::Args;

use super::{open_cockpit, Cli};
use crate::error::{Error, Result};
use crate::server;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// 端口（0 表示由系统分配空闲端口）
    #[arg(long, default_value_t = 8720)]
    port: u16,
    /// 监听地址；默认只允许本机访问。会议室大屏可指定 0.0.0.0（仍需访问令牌）
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    listen: IpAddr,
    /// 已构建的界面目录（默认 ui/dist）
    #[arg(long, env = "TOWNCOCKPIT_UI", value_name = "DIR")]
    ui: Option<PathBuf>,
    /// 启动后用默认浏览器打开
    #[arg(long)]
    open: bool,
}

pub async fn run(cli: &Cli, args: &ServeArgs) -> Result<()> {
    let cockpit = open_cockpit(cli).await?;
    let ui_dir = args.ui.clone().unwrap_or_else(server::default_ui_dir);
    let addr = SocketAddr::new(args.listen, args.port);
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Error::invalid(format!(
            "无法在 {addr} 上监听：{e}（端口可能已被占用，可用 --port 换一个）"
        ))
    })?;
    let bound = listener.local_addr().map_err(|e| Error::io(&ui_dir, e))?;
    let token = server::new_token();
    let url = server::ui_url(bound, &token);

    if !args.listen.is_loopback() {
        eprintln!(
            "注意：正在监听 {}，同一网络中的其他计算机凭访问令牌可以访问驾驶舱",
            args.listen
        );
    }
    println!("特色小镇驾驶舱已启动，请在浏览器中打开：");
    println!("{url}");
    println!("按 Ctrl+C 停止。");
    if args.open {
        open_browser(&url);
    }

    let app = server::router(cockpit, token, &ui_dir);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| Error::invalid(format!("浏览器服务意外停止：{e}")))
}

/// Hands the URL to the desktop's default browser; failing that, the printed URL still works.
fn open_browser(url: &str) {
    #[cfg(target_os = "windows")]
    let spawned = std::process::Command::new("cmd")
        .args(["/C", "start", "", url])
        .spawn();
    #[cfg(target_os = "macos")]
    let spawned = std::process::Command::new("open").arg(url).spawn();
    #[cfg(not(any(target_os = "windows", target_os = "macos")))]
    let spawned = std::process::Command::new("xdg-open").arg(url).spawn();
    if let Err(e) = spawned {
        eprintln!("无法自动打开浏览器（{e}），请手动打开上面的地址");
    }
}

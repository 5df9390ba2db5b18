#!/usr/bin/env bash
# The README's run command: on a fresh Debian 12 machine with Rust, Node and npm, installs the system
# packages (WebKitGTK and the Tauri build packages), builds the front end (npm ci + vite build) and
# the desktop shell, then opens 特色小镇驾驶舱 on the demo province (loaded on first start).
#
#   ./scripts/run.sh            the desktop app (needs a graphical session)
#   ./scripts/run.sh --browser  the same screens in the browser via `towncockpit serve --open`
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

echo "== 构建界面 (ui: npm ci + vite build) =="
(cd ui && npm ci --no-audit --no-fund && npm run build)

if [ "${1:-}" = "--browser" ]; then
  echo "== 构建并启动浏览器模式 (towncockpit serve) =="
  cargo build -p towncockpit
  exec target/debug/towncockpit serve --open
fi

echo "== 构建桌面程序 (src-tauri) =="
cargo build -p towncockpit-desktop
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "没有图形界面（DISPLAY/WAYLAND_DISPLAY 未设置）：请在桌面会话中运行，或用 ./scripts/run.sh --browser" >&2
  exit 1
fi
echo "== 启动 特色小镇驾驶舱 =="
exec target/debug/towncockpit-desktop

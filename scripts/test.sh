#!/usr/bin/env bash
# Runs every test of TownCockpit on a fresh Debian 12 machine with Rust, Node and npm: installs what
# is missing, then
#   1. the Rust tests of every crate in the workspace (core, CLI, HTTP server, desktop shell handler),
#   2. the front end's lint, type check and production build,
#   3. the browser suite (Playwright + Debian's Chromium against `towncockpit serve`),
#   4. the desktop-window suite (tauri-driver + WebKitWebDriver under Xvfb and a D-Bus session).
# Screenshots and measurements land in artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-system-deps.sh

echo "== 界面依赖 (npm ci) =="
(cd ui && npm ci --no-audit --no-fund)
echo "== 界面检查与构建 (eslint, vue-tsc, vite build) =="
(cd ui && npm run lint && npm run typecheck && npm run build)

# The desktop shell embeds ui/dist at compile time, so the UI is built before any cargo step.
echo "== Rust 测试 (cargo test) =="
# Benchmarks are measured with `cargo bench`, not run here; clippy in .ci/run still compiles them.
cargo test --workspace

echo "== tauri-driver =="
if ! command -v tauri-driver >/dev/null 2>&1; then
  cargo install tauri-driver --locked
fi
export PATH="$HOME/.cargo/bin:$PATH"

mkdir -p artifacts
export TOWNCOCKPIT_BIN="$root/target/debug/towncockpit"
export TOWNCOCKPIT_DESKTOP_BIN="$root/target/debug/towncockpit-desktop"
export NO_AT_BRIDGE=1

echo "== 浏览器测试 (Playwright + Chromium) =="
(cd ui && npx playwright test)

echo "== 桌面窗口测试 (tauri-driver + WebKitWebDriver, Xvfb) =="
(cd ui && xvfb-run -a -s "-screen 0 1920x1080x24" \
  dbus-run-session -- npx playwright test -c playwright.desktop.config.ts)

echo "截图与测量结果见 artifacts/ (screenshots and measurements)"

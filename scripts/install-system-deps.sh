#!/usr/bin/env bash
# Installs the Debian 12 packages TownCockpit needs to build, run and test.
# Idempotent: packages already present are skipped, so repeated runs cost seconds.
set -euo pipefail

packages=(
  # Tauri 2 build dependencies (WebKitGTK 4.1 and friends)
  build-essential pkg-config libssl-dev libwebkit2gtk-4.1-dev libgtk-3-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev file
  # Desktop tests: a virtual display, a session bus and the WebKit WebDriver
  xvfb xauth dbus dbus-x11 webkit2gtk-driver
  # scripts/desktop-memory.sh: sizes the blank WebKitGTK window like the app's
  xdotool
  # Browser tests and screenshots
  chromium
  # Independent QR decoder for the town-code tests
  zbar-tools
  # PDF to PNG for looking at exports
  poppler-utils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "系统依赖已齐全 (system packages present)"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "安装系统依赖 (installing): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

#!/usr/bin/env bash
# Runs every test of TownCockpit on a fresh Debian 12 machine with Rust, Node and npm:
# installs what is missing, then runs the Rust tests of every crate in the workspace.
# (Front-end, browser and desktop-window suites join here as they land.)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

echo "== Rust 测试 (cargo test) =="
cargo test --workspace --all-targets

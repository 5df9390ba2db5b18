#!/usr/bin/env bash
# The desktop app's memory beside its floor, in the same run: 特色小镇驾驶舱 on the demo province
# (a second start: the database is already there) and Debian's WebKitGTK MiniBrowser on a blank page
# with the web-process settings the app sets for itself (src-tauri/src/lib.rs), its window resized to
# the app's (a window's bitmaps grow with its size, and MiniBrowser opens at 1024×768 where the app
# opens at 1600×900; xdotool resizes it). Each launch gets its own Xvfb (1920×1080) and D-Bus session; PSS is summed over the launched process and its children
# once the start has settled. Launches alternate between the two, so drift hits both alike.
#
#   scripts/desktop-memory.sh [RUNS] [SETTLE_SECONDS]      defaults: 5 runs, 12 s
#
# Environment variables reach both, so a lever can be tried side by side:
#   JSC_useJIT=0 scripts/desktop-memory.sh
# PSS splits a shared page among the processes that map it: other programs mapping the same
# libraries (another Xvfb maps Mesa's libLLVM, for one) lower both figures, so measure on a quiet
# machine. Needs the desktop build (./scripts/run.sh or `cargo build -p towncockpit-desktop`).
set -euo pipefail

if [ "${1:-}" = "--inside" ]; then
  # One launch, inside xvfb-run + dbus-run-session: starts the command, waits, writes "name pss_kB"
  # per process of its tree to the result file, then stops it.
  out=$2 settle=$3
  shift 3
  "$@" >/dev/null 2>&1 &
  root=$!
  if [ -n "${RESIZE_TO:-}" ]; then
    # The program's visible window, by its class (the program's name), set to the app's size.
    xdotool search --sync --onlyvisible --class "$(basename "$1")" \
      windowsize "${RESIZE_TO%x*}" "${RESIZE_TO#*x}" >/dev/null
  fi
  sleep "$settle"
  pids=("$root")
  for ((i = 0; i < ${#pids[@]}; i++)); do
    mapfile -t children < <(pgrep -P "${pids[$i]}" || true)
    pids+=("${children[@]}")
  done
  for p in "${pids[@]}"; do
    pss=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || true)
    [ -n "$pss" ] && echo "$(cat "/proc/$p/comm") $pss" >>"$out"
  done
  kill "$root" 2>/dev/null || true
  wait "$root" 2>/dev/null || true
  # WebKit asks the session bus for the accessibility bus, which starts at-spi helpers that outlive
  # the session; stop the ones started for this session only.
  for p in $(pgrep -f at-spi || true); do
    if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"; then
      kill "$p" 2>/dev/null || true
    fi
  done
  exit 0
fi

cd "$(dirname "$0")/.."
runs=${1:-5}
settle=${2:-12}
app=${TOWNCOCKPIT_DESKTOP_BIN:-$PWD/target/debug/towncockpit-desktop}
minibrowser=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
# The app's window size, from its Tauri configuration.
window=$(python3 -c 'import json, sys; w = json.load(open(sys.argv[1]))["app"]["windows"][0]; print("%dx%d" % (w["width"], w["height"]))' src-tauri/tauri.conf.json)
if [ ! -x "$app" ]; then
  echo "未找到桌面程序「$app」：请先运行 ./scripts/run.sh 或 cargo build -p towncockpit-desktop" >&2
  exit 1
fi
if ! command -v xdotool >/dev/null; then
  echo "未找到 xdotool（Debian 软件包 xdotool，scripts/install-system-deps.sh 会安装）" >&2
  exit 1
fi
if [ ! -x "$minibrowser" ]; then
  echo "未找到「$minibrowser」（Debian 软件包 libwebkit2gtk-4.1-0 自带）" >&2
  exit 1
fi

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export TOWNCOCKPIT_DB="$dir/town.db" NO_AT_BRIDGE=1

# Prints "total_kB<TAB>name=MB, …" for one launch of the given command.
launch() {
  local out="$dir/launch.txt"
  : >"$out"
  xvfb-run -a -s "-screen 0 1920x1080x24" dbus-run-session -- \
    bash "$0" --inside "$out" "$settle" "$@" >/dev/null 2>&1 </dev/null
  awk '{ total += $2; parts = parts sep $1 "=" int($2 / 1024 + 0.5); sep = ", " }
       END { printf "%d\t%s\n", total, parts }' "$out"
}

mb() { echo $((($1 + 512) / 1024)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }

echo "== 首次启动：创建示例数据库（不计入） (first start creates the demo database, not counted) =="
launch "$app" >/dev/null

app_totals=() floor_totals=()
for ((run = 1; run <= runs; run++)); do
  IFS=$'\t' read -r app_kb app_parts < <(launch "$app")
  # The floor: a blank page in a WebKitGTK window of the app's size, set up as the app sets up its
  # web process.
  IFS=$'\t' read -r floor_kb floor_parts < <(
    RESIZE_TO=$window WEBKIT_DISABLE_COMPOSITING_MODE=${WEBKIT_DISABLE_COMPOSITING_MODE:-1} \
      JSC_useDFGJIT=${JSC_useDFGJIT:-0} launch "$minibrowser" about:blank
  )
  app_totals+=("$app_kb")
  floor_totals+=("$floor_kb")
  echo "第 $run 次：驾驶舱 $(mb "$app_kb") MB（$app_parts）；空白 WebKitGTK 窗口 $(mb "$floor_kb") MB（$floor_parts）"
done

app_median=$(printf '%s\n' "${app_totals[@]}" | median)
floor_median=$(printf '%s\n' "${floor_totals[@]}" | median)
echo "中位数（$runs 次，启动 ${settle} 秒后，全部进程 PSS，窗口均为 $window）：驾驶舱 $(mb "$app_median") MB，空白 WebKitGTK 窗口" \
  "$(mb "$floor_median") MB，驾驶舱比空白窗口多 $(mb $((app_median - floor_median))) MB"

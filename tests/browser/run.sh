#!/usr/bin/env bash
# Real-browser test for essayd (see README.md here). Installs what is missing
# (Debian's chromium with apt-get, playwright-core with npm ci; never a browser
# download), then runs run.mjs. Always ends with "N passed, N failed"; exits
# non-zero on any failure. The test itself is bounded (TEST_TIMEOUT seconds);
# each setup step has its own time limit.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
TEST_TIMEOUT=${ESSAYD_BROWSER_TEST_TIMEOUT:-170} # seconds for run.mjs (it limits itself to 150)

setup_fail() {
    echo "FAIL setup: $*"
    echo "0 passed, 1 failed"
    exit 1
}

as_root() { # as_root CMD...: run as root, directly or through sudo
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        echo "not root and no sudo: cannot run $*" >&2
        return 1
    fi
}

apt_install() { # apt_install PKG...: install, refreshing the lists once if needed
    export DEBIAN_FRONTEND=noninteractive
    as_root timeout 300 apt-get install -y "$@" && return 0
    as_root timeout 120 apt-get update || return 1
    as_root timeout 300 apt-get install -y "$@"
}

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    echo "# $CHROMIUM is missing: installing Debian's chromium with apt-get"
    apt_install chromium || setup_fail "apt-get install chromium failed"
    [ -x "$CHROMIUM" ] || setup_fail "$CHROMIUM still missing after apt-get install chromium"
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "# node/npm missing: installing Debian's nodejs and npm"
    apt_install nodejs npm || setup_fail "apt-get install nodejs npm failed"
fi

if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    echo "# npm ci in tests/browser"
    # playwright-core has no install script and downloads no browser.
    (cd "$HERE" && timeout 300 npm ci --no-audit --no-fund) || setup_fail "npm ci in tests/browser failed"
fi

BIN=${ESSAYD_BIN:-build/essayd}
[ -x "$BIN" ] || setup_fail "$BIN is missing: run make first"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
timeout -k 10 "$TEST_TIMEOUT" node "$HERE/run.mjs" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
last=$(tail -n 1 "$log")
if ! [[ "$last" =~ ^[0-9]+\ passed,\ [0-9]+\ failed$ ]]; then
    # run.mjs was killed or crashed before its own last line.
    echo "FAIL harness: run.mjs ended (exit $rc) without its result line"
    p=$(grep -cE '^ok   ' "$log")
    f=$(grep -cE '^FAIL ' "$log")
    echo "$p passed, $((f + 1)) failed"
    exit 1
fi
if [ "$rc" -ne 0 ] && [[ "$last" =~ \ 0\ failed$ ]]; then
    echo "FAIL harness: run.mjs exited $rc with no failure counted"
    echo "${last%% *} passed, 1 failed"
    exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# Runs every test suite and ends with one line "N passed, N failed".
#
#   1. C unit tests and golden cases          (build/test_*)
#   2. openapi.yaml through a real linter     (Redocly CLI)
#   3. the command line: import, export and serve (tests/cli/run.sh and
#      export.sh, real SQLite files)
#   4. the API suite over real HTTP           (tests/api/run.mjs against build/essayd),
#      the README's curl cookbook with curl and jq (tests/curl/run.sh),
#      a page in headless Chromium fetching from another origin (tests/browser/),
#      SIGKILL during imports and writes, readers during a bulk import
#      (tests/durability/), a table of hostile requests over raw sockets
#      (tests/hostile/), damaged and deleted databases, a full disk and
#      short memory (tests/faults/)
#   5. 1, 3 and 4 again under ASan + UBSan    (build-san/, leaks checked at exit),
#      with the fuzz corpora replayed through the fuzz targets and 10 s of
#      libFuzzer on each (tests/fuzz/)
#
# Each suite prints its own "N passed, N failed" last; this script adds
# them up. A suite that crashes or prints no such line counts as a failure.
set -u
cd "$(dirname "$0")/.."
total_pass=0
total_fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

suite() { # suite NAME COMMAND...
    local name=$1
    shift
    echo "== $name"
    # External suites get a time limit; shell functions limit their own parts.
    if declare -F "$1" >/dev/null; then "$@"; else timeout 900 "$@"; fi 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "!! $name printed no result line (exit $rc): counted as 1 failure"
        total_fail=$((total_fail + 1))
        return
    fi
    local p f
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "!! $name exited $rc with no failure counted: counted as 1 failure"
        f=1
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
}

unit_suite() { # unit_suite BUILD_DIR
    local dir=$1 pass=0 fail=0 t
    for t in "$dir"/test_*; do
        [ -x "$t" ] || continue
        echo "-- $t"
        "$t" > "$log.unit" 2>&1
        local rc=$?
        cat "$log.unit"
        local line
        line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log.unit" | tail -n 1)
        if [ -z "$line" ]; then
            echo "!! $t crashed or printed no result (exit $rc)"
            fail=$((fail + 1))
            continue
        fi
        pass=$((pass + $(echo "$line" | cut -d' ' -f1)))
        local f
        f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
        [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
        fail=$((fail + f))
    done
    rm -f "$log.unit"
    echo "$pass passed, $fail failed"
}

lint_suite() {
    if (cd tests/api && npx --no-install redocly lint --config redocly.yaml ../../openapi.yaml); then
        echo "1 passed, 0 failed"
    else
        echo "0 passed, 1 failed"
    fi
}

build() { # build [SANITIZE=...]
    make --no-print-directory -j2 "$@" all unit >/dev/null || { echo "build failed: make $*"; return 1; }
}

npm_install() {
    [ -d tests/api/node_modules/ajv ] && [ -d tests/api/node_modules/@redocly ] && return 0
    (cd tests/api && npm ci --no-audit --no-fund --loglevel=error)
}

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp

if ! build; then echo "0 passed, 1 failed"; exit 1; fi
npm_install || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }

suite "unit (gcc -O2)" unit_suite build
suite "openapi lint" lint_suite
suite "cli (build/essayd)" env ESSAYD_BIN=build/essayd bash tests/cli/run.sh
suite "cli export round trip (build/essayd)" env ESSAYD_BIN=build/essayd bash tests/cli/export.sh
suite "api (build/essayd)" env ESSAYD_BIN=build/essayd node tests/api/run.mjs
suite "curl cookbook (build/essayd)" env ESSAYD_BIN=build/essayd bash tests/curl/run.sh
suite "browser: headless Chromium (build/essayd)" env ESSAYD_BIN=build/essayd bash tests/browser/run.sh
suite "durability: SIGKILL during imports and POSTs (build/essayd)" env ESSAYD_BIN=build/essayd node tests/durability/crash.mjs
suite "durability: readers during a bulk import (build/essayd)" env ESSAYD_BIN=build/essayd node tests/durability/readers.mjs
suite "hostile requests over raw sockets (build/essayd)" env ESSAYD_BIN=build/essayd node tests/hostile/run.mjs
suite "faults: damaged, deleted, full disk, short memory (build/essayd)" env ESSAYD_BIN=build/essayd bash tests/faults/run.sh

if build SANITIZE=address,undefined CC=clang; then
    suite "unit (ASan+UBSan)" unit_suite build-san
    suite "fuzz corpus replay (ASan+UBSan)" bash tests/fuzz/replay.sh
    suite "fuzz smoke: 10 s of libFuzzer per target" bash tests/fuzz/run.sh 10
    suite "cli (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd bash tests/cli/run.sh
    suite "cli export round trip (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd bash tests/cli/export.sh
    suite "api (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd node tests/api/run.mjs
    suite "curl cookbook (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd bash tests/curl/run.sh
    suite "durability: SIGKILL (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd CRASH_KILLS=50 node tests/durability/crash.mjs
    suite "durability: readers (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd node tests/durability/readers.mjs
    suite "hostile requests (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd node tests/hostile/run.mjs
    suite "faults (ASan+UBSan)" env ESSAYD_BIN=build-san/essayd bash tests/faults/run.sh
else
    total_fail=$((total_fail + 1))
fi

echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]

#!/usr/bin/env bash
# make valgrind: the hostile-request table and the API suite with every
# essayd process (serve and import) run under valgrind's memcheck: no
# invalid read or write, no use of uninitialised memory, no definite leak.
# Valgrind finds what ASan cannot see in code it did not instrument
# (libmicrohttpd, SQLite, jansson as Debian ships them). Slow: about
# 10 minutes. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
REAL=$(readlink -f "${ESSAYD_BIN:-build/essayd}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
command -v valgrind >/dev/null || { echo "valgrind is not installed (make valgrind installs it)"; echo "0 passed, 1 failed"; exit 1; }

# The wrapper the suites run as ESSAYD_BIN: one log per process.
cat >"$T/essayd" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite \\
  --errors-for-leak-kinds=definite --track-origins=yes --log-file="$T/vg.%p.log" "$REAL" "\$@"
WRAP
chmod +x "$T/essayd"

total_pass=0
total_fail=0
suite() { # suite NAME COMMAND...
    echo "== $1 (under valgrind)"
    shift
    "$@" 2>&1 | tee "$T/suite.log" | grep -E '^(not ok|FAIL)' | head -20
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$T/suite.log" | tail -1)
    echo "${line:-no result line}"
    total_pass=$((total_pass + ${line%% passed*}))
    local f=${line#*passed, }
    total_fail=$((total_fail + ${f%% failed*}))
    [ -n "$line" ] || total_fail=$((total_fail + 1))
}
suite "hostile requests" env ESSAYD_BIN="$T/essayd" HOSTILE_TIMEOUT_MS=900000 node tests/hostile/run.mjs
suite "api" env ESSAYD_BIN="$T/essayd" ESSAYD_API_TIMEOUT_MS=1200000 ESSAYD_API_SHUTDOWN_MS=30000 ESSAYD_API_TEST_MS=180000 ESSAYD_API_REQUEST_MS=120000 node tests/api/run.mjs

# Every process's report: valgrind writes nothing in -q mode unless it found something.
logs=$(ls "$T"/vg.*.log 2>/dev/null | wc -l)
bad=$(grep -l . "$T"/vg.*.log 2>/dev/null | wc -l)
echo "== valgrind: $logs essayd processes, $bad with a report"
for f in $(grep -l . "$T"/vg.*.log 2>/dev/null | head -5); do echo "-- $f"; head -40 "$f"; done
if [ "$bad" -eq 0 ] && [ "$logs" -gt 0 ]; then total_pass=$((total_pass + 1)); else total_fail=$((total_fail + 1)); fi
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]

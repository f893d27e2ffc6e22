#!/usr/bin/env bash
# Sustained load (issue 7): at least LOAD_REQUESTS (1,000,000) mixed
# requests from wrk at 256 keep-alive connections against essayd on
# 127.0.0.1, with the server's default settings: 0 errors, and resident
# memory flat (the median RSS of the last quarter of the run at most 10%
# above that of the first quarter). `make load` runs it (a few minutes);
# not part of `make test`. Last line: "N passed, N failed".
#
# The mix (one path a line, drawn at random by bench/wrk_random.lua):
# articles by id and by slug, their claims and endnotes, lists with
# filters, sorts and cursors, claims filters, endnotes, search for rare
# and common words, facets, statistics, the pretty variants. On 2,000
# generated essays the article pages alone (about 35 MB rendered) are
# twice the response cache, so the cache keeps evicting throughout.
set -u
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${ESSAYD_BIN:-build/essayd}")
WANT=${LOAD_REQUESTS:-1000000}
CONNS=${LOAD_CONNECTIONS:-256}
ESSAYS=${LOAD_ESSAYS:-2000}
T=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ulimit -n 8192 2>/dev/null || true
. tests/lib.sh
command -v wrk >/dev/null || { echo "wrk is not installed (make load installs it)"; echo "0 passed, 1 failed"; exit 1; }

echo "== $ESSAYS generated essays (bench/gen_corpus.py), imported"
python3 bench/gen_corpus.py "$ESSAYS" "$T/corpus" >/dev/null
"$BIN" import --db "$T/db" "$T/corpus" db/corpus --no-progress 2>/dev/null | tail -1

q() { sqlite3 -readonly "$T/db" "$1"; }
{
    q "SELECT '/v1/articles/' || id FROM articles"
    q "SELECT '/v1/articles/' || slug FROM articles"
    q "SELECT '/v1/articles/' || id || '/claims' FROM articles WHERE id % 4 = 0"
    q "SELECT '/v1/articles/' || id || '/endnotes' FROM articles WHERE id % 4 = 1"
    q "SELECT '/v1/articles/' || id || '?pretty=1' FROM articles WHERE id % 10 = 2"
    q "SELECT '/v1/claims/' || id FROM claims WHERE id % 97 = 0"
    q "SELECT '/v1/endnotes/' || id FROM endnotes WHERE id % 13 = 0"
    python3 bench/pick_words.py "$T/db" "$T/corpus" "$T" >/dev/null && cat "$T/search-rare.txt" "$T/search-common.txt"
    sed 's|/v1/search?q=|/v1/claims?limit=20\&q=|' "$T/search-rare.txt" | head -100
    for limit in 1 5 20 50 100; do
        for sort in published -published title -title; do echo "/v1/articles?limit=$limit&sort=$sort"; done
        echo "/v1/claims?limit=$limit&statistic=true&cited=false"
        echo "/v1/claims?limit=$limit&normative=true"
        echo "/v1/claims?limit=$limit&quote=true&cited=true"
        echo "/v1/endnotes?limit=$limit"
    done
    echo /v1/facets
    echo /v1/stats
    echo /v1
    echo /healthz
} >"$T/paths"
echo "$(wc -l <"$T/paths") distinct paths"

"$BIN" serve --db "$T/db" --host 127.0.0.1 --port 0 --quiet >"$T/out" 2>"$T/err" &
PID=$!
BASE=$(listening_base "$T/out" "$PID") || { cat "$T/err"; echo "the server did not start"; echo "0 passed, 1 failed"; exit 1; }
# Cursor pages: meta.next followed a few steps from some lists.
for start in "/v1/articles?limit=20" "/v1/claims?limit=50&statistic=true" "/v1/endnotes?limit=20"; do
    p=$start
    for _ in 1 2 3 4 5 6 7 8; do
        p=$(curl -s "$BASE$p" | python3 -c 'import json,sys; n=json.load(sys.stdin)["meta"]["next"]; print(n or "")')
        [ -n "$p" ] && echo "$p" >>"$T/paths" || break
    done
done

echo "== wrk -t2 -c$CONNS, 60 s runs one after another until $WANT requests (at most 20 runs)"
: >"$T/rss"
(while kill -0 "$PID" 2>/dev/null; do
    awk '/^VmRSS/ {print $2}' "/proc/$PID/status" >>"$T/rss" 2>/dev/null
    sleep 1
done) &
sampler=$!
requests=0
errors=0
settle=()
for run in $(seq 20); do
    # wrk's connections count against the per-address limit (256, the same
    # number as wrk opens) until the server has seen them close, which can
    # take it a moment after a round that ended with requests in flight: a
    # new round started at once had some of its connections refused
    # ("Server reached connection limit", wrk "read" errors; reproduced with
    # 2 s rounds back to back). So each round starts when the server holds
    # no connection but the one that asks.
    waited=0
    for _ in $(seq 100); do
        open=$(curl -s "$BASE/metrics" | awk '/^essayd_http_open_connections / {print $2}')
        [ "${open:-9}" -le 1 ] && break
        sleep 0.05
        waited=$((waited + 50))
    done
    settle+=("$waited")
    line=$(wrk -t2 -c"$CONNS" -d60s --timeout 10s -s bench/wrk_random.lua "$BASE" -- "$T/paths" "$run" 2>&1 | grep '^BENCH')
    num() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    requests=$((requests + $(num requests)))
    errors=$((errors + $(num status) + $(num connect) + $(num read) + $(num write) + $(num timeout)))
    # Where the memory goes, round by round: resident size now, and what the
    # response cache (bounded by --cache-mb) holds of it.
    cache=$(curl -s "$BASE/metrics" | awk '/^essayd_cache_bytes / {printf "%.1f", $2 / 1048576}')
    echo "run $run: $line rss_kib=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status") cache_mib=$cache"
    [ "$requests" -ge "$WANT" ] && break
done
kill "$sampler" 2>/dev/null
python3 - "$T/rss" >"$T/rss.sum" <<'PY'
import statistics, sys
rss = [int(x) for x in open(sys.argv[1]) if x.strip()]
n = len(rss)
q = max(1, n // 4)
first, last = statistics.median(rss[:q]), statistics.median(rss[-q:])
print(f"{first:.0f} {last:.0f} {max(rss)} {n} {100.0 * (last - first) / first:.1f}")
PY
read -r first last peak samples growth <"$T/rss.sum"
# What the server said besides the access log (off: --quiet): libmicrohttpd's
# reasons for any connection it closed.
grep -v '^essayd: \(listening\|writes\)' "$T/err" | sort | uniq -c | sort -rn | head -10
echo "waited for the previous round's connections to close (ms, per round): ${settle[*]}"
echo "requests $requests, errors $errors; RSS (KiB, $samples samples): first quarter median $first, last quarter median $last ($growth%), peak $peak"
check "at least $WANT requests ($requests)" test "$requests" -ge "$WANT"
check "no errors: no non-2xx answer, no socket error, no timeout ($errors)" test "$errors" -eq 0
check "resident memory flat: the last quarter at most 10% over the first ($growth%)" python3 -c "import sys; sys.exit(0 if $last <= 1.10 * $first else 1)"
kill -TERM "$PID"
for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
wait "$PID"
check "SIGTERM after the run: exit 0 within 5 s" test $? -eq 0
PID=
report

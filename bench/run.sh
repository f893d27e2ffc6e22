#!/usr/bin/env bash
# make bench (issue 6): what essayd does, next to what this machine can do, in one run.
#   1. BENCH_ESSAYS (10000) generated essays and their import, timed (BENCH_IMPORT_RUNS runs, 3,
#      the median) against a VACUUM INTO of the resulting database
#   2. start-up time to the first answer (median of 5 starts)
#   3. wrk against `essayd serve`, scenario by scenario, each right after nginx serving the same
#      article bytes (the reference), with -t2 -c64 and with -t1 -c1 (keep-alive): BENCH_RUNS (3)
#      runs of BENCH_WRK_SECONDS (5) each, the median reported; nginx runs BENCH_REF_SECONDS (2)
#   4. peak RSS (VmHWM); response cache hit rates and runs with the cache off, if the build has them
#   5. bench/RESULTS.md written from scratch (bench/NOTES.md, then the generated part, also printed)
# Loopback only; every wrk run is bounded by -d; the Makefile caps the whole run (BENCH_TIMEOUT);
# every process started here is stopped on every way out. Exit status 1 if any run had errors.
set -eu
cd "$(dirname "$0")/.."

N=${BENCH_ESSAYS:-10000}
SECS=${BENCH_WRK_SECONDS:-5}
REF_SECS=${BENCH_REF_SECONDS:-2}
RUNS=${BENCH_RUNS:-3}
IMPORT_RUNS=${BENCH_IMPORT_RUNS:-3}
DEEP=${BENCH_DEEP_PAGES:-300}
CONNS="64 1"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

T=$(mktemp -d)
DB=$T/bench.db
ESSAYD_PID= NGINX_PID= WRK_PID= FAILURES=0

# stop PID: SIGTERM, up to 10 s to exit, then SIGKILL.
stop() {
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    stop "$WRK_PID"; stop "$ESSAYD_PID"; stop "$NGINX_PID"
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

meta() { printf '%s=%s\n' "$1" "$2" >>"$T/meta.txt"; }
elapsed() { python3 -c 'import sys; print(float(sys.argv[2]) - float(sys.argv[1]))' "$@"; }

# start_essayd [SERVE OPTIONS...]: serves $DB on a free port; sets ESSAYD_PID and BASE.
start_essayd() {
    build/essayd serve --db "$DB" --port 0 --quiet "$@" >"$T/essayd.out" 2>"$T/essayd.err" &
    ESSAYD_PID=$!
    local port=
    for _ in $(seq 200); do
        port=$(sed -n 's|^essayd: listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$T/essayd.out")
        [ -z "$port" ] && kill -0 "$ESSAYD_PID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$port" ] || { echo "essayd serve did not start:" >&2; cat "$T/essayd.err" >&2; exit 1; }
    BASE=http://127.0.0.1:$port
}

# stop_essayd KEY: records the server's peak RSS (VmHWM, kB) as KEY, then stops it.
stop_essayd() {
    meta "$1" "$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$ESSAYD_PID/status")"
    stop "$ESSAYD_PID"
    ESSAYD_PID=
}

# cache_counters: "HITS MISSES" of the response cache from /metrics; nothing if it has none.
cache_counters() {
    curl -s --max-time 5 "$BASE/metrics" | awk '
        $1 == "essayd_cache_hits_total" { h = $2 }
        $1 == "essayd_cache_misses_total" { m = $2 }
        END { if (h != "" && m != "") print h, m }'
}

# measure NAME CONNS RUN SECONDS WRK_ARGS...: one wrk run, -t2 for many connections, -t1 for
# one. The BENCH line its Lua done() prints goes to runs.tsv; errors are counted and shouted.
measure() {
    local name=$1 c=$2 run=$3 secs=$4
    shift 4
    local threads=2
    [ "$c" -gt 1 ] || threads=1
    local cmd=(wrk -t"$threads" -c"$c" -d"${secs}s" --timeout 10s "$@")
    # The 304 scenario runs through bench/revalidate.mjs (see there): "node URL HEADER".
    [ "$1" != node ] || cmd=(node bench/revalidate.mjs "$2" "$secs" "$c" "$3")
    local out=$T/wrk/${name/:/-}-c$c-$run.txt
    [ "$run" != 1 ] || printf '%s\t%s\t%s\n' "$name" "$c" "${cmd[*]}" >>"$T/commands.tsv"
    # In the background, so that a signal stops the benchmark at once rather than after wrk.
    "${cmd[@]}" >"$out" 2>&1 &
    WRK_PID=$!
    wait "$WRK_PID" || { echo "wrk failed: ${cmd[*]}" >&2; cat "$out" >&2; exit 1; }
    WRK_PID=
    local line
    line=$(grep '^BENCH ' "$out") || { echo "wrk printed no BENCH line: ${cmd[*]}" >&2; cat "$out" >&2; exit 1; }
    printf '%s\t%s\t%s\t%s\n' "$name" "$c" "$run" "${line#BENCH }" >>"$T/runs.tsv"
    local rps= p50= p99= requests= status= connect= read= write= timeout= kv
    for kv in ${line#BENCH }; do
        case $kv in
        rps=* | p50_us=* | p99_us=* | requests=* | status=* | connect=* | read=* | write=* | timeout=*)
            local "${kv/_us=/=}" ;;
        esac
    done
    printf '  %-22s -c%-2s run %s: %8.0f req/s  p50 %8.3f ms  p99 %8.3f ms\n' \
        "$name" "$c" "$run" "$rps" "$(bc_ms "$p50")" "$(bc_ms "$p99")"
    if [ $((status + connect + read + write + timeout)) -ne 0 ] || [ "$requests" = 0 ]; then
        echo "ERROR: $name -c$c run $run: $requests requests, $status not 2xx/3xx; socket errors:" \
            "connect $connect, read $read, write $write, timeout $timeout (${cmd[*]})" >&2
        FAILURES=$((FAILURES + 1))
    fi
}
bc_ms() { printf '%s\n' "$1" | awk '{ printf "%.3f", $1 / 1000 }'; }

# scenario NAME DESCRIPTION TARGET [HEADER]: TARGET is a file of paths (bench/wrk_random.lua
# draws each request from it, seeded with the run number) or a path (wrk's one static request). For each connection count: nginx serving the article file (the reference)
# for REF_SECS, then RUNS runs against essayd, the cache counters read around them.
scenario() {
    local name=$1 desc=$2 target=$3 header=${4:-}
    printf '%s\t%s\n' "$name" "$desc" >>"$T/scenarios.tsv"
    echo "== $name: $desc"
    local extra=() c run before after
    [ -z "$header" ] || extra=(-H "$header")
    for c in $CONNS; do
        measure "ref:$name" "$c" 1 "$REF_SECS" -s bench/wrk_report.lua "$NGINX_BASE$ARTICLE"
        before=$(cache_counters)
        for run in $(seq "$RUNS"); do
            if [ -f "$target" ]; then
                measure "$name" "$c" "$run" "$SECS" -s bench/wrk_random.lua "$BASE" -- "$target" "$run"
            else
                measure "$name" "$c" "$run" "$SECS" -s bench/wrk_report.lua "${extra[@]}" "$BASE$target"
            fi
        done
        after=$(cache_counters)
        [ -z "$before" ] || [ -z "$after" ] || printf '%s\t%s\t%s\t%s\n' "$name" "$c" "$before" "$after" >>"$T/cache.tsv"
    done
}

mkdir -p "$T/wrk" "$T/paths"
: >"$T/meta.txt"
: >"$T/runs.tsv"
: >"$T/scenarios.tsv"
: >"$T/commands.tsv"
: >"$T/cache.tsv"
meta started "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
meta essays "$N"
meta wrk_seconds "$SECS"
meta ref_seconds "$REF_SECS"
meta runs "$RUNS"
scenarios=11
if build/essayd serve --help 2>&1 | grep -q -- '--cache-mb'; then scenarios=13; fi
est=$((scenarios * 2 * (RUNS * SECS + REF_SECS) + 2 * N * IMPORT_RUNS / 1000 + 30))
echo "== make bench: $N essays, $scenarios scenarios x 2 connection counts x ($RUNS x ${SECS} s + nginx ${REF_SECS} s): about $((est / 60 + 1)) minutes"

echo "== generating $N essays (bench/gen_corpus.py)"
python3 bench/gen_corpus.py "$N" "$T/corpus"

echo "== import: build/essayd import --db DB CORPUS_DIR ($N files), $IMPORT_RUNS runs into a fresh database each"
times=()
for run in $(seq "$IMPORT_RUNS"); do
    rm -f "$DB" "$DB-wal" "$DB-shm"
    start=$(date +%s.%N)
    build/essayd import --db "$DB" "$T/corpus" >/dev/null 2>"$T/import.err" || { tail -3 "$T/import.err"; exit 1; }
    end=$(date +%s.%N)
    times+=("$(elapsed "$start" "$end")")
done
# Reference, same run: SQLite writing the same database (VACUUM INTO copies every page of the
# result, FTS5 index included, without parsing or indexing anything).
start=$(date +%s.%N)
sqlite3 "$DB" "VACUUM INTO '$T/copy.db'"
end=$(date +%s.%N)
vacuum_s=$(elapsed "$start" "$end")
# Second reference: SQLite alone building the search index of the same rows, in one statement
# from the copy's own tables (the rows and tokenizer essayd's import writes, see
# db/migrations/002_search.sql), with the import connection's page cache. No essayd code runs:
# this is what FTS5 costs on this machine, a floor under any import that indexes.
start=$(date +%s.%N)
sqlite3 "$T/copy.db" >/dev/null <<'SQL'
PRAGMA cache_size = -65536;
DROP TABLE search;
CREATE VIRTUAL TABLE search USING fts5(title, body, kind, ref UNINDEXED, article_id UNINDEXED,
                                       tokenize = 'porter unicode61 remove_diacritics 2');
INSERT INTO search (search, rank) VALUES ('hashsize', 67108864);
INSERT INTO search (rowid, title, body, kind, ref, article_id)
SELECT (article_id << 20) + row_number() OVER (PARTITION BY article_id ORDER BY k, ref),
       title, body, kind, ref, article_id
FROM (
    SELECT 0 AS k, id AS article_id, title, '' AS body, 'article' AS kind, id AS ref FROM articles
    UNION ALL
    SELECT 0, a.id, a.title, (SELECT group_concat(text, ' ') FROM (SELECT text FROM paragraphs p
                                WHERE p.article_id = a.id ORDER BY idx)), 'document', a.id FROM articles a
    UNION ALL
    SELECT 2, article_id, '', text, 'claim', id FROM claims
    UNION ALL
    SELECT 3, article_id, coalesce(title, ''), trim(coalesce(author, '') || ' ' || coalesce(publisher, '')),
           'endnote', id FROM endnotes
);
SQL
end=$(date +%s.%N)
python3 - "$N" "$vacuum_s" "$(elapsed "$start" "$end")" "${times[@]}" >>"$T/meta.txt" <<'PY'
import statistics, sys
n, ref, fts = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
runs = [float(x) for x in sys.argv[4:]]
med = statistics.median(runs)
print(f"import_runs={', '.join(f'{t:.2f} s' for t in runs)}")
print(f"import_median_s={med:.2f}")
print(f"import_rate={n / med:.0f}")
print(f"import_ref_s={ref:.2f}")
print(f"import_ratio={med / ref:.1f}")
print(f"import_fts_s={fts:.2f}")
print(f"import_fts_rate={n / fts:.0f}")
PY
rm -f "$T/copy.db"
meta import_rows "$(sqlite3 "$DB" "SELECT (SELECT count(*) FROM articles) || ' articles, ' || (SELECT count(*) FROM claims) || ' claims, ' || (SELECT count(*) FROM endnotes) || ' endnotes; db ' || (page_count * page_size / 1048576) || ' MiB' FROM pragma_page_count(), pragma_page_size();")"
sed -n 's/^import_runs=/import runs: /p; s/^import_rate=\(.*\)/import: \1 essays\/s/p; s/^import_rows=/rows: /p' "$T/meta.txt"

echo "== what the load runs ask for (bench/pick_words.py; paths files for bench/wrk_random.lua)"
sqlite3 -readonly "$DB" "SELECT '/v1/articles/' || id FROM articles ORDER BY id" >"$T/paths/article-ids.txt"
sqlite3 -readonly "$DB" "SELECT '/v1/articles/' || slug FROM articles ORDER BY id" >"$T/paths/article-slugs.txt"
sqlite3 -readonly "$DB" "SELECT '/v1/endnotes/' || id FROM endnotes
                         WHERE id IN (SELECT endnote_id FROM claim_endnotes) ORDER BY id" >"$T/paths/endnote-ids.txt"
python3 bench/pick_words.py "$DB" "$T/corpus" "$T/paths" | tee -a "$T/meta.txt"
WORD=$(sed -n 's/^word_repeated=//p' "$T/meta.txt")
ID=$(sqlite3 -readonly "$DB" "SELECT id FROM articles ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM articles)")
ARTICLE=/v1/articles/$ID
meta article "$ARTICLE"
meta ids "$(wc -l <"$T/paths/article-ids.txt")"
meta endnotes "$(wc -l <"$T/paths/endnote-ids.txt")"

echo "== start-up to the first answer: 5 starts (bench/startup.py)"
python3 bench/startup.py 5 build/essayd "$DB" | tee -a "$T/meta.txt" | grep '^start-up'

start_essayd
echo "== essayd serving $BASE; the article nginx serves: $ARTICLE"
python3 bench/prepare.py fetch "$BASE$ARTICLE" "$T/article.json" >"$T/article.meta"
ETAG=$(sed -n 's/^etag=//p' "$T/article.meta")
CL304=$(python3 bench/prepare.py revalidate "$BASE$ARTICLE" "$ETAG")
python3 bench/prepare.py deep "$BASE/v1/articles?limit=20" "$DEEP" >>"$T/meta.txt"
DEEP_PATH=$(sed -n 's/^deep_path=//p' "$T/meta.txt")
meta etag "$ETAG"
meta article_bytes "$(sed -n 's/^bytes=//p' "$T/article.meta")"

mkdir -p "$T/nginx/www${ARTICLE%/*}" "$T/nginx/tmp"
cp "$T/article.json" "$T/nginx/www$ARTICLE"
NGINX_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user_line=
[ "$(id -u)" != 0 ] || user_line="user $(id -un) $(id -gn);"
sed -e "s|@DIR@|$T/nginx|g" -e "s|@PORT@|$NGINX_PORT|g" -e "s|@USER@|$user_line|" \
    bench/nginx.conf.in >"$T/nginx/nginx.conf"
"$NGINX" -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/error.log" \
    -g "daemon off; pid $T/nginx/nginx.pid;" 2>>"$T/nginx/error.log" &
NGINX_PID=$!
NGINX_BASE=http://127.0.0.1:$NGINX_PORT
for _ in $(seq 100); do
    curl -sf -o /dev/null "$NGINX_BASE$ARTICLE" && break
    kill -0 "$NGINX_PID" 2>/dev/null || break
    sleep 0.05
done
python3 bench/prepare.py fetch "$NGINX_BASE$ARTICLE" >"$T/nginx.meta" ||
    { echo "nginx does not serve the article:" >&2; cat "$T/nginx/error.log" >&2; exit 1; }
sha_e=$(sed -n 's/^sha256=//p' "$T/article.meta")
sha_n=$(sed -n 's/^sha256=//p' "$T/nginx.meta")
[ "$sha_e" = "$sha_n" ] || { echo "nginx and essayd answer different bytes: $sha_n, $sha_e" >&2; exit 1; }
echo "nginx serving $NGINX_BASE$ARTICLE: the same $(sed -n 's/^bytes=//p' "$T/article.meta") bytes as essayd (sha256 $sha_e)"
meta article_sha256 "$sha_e"

CACHE=yes
if [ -z "$(cache_counters)" ]; then
    CACHE=no
    echo "cache: not available in this build (no essayd_cache_hits_total in /metrics)"
fi
meta cache_metrics "$CACHE"

P=$T/paths
scenario article-id "one article by id, full detail: random ids from all $(wc -l <"$P/article-ids.txt")" "$P/article-ids.txt"
scenario article-fixed "one article, the fixed id nginx serves (the same bytes): $ARTICLE" "$ARTICLE"
scenario article-slug "one article by slug: random slugs from all $(wc -l <"$P/article-slugs.txt")" "$P/article-slugs.txt"
scenario list "a list page: /v1/articles?limit=20" "/v1/articles?limit=20"
scenario list-deep "a cursor page $(sed -n 's/^deep_pages=//p' "$T/meta.txt") pages deep (meta.next followed from /v1/articles?limit=20)" "$DEEP_PATH"
scenario claims "a claims filter: /v1/claims?cited=false&statistic=true" "/v1/claims?cited=false&statistic=true"
scenario endnote "one endnote with its backlinks: random ids from all $(wc -l <"$P/endnote-ids.txt")" "$P/endnote-ids.txt"
scenario search-rare "search, a rare word: /v1/search?q=WORD, random words of $(wc -l <"$P/search-rare.txt")" "$P/search-rare.txt"
scenario search-common "search, a common word: /v1/search?q=WORD, random words of $(wc -l <"$P/search-common.txt")" "$P/search-common.txt"
scenario search-repeated "search, the same common word every time: /v1/search?q=$WORD" "/v1/search?q=$WORD"
# The 304 scenario: wrk cannot read a 304 that carries Content-Length (essayd's always does, with
# the 200's length), so it runs through bench/revalidate.mjs against both servers, nginx
# revalidating its own ETag for the same file.
NGINX_ETAG=$(curl -sI "$NGINX_BASE$ARTICLE" | tr -d '\r' | sed -n 's/^[Ee][Tt][Aa][Gg]: //p')
printf '%s\t%s\n' revalidate "the fixed article with If-None-Match: its ETag (304), with bench/revalidate.mjs (node), not wrk" >>"$T/scenarios.tsv"
echo "== revalidate: 304s, node client (bench/revalidate.mjs; essayd's 304 has Content-Length: ${CL304:-none})"
for c in $CONNS; do
    measure "ref:revalidate" "$c" 1 "$REF_SECS" node "$NGINX_BASE$ARTICLE" "If-None-Match: $NGINX_ETAG"
    before=$(cache_counters)
    for run in $(seq "$RUNS"); do
        measure revalidate "$c" "$run" "$SECS" node "$BASE$ARTICLE" "If-None-Match: $ETAG"
    done
    after=$(cache_counters)
    [ -z "$before" ] || [ -z "$after" ] || printf '%s\t%s\t%s\t%s\n' revalidate "$c" "$before" "$after" >>"$T/cache.tsv"
done
stop_essayd vmhwm_kb

if build/essayd serve --help 2>&1 | grep -q -- '--cache-mb'; then
    start_essayd --cache-mb 0
    echo "== essayd --cache-mb 0 serving $BASE (cache off)"
    scenario article-id-nocache "cache off (--cache-mb 0): one article by id, random ids" "$P/article-ids.txt"
    scenario search-common-nocache "cache off (--cache-mb 0): search, a common word, random words" "$P/search-common.txt"
    stop_essayd vmhwm_nocache_kb
    meta cache_off yes
else
    echo "cache: not available in this build (essayd serve --help lists no --cache-mb): no run with the cache off"
    meta cache_off no
fi
stop "$NGINX_PID"
NGINX_PID=

meta machine_nproc "$(nproc)"
meta machine_cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
meta machine_mem "$(awk '$1 == "MemTotal:" { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
meta machine_kernel "$(uname -sr)"
meta v_essayd "$(build/essayd --version 2>&1 | head -1)"
meta v_nginx "$("$NGINX" -v 2>&1 | head -1 | sed 's/^nginx version: //')"
meta v_wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-3)"
meta v_sqlite3 "$(sqlite3 --version | cut -d' ' -f1-2)"
meta v_microhttpd "$(pkg-config --modversion libmicrohttpd 2>/dev/null || echo unknown)"
meta v_git "$(git describe --always --dirty 2>/dev/null || echo unknown)"
meta failures "$FAILURES"
meta finished "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"

python3 bench/report.py "$T" bench/NOTES.md bench/RESULTS.md
echo "== written: bench/RESULTS.md (bench/NOTES.md and the above)"
if [ "$FAILURES" -ne 0 ]; then
    echo "FAILED: $FAILURES wrk runs had errors (non-2xx/3xx answers or socket errors); see above" >&2
    exit 1
fi

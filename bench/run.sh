#!/usr/bin/env bash
# make bench: generates a corpus of BENCH_ESSAYS (default 10000) essays,
# times their import, serves them, and times searches against a reference
# request measured in the same run. Loopback only; bounded; stops itself.
set -eu
cd "$(dirname "$0")/.."
N=${BENCH_ESSAYS:-10000}
Q=${BENCH_QUERIES:-300}
T=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$T"' EXIT
echo "== generating $N essays"
python3 bench/gen_corpus.py "$N" "$T/corpus"
R=${BENCH_IMPORT_RUNS:-3}
echo "== import: build/essayd import --db DB CORPUS_DIR ($N files), $R runs into a fresh database each"
times=()
for run in $(seq "$R"); do
    rm -f "$T/bench.db" "$T/bench.db-wal" "$T/bench.db-shm"
    start=$(date +%s.%N)
    build/essayd import --db "$T/bench.db" "$T/corpus" >/dev/null 2>"$T/import.err" || { tail -3 "$T/import.err"; exit 1; }
    end=$(date +%s.%N)
    times+=("$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end")")
done
# Reference, same run: SQLite writing the same database (VACUUM INTO copies every page of the
# result, FTS5 index included, without parsing or indexing anything).
start=$(date +%s.%N)
sqlite3 "$T/bench.db" "VACUUM INTO '$T/copy.db'"
end=$(date +%s.%N)
python3 - "$N" "$start" "$end" "${times[@]}" <<'PY'
import statistics, sys
n = int(sys.argv[1]); ref = float(sys.argv[3]) - float(sys.argv[2]); runs = [float(x) for x in sys.argv[4:]]
med = statistics.median(runs)
print(f"import runs: {', '.join(f'{t:.2f} s' for t in runs)}")
print(f"import median {med:.2f} s: {n / med:.0f} essays/s")
print(f"reference: VACUUM INTO of the resulting database {ref:.2f} s; import / reference = {med / ref:.1f}x")
PY
rm -f "$T/copy.db"
sqlite3 "$T/bench.db" "SELECT 'rows: ' || (SELECT count(*) FROM articles) || ' articles, ' || (SELECT count(*) FROM claims) || ' claims, ' || (SELECT count(*) FROM endnotes) || ' endnotes; db ' || (page_count * page_size / 1048576) || ' MiB' FROM pragma_page_count(), pragma_page_size();"
build/essayd serve --db "$T/bench.db" --port 0 --quiet >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 100); do grep -q listening "$T/out" && break; sleep 0.05; done
PORT=$(sed 's/.*://' "$T/out")
echo "== $Q searches of each kind, one keep-alive connection (bench/search_latency.py)"
python3 bench/search_latency.py "$PORT" "$T/corpus/WORDS" "$Q"

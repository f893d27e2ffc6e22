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
echo "== import (build/essayd import --db DB $N files)"
start=$(date +%s.%N)
build/essayd import --db "$T/bench.db" "$T"/corpus/*.txt >/dev/null 2>&1
end=$(date +%s.%N)
python3 -c "import sys; s=float(sys.argv[2])-float(sys.argv[1]); print(f'imported {sys.argv[3]} essays in {s:.2f} s: {int(sys.argv[3])/s:.0f} essays/s')" "$start" "$end" "$N"
sqlite3 "$T/bench.db" "SELECT 'rows: ' || (SELECT count(*) FROM articles) || ' articles, ' || (SELECT count(*) FROM claims) || ' claims, ' || (SELECT count(*) FROM endnotes) || ' endnotes; db ' || (page_count * page_size / 1048576) || ' MiB' FROM pragma_page_count(), pragma_page_size();"
build/essayd serve --db "$T/bench.db" --port 0 --quiet >"$T/out" 2>"$T/err" &
PID=$!
for _ in $(seq 100); do grep -q listening "$T/out" && break; sleep 0.05; done
PORT=$(sed 's/.*://' "$T/out")
echo "== $Q searches of each kind, one keep-alive connection (bench/search_latency.py)"
python3 bench/search_latency.py "$PORT" "$T/corpus/WORDS" "$Q"

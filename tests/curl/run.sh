#!/usr/bin/env bash
# The curl cookbook of README.md, run for real: curl and jq against a live
# essayd on 127.0.0.1 (an ephemeral port), with the bundled corpus and the
# Federalist fixtures. Also the graceful shutdown. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${ESSAYD_BIN:-build/essayd}")
T=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT

. tests/lib.sh
eq() { [ "$1" = "$2" ] || { echo "   got: $1" | head -c 300; echo; echo "  want: $2" | head -c 300; echo; return 1; }; }
has() { grep -qiF -- "$2" <<<"$1" || { echo "   no '$2' in: $(head -c 300 <<<"$1")"; return 1; }; }
header() { grep -i "^$2:" <<<"$1" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; } # header HEADERS NAME

DB=$T/essays.db
"$BIN" import --db "$DB" db/corpus/*.txt tests/fixtures/federalist/*.txt >/dev/null 2>&1
"$BIN" serve --db "$DB" --port 0 >"$T/out" 2>"$T/log" &
SERVER_PID=$!
for _ in $(seq 100); do grep -q listening "$T/out" && break; sleep 0.05; done
B=$(sed -n 's/^essayd: listening on //p' "$T/out")
SEED=assessing-u-s-china-diplomatic-solution-to-north-korea
c() { curl -sS --max-time 10 "$@"; }

# ---- the basics --------------------------------------------------------------
check "the seed title by slug" eq "$(c "$B/v1/articles/$SEED" | jq -r .title)" \
    "Assessing U.S.-China Diplomatic Solution to North Korea"
check "statistics citing nothing" has "$(c "$B/v1/claims?article=$SEED&statistic=true&cited=false" | jq -r '.data[].text')" \
    "Ninety percent of North Korean trade"
check "claims resting on Reuters, endnotes embedded" \
    eq "$(c "$B/v1/claims?domain=reuters.com&expand=endnotes" | jq -r '.data[0].endnotes_expanded[0].publisher')" Reuters

check "a NUL in the path finds nothing (not a shorter path)" eq "$(c -o /dev/null -w '%{http_code}' "$B/v1/articles/1%00junk")" 404

# ---- -I, HEAD ------------------------------------------------------------------
h=$(c -I "$B/v1/articles/$SEED")
check "curl -I: 200" has "$(head -n 1 <<<"$h")" "200"
check "curl -I: strong ETag" bash -c '[[ "$1" =~ ^\"[^\"]+\"$ ]]' _ "$(header "$h" ETag)"
check "curl -I: Cache-Control for an article" eq "$(header "$h" Cache-Control)" "public, max-age=300"
check "curl -I: Last-Modified" bash -c '[ -n "$1" ]' _ "$(header "$h" Last-Modified)"
check "curl -I: X-Request-Id" bash -c '[[ "$1" =~ ^[0-9a-f]{16}$ ]]' _ "$(header "$h" X-Request-Id)"
check "curl -I: CORS for reads" eq "$(header "$h" Access-Control-Allow-Origin)" "*"

# ---- conditional requests ---------------------------------------------------
etag=$(header "$h" ETag)
: >"$T/body"
code=$(c -o "$T/body" -w '%{http_code}' -H "If-None-Match: $etag" "$B/v1/articles/$SEED")
check "If-None-Match with the ETag: 304" eq "$code" 304
check "...with no body" eq "$(wc -c <"$T/body" | tr -d ' ')" 0
check "If-None-Match with another tag: 200" eq "$(c -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' "$B/v1/articles/$SEED")" 200
lm=$(header "$h" Last-Modified)
check "If-Modified-Since the Last-Modified: 304" eq "$(c -o /dev/null -w '%{http_code}' -H "If-Modified-Since: $lm" "$B/v1/articles/$SEED")" 304
lh=$(c -I "$B/v1/claims?limit=5")
check "lists revalidate: short max-age" eq "$(header "$lh" Cache-Control)" "public, max-age=10, must-revalidate"
check "a list's ETag gives 304 too" eq "$(c -o /dev/null -w '%{http_code}' -H "If-None-Match: $(header "$lh" ETag)" "$B/v1/claims?limit=5")" 304

# ---- compression ----------------------------------------------------------------
check "curl --compressed gives the same JSON" eq "$(c --compressed "$B/v1/claims?limit=50" | jq -c .)" "$(c "$B/v1/claims?limit=50" | jq -c .)"
gh=$(c -D - -o "$T/gz" -H 'Accept-Encoding: gzip' "$B/v1/claims?limit=50")
check "gzip: Content-Encoding" eq "$(header "$gh" Content-Encoding)" gzip
check "gzip: Content-Length is the compressed size" eq "$(header "$gh" Content-Length)" "$(wc -c <"$T/gz" | tr -d ' ')"
check "gzip: Vary names Accept-Encoding" has "$(header "$gh" Vary)" "Accept-Encoding"
th=$(c -D - -o /dev/null -H 'Accept-Encoding: gzip' "$B/healthz")
check "tiny bodies are not compressed" eq "$(header "$th" Content-Encoding)" ""

# ---- CORS preflight -----------------------------------------------------------------
ph=$(c -D - -o /dev/null -X OPTIONS -H 'Origin: http://example.test' -H 'Access-Control-Request-Method: GET' \
    -H 'Access-Control-Request-Headers: if-none-match' "$B/v1/claims")
check "preflight: 204" has "$(head -n 1 <<<"$ph")" 204
check "preflight: methods" eq "$(header "$ph" Access-Control-Allow-Methods)" "GET, HEAD, OPTIONS"
check "preflight: If-None-Match allowed" has "$(header "$ph" Access-Control-Allow-Headers)" "If-None-Match"
check "preflight: max age" eq "$(header "$ph" Access-Control-Max-Age)" 86400
check "exposed headers for pages" has "$(header "$ph" Access-Control-Expose-Headers)" "ETag, Link, X-Request-Id"

# ---- pretty, fields, Link ----------------------------------------------------------
check "pretty=1 indents" eq "$(c "$B/v1/claims/1?pretty=1&fields=id" )" $'{\n  "id": 1\n}'
check "fields= cuts a list down" eq "$(c "$B/v1/claims?limit=2&fields=id,text,endnotes" | jq -c '.data[0] | keys')" '["endnotes","id","text"]'
check "an unknown field is a 400 naming it" has "$(c "$B/v1/claims?fields=id,bogus")" "unknown field 'bogus'"
lk=$(c -D - -o "$T/page" "$B/v1/claims?limit=2")
check "Link rel=next matches meta.next" eq "$(header "$lk" Link)" "<$(jq -r .meta.next "$T/page")>; rel=\"next\""

# ---- exports -------------------------------------------------------------------------
total=$(c "$B/v1/claims" | jq .meta.total)
check "NDJSON export has every claim" eq "$(c "$B/v1/claims?format=ndjson" | jq -s length)" "$total"
check "Accept: application/x-ndjson selects NDJSON" eq "$(c -H 'Accept: application/x-ndjson' "$B/v1/claims" | jq -s length)" "$total"
check "NDJSON + jq: statistics citing nothing" bash -c '[ "$1" -gt 0 ]' _ \
    "$(c "$B/v1/claims?format=ndjson" | jq -c 'select(.statistic and (.cited | not))' | wc -l)"
check "an explicit limit caps an export" eq "$(c "$B/v1/claims?format=ndjson&limit=7" | wc -l | tr -d ' ')" 7
check "a gzipped export decompresses to the same lines" eq "$(c --compressed "$B/v1/endnotes?format=ndjson" | sha256sum)" \
    "$(c "$B/v1/endnotes?format=ndjson" | sha256sum)"
c -H 'Accept: text/csv' "$B/v1/endnotes?fields=id,n,author,title" >"$T/endnotes.csv"
check "CSV header row" eq "$(head -n 1 "$T/endnotes.csv" | tr -d '\r')" "id,n,author,title"
rows=$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' "$T/endnotes.csv")
check "CSV read back by Python's csv module: one row per endnote" eq "$rows" "$(c "$B/v1/endnotes" | jq .meta.total)"
check "CSV quoting survives commas" eq "$(python3 -c 'import csv,sys; print([r["author"] for r in csv.DictReader(open(sys.argv[1], newline="")) if r["author"].startswith("Stewart")][0])' "$T/endnotes.csv")" "Stewart, P."
check "format= wins over Accept" eq "$(c -H 'Accept: text/csv' "$B/v1/claims?format=json&limit=1" | jq .meta.limit)" 1
check "an Accept the server cannot meet: 406" eq "$(c -o /dev/null -w '%{http_code}' -H 'Accept: image/png' "$B/v1/claims")" 406

# ---- citations -----------------------------------------------------------------------
en2=$(c "$B/v1/endnotes?article=$SEED&n=2" | jq .data[0].id)
check "CSL-JSON of one endnote" eq "$(c "$B/v1/endnotes/$en2?format=csl" | jq -c '.[0] | {author, issued, "container-title"}')" \
    '{"author":[{"family":"Stewart","given":"P."}],"issued":{"date-parts":[[2017,10,26]]},"container-title":"Reuters"}'
check "CSL-JSON of an article's endnotes" eq "$(c "$B/v1/articles/$SEED/endnotes?format=csl" | jq length)" 7
check "BibTeX of one endnote" has "$(c "$B/v1/endnotes/$en2?format=bibtex")" "organization = {Reuters},"

# ---- request ids, access log, metrics ---------------------------------------------------
check "a sane X-Request-Id is echoed" eq "$(header "$(c -D - -o /dev/null -H 'X-Request-Id: trace-42' "$B/healthz")" X-Request-Id)" trace-42
check "an insane one is replaced" bash -c '[[ "$1" =~ ^[0-9a-f]{16}$ ]]' _ \
    "$(header "$(c -D - -o /dev/null -H 'X-Request-Id: bad id!' "$B/healthz")" X-Request-Id)"
check "the access log has the request with its id" \
    grep -qE '^time=[0-9T:.-]+Z rid=trace-42 method=GET path="/healthz" route=/healthz status=200 bytes=15 us=[0-9]+$' "$T/log"
m=$(c "$B/metrics")
check "metrics: requests by route template" has "$m" 'essayd_http_requests_total{route="/v1/articles/{article}",method="GET",status="200"}'
check "metrics: latency histogram" has "$m" 'essayd_http_request_duration_seconds_bucket{route="/v1/claims",le="+Inf"}'
check "metrics: database size" bash -c 'grep -qE "^essayd_database_size_bytes [1-9][0-9]*$" <<<"$1"' _ "$m"

# ---- graceful shutdown --------------------------------------------------------------------
# A request is in flight when SIGTERM arrives (its headers are in, its body
# still coming): the server stops accepting, lets it finish, exits 0. A
# slow client in the middle of an export also gets all of it.
port=${B##*:}
python3 - "$port" "$T/inflight.sent" >"$T/inflight.out" 2>&1 <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v1/claims?limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\n")
time.sleep(1.5)
s.sendall(b"hello")
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.split(b"\r\n", 1)[0].decode())
print("body-complete" if data.rstrip().endswith(b"}") else "body-cut")
PY
inflight=$!
c --limit-rate 200k "$B/v1/claims?format=ndjson" >"$T/slow.ndjson" &
slow=$!
for _ in $(seq 100); do [ -s "$T/inflight.sent" ] && break; sleep 0.05; done
sleep 0.3
kill -TERM "$SERVER_PID"
sleep 0.2
check "after SIGTERM no new connection is accepted" bash -c '! curl -s --max-time 2 "$1/healthz" >/dev/null' _ "$B"
wait "$inflight"
check "the request in flight was answered" eq "$(head -n 1 "$T/inflight.out")" "HTTP/1.1 200 OK"
check "...completely" eq "$(sed -n 2p "$T/inflight.out")" body-complete
wait "$slow"
check "the export in flight completed" eq "$(wc -l <"$T/slow.ndjson" | tr -d ' ')" "$total"
wait "$SERVER_PID"
rc=$?
SERVER_PID=
check "the server exited 0" eq "$rc" 0
check "the log says how many requests it let finish" grep -qE "SIGTERM received, finishing [0-9]+ request\(s\) in flight" "$T/log"

report

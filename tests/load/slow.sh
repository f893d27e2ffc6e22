#!/usr/bin/env bash
# Slow clients (issue 7): Debian's slowhttptest holds hundreds of slow
# connections against essayd on 127.0.0.1 while a normal client (from
# 127.0.0.2, another address) keeps asking; then 1,500 slow connections
# end and the server must recover. `make slow` runs it (about 4 minutes);
# not part of `make test`. Last line: "N passed, N failed".
#
#   SLOW_CONNECTIONS (500)  slow connections per attack
#   SLOW_SECONDS (40)       length of each attack
#
# Each attack sends its next bit every 2 s, which an idle timeout (30 s by
# default) never ends: what protects the normal client is the per-address
# connection limit (--max-connections-per-ip, 256 by default), which caps
# the attacker below the connection limit (1024).
set -u
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${ESSAYD_BIN:-build/essayd}")
N=${SLOW_CONNECTIONS:-500}
SECS=${SLOW_SECONDS:-40}
T=$(mktemp -d)
PID=
cleanup() {
    [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
    pkill -f "slowhttptest.*$T" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ulimit -n 8192 2>/dev/null || true
. tests/lib.sh
command -v slowhttptest >/dev/null || { echo "slowhttptest is not installed (make slow installs it)"; echo "0 passed, 1 failed"; exit 1; }

"$BIN" import --db "$T/db" db/corpus tests/fixtures/federalist >/dev/null 2>&1

serve() { # serve ARGS...: sets PID, BASE, PORT
    "$BIN" serve --db "$T/db" --host 127.0.0.1 --port 0 --quiet "$@" >"$T/out" 2>"$T/err" &
    PID=$!
    BASE=$(listening_base "$T/out" "$PID")
    PORT=${BASE##*:}
}
stop() { # SIGTERM; passes when it exits 0 within 5 s
    kill -TERM "$PID"
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.05; done
    if kill -0 "$PID" 2>/dev/null; then kill -9 "$PID"; PID=; return 1; fi
    wait "$PID"; local rc=$?; PID=; return $rc
}
established() { ss -Htn state established "( sport = :$PORT )" | wc -l; }
close_wait() { ss -Htn state close-wait "( sport = :$PORT )" | wc -l; }
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }

PROBE_PATHS=/v1/articles/1,/v1/articles?limit=20,/v1/claims?statistic=true,/v1/search?q=union,/healthz
results=()

# attack NAME SLOWHTTPTEST-ARGS...: runs the attack, probes during it
attack() {
    local name=$1
    shift
    slowhttptest "$@" -c "$N" -r 300 -i 2 -l "$SECS" -p 5 >"$T/$name.log" 2>&1 &
    local attacker=$!
    sleep 7 # the attacker opens its connections (300 a second)
    local held
    held=$(established)
    local probe
    probe=$(node tests/load/probe.mjs "$BASE" "$PROBE_PATHS" $((SECS - 12)) 50 127.0.0.2)
    held=$(( held > $(established) ? held : $(established) ))
    wait "$attacker" 2>/dev/null
    local sent ok p99
    sent=$(field "$probe" sent); ok=$(field "$probe" ok); p99=$(field "$probe" p99_ms)
    echo "$name: $N slow connections asked, $held held by the server; normal client: $ok of $sent ok, p99 $p99 ms; $probe"
    results+=("| $name | $N | $held | $ok / $sent | $p99 ms |")
    check "$name: the normal client got every answer ($ok of $sent)" test "$ok" -eq "$sent" -a "$sent" -gt 100
    check "$name: the server is still up" kill -0 "$PID"
}

# The three attacks with no per-address limit, so that the server holds
# all of their connections: a full connection table's worth of slow
# clients short of the limit must not slow the others down.
serve --max-connections-per-ip 0
attack slowloris -H -u "$BASE/v1/articles/1"
attack slow-body -B -s 8192 -u "$BASE/v1/articles" -t POST
attack slow-read -X -k 4 -n 2 -w 16 -y 64 -z 32 -u "$BASE/v1/claims?limit=500"
check "after the attacks: the server answers" test "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/v1/articles/1")" = 200
check "after the attacks: SIGTERM stops it within 5 s" stop

# More slow connections than the table holds, with the default limits: the
# per-address limit keeps the attacker at 256 and the others get in.
serve
N=1500 attack slowloris-1500-default-limits -H -u "$BASE/v1/articles/1"
check "after 1500: SIGTERM stops it within 5 s" stop

# Recovery: 1,500 slow connections from one address with no per-address
# limit fill the connection table; when they end, within twice the idle
# timeout no socket is left in CLOSE-WAIT, normal requests are answered,
# and SIGTERM exits within 5 s (libmicrohttpd 0.9.75 with epoll and no
# timeout left them stuck and hung in MHD_stop_daemon).
TIMEOUT=10
serve --timeout "$TIMEOUT" --max-connections-per-ip 0
slowhttptest -H -c 1500 -r 500 -i 2 -l 20 -p 5 -u "$BASE/v1/articles/1" >"$T/flood.log" 2>&1 &
flood=$!
peak=0
while kill -0 "$flood" 2>/dev/null; do
    now=$(established)
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 1
done
left=-1
for _ in $(seq $((2 * TIMEOUT))); do
    left=$(close_wait)
    [ "$left" -eq 0 ] && break
    sleep 1
done
echo "recovery: 1500 slow connections asked, at most $peak established at once (ss, the kernel's backlog included); CLOSE-WAIT sockets after they ended: $left"
check "recovery: no socket left in CLOSE-WAIT within $((2 * TIMEOUT)) s" test "$left" -eq 0
check "recovery: a normal request is answered" test "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$BASE/v1/articles/1")" = 200
check "recovery: SIGTERM stops it within 5 s" stop

echo
echo "| attack | slow connections asked | held by essayd | normal client ok | normal client p99 |"
echo "| --- | ---: | ---: | ---: | ---: |"
printf '%s\n' "${results[@]}"
report

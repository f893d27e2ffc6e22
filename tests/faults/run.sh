#!/usr/bin/env bash
# Fault tests (issue 7): the database file damaged, deleted or not a
# database; the disk full during an import and during HTTP writes; memory
# short while rendering. Each must end in a clear error, never a crash, a
# 500 or partial data. Real files, a real server on 127.0.0.1 (ephemeral
# port). Last line: "N passed, N failed".
#
# The disk is filled with a small tmpfs when this runs as root and may
# mount one, else with `ulimit -f` (the file size limit: writes past it fail
# with EFBIG, SIGXFSZ ignored). Memory is limited with `ulimit -v`, skipped
# for sanitizer builds (ASan reserves terabytes of address space).
set -u
cd "$(dirname "$0")/../.."
BIN=$(readlink -f "${ESSAYD_BIN:-build/essayd}")
SEED=$(readlink -f db/corpus)
FED=$(readlink -f tests/fixtures/federalist)
T=$(mktemp -d)
MNT=
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
[ -n "${FAULTS_KEEP:-}" ] && trap - EXIT

. tests/lib.sh
has() { grep -qF -- "$2" <<<"$1"; }
sanitized() { nm -an "$BIN" 2>/dev/null | grep -q __asan_init; }

# serve DB [ARGS...]: starts essayd serve in the background (under the
# limits of the calling shell); sets PID, BASE, LOG.
serve() {
    local db=$1
    shift
    LOG=$T/serve.$RANDOM.log
    "${SERVE_BIN:-$BIN}" serve --db "$db" --host 127.0.0.1 --port 0 "$@" >"$LOG.out" 2>"$LOG" &
    PID=$!
    PIDS+=("$PID")
    BASE=$(listening_base "$LOG.out" "$PID")
}

# stop: SIGTERM; passes when the server exits 0 within 5 s and its log has
# no sanitizer report.
stop() {
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 100); do
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$PID" 2>/dev/null; then
        kill -9 "$PID"
        return 1
    fi
    wait "$PID"
    local rc=$?
    ! grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer' "$LOG" && [ $rc -eq 0 ]
}

status() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE$1"; }

# statuses PATH...: the status of each, space-separated
statuses() {
    local out=""
    for p in "$@"; do out="$out $(status "$p")"; done
    echo "${out# }"
}

# only_in "200 503" "STATUSES": every status is one of the allowed ones
only_in() {
    local s
    for s in $2; do grep -qw -- "$s" <<<"$1" || return 1; done
}

READS=(/v1/articles/1 "/v1/articles?limit=500" "/v1/claims?limit=500" "/v1/endnotes?limit=200" "/v1/search?q=union"
    "/v1/search?q=the+people&limit=100" /v1/facets /v1/stats "/v1/articles?sort=title" /v1/articles/40/claims)

"$BIN" import --db "$T/fed.db" "$FED" "$SEED" >/dev/null 2>&1
check "setup: the Federalist papers and the seed imported" test "$(sqlite3 "$T/fed.db" 'SELECT count(*) FROM articles')" -eq 66

# ---- not a database ----------------------------------------------------------
head -c 100000 /dev/urandom >"$T/noise.db"
before=$(sha256sum <"$T/noise.db")
err=$("$BIN" import --db "$T/noise.db" "$SEED" 2>&1); rc=$?
check "import into a file that is not a database exits 1" test $rc -eq 1
check "... and says so" has "$err" "file is not a database"
check "... and leaves the file as it was" test "$(sha256sum <"$T/noise.db")" = "$before"
err=$("$BIN" serve --db "$T/noise.db" --port 0 2>&1); rc=$?
check "serve on a file that is not a database exits 1 with the reason" bash -c '[ $1 -eq 1 ] && grep -q "not a database" <<<"$2"' _ $rc "$err"
head -c 40000 "$T/fed.db" >"$T/truncated.db"
if serve "$T/truncated.db"; then
    got=$(statuses "${READS[@]}")
    check "a truncated database: reads answer 200 or 503, never 500 ($got)" only_in "200 503" "$got"
    check "a truncated database: some reads say the database is unavailable" has "$got" 503
    check "a truncated database: the server stops cleanly" stop
else
    check "a truncated database is refused at start with the reason" grep -qiE "malformed|not a database" "$LOG"
fi

# ---- damaged while serving ------------------------------------------------------
cp "$T/fed.db" "$T/damaged.db"
serve "$T/damaged.db" --cache-mb 0
check "damaged: served before" test "$(status /v1/articles/1)" = 200
python3 - "$T/damaged.db" <<'PY'
import os, random, sys
path = sys.argv[1]
size = os.path.getsize(path)
rnd = random.Random(7)
with open(path, "r+b") as f:
    for _ in range(300):  # 64 random bytes at 300 places past the schema pages
        f.seek(rnd.randrange(32768, size - 64))
        f.write(rnd.randbytes(64))
PY
got=$(statuses "${READS[@]}")
check "damaged while serving: reads answer 200 or 503, never 500 ($got)" only_in "200 503" "$got"
check "damaged while serving: the damage is reported as 503 somewhere" has "$got" 503
body=$(curl -s "$BASE/v1/facets")
check "damaged: the 503 is problem+json naming the database" bash -c 'grep -q "/problems/unavailable" <<<"$1" && grep -q "database" <<<"$1"' _ "$body"
check "damaged: the log tells the operator" grep -q "database error on GET" "$LOG"
check "damaged: /healthz still answers" test "$(status /healthz)" = 200
check "damaged: the server stops cleanly" stop

# ---- deleted while serving -----------------------------------------------------
cp "$T/fed.db" "$T/deleted.db"
serve "$T/deleted.db" --cache-mb 0
check "deleted: served before" test "$(status /v1/articles/2)" = 200
rm -f "$T/deleted.db" "$T/deleted.db-wal" "$T/deleted.db-shm"
got=$(statuses "${READS[@]}")
check "deleted while serving: reads answer 200 or 503, never 500 ($got)" only_in "200 503" "$got"
check "deleted: the server stops cleanly" stop

# ---- the disk full --------------------------------------------------------------
# The disk nearly full: a 3 MiB tmpfs when one can be mounted (the database
# path is then under $MNT), else a file size limit: limited KIB prints a
# wrapper that runs essayd with files limited to KIB KiB (SIGXFSZ ignored,
# so writes past it fail with EFBIG instead of killing the process).
limited() {
    if [ -n "$MNT" ]; then
        echo "$BIN"
        return
    fi
    printf '#!/bin/sh\ntrap "" XFSZ\nulimit -f %s\nexec "%s" "$@"\n' "$1" "$BIN" >"$T/essayd-f$1"
    chmod +x "$T/essayd-f$1"
    echo "$T/essayd-f$1"
}
FULL_DIR=$T/full
mkdir -p "$FULL_DIR"
if [ -z "${FAULTS_NO_MOUNT:-}" ] && [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=3m essayd-test "$FULL_DIR" 2>/dev/null; then
    MNT=$FULL_DIR
    how="a 3 MiB tmpfs"
else
    how="a 3 MiB file size limit"
fi
out=$("$(limited 3072)" import --db "$FULL_DIR/full.db" "$FED" --no-progress 2>&1); rc=$?
check "disk full ($how): the import exits 1" test $rc -eq 1
check "disk full: it stops with one clear message" bash -c 'grep -q "import stopped: database or disk is full\|import stopped: disk I/O error" <<<"$1" && [ "$(grep -c "\.txt: database or disk is full$\|\.txt: disk I/O error$" <<<"$1")" -le 1 ]' _ "$out"
check "disk full: the summary says why it stopped" has "$out" "; stopped: "
imported=$(grep -c '^imported ' <<<"$out")
if [ -s "$FULL_DIR/full.db" ]; then
    check "disk full: the database is intact" test "$(sqlite3 "$FULL_DIR/full.db" 'PRAGMA integrity_check')" = ok
    check "disk full: the search index is intact" sqlite3 "$FULL_DIR/full.db" "INSERT INTO search(search) VALUES('integrity-check')"
    rows=$(sqlite3 "$FULL_DIR/full.db" 'SELECT count(*) FROM articles')
    check "disk full: exactly the essays reported imported are stored ($imported)" test "$rows" -eq "$imported"
    bad=$(sqlite3 "$FULL_DIR/full.db" 'SELECT count(*) FROM articles a WHERE claim_count <> (SELECT count(*) FROM claims c WHERE c.article_id = a.id)
                                        OR endnote_count <> (SELECT count(*) FROM endnotes e WHERE e.article_id = a.id)
                                        OR paragraph_count <> (SELECT count(*) FROM paragraphs p WHERE p.article_id = a.id)')
    check "disk full: every stored essay is complete" test "$bad" -eq 0
fi
rm -f "$FULL_DIR"/full.db*

# HTTP writes on the full disk: 503, nothing changed, reads go on.
printf 'faults-test-token-0123456789abcdef\n' >"$T/token"
chmod 600 "$T/token"
"$(limited 3072)" import --db "$FULL_DIR/w.db" "$SEED" >/dev/null 2>&1
sqlite3 "$FULL_DIR/w.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
# Fill what is left (tmpfs); or limit files to 64 KiB: the WAL index
# (32 KiB) fits, so reads go on, but no write's WAL frames do.
if [ -n "$MNT" ]; then
    dd if=/dev/zero of="$FULL_DIR/ballast" bs=16k 2>/dev/null
    rm -f "$FULL_DIR/ballast"
    dd if=/dev/zero of="$FULL_DIR/ballast" bs=16k count=$(($(df --output=avail -k "$FULL_DIR" | tail -1) / 16 - 4)) 2>/dev/null
fi
before=$(sqlite3 "$FULL_DIR/w.db" .dump | sha256sum)
SERVE_BIN=$(limited 64) serve "$FULL_DIR/w.db" --token-file "$T/token" --quiet || true
if [ -n "$BASE" ]; then
    got=""
    for f in "$FED"/federalist-0*.txt; do
        got="$got $(curl -s -o "$T/post.json" -w '%{http_code}' -X POST -H 'Authorization: Bearer faults-test-token-0123456789abcdef' \
            -H 'Content-Type: text/plain; charset=utf-8' --data-binary @"$f" "$BASE/v1/articles")"
    done
    check "disk full: POSTs are refused with 503 ($got)" only_in "503" "$got"
    check "disk full: the 503 says nothing changed" grep -q "nothing changed" "$T/post.json"
    check "disk full: reads still answer" test "$(status /v1/articles/1)" = 200
    check "disk full: the server stops cleanly" stop
    check "disk full: the database is unchanged" test "$(sqlite3 "$FULL_DIR/w.db" .dump | sha256sum)" = "$before"
else
    check "disk full: the writing server started" false
fi

# ---- memory short ------------------------------------------------------------------
if sanitized; then
    echo "memory limits: not with a sanitizer build (ASan reserves terabytes of address space); the plain build's run has them"
else
    # The server's address space at rest, then less and less of it: some
    # large responses cannot be built and must be a 503, never a crash or a 500.
    serve "$T/fed.db"
    status /v1/articles/1 >/dev/null
    vsz=$(awk '/^VmSize/ {print $2}' "/proc/$PID/status")
    stop
    all=""
    for cut in 10000 40000 60000 80000; do
        (ulimit -v $((vsz - cut)); serve "$T/fed.db" --cache-mb 64 --quiet && echo "$PID $BASE" >"$T/oom.srv"; wait) &
        PIDS+=($!)
        for _ in $(seq 100); do [ -s "$T/oom.srv" ] && break; sleep 0.05; done
        read -r PID BASE <"$T/oom.srv" || continue
        rm -f "$T/oom.srv"
        got=$(statuses "/v1/articles?limit=500&pretty=1" "/v1/claims?limit=500&pretty=1" "/v1/search?q=the&limit=500" \
            "/v1/articles/1?pretty=1" "/v1/endnotes?limit=500" /v1/facets /healthz)
        all="$all $got"
        check "memory $((vsz - cut)) KiB: answers are 200 or 503, never 500 ($got)" only_in "200 503" "$got"
        kill -0 "$PID" 2>/dev/null
        check "memory $((vsz - cut)) KiB: the server is still up" test $? -eq 0
        kill -TERM "$PID"
    done
    wait 2>/dev/null
    check "memory short: some response ran out of memory and said so (503)" has "$all" 503
fi

report

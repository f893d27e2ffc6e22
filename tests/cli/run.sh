#!/usr/bin/env bash
# Command-line tests: essayd import and serve as a user runs them, against
# real SQLite files and a real server on 127.0.0.1 (an ephemeral port).
# Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${ESSAYD_BIN:-build/essayd}
BIN=$(readlink -f "$BIN")
SEED=$(readlink -f db/corpus/assessing-us-china-diplomatic-solution-to-north-korea.txt)
T=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

. tests/lib.sh
has() { grep -qF -- "$2" <<<"$1"; }      # has TEXT NEEDLE
sql() { sqlite3 "$1" "$2"; }             # sql DB QUERY
db_fingerprint() { sqlite3 "$1" .dump | sha256sum; }

# ---- usage -----------------------------------------------------------------
out=$("$BIN" --version); rc=$?
check "--version exits 0 and names the program" test $rc -eq 0 -a "${out%% *}" = essayd
out=$("$BIN" --help); rc=$?
check "--help exits 0" test $rc -eq 0
check "--help documents import and serve" bash -c "grep -q 'essayd import' <<<\"\$1\" && grep -q 'essayd serve' <<<\"\$1\"" _ "$out"
"$BIN" frobnicate 2>/dev/null; check "unknown command exits 2" test $? -eq 2
"$BIN" 2>/dev/null; check "no command exits 2" test $? -eq 2
"$BIN" import "$SEED" 2>/dev/null; check "import without --db exits 2" test $? -eq 2
"$BIN" import --db "$T/x.db" 2>/dev/null; check "import without files exits 2" test $? -eq 2
"$BIN" serve --db "$T/x.db" --port abc 2>/dev/null; check "serve --port abc exits 2" test $? -eq 2
"$BIN" serve --db "$T/x.db" --bogus 1 2>/dev/null; check "serve with an unknown option exits 2" test $? -eq 2
err=$("$BIN" serve --db "$T/missing.db" 2>&1); rc=$?
check "serve on a missing database exits 1" test $rc -eq 1
check "serve on a missing database says so" has "$err" "no database at"
check "serve on a missing database creates nothing" test ! -e "$T/missing.db"

# ---- import: imported, unchanged, replaced ---------------------------------
DB=$T/essays.db
out=$("$BIN" import --db "$DB" "$SEED" 2>"$T/err"); rc=$?
check "first import exits 0" test $rc -eq 0
check "first import says imported with id and slug" \
    has "$out" "imported $SEED (id 1, slug assessing-u-s-china-diplomatic-solution-to-north-korea)"
check "first import prints a summary" has "$out" "1 files: 1 imported, 0 replaced, 0 unchanged, 0 failed"
check "the seed imports without warnings" test ! -s "$T/err"
check "foreign keys and WAL: journal_mode is wal" test "$(sql "$DB" 'PRAGMA journal_mode')" = wal
check "schema version recorded in user_version" test "$(sql "$DB" 'PRAGMA user_version')" -ge 1
claims_before=$(sql "$DB" 'SELECT group_concat(id) FROM claims')
gen_before=$(sql "$DB" "SELECT value FROM meta WHERE key='generation'")
fp=$(db_fingerprint "$DB")

out=$("$BIN" import --db "$DB" "$SEED"); rc=$?
check "re-import of an unchanged file exits 0" test $rc -eq 0
check "re-import says unchanged" has "$out" "unchanged $SEED (id 1,"
check "re-import changes nothing in the database" test "$(db_fingerprint "$DB")" = "$fp"

# The same essay with one sentence edited: replaced, same article id.
sed 's/Until current conditions change, rigorous diplomacy can still take place./Rigorous diplomacy can go on./' \
    "$SEED" >"$T/seed-edited.txt"
keys_before=$(sql "$DB" 'SELECT key FROM claims ORDER BY key')
out=$("$BIN" import --db "$DB" "$T/seed-edited.txt"); rc=$?
check "changed file exits 0" test $rc -eq 0
check "changed file with the same title is replaced in place (same id)" has "$out" "replaced $T/seed-edited.txt (id 1,"
check "replace bumps the article version to 2" test "$(sql "$DB" 'SELECT version FROM articles WHERE id=1')" = 2
check "replace bumps the generation" test "$(sql "$DB" "SELECT value FROM meta WHERE key='generation'")" -gt "$gen_before"
check "replace stores the new sentence" test "$(sql "$DB" "SELECT count(*) FROM claims WHERE text='Rigorous diplomacy can go on.'")" = 1
check "replace leaves one article" test "$(sql "$DB" 'SELECT count(*) FROM articles')" = 1
keys_after=$(sql "$DB" 'SELECT key FROM claims ORDER BY key')
same=$(comm -12 <(echo "$keys_before") <(echo "$keys_after") | wc -l)
check "claim keys survive an edit elsewhere (34 of 35 kept)" test "$same" -eq 34
check "claim ids of a replaced article are new" test "$(sql "$DB" 'SELECT group_concat(id) FROM claims')" != "$claims_before"
check "no orphaned claim_endnotes after replace" \
    test "$(sql "$DB" 'SELECT count(*) FROM claim_endnotes WHERE claim_id NOT IN (SELECT id FROM claims)')" = 0
check "foreign key check is clean" test -z "$(sql "$DB" 'PRAGMA foreign_key_check')"
check "integrity check is ok" test "$(sql "$DB" 'PRAGMA integrity_check')" = ok

# A different title that slugifies to an existing slug gets -2.
printf 'Assessing U.S. China Diplomatic Solution to North Korea\n\nA different essay.\n' >"$T/clash.txt"
printf 'Assessing U.S. -- China: Diplomatic Solution to North Korea\n\nAnother one.\n' >"$T/clash3.txt"
out=$("$BIN" import --db "$DB" "$T/clash.txt" "$T/clash3.txt")
check "a slug clash gets -2" has "$out" "slug assessing-u-s-china-diplomatic-solution-to-north-korea-2)"
check "a second slug clash gets -3" has "$out" "slug assessing-u-s-china-diplomatic-solution-to-north-korea-3)"
printf 'Whatever Title\nSlug: assessing-u-s-china-diplomatic-solution-to-north-korea-2\n\nRewritten by slug.\n' >"$T/byslug.txt"
out=$("$BIN" import --db "$DB" "$T/byslug.txt")
check "a Slug: header line replaces the article with that slug" has "$out" "replaced $T/byslug.txt"
check "...and its title changes" test "$(sql "$DB" "SELECT title FROM articles WHERE slug LIKE '%-2'")" = "Whatever Title"

# Very long titles: the slug is cut at 200 characters and keeps its rules.
printf '%s bcd\n\nBody.\n' "$(printf 'a%.0s' $(seq 199))" >"$T/long1.txt"
printf '%s x\n\nBody.\n' "$(printf '7%.0s' $(seq 200))" >"$T/long2.txt"
out=$("$BIN" import --db "$DB" "$T/long1.txt" "$T/long2.txt")
slug1=$(sed -n 's/.*long1.txt (id [0-9]*, slug \(.*\))$/\1/p' <<<"$out")
slug2=$(sed -n 's/.*long2.txt (id [0-9]*, slug \(.*\))$/\1/p' <<<"$out")
check "a cut slug has no trailing '-'" bash -c '[[ "$1" =~ ^[a-z0-9]+(-[a-z0-9]+)*$ ]] && [ ${#1} -le 200 ]' _ "$slug1"
check "a cut all-digit slug still ends in -essay" bash -c '[[ "$1" =~ ^[0-9]+-essay$ ]]' _ "$slug2"

# ---- import: bad files are rejected with FILE:LINE and change nothing -----
fp=$(db_fingerprint "$DB")
: >"$T/empty.txt"
printf '  \n\n\t\n' >"$T/blank.txt"
printf 'Title\n\nGood line.\nBad \xff byte.\n' >"$T/badutf8.txt"
printf 'Title\n\nNUL \x00 here.\n' >"$T/binary.txt"
printf 'Only A Title\n\n\n' >"$T/nobody.txt"
printf 'Title\n\nBody.[1]\n\nEndnotes:\n\n[1] One.\n[1] Again.\n' >"$T/dupnote.txt"
head -c 4194305 /dev/zero | tr '\0' 'a' >"$T/huge.txt"
declare -A want=(
    [empty]="empty.txt:1: file is empty"
    [blank]="blank.txt:1: file holds only white space"
    [badutf8]="badutf8.txt:4: invalid UTF-8 at column 5"
    [binary]="binary.txt:3: binary data: NUL byte at column 5"
    [nobody]="nobody.txt:3: no body paragraphs"
    [dupnote]="dupnote.txt:8: endnote [1] is listed twice (first at line 7)"
    [huge]="huge.txt:1: file is 4194305 bytes, over the 4194304 byte limit"
)
for name in "${!want[@]}"; do
    err=$("$BIN" import --db "$DB" "$T/$name.txt" 2>&1 >/dev/null); rc=$?
    check "$name: exit status 1" test $rc -eq 1
    check "$name: reports '${want[$name]}'" has "$err" "${want[$name]}"
done
check "rejected files changed nothing in the database" test "$(db_fingerprint "$DB")" = "$fp"

# One bad file does not stop the others; the summary counts both.
cp "$SEED" "$T/again.txt"
printf 'New Essay\n\nIt has a body.[1] And a missing note.[2]\n\nEndnotes:\n\n[1] Smith, J. (2020). A title. Publisher.\n\n[3] Uncited.\n' >"$T/new.txt"
out=$("$BIN" import --db "$DB" "$T/empty.txt" "$T/new.txt" 2>"$T/err"); rc=$?
check "a batch with a bad file exits 1" test $rc -eq 1
check "the good file of the batch is imported" has "$out" "imported $T/new.txt"
check "the batch summary counts the failure" has "$out" "2 files: 1 imported, 0 replaced, 0 unchanged, 1 failed"
check "a marker with no endnote is a warning" has "$(cat "$T/err")" "marker [2] has no endnote"
check "an endnote nobody cites is a warning" has "$(cat "$T/err")" "endnote [3] is not cited"

# ---- schema versions -------------------------------------------------------
cp "$DB" "$T/future.db"
sql "$T/future.db" 'PRAGMA user_version = 99'
err=$("$BIN" import --db "$T/future.db" "$SEED" 2>&1); rc=$?
check "a database from a newer essayd is refused (exit 1)" test $rc -eq 1
check "...saying so" has "$err" "newer than this essayd"
sqlite3 "$T/old.db" 'PRAGMA user_version = 0; CREATE TABLE unrelated (x);'
"$BIN" import --db "$T/old.db" "$SEED" >/dev/null; rc=$?
check "an older (version 0) database is migrated on open" test $rc -eq 0 -a "$(sql "$T/old.db" 'PRAGMA user_version')" -ge 1

# ---- serve -----------------------------------------------------------------
start_server() { # start_server ARGS...: sets SERVER_PID and PORT
    "$BIN" serve "$@" >"$T/serve.out" 2>"$T/serve.err" &
    SERVER_PID=$!
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^essayd: listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$T/serve.out")
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    return 1
}
stop_server() { # stop_server: SIGTERM, returns the exit status
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID"
    local rc=$?
    SERVER_PID=
    return $rc
}
get() { curl -s --max-time 5 "http://127.0.0.1:$PORT$1"; }

check "serve starts on an ephemeral port" start_server --db "$DB" --port 0 --threads 2
total=$(get /v1/articles | jq .meta.total)
check "the server lists the imported articles" test "$total" = 6
"$BIN" import --db "$DB" "$(readlink -f tests/fixtures/federalist/federalist-10.txt)" >/dev/null
check "meta.total follows an import made while serving" test "$(get /v1/articles | jq .meta.total)" = 7
check "the new article is served at once" \
    test "$(get /v1/articles/federalist-no-10-the-same-subject-continued-the-union-as-a-safeguard-against-domestic-faction-and-insurrection | jq -r .title)" \
    = "Federalist No. 10: The Same Subject Continued (The Union as a Safeguard Against Domestic Faction and Insurrection)"
stop_server; rc=$?
check "SIGTERM stops the server with exit 0" test $rc -eq 0

"$BIN" serve --db "$DB" --host 256.1.1.1 --port 0 2>/dev/null; rc=$?
check "serve on an impossible address exits 1" test $rc -eq 1
check "ESSAYD_DB and ESSAYD_PORT configure serve" env ESSAYD_DB="$DB" ESSAYD_PORT=0 bash -c "
    '$BIN' serve >'$T/env.out' 2>/dev/null & pid=\$!
    for _ in \$(seq 100); do grep -q listening '$T/env.out' && break; sleep 0.05; done
    port=\$(sed 's/.*://' '$T/env.out'); code=\$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:\$port/healthz)
    kill \$pid; wait \$pid; test \"\$code\" = 200"
check "serve refuses a port in use (exit 1)" bash -c "
    '$BIN' serve --db '$DB' --port 0 >'$T/a.out' 2>/dev/null & pid=\$!
    for _ in \$(seq 100); do grep -q listening '$T/a.out' && break; sleep 0.05; done
    port=\$(sed 's/.*://' '$T/a.out'); timeout 10 '$BIN' serve --db '$DB' --port \$port 2>/dev/null; rc=\$?
    kill \$pid; wait \$pid; test \$rc -eq 1"

# ---- import: directories, stdin, NDJSON, dry runs, progress ------------------
D2=$T/tree.db
mkdir -p "$T/tree/a/b" "$T/tree/c"
cp tests/fixtures/federalist/federalist-1[0-4].txt "$T/tree/a/"
cp tests/fixtures/federalist/federalist-02.txt "$T/tree/a/b/"
cp "$SEED" "$T/tree/c/"
echo "not an essay" >"$T/tree/c/notes.md"
n_tree=$(find "$T/tree" -name '*.txt' | wc -l)
out=$("$BIN" import --db "$D2" "$T/tree" 2>/dev/null); rc=$?
check "a directory is imported recursively (exit 0)" test $rc -eq 0
check "...every *.txt file in it" test "$(grep -c '^imported ' <<<"$out")" -eq "$n_tree"
check "...and nothing else (notes.md)" bash -c '! grep -q notes.md <<<"$1"' _ "$out"
check "...in path name order" bash -c 'grep "^imported " <<<"$1" | sed "s/^imported \([^ ]*\) .*/\1/" | LC_ALL=C sort -c' _ "$out"
check "...with a summary of essays and files" has "$out" "$n_tree essays from $n_tree files: $n_tree imported, 0 replaced, 0 unchanged, 0 failed"

out=$("$BIN" import --db "$D2" - <tests/fixtures/federalist/federalist-03.txt); rc=$?
check "- reads one essay from standard input" has "$out" "imported - (id"
check "...exit 0" test $rc -eq 0

"$BIN" export --db "$D2" >"$T/all.ndjson" 2>/dev/null
n_all=$(sql "$D2" 'SELECT count(*) FROM articles')
out=$("$BIN" export --db "$D2" 2>/dev/null | "$BIN" import --db "$T/from-stdin.db" -); rc=$?
check "NDJSON on standard input: one essay per line (exit 0)" test $rc -eq 0
check "...all of them imported" test "$(sql "$T/from-stdin.db" 'SELECT count(*) FROM articles')" = "$n_all"
check "...named -:LINE" has "$out" "imported -:1 (id 1,"
out=$("$BIN" import --db "$T/from-file.db" "$T/all.ndjson"); rc=$?
check "an .ndjson file imports one essay per line" test "$(grep -c '^imported ' <<<"$out")" = "$n_all"
claims_of() { sqlite3 "$1" 'SELECT a.slug, c.idx, c.text, c.start, c.end, c.cited, c.quote, c.statistic, c.normative FROM claims c JOIN articles a ON a.id = c.article_id ORDER BY a.slug, c.idx' | sha256sum; }
check "...and the same essays as text and as JSON give the same claims" test "$(claims_of "$D2")" = "$(claims_of "$T/from-file.db")"
out=$("$BIN" import --db "$T/from-file.db" "$T/all.ndjson"); rc=$?
check "re-importing the NDJSON changes nothing (unchanged)" test "$(grep -c '^unchanged ' <<<"$out")" = "$n_all"
printf '{"title": "No Paragraphs"}\nnot json\n\n{"title": "Fine", "paragraphs": ["A fine paragraph."]}\n' >"$T/bad.ndjson"
err=$("$BIN" import --db "$T/from-file.db" "$T/bad.ndjson" 2>&1 >"$T/bad.out"); rc=$?
check "bad NDJSON lines: exit 1" test $rc -eq 1
check "...FILE:LINE: member for a wrong shape" has "$err" "bad.ndjson:1: paragraphs"
check "...FILE:LINE: invalid JSON" has "$err" "bad.ndjson:2: invalid JSON"
check "...and the good line is imported" has "$(cat "$T/bad.out")" "imported $T/bad.ndjson:4"

printf 'Dry Essay\n\nIt is only a dry run.\n' >"$T/dry.txt"
fp=$(db_fingerprint "$D2")
out=$("$BIN" import --db "$D2" --dry-run "$T/tree" "$T/dry.txt" "$T/empty.txt" 2>"$T/dry.err"); rc=$?
check "--dry-run reports what it would do" has "$out" "would import $T/dry.txt"
check "...and what is unchanged" test "$(grep -c '^unchanged ' <<<"$out")" -eq "$n_tree"
check "...and the errors (exit 1)" test $rc -eq 1 -a -n "$(grep 'empty.txt:1: file is empty' "$T/dry.err")"
check "...says it wrote nothing" has "$out" "dry run, nothing written"
check "...and changes nothing" test "$(db_fingerprint "$D2")" = "$fp"
out=$("$BIN" import --db "$T/never.db" --dry-run "$SEED"); rc=$?
check "--dry-run on a missing database exits 0" test $rc -eq 0
check "...and creates no file" test ! -e "$T/never.db"

# A batch is committed when its time is up even while the reader waits (here on a slow pipe):
# the write lock is not held, and the first essay is reported, before stdin delivers.
( (sleep 2; printf 'Piped Essay\n\nIt arrives late on stdin.\n') |
  "$BIN" import --db "$T/slow.db" tests/fixtures/federalist/federalist-01.txt - >"$T/slow.out" 2>&1 & )
sleep 1
check "a slow stdin does not hold the first essay's batch open (committed within 1 s)" \
    test "$(sqlite3 "$T/slow.db" 'SELECT count(*) FROM articles' 2>/dev/null)" = 1
check "...and it is reported at once" test "$(grep -c '^imported ' "$T/slow.out")" = 1
sleep 2
check "...and the late essay follows" test "$(grep -c '^imported ' "$T/slow.out")" = 2

# A database error in the middle of a batch fails that essay alone.
sqlite3 "$T/boom.db" 'SELECT 1' >/dev/null; "$BIN" import --db "$T/boom.db" "$SEED" >/dev/null
sqlite3 "$T/boom.db" "CREATE TRIGGER boom BEFORE INSERT ON articles WHEN NEW.title = 'Boom' BEGIN SELECT RAISE(ABORT, 'boom'); END;"
printf 'Before Boom\n\nFirst.\n' >"$T/b1.txt"; printf 'Boom\n\nSecond.\n' >"$T/b2.txt"; printf 'After Boom\n\nThird.\n' >"$T/b3.txt"
out=$("$BIN" import --db "$T/boom.db" "$T/b1.txt" "$T/b2.txt" "$T/b3.txt" 2>"$T/boom.err"); rc=$?
check "a database error fails its essay (exit 1)" test $rc -eq 1 -a -n "$(grep 'b2.txt: .*boom' "$T/boom.err")"
check "...and the others of its batch are stored" test "$(sql "$T/boom.db" "SELECT count(*) FROM articles WHERE title IN ('Before Boom', 'After Boom')")" = 2
check "...and reported" test "$(grep -c '^imported ' <<<"$out")" = 2
check "...and the summary counts them" has "$out" "3 essays from 3 files: 2 imported, 0 replaced, 0 unchanged, 1 failed"

# Progress: a bar on a terminal, plain lines otherwise.
script -qec "'$BIN' import --db '$T/tty.db' '$T/tree'" /dev/null >"$T/tty.out" 2>&1
check "on a terminal: a progress bar with count, rate and ETA" grep -qE '\[[#.]+\] [0-9]+/[0-9]+ files +[0-9]+/s +ETA [0-9-]+s?' "$T/tty.out"
check "...which replaces the per-essay lines" bash -c '! grep -q "^imported " "$1"' _ "$T/tty.out"
check "...and ends with the summary" grep -q "$n_tree essays from $n_tree files" "$T/tty.out"
"$BIN" import --db "$T/pipe.db" "$T/tree" >"$T/pipe.out" 2>"$T/pipe.err"
check "not a terminal: no progress bar" bash -c '! grep -q ETA "$1"' _ "$T/pipe.err"
check "...one plain line per essay" test "$(grep -c '^imported ' "$T/pipe.out")" -eq "$n_tree"
"$BIN" import --db "$T/pipe2.db" --progress "$T/tree" >/dev/null 2>"$T/forced.err"
check "--progress forces the bar" grep -q ETA "$T/forced.err"
out=$("$BIN" import --help); rc=$?
check "import --help exits 0 and documents the sources" test $rc -eq 0 -a -n "$(grep -e '--dry-run' <<<"$out")"

report

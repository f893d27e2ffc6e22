#!/usr/bin/env bash
# tests/cli/export.sh — essayd export as a user runs it, against real SQLite
# files: the bundled corpus, the Federalist fixtures and a handful of tricky
# essays are imported, some deleted, exported as text, imported again into
# an empty database and exported again. Both exports must be identical and
# both databases must hold the same claims; the NDJSON export must say the
# same as the text one. Last line: "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
BIN=${ESSAYD_BIN:-build/essayd}
BIN=$(readlink -f "$BIN")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

. tests/lib.sh
has() { grep -qF -- "$2" <<<"$1"; }   # has TEXT NEEDLE
sql() { sqlite3 "$1" "$2"; }          # sql DB QUERY
db_fingerprint() { sqlite3 "$1" .dump | sha256sum; }
nfiles() { find "$1" -maxdepth 1 -name '*.txt' | wc -l; }
jqe() { jq -e "$@" >/dev/null; }      # jqe FILTER FILE: the filter gives true
slugs_in() { find "$1" -maxdepth 1 -name '*.txt' -printf '%f\n' | sed 's/\.txt$//' | LC_ALL=C sort; }

# ---- usage -------------------------------------------------------------------
out=$("$BIN" --help); check "--help documents export" has "$out" "essayd export --db PATH"
"$BIN" export 2>/dev/null; check "export without --db exits 2" test $? -eq 2
err=$("$BIN" export --db "$T/x.db" --format txt 2>&1); rc=$?
check "txt without a DIR exits 2" test $rc -eq 2
check "...saying to give a DIR" has "$err" "txt export writes one file per article: give a DIR"
"$BIN" export --db "$T/x.db" --format xml 2>/dev/null; check "an unknown format exits 2" test $? -eq 2
"$BIN" export --db "$T/x.db" --format 2>/dev/null; check "--format without a value exits 2" test $? -eq 2
"$BIN" export --db "$T/x.db" --bogus 2>/dev/null; check "an unknown option exits 2" test $? -eq 2
"$BIN" export --db "$T/x.db" "$T/a" "$T/b" 2>/dev/null; check "two DIRs exit 2" test $? -eq 2
check "usage errors create nothing" test ! -e "$T/x.db" -a ! -e "$T/a"
err=$("$BIN" export --db "$T/missing.db" "$T/out" 2>&1); rc=$?
check "a missing database exits 1" test $rc -eq 1
check "...with an essayd: message" has "$err" "essayd: "
check "...and creates neither the database nor the DIR" test ! -e "$T/missing.db" -a ! -e "$T/out"
"$BIN" export --db "$T/missing.db" >/dev/null 2>&1; check "a missing database exits 1 (ndjson)" test $? -eq 1

# ---- tricky essays -----------------------------------------------------------
S=$T/src
mkdir -p "$S"
printf '%s\n' 'Quotes Open Paragraphs' '' \
    '“Above all, the talks must go on until both sides agree,” the envoy said.[1]' '' \
    '"Straight quotes open this one, and it is a quotation too," she wrote.' '' \
    '‘Single quotes around several words’ work as well.' '' \
    'Endnotes:' '' '[1] Smith, J. (2020). A title. Publisher.' >"$S/quotes.txt"
printf '%s\n' 'Header Words In The Body' '' \
    '  Note: this first paragraph is indented in the source, so it is body text.' '' \
    'Author: this one starts like a header line but comes after the body began.' '' \
    'Slug: and so does this one.' '' \
    'Category: and this one, too.' >"$S/header-words.txt"
printf '%s\n' 'Markers First' '' \
    '[3] A paragraph may open with a marker.[1]' '' \
    'Another paragraph cites the first source again.[1]' '' \
    'Endnotes:' '' '[1] First source.' '[3] Third source.' >"$S/markers-first.txt"
printf '%s\n' 'Everyone In The Header' \
    'Author: Ada Lovelace' 'Author: Charles Babbage' 'Slug: everyone-in-the-header' \
    'Category: Science & Technology' \
    'Note: This piece was originally published at Example Review on March 3, 2021.' '' \
    'Two authors signed this essay, and the header lines name them in order.' '' \
    'Closing Thoughts Here' >"$S/headers.txt"
printf '%s\n' 'Category Like Ending' '' \
    'The last paragraph of this essay is short and has no final punctuation.' '' \
    'Closing Thoughts Here' '' 'Endnotes:' >"$S/category-like.txt"
printf '%s\n' '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 Beyond The Plane 😀' '' \
    'Emoji 😀 count twice in UTF-16, once in code points.[1] The 𝔘 does too.' '' \
    'A second paragraph with 🌍 and nothing else odd.' '' \
    'Endnotes:' '' '[1] Writer, A. (2019). On 📚 and more. Retrieved May 1, 2019, from [example.org](https://example.org/x)' \
    >"$S/non-bmp.txt"
# The same title twice: the second gets the slug -2.
printf 'Same Title Twice\n\nThe first essay with this title.\n' >"$S/same-1.txt"
printf 'Same Title Twice\n\nThe second essay with this title, a different one.\n' >"$S/same-2.txt"

DB1=$T/db1.db
"$BIN" import --db "$DB1" db/corpus/*.txt >/dev/null 2>&1 &&
    "$BIN" import --db "$DB1" tests/fixtures/federalist/*.txt tests/fixtures/api/*.txt >/dev/null 2>&1 &&
    "$BIN" import --db "$DB1" "$S/quotes.txt" "$S/header-words.txt" "$S/markers-first.txt" \
        "$S/headers.txt" "$S/category-like.txt" "$S/non-bmp.txt" >/dev/null 2>&1 &&
    "$BIN" import --db "$DB1" "$S/same-1.txt" >/dev/null 2>&1 &&
    "$BIN" import --db "$DB1" "$S/same-2.txt" >/dev/null 2>&1
check "the corpus, the fixtures and the tricky essays import" test $? -eq 0
# same-2 replaced same-1 (same title); a Slug: line makes a second article.
printf 'Same Title Twice\nSlug: same-title-twice-2\n\nAnother essay with the same title.\n' >"$S/same-4.txt"
"$BIN" import --db "$DB1" "$S/same-4.txt" >/dev/null 2>&1
check "two articles share a title" test "$(sql "$DB1" "SELECT count(*) FROM articles WHERE title='Same Title Twice'")" = 2
check "the header-words essay's first paragraph starts with Note:" \
    test "$(sql "$DB1" "SELECT substr(p.text, 1, 5) FROM paragraphs p JOIN articles a ON a.id = p.article_id
                         WHERE a.slug = 'header-words-in-the-body' AND p.idx = 0")" = "Note:"
check "the category-like essay has no category" \
    test -z "$(sql "$DB1" "SELECT category FROM articles WHERE slug = 'category-like-ending'")"

# Deleted articles must not come back.
gone="'federalist-no-1-general-introduction','counting-offsets','federalist-no-2-concerning-dangers-from-foreign-force-and-influence'"
sql "$DB1" "PRAGMA foreign_keys=ON; DELETE FROM articles WHERE slug IN ($gone)"
n1=$(sql "$DB1" 'SELECT count(*) FROM articles')
check "some articles were deleted" test "$(sql "$DB1" "SELECT count(*) FROM articles WHERE slug IN ($gone)")" = 0 -a \
    "$(sql "$DB1" "SELECT count(*) FROM paragraphs WHERE article_id NOT IN (SELECT id FROM articles)")" = 0
check "there is a corpus left to export ($n1 articles)" test "$n1" -ge 60

# ---- txt: export, import into an empty database, export again -----------------
fp=$(db_fingerprint "$DB1")
D1=$T/d1
err=$("$BIN" export --db "$DB1" --format txt "$D1" 2>&1 >"$T/stdout"); rc=$?
check "txt export exits 0" test $rc -eq 0
check "txt export prints the summary" has "$err" "exported $n1 articles to $D1"
check "txt export prints nothing on stdout" test ! -s "$T/stdout"
check "one file per article" test "$(nfiles "$D1")" = "$n1"
check "each file is named after its slug" test "$(slugs_in "$D1")" = \
    "$(sql "$DB1" 'SELECT slug FROM articles ORDER BY slug')"
check "no temporary files are left behind" test -z "$(ls -A "$D1" | grep -v '\.txt$')"
check "deleted articles are not exported" test ! -e "$D1/counting-offsets.txt" -a ! -e "$D1/federalist-no-1-general-introduction.txt"
check "export changes nothing in the database" test "$(db_fingerprint "$DB1")" = "$fp"
check "every file has its Slug: line" test -z "$(grep -L '^Slug: ' "$D1"/*.txt)"
check "every file ends with exactly one newline" \
    bash -c 'for f in "$@"; do [ -z "$(tail -c1 "$f")" ] && [ -n "$(tail -c2 "$f" | head -c1 | tr -d "\n")" ] || exit 1; done' _ "$D1"/*.txt
check "a paragraph starting with Note: is written indented" \
    grep -qx ' Note: this first paragraph is indented in the source, so it is body text.' "$D1/header-words-in-the-body.txt"
check "...and one starting with Author: too" grep -q '^ Author: this one' "$D1/header-words-in-the-body.txt"
check "a category-like last paragraph is wrapped onto two lines" \
    bash -c 'tail -n 2 "$1" | tr "\n" "|" | grep -qx "Closing Thoughts|Here|"' _ "$D1/category-like-ending.txt"
check "header lines come in the fixed order" test "$(sed -n '3,7p' "$D1/everyone-in-the-header.txt")" = \
"Slug: everyone-in-the-header
Author: Ada Lovelace
Author: Charles Babbage
Category: Science & Technology
Note: This piece was originally published at Example Review on March 3, 2021."
check "CRLF and BOM are gone from the export" test -z "$(grep -l $'\r' "$D1"/*.txt)" -a \
    -z "$(grep -l $'^\xEF\xBB\xBF' "$D1"/*.txt)"

DB2=$T/db2.db
out=$("$BIN" import --db "$DB2" "$D1"/*.txt 2>"$T/err"); rc=$?
check "the export imports into an empty database" test $rc -eq 0
check "...every file imported" test "$(grep -c '^imported ' <<<"$out")" = "$n1"
check "...as many articles as were exported" test "$(sql "$DB2" 'SELECT count(*) FROM articles')" = "$n1"
check "the same slugs" test "$(sql "$DB2" 'SELECT slug FROM articles ORDER BY slug')" = \
    "$(sql "$DB1" 'SELECT slug FROM articles ORDER BY slug')"
D2=$T/d2
"$BIN" export --db "$DB2" "$D2" 2>/dev/null; rc=$?
check "txt is the default with a DIR; exits 0" test $rc -eq 0
check "exporting the re-import gives the same files (diff -r)" diff -r "$D1" "$D2"

# The same article, field by field and claim by claim, in both databases.
same_query() { # same_query NAME SQL: the query gives the same rows in DB1 and DB2
    local a b
    a=$(sql "$DB1" "$2") && b=$(sql "$DB2" "$2") && [ "$a" = "$b" ] && [ -n "$a" ]
}
check "articles: same fields" same_query articles \
    "SELECT slug, title, category, category_slug, published, venue, note, authors, word_count,
            paragraph_count, claim_count, endnote_count FROM articles ORDER BY slug"
check "paragraphs: same kind, text and markers" same_query paragraphs \
    "SELECT a.slug, p.idx, p.kind, p.text, p.markers FROM paragraphs p JOIN articles a ON a.id = p.article_id
     ORDER BY a.slug, p.idx"
check "endnotes: same n, raw and citation fields" same_query endnotes \
    "SELECT a.slug, e.n, e.raw, e.author, e.date, e.title, e.publisher, e.retrieved, e.url, e.domain
     FROM endnotes e JOIN articles a ON a.id = e.article_id ORDER BY a.slug, e.n"
claims_of() { # claims_of DB SLUG
    sqlite3 "$1" "SELECT c.idx, c.paragraph, c.text, c.start, c.\"end\", c.start_utf16, c.end_utf16,
                         c.cited, c.quote, c.statistic, c.normative, c.key,
                         (SELECT group_concat(ce.n) FROM claim_endnotes ce WHERE ce.claim_id = c.id)
                  FROM claims c JOIN articles a ON a.id = c.article_id WHERE a.slug = '$2' ORDER BY c.idx"
}
bad=
while read -r slug; do
    [ "$(claims_of "$DB1" "$slug")" = "$(claims_of "$DB2" "$slug")" ] || bad="$bad $slug"
done < <(sql "$DB1" 'SELECT slug FROM articles ORDER BY slug')
check "claims: same text, start, end, flags and endnotes for every slug${bad:+ (differ:$bad)}" test -z "$bad"
check "claims: none lost" test "$(sql "$DB2" 'SELECT count(*) FROM claims')" = "$(sql "$DB1" 'SELECT count(*) FROM claims')" -a \
    "$(sql "$DB1" 'SELECT count(*) FROM claims')" -gt 1000

# Exporting over an earlier export replaces its files whole.
echo "damaged" >"$D2/everyone-in-the-header.txt"
echo "not an article" >"$D2/unrelated.txt"
"$BIN" export --db "$DB2" --format txt "$D2" 2>/dev/null; rc=$?
check "exporting into an existing DIR exits 0" test $rc -eq 0
check "...overwrites a file of the same name" cmp -s "$D1/everyone-in-the-header.txt" "$D2/everyone-in-the-header.txt"
check "...and leaves other files alone" test "$(cat "$D2/unrelated.txt")" = "not an article"
printf 'x' >"$T/plainfile"
"$BIN" export --db "$DB1" --format txt "$T/plainfile" 2>/dev/null; rc=$?
check "a DIR that is a file exits 1" test $rc -eq 1

# ---- ndjson ------------------------------------------------------------------
err=$("$BIN" export --db "$DB1" 2>&1 >"$T/a.ndjson"); rc=$?
check "ndjson export (the default without a DIR) exits 0" test $rc -eq 0
check "...and says it went to stdout" has "$err" "exported $n1 articles to stdout"
check "one line per article" test "$(wc -l <"$T/a.ndjson")" = "$n1"
check "every line is one compact JSON object" bash -c \
    'jq -e -s "all(type == \"object\")" "$1" >/dev/null && jq -c . "$1" | cmp -s - "$1"' _ "$T/a.ndjson"
check "members in the fixed order" test "$(jq -c keys_unsorted "$T/a.ndjson" | sort -u)" = \
    '["slug","title","authors","note","category","paragraphs","endnotes"]'
check "paragraphs are strings and endnotes {n, raw}" jqe -s \
    'all(.[]; (.paragraphs | all(type == "string")) and (.endnotes | all(keys_unsorted == ["n","raw"])))' "$T/a.ndjson"
check "note and category are null when absent" test "$(jq -r 'select(.slug == "category-like-ending") | .category' "$T/a.ndjson")" = null
check "lines in slug order, the same slugs as the txt files" test "$(jq -r .slug "$T/a.ndjson")" = "$(slugs_in "$D1")"
bad=
while IFS=$'\t' read -r slug title np ne; do
    f=$D1/$slug.txt
    [ "$(head -n 1 "$f")" = "$title" ] || bad="$bad $slug:title"
    [ "$(sql "$DB1" "SELECT paragraph_count || ' ' || endnote_count FROM articles WHERE slug = '$slug'")" = "$np $ne" ] ||
        bad="$bad $slug:counts"
    [ "$(grep -c '^\[[0-9]*\]' <(sed -n '/^Endnotes:$/,$p' "$f"))" = "$ne" ] || bad="$bad $slug:endnotes"
done < <(jq -r '[.slug, .title, (.paragraphs | length), (.endnotes | length)] | @tsv' "$T/a.ndjson")
check "each line matches its txt file (title, paragraphs, endnotes)${bad:+ (differ:$bad)}" test -z "$bad"
check "non-BMP text is written as UTF-8" grep -q '😀' "$T/a.ndjson"
check "a paragraph is exactly its stored text (not indented, not wrapped)" test \
    "$(jq -r 'select(.slug == "category-like-ending") | .paragraphs[-1]' "$T/a.ndjson")" = "Closing Thoughts Here"
"$BIN" export --db "$DB2" --format ndjson >"$T/b.ndjson" 2>/dev/null
check "the re-imported database gives the same NDJSON" cmp -s "$T/a.ndjson" "$T/b.ndjson"
err=$("$BIN" export --db "$DB1" --format ndjson "$T/d3" 2>&1); rc=$?
check "ndjson into a DIR exits 0" test $rc -eq 0
check "...writes DIR/essays.ndjson, the same as stdout" cmp -s "$T/a.ndjson" "$T/d3/essays.ndjson"
check "...and says where" has "$err" "exported $n1 articles to $T/d3"
check "...with nothing else in DIR" test "$(ls -A "$T/d3")" = essays.ndjson

# TODO(ndjson import): `essayd import` is learning to read *.ndjson files
# (essay_draft_from_json per line). Until its --help mentions NDJSON this
# block is skipped and counts nothing.
if "$BIN" import --help 2>&1 | grep -q ndjson; then
    out=$("$BIN" import --db "$T/db3.db" "$T/a.ndjson" 2>"$T/err3"); rc=$?
    check "ndjson re-import exits 0" test $rc -eq 0
    check "ndjson re-import makes every article" test "$(sql "$T/db3.db" 'SELECT count(*) FROM articles')" = "$n1"
    "$BIN" export --db "$T/db3.db" >"$T/c.ndjson" 2>/dev/null
    check "ndjson → import → ndjson is the same" cmp -s "$T/a.ndjson" "$T/c.ndjson"
    "$BIN" export --db "$T/db3.db" "$T/d4" 2>/dev/null
    check "ndjson → import → txt is the same as the first txt export" diff -r "$D1" "$T/d4"
else
    echo "(skipped: essayd import does not read NDJSON yet)"
fi

# ---- an article the essay format cannot hold ---------------------------------
DB4=$T/db4.db
cp "$DB1" "$DB4"
sql "$DB4" "UPDATE paragraphs SET text = 'Endnotes:' WHERE idx = 1 AND article_id =
            (SELECT id FROM articles WHERE slug = 'markers-first')"
err=$("$BIN" export --db "$DB4" "$T/d5" 2>&1); rc=$?
check "an article that cannot be written makes the export exit 1" test $rc -eq 1
check "...naming the article and the field" has "$err" \
    "essayd: markers-first: cannot be exported: paragraphs[1]: is exactly \"Endnotes:\""
check "...while the others are exported" test "$(nfiles "$T/d5")" = $((n1 - 1)) -a ! -e "$T/d5/markers-first.txt"
check "...and the summary counts both" has "$err" "exported $((n1 - 1)) articles to $T/d5; 1 could not be exported"

# ---- an empty database ---------------------------------------------------------
DB5=$T/db5.db
"$BIN" import --db "$DB5" "$S/same-1.txt" >/dev/null 2>&1
sql "$DB5" "PRAGMA foreign_keys=ON; DELETE FROM articles"
out=$("$BIN" export --db "$DB5" 2>"$T/err"); rc=$?
check "an empty database exports nothing, exit 0" test $rc -eq 0 -a -z "$out"
check "...and says so" has "$(cat "$T/err")" "exported 0 articles to stdout"

report

/*
 * fuzz_search_query.c — libFuzzer target for search_query_compile, the
 * search box language (?q=) → an FTS5 MATCH expression.
 *
 * The input (up to its first NUL: a query value holding a NUL is refused
 * before it gets here) is compiled, and:
 *
 *  - the result is NULL with a non-empty reason from the documented list,
 *    or an expression, the same on a second compile;
 *  - the expression is checked token by token: only double-quoted FTS5
 *    strings (inner quotes doubled), the operators AND, OR and NOT,
 *    parentheses, single spaces and a '*' right after a closing quote —
 *    and parsed with this grammar, so that no FTS5 syntax typed into the
 *    box (column filters, NEAR, ^, +, bare words, braces) can come
 *    through:
 *        expr  := unary (" AND " unary | " OR " unary | " NOT " unary)*
 *        unary := "(" expr ")" | STRING ["*"]
 *    with balanced parentheses and no control characters; every string
 *    holds text from the query (no quote of its own);
 *  - for a query the server passes on (param_string: valid UTF-8, 1 to
 *    1000 bytes), a real FTS5 table accepts the expression: prepared and
 *    stepped as "SELECT count(*) FROM search WHERE search MATCH ?" on the
 *    search table of db/migrations (an in-memory database migrated by
 *    store_open, so the same tokenizer: porter unicode61
 *    remove_diacritics 2), alone and as api_search_filter wraps it for
 *    every kind of row ("{title body} : (EXPR) AND kind : ..."). An FTS5
 *    error for a compiled expression is a bug.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "fuzz_support.h"
#include "search_query.h"
#include "store.h"
#include "text.h"

/* ---- the expression's grammar ------------------------------------------------ */

typedef struct {
    const char *s;
    size_t len, i;
    int depth, max_depth;
    size_t strings;
} parser;

static bool at(const parser *p, const char *lit)
{
    size_t n = strlen(lit);
    return p->len - p->i >= n && memcmp(p->s + p->i, lit, n) == 0;
}

static void fail(const parser *p, const char *what)
{
    fprintf(stderr, "invariant violated: expression: %s at byte %zu: %.*s\n", what, p->i, (int)p->len, p->s);
    abort();
}

/* STRING ["*"]: '"' then anything but a lone '"' (inner quotes doubled),
 * then '"'. */
static void parse_string(parser *p)
{
    if (!at(p, "\"")) fail(p, "expected a quoted string");
    p->i++;
    for (;;) {
        if (p->i >= p->len) fail(p, "unterminated string");
        if (p->s[p->i] == '"') {
            if (p->i + 1 < p->len && p->s[p->i + 1] == '"') {
                p->i += 2;
                continue;
            }
            p->i++;
            break;
        }
        p->i++;
    }
    p->strings++;
    if (at(p, "*")) p->i++;
}

static void parse_expr(parser *p);

static void parse_unary(parser *p)
{
    if (at(p, "(")) {
        p->i++;
        if (++p->depth > p->max_depth) p->max_depth = p->depth;
        if (p->depth > 8) fail(p, "nested too deep");
        parse_expr(p);
        if (!at(p, ")")) fail(p, "expected ')'");
        p->i++;
        p->depth--;
        return;
    }
    parse_string(p);
}

static void parse_expr(parser *p)
{
    parse_unary(p);
    for (;;) {
        if (at(p, " AND ")) p->i += 5;
        else if (at(p, " OR ")) p->i += 4;
        else if (at(p, " NOT ")) p->i += 5;
        else return;
        parse_unary(p);
    }
}

static void check_expression(const char *q, const char *expr)
{
    size_t len = strlen(expr);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)expr[i];
        CHECKF(c >= 0x20 || c == '\t', "control character 0x%02X in the expression", c);
        CHECK(c != 0x7F);
    }
    parser p = {expr, len, 0, 0, 0, 0};
    parse_expr(&p);
    if (p.i != len) fail(&p, "trailing text");
    CHECK(p.strings > 0);
    /* Every string's text comes from the query: with the quotes undone it
     * holds no quote, and each of its words (runs without spaces) is
     * somewhere in q. */
    for (size_t i = 0; i < len; i++) {
        if (expr[i] != '"') continue;
        size_t j = i + 1;
        strbuf inner = {0};
        for (;;) {
            if (expr[j] == '"' && expr[j + 1] == '"') {
                CHECK(sb_putc(&inner, '"') == 0);
                j += 2;
                continue;
            }
            if (expr[j] == '"') break;
            CHECK(sb_putc(&inner, expr[j]) == 0);
            j++;
        }
        const char *t = inner.data ? inner.data : "";
        for (size_t b = 0; b < inner.len;) {
            size_t e = b;
            while (e < inner.len && t[e] != ' ') e++;
            if (e > b) {
                char *word = xstrndup(t + b, e - b);
                CHECK(word != NULL);
                CHECKF(strstr(q, word) != NULL, "the expression's text '%s' is not in the query", word);
                free(word);
            }
            b = e + 1;
        }
        sb_free(&inner);
        i = j;
    }
}

/* ---- FTS5 ---------------------------------------------------------------------------- */

static sqlite3 *fuzz_db;
static sqlite3_stmt *count_stmt;

static sqlite3 *db_get(void)
{
    if (fuzz_db) return fuzz_db;
    fuzz_db = fz_memory_db("fuzz_search_query");
    /* A few rows of each kind, so that MATCH has doclists to walk. */
    char *msg = NULL;
    int rc = sqlite3_exec(
        fuzz_db,
        "INSERT INTO search (rowid, title, body, kind, ref, article_id) VALUES "
        "(1048577, 'Peace talks in Korea', '', 'article', 1, 1),"
        "(1048578, 'Peace talks in Korea', 'Negotiations on nuclear capabilities, e.g. in the U.S. caf\xC3\xA9 "
        "\xE2\x80\x9Cquoted\xE2\x80\x9D NEAR title body kind 42 percent', 'document', 1, 1),"
        "(1048579, '', 'Negotiations on nuclear capabilities must go on.', 'claim', 1, 1),"
        "(1048580, 'North Korea crisis', 'BBC News Reuters', 'endnote', 1, 1),"
        "(2097153, 'Stra\xC3\x9F" "e und Caf\xC3\xA9s', '', 'article', 2, 2),"
        "(2097154, 'Stra\xC3\x9F" "e und Caf\xC3\xA9s', '\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 na\xC3\xAFve "
        "co\xC3\xB6perate diplomacy', 'document', 2, 2)",
        NULL, NULL, &msg);
    CHECKF(rc == SQLITE_OK, "cannot fill the search table: %s", msg ? msg : "?");
    CHECK(sqlite3_prepare_v2(fuzz_db, "SELECT count(*) FROM search WHERE search MATCH ?", -1, &count_stmt, NULL) ==
          SQLITE_OK);
    return fuzz_db;
}

/* FTS5 accepts match (the expression, or the server's whole MATCH text). */
static void check_fts5(const char *match)
{
    sqlite3 *db = db_get();
    sqlite3_reset(count_stmt);
    sqlite3_clear_bindings(count_stmt);
    CHECK(sqlite3_bind_text(count_stmt, 1, match, -1, SQLITE_TRANSIENT) == SQLITE_OK);
    int rc = sqlite3_step(count_stmt);
    CHECKF(rc == SQLITE_ROW, "FTS5 refuses the compiled expression: %s: %s", sqlite3_errmsg(db), match);
    CHECK(sqlite3_column_int64(count_stmt, 0) >= 0);
    sqlite3_reset(count_stmt);
}

/* ---- the target ------------------------------------------------------------------------ */

static const char *const REASONS[] = {"has no words to search for", "excludes words but has none to find",
                                      "has more than 32 terms", "contains control characters", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *q = fz_strndup(data, size); /* ends at the first NUL, as a C string */
    size_t qlen = strlen(q);
    /* Any bytes: the server only compiles valid UTF-8 (param_string), but
     * a prefix term of invalid UTF-8 once made put_term read past the term
     * (found here, fixed). */
    char err[128];
    memset(err, 0, sizeof err);
    char *expr = search_query_compile(q, err, sizeof err);
    if (!expr) {
        bool known = false;
        for (size_t k = 0; REASONS[k] && !known; k++) known = strcmp(err, REASONS[k]) == 0;
        CHECKF(known, "an undocumented reason: '%s'", err);
        /* Control characters are the only reason that can come early. */
        bool controls = false;
        for (size_t i = 0; i < qlen; i++) {
            unsigned char c = (unsigned char)q[i];
            if ((c < 0x20 && c != '\t') || c == 0x7F) controls = true;
        }
        CHECK(controls == (strcmp(err, "contains control characters") == 0));
        free(q);
        return 0;
    }
    /* Deterministic. */
    char err2[128];
    char *again = search_query_compile(q, err2, sizeof err2);
    CHECK(again && strcmp(again, expr) == 0);
    free(again);

    check_expression(q, expr);
    /* What the server hands to FTS5 (param_string lets it through). */
    if (qlen >= 1 && qlen <= 1000 && utf8_valid(q, qlen, NULL)) {
        check_fts5(expr);
        static const char *const kinds[] = {SEARCH_KINDS_ARTICLE, SEARCH_KINDS_DOCUMENT, SEARCH_KINDS_ENDNOTE,
                                            SEARCH_KINDS_CLAIM, SEARCH_KINDS_HITS};
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
            strbuf m = {0};
            CHECK(sb_puts(&m, "{title body} : (") == 0 && sb_puts(&m, expr) == 0 && sb_puts(&m, ") ") == 0 &&
                  sb_puts(&m, kinds[k]) == 0);
            check_fts5(m.data);
            sb_free(&m);
        }
    }
    free(expr);
    free(q);
    return 0;
}

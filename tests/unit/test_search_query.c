/*
 * test_search_query.c — the search box language → FTS5. Exact expressions
 * for the grammar, the errors users get, and a table of hostile inputs
 * each of which must either compile to an expression that a real FTS5
 * table accepts, or be refused with a reason — never reach FTS5 as syntax.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "search_query.h"

static void expect_expr(const char *q, const char *want)
{
    char err[128] = "";
    char *got = search_query_compile(q, err, sizeof err);
    STR_EQ(got, want, HMSG("compile(%s)", q));
    free(got);
}

static void expect_error(const char *q, const char *want)
{
    char err[128] = "";
    char *got = search_query_compile(q, err, sizeof err);
    OK(got == NULL, HMSG("compile(%s) is refused", q));
    OK(strstr(err, want) != NULL, HMSG("compile(%s) says '%s' (said '%s')", q, want, err));
    free(got);
}

static void test_grammar(void)
{
    expect_expr("nuclear", "(\"nuclear\")");
    expect_expr("nuclear deal", "(((\"nuclear\") AND (\"deal\")) OR \"nuclear deal\")");
    expect_expr("\"nuclear deal\" talks", "(((\"nuclear deal\") AND (\"talks\")) OR \"nuclear deal talks\")");
    expect_expr("china OR japan", "(\"china\" OR \"japan\")");
    expect_expr("war -nuclear", "(\"war\") NOT (\"nuclear\")");
    expect_expr("war -\"nuclear deal\" -iran", "(\"war\") NOT (\"nuclear deal\" OR \"iran\")");
    expect_expr("diplom*", "((\"diplom\"* OR \"diplom\" OR \"dipl\"*))");
    expect_expr("negotiati*", "((\"negotiati\"* OR \"negotiati\" OR \"negot\"*))");
    expect_expr("war*", "((\"war\"* OR \"war\"))");
    expect_expr("say \"he said \"\"no\"\"\"", "(((\"say\") AND (\"he said \") AND (\"no\")) OR \"say he said  no\")");
    expect_expr("\"unclosed phrase", "(\"unclosed phrase\")");
    expect_expr("a\"b", "(((\"a\") AND (\"b\")) OR \"a b\")");
}

static void test_errors(void)
{
    expect_error("", "no words");
    expect_error("   ", "no words");
    expect_error("*", "no words");
    expect_error("\"\"", "no words");
    expect_error("-war", "none to find");
    expect_error("tab\x01", "control characters");
    char many[400] = "";
    for (int k = 0; k < 33; k++) strcat(many, "w ");
    expect_error(many, "more than 32 terms");
}

/* Every hostile input either is refused or gives an expression FTS5
 * parses: MATCH never fails with a syntax error. */
static void test_hostile(void)
{
    static const char *const inputs[] = {
        "\"unbalanced", "*", "**", "AND AND", "OR", "OR OR OR", "NOT", "a NOT b", "title:foo", "body:x",
        "{title body}:x", "NEAR(a b)", "NEAR(a b, 2)", "^start", "a + b", "(a", "a)", "((a))", "a:b:c",
        "'; DROP TABLE articles; --", "\\", "\\\"", "a\"\"b", "-", "--", "- a", "a -", "\xF0\x9F\x98\x80",
        "\xF0\x9F\x98\x80 peace", "caf\xC3\xA9", "x*y", "*x", "a*b*", "\"a\" \"\" \"b\"", "a OR", "OR a",
        "a OR -b", "-a OR b", "[1]", "u.s.", "e.g.", "100%", "$5", "#tag", "@user", "a&b", "<script>",
        "\xC2\xA0nbsp\xC2\xA0", "\"\"\"\"", "a \"b c", NULL};
    sqlite3 *db;
    int rc = sqlite3_open(":memory:", &db);
    OK(rc == SQLITE_OK, "open an in-memory database");
    rc = sqlite3_exec(db,
                      "CREATE VIRTUAL TABLE t USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2');"
                      "INSERT INTO t VALUES ('Peace talks', 'A start of nuclear diplomacy, e.g. in the U.S. caf\xC3\xA9');",
                      NULL, NULL, NULL);
    OK(rc == SQLITE_OK, "create the FTS5 table");
    size_t n = 0;
    for (size_t k = 0; inputs[k]; k++, n++) {
        char err[128] = "";
        char *expr = search_query_compile(inputs[k], err, sizeof err);
        if (!expr) {
            OK(err[0] != '\0', HMSG("refused input %zu has a reason", k));
            continue;
        }
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &st, NULL);
        sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        OK(rc == SQLITE_ROW, HMSG("FTS5 accepts the expression for input %zu: %s (%s)", k, expr, sqlite3_errmsg(db)));
        sqlite3_finalize(st);
        free(expr);
    }
    OK(n >= 30, "at least 30 hostile inputs");
    sqlite3_close(db);
}

int main(void)
{
    test_grammar();
    test_errors();
    test_hostile();
    return harness_done();
}

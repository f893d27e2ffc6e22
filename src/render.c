/*
 * render.c — rows → JSON. Column order is fixed by the *_COLUMNS macros
 * in render.h. jansson's setters drop a value silently when it is NULL
 * (invalid UTF-8, no memory), so every value goes through put(), which
 * turns any failure into a NULL result for the whole object.
 */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "http.h"
#include "store.h"

/* Sets key on obj; false (and obj untouched) if v is NULL or setting
 * failed. Steals v. */
static bool put(json_t *obj, const char *key, json_t *v)
{
    if (!v) return false;
    return json_object_set_new(obj, key, v) == 0;
}

json_t *render_text(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return json_null();
    const char *s = store_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    json_t *j = json_stringn(s ? s : "", s ? n : 0);
    return j ? j : json_string_lossy(s, n);
}

static json_t *col_int(sqlite3_stmt *st, int i) { return json_integer(sqlite3_column_int64(st, i)); }

static json_t *col_bool(sqlite3_stmt *st, int i) { return json_boolean(sqlite3_column_int(st, i) != 0); }

/* A column holding JSON text written by essayd itself (authors, markers,
 * json_group_array results). */
static json_t *col_json(sqlite3_stmt *st, int i)
{
    const char *s = store_text(st, i);
    if (!s) return json_array();
    json_error_t err;
    json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
    /* essayd wrote this JSON itself: if it does not parse, the file was
     * damaged (or written by other hands), and the request fails as a
     * storage fault (503), not as a bug (500). */
    if (!j && json_error_code(&err) != json_error_out_of_memory) store_note_error(SQLITE_CORRUPT);
    return j;
}

static json_t *fail(json_t *o)
{
    json_decref(o);
    return NULL;
}

json_t *render_article_summary(sqlite3_stmt *st)
{
    json_t *o = json_object();
    if (!o) return NULL;
    bool ok = put(o, "id", col_int(st, 0)) && put(o, "slug", render_text(st, 1)) && put(o, "title", render_text(st, 2)) &&
              put(o, "category", render_text(st, 3)) && put(o, "category_slug", render_text(st, 4)) &&
              put(o, "published", render_text(st, 5)) && put(o, "venue", render_text(st, 6)) &&
              put(o, "note", render_text(st, 7)) && put(o, "authors", col_json(st, 8)) &&
              put(o, "word_count", col_int(st, 9)) && put(o, "paragraph_count", col_int(st, 10)) &&
              put(o, "claim_count", col_int(st, 11)) && put(o, "endnote_count", col_int(st, 12)) &&
              put(o, "source_sha256", render_text(st, 13)) && put(o, "parser_version", col_int(st, 14)) &&
              put(o, "version", col_int(st, 15)) && put(o, "updated_at", render_text(st, 16));
    return ok ? o : fail(o);
}

json_t *render_claim(sqlite3_stmt *st)
{
    json_t *o = json_object();
    if (!o) return NULL;
    bool ok = put(o, "id", col_int(st, 0)) && put(o, "key", render_text(st, 1)) && put(o, "article_id", col_int(st, 2)) &&
              put(o, "index", col_int(st, 3)) && put(o, "paragraph", col_int(st, 4)) &&
              put(o, "start", col_int(st, 5)) && put(o, "end", col_int(st, 6)) &&
              put(o, "start_utf16", col_int(st, 7)) && put(o, "end_utf16", col_int(st, 8)) &&
              put(o, "text", render_text(st, 9)) && put(o, "endnotes", col_json(st, 14)) &&
              put(o, "endnote_ids", col_json(st, 15)) && put(o, "cited", col_bool(st, 10)) &&
              put(o, "quote", col_bool(st, 11)) && put(o, "statistic", col_bool(st, 12)) &&
              put(o, "normative", col_bool(st, 13));
    return ok ? o : fail(o);
}

json_t *render_endnote(sqlite3_stmt *st)
{
    json_t *o = json_object();
    if (!o) return NULL;
    static const char *const fields[] = {"raw", "author", "date", "title", "publisher", "retrieved",
                                         "url", "host", "domain"};
    bool ok = put(o, "id", col_int(st, 0)) && put(o, "article_id", col_int(st, 1)) && put(o, "n", col_int(st, 2));
    for (int k = 0; ok && k < 9; k++) ok = put(o, fields[k], render_text(st, 3 + k));
    ok = ok && put(o, "cited_by", col_json(st, 12));
    return ok ? o : fail(o);
}

json_t *render_rows(sqlite3 *db, sqlite3_stmt *st, json_t *(*render)(sqlite3_stmt *))
{
    json_t *a = json_array();
    int rc = SQLITE_DONE;
    while (a && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (json_array_append_new(a, render(st)) < 0) {
            json_decref(a);
            a = NULL;
        }
    }
    if (a && rc != SQLITE_DONE) {
        fprintf(stderr, "essayd: %s\n", sqlite3_errmsg(db));
        json_decref(a);
        a = NULL;
    }
    sqlite3_reset(st);
    return a;
}

json_t *render_claim_endnotes(sqlite3 *db, int64_t claim_id)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT " ENDNOTE_COLUMNS " FROM claim_endnotes ce "
                                      "JOIN endnotes e ON e.id = ce.endnote_id WHERE ce.claim_id = ? ORDER BY ce.pos");
    if (!st) return NULL;
    sqlite3_bind_int64(st, 1, claim_id);
    return render_rows(db, st, render_endnote);
}

static json_t *render_paragraph(sqlite3_stmt *st)
{
    json_t *o = json_object();
    if (!o) return NULL;
    bool ok = put(o, "index", col_int(st, 0)) && put(o, "kind", render_text(st, 1)) && put(o, "text", render_text(st, 2)) &&
              put(o, "markers", col_json(st, 3));
    return ok ? o : fail(o);
}

/* Appends each claim's endnote numbers and ids (in marker order) to the
 * empty "endnotes" / "endnote_ids" arrays of claims, the article's claims
 * in idx order. 0, or -1 on a database or allocation failure. */
static int add_claim_endnotes(sqlite3 *db, int64_t article_id, json_t *claims)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT ce.claim_id, ce.n, ce.endnote_id FROM claims c "
                                      "JOIN claim_endnotes ce ON ce.claim_id = c.id "
                                      "WHERE c.article_id = ? ORDER BY c.idx, ce.pos");
    if (!st) return -1;
    sqlite3_bind_int64(st, 1, article_id);
    size_t k = 0, n = json_array_size(claims);
    int rc, result = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && result == 0) {
        json_int_t claim_id = sqlite3_column_int64(st, 0);
        while (k < n && json_integer_value(json_object_get(json_array_get(claims, k), "id")) != claim_id) k++;
        if (k == n) {
            result = -1; /* rows out of step with the claims: cannot happen within one transaction */
            break;
        }
        json_t *c = json_array_get(claims, k);
        json_t *ids = sqlite3_column_type(st, 2) == SQLITE_NULL ? json_null() : json_integer(sqlite3_column_int64(st, 2));
        if (json_array_append_new(json_object_get(c, "endnotes"), json_integer(sqlite3_column_int64(st, 1))) < 0 ||
            json_array_append_new(json_object_get(c, "endnote_ids"), ids) < 0)
            result = -1;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "essayd: %s\n", sqlite3_errmsg(db));
        result = -1;
    }
    sqlite3_reset(st);
    return result;
}

json_t *render_article_full(sqlite3 *db, sqlite3_stmt *summary_row)
{
    json_t *o = render_article_summary(summary_row);
    if (!o) return NULL;
    int64_t id = sqlite3_column_int64(summary_row, 0);
    sqlite3_stmt *st = store_stmt(db, "SELECT idx, kind, text, markers FROM paragraphs WHERE article_id = ? ORDER BY idx");
    if (!st) return fail(o);
    sqlite3_bind_int64(st, 1, id);
    if (!put(o, "paragraphs", render_rows(db, st, render_paragraph))) return fail(o);
    /* The claims without their endnote arrays, which one query over the
     * article's claim_endnotes then fills in: two subqueries and two JSON
     * texts to parse per claim were most of the cost of an article. */
    st = store_stmt(db, "SELECT " CLAIM_BASE_COLUMNS ", NULL, NULL FROM claims c WHERE c.article_id = ? ORDER BY c.idx");
    if (!st) return fail(o);
    sqlite3_bind_int64(st, 1, id);
    json_t *claims = render_rows(db, st, render_claim);
    if (!put(o, "claims", claims) || add_claim_endnotes(db, id, claims) < 0) return fail(o);
    st = store_stmt(db, "SELECT " ENDNOTE_COLUMNS " FROM endnotes e WHERE e.article_id = ? ORDER BY e.n");
    if (!st) return fail(o);
    sqlite3_bind_int64(st, 1, id);
    if (!put(o, "endnotes", render_rows(db, st, render_endnote))) return fail(o);
    return o;
}

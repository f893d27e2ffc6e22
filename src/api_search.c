/*
 * api_search.c — GET /v1/search, GET /v1/facets, GET /v1/stats, and the
 * q= filter the lists share.
 *
 * Search reads the one FTS5 table (002_search.sql). Hits are ranked by
 * bm25 with titles weighted 10 to 1 over body text; the cursor carries the
 * score (as exact text, exact_text in store.c: SQLite's plain %.17g keeps
 * only 16 digits, and ties would be skipped) and the rowid, so paging is
 * the same keyset paging as every list.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "listing.h"
#include "render.h"
#include "search_query.h"
#include "store.h"
#include "text.h"

#define SNIPPET_OPEN '\x02'
#define SNIPPET_CLOSE '\x03'

/* The MATCH string: the user's expression on the text columns, and the
 * kinds asked for on the (indexed) kind column. Filtering kinds inside
 * FTS5 matters: "AND kind = 'claim'" outside it reads every matching row's
 * stored columns (300 ms for a common word in 10,000 essays; 15 ms inside). */

int api_search_filter(request *r, filter *f, const char *cond, const char *kinds)
{
    const char *q;
    int rc = param_string(r, "q", &q);
    if (rc <= 0) return rc;
    char err[128];
    char *expr = search_query_compile(q, err, sizeof err);
    if (!expr) {
        reply_bad_param(r, "q", "%s", err);
        return -1;
    }
    strbuf match = {0};
    if (sb_puts(&match, "{title body} : (") < 0 || sb_puts(&match, expr) < 0 || sb_puts(&match, ") ") < 0 ||
        sb_puts(&match, kinds) < 0)
        f->failed = true;
    else
        filter_add_text(f, cond, match.data);
    sb_free(&match);
    free(expr);
    return 1;
}

/* The snippet without its marks, and the marks' offsets in code points and
 * UTF-16 units, relative to the snippet. */
static json_t *snippet_fields(json_t *hit, const char *s)
{
    strbuf text = {0};
    json_t *marks = json_array();
    size_t len = strlen(s), cp = 0, u16 = 0, mark_cp = 0, mark_u16 = 0;
    bool ok = marks != NULL;
    for (size_t i = 0; ok && i < len;) {
        if (s[i] == SNIPPET_OPEN) {
            mark_cp = cp, mark_u16 = u16;
            i++;
            continue;
        }
        if (s[i] == SNIPPET_CLOSE) {
            ok = json_array_append_new(marks, json_pack("{s:I, s:I, s:I, s:I}", "start", (json_int_t)mark_cp, "end",
                                                         (json_int_t)cp, "start_utf16", (json_int_t)mark_u16,
                                                         "end_utf16", (json_int_t)u16)) == 0;
            i++;
            continue;
        }
        size_t j = i;
        uint32_t c = utf8_next(s, len, &j);
        ok = sb_append(&text, s + i, j - i) == 0;
        cp++;
        u16 += c >= 0x10000 ? 2 : 1;
        i = j;
    }
    json_t *snippet = NULL;
    if (ok) { /* the indexed text of a database written by other hands may not be UTF-8 */
        snippet = json_stringn(text.data ? text.data : "", text.len);
        if (!snippet) snippet = json_string_lossy(text.data ? text.data : "", text.len);
    }
    sb_free(&text);
    /* json_object_set_new takes the value even when it fails: marks is
     * ours to release only until it has been handed over. */
    if (!snippet || json_object_set_new(hit, "snippet", snippet) < 0) {
        json_decref(marks);
        return NULL;
    }
    return json_object_set_new(hit, "marks", marks) == 0 ? hit : NULL;
}

/* The page query selects no snippet: SQLite would compute a result column
 * for every match before sorting them, and a common word matches tens of
 * thousands of rows. Each hit of the page gets its snippet afterwards
 * (add_snippet) from a second, rowid-bound statement instead. */
#define HIT_COLUMNS                                                                                        \
    "search.kind, search.ref, search.article_id, (SELECT slug FROM articles WHERE id = search.article_id), " \
    "(SELECT title FROM articles WHERE id = search.article_id), -bm25(search, 10.0, 1.0, 0.0), search.rowid"

/* The snippet of one hit: the row's rowid under MATCH with the query's
 * expression. Caller frees; NULL on error. */
static char *hit_snippet(sqlite3 *db, const char *match, sqlite3_int64 rowid)
{
    /* Without the kind clause (always last; the user's terms before it are
     * quoted), so that only the user's words are marked. */
    const char *kind = NULL;
    for (const char *p = strstr(match, " kind : "); p; p = strstr(p + 1, " kind : ")) kind = p;
    if (kind && kind - match >= 4) kind -= 4; /* " AND" or " NOT" */
    char *expr = xstrndup(match, kind ? (size_t)(kind - match) : strlen(match));
    if (!expr) return NULL;
    sqlite3_stmt *st = store_stmt(db, "SELECT snippet(search, -1, char(2), char(3), '…', 16) FROM search "
                                      "WHERE search MATCH ? AND rowid = ?");
    if (!st) {
        free(expr);
        return NULL;
    }
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, rowid);
    int rc = sqlite3_step(st);
    const char *t = rc == SQLITE_ROW ? store_text(st, 0) : NULL;
    char *s = rc == SQLITE_ROW || rc == SQLITE_DONE ? xstrdup(t ? t : "") : NULL;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) store_note_error(rc); /* SQLITE_NOMEM and storage faults */
    sqlite3_reset(st);
    free(expr);
    return s;
}

/* list_decorate_fn: ctx is the compiled query. Replaces the hit's
 * temporary "_rowid" by its snippet and marks. */
static int add_snippet(sqlite3 *db, json_t *hit, void *ctx)
{
    json_t *rowid = json_object_get(hit, "_rowid");
    char *snip = rowid ? hit_snippet(db, ctx, json_integer_value(rowid)) : NULL;
    json_object_del(hit, "_rowid");
    bool ok = snip && snippet_fields(hit, snip);
    free(snip);
    if (!ok) return -1;
    /* Keep the documented key order: score last. */
    json_t *score = json_incref(json_object_get(hit, "score"));
    json_object_del(hit, "score");
    return json_object_set_new(hit, "score", score) == 0 ? 0 : -1;
}

static json_t *render_hit(sqlite3_stmt *st)
{
    const char *kind = store_text(st, 0);
    json_t *hit = json_pack("{s:s, s:I, s:{s:I, s:o, s:o}}", "type", kind ? kind : "", "id",
                            (json_int_t)sqlite3_column_int64(st, 1), "article", "id",
                            (json_int_t)sqlite3_column_int64(st, 2), "slug", render_text(st, 3), "title",
                            render_text(st, 4));
    if (!hit) return NULL;
    if (json_object_set_new(hit, "score", json_real(sqlite3_column_double(st, 5))) < 0 ||
        json_object_set_new(hit, "_rowid", json_integer(sqlite3_column_int64(st, 6))) < 0) {
        json_decref(hit);
        return NULL;
    }
    return hit;
}

/* The rank goes through the cursor as text: exact_text / exact_real
 * (store.c) make that round trip exact. */
static const list_sort BY_RANK = {
    "rank", "exact_text(bm25(search, 10.0, 1.0, 0.0))",
    " AND (bm25(search, 10.0, 1.0, 0.0), search.rowid) > (exact_real(?), ?)",
    " ORDER BY bm25(search, 10.0, 1.0, 0.0), search.rowid"};

/* ?article= and ?category= as conditions on the joined article a. 0, or -1
 * after replying. */
static int article_filters(request *r, filter *f)
{
    const char *article = NULL, *category = NULL;
    if (param_string(r, "article", &article) < 0 || param_string(r, "category", &category) < 0) return -1;
    if (article) {
        int64_t id = api_resolve_article(r->db, article);
        if (id < 0) {
            reply_internal(r, sqlite3_errmsg(r->db));
            return -1;
        }
        filter_add_int(f, "a.id = ?", id);
    }
    if (category) {
        char *slug = slugify(category, strlen(category));
        if (!slug) {
            reply_out_of_memory(r, "category slug");
            return -1;
        }
        filter_add_text(f, "a.category_slug = ?", slug);
        free(slug);
    }
    return 0;
}

void api_search(request *r)
{
    static const char *const types[] = {"article", "claim", "endnote", NULL};
    int64_t limit;
    int type = -1;
    const char *article = NULL, *category = NULL;
    filter f = {0};
    if (param_limit(r, &limit) < 0 || param_enum(r, "type", types, &type) < 0 ||
        param_string(r, "article", &article) < 0 || param_string(r, "category", &category) < 0)
        return;
    static const char *const kinds[] = {SEARCH_KINDS_ARTICLE, SEARCH_KINDS_CLAIM, SEARCH_KINDS_ENDNOTE};
    int rc = api_search_filter(r, &f, "search MATCH ?", type >= 0 ? kinds[type] : SEARCH_KINDS_HITS);
    if (rc < 0) goto done;
    if (rc == 0) {
        reply_bad_param(r, "q", "is required: the words to search for");
        goto done;
    }
    /* No join with articles: counting and ranking stay inside FTS5. */
    if (article) {
        int64_t id = api_resolve_article(r->db, article);
        if (id < 0) {
            reply_internal(r, sqlite3_errmsg(r->db));
            goto done;
        }
        filter_add_int(&f, "search.article_id = ?", id);
    }
    if (category) {
        char *slug = slugify(category, strlen(category));
        if (!slug) {
            reply_out_of_memory(r, "category slug");
            goto done;
        }
        filter_add_text(&f, "search.article_id IN (SELECT id FROM articles WHERE category_slug = ?)", slug);
        free(slug);
    }
    /* The compiled q is the filter's first value; an export takes the
     * filter over, and the pointer with it. */
    list_serve(r, "search", HIT_COLUMNS, "search.rowid", &f, &BY_RANK, limit, render_hit, add_snippet, f.bind[0].s);
done:
    filter_free(&f);
}

/* ---- facets and statistics ------------------------------------------------- */

/* Facet rows: {value, count} from columns 0 and 1, and the slug from
 * column 2 for categories. */
static json_t *render_count(sqlite3_stmt *st)
{
    return json_pack("{s:o, s:I}", "value", render_text(st, 0), "count", (json_int_t)sqlite3_column_int64(st, 1));
}

static json_t *render_count_slug(sqlite3_stmt *st)
{
    json_t *row = render_count(st);
    json_t *slug = render_text(st, 2);
    if (!row) {
        json_decref(slug);
        return NULL;
    }
    if (json_object_set_new(row, "slug", slug) == 0) return row; /* slug is taken either way */
    json_decref(row);
    return NULL;
}

/* [{value, count}] from sql_head + f's conditions + group_tail. */
static json_t *counts(request *r, const char *sql_head, const char *group_tail, const filter *f, bool with_slug)
{
    strbuf sql = {0};
    json_t *out = NULL;
    if (sb_puts(&sql, sql_head) == 0 && (!f->where.len || sb_append(&sql, f->where.data, f->where.len) == 0) &&
        sb_puts(&sql, group_tail) == 0) {
        sqlite3_stmt *st = store_stmt(r->db, sql.data);
        if (st) {
            filter_bind(f, st, 1);
            out = render_rows(r->db, st, with_slug ? render_count_slug : render_count);
        }
    }
    sb_free(&sql);
    return out;
}

/* Copies the conditions of src into dst, with their values. */
static void filter_copy(filter *dst, const filter *src)
{
    memset(dst, 0, sizeof *dst);
    if (src->where.len && sb_append(&dst->where, src->where.data, src->where.len) < 0) dst->failed = true;
    for (int k = 0; k < src->nbind; k++) {
        dst->bind[k] = src->bind[k];
        if (src->bind[k].is_text && !(dst->bind[k].s = xstrdup(src->bind[k].s))) dst->failed = true;
    }
    dst->nbind = src->nbind;
}

void api_facets(request *r)
{
    int64_t year = 0, generation;
    char year_text[8];
    const char *q = NULL;
    filter art = {0}, fa = {0}, fe = {0}, fc = {0};
    if (param_int(r, "year", 1000, 9999, &year) < 0 || param_string(r, "q", &q) < 0) return;
    /* The article filters apply to every facet; q applies to each facet's
     * own kind of text (articles: title and body; endnotes; claims). */
    if (article_filters(r, &art) < 0) goto done;
    if (year) {
        snprintf(year_text, sizeof year_text, "%04d", (int)year);
        filter_add_text(&art, "substr(a.published, 1, 4) = ?", year_text);
    }
    filter_copy(&fa, &art);
    filter_copy(&fe, &art);
    filter_copy(&fc, &art);
    if (api_search_filter(r, &fa, "a.id IN (SELECT article_id FROM search WHERE search MATCH ?)", SEARCH_KINDS_DOCUMENT) < 0 ||
        api_search_filter(r, &fe, "e.id IN (SELECT ref FROM search WHERE search MATCH ?)", SEARCH_KINDS_ENDNOTE) < 0 ||
        api_search_filter(r, &fc, "c.id IN (SELECT ref FROM search WHERE search MATCH ?)", SEARCH_KINDS_CLAIM) < 0)
        goto done;
    if (list_begin_read(r->db, &generation) < 0) {
        reply_internal(r, sqlite3_errmsg(r->db));
        goto done;
    }
    static const char ART[] = " FROM articles a WHERE 1";
    static const char END[] = " FROM endnotes e JOIN articles a ON a.id = e.article_id WHERE 1";
    static const char CLA[] = " FROM claims c JOIN articles a ON a.id = c.article_id WHERE 1";
    char sql[512];
    json_t *body = json_object(), *flags = NULL;
    bool ok = body != NULL;
#define FACET(key, head, from, f, tail, slug)                                                                    \
    do {                                                                                                         \
        snprintf(sql, sizeof sql, "%s%s", head, from);                                                           \
        ok = ok && json_object_set_new(body, key, counts(r, sql, tail, f, slug)) == 0;                           \
    } while (0)
    FACET("categories", "SELECT a.category, count(*), a.category_slug", ART, &fa,
          " GROUP BY a.category_slug ORDER BY count(*) DESC, a.category", true);
    FACET("years", "SELECT substr(a.published, 1, 4) AS y, count(*)", ART, &fa, " GROUP BY y ORDER BY y DESC", false);
    FACET("endnote_domains", "SELECT e.domain, count(*)", END, &fe,
          " GROUP BY e.domain ORDER BY count(*) DESC, e.domain LIMIT 50", false);
    FACET("endnote_publishers", "SELECT e.publisher, count(*)", END, &fe,
          " GROUP BY e.publisher ORDER BY count(*) DESC, e.publisher LIMIT 50", false);
    FACET("endnote_years", "SELECT substr(e.date, 1, 4) AS y, count(*)", END, &fe, " GROUP BY y ORDER BY y DESC", false);
#undef FACET
    snprintf(sql, sizeof sql, "SELECT count(*), sum(c.cited), sum(c.quote), sum(c.statistic), sum(c.normative), "
                              "sum(c.statistic AND NOT c.cited)%s", CLA);
    strbuf s = {0};
    sqlite3_stmt *st = NULL;
    if (ok && sb_puts(&s, sql) == 0 && (!fc.where.len || sb_append(&s, fc.where.data, fc.where.len) == 0))
        st = store_stmt(r->db, s.data);
    if (st) {
        filter_bind(&fc, st, 1);
        if (sqlite3_step(st) == SQLITE_ROW)
            flags = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "claims", (json_int_t)sqlite3_column_int64(st, 0),
                              "cited", (json_int_t)sqlite3_column_int64(st, 1), "quote",
                              (json_int_t)sqlite3_column_int64(st, 2), "statistic",
                              (json_int_t)sqlite3_column_int64(st, 3), "normative",
                              (json_int_t)sqlite3_column_int64(st, 4), "uncited_statistic",
                              (json_int_t)sqlite3_column_int64(st, 5));
        sqlite3_reset(st);
    }
    sb_free(&s);
    ok = ok && flags && json_object_set_new(body, "claim_flags", flags) == 0;
    list_end_read(r->db);
    if (!ok || fa.failed || fe.failed || fc.failed) {
        json_decref(body);
        reply_internal(r, "cannot compute facets");
        goto done;
    }
    r->cache = CACHE_LIST;
    reply_json(r, 200, body);
done:
    filter_free(&art);
    filter_free(&fa);
    filter_free(&fe);
    filter_free(&fc);
}

void api_stats(request *r)
{
    int64_t generation;
    if (list_begin_read(r->db, &generation) < 0) {
        reply_internal(r, sqlite3_errmsg(r->db));
        return;
    }
    json_t *body = NULL;
    sqlite3_stmt *st = store_stmt(
        r->db, "SELECT (SELECT count(*) FROM articles), (SELECT coalesce(sum(paragraph_count), 0) FROM articles), "
               "(SELECT count(*) FROM claims), (SELECT count(*) FROM endnotes), "
               "(SELECT coalesce(sum(word_count), 0) FROM articles), (SELECT count(*) FROM claims WHERE cited), "
               "(SELECT count(*) FROM claims WHERE statistic), "
               "(SELECT count(*) FROM claims WHERE statistic AND NOT cited)");
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        int64_t claims = sqlite3_column_int64(st, 2), cited = sqlite3_column_int64(st, 5);
        body = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I}", "articles",
                         (json_int_t)sqlite3_column_int64(st, 0), "paragraphs", (json_int_t)sqlite3_column_int64(st, 1),
                         "claims", (json_int_t)claims, "endnotes", (json_int_t)sqlite3_column_int64(st, 3), "words",
                         (json_int_t)sqlite3_column_int64(st, 4), "cited_claims", (json_int_t)cited, "cited_share",
                         claims ? (double)cited / (double)claims : 0.0, "statistics",
                         (json_int_t)sqlite3_column_int64(st, 6), "uncited_statistics",
                         (json_int_t)sqlite3_column_int64(st, 7));
    }
    if (st) sqlite3_reset(st);
    filter none = {0};
    json_t *top = body ? counts(r,
                                "SELECT e.domain, count(DISTINCT ce.claim_id) FROM claim_endnotes ce "
                                "JOIN endnotes e ON e.id = ce.endnote_id WHERE e.domain IS NOT NULL",
                                " GROUP BY e.domain ORDER BY count(DISTINCT ce.claim_id) DESC, e.domain LIMIT 10",
                                &none, false)
                       : NULL;
    list_end_read(r->db);
    if (!top || json_object_set_new(body, "most_cited_domains", top) < 0) {
        json_decref(body);
        reply_internal(r, "cannot compute statistics");
        return;
    }
    r->cache = CACHE_LIST;
    reply_json(r, 200, body);
}

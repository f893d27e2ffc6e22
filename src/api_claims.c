/* api_claims.c — GET /v1/claims, /v1/articles/{article}/claims, /v1/claims/{id}. */
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "listing.h"
#include "render.h"
#include "store.h"

static const list_sort BY_ID = {"id", NULL, " AND c.id > ?", " ORDER BY c.id"};

static int expand_endnotes(sqlite3 *db, json_t *item, void *ctx)
{
    (void)ctx;
    json_t *e = render_claim_endnotes(db, json_integer_value(json_object_get(item, "id")));
    return e && json_object_set_new(item, "endnotes_expanded", e) == 0 ? 0 : -1;
}

/* Reads the claim filters into f. Returns 0, or -1 after replying 400. */
static int claim_filters(request *r, filter *f, bool *expand)
{
    static const char *const flags[] = {"cited", "quote", "statistic", "normative"};
    static const char *const conds[] = {"c.cited = ?", "c.quote = ?", "c.statistic = ?", "c.normative = ?"};
    static const char *const expands[] = {"endnotes", NULL};
    for (int k = 0; k < 4; k++) {
        int v;
        int rc = param_bool(r, flags[k], &v);
        if (rc < 0) return -1;
        if (rc) filter_add_int(f, conds[k], v);
    }
    int64_t endnote;
    int rc = param_int(r, "endnote", 1, INT64_MAX / 2, &endnote);
    if (rc < 0) return -1;
    if (rc) filter_add_int(f, "c.id IN (SELECT claim_id FROM claim_endnotes WHERE endnote_id = ?)", endnote);
    const char *s;
    if ((rc = param_string(r, "key", &s)) < 0) return -1;
    if (rc) filter_add_text(f, "c.key = ?", s);
    if ((rc = param_string(r, "domain", &s)) < 0) return -1;
    if (rc)
        filter_add_text(f, "c.id IN (SELECT ce.claim_id FROM claim_endnotes ce JOIN endnotes e "
                           "ON e.id = ce.endnote_id WHERE e.domain = lower(?))", s);
    if ((rc = param_string(r, "publisher", &s)) < 0) return -1;
    if (rc)
        filter_add_text(f, "c.id IN (SELECT ce.claim_id FROM claim_endnotes ce JOIN endnotes e "
                           "ON e.id = ce.endnote_id WHERE e.publisher = ? COLLATE NOCASE)", s);
    if (api_search_filter(r, f, "c.id IN (SELECT ref FROM search WHERE search MATCH ?)", SEARCH_KINDS_CLAIM) < 0)
        return -1;
    int which;
    if ((rc = param_enum(r, "expand", expands, &which)) < 0) return -1;
    *expand = rc == 1;
    return 0;
}

static void serve_claims(request *r, const char *article_ref)
{
    int64_t limit;
    bool expand = false;
    filter f = {0};
    if (param_limit(r, &limit) < 0) return;
    if (!article_ref && param_string(r, "article", &article_ref) < 0) return;
    if (claim_filters(r, &f, &expand) < 0) goto done;
    if (article_ref) {
        int64_t id = api_resolve_article(r->db, article_ref);
        if (id < 0) {
            reply_internal(r, sqlite3_errmsg(r->db));
            goto done;
        }
        if (id == 0 && r->nargs) {
            reply_not_found(r, "no article with this id or slug");
            goto done;
        }
        /* ?article= naming nothing filters to nothing, like any filter. */
        filter_add_int(&f, "c.article_id = ?", id);
    }
    list_serve(r, "claims c", CLAIM_COLUMNS, "c.id", &f, &BY_ID, limit, render_claim, expand ? expand_endnotes : NULL,
               NULL);
done:
    filter_free(&f);
}

void api_claims_list(request *r) { serve_claims(r, NULL); }

void api_article_claims(request *r) { serve_claims(r, r->args[0]); }

void api_claim_get(request *r)
{
    int64_t id, generation;
    if (!api_parse_id(r->args[0], &id) || id == 0) {
        reply_not_found(r, "claim ids are positive integers");
        return;
    }
    if (list_begin_read(r->db, &generation) < 0) {
        reply_internal(r, sqlite3_errmsg(r->db));
        return;
    }
    sqlite3_stmt *st = store_stmt(r->db, "SELECT " CLAIM_COLUMNS " FROM claims c WHERE c.id = ?");
    json_t *body = NULL;
    int rc = SQLITE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && (body = render_claim(st)) && expand_endnotes(r->db, body, NULL) < 0) {
            json_decref(body);
            body = NULL;
        }
        sqlite3_reset(st);
        if (body) api_set_last_modified(r, json_integer_value(json_object_get(body, "article_id")));
    }
    list_end_read(r->db);
    if (rc == SQLITE_DONE)
        reply_not_found(r, "no claim with this id");
    else if (!body)
        reply_internal(r, "cannot render claim");
    else {
        r->cache = CACHE_ITEM;
        reply_json(r, 200, body);
    }
}

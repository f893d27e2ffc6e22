/* api_endnotes.c — GET /v1/endnotes, /v1/articles/{article}/endnotes, /v1/endnotes/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "listing.h"
#include "render.h"
#include "store.h"

static const list_sort BY_ID = {"id", NULL, " AND e.id > ?", " ORDER BY e.id"};

static void serve_endnotes(request *r, const char *article_ref)
{
    int64_t limit, year = 0, n = 0;
    const char *domain = NULL, *publisher = NULL;
    if (param_limit(r, &limit) < 0) return;
    if (!article_ref && param_string(r, "article", &article_ref) < 0) return;
    if (param_string(r, "domain", &domain) < 0 || param_string(r, "publisher", &publisher) < 0 ||
        param_int(r, "year", 1000, 9999, &year) < 0 || param_int(r, "n", 1, 9999, &n) < 0)
        return;
    filter f = {0};
    char year_text[8];
    if (domain) filter_add_text(&f, "e.domain = lower(?)", domain);
    if (publisher) filter_add_text(&f, "e.publisher = ? COLLATE NOCASE", publisher);
    if (year) {
        snprintf(year_text, sizeof year_text, "%04d", (int)year);
        filter_add_text(&f, "substr(e.date, 1, 4) = ?", year_text);
    }
    if (n) filter_add_int(&f, "e.n = ?", n);
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
        filter_add_int(&f, "e.article_id = ?", id);
    }
    list_serve(r, "endnotes e", ENDNOTE_COLUMNS, "e.id", &f, &BY_ID, limit, render_endnote, NULL);
done:
    filter_free(&f);
}

void api_endnotes_list(request *r) { serve_endnotes(r, NULL); }

void api_article_endnotes(request *r) { serve_endnotes(r, r->args[0]); }

void api_endnote_get(request *r)
{
    int64_t id, generation;
    if (!api_parse_id(r->args[0], &id) || id == 0) {
        reply_not_found(r, "endnote ids are positive integers");
        return;
    }
    if (list_begin_read(r->db, &generation) < 0) {
        reply_internal(r, sqlite3_errmsg(r->db));
        return;
    }
    sqlite3_stmt *st = store_stmt(r->db, "SELECT " ENDNOTE_COLUMNS " FROM endnotes e WHERE e.id = ?");
    json_t *body = NULL;
    int rc = SQLITE_ERROR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) body = render_endnote(st);
        sqlite3_reset(st);
    }
    list_end_read(r->db);
    if (rc == SQLITE_DONE)
        reply_not_found(r, "no endnote with this id");
    else if (!body)
        reply_internal(r, "cannot render endnote");
    else
        reply_json(r, 200, body);
}

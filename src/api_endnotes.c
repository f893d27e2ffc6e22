/* api_endnotes.c — GET /v1/endnotes, /v1/articles/{article}/endnotes, /v1/endnotes/{id}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "citeformat.h"
#include "listing.h"
#include "render.h"
#include "store.h"

static const list_sort BY_ID = {"id", NULL, " AND e.id > ?", " ORDER BY e.id"};

/* Answers with endnotes (an array of endnote objects, stolen) as CSL-JSON
 * (an array of items, as Zotero and Pandoc read it) or as biblatex
 * entries, by r->format. */
static void reply_citations(request *r, json_t *endnotes)
{
    if (!endnotes) {
        reply_internal(r, "cannot read endnotes");
        return;
    }
    size_t i;
    json_t *e;
    if (r->format == FMT_CSL) {
        json_t *items = json_array();
        json_array_foreach(endnotes, i, e) {
            if (!items || json_array_append_new(items, csl_from_endnote(e)) < 0) {
                json_decref(items);
                items = NULL;
            }
        }
        json_decref(endnotes);
        if (!items) {
            reply_internal(r, "cannot build CSL-JSON");
            return;
        }
        char *text = json_dumps(items, (r->pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
        json_decref(items);
        if (!text) {
            reply_internal(r, "cannot build CSL-JSON");
            return;
        }
        size_t len = strlen(text);
        if (r->pretty) text = append_newline(text, &len);
        reply_bytes(r, 200, "application/vnd.citationstyles.csl+json", text, len);
        free(text);
        return;
    }
    strbuf bib = {0};
    int rc = 0;
    json_array_foreach(endnotes, i, e) {
        if ((i && sb_putc(&bib, '\n') < 0) || bibtex_from_endnote(e, &bib) < 0) rc = -1;
    }
    json_decref(endnotes);
    if (rc < 0) {
        sb_free(&bib);
        reply_internal(r, "cannot build BibTeX");
        return;
    }
    reply_bytes(r, 200, "application/x-bibtex; charset=utf-8", bib.data ? bib.data : "", bib.len);
    sb_free(&bib);
}

/* Every endnote matching f, by article and number (citations are not
 * paginated: limit is checked like everywhere but does not cut them). */
static json_t *all_endnotes(request *r, const filter *f)
{
    strbuf sql = {0};
    json_t *out = NULL;
    if (sb_puts(&sql, "SELECT " ENDNOTE_COLUMNS " FROM endnotes e WHERE 1") < 0 ||
        (f->where.len && sb_append(&sql, f->where.data, f->where.len) < 0) ||
        sb_puts(&sql, " ORDER BY e.article_id, e.n") < 0)
        goto done;
    int64_t generation;
    if (list_begin_read(r->db, &generation) < 0) goto done;
    sqlite3_stmt *st = store_stmt(r->db, sql.data);
    if (st) {
        filter_bind(f, st, 1);
        out = render_rows(r->db, st, render_endnote);
    }
    list_end_read(r->db);
done:
    sb_free(&sql);
    return out;
}

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
    if (api_search_filter(r, &f, "e.id IN (SELECT ref FROM search WHERE search MATCH ?)", SEARCH_KINDS_ENDNOTE) < 0)
        goto done;
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
    if (r->format == FMT_CSL || r->format == FMT_BIBTEX) {
        /* Citations come whole: every matching endnote, no pages. */
        if (query_get(r, "cursor")) {
            reply_bad_param(r, "cursor", "does not apply to format=%s, which is not paginated",
                            r->format == FMT_CSL ? "csl" : "bibtex");
            goto done;
        }
        r->cache = CACHE_LIST;
        reply_citations(r, all_endnotes(r, &f));
        goto done;
    }
    list_serve(r, "endnotes e", ENDNOTE_COLUMNS, "e.id", &f, &BY_ID, limit, render_endnote, NULL, NULL);
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
        if (body) api_set_last_modified(r, json_integer_value(json_object_get(body, "article_id")));
    }
    list_end_read(r->db);
    if (rc == SQLITE_DONE)
        reply_not_found(r, "no endnote with this id");
    else if (!body)
        reply_internal(r, "cannot render endnote");
    else if (r->format == FMT_CSL || r->format == FMT_BIBTEX) {
        r->cache = CACHE_ITEM;
        json_t *one = json_array();
        if (one && json_array_append_new(one, body) == 0) {
            reply_citations(r, one);
        } else {
            json_decref(one);
            reply_out_of_memory(r, "citation list");
        }
    } else {
        r->cache = CACHE_ITEM;
        reply_json(r, 200, body);
    }
}

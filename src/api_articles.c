/* api_articles.c — GET /v1/articles and GET /v1/articles/{article}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "listing.h"
#include "negotiate.h"
#include "render.h"
#include "store.h"

bool api_parse_id(const char *s, int64_t *id)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    *id = strtoll(s, NULL, 10);
    return true;
}

void api_set_last_modified(request *r, int64_t article_id)
{
    sqlite3_stmt *st = store_stmt(r->db, "SELECT updated_at FROM articles WHERE id = ?");
    if (!st) return;
    sqlite3_bind_int64(st, 1, article_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        time_t t = iso8601_parse(store_text(st, 0));
        if (t > 0) r->last_modified = t;
    }
    sqlite3_reset(st);
}

int64_t api_resolve_article(sqlite3 *db, const char *ref)
{
    int64_t id;
    bool digits = api_parse_id(ref, &id);
    sqlite3_stmt *st = store_stmt(db, digits ? "SELECT id FROM articles WHERE id = ?"
                                             : "SELECT id FROM articles WHERE slug = ?");
    if (!st) return -1;
    if (digits)
        sqlite3_bind_int64(st, 1, id);
    else
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : rc == SQLITE_DONE ? 0 : -1;
    sqlite3_reset(st);
    return id;
}

static const list_sort ARTICLE_SORTS[] = {
    {"-published", "coalesce(a.published, '')", " AND (coalesce(a.published, ''), a.id) < (?, ?)",
     " ORDER BY coalesce(a.published, '') DESC, a.id DESC"},
    {"published", "coalesce(a.published, '')", " AND (coalesce(a.published, ''), a.id) > (?, ?)",
     " ORDER BY coalesce(a.published, '') ASC, a.id ASC"},
    {"title", "lower(a.title)", " AND (lower(a.title), a.id) > (?, ?)", " ORDER BY lower(a.title) ASC, a.id ASC"},
    {"-title", "lower(a.title)", " AND (lower(a.title), a.id) < (?, ?)", " ORDER BY lower(a.title) DESC, a.id DESC"},
};

void api_articles_list(request *r)
{
    static const char *const sort_names[] = {"-published", "published", "title", "-title", NULL};
    int64_t limit, year = 0;
    int sort = 0;
    const char *category = NULL, *venue = NULL;
    if (param_limit(r, &limit) < 0 || param_enum(r, "sort", sort_names, &sort) < 0 ||
        param_string(r, "category", &category) < 0 || param_string(r, "venue", &venue) < 0 ||
        param_int(r, "year", 1000, 9999, &year) < 0)
        return;
    filter f = {0};
    char *category_slug = NULL;
    char year_text[8];
    if (category) {
        /* A name and its slug both slugify to the stored category_slug. */
        if (!(category_slug = slugify(category, strlen(category)))) {
            reply_out_of_memory(r, "category slug");
            return;
        }
        filter_add_text(&f, "a.category_slug = ?", category_slug);
    }
    if (venue) filter_add_text(&f, "a.venue = ? COLLATE NOCASE", venue);
    if (api_search_filter(r, &f, "a.id IN (SELECT article_id FROM search WHERE search MATCH ?)", SEARCH_KINDS_DOCUMENT) < 0) {
        filter_free(&f);
        free(category_slug);
        return;
    }
    if (year) {
        snprintf(year_text, sizeof year_text, "%04d", (int)year);
        filter_add_text(&f, "substr(a.published, 1, 4) = ?", year_text);
    }
    list_serve(r, "articles a", ARTICLE_COLUMNS, "a.id", &f, &ARTICLE_SORTS[sort], limit, render_article_summary,
               NULL, NULL);
    filter_free(&f);
    free(category_slug);
}

void api_article_get(request *r)
{
    int64_t generation;
    if (list_begin_read(r->db, &generation) < 0) {
        reply_internal(r, sqlite3_errmsg(r->db));
        return;
    }
    int64_t id = api_resolve_article(r->db, r->args[0]);
    json_t *body = NULL;
    if (id > 0) {
        sqlite3_stmt *st = store_stmt(r->db, "SELECT " ARTICLE_COLUMNS " FROM articles a WHERE a.id = ?");
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            if (sqlite3_step(st) == SQLITE_ROW) {
                /* The article's own version names it: it changes exactly
                 * when the article does (and If-Match can compare it). */
                snprintf(r->etag_version, sizeof r->etag_version, "%lld.%lld", (long long)id,
                         (long long)sqlite3_column_int64(st, 15));
                r->last_modified = iso8601_parse(store_text(st, 16));
                body = render_article_full(r->db, st);
            }
            sqlite3_reset(st);
        }
    }
    list_end_read(r->db);
    if (id == 0)
        reply_not_found(r, "no article with this id or slug");
    else if (!body)
        reply_internal(r, "cannot render article");
    else {
        r->cache = CACHE_ITEM;
        reply_json(r, 200, body);
    }
}

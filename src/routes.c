/*
 * routes.c — the route table, and the checks every request passes before
 * a handler sees it: path (404), method (405/501), query parameter names
 * (400). Adding an endpoint is one row here, one handler, and the same
 * row in openapi.yaml.
 */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "http.h"

#define READ_METHODS "GET, HEAD, OPTIONS"

#define LIST_PARAMS "limit", "cursor"
#define CLAIM_FILTERS "cited", "quote", "statistic", "normative", "endnote", "key", "domain", "publisher", "expand"
#define ENDNOTE_FILTERS "domain", "publisher", "year", "n"

typedef struct {
    const char *pattern; /* "/v1/articles/{article}": {x} matches one segment */
    handler_fn handler;
    const char *params[16]; /* accepted query parameter names */
    const char *description;
} route;

static const route ROUTES[] = {
    {"/v1", api_index, {NULL}, "This list of endpoints"},
    {"/healthz", api_health, {NULL}, "Health check (reads the database)"},
    {"/openapi.yaml", api_openapi, {NULL}, "OpenAPI 3.1 description of this API"},
    {"/v1/articles", api_articles_list, {LIST_PARAMS, "category", "year", "venue", "sort", NULL},
     "Article summaries"},
    {"/v1/articles/{article}", api_article_get, {NULL},
     "One article (by id or slug) with paragraphs, claims and endnotes"},
    {"/v1/articles/{article}/claims", api_article_claims, {LIST_PARAMS, CLAIM_FILTERS, NULL},
     "The claims of one article"},
    {"/v1/articles/{article}/endnotes", api_article_endnotes, {LIST_PARAMS, ENDNOTE_FILTERS, NULL},
     "The endnotes of one article"},
    {"/v1/claims", api_claims_list, {LIST_PARAMS, "article", CLAIM_FILTERS, NULL}, "Claims across the corpus"},
    {"/v1/claims/{id}", api_claim_get, {NULL}, "One claim with its endnotes expanded"},
    {"/v1/endnotes", api_endnotes_list, {LIST_PARAMS, "article", ENDNOTE_FILTERS, NULL},
     "Endnotes across the corpus"},
    {"/v1/endnotes/{id}", api_endnote_get, {NULL}, "One endnote with the claims citing it"},
};

#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

/* Matches path against pattern, copying {param} segments into r->argbuf. */
static bool match(const char *pattern, const char *path, request *r)
{
    size_t nargs = 0, used = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/') return false;
        p++, s++;
        const char *pe = strchr(p, '/'), *se = strchr(s, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), sl = se ? (size_t)(se - s) : strlen(s);
        if (pl > 2 && p[0] == '{') {
            if (sl == 0 || nargs == MAX_PATH_ARGS || used + sl + 1 > sizeof r->argbuf) return false;
            memcpy(r->argbuf + used, s, sl);
            r->argbuf[used + sl] = '\0';
            r->args[nargs++] = r->argbuf + used;
            used += sl + 1;
        } else if (pl != sl || strncmp(p, s, pl) != 0) {
            return false;
        }
        p += pl, s += sl;
    }
    if (*p || *s) return false;
    r->nargs = nargs;
    return true;
}

static bool is_known_method(const char *m)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE",
                                        "CONNECT", NULL};
    for (int k = 0; known[k]; k++)
        if (strcmp(m, known[k]) == 0) return true;
    return false;
}

static bool accepts(const route *rt, const char *name)
{
    for (int k = 0; rt->params[k]; k++)
        if (strcmp(rt->params[k], name) == 0) return true;
    return false;
}

/* 400 for unknown, repeated or unreadable query parameters; true if the
 * query is acceptable. */
static bool check_query(request *r, const route *rt)
{
    if (r->query_overflow) {
        reply_bad_param(r, r->query_overflow, "is beyond the limit of %d query parameters", MAX_QUERY_PARAMS);
        return false;
    }
    json_t *bad = json_array();
    if (!bad) {
        reply_internal(r, "out of memory");
        return false;
    }
    for (size_t k = 0; k < r->nquery; k++) {
        const char *name = r->query[k].name, *reason = NULL;
        bool repeated = false;
        for (size_t j = 0; j < k; j++)
            if (strcmp(r->query[j].name, name) == 0) repeated = true;
        if (!accepts(rt, name))
            reason = "is not a parameter of this endpoint";
        else if (repeated)
            reason = "is given more than once";
        else if (strlen(r->query[k].value) != r->query[k].value_len)
            reason = "contains a NUL byte";
        if (!reason) continue;
        json_t *n = json_string_lossy(name, strlen(name));
        if (json_array_append_new(bad, json_pack("{s:o, s:s}", "name", n, "reason", reason)) < 0) {
            json_decref(bad);
            reply_internal(r, "out of memory");
            return false;
        }
        if (repeated) break;
    }
    if (json_array_size(bad) == 0) {
        json_decref(bad);
        return true;
    }
    reply_invalid_params(r, bad);
    return false;
}

void route_request(request *r)
{
    if (!is_known_method(r->method)) {
        reply_problem(r, 501, "not-implemented", "Not Implemented", "method %s is not implemented by this server",
                      r->method);
        return;
    }
    const route *rt = NULL;
    for (size_t k = 0; k < NROUTES && !rt; k++)
        if (match(ROUTES[k].pattern, r->path, r)) rt = &ROUTES[k];
    if (!rt) {
        reply_not_found(r, "no resource at this path; GET /v1 lists the endpoints");
        return;
    }
    if (strcmp(r->method, "OPTIONS") == 0) {
        reply_empty(r, 204, READ_METHODS);
        return;
    }
    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
        r->allow = READ_METHODS;
        reply_problem(r, 405, "method-not-allowed", "Method Not Allowed", "%s is not allowed here; allowed: %s",
                      r->method, READ_METHODS);
        return;
    }
    if (!check_query(r, rt)) return;
    rt->handler(r);
    if (!r->replied) reply_internal(r, "handler gave no reply");
}

json_t *routes_index(void)
{
    json_t *list = json_array();
    for (size_t k = 0; list && k < NROUTES; k++) {
        json_t *e = json_pack("{s:s, s:s, s:s}", "method", "GET", "path", ROUTES[k].pattern, "description",
                              ROUTES[k].description);
        if (json_array_append_new(list, e) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

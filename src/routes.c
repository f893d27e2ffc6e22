/*
 * routes.c — the route table, and the checks every request passes before
 * a handler sees it: path (404), method (405/501), query parameter names
 * (400). Adding an endpoint is one row here, one handler, and the same
 * row in openapi.yaml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "auth.h"
#include "cache.h"
#include "store.h"
#include "http.h"
#include "negotiate.h"
#include "writer.h"

#define READ_METHODS "GET, HEAD, OPTIONS"

#define LIST_PARAMS "limit", "cursor", "format", "fields", "pretty"
#define ITEM_PARAMS "fields", "pretty"
#define CLAIM_FILTERS "q", "cited", "quote", "statistic", "normative", "endnote", "key", "domain", "publisher", "expand"
#define ENDNOTE_FILTERS "q", "domain", "publisher", "year", "n"

#define F(x) (1u << (x))
#define LIST_FORMATS (F(FMT_JSON) | F(FMT_NDJSON) | F(FMT_CSV))
#define CITATION_FORMATS (F(FMT_CSL) | F(FMT_BIBTEX))

#define SUMMARY_FIELD_NAMES                                                                                \
    "id", "slug", "title", "category", "category_slug", "published", "venue", "note", "authors", "word_count", \
        "paragraph_count", "claim_count", "endnote_count", "source_sha256", "parser_version", "version",     \
        "updated_at"

static const char *const ARTICLE_SUMMARY_FIELDS[] = {SUMMARY_FIELD_NAMES, NULL};
static const char *const ARTICLE_FIELDS[] = {SUMMARY_FIELD_NAMES, "paragraphs", "claims", "endnotes", NULL};
static const char *const CLAIM_FIELDS[] = {"id", "key", "article_id", "index", "paragraph", "start", "end",
                                           "start_utf16", "end_utf16", "text", "endnotes", "endnote_ids",
                                           "cited", "quote", "statistic", "normative", "endnotes_expanded",
                                           NULL};
static const char *const HIT_FIELDS[] = {"type", "id", "article", "snippet", "marks", "score", NULL};
static const char *const ENDNOTE_FIELDS[] = {"id",        "article_id", "n",   "raw",  "author", "date",
                                             "title",     "publisher",  "retrieved", "url", "host", "domain",
                                             "cited_by", NULL};

typedef struct route {
    const char *pattern; /* "/v1/articles/{article}": {x} matches one segment */
    handler_fn handler;
    const char *params[24]; /* accepted query parameter names */
    unsigned formats;       /* F(FMT_...): what the route can answer in (negotiate_format) */
    const char *const *fields; /* what ?fields= may name; NULL: no fields= */
    const char *description;
    /* Writes (api_write.c); NULL where the method is not allowed. */
    handler_fn post, put, del;
    const char *post_description, *put_description, *delete_description;
    bool uncached; /* answers that must reflect this moment (health, metrics) */
} route;

/* Rows leave the write handlers out where there are none (NULL). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const route ROUTES[] = {
    {"/v1", api_index, {"pretty", NULL}, F(FMT_JSON), NULL, "This list of endpoints"},
    {"/healthz", api_health, {NULL}, F(FMT_JSON), NULL, "Health check (reads the database)", .uncached = true},
    {"/metrics", api_metrics, {NULL}, F(FMT_TEXT), NULL, "Prometheus metrics", .uncached = true},
    {"/openapi.yaml", api_openapi, {NULL}, F(FMT_YAML), NULL, "OpenAPI 3.1 description of this API"},
    {"/v1/articles", api_articles_list, {LIST_PARAMS, "q", "category", "year", "venue", "sort", NULL}, LIST_FORMATS,
     ARTICLE_SUMMARY_FIELDS, "Article summaries", .post = api_article_create,
     .post_description = "Publish a new article (essay text or JSON; bearer token)"},
    {"/v1/articles/{article}", api_article_get, {ITEM_PARAMS, NULL}, F(FMT_JSON), ARTICLE_FIELDS,
     "One article (by id or slug) with paragraphs, claims and endnotes", .put = api_article_put,
     .del = api_article_delete,
     .put_description = "Replace an article, or create one at this slug (bearer token; If-Match)",
     .delete_description = "Remove an article with its claims and endnotes (bearer token; If-Match)"},
    {"/v1/articles/{article}/claims", api_article_claims, {LIST_PARAMS, CLAIM_FILTERS, NULL}, LIST_FORMATS,
     CLAIM_FIELDS, "The claims of one article"},
    {"/v1/articles/{article}/endnotes", api_article_endnotes, {LIST_PARAMS, ENDNOTE_FILTERS, NULL},
     LIST_FORMATS | CITATION_FORMATS, ENDNOTE_FIELDS,
     "The endnotes of one article; format=csl or bibtex gives all of them as citations"},
    {"/v1/claims", api_claims_list, {LIST_PARAMS, "article", CLAIM_FILTERS, NULL}, LIST_FORMATS, CLAIM_FIELDS,
     "Claims across the corpus"},
    {"/v1/claims/{id}", api_claim_get, {ITEM_PARAMS, NULL}, F(FMT_JSON), CLAIM_FIELDS,
     "One claim with its endnotes expanded"},
    {"/v1/endnotes", api_endnotes_list, {LIST_PARAMS, "article", ENDNOTE_FILTERS, NULL}, LIST_FORMATS,
     ENDNOTE_FIELDS, "Endnotes across the corpus"},
    {"/v1/search", api_search, {LIST_PARAMS, "q", "type", "article", "category", NULL}, LIST_FORMATS, HIT_FIELDS,
     "Full-text search over article titles, claims and endnotes, ranked"},
    {"/v1/facets", api_facets, {"q", "category", "year", "article", "pretty", NULL}, F(FMT_JSON), NULL,
     "Counts by category, year, endnote domain, publisher and year, and claim flags"},
    {"/v1/stats", api_stats, {"pretty", NULL}, F(FMT_JSON), NULL, "Corpus totals"},
    {"/v1/endnotes/{id}", api_endnote_get, {ITEM_PARAMS, "format", NULL}, F(FMT_JSON) | CITATION_FORMATS,
     ENDNOTE_FIELDS, "One endnote with the claims citing it; format=csl or bibtex gives a citation"},
};

#pragma GCC diagnostic pop

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
        reply_out_of_memory(r, "parameter list");
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
            reply_out_of_memory(r, "parameter list");
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

/* Media types, indexed by out_format. */
static const char *const MEDIA_TYPES[] = {"application/json", "application/x-ndjson", "text/csv",
                                          "application/vnd.citationstyles.csl+json", "application/x-bibtex",
                                          "application/yaml", "text/plain"};
static const char *const FORMAT_NAMES[] = {"json", "ndjson", "csv", "csl", "bibtex", "yaml", "text"};
#define NFORMATS (sizeof FORMAT_NAMES / sizeof FORMAT_NAMES[0])

/* Picks r->format: ?format= if given (400 if the route cannot produce it),
 * else the best of the route's formats for Accept (406 if none is
 * acceptable). format= wins over Accept. */
static bool negotiate_format(request *r, const route *rt)
{
    const query_param *f = query_get(r, "format");
    if (f) {
        for (size_t k = 0; k < NFORMATS; k++) {
            if ((rt->formats & F(k)) && strcmp(f->value, FORMAT_NAMES[k]) == 0) {
                r->format = (out_format)k;
                return true;
            }
        }
        char list[128] = "";
        for (size_t k = 0; k < NFORMATS; k++) {
            if (!(rt->formats & F(k))) continue;
            if (list[0]) strcat(list, ", ");
            strcat(list, FORMAT_NAMES[k]);
        }
        reply_bad_param(r, "format", "must be one of: %s", list);
        return false;
    }
    int best_q = 0;
    for (size_t k = 0; k < NFORMATS; k++) {
        if (!(rt->formats & F(k))) continue;
        int q = accept_quality(r->h_accept, MEDIA_TYPES[k]);
        /* Ties go to the first format of the route (JSON where there is one),
         * so "Accept: * / *" gets JSON. */
        if (q > best_q) {
            best_q = q;
            r->format = (out_format)k;
        }
    }
    if (best_q > 0) return true;
    char list[256] = "";
    for (size_t k = 0; k < NFORMATS; k++) {
        if (!(rt->formats & F(k))) continue;
        if (list[0]) strcat(list, ", ");
        strcat(list, MEDIA_TYPES[k]);
    }
    reply_problem(r, 406, "not-acceptable", "Not Acceptable",
                  "this resource is available as %s (or choose with ?format=)", list);
    return false;
}

/* ?fields=a,b: every name must be a field of the route's objects. */
static bool read_fields(request *r, const route *rt)
{
    const query_param *f = query_get(r, "fields");
    if (!f) return true;
    if (r->format == FMT_CSL || r->format == FMT_BIBTEX) {
        reply_bad_param(r, "fields", "does not apply to citation formats, whose fields are fixed");
        return false;
    }
    if (f->value_len == 0 || f->value_len >= sizeof r->fieldbuf) {
        reply_bad_param(r, "fields", "must be a comma-separated list of field names");
        return false;
    }
    memcpy(r->fieldbuf, f->value, f->value_len + 1);
    for (char *save = NULL, *name = strtok_r(r->fieldbuf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
        bool known = false;
        for (size_t k = 0; rt->fields[k] && !known; k++) known = strcmp(rt->fields[k], name) == 0;
        if (!known) {
            reply_bad_param(r, "fields", "names an unknown field '%s'", name);
            return false;
        }
        if (r->nfields == MAX_FIELDS) {
            reply_bad_param(r, "fields", "names more than %d fields", MAX_FIELDS);
            return false;
        }
        r->fields[r->nfields++] = name;
    }
    if (r->nfields == 0) {
        reply_bad_param(r, "fields", "must name at least one field");
        return false;
    }
    return true;
}

static bool read_pretty(request *r)
{
    const query_param *p = query_get(r, "pretty");
    if (!p) return true;
    if (strcmp(p->value, "1") == 0 || strcmp(p->value, "true") == 0 || p->value_len == 0) {
        r->pretty = true;
        return true;
    }
    if (strcmp(p->value, "0") == 0 || strcmp(p->value, "false") == 0) return true;
    reply_bad_param(r, "pretty", "must be 1, true, 0 or false");
    return false;
}

/* The Allow header of a route: string literals, so that it outlives the
 * request. */
static const char *allowed_methods(const route *rt)
{
    if (rt->post) return "GET, HEAD, POST, OPTIONS";
    if (rt->put && rt->del) return "GET, HEAD, PUT, DELETE, OPTIONS";
    return READ_METHODS;
}

/* The query parameters a write takes. */
static const route WRITE_QUERY = {.pattern = "", .params = {"pretty", NULL}, .fields = NULL};

/* Writes need the server to have a token (else 403) and the client to
 * present it (else 401 with a Bearer challenge, RFC 6750). */
static bool authorised(request *r)
{
    if (!auth_enabled()) {
        reply_problem(r, 403, "writes-disabled", "Writes Disabled",
                      "this server is read-only: writes are enabled by starting it with --token-file");
        return false;
    }
    auth_result a = auth_check(r->h_authorization);
    if (a == AUTH_OK) return true;
    reply_add_header(r, "WWW-Authenticate",
                     a == AUTH_MISSING ? "Bearer realm=\"essayd\"" : "Bearer realm=\"essayd\", error=\"invalid_token\"");
    reply_problem(r, 401, "unauthorized", "Unauthorized",
                  a == AUTH_MISSING ? "writes need an Authorization: Bearer TOKEN header"
                                    : "the bearer token is not valid for this server");
    return false;
}

/* Answers from the response cache when it holds this representation at
 * the current data generation; otherwise leaves the key in r, so that the
 * reply layer stores what the handler renders. The key is the request
 * target as sent (path, query) and the format Accept chose; everything
 * else a response depends on (encoding, CORS, 304) is decided per request
 * from the entry. */
static bool serve_from_cache(request *r)
{
    /* Exports may stream (never cached); small ones are not worth a lookup. */
    if (!cache_enabled() || !r->raw_uri || r->route->uncached || r->format == FMT_NDJSON || r->format == FMT_CSV)
        return false;
    int64_t generation = store_generation(r->db);
    if (generation < 0) return false;
    size_t n = strlen(r->raw_uri);
    char *key = malloc(n + 3);
    if (!key) return false;
    memcpy(key, r->raw_uri, n);
    key[n] = '\x1f';
    key[n + 1] = (char)('0' + r->format);
    key[n + 2] = '\0';
    cache_entry *e = cache_get(key, n + 2, generation);
    if (e) {
        free(key);
        reply_cached(r, e);
        cache_release(e);
        return true;
    }
    r->cache_key = key;
    r->cache_key_len = n + 2;
    r->cache_generation = generation;
    return false;
}

size_t route_count(void) { return NROUTES; }

const char *route_template(size_t index) { return index < NROUTES ? ROUTES[index].pattern : "(none)"; }

size_t route_index(const request *r) { return r->route ? (size_t)(r->route - ROUTES) : NROUTES; }

const char *const *route_fields(const request *r) { return r->route ? r->route->fields : NULL; }

void route_request(request *r)
{
    if (!is_known_method(r->method)) {
        reply_problem(r, 501, "not-implemented", "Not Implemented", "method %s is not implemented by this server",
                      r->method);
        return;
    }
    if (strcmp(r->path, "*") == 0) { /* OPTIONS * (server.c lets no other method through): the server's methods */
        reply_options(r, auth_enabled() ? "GET, HEAD, OPTIONS, POST, PUT, DELETE" : "GET, HEAD, OPTIONS");
        return;
    }
    const route *rt = NULL;
    for (size_t k = 0; k < NROUTES && !rt; k++)
        if (match(ROUTES[k].pattern, r->path, r)) rt = &ROUTES[k];
    if (!rt) {
        reply_not_found(r, "no resource at this path; GET /v1 lists the endpoints");
        return;
    }
    r->route = rt;
    const char *allow = allowed_methods(rt);
    if (strcmp(r->method, "OPTIONS") == 0) {
        reply_options(r, allow);
        return;
    }
    handler_fn h = NULL;
    if (strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0) h = rt->handler;
    else if (strcmp(r->method, "POST") == 0) h = rt->post;
    else if (strcmp(r->method, "PUT") == 0) h = rt->put;
    else if (strcmp(r->method, "DELETE") == 0) h = rt->del;
    if (!h) {
        r->allow = allow;
        reply_problem(r, 405, "method-not-allowed", "Method Not Allowed", "%s is not allowed here; allowed: %s",
                      r->method, allow);
        return;
    }
    if (h != rt->handler) {
        if (!authorised(r)) return;
        r->write_reply = true;
        if (!check_query(r, &WRITE_QUERY)) return;
        r->pretty = false;
        if (!read_pretty(r)) return;
        /* Runs on the writer thread; the reply comes when it is done. */
        if (writer_submit(r, h)) return;
        reply_add_header(r, "Retry-After", "1");
        reply_problem(r, 503, "busy", "Service Unavailable", "too many writes are waiting; retry in a moment");
        return;
    } else {
        if (!check_query(r, rt) || !negotiate_format(r, rt) || !read_fields(r, rt) || !read_pretty(r)) return;
        if (serve_from_cache(r)) return;
        h(r);
    }
    if (!r->replied) reply_internal(r, "handler gave no reply");
}

json_t *routes_index(void)
{
    json_t *list = json_array();
    for (size_t k = 0; list && k < NROUTES; k++) {
        const route *rt = &ROUTES[k];
        const char *methods[] = {"GET", rt->post ? "POST" : NULL, rt->put ? "PUT" : NULL, rt->del ? "DELETE" : NULL};
        const char *descriptions[] = {rt->description, rt->post_description, rt->put_description,
                                      rt->delete_description};
        for (size_t m = 0; m < 4; m++) {
            if (!methods[m]) continue;
            json_t *e = json_pack("{s:s, s:s, s:s}", "method", methods[m], "path", rt->pattern, "description",
                                  descriptions[m]);
            if (json_array_append_new(list, e) < 0) {
                json_decref(list);
                return NULL;
            }
        }
    }
    return list;
}

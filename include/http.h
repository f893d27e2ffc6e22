/*
 * http.h — what a resource handler sees of a request, and how it answers.
 *
 * The server (server.c) turns a libmicrohttpd connection into a `request`,
 * the router (routes.c) picks the handler, checks the method, the query
 * parameter names and the representation asked for (format=, Accept),
 * and the handler answers with exactly one reply_*() call. The reply layer
 * (reply.c) adds what every response carries: the request id, CORS,
 * caching headers and ETag, gzip, and turns If-None-Match into 304.
 */
#ifndef ESSAYD_HTTP_H
#define ESSAYD_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "server.h"

#define MAX_PATH_ARGS 4
#define MAX_QUERY_PARAMS 32
#define MAX_FIELDS 32

typedef struct {
    const char *name;  /* as sent, URL-decoded; owned by libmicrohttpd */
    const char *value; /* "" for a bare "?name" */
    size_t value_len;
} query_param;

/* Representations. FMT_JSON is the default everywhere. */
typedef enum { FMT_JSON = 0, FMT_NDJSON, FMT_CSV, FMT_CSL, FMT_BIBTEX, FMT_YAML, FMT_TEXT } out_format;

/* How long clients and caches may keep a response (reply.c picks the
 * Cache-Control for each). */
typedef enum { CACHE_NONE = 0, CACHE_LIST, CACHE_ITEM, CACHE_STATIC } cache_class;

struct route;

typedef struct request {
    struct MHD_Connection *conn;
    const server_config *cfg;
    const char *method;
    const char *path;
    const char *raw_uri; /* path and query as sent (owned by the server) */
    sqlite3 *db; /* this worker thread's read connection */
    const struct route *route; /* NULL until routed (and for unknown paths) */
    const char *args[MAX_PATH_ARGS]; /* path segments matched by {param}, in argbuf */
    size_t nargs;
    char argbuf[512];
    query_param query[MAX_QUERY_PARAMS];
    size_t nquery;
    const char *query_overflow; /* the first name beyond MAX_QUERY_PARAMS, if any */
    const char *query_has_nul;  /* the first name holding a NUL byte, if any */

    /* Request headers (owned by libmicrohttpd; NULL when absent). */
    const char *h_accept, *h_accept_encoding, *h_if_none_match, *h_if_modified_since, *h_origin;
    const char *h_if_match, *h_content_type, *h_authorization;

    /* The request body of a write (POST, PUT) from a client holding the
     * token, at most cfg->max_body_bytes; owned by the server, freed with
     * the request. Other bodies are read and dropped. */
    const char *body;
    size_t body_len;
    bool preflight; /* OPTIONS with Access-Control-Request-Method */
    char request_id[132];

    /* What the router decided about the representation. */
    out_format format;
    bool pretty;
    const char *fields[MAX_FIELDS]; /* ?fields= names, in argument order; point into fieldbuf */
    size_t nfields;
    char fieldbuf[512];

    /* Set by handlers before replying, read by the reply layer. */
    cache_class cache;
    char etag_version[64]; /* "" → the hash of the body */
    time_t last_modified;  /* 0: unknown */
    char *link_next;       /* owned; freed with the request */

    /* The response cache (cache.h): set by the router on a miss, so that
     * the reply layer stores what the handler renders. */
    char *cache_key; /* owned; freed with the request */
    size_t cache_key_len;
    int64_t cache_generation;

    /* Extra response headers a handler sets (Location, WWW-Authenticate,
     * Retry-After...): names are string literals, values live in hdrbuf. */
    const char *extra_name[4];
    const char *extra_value[4];
    size_t nextra;
    char hdrbuf[512];
    size_t hdrbuf_used;
    bool write_reply; /* a write's answer: never cached, never 304, carries ETag */
    /* A write runs on the writer thread while its connection is suspended
     * (writer.h): its reply is held here and queued by the pool thread
     * once the connection is resumed. */
    bool deferred;
    struct MHD_Response *held;
    unsigned held_status;

    /* The reply, for the access log and metrics. */
    const char *allow;      /* sent as an Allow header with the reply when set */
    enum MHD_Result result; /* set by reply_*() */
    bool replied;
    unsigned status;
    uint64_t bytes; /* body bytes queued (for streams: filled in as sent) */
} request;

typedef void (*handler_fn)(request *r);

/* A request lives until libmicrohttpd completes it; a streamed reply that
 * may outlive that keeps it with retain and lets go with release (server.c). */
void request_retain(request *r);
void request_release(request *r);

/* ---- replies (reply.c) ------------------------------------------------- */

/* Sends body (stolen: the reply owns it, even on failure) as JSON with the
 * given status. For 200s this applies ?fields= (to the object, or to each
 * item of a list's data), ?pretty, the ETag and 304, gzip, Cache-Control
 * from r->cache, Last-Modified from r->last_modified and Link from
 * r->link_next. */
void reply_json(request *r, unsigned status, json_t *body);

struct cache_entry;
/* Answers a GET or HEAD from a cached representation (cache.h), with the
 * 304 logic, gzip choice and headers of reply_json; takes a reference of
 * its own for as long as the response is being sent. */
void reply_cached(request *r, struct cache_entry *e);

/* Appends a newline to text (malloc'd, *len bytes) for ?pretty output;
 * returns the possibly moved text, unchanged if memory ran out. */
char *append_newline(char *text, size_t *len);

/* Adds a response header to the reply that follows (at most 4; value is
 * copied). */
void reply_add_header(request *r, const char *name, const char *value);

/* The same for a body that is not JSON: data (copied) with content_type. */
void reply_bytes(request *r, unsigned status, const char *content_type, const char *data, size_t len);

/* Starts a streamed 200 (exports): libmicrohttpd calls reader until it
 * returns MHD_CONTENT_READER_END_OF_STREAM; free_cls releases cls. The
 * ETag is r->etag_version with the variant; no 304 body is produced
 * when If-None-Match matches (cls is released at once). */
void reply_stream(request *r, const char *content_type, MHD_ContentReaderCallback reader, void *cls,
                  MHD_ContentReaderFreeCallback free_cls);

/* An RFC 9457 problem. type_slug is the last part of the type URI
 * ("not-found" → "/problems/not-found"); detail is printf-style and may
 * quote client input (it is made valid UTF-8 first). */
void reply_problem(request *r, unsigned status, const char *type_slug, const char *title, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* reply_problem with RFC 9457 extension members: the members of the
 * object members (stolen; NULL for none) are added to the body. */
void reply_problem_ext(request *r, unsigned status, const char *type_slug, const char *title, json_t *members,
                       const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* A reply with no body (204). */
void reply_empty(request *r, unsigned status);

/* 400 /problems/invalid-parameter with invalid_params [{name, reason}]
 * (params is stolen). */
void reply_invalid_params(request *r, json_t *params);
/* One bad parameter: 400 naming it. */
void reply_bad_param(request *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void reply_not_found(request *r, const char *what);

/* A failure that is not the client's: 503 query-timeout when the request's
 * database deadline passed, 503 unavailable when memory ran out (oom.h) or
 * storage failed (store_fault), else 500; what goes to the log only. */
void reply_internal(request *r, const char *what);

/* The response could not be built for want of memory: 503 unavailable with
 * Retry-After, logged with what. Needs no allocation to get its answer out
 * (a fixed body when even the problem cannot be built). */
void reply_out_of_memory(request *r, const char *what);

/* 204 with headers only (OPTIONS; a CORS preflight gets its headers). */
void reply_options(request *r, const char *allow);

/* A JSON string from possibly invalid UTF-8 (bad bytes become U+FFFD).
 * New reference, NULL on allocation failure. */
json_t *json_string_lossy(const char *s, size_t len);

/* ---- query parameters (params.c) ---------------------------------------- */

/* The value of name, or NULL if absent. */
const query_param *query_get(const request *r, const char *name);

/* Each of these returns 0 when the parameter is absent (leaving *out),
 * 1 when it was read into *out, and -1 after replying 400 naming it. */
int param_bool(request *r, const char *name, int *out);
int param_int(request *r, const char *name, int64_t min, int64_t max, int64_t *out);
int param_string(request *r, const char *name, const char **out);
int param_enum(request *r, const char *name, const char *const *allowed, int *out);

/* limit: default 20, 1..500; for exports (ndjson, csv) no default (0 =
 * every row) and up to 10^9. */
int param_limit(request *r, int64_t *limit);

/* ---- routing (routes.c) ------------------------------------------------ */

/* Finds the route for r->path, checks method, query parameter names and
 * the representation, and runs its handler (or replies 404/405/406/501/400
 * itself). */
void route_request(request *r);

/* The endpoint list served at GET /v1: a new JSON array. */
json_t *routes_index(void);

/* Route templates for metrics: route_count() of them, index from
 * route_index(r) (route_count() itself for "no route"). */
size_t route_count(void);
const char *route_template(size_t index);
size_t route_index(const request *r);

/* The field names a response of this route may be cut down to with
 * ?fields= (NULL-terminated), or NULL if it takes no fields=. */
const char *const *route_fields(const request *r);

#endif

/*
 * http.h — what a resource handler sees of a request, and how it answers.
 *
 * The server (server.c) turns a libmicrohttpd connection into a `request`,
 * the router (routes.c) picks the handler and checks the method and the
 * query parameters, and the handler answers with exactly one reply_*()
 * call. Replies never fail silently: a reply that cannot be built becomes
 * a 500 problem.
 */
#ifndef ESSAYD_HTTP_H
#define ESSAYD_HTTP_H

#include <jansson.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_PATH_ARGS 4
#define MAX_QUERY_PARAMS 32

typedef struct {
    const char *name;  /* as sent, URL-decoded; owned by libmicrohttpd */
    const char *value; /* "" for a bare "?name" */
    size_t value_len;
} query_param;

typedef struct request {
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    sqlite3 *db; /* this worker thread's read connection */
    const char *args[MAX_PATH_ARGS]; /* path segments matched by {param}, in argbuf */
    size_t nargs;
    char argbuf[512];
    query_param query[MAX_QUERY_PARAMS];
    size_t nquery;
    const char *query_overflow; /* the first name beyond MAX_QUERY_PARAMS, if any */
    const char *query_has_nul;  /* the first name holding a NUL byte, if any */
    const char *allow;      /* sent as an Allow header with the reply when set */
    enum MHD_Result result; /* set by reply_*() */
    bool replied;
} request;

typedef void (*handler_fn)(request *r);

/* ---- replies (reply.c) ------------------------------------------------- */

/* Sends body (stolen: the reply owns it, even on failure) as
 * application/json with the given status. */
void reply_json(request *r, unsigned status, json_t *body);

/* An RFC 9457 problem. type_slug is the last part of the type URI
 * ("not-found" → "/problems/not-found"); detail is printf-style and may
 * quote client input (it is made valid UTF-8 first). */
void reply_problem(request *r, unsigned status, const char *type_slug, const char *title, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* 400 /problems/invalid-parameter with invalid_params [{name, reason}]
 * (params is stolen). */
void reply_invalid_params(request *r, json_t *params);
/* One bad parameter: 400 naming it. */
void reply_bad_param(request *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void reply_not_found(request *r, const char *what);
void reply_internal(request *r, const char *what);

/* Sends a body given as bytes (copied) with a content type. */
void reply_bytes(request *r, unsigned status, const char *content_type, const char *data, size_t len);
/* 204 with headers only (used for OPTIONS). */
void reply_empty(request *r, unsigned status, const char *allow);

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

/* limit (default 20, 1..500). */
int param_limit(request *r, int64_t *limit);

/* ---- routing (routes.c) ------------------------------------------------ */

/* Finds the route for r->path, checks method and query parameter names,
 * and runs its handler (or replies 404/405/501/400 itself). */
void route_request(request *r);

/* The endpoint list served at GET /v1: a new JSON array. */
json_t *routes_index(void);

#endif

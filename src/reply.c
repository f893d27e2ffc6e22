/*
 * reply.c — JSON and problem+json responses.
 *
 * Every reply goes through queue(): create the libmicrohttpd response,
 * add the common headers, queue it, destroy our reference.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "text.h"

static void add_common_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
}

/* Takes ownership of data (malloc'd), which libmicrohttpd frees. */
static void queue(request *r, unsigned status, const char *content_type, char *data, size_t len,
                  const char *allow)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, data, data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        r->result = MHD_NO; /* the connection is closed: nothing else can be said */
        r->replied = true;
        return;
    }
    if (content_type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (!allow) allow = r->allow;
    if (allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    add_common_headers(resp);
    r->result = MHD_queue_response(r->conn, status, resp);
    r->replied = true;
    MHD_destroy_response(resp);
}

/* A last resort that needs no allocation from jansson. */
static void reply_static_500(request *r)
{
    static const char body[] = "{\"type\":\"/problems/internal-error\",\"title\":\"Internal Server Error\","
                               "\"status\":500,\"detail\":\"out of memory\"}";
    char *copy = malloc(sizeof body - 1);
    if (copy) memcpy(copy, body, sizeof body - 1);
    queue(r, 500, "application/problem+json", copy, copy ? sizeof body - 1 : 0, NULL);
}

static void send_json(request *r, unsigned status, const char *content_type, json_t *body)
{
    if (!body) {
        reply_static_500(r);
        return;
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        reply_static_500(r);
        return;
    }
    queue(r, status, content_type, text, strlen(text), NULL);
}

void reply_json(request *r, unsigned status, json_t *body) { send_json(r, status, "application/json", body); }

json_t *json_string_lossy(const char *s, size_t len)
{
    if (utf8_valid(s, len, NULL)) return json_stringn(s, len);
    strbuf sb = {0};
    size_t i = 0;
    while (i < len) {
        size_t bad;
        if (utf8_valid(s + i, len - i, &bad)) bad = len - i;
        if (sb_append(&sb, s + i, bad) < 0) goto oom;
        i += bad;
        if (i < len) {
            if (sb_puts(&sb, "\xEF\xBF\xBD") < 0) goto oom;
            i++;
        }
    }
    json_t *j = json_stringn(sb.data ? sb.data : "", sb.len);
    sb_free(&sb);
    return j;
oom:
    sb_free(&sb);
    return NULL;
}

static json_t *problem_body(unsigned status, const char *type_slug, const char *title, const char *detail)
{
    char type[96];
    snprintf(type, sizeof type, "/problems/%s", type_slug);
    json_t *d = json_string_lossy(detail, strlen(detail));
    if (!d) return NULL;
    return json_pack("{s:s, s:s, s:i, s:o}", "type", type, "title", title, "status", (int)status, "detail", d);
}

static void vproblem(request *r, unsigned status, const char *type_slug, const char *title, json_t *extra,
                     const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void vproblem(request *r, unsigned status, const char *type_slug, const char *title, json_t *extra,
                     const char *fmt, va_list ap)
{
    char detail[512];
    vsnprintf(detail, sizeof detail, fmt, ap);
    json_t *body = problem_body(status, type_slug, title, detail);
    if (body && extra && json_object_set_new(body, "invalid_params", extra) < 0) {
        json_decref(body);
        body = NULL;
    } else if (!body) {
        json_decref(extra);
    }
    send_json(r, status, "application/problem+json", body);
}

void reply_problem(request *r, unsigned status, const char *type_slug, const char *title, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(r, status, type_slug, title, NULL, fmt, ap);
    va_end(ap);
}

static void invalid_params(request *r, json_t *params, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void invalid_params(request *r, json_t *params, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(r, 400, "invalid-parameter", "Invalid parameter", params, fmt, ap);
    va_end(ap);
}

void reply_invalid_params(request *r, json_t *params)
{
    size_t n = json_array_size(params);
    const char *first = n ? json_string_value(json_object_get(json_array_get(params, 0), "name")) : NULL;
    const char *reason = n ? json_string_value(json_object_get(json_array_get(params, 0), "reason")) : NULL;
    if (n == 1)
        invalid_params(r, params, "query parameter '%s' %s", first ? first : "?", reason ? reason : "is invalid");
    else
        invalid_params(r, params, "%zu query parameters are invalid; see invalid_params", n);
}

void reply_bad_param(request *r, const char *name, const char *fmt, ...)
{
    char reason[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    json_t *n = json_string_lossy(name, strlen(name));
    json_t *p = json_pack("[{s:o, s:s}]", "name", n, "reason", reason);
    if (!p) {
        reply_static_500(r);
        return;
    }
    reply_invalid_params(r, p);
}

void reply_not_found(request *r, const char *what)
{
    reply_problem(r, 404, "not-found", "Not Found", "%s", what);
}

void reply_internal(request *r, const char *what)
{
    fprintf(stderr, "essayd: internal error on %s %s: %s\n", r->method, r->path, what);
    reply_problem(r, 500, "internal-error", "Internal Server Error", "the server could not complete the request");
}

void reply_bytes(request *r, unsigned status, const char *content_type, const char *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        reply_static_500(r);
        return;
    }
    memcpy(copy, data, len);
    queue(r, status, content_type, copy, len, NULL);
}

void reply_empty(request *r, unsigned status, const char *allow) { queue(r, status, NULL, NULL, 0, allow); }

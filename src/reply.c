/*
 * reply.c — every response leaves through here.
 *
 * Three kinds of reply share one finish(): a 200 representation (fields,
 * pretty printing, ETag and 304, gzip, Cache-Control, Last-Modified,
 * Link), a streamed export (the same headers, body produced on demand and
 * gzipped on the fly), and everything else (problems, 204s: no-store).
 * finish() adds what every response carries: X-Request-Id, CORS, nosniff.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "auth.h"
#include "cache.h"
#include "gzip.h"
#include "http.h"
#include "negotiate.h"
#include "oom.h"
#include "server.h"
#include "store.h"
#include "text.h"

/* Bodies smaller than this go out uncompressed: gzip's header and the
 * client's work cost more than the bytes saved. */
#define GZIP_MIN_BYTES 1024

static const char EXPOSED_HEADERS[] = "ETag, Link, X-Request-Id, Last-Modified, Location";

static bool cors_is_list(const request *r) { return strcmp(r->cfg->cors_origins, "*") != 0; }

/* Is origin one of the comma-separated configured origins? */
static bool origin_allowed(const char *list, const char *origin)
{
    size_t n = strlen(origin);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ') p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ') e++;
        if ((size_t)(e - p) == n && n > 0 && memcmp(p, origin, n) == 0) return true;
        p = e;
    }
    return false;
}

static void add_cors(const request *r, struct MHD_Response *resp)
{
    if (!cors_is_list(r)) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
    } else if (r->h_origin && origin_allowed(r->cfg->cors_origins, r->h_origin)) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", r->h_origin);
    }
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", EXPOSED_HEADERS);
}

/* Vary for a response: what it depends on besides the URL. */
static void add_vary(const request *r, struct MHD_Response *resp, bool negotiated)
{
    char vary[64] = "";
    if (negotiated) strcat(vary, "Accept, Accept-Encoding");
    if (cors_is_list(r)) strcat(vary, negotiated ? ", Origin" : "Origin");
    if (vary[0]) MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, vary);
}

/* Adds the headers every response carries and queues it. Consumes resp. */
static void finish(request *r, unsigned status, struct MHD_Response *resp, uint64_t body_bytes)
{
    if (!resp) {
        r->result = MHD_NO; /* the connection is closed: nothing else can be said */
        r->replied = true;
        r->status = 500;
        return;
    }
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    /* JSON is data, never a document: nothing in it may load, run or be
     * framed, should a browser ever render one. */
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
    if (r->allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    for (size_t k = 0; k < r->nextra; k++) MHD_add_response_header(resp, r->extra_name[k], r->extra_value[k]);
    add_cors(r, resp);
    r->replied = true;
    r->status = status;
    r->bytes = strcmp(r->method, "HEAD") == 0 ? 0 : body_bytes;
    if (r->deferred) { /* queued by the pool thread (writer.h) */
        r->held = resp;
        r->held_status = status;
        r->result = MHD_YES;
        return;
    }
    r->result = MHD_queue_response(r->conn, status, resp);
    MHD_destroy_response(resp);
}

void reply_add_header(request *r, const char *name, const char *value)
{
    size_t n = strlen(value) + 1;
    if (r->nextra == sizeof r->extra_name / sizeof r->extra_name[0] || r->hdrbuf_used + n > sizeof r->hdrbuf) return;
    memcpy(r->hdrbuf + r->hdrbuf_used, value, n);
    r->extra_name[r->nextra] = name;
    r->extra_value[r->nextra++] = r->hdrbuf + r->hdrbuf_used;
    r->hdrbuf_used += n;
}

/* A response that is not a cacheable representation: errors, 204s. Takes
 * data (malloc'd or NULL). */
static void queue_plain(request *r, unsigned status, const char *content_type, char *data, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, data, data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(data);
        finish(r, status, NULL, 0);
        return;
    }
    if (content_type) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (status != 204 || r->write_reply) MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (r->write_reply && r->etag_version[0] && status < 300) {
        char etag[128];
        snprintf(etag, sizeof etag, "\"%s-id\"", r->etag_version);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    }
    add_vary(r, resp, false);
    finish(r, status, resp, len);
}

#define SHORT_OF_MEMORY "the server is short of memory; retry"

/* reply_out_of_memory's answer from a fixed body, for when not even the
 * problem could be built (jansson may be what ran out). */
static void reply_static_503(request *r)
{
    static const char body[] = "{\"type\":\"/problems/unavailable\",\"title\":\"Service Unavailable\","
                               "\"status\":503,\"detail\":\"" SHORT_OF_MEMORY "\"}";
    bool retry_after = false;
    for (size_t k = 0; k < r->nextra; k++) retry_after = retry_after || strcmp(r->extra_name[k], MHD_HTTP_HEADER_RETRY_AFTER) == 0;
    if (!retry_after) reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    char *copy = malloc(sizeof body - 1);
    if (copy) memcpy(copy, body, sizeof body - 1);
    queue_plain(r, 503, "application/problem+json", copy, copy ? sizeof body - 1 : 0);
}

/* ---- representations ----------------------------------------------------- */

static const char *format_name(out_format f)
{
    static const char *const names[] = {"json", "ndjson", "csv", "csl", "bibtex", "yaml", "text"};
    return names[f];
}

/* The ETag: "<version>-<encoding>[.<hash of format, fields, pretty>]". */
static void make_etag(const request *r, const char *version, bool gz, char out[128])
{
    char variant[96] = "";
    if (r->format != FMT_JSON || r->nfields || r->pretty) {
        strbuf sb = {0};
        sb_puts(&sb, format_name(r->format));
        for (size_t k = 0; k < r->nfields; k++) {
            sb_putc(&sb, k ? ',' : ';');
            sb_puts(&sb, r->fields[k]);
        }
        if (r->pretty) sb_puts(&sb, ";pretty");
        char h[65];
        sha256_hex(sb.data ? sb.data : "", sb.len, h);
        sb_free(&sb);
        snprintf(variant, sizeof variant, ".%.8s", h);
    }
    snprintf(out, 128, "\"%s-%s%s\"", version, gz ? "gz" : "id", variant);
}

static void add_cache_headers(const request *r, struct MHD_Response *resp, const char *etag)
{
    char cc[64];
    switch (r->cache) {
    case CACHE_LIST: snprintf(cc, sizeof cc, "public, max-age=%u, must-revalidate", r->cfg->max_age_list); break;
    case CACHE_ITEM: snprintf(cc, sizeof cc, "public, max-age=%u", r->cfg->max_age_item); break;
    case CACHE_STATIC: snprintf(cc, sizeof cc, "public, max-age=3600"); break;
    default: snprintf(cc, sizeof cc, "no-store"); break;
    }
    /* With writes on, the corpus can change at any moment: caches must
     * revalidate every time (cheap with the ETag: a 304). */
    if (auth_enabled() && (r->cache == CACHE_LIST || r->cache == CACHE_ITEM)) snprintf(cc, sizeof cc, "no-cache");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
    if (etag) MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    if (r->last_modified > 0) {
        char date[32];
        http_date_format(r->last_modified, date);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
    }
    add_vary(r, resp, true);
}

/* The headers of a 200 representation, whether its body is a buffer, a
 * stream, or left out (HEAD). */
static void add_representation_headers(const request *r, struct MHD_Response *resp, const char *content_type, bool gz,
                                       const char *etag)
{
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (gz) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    add_cache_headers(r, resp, etag);
}

/* If-None-Match wins; If-Modified-Since counts only without it. */
static bool not_modified(const request *r, const char *etag)
{
    if (r->h_if_none_match) return etag_matches(r->h_if_none_match, etag);
    if (r->h_if_modified_since && r->last_modified > 0) {
        time_t ims = http_date_parse(r->h_if_modified_since);
        return ims >= 0 && r->last_modified <= ims;
    }
    return false;
}

/* A 304 carries the headers of the 200 it stands for, and no body.
 * libmicrohttpd sends a 304's headers without its body, Content-Length
 * included, so giving it the 200's body (data, taken) makes that length the
 * 200's, as RFC 9110 8.6 requires. Streams have no length: their 304 gets
 * an empty body (Content-Length: 0; libmicrohttpd 0.9.75 would send a
 * stray last chunk after a 304 of unknown size). */
static void reply_304(request *r, const char *etag, char *data, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, data, data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp)
        add_cache_headers(r, resp, etag);
    else
        free(data);
    finish(r, 304, resp, 0);
}

static void release_entry(void *cls) { cache_release(cls); }

/* An entry with the gzip body added (gzip is made on first demand, not
 * for every miss: most clients of a random article never ask for it
 * again). Returns e itself (with a new reference) when gzip does not pay. */
static cache_entry *with_gzip(cache_entry *e)
{
    size_t zlen = 0;
    char *z = gzip_compress(e->body, e->len, &zlen);
    cache_entry *ne = NULL;
    if (z && zlen < e->len)
        ne = cache_entry_new(e->key, e->keylen, e->generation, e->body, e->len, z, zlen, e->content_type, e->version,
                             e->last_modified, e->cache_class, e->link_next);
    free(z);
    if (!ne) {
        if (!z || zlen >= e->len) atomic_store(&e->gzip_useless, true);
        return cache_get_ref(e);
    }
    cache_put(ne);
    return ne;
}

void reply_cached(request *r, cache_entry *e)
{
    bool wants_gz = e->len >= GZIP_MIN_BYTES && accepts_gzip(r->h_accept_encoding);
    /* The response points into the entry, which stays alive (its own
     * reference) until libmicrohttpd has sent it, evicted or not. */
    cache_entry *ref = wants_gz && !e->gz && !atomic_load(&e->gzip_useless) ? with_gzip(e) : cache_get_ref(e);
    bool gz = wants_gz && ref->gz;
    const char *data = gz ? ref->gz : ref->body;
    size_t len = gz ? ref->gzlen : ref->len;
    char etag[128];
    make_etag(r, ref->version, gz, etag);
    r->cache = (cache_class)ref->cache_class;
    r->last_modified = ref->last_modified;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)(uintptr_t)data, release_entry, ref);
    if (!resp) {
        cache_release(ref);
        finish(r, 500, NULL, 0);
        return;
    }
    if (not_modified(r, etag)) { /* a 304 carries the 200's length (see reply_304) */
        add_cache_headers(r, resp, etag);
        finish(r, 304, resp, 0);
        return;
    }
    add_representation_headers(r, resp, ref->content_type, gz, etag);
    if (ref->link_next) {
        strbuf link = {0};
        if (sb_putc(&link, '<') == 0 && sb_puts(&link, ref->link_next) == 0 && sb_puts(&link, ">; rel=\"next\"") == 0)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LINK, link.data);
        sb_free(&link);
    }
    finish(r, 200, resp, len);
}

/* The ETag's version part: the handler's, else a hash of the body. */
static void body_version(const request *r, const char *data, size_t len, char version[80])
{
    if (r->etag_version[0]) {
        snprintf(version, 80, "%s", r->etag_version);
    } else {
        char h[65];
        sha256_hex(data, len, h);
        snprintf(version, 80, "h%.16s", h);
    }
}

/* Renders once into the cache and answers from there (reply_cached adds
 * the gzip body when a client first asks for it). Takes data; false
 * (data untouched) if the entry cannot be made. */
static bool send_through_cache(request *r, const char *content_type, char *data, size_t len)
{
    char version[80];
    body_version(r, data, len, version);
    cache_entry *e = cache_entry_new(r->cache_key, r->cache_key_len, r->cache_generation, data, len, NULL, 0,
                                     content_type, version, r->last_modified, (int)r->cache, r->link_next);
    if (!e) return false;
    free(data);
    cache_put(e);
    reply_cached(r, e);
    cache_release(e);
    return true;
}

/* Sends data (malloc'd, taken) as a 200 representation. */
static void send_representation(request *r, const char *content_type, char *data, size_t len)
{
    if (r->cache_key && r->cache != CACHE_NONE && cache_admit(r->cache_key, r->cache_key_len) &&
        send_through_cache(r, content_type, data, len))
        return;
    char version[80];
    body_version(r, data, len, version);
    size_t zlen = 0;
    char *z = len >= GZIP_MIN_BYTES && accepts_gzip(r->h_accept_encoding) ? gzip_compress(data, len, &zlen) : NULL;
    char etag[128];
    make_etag(r, version, z != NULL, etag);
    if (not_modified(r, etag)) {
        if (z) {
            free(data);
            reply_304(r, etag, z, zlen);
        } else {
            reply_304(r, etag, data, len);
        }
        return;
    }
    if (z) {
        free(data);
        data = z;
        len = zlen;
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        finish(r, 500, NULL, 0);
        return;
    }
    add_representation_headers(r, resp, content_type, z != NULL, etag);
    if (r->link_next) {
        strbuf link = {0};
        if (sb_putc(&link, '<') == 0 && sb_puts(&link, r->link_next) == 0 && sb_puts(&link, ">; rel=\"next\"") == 0)
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LINK, link.data);
        sb_free(&link);
    }
    finish(r, 200, resp, len);
}

/* Keeps only the requested fields of obj, in place. */
static void select_fields(const request *r, json_t *obj)
{
    if (!json_is_object(obj)) return;
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe(obj, tmp, key, value) {
        (void)value;
        bool keep = false;
        for (size_t k = 0; k < r->nfields && !keep; k++) keep = strcmp(r->fields[k], key) == 0;
        if (!keep) json_object_del(obj, key);
    }
}

char *append_newline(char *text, size_t *len)
{
    char *t = realloc(text, *len + 2);
    if (!t) return text;
    t[(*len)++] = '\n';
    t[*len] = '\0';
    return t;
}

void reply_json(request *r, unsigned status, json_t *body)
{
    if (!body) {
        reply_static_503(r);
        return;
    }
    bool representation = status == 200 && !r->write_reply;
    if (representation && r->nfields) {
        json_t *data = json_object_get(body, "data");
        if (json_is_array(data) && json_object_get(body, "meta")) {
            size_t i;
            json_t *item;
            json_array_foreach(data, i, item) select_fields(r, item);
        } else {
            select_fields(r, body);
        }
    }
    char *text = json_dumps(body, (r->pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!text) {
        reply_static_503(r);
        return;
    }
    size_t len = strlen(text);
    if (r->pretty) text = append_newline(text, &len);
    if (representation)
        send_representation(r, "application/json", text, len);
    else
        queue_plain(r, status, status >= 400 ? "application/problem+json" : "application/json", text, len);
}

void reply_bytes(request *r, unsigned status, const char *content_type, const char *data, size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy) {
        reply_static_503(r);
        return;
    }
    memcpy(copy, data, len);
    if (status == 200)
        send_representation(r, content_type, copy, len);
    else
        queue_plain(r, status, content_type, copy, len);
}

/* ---- streams --------------------------------------------------------------
 * The handler's reader produces the body; this wrapper counts what is sent
 * and, when the client accepts gzip, compresses it on the fly. */

typedef struct {
    request *r; /* retained until the stream is freed */
    MHD_ContentReaderCallback inner;
    void *inner_cls;
    MHD_ContentReaderFreeCallback inner_free;
    uint64_t inner_pos;
    bool gz, inner_done, gz_done;
    z_stream z;
    char in[16 * 1024];
} stream;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream *s = cls;
    if (!s->gz) {
        ssize_t n = s->inner(s->inner_cls, s->inner_pos, buf, max);
        if (n > 0) {
            s->inner_pos += (uint64_t)n;
            s->r->bytes += (uint64_t)n;
        }
        return n;
    }
    if (s->gz_done) return MHD_CONTENT_READER_END_OF_STREAM;
    s->z.next_out = (Bytef *)buf;
    s->z.avail_out = (uInt)max;
    while (s->z.avail_out == max) {
        if (s->z.avail_in == 0 && !s->inner_done) {
            ssize_t n = s->inner(s->inner_cls, s->inner_pos, s->in, sizeof s->in);
            if (n == MHD_CONTENT_READER_END_WITH_ERROR) return n;
            if (n == MHD_CONTENT_READER_END_OF_STREAM) {
                s->inner_done = true;
            } else {
                s->inner_pos += (uint64_t)n;
                s->z.next_in = (Bytef *)s->in;
                s->z.avail_in = (uInt)n;
            }
        }
        int rc = deflate(&s->z, s->inner_done ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            s->gz_done = true;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t produced = max - s->z.avail_out;
    s->r->bytes += produced;
    if (produced == 0) return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)produced;
}

static void stream_free(void *cls)
{
    stream *s = cls;
    if (s->gz) deflateEnd(&s->z);
    if (s->inner_free) s->inner_free(s->inner_cls);
    request_release(s->r);
    free(s);
}

void reply_stream(request *r, const char *content_type, MHD_ContentReaderCallback reader, void *cls,
                  MHD_ContentReaderFreeCallback free_cls)
{
    bool gz = accepts_gzip(r->h_accept_encoding);
    char etag[128];
    make_etag(r, r->etag_version[0] ? r->etag_version : "stream", gz, etag);
    if (not_modified(r, etag) || strcmp(r->method, "HEAD") == 0) {
        /* HEAD gets the headers alone: libmicrohttpd 0.9.75 would still
         * send the last chunk of a chunked body after them. */
        if (free_cls) free_cls(cls);
        if (not_modified(r, etag)) {
            reply_304(r, etag, NULL, 0);
            return;
        }
        struct MHD_Response *head = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        if (head) {
            add_representation_headers(r, head, content_type, gz, etag);
        }
        finish(r, 200, head, 0);
        return;
    }
    stream *s = calloc(1, sizeof *s);
    if (!s || (gz && deflateInit2(&s->z, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)) {
        free(s);
        if (free_cls) free_cls(cls);
        reply_internal(r, "cannot start a stream");
        return;
    }
    /* Field by field: z_stream must not be copied once initialised. */
    s->r = r;
    s->inner = reader;
    s->inner_cls = cls;
    s->inner_free = free_cls;
    s->gz = gz;
    request_retain(r);
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, s,
                                                                  stream_free);
    if (!resp) {
        stream_free(s);
        finish(r, 500, NULL, 0);
        return;
    }
    add_representation_headers(r, resp, content_type, gz, etag);
    finish(r, 200, resp, 0);
}

/* ---- problems ------------------------------------------------------------- */

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

static void vproblem(request *r, unsigned status, const char *type_slug, const char *title, json_t *extra,
                     const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void vproblem(request *r, unsigned status, const char *type_slug, const char *title, json_t *extra,
                     const char *fmt, va_list ap)
{
    char detail[512], type[96];
    vsnprintf(detail, sizeof detail, fmt, ap);
    snprintf(type, sizeof type, "/problems/%s", type_slug);
    json_t *d = json_string_lossy(detail, strlen(detail));
    json_t *body = d ? json_pack("{s:s, s:s, s:i, s:o}", "type", type, "title", title, "status", (int)status,
                                 "detail", d)
                     : NULL;
    if (body && extra && json_object_update(body, extra) < 0) {
        json_decref(body);
        body = NULL;
    }
    json_decref(extra);
    reply_json(r, status, body);
}

void reply_problem(request *r, unsigned status, const char *type_slug, const char *title, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(r, status, type_slug, title, NULL, fmt, ap);
    va_end(ap);
}

static void invalid_params(request *r, json_t *params, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void reply_problem_ext(request *r, unsigned status, const char *type_slug, const char *title, json_t *members,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vproblem(r, status, type_slug, title, members, fmt, ap);
    va_end(ap);
}

static void invalid_params(request *r, json_t *params, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    json_t *members = json_object();
    if (members && json_object_set_new(members, "invalid_params", params) < 0) {
        json_decref(members);
        members = NULL;
    } else if (!members) {
        json_decref(params);
    }
    vproblem(r, 400, "invalid-parameter", "Invalid parameter", members, fmt, ap);
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
    /* Both may carry what the client sent: not necessarily UTF-8, and the
     * reason may be cut inside a character. */
    json_t *n = json_string_lossy(name, strlen(name));
    json_t *p = json_pack("[{s:o, s:o}]", "name", n, "reason", json_string_lossy(reason, strlen(reason)));
    if (!p) {
        reply_static_503(r);
        return;
    }
    reply_invalid_params(r, p);
}

void reply_not_found(request *r, const char *what) { reply_problem(r, 404, "not-found", "Not Found", "%s", what); }

void reply_internal(request *r, const char *what)
{
    if (store_deadline_hit()) { /* the query ran out of time, the database is fine */
        reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
        reply_problem(r, 503, "query-timeout", "Service Unavailable",
                      "the request needed more than %u ms of database work; narrow it or retry",
                      r->cfg->query_timeout_ms);
        return;
    }
    if (oom_seen()) { /* the response could not be built in the memory there is */
        reply_out_of_memory(r, what);
        return;
    }
    if (r->db) store_note_error(sqlite3_errcode(r->db)); /* in case nothing recorded it */
    int fault = store_fault();
    if (fault) {
        /* Logged for the operator (a damaged file needs a restore); the
         * client learns that it is the database, not its request. */
        fprintf(stderr, "essayd: database error on %s %s: %s (%s)\n", r->method, r->path, sqlite3_errstr(fault), what);
        reply_problem(r, 503, "unavailable", "Service Unavailable", "the database is unavailable: %s",
                      sqlite3_errstr(fault));
        return;
    }
    fprintf(stderr, "essayd: internal error on %s %s: %s\n", r->method, r->path, what);
    reply_problem(r, 500, "internal-error", "Internal Server Error", "the server could not complete the request");
}

void reply_out_of_memory(request *r, const char *what)
{
    fprintf(stderr, "essayd: out of memory on %s %s (%s)\n", r->method, r->path, what);
    reply_add_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    reply_problem(r, 503, "unavailable", "Service Unavailable", SHORT_OF_MEMORY);
}

void reply_empty(request *r, unsigned status) { queue_plain(r, status, NULL, NULL, 0); }

void reply_options(request *r, const char *allow)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (resp) {
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
        if (r->preflight) {
            MHD_add_response_header(resp, "Access-Control-Allow-Methods", allow);
            MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                    "Accept, Accept-Encoding, If-None-Match, If-Modified-Since, If-Match, "
                                    "X-Request-Id, Authorization, Content-Type");
            MHD_add_response_header(resp, "Access-Control-Max-Age", "86400");
        }
        add_vary(r, resp, false);
    }
    finish(r, 204, resp, 0);
}

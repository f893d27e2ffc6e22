/*
 * server.c — the libmicrohttpd daemon and the per-request lifecycle.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * with the headers (we allocate the per-request state), once per body
 * chunk, and once more to answer. The state is freed in the completion
 * callback, whatever happened. Each pool thread keeps one read-only SQLite
 * connection, opened on first use and closed when the thread exits.
 */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "cache.h"
#include "http.h"
#include "metrics.h"
#include "negotiate.h"
#include "oom.h"
#include "ratelimit.h"
#include "store.h"
#include "text.h"
#include "writer.h"

/* Per-request state. The request handed to handlers lives inside it so
 * that a streamed reply can keep it (refs) past the completion callback. */
typedef struct {
    request r;         /* first member: request_retain casts back */
    int refs;          /* libmicrohttpd's + one per live stream; same thread */
    char *path;        /* our copy */
    char *raw_uri;     /* the request target as sent, for the response cache */
    uint64_t body_bytes;
    strbuf body;       /* kept only for an authorised write (keep_body) */
    bool keep_body;
    bool body_oom;     /* no memory to keep it: answered 503 */
    struct timespec started;
    bool begun;        /* the access handler has seen this request */
    bool path_has_nul; /* "%00" in the raw path: libmicrohttpd's decoded
                        * copy would silently end there */
    bool target_raw_byte; /* a control, space, DEL or non-ASCII byte in the target as sent */
} request_state;

/* Per connection (libmicrohttpd's socket context): the state on_uri made
 * for a request that has not reached on_request yet. libmicrohttpd does
 * not report a request it refuses before the access handler runs (too
 * many headers for the connection's memory, say): on_completed never
 * sees it, so the connection frees it when it closes. */
typedef struct {
    request_state *pending;
} connection_state;

static connection_state *connection_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Bodies up to DRAIN_FACTOR times the limit are read and dropped before
 * the 413 (a server that answers and closes while the client is still
 * sending makes the client's TCP stack discard the answer); larger ones
 * are refused at once or cut off. */
#define DRAIN_FACTOR 8u

/* libmicrohttpd's memory per connection: the request line and headers
 * must fit (an 8 KiB URL is tested), with our response headers. It is
 * zeroed for every request on a keep-alive connection, so it is not made
 * larger than that needs: 64 KiB cost 5% of the CPU of a cached GET. */
#define CONNECTION_MEMORY (32u * 1024u)

static const server_config *config;
static pthread_key_t db_key;
static atomic_long in_flight; /* requests begun and not completed */

void server_config_defaults(server_config *c)
{
    c->db_path = NULL;
    c->host = "127.0.0.1";
    c->port = 8080;
    c->threads = 2;
    c->max_connections = 1024;
    c->max_connections_per_ip = 256;
    c->timeout_s = 30;
    c->query_timeout_ms = 3000;
    c->rate_limit = 0;
    c->rate_burst = 0;
    c->max_body_bytes = 4u << 20;
    c->token_file = NULL;
    c->cache_mb = 16;
    c->cors_origins = "*";
    c->max_age_list = 10;
    c->max_age_item = 300;
    c->shutdown_timeout_s = 5;
    c->quiet = 0;
}

void request_retain(request *r) { ((request_state *)(void *)r)->refs++; }

void request_release(request *r)
{
    request_state *st = (request_state *)(void *)r;
    if (--st->refs > 0) return;
    free(r->link_next);
    free(r->cache_key);
    free(st->raw_uri);
    if (r->held) MHD_destroy_response(r->held); /* the client left before it was sent */
    sb_free(&st->body);
    free(st->path);
    free(st);
}

static void close_thread_db(void *db)
{
    store_release_thread_cache();
    store_close(db);
}

/* This thread's connection, opened on first use. NULL after logging. */
static sqlite3 *thread_db(void)
{
    sqlite3 *db = pthread_getspecific(db_key);
    if (db) return db;
    char *err = NULL;
    if (store_open(config->db_path, STORE_READ_ONLY, &db, &err) < 0) {
        fprintf(stderr, "essayd: %s\n", err ? err : "cannot open database");
        free(err);
        return NULL;
    }
    pthread_setspecific(db_key, db);
    return db;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                     const char *value, size_t value_size)
{
    (void)kind;
    request *r = cls;
    if (key_size == 0 && (!value || value_size == 0)) return MHD_YES; /* "?a=1&&b=2", a trailing '&' */
    if (r->nquery == MAX_QUERY_PARAMS) {
        r->query_overflow = key;
        return MHD_NO;
    }
    if (strlen(key) != key_size && !r->query_has_nul) r->query_has_nul = key;
    r->query[r->nquery++] = (query_param){key, value ? value : "", value ? value_size : 0};
    return MHD_YES;
}

/* 64 random bits for a request id: xorshift64* per thread, seeded from
 * the kernel once (a getrandom call per request was 2% of a cached GET).
 * Request ids need to be unique, not secret. */
static uint64_t request_id_bits(void)
{
    static _Thread_local uint64_t state;
    while (state == 0) {
        if (getrandom(&state, sizeof state, 0) != (ssize_t)sizeof state) {
            static atomic_ulong counter;
            state = (uint64_t)time(NULL) ^ ((uint64_t)atomic_fetch_add(&counter, 1) << 32) ^ (uint64_t)(uintptr_t)&state;
        }
    }
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717u;
}

/* A request id for the response: the client's own if it is sane, else
 * 16 random hex digits. */
static void set_request_id(request *r)
{
    const char *given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given && request_id_is_sane(given)) {
        snprintf(r->request_id, sizeof r->request_id, "%s", given);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    uint64_t bits = request_id_bits();
    for (int k = 15; k >= 0; k--, bits >>= 4) r->request_id[k] = hex[bits & 15];
    r->request_id[16] = '\0';
}

static void read_headers(request *r)
{
    r->h_accept = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    r->h_accept_encoding = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING);
    r->h_if_none_match = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    r->h_if_modified_since =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MODIFIED_SINCE);
    r->h_origin = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Origin");
    r->h_if_match = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_MATCH);
    r->h_content_type = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    r->h_authorization = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    r->preflight = strcmp(r->method, "OPTIONS") == 0 && r->h_origin &&
                   MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Access-Control-Request-Method");
}

/* The path and query of a request target: an absolute-form target
 * ("http://host/v1/articles", RFC 9112 3.2.2, which a server must accept)
 * without its scheme and authority; any other target as it is. */
static const char *origin_form(const char *target)
{
    size_t skip = strncasecmp(target, "http://", 7) == 0 ? 7 : strncasecmp(target, "https://", 8) == 0 ? 8 : 0;
    if (!skip) return target;
    const char *path = target + skip + strcspn(target + skip, "/?");
    return *path == '/' ? path : "/";
}

/* Called with the raw URI before anything else, once per request: the
 * state is allocated here so that the raw path can be checked. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    request_state *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    st->refs = 1;
    uri = origin_form(uri);
    st->raw_uri = xstrdup(uri); /* NULL (no memory) only turns the cache off for it */
    size_t path_len = strcspn(uri, "?");
    for (size_t i = 0; i + 2 < path_len && !st->path_has_nul; i++)
        st->path_has_nul = uri[i] == '%' && uri[i + 1] == '0' && uri[i + 2] == '0';
    for (const unsigned char *p = (const unsigned char *)uri; *p && !st->target_raw_byte; p++)
        st->target_raw_byte = *p <= 0x20 || *p >= 0x7f;
    connection_state *cs = connection_of(conn);
    if (cs) {
        if (cs->pending) request_release(&cs->pending->r);
        cs->pending = st;
    }
    return st;
}

typedef struct {
    unsigned content_lengths, transfer_encodings, hosts;
    const char *transfer_encoding, *host, *bad_name, *folded;
} framing;

/* libmicrohttpd 0.9.75 does not refuse obsolete line folding (RFC 9112
 * 5.2): it appends the continuation line's text to the header's name, so
 * "Content-Length: 1\r\n 0" arrives as a header "Content-Length0: 1" and
 * the request as one without a body, whose bytes are then read as the next
 * request. A proxy that unfolds it sees a different length. A name that
 * begins like a framing header but is longer is taken for such a fold. */
static bool folded_framing_name(const char *key)
{
    static const char *const framing_names[] = {MHD_HTTP_HEADER_CONTENT_LENGTH, MHD_HTTP_HEADER_TRANSFER_ENCODING};
    for (size_t i = 0; i < sizeof framing_names / sizeof framing_names[0]; i++) {
        size_t n = strlen(framing_names[i]);
        if (strncasecmp(key, framing_names[i], n) == 0 && key[n]) return true;
    }
    return false;
}

/* Is s non-empty and made only of ASCII letters, digits and the bytes in
 * punct? (strchr would also match the NUL terminator; *s is never NUL in
 * the loop.) */
static bool alnum_or(const char *s, const char *punct)
{
    if (!*s) return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr(punct, *s)))
            return false;
    return true;
}

/* RFC 9110 5.1: a field name is a token. libmicrohttpd 0.9.75 keeps a name
 * with a space before the colon ("Content-Length : 5") as a different
 * header, so a body length a proxy would honour is ignored here. */
static bool is_token(const char *s) { return alnum_or(s, "!#$%&'*+-.^_`|~"); }

/* RFC 9110 7.2 / RFC 3986 3.2.2: host [":" port], a reg-name, an IPv4
 * address or a bracketed IPv6 literal. */
static bool is_host(const char *s) { return alnum_or(s, "-._~%!$&'()*+,;=:[]"); }

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    framing *f = cls;
    if (!f->bad_name && !is_token(key)) f->bad_name = key;
    if (!f->folded && folded_framing_name(key)) f->folded = key;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0) {
        f->hosts++;
        f->host = value ? value : "";
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) f->content_lengths++;
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encodings++;
        f->transfer_encoding = value ? value : "";
    }
    return MHD_YES;
}

/* Where a request's body ends must be beyond doubt (RFC 9112 6.3), or a
 * proxy in front and this server may split the bytes differently and one
 * request be smuggled inside another. libmicrohttpd 0.9.75 takes the first
 * of two Content-Length headers and serves the rest as a new request, and
 * waits for the idle timeout on a transfer coding it does not know. So:
 * one Content-Length at most, never with Transfer-Encoding, and no
 * transfer coding but chunked. Host is checked here too (one, valid, and
 * present in HTTP/1.1). Returns the status to answer (0: fine), with the
 * reason in *detail. */
static unsigned framing_error(struct MHD_Connection *conn, const char *version, const char **detail)
{
    framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    if (f.bad_name) {
        *detail = "a header name is not a token (no spaces or separators; RFC 9110 5.1)";
        return 400;
    }
    /* Checked here rather than by libmicrohttpd's strict mode, whose 400
     * is an HTML page, not problem+json. Every version it serves but 1.0
     * is 1.1 or a later 1.x, which must send Host. */
    if (!f.hosts && strcmp(version, MHD_HTTP_VERSION_1_0) != 0) {
        *detail = "an HTTP/1.1 request must have a Host header (RFC 9112 3.2)";
        return 400;
    }
    if (f.hosts > 1) {
        *detail = "the request has more than one Host header";
        return 400;
    }
    if (f.hosts && !is_host(f.host)) {
        *detail = "the Host header is not a host name or address with an optional port";
        return 400;
    }
    if (f.content_lengths > 1) {
        *detail = "the request has more than one Content-Length header";
        return 400;
    }
    if (f.folded) {
        *detail = "a Content-Length or Transfer-Encoding header is folded over two lines (RFC 9112 5.2) or misnamed";
        return 400;
    }
    if (f.transfer_encodings > 1) {
        *detail = "the request has more than one Transfer-Encoding header";
        return 400;
    }
    if (f.transfer_encodings && f.content_lengths) {
        *detail = "the request has both Content-Length and Transfer-Encoding";
        return 400;
    }
    if (f.transfer_encodings && strcasecmp(f.transfer_encoding, "chunked") != 0) {
        *detail = "the only transfer coding this server reads is chunked";
        return 501;
    }
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls, (void)upload_data;
    request_state *st = *req_cls;
    if (!st) return MHD_NO; /* on_uri ran out of memory */
    if (!st->begun) {
        connection_state *cs = connection_of(conn);
        if (cs && cs->pending == st) cs->pending = NULL; /* on_completed owns it from here */
        if (!(st->path = xstrdup(origin_form(url)))) return MHD_NO;
        st->begun = true;
        clock_gettime(CLOCK_MONOTONIC, &st->started);
        st->r.conn = conn;
        st->r.cfg = config;
        st->r.method = method;
        st->r.path = st->path;
        st->r.raw_uri = st->raw_uri;
        set_request_id(&st->r);
        atomic_fetch_add(&in_flight, 1);
        *req_cls = st;
        const char *why = NULL;
        unsigned bad = framing_error(conn, version, &why);
        if (!bad && st->target_raw_byte) {
            bad = 400;
            why = "the request target holds a space, control, DEL or non-ASCII byte; percent-encode it";
        }
        if (!bad && st->path[0] != '/' && !(strcmp(st->path, "*") == 0 && strcmp(method, "OPTIONS") == 0)) {
            bad = 400;
            why = "the request target must be a path beginning with / (or * for OPTIONS)";
        }
        if (bad) { /* the body's end is unknown: nothing after it can be read */
            read_headers(&st->r);
            reply_add_header(&st->r, MHD_HTTP_HEADER_CONNECTION, "close");
            if (bad == 501)
                reply_problem(&st->r, 501, "not-implemented", "Not Implemented", "%s", why);
            else
                reply_problem(&st->r, 400, "bad-request", "Bad Request", "%s", why);
            return st->r.result;
        }
        if (ratelimit_enabled() && strcmp(url, "/healthz") != 0) {
            const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
            unsigned wait = ratelimit_take(ci ? ci->client_addr : NULL);
            if (wait) {
                char retry[16];
                snprintf(retry, sizeof retry, "%u", wait);
                read_headers(&st->r);
                reply_add_header(&st->r, MHD_HTTP_HEADER_RETRY_AFTER, retry);
                reply_problem(&st->r, 429, "rate-limited", "Too Many Requests",
                              "more than %u requests per second from this address; retry after %u s",
                              config->rate_limit, wait);
                return st->r.result;
            }
        }
        /* A declared body over the limit is refused before any of it is
         * read when the client waits for our go-ahead (Expect:
         * 100-continue) or the body is far over; libmicrohttpd then closes
         * the connection. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_EXPECT);
        uint64_t declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > config->max_body_bytes &&
            ((expect && strcasecmp(expect, "100-continue") == 0) || declared > (uint64_t)DRAIN_FACTOR * config->max_body_bytes)) {
            read_headers(&st->r);
            reply_problem(&st->r, 413, "payload-too-large", "Content Too Large", "request body over %llu bytes",
                          (unsigned long long)config->max_body_bytes);
            return st->r.result;
        }
        /* Only a write from a client holding the token is buffered; any
         * other body is counted and dropped, so that nobody without the
         * token can make the server hold megabytes per connection. */
        bool write = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
        st->keep_body = write && auth_enabled() &&
                        auth_check(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                               MHD_HTTP_HEADER_AUTHORIZATION)) == AUTH_OK;
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* The 413 for a body over the limit goes out once it is read, so
         * that the client is still listening. A body far over it ends the
         * connection. */
        st->body_bytes += *upload_data_size;
        if (st->keep_body && st->body_bytes <= config->max_body_bytes &&
            sb_append(&st->body, upload_data, *upload_data_size) < 0) {
            st->keep_body = false;
            st->body_oom = true;
            sb_free(&st->body);
        }
        *upload_data_size = 0;
        return st->body_bytes > (uint64_t)DRAIN_FACTOR * config->max_body_bytes ? MHD_NO : MHD_YES;
    }
    request *r = &st->r;
    if (r->deferred) { /* back from the writer thread (writer.h) */
        if (!r->held) return MHD_NO; /* no memory for the reply: close */
        r->result = MHD_queue_response(conn, r->held_status, r->held);
        MHD_destroy_response(r->held);
        r->held = NULL;
        return r->result;
    }
    if (r->replied) return MHD_YES;
    read_headers(r);
    if (st->keep_body) {
        r->body = st->body.data ? st->body.data : "";
        r->body_len = st->body.len;
    }
    if (st->body_oom) {
        reply_problem(r, 503, "unavailable", "Service Unavailable", "no memory for the request body; try again");
        return r->result;
    }
    if (st->body_bytes > config->max_body_bytes) {
        reply_problem(r, 413, "payload-too-large", "Content Too Large", "request body over %llu bytes",
                      (unsigned long long)config->max_body_bytes);
        return r->result;
    }
    if (st->path_has_nul) {
        reply_not_found(r, "no resource at this path (it holds a NUL byte)");
        return r->result;
    }
    MHD_get_connection_values_n(conn, MHD_GET_ARGUMENT_KIND, collect_query, r);
    if (r->query_has_nul) {
        reply_bad_param(r, r->query_has_nul, "has a NUL byte in its name");
        return r->result;
    }
    r->db = thread_db();
    if (!r->db) {
        reply_problem(r, 503, "unavailable", "Service Unavailable", "the database cannot be opened");
        return r->result;
    }
    store_request_begin(config->query_timeout_ms);
    oom_reset();
    route_request(r);
    store_request_end();
    /* A write handed to the writer thread (writer.h) is not ours to read
     * until its connection is resumed. */
    return r->deferred ? MHD_YES : r->result;
}

/* One line per request on stderr, logfmt: stable keys, values without
 * spaces, the path quoted with anything unusual escaped. */
/* s with anything unusual (controls, space, DEL, non-ASCII, quote,
 * backslash) escaped as \xNN, cut to fit out: no request can forge or
 * garble a log line. */
static void log_escape(const char *s, char *out, size_t size)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && o + 5 < size; p++) {
        if (*p < 0x21 || *p >= 0x7F || *p == '"' || *p == '\\')
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = '\0';
}

static void access_log(const request_state *st, uint64_t micros)
{
    const request *r = &st->r;
    char path[600], method[80];
    log_escape(st->path, path, sizeof path);
    log_escape(r->method, method, sizeof method);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char ts[32];
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "time=%s.%06ldZ rid=%s method=%s path=\"%s\" route=%s status=%u bytes=%llu us=%llu\n", ts,
            now.tv_nsec / 1000, r->request_id, method, path,
            route_index(r) < route_count() ? route_template(route_index(r)) : "-", r->status,
            (unsigned long long)r->bytes, (unsigned long long)micros);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    request_state *st = *req_cls;
    if (!st) return;
    *req_cls = NULL;
    if (!st->begun) { /* ended before its headers were read */
        connection_state *cs = connection_of(conn);
        if (cs && cs->pending == st) cs->pending = NULL;
        request_release(&st->r);
        return;
    }
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    uint64_t micros = (uint64_t)(end.tv_sec - st->started.tv_sec) * 1000000u +
                      (uint64_t)((end.tv_nsec - st->started.tv_nsec) / 1000);
    if (!st->r.replied) st->r.status = 0; /* the client went away before an answer */
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && st->r.status == 200) st->r.status = 499;
    metrics_request(route_index(&st->r), st->r.method, st->r.status, micros, st->r.bytes);
    if (!config->quiet) access_log(st, micros);
    atomic_fetch_sub(&in_flight, 1);
    request_release(&st->r);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls, (void)conn;
    metrics_connections(code == MHD_CONNECTION_NOTIFY_STARTED ? 1 : -1);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_ctx = calloc(1, sizeof(connection_state)); /* NULL: its refused requests leak, nothing worse */
        return;
    }
    connection_state *cs = *socket_ctx;
    if (!cs) return;
    if (cs->pending) request_release(&cs->pending->r);
    free(cs);
    *socket_ctx = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("essayd: libmicrohttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* Every connection is a descriptor: with the common soft limit of 1024
 * and --max-connections 1024, accept() would fail (EMFILE) before the
 * connection limit is reached, and so would opening the database. Raise
 * the soft limit as far as needed, up to the hard limit, and say so when
 * that is not enough. */
static void raise_fd_limit(unsigned connections)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)connections + 64; /* the database files, the listening socket, the log */
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
    rlim_t target = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (target > rl.rlim_cur) {
        rl.rlim_cur = target;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (target < want)
        fprintf(stderr, "essayd: warning: %llu file descriptors allowed (hard limit), fewer than --max-connections %u needs\n",
                (unsigned long long)target, connections);
}

int server_run(const server_config *c)
{
    config = c;
    /* Block the stop signals first, in every thread to come; the main
     * thread takes them with sigwait below (a SIGTERM during start-up
     * then waits instead of killing the process). */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    char *err = NULL;
    sqlite3 *db = NULL;
    /* A mistyped --db must not quietly serve a new, empty corpus. */
    if (access(c->db_path, F_OK) != 0) {
        fprintf(stderr, "essayd: no database at %s (create it with: essayd import --db %s FILE...)\n", c->db_path,
                c->db_path);
        return 1;
    }
    /* Open read-write once: applies migrations, so a newer binary upgrades
     * an older database before any reader opens it. */
    if (store_open(c->db_path, STORE_READ_WRITE, &db, &err) < 0) {
        fprintf(stderr, "essayd: %s\n", err ? err : "cannot open database");
        free(err);
        return 1;
    }
    store_close(db);
    cache_configure((size_t)c->cache_mb << 20);
    if (c->token_file) {
        char aerr[512];
        if (auth_load(c->token_file, aerr, sizeof aerr) < 0) {
            fprintf(stderr, "essayd: %s\n", aerr);
            return 1;
        }
    }

    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    /* ITC lets MHD_quiesce_daemon stop the listening socket while
     * requests in flight finish (graceful shutdown). */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, c->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)c->port);
    } else if (inet_pton(AF_INET6, c->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)c->port);
        flags |= MHD_USE_IPv6;
    } else {
        fprintf(stderr, "essayd: --host %s is not an IPv4 or IPv6 address\n", c->host);
        auth_unload();
        return 1;
    }
    raise_fd_limit(c->max_connections);
    if (pthread_key_create(&db_key, close_thread_db) != 0) {
        fprintf(stderr, "essayd: pthread_key_create failed\n");
        auth_unload();
        return 1;
    }
    if (c->rate_limit && ratelimit_start(c->rate_limit, c->rate_burst ? c->rate_burst : 2 * c->rate_limit) < 0) {
        fprintf(stderr, "essayd: no memory for the rate limit table\n");
        auth_unload();
        return 1;
    }
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: its SO_REUSEPORT would let a
     * second essayd share the port silently. Every limit is set on purpose
     * (README "Security and reliability"): libmicrohttpd 0.9.75 with epoll
     * can leave sockets stuck once its connection table fills if idle
     * connections are never timed out, and without a per-address limit one
     * client can fill the table. */
    if (auth_enabled() && writer_start() < 0) {
        fprintf(stderr, "essayd: cannot start the writer thread\n");
        ratelimit_stop();
        auth_unload();
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)c->port, NULL, NULL, on_request, NULL, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)c->max_connections_per_ip,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)c->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)c->max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)c->timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY, MHD_OPTION_STRICT_FOR_CLIENT, (int)0,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "essayd: cannot listen on %s port %u: %s\n", c->host, c->port, strerror(errno));
        writer_stop();
        ratelimit_stop();
        auth_unload();
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info ? info->port : c->port;
    if (strchr(c->host, ':'))
        printf("essayd: listening on http://[%s]:%u\n", c->host, port);
    else
        printf("essayd: listening on http://%s:%u\n", c->host, port);
    fprintf(stderr, "essayd: writes %s\n", auth_enabled() ? "enabled (bearer token from --token-file)" : "disabled (read-only)");
    fflush(stdout);

    int sig = 0;
    sigwait(&stop, &sig);
    /* Stop accepting, let requests in flight finish (up to the deadline),
     * then stop the daemon, which closes what is left and joins the
     * threads (their exit closes each thread's database connection). */
    MHD_socket listen_fd = MHD_quiesce_daemon(d);
    if (listen_fd != MHD_INVALID_SOCKET) close(listen_fd);
    long pending = atomic_load(&in_flight);
    fprintf(stderr, "essayd: %s received, finishing %ld request(s) in flight\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
            pending);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        if (atomic_load(&in_flight) == 0) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)c->shutdown_timeout_s) {
            fprintf(stderr, "essayd: shutdown deadline reached; closing %ld request(s)\n", atomic_load(&in_flight));
            break;
        }
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    /* No connection may be suspended when the daemon stops: the writer
     * answers what it still holds (503), then the pool threads get a
     * moment to send those answers. */
    writer_stop();
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (atomic_load(&in_flight) > 0) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= 1) break;
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    MHD_stop_daemon(d);
    cache_clear();
    ratelimit_stop();
    auth_unload();
    fprintf(stderr, "essayd: stopped\n");
    return 0;
}

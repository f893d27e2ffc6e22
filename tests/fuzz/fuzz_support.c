/*
 * fuzz_support.c — see fuzz_support.h.
 */
#include "fuzz_support.h"

#include <microhttpd.h>
#include <string.h>

#include "render.h"
#include "store.h"
#include "text.h"

char *fz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    CHECK(s != NULL);
    if (size) memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

sqlite3 *fz_memory_db(const char *who)
{
    sqlite3 *db = NULL;
    char *msg = NULL;
    CHECK(store_global_init() == 0);
    if (store_open(":memory:", STORE_READ_WRITE, &db, &msg) < 0) {
        fprintf(stderr, "%s: cannot open an in-memory database: %s\n", who, msg ? msg : "?");
        abort();
    }
    return db;
}

json_t *fz_render_article(sqlite3 *db, int64_t id)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT " ARTICLE_COLUMNS " FROM articles a WHERE a.id = ?");
    CHECK(st != NULL);
    sqlite3_bind_int64(st, 1, id);
    CHECK(sqlite3_step(st) == SQLITE_ROW);
    json_t *a = render_article_full(db, st);
    sqlite3_reset(st);
    CHECKF(a != NULL, "render_article_full fails on a stored essay");
    free(fz_json_roundtrip(a, JSON_COMPACT | JSON_PRESERVE_ORDER));
    return a;
}

bool fz_same_str(const char *a, const char *b) { return (!a && !b) || (a && b && strcmp(a, b) == 0); }

bool fz_utf8(const char *s, size_t len) { return !memchr(s, '\0', len) && utf8_valid(s, len, NULL); }

char *fz_json_roundtrip(const json_t *j, size_t flags)
{
    char *text = json_dumps(j, flags | JSON_ENCODE_ANY);
    CHECK(text != NULL);
    size_t len = strlen(text);
    CHECKF(fz_utf8(text, len), "JSON text is not valid UTF-8: %.200s", text);
    json_error_t err;
    json_t *back = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
    CHECKF(back != NULL, "JSON text does not parse again: %s: %.200s", err.text, text);
    CHECKF(json_equal(back, (json_t *)(uintptr_t)j), "JSON text parses to another value: %.200s", text);
    json_decref(back);
    return text;
}

/* ---- capturing response bodies --------------------------------------------- */

struct MHD_Response *__real_MHD_create_response_from_buffer(size_t size, void *buffer,
                                                           enum MHD_ResponseMemoryMode mode);
struct MHD_Response *__wrap_MHD_create_response_from_buffer(size_t size, void *buffer,
                                                           enum MHD_ResponseMemoryMode mode);

static char *captured;
static size_t captured_len;
static bool captured_any;

struct MHD_Response *__wrap_MHD_create_response_from_buffer(size_t size, void *buffer,
                                                           enum MHD_ResponseMemoryMode mode)
{
    free(captured);
    captured = malloc(size + 1);
    CHECK(captured != NULL);
    if (size) memcpy(captured, buffer, size);
    captured[size] = '\0';
    captured_len = size;
    captured_any = true;
    return __real_MHD_create_response_from_buffer(size, buffer, mode);
}

void fz_capture_reset(void)
{
    free(captured);
    captured = NULL;
    captured_len = 0;
    captured_any = false;
}

const char *fz_captured(size_t *len)
{
    *len = captured_len;
    return captured_any ? captured : NULL;
}

/* ---- requests ------------------------------------------------------------------ */

static server_config config;
static bool config_ready;

void fz_request_init(request *r, const char *method, const char *path)
{
    if (!config_ready) {
        server_config_defaults(&config);
        config.db_path = ":memory:";
        config_ready = true;
    }
    memset(r, 0, sizeof *r);
    r->cfg = &config;
    r->method = method;
    r->path = path;
    r->raw_uri = path;
    r->deferred = true; /* reply.c keeps the response in r->held */
    strcpy(r->request_id, "fuzz");
    fz_capture_reset();
}

void fz_request_clear_reply(request *r)
{
    if (r->held) MHD_destroy_response(r->held);
    r->held = NULL;
    r->held_status = 0;
    free(r->link_next);
    r->link_next = NULL;
    free(r->cache_key);
    r->cache_key = NULL;
    r->replied = false;
    r->status = 0;
    r->bytes = 0;
    r->allow = NULL;
    r->nextra = 0;
    r->hdrbuf_used = 0;
    r->etag_version[0] = '\0';
    r->last_modified = 0;
    r->cache = CACHE_NONE;
    fz_capture_reset();
}

json_t *fz_check_problem(const request *r, unsigned status, const char *type)
{
    CHECK(r->replied);
    CHECKF(r->status == status, "status %u, expected %u", r->status, status);
    CHECK(r->held != NULL);
    const char *ct = MHD_get_response_header(r->held, MHD_HTTP_HEADER_CONTENT_TYPE);
    CHECK(ct && strcmp(ct, "application/problem+json") == 0);
    size_t len;
    const char *body = fz_captured(&len);
    CHECK(body != NULL);
    CHECKF(fz_utf8(body, len), "problem body is not valid UTF-8: %.200s", body);
    json_error_t err;
    json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    CHECKF(json_is_object(j), "problem body is not a JSON object: %s: %.200s", err.text, body);
    char want[96];
    snprintf(want, sizeof want, "/problems/%s", type);
    const char *t = json_string_value(json_object_get(j, "type"));
    CHECKF(t && strcmp(t, want) == 0, "problem type %s, expected %s", t ? t : "(none)", want);
    CHECK(json_is_string(json_object_get(j, "title")));
    CHECK(json_integer_value(json_object_get(j, "status")) == (json_int_t)status);
    const char *detail = json_string_value(json_object_get(j, "detail"));
    CHECKF(detail && detail[0], "problem without a detail: %.200s", body);
    return j;
}

void fz_check_invalid_param(const json_t *problem, const char *name)
{
    json_t *list = json_object_get(problem, "invalid_params");
    CHECK(json_is_array(list) && json_array_size(list) > 0);
    size_t i;
    json_t *p;
    bool found = false;
    json_array_foreach(list, i, p)
    {
        const char *n = json_string_value(json_object_get(p, "name"));
        const char *reason = json_string_value(json_object_get(p, "reason"));
        CHECK(n != NULL);
        CHECKF(reason && reason[0], "invalid_params[%zu] (%s) has no reason", i, n);
        if (strcmp(n, name) == 0) found = true;
    }
    CHECKF(found, "invalid_params does not name %s", name);
}

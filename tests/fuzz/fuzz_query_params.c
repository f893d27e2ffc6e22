/*
 * fuzz_query_params.c — libFuzzer target for the query string of a GET and
 * the request headers that choose its representation.
 *
 * Input: a request target and, on the following lines, headers:
 *
 *     /v1/claims?limit=5&cited=true&fields=id,text
 *     Accept: text/csv;q=0.5, application/json
 *     If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT
 *
 * essayd has no percent-decoding of its own: libmicrohttpd splits the
 * query at '&' and '=', turns '+' into a space and decodes %XX
 * (MHD_http_unescape, its public decoder, is what this file calls), and
 * server.c's collect_query keeps each (name, value, value length). This
 * file does the same split, then builds the request a handler sees (no
 * connection: fuzz_support.h) and runs, checking each result:
 *
 *  1. the router's checks, in route_request's order (routes.c is included
 *     for its static functions): the route (match), check_query (unknown,
 *     repeated, NUL-holding or too many parameters → 400 naming them),
 *     negotiate_format (format= or Accept → the format, else 400 or 406),
 *     read_fields (?fields= → names of the route's fields, in order, 1 to
 *     32 of them, else 400), read_pretty;
 *  2. every value parser of params.c with the names and bounds the
 *     handlers use (limit, year, n, endnote; the claim flags; sort, type,
 *     expand; q, category, venue, domain, publisher, key, article):
 *     absent → 0 and the output untouched; accepted → an integer of 1 to
 *     18 digits, within bounds, equal to strtoll of the text / exactly
 *     "true" or "false" / the allowed name at the index returned / valid
 *     UTF-8 of 1 to 1000 bytes; refused → -1 and a 400
 *     /problems/invalid-parameter whose invalid_params names it with a
 *     reason; and api_parse_id on every value and path argument;
 *  3. when the router lets the request through, the route's handler on an
 *     in-memory database holding the test essays (db/corpus,
 *     tests/fixtures/api): it answers exactly once, 200 with valid UTF-8
 *     (JSON that parses, cut to ?fields= when asked), 304 to a
 *     conditional request, 400 naming a parameter, or 404 for an unknown
 *     path argument — never a 500;
 *  4. list_next_link (how meta.next is built: essayd's only URL encoding)
 *     gives the path and, decoded again, the same parameters in order,
 *     the cursor replaced;
 *  5. the header parsers of negotiate.c on the header lines: Accept
 *     qualities in 0..1000, If-Modified-Since parsed, formatted and parsed
 *     to the same time, X-Request-Id sanity, If-None-Match.
 */
#include "../../src/routes.c"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <zlib.h>

#include "fuzz_support.h"
#include "text.h"

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

/* ---- the database the handlers read -------------------------------------------- */

static sqlite3 *fuzz_db;

static void import_dir(sqlite3 *db, const char *dir)
{
    DIR *d = opendir(dir);
    CHECKF(d != NULL, "%s: %s", dir, strerror(errno));
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        CHECKF(f != NULL, "%s", path);
        strbuf sb = {0};
        char buf[4096];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0) CHECK(sb_append(&sb, buf, got) == 0);
        fclose(f);
        essay_error err;
        essay *e = essay_parse(sb.data ? sb.data : "", sb.len, &err);
        CHECKF(e != NULL, "%s:%d: %s", path, err.line, err.text);
        char sha[65];
        sha256_hex(sb.data ? sb.data : "", sb.len, sha);
        import_result res;
        char *msg = NULL;
        CHECKF(store_import(db, e, de->d_name, sha, &res, &msg) == 0, "%s: %s", path, msg ? msg : "?");
        essay_free(e);
        sb_free(&sb);
    }
    closedir(d);
}

static sqlite3 *db_get(void)
{
    if (fuzz_db) return fuzz_db;
    fuzz_db = fz_memory_db("fuzz_query_params");
    import_dir(fuzz_db, FUZZ_ROOT "/db/corpus");
    import_dir(fuzz_db, FUZZ_ROOT "/tests/fixtures/api");
    import_dir(fuzz_db, FUZZ_ROOT "/tests/fixtures/api/search");
    return fuzz_db;
}

/* ---- the request ---------------------------------------------------------------------- */

typedef struct {
    char *target; /* the first line, then split in place */
    char *path;
    size_t nparts;
    char *names[MAX_QUERY_PARAMS + 1];
    char *values[MAX_QUERY_PARAMS + 1];
    size_t name_len[MAX_QUERY_PARAMS + 1];
    size_t value_len[MAX_QUERY_PARAMS + 1];
    bool has_value[MAX_QUERY_PARAMS + 1];
    const char *accept, *accept_encoding, *if_none_match, *if_modified_since, *request_id;
} input;

/* libmicrohttpd's decoding of one query component: '+' is a space, then
 * %XX. Returns the length (it may hold NUL bytes). */
static size_t unescape(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '+') *p = ' ';
    return MHD_http_unescape(s);
}

/* Splits the input; the strings point into copy (which it modifies). */
static void split(char *copy, input *in)
{
    memset(in, 0, sizeof *in);
    char *line_end = strchr(copy, '\n');
    char *headers = NULL;
    if (line_end) {
        *line_end = '\0';
        headers = line_end + 1;
    }
    in->target = copy;
    char *q = strchr(copy, '?');
    if (q) *q++ = '\0';
    in->path = copy;
    /* libmicrohttpd decodes the path too. */
    MHD_http_unescape(in->path);
    for (char *p = q; p && in->nparts <= MAX_QUERY_PARAMS;) {
        char *amp = strchr(p, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(p, '=');
        if (eq) *eq = '\0';
        size_t k = in->nparts;
        in->names[k] = p;
        in->name_len[k] = unescape(p);
        in->has_value[k] = eq != NULL;
        in->values[k] = eq ? eq + 1 : NULL;
        in->value_len[k] = eq ? unescape(eq + 1) : 0;
        /* collect_query: "?a=1&&b=2" and a trailing '&' give nothing. */
        if (in->name_len[k] > 0 || in->value_len[k] > 0) in->nparts++;
        p = amp ? amp + 1 : NULL;
    }
    for (char *h = headers; h && *h;) {
        char *nl = strchr(h, '\n');
        if (nl) *nl = '\0';
        char *colon = strchr(h, ':');
        if (colon) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t') v++;
            if (strcasecmp(h, "Accept") == 0) in->accept = v;
            else if (strcasecmp(h, "Accept-Encoding") == 0) in->accept_encoding = v;
            else if (strcasecmp(h, "If-None-Match") == 0) in->if_none_match = v;
            else if (strcasecmp(h, "If-Modified-Since") == 0) in->if_modified_since = v;
            else if (strcasecmp(h, "X-Request-Id") == 0) in->request_id = v;
        }
        h = nl ? nl + 1 : NULL;
    }
}

/* A fresh GET of the input's path and query, as server.c builds it. */
static void make_request(request *r, const input *in)
{
    fz_request_init(r, "GET", in->path);
    r->raw_uri = in->target;
    for (size_t k = 0; k < in->nparts; k++) {
        if (r->nquery == MAX_QUERY_PARAMS) {
            r->query_overflow = in->names[k];
            break;
        }
        if (strlen(in->names[k]) != in->name_len[k] && !r->query_has_nul) r->query_has_nul = in->names[k];
        r->query[r->nquery++] = (query_param){in->names[k], in->has_value[k] ? in->values[k] : "",
                                              in->has_value[k] ? in->value_len[k] : 0};
    }
    r->h_accept = in->accept;
    r->h_accept_encoding = in->accept_encoding;
    r->h_if_none_match = in->if_none_match;
    r->h_if_modified_since = in->if_modified_since;
}

/* r was answered with a 400 naming the parameter name. */
static void check_bad_param(request *r, const char *name)
{
    json_t *p = fz_check_problem(r, 400, "invalid-parameter");
    if (fz_utf8(name, strlen(name))) fz_check_invalid_param(p, name);
    json_decref(p);
    fz_request_clear_reply(r);
}

/* ---- 1. the router's checks ------------------------------------------------------------- */

static bool route_accepts(const route *rt, const char *name)
{
    for (int k = 0; rt->params[k]; k++)
        if (strcmp(rt->params[k], name) == 0) return true;
    return false;
}

/* Runs the checks route_request makes before the handler; true if the
 * request gets through. */
static bool check_router(request *r, const route *rt)
{
    /* check_query */
    bool want_ok = !r->query_overflow;
    for (size_t k = 0; k < r->nquery && want_ok; k++) {
        if (!route_accepts(rt, r->query[k].name) || strlen(r->query[k].value) != r->query[k].value_len)
            want_ok = false;
        for (size_t j = 0; j < k; j++)
            if (strcmp(r->query[j].name, r->query[k].name) == 0) want_ok = false;
    }
    bool ok = check_query(r, rt);
    CHECKF(ok == want_ok, "check_query says %d", ok);
    if (!ok) {
        json_t *p = fz_check_problem(r, 400, "invalid-parameter");
        json_t *list = json_object_get(p, "invalid_params");
        CHECK(json_array_size(list) >= 1);
        for (size_t k = 0; k < json_array_size(list); k++) {
            json_t *e = json_array_get(list, k);
            const char *reason = json_string_value(json_object_get(e, "reason"));
            CHECK(json_is_string(json_object_get(e, "name")) && reason && reason[0]);
        }
        json_decref(p);
        fz_request_clear_reply(r);
        return false;
    }

    /* negotiate_format */
    const query_param *f = query_get(r, "format");
    ok = negotiate_format(r, rt);
    if (f) {
        bool known = false;
        for (size_t k = 0; k < NFORMATS; k++)
            if ((rt->formats & F(k)) && strcmp(f->value, FORMAT_NAMES[k]) == 0) known = true;
        CHECK(ok == known);
        if (!ok) {
            check_bad_param(r, "format");
            return false;
        }
        CHECK(strcmp(FORMAT_NAMES[r->format], f->value) == 0);
    } else if (ok) {
        CHECK(rt->formats & F(r->format));
        int q = accept_quality(r->h_accept, MEDIA_TYPES[r->format]);
        CHECK(q > 0 && q <= 1000);
        for (size_t k = 0; k < NFORMATS; k++)
            if (rt->formats & F(k)) CHECK(accept_quality(r->h_accept, MEDIA_TYPES[k]) <= q);
    } else {
        for (size_t k = 0; k < NFORMATS; k++)
            if (rt->formats & F(k)) CHECK(accept_quality(r->h_accept, MEDIA_TYPES[k]) == 0);
        json_t *p = fz_check_problem(r, 406, "not-acceptable");
        json_decref(p);
        fz_request_clear_reply(r);
        return false;
    }

    /* read_fields */
    const query_param *fl = query_get(r, "fields");
    ok = read_fields(r, rt);
    if (!fl) {
        CHECK(ok && r->nfields == 0);
    } else if (!ok) {
        /* An unknown name that is not UTF-8, or long enough that the
         * 256-byte reason cuts a character, once made the reason invalid
         * UTF-8 and the answer a 500 (found here; check_bad_param wants
         * the 400). */
        check_bad_param(r, "fields");
        return false;
    } else {
        CHECK(rt->fields != NULL);
        CHECK(r->format != FMT_CSL && r->format != FMT_BIBTEX);
        CHECK(r->nfields >= 1 && r->nfields <= MAX_FIELDS);
        /* The names are the value's non-empty comma-separated pieces. */
        strbuf joined = {0};
        for (size_t k = 0; k < r->nfields; k++) {
            bool known = false;
            for (size_t j = 0; rt->fields[j]; j++) known = known || strcmp(rt->fields[j], r->fields[k]) == 0;
            CHECKF(known, "field %s", r->fields[k]);
            CHECK(r->fields[k][0] != '\0' && !strchr(r->fields[k], ','));
            if (k) CHECK(sb_putc(&joined, ',') == 0);
            CHECK(sb_puts(&joined, r->fields[k]) == 0);
        }
        strbuf squeezed = {0};
        for (size_t i = 0; i < fl->value_len; i++) {
            if (fl->value[i] == ',' && (squeezed.len == 0 || squeezed.data[squeezed.len - 1] == ',')) continue;
            CHECK(sb_putc(&squeezed, fl->value[i]) == 0);
        }
        if (squeezed.len && squeezed.data[squeezed.len - 1] == ',') squeezed.len--;
        CHECK(joined.len == squeezed.len && memcmp(joined.data, squeezed.data, joined.len) == 0);
        sb_free(&joined);
        sb_free(&squeezed);
    }

    /* read_pretty */
    const query_param *pr = query_get(r, "pretty");
    ok = read_pretty(r);
    if (pr) {
        const char *v = pr->value;
        bool yes = strcmp(v, "1") == 0 || strcmp(v, "true") == 0 || v[0] == '\0';
        bool no = strcmp(v, "0") == 0 || strcmp(v, "false") == 0;
        CHECK(ok == (yes || no));
        if (!ok) {
            check_bad_param(r, "pretty");
            return false;
        }
        CHECK(r->pretty == yes);
    } else {
        CHECK(ok && !r->pretty);
    }
    return true;
}

/* ---- 2. the value parsers ------------------------------------------------------------------ */

static bool digits_only(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static void check_int(request *r, const char *name, int64_t min, int64_t max)
{
    const query_param *p = query_get(r, name);
    int64_t v = -7;
    int rc = param_int(r, name, min, max, &v);
    if (!p) {
        CHECK(rc == 0 && v == -7 && !r->replied);
        return;
    }
    size_t n = strlen(p->value);
    if (rc == 1) {
        CHECK(!r->replied);
        CHECK(n >= 1 && n <= 18 && digits_only(p->value, n));
        errno = 0;
        long long want = strtoll(p->value, NULL, 10);
        CHECK(errno == 0 && v == want);
        CHECKF(v >= min && v <= max, "%s=%" PRId64 " outside %" PRId64 "..%" PRId64, name, v, min, max);
        return;
    }
    CHECK(rc == -1 && v == -7);
    /* Refused: not 1 to 18 digits, or out of bounds. */
    if (n >= 1 && n <= 18 && digits_only(p->value, n)) {
        long long x = strtoll(p->value, NULL, 10);
        CHECK(x < min || x > max);
    }
    check_bad_param(r, name);
}

static void check_limit(request *r, out_format format)
{
    out_format saved = r->format;
    r->format = format;
    bool export = format == FMT_NDJSON || format == FMT_CSV;
    const query_param *p = query_get(r, "limit");
    int64_t v = -7;
    int rc = param_limit(r, &v);
    if (rc == 0) {
        CHECK(!r->replied);
        if (!p) CHECK(v == (export ? 0 : 20));
        else CHECK(v >= 1 && v <= (export ? 1000000000 : 500) && v == strtoll(p->value, NULL, 10));
    } else {
        CHECK(rc == -1 && p != NULL);
        check_bad_param(r, "limit");
    }
    r->format = saved;
}

static void check_bool(request *r, const char *name)
{
    const query_param *p = query_get(r, name);
    int v = -7;
    int rc = param_bool(r, name, &v);
    if (!p) {
        CHECK(rc == 0 && v == -7);
    } else if (rc == 1) {
        CHECK((strcmp(p->value, "true") == 0 && v == 1) || (strcmp(p->value, "false") == 0 && v == 0));
    } else {
        CHECK(rc == -1 && strcmp(p->value, "true") != 0 && strcmp(p->value, "false") != 0);
        check_bad_param(r, name);
    }
}

static void check_enum(request *r, const char *name, const char *const *allowed)
{
    const query_param *p = query_get(r, name);
    int v = -7;
    int rc = param_enum(r, name, allowed, &v);
    if (!p) {
        CHECK(rc == 0 && v == -7);
    } else if (rc == 1) {
        CHECK(v >= 0 && allowed[v] && strcmp(allowed[v], p->value) == 0);
    } else {
        CHECK(rc == -1);
        for (int k = 0; allowed[k]; k++) CHECK(strcmp(allowed[k], p->value) != 0);
        check_bad_param(r, name);
    }
}

static void check_string(request *r, const char *name)
{
    const query_param *p = query_get(r, name);
    const char *v = "untouched";
    int rc = param_string(r, name, &v);
    if (!p) {
        CHECK(rc == 0 && strcmp(v, "untouched") == 0);
    } else if (rc == 1) {
        CHECK(v == p->value);
        CHECK(p->value_len >= 1 && p->value_len <= 1000 && utf8_valid(p->value, p->value_len, NULL));
    } else {
        CHECK(rc == -1);
        CHECK(p->value_len == 0 || p->value_len > 1000 || !utf8_valid(p->value, p->value_len, NULL));
        check_bad_param(r, name);
    }
}

static void check_parse_id(const char *s)
{
    int64_t id = -7;
    size_t n = strlen(s);
    bool ok = api_parse_id(s, &id);
    CHECK(ok == (n >= 1 && n <= 18 && digits_only(s, n)));
    if (ok) CHECK(id >= 0 && id == strtoll(s, NULL, 10));
    else CHECK(id == -7);
}

static void check_value_parsers(const input *in)
{
    request r;
    make_request(&r, in);
    check_limit(&r, FMT_JSON);
    check_limit(&r, FMT_CSV);
    check_int(&r, "year", 1000, 9999);
    check_int(&r, "n", 1, 9999);
    check_int(&r, "endnote", 1, INT64_MAX / 2);
    static const char *const flags[] = {"cited", "quote", "statistic", "normative"};
    for (size_t k = 0; k < 4; k++) check_bool(&r, flags[k]);
    static const char *const sorts[] = {"-published", "published", "title", "-title", NULL};
    static const char *const types[] = {"article", "claim", "endnote", NULL};
    static const char *const expands[] = {"endnotes", NULL};
    check_enum(&r, "sort", sorts);
    check_enum(&r, "type", types);
    check_enum(&r, "expand", expands);
    static const char *const strings[] = {"q", "category", "venue", "domain", "publisher", "key", "article"};
    for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++) check_string(&r, strings[k]);
    for (size_t k = 0; k < r.nquery; k++) check_parse_id(r.query[k].value);
    /* query_get finds every parameter (its first occurrence). */
    for (size_t k = 0; k < r.nquery; k++) {
        const query_param *p = query_get(&r, r.query[k].name);
        CHECK(p != NULL && p <= &r.query[k] && strcmp(p->name, r.query[k].name) == 0);
    }
    fz_request_clear_reply(&r);
}

/* The content of a gzip member (caller frees; NUL-terminated). */
static char *gunzip(const char *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
    size_t cap = len * 4 + 1024, n = 0;
    char *out = malloc(cap);
    CHECK(out != NULL);
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (cap - n < 1024) {
            cap *= 2;
            out = realloc(out, cap);
            CHECK(out != NULL);
        }
        z.next_out = (Bytef *)out + n;
        z.avail_out = (uInt)(cap - n - 1);
        rc = inflate(&z, Z_NO_FLUSH);
        n = cap - 1 - z.avail_out;
        CHECKF(rc == Z_OK || rc == Z_STREAM_END, "a gzip body that does not inflate: %d", rc);
    } while (rc != Z_STREAM_END);
    CHECK(z.avail_in == 0);
    inflateEnd(&z);
    out[n] = '\0';
    *out_len = n;
    return out;
}

/* ---- 3. the handler -------------------------------------------------------------------------- */

static void check_handler(request *r, const route *rt)
{
    /* Exports stream through a connection this request does not have; the
     * spec and the metrics take no parameters. */
    if (r->format == FMT_NDJSON || r->format == FMT_CSV || rt->handler == api_openapi ||
        rt->handler == api_metrics)
        return;
    for (size_t k = 0; k < r->nargs; k++) check_parse_id(r->args[k]);
    r->db = db_get();
    rt->handler(r);
    CHECK(r->replied);
    size_t len;
    const char *body = fz_captured(&len);
    CHECK(body != NULL);
    /* A gzip body (Accept-Encoding allowed it): the check is of what it
     * holds. */
    char *plain = NULL;
    const char *enc = r->held ? MHD_get_response_header(r->held, MHD_HTTP_HEADER_CONTENT_ENCODING) : NULL;
    if (enc && r->status != 304) {
        CHECK(strcmp(enc, "gzip") == 0);
        CHECK(accepts_gzip(r->h_accept_encoding));
        plain = gunzip(body, len, &len);
        body = plain;
    }
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "%s -> %u %.*s\n", rt->pattern, r->status, (int)(len < 300 ? len : 300), body);
    if (r->status == 304) {
        /* Only for a conditional GET; it carries the 200's body, unsent. */
        CHECK(r->h_if_none_match || r->h_if_modified_since);
        CHECK(MHD_get_response_header(r->held, MHD_HTTP_HEADER_ETAG) != NULL);
    } else if (r->status == 200) {
        CHECKF(fz_utf8(body, len), "a 200 body that is not UTF-8");
        if (r->format == FMT_JSON || r->format == FMT_CSL) {
            json_error_t err;
            json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
            CHECKF(j != NULL, "a 200 body that is not JSON: %s", err.text);
            if (r->nfields && r->format == FMT_JSON) {
                /* Only the fields asked for: in each item of a list, or in
                 * the object itself. */
                json_t *data = json_object_get(j, "data");
                bool list = json_is_array(data) && json_object_get(j, "meta");
                size_t n = list ? json_array_size(data) : 1;
                for (size_t i = 0; i < n; i++) {
                    json_t *item = list ? json_array_get(data, i) : j;
                    const char *key;
                    json_t *v;
                    json_object_foreach(item, key, v)
                    {
                        bool asked = false;
                        for (size_t k = 0; k < r->nfields; k++) asked = asked || strcmp(r->fields[k], key) == 0;
                        CHECKF(asked, "field %s was not asked for", key);
                    }
                }
            }
            json_decref(j);
        }
    } else if (r->status == 400) {
        json_t *p = fz_check_problem(r, 400, "invalid-parameter");
        json_decref(p);
    } else {
        CHECKF(r->status == 404 && r->nargs > 0, "status %u: %.300s", r->status, body);
        json_t *p = fz_check_problem(r, 404, "not-found");
        json_decref(p);
    }
    free(plain);
    fz_request_clear_reply(r);
}

/* ---- 4. meta.next -------------------------------------------------------------------------------- */

static void check_next_link(request *r)
{
    if (r->query_has_nul) return; /* refused by check_query before any handler */
    for (size_t k = 0; k < r->nquery; k++)
        if (strlen(r->query[k].value) != r->query[k].value_len) return;
    const char *cursor = "eyJpZCI6MSwicyI6ImlkIn0";
    char *link = list_next_link(r, cursor);
    CHECK(link != NULL);
    size_t plen = strlen(r->path);
    CHECK(strncmp(link, r->path, plen) == 0 && link[plen] == '?');
    /* Only unreserved characters and %XX after the path. */
    for (const char *p = link + plen + 1; *p; p++) {
        char c = *p;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~' || c == '&' || c == '=';
        if (c == '%') {
            CHECK(strchr("0123456789ABCDEF", p[1]) && p[1] && strchr("0123456789ABCDEF", p[2]) && p[2]);
            p += 2;
            continue;
        }
        CHECKF(plain, "'%c' in meta.next: %s", c, link);
    }
    /* Decoded as libmicrohttpd would: the same parameters, in order, but
     * the cursor, then the new cursor. */
    char *copy = strdup(link + plen + 1);
    CHECK(copy != NULL);
    size_t k = 0;
    bool saw_cursor = false;
    for (char *p = copy; p;) {
        char *amp = strchr(p, '&');
        if (amp) *amp = '\0';
        char *eq = strchr(p, '=');
        CHECK(eq != NULL);
        *eq = '\0';
        size_t nl = unescape(p), vl = unescape(eq + 1);
        while (k < r->nquery && strcmp(r->query[k].name, "cursor") == 0) k++;
        if (k < r->nquery) {
            CHECK(nl == strlen(r->query[k].name) && memcmp(p, r->query[k].name, nl) == 0);
            CHECK(vl == r->query[k].value_len && memcmp(eq + 1, r->query[k].value, vl) == 0);
            k++;
        } else {
            CHECK(!saw_cursor && strcmp(p, "cursor") == 0 && strcmp(eq + 1, cursor) == 0);
            saw_cursor = true;
        }
        p = amp ? amp + 1 : NULL;
    }
    while (k < r->nquery && strcmp(r->query[k].name, "cursor") == 0) k++;
    CHECK(k == r->nquery && saw_cursor);
    free(copy);
    free(link);
}

/* ---- 5. the headers ------------------------------------------------------------------------------ */

static void check_headers(const input *in)
{
    for (size_t k = 0; k < NFORMATS; k++) {
        int q = accept_quality(in->accept, MEDIA_TYPES[k]);
        CHECK(q >= 0 && q <= 1000);
        if (!in->accept || !in->accept[0]) CHECK(q == 1000);
    }
    (void)accepts_gzip(in->accept_encoding);
    CHECK(!accepts_gzip(NULL));
    if (in->if_none_match) {
        bool star = etag_matches(in->if_none_match, "\"1.1-id\"");
        if (strcmp(in->if_none_match, "*") == 0) CHECK(star);
    }
    CHECK(!etag_matches(NULL, "\"x\""));
    if (in->if_modified_since) {
        time_t t = http_date_parse(in->if_modified_since);
        if (t >= 0) {
            char out[32];
            http_date_format(t, out);
            CHECKF(http_date_parse(out) == t, "%s -> %lld -> %s", in->if_modified_since, (long long)t, out);
        }
        (void)iso8601_parse(in->if_modified_since);
    }
    if (in->request_id) {
        const char *s = in->request_id;
        size_t n = strlen(s);
        bool sane = n >= 1 && n <= 128;
        for (size_t i = 0; i < n && sane; i++)
            sane = (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
                   s[i] == '.' || s[i] == '_' || s[i] == ':' || s[i] == '-';
        CHECK(request_id_is_sane(s) == sane);
    }
}

/* ---- the target ----------------------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = fz_strndup(data, size);
    input in;
    split(copy, &in);
    check_headers(&in);
    check_value_parsers(&in);

    request r;
    make_request(&r, &in);
    const route *rt = NULL;
    for (size_t k = 0; k < NROUTES && !rt; k++)
        if (match(ROUTES[k].pattern, r.path, &r)) rt = &ROUTES[k];
    if (rt) {
        r.route = rt;
        for (size_t k = 0; k < r.nargs; k++) CHECK(r.args[k][0] != '\0' && !strchr(r.args[k], '/'));
        check_next_link(&r);
        if (check_router(&r, rt)) check_handler(&r, rt);
    }
    fz_request_clear_reply(&r);
    free(copy);
    return 0;
}

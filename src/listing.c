/*
 * listing.c — filters, cached totals, cursors and the list envelope.
 */
#include "listing.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "render.h"
#include "store.h"
#include "text.h"

void filter_add(filter *f, const char *cond)
{
    if (sb_puts(&f->where, " AND ") < 0 || sb_puts(&f->where, cond) < 0) f->failed = true;
}

void filter_add_int(filter *f, const char *cond, int64_t v)
{
    if (f->nbind == FILTER_MAX_BINDS) {
        f->failed = true;
        return;
    }
    f->bind[f->nbind].is_text = false;
    f->bind[f->nbind++].i = v;
    filter_add(f, cond);
}

void filter_add_text(filter *f, const char *cond, const char *v)
{
    if (f->nbind == FILTER_MAX_BINDS) {
        f->failed = true;
        return;
    }
    char *copy = xstrdup(v);
    if (!copy) {
        f->failed = true;
        return;
    }
    f->bind[f->nbind].is_text = true;
    f->bind[f->nbind++].s = copy;
    filter_add(f, cond);
}

int filter_bind(const filter *f, sqlite3_stmt *st, int first)
{
    for (int k = 0; k < f->nbind; k++) {
        if (f->bind[k].is_text)
            sqlite3_bind_text(st, first + k, f->bind[k].s, -1, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, first + k, f->bind[k].i);
    }
    return first + f->nbind;
}

void filter_free(filter *f)
{
    sb_free(&f->where);
    for (int k = 0; k < f->nbind; k++)
        if (f->bind[k].is_text) free(f->bind[k].s);
    f->nbind = 0;
}

void filter_move(filter *dst, filter *src)
{
    *dst = *src;
    memset(src, 0, sizeof *src);
}

int list_begin_read(sqlite3 *db, int64_t *generation)
{
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) return -1;
    *generation = store_generation(db);
    if (*generation < 0) {
        list_end_read(db);
        return -1;
    }
    return 0;
}

void list_end_read(sqlite3 *db) { sqlite3_exec(db, "COMMIT", NULL, NULL, NULL); }

/* ---- cached totals ------------------------------------------------------
 * A small direct-mapped cache shared by all threads. The key is the count
 * SQL plus the bound values; an entry is valid only for its generation. */

#define TOTAL_SLOTS 1024

static struct {
    char *key;
    int64_t generation;
    int64_t total;
} totals[TOTAL_SLOTS];
static pthread_mutex_t totals_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

int64_t list_total(sqlite3 *db, int64_t generation, const char *from, const filter *f)
{
    strbuf sql = {0}, key = {0};
    int64_t total = -1;
    if (sb_puts(&sql, "SELECT count(*) FROM ") < 0 || sb_puts(&sql, from) < 0 || sb_puts(&sql, " WHERE 1") < 0 ||
        (f->where.len && sb_append(&sql, f->where.data, f->where.len) < 0))
        goto done;
    if (sb_append(&key, sql.data, sql.len) < 0) goto done;
    for (int k = 0; k < f->nbind; k++) {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)f->bind[k].i);
        if (sb_putc(&key, '\x1f') < 0 || sb_puts(&key, f->bind[k].is_text ? f->bind[k].s : num) < 0) goto done;
    }
    size_t slot = fnv1a(key.data, key.len) % TOTAL_SLOTS;
    pthread_mutex_lock(&totals_lock);
    if (totals[slot].key && totals[slot].generation == generation && strcmp(totals[slot].key, key.data) == 0)
        total = totals[slot].total;
    pthread_mutex_unlock(&totals_lock);
    metrics_total_cache(total >= 0);
    if (total >= 0) goto done;

    sqlite3_stmt *st = store_stmt(db, sql.data);
    if (!st) goto done;
    filter_bind(f, st, 1);
    if (sqlite3_step(st) == SQLITE_ROW) total = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (total < 0) goto done;
    char *k = sb_take(&key);
    pthread_mutex_lock(&totals_lock);
    free(totals[slot].key);
    totals[slot].key = k;
    totals[slot].generation = generation;
    totals[slot].total = total;
    pthread_mutex_unlock(&totals_lock);
done:
    sb_free(&sql);
    sb_free(&key);
    return total;
}

/* ---- cursors ------------------------------------------------------------ */

char *cursor_encode(json_t *state)
{
    char *js = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
    if (!js) return NULL;
    size_t n = strlen(js);
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out) {
        int len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)js, (int)n);
        while (len > 0 && out[len - 1] == '=') len--;
        out[len] = '\0';
        for (char *p = out; *p; p++) {
            if (*p == '+') *p = '-';
            else if (*p == '/') *p = '_';
        }
    }
    free(js);
    return out;
}

json_t *cursor_decode(const char *text)
{
    size_t n = strlen(text);
    if (n == 0 || n > 4096 || n % 4 == 1) return NULL; /* a title key can be ~1.2 KB */
    char *b64 = malloc(n + 4);
    unsigned char *raw = malloc(n + 4);
    json_t *state = NULL;
    if (!b64 || !raw) goto done;
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '-') c = '+';
        else if (c == '_') c = '/';
        else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) goto done;
        b64[i] = c;
    }
    size_t padded = n;
    while (padded % 4) b64[padded++] = '=';
    int len = EVP_DecodeBlock(raw, (unsigned char *)b64, (int)padded);
    if (len < 0) goto done;
    len -= (int)(padded - n); /* DecodeBlock counts the padding as zero bytes */
    json_error_t err;
    state = json_loadb((const char *)raw, (size_t)len, JSON_REJECT_DUPLICATES, &err);
    if (state && !json_is_object(state)) {
        json_decref(state);
        state = NULL;
    }
done:
    free(b64);
    free(raw);
    return state;
}

static int url_encode(strbuf *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~';
        if (plain) {
            if (sb_putc(sb, (char)c) < 0) return -1;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (sb_append(sb, e, 3) < 0) return -1;
        }
    }
    return 0;
}

char *list_next_link(const request *r, const char *cursor)
{
    strbuf sb = {0};
    bool first = true;
    if (sb_puts(&sb, r->path) < 0) goto oom;
    for (size_t k = 0; k < r->nquery; k++) {
        if (strcmp(r->query[k].name, "cursor") == 0) continue;
        if (sb_putc(&sb, first ? '?' : '&') < 0 || url_encode(&sb, r->query[k].name, strlen(r->query[k].name)) < 0 ||
            sb_putc(&sb, '=') < 0 || url_encode(&sb, r->query[k].value, r->query[k].value_len) < 0)
            goto oom;
        first = false;
    }
    if (sb_puts(&sb, first ? "?cursor=" : "&cursor=") < 0 || sb_puts(&sb, cursor) < 0) goto oom;
    return sb_take(&sb);
oom:
    sb_free(&sb);
    return NULL;
}

json_t *list_body(json_t *data, int64_t total, int64_t limit, const char *next)
{
    if (!data) return NULL;
    json_t *n = next ? json_string(next) : json_null();
    return json_pack("{s:o, s:{s:I, s:I, s:o}}", "data", data, "meta", "total", (json_int_t)total, "limit",
                     (json_int_t)limit, "next", n);
}

/* Reads ?cursor into (key, id). Returns 0 if absent, 1 if read, -1 after
 * replying 400. *key is borrowed from *state, which the caller releases. */
static int read_cursor(request *r, const list_sort *sort, json_t **state, const char **key, int64_t *id)
{
    const query_param *p = query_get(r, "cursor");
    if (!p) return 0;
    json_t *s = cursor_decode(p->value);
    json_t *name = json_object_get(s, "s"), *k = json_object_get(s, "k"), *i = json_object_get(s, "id");
    if (!s || !json_is_string(name) || !json_is_integer(i) || (sort->key_expr && !json_is_string(k))) {
        json_decref(s);
        reply_bad_param(r, "cursor", "is not a cursor from this server; use meta.next as given");
        return -1;
    }
    if (strcmp(json_string_value(name), sort->name) != 0) {
        json_decref(s);
        reply_bad_param(r, "cursor", "was made for another sort order; keep the query of the page it came from");
        return -1;
    }
    *state = s;
    *key = sort->key_expr ? json_string_value(k) : NULL;
    *id = json_integer_value(i);
    return 1;
}

static void list_stream(request *r, const char *from, const char *columns, const char *id_expr, filter *f,
                        const list_sort *sort, int64_t limit, json_t *(*render)(sqlite3_stmt *),
                        list_decorate_fn decorate, void *ctx, json_t *cursor_state, const char *ckey, int64_t cid);

void list_serve(request *r, const char *from, const char *columns, const char *id_expr, filter *f,
                const list_sort *sort, int64_t limit, json_t *(*render)(sqlite3_stmt *), list_decorate_fn decorate,
                void *decorate_ctx)
{
    json_t *cstate = NULL, *data = NULL;
    const char *ckey = NULL;
    int64_t cid = 0, generation;
    char *next = NULL, *cursor = NULL;
    strbuf sql = {0};
    int has_cursor = read_cursor(r, sort, &cstate, &ckey, &cid);
    if (has_cursor < 0) return;
    if (f->failed) {
        reply_internal(r, "filter construction failed");
        goto done;
    }
    if (r->format == FMT_NDJSON || r->format == FMT_CSV) {
        list_stream(r, from, columns, id_expr, f, sort, limit, render, decorate, decorate_ctx, cstate, ckey, cid);
        goto done;
    }
    if (list_begin_read(r->db, &generation) < 0) {
        reply_internal(r, sqlite3_errmsg(r->db));
        goto done;
    }
    int64_t total = list_total(r->db, generation, from, f);
    if (sb_puts(&sql, "SELECT ") < 0 || sb_puts(&sql, columns) < 0 || sb_puts(&sql, ", ") < 0 ||
        sb_puts(&sql, sort->key_expr ? sort->key_expr : "NULL") < 0 || sb_puts(&sql, ", ") < 0 ||
        sb_puts(&sql, id_expr) < 0 || sb_puts(&sql, " FROM ") < 0 || sb_puts(&sql, from) < 0 ||
        sb_puts(&sql, " WHERE 1") < 0 || (f->where.len && sb_append(&sql, f->where.data, f->where.len) < 0) ||
        (has_cursor && sb_puts(&sql, sort->after) < 0) || sb_puts(&sql, sort->order) < 0 ||
        sb_puts(&sql, " LIMIT ?") < 0) {
        list_end_read(r->db);
        reply_out_of_memory(r, "list query");
        goto done;
    }
    sqlite3_stmt *st = total < 0 ? NULL : store_stmt(r->db, sql.data);
    if (!st) {
        list_end_read(r->db);
        reply_internal(r, "cannot prepare list query");
        goto done;
    }
    int b = filter_bind(f, st, 1);
    if (has_cursor) {
        if (sort->key_expr) sqlite3_bind_text(st, b++, ckey, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, b++, cid);
    }
    sqlite3_bind_int64(st, b, limit + 1);
    data = json_array();
    int rc = SQLITE_DONE, n = 0, ncols = sqlite3_column_count(st);
    json_t *last = NULL;
    while (data && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (++n > limit) {
            /* One row more than the page: there is a next page, which
             * starts after the last row we return. */
            cursor = cursor_encode(last);
            break;
        }
        json_t *item = render(st);
        if (item && decorate && decorate(r->db, item, decorate_ctx) < 0) {
            json_decref(item);
            item = NULL;
        }
        json_decref(last);
        /* A key that is not UTF-8 (a database written by other hands) goes
         * into the cursor with U+FFFD: the next page may then start a row
         * early or late around it, which beats no next page at all. */
        json_t *key = sort->key_expr ? render_text(st, ncols - 2) : NULL;
        if (key && json_is_null(key)) {
            json_decref(key);
            key = json_string("");
        }
        last = json_pack("{s:s, s:o?, s:I}", "s", sort->name, "k", key, "id",
                         (json_int_t)sqlite3_column_int64(st, ncols - 1));
        if (!item || !last || json_array_append_new(data, item) < 0) {
            json_decref(data);
            data = NULL;
        }
    }
    if (data && !cursor && rc != SQLITE_DONE) {
        store_note_error(rc);
        fprintf(stderr, "essayd: list query: %s\n", sqlite3_errmsg(r->db));
        json_decref(data);
        data = NULL;
    }
    sqlite3_reset(st);
    list_end_read(r->db);
    json_decref(last);
    if (!data || (n > limit && !cursor) || (cursor && !(next = list_next_link(r, cursor)))) {
        json_decref(data);
        reply_internal(r, "cannot render list");
        goto done;
    }
    r->cache = CACHE_LIST;
    if (next) r->link_next = xstrdup(next);
    reply_json(r, 200, list_body(data, total, limit, next));
done:
    free(next);
    free(cursor);
    sb_free(&sql);
    json_decref(cstate);
}

/* ---- exports --------------------------------------------------------------
 * NDJSON and CSV stream every matching row. libmicrohttpd pulls the body
 * through export_read; each time its buffer runs dry the next chunk of
 * rows is read after the last key with a fresh statement in a short read
 * transaction, so memory stays bounded and no snapshot is held between
 * chunks. If the data generation changes under a running export the
 * stream is cut (the client sees an incomplete transfer): an export is
 * one generation's rows, exactly once each, or nothing. */

#define EXPORT_CHUNK_ROWS 256

typedef struct {
    request *r;
    sqlite3 *db;
    filter f;
    char *sql_first, *sql_next; /* without / with the "after the cursor" condition */
    bool keyed;                 /* sort has a key besides the id */
    json_t *(*render)(sqlite3_stmt *);
    list_decorate_fn decorate;
    void *decorate_ctx;
    int64_t remaining; /* rows still to send; -1: no limit */
    int64_t generation;
    bool started, have_cursor, done, csv_header_done;
    char *last_key;
    int64_t last_id;
    const char *columns[64]; /* CSV columns or the fields to keep */
    size_t ncolumns;
    strbuf buf;
    size_t off;
} export_state;

static void export_free(void *cls)
{
    export_state *s = cls;
    filter_free(&s->f);
    free(s->sql_first);
    free(s->sql_next);
    free(s->last_key);
    sb_free(&s->buf);
    free(s);
}

static int csv_field(strbuf *out, const char *v, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++) quote = v[i] == ',' || v[i] == '"' || v[i] == '\r' || v[i] == '\n';
    if (!quote) return sb_append(out, v, n);
    if (sb_putc(out, '"') < 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '"' && sb_putc(out, '"') < 0) return -1;
        if (sb_putc(out, v[i]) < 0) return -1;
    }
    return sb_putc(out, '"');
}

/* A scalar as CSV text into out (appended, unquoted). */
static int csv_scalar(strbuf *out, const json_t *v)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_STRING: return sb_append(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        return sb_puts(out, num);
    case JSON_REAL:
        snprintf(num, sizeof num, "%.17g", json_real_value(v));
        return sb_puts(out, num);
    case JSON_TRUE: return sb_puts(out, "true");
    case JSON_FALSE: return sb_puts(out, "false");
    case JSON_NULL: return 0;
    default: {
        char *js = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc = js ? sb_puts(out, js) : -1;
        free(js);
        return rc;
    }
    }
}

int csv_record(strbuf *out, const json_t *item, const char *const *columns, size_t ncolumns)
{
    for (size_t k = 0; k < ncolumns; k++) {
        if (k && sb_putc(out, ',') < 0) return -1;
        const json_t *v = json_object_get(item, columns[k]);
        strbuf cell = {0};
        int rc = 0;
        if (json_is_array(v)) {
            size_t i;
            const json_t *e;
            json_array_foreach(v, i, e) {
                if ((i && sb_putc(&cell, ';') < 0) || csv_scalar(&cell, e) < 0) rc = -1;
            }
        } else if (v) {
            rc = csv_scalar(&cell, v);
        }
        if (rc == 0) rc = csv_field(out, cell.data ? cell.data : "", cell.len);
        sb_free(&cell);
        if (rc < 0) return -1;
    }
    return sb_append(out, "\r\n", 2);
}

/* Reads the next chunk of rows into s->buf, in a read transaction of its
 * own unless in_read (the first chunk shares the one that read the
 * generation the ETag names). Returns 0, -1 on error. */
static int export_fill(export_state *s, bool in_read)
{
    s->buf.len = 0;
    s->off = 0;
    if (s->r->format == FMT_CSV && !s->csv_header_done) {
        for (size_t k = 0; k < s->ncolumns; k++)
            if ((k && sb_putc(&s->buf, ',') < 0) || csv_field(&s->buf, s->columns[k], strlen(s->columns[k])) < 0)
                return -1;
        if (sb_append(&s->buf, "\r\n", 2) < 0) return -1;
        s->csv_header_done = true;
    }
    if (s->remaining == 0) {
        s->done = true;
        return 0;
    }
    int64_t generation;
    if (!in_read) {
        if (list_begin_read(s->db, &generation) < 0) return -1;
        if (generation != s->generation) {
            list_end_read(s->db);
            fprintf(stderr, "essayd: export %s cut: the data changed under it\n", s->r->request_id);
            return -1;
        }
    }
    sqlite3_stmt *st = store_stmt(s->db, s->have_cursor ? s->sql_next : s->sql_first);
    if (!st) {
        if (!in_read) list_end_read(s->db);
        return -1;
    }
    int b = filter_bind(&s->f, st, 1);
    if (s->have_cursor) {
        if (s->keyed) sqlite3_bind_text(st, b++, s->last_key ? s->last_key : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, b++, s->last_id);
    }
    int64_t want = s->remaining < 0 || s->remaining > EXPORT_CHUNK_ROWS ? EXPORT_CHUNK_ROWS : s->remaining;
    sqlite3_bind_int64(st, b, want);
    int rc, n = 0, ncols = sqlite3_column_count(st), err = 0;
    while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        n++;
        json_t *item = s->render(st);
        if (!item || (s->decorate && s->decorate(s->db, item, s->decorate_ctx) < 0)) {
            json_decref(item);
            err = -1;
            break;
        }
        const char *k = (const char *)sqlite3_column_text(st, ncols - 2);
        free(s->last_key);
        s->last_key = k ? xstrdup(k) : NULL;
        s->last_id = sqlite3_column_int64(st, ncols - 1);
        s->have_cursor = true;
        if (s->r->format == FMT_CSV) {
            err = csv_record(&s->buf, item, s->columns, s->ncolumns);
        } else {
            json_t *out = item;
            if (s->r->nfields) {
                out = json_object();
                for (size_t c = 0; out && c < s->ncolumns; c++) {
                    json_t *v = json_object_get(item, s->columns[c]);
                    if (v && json_object_set(out, s->columns[c], v) < 0) err = -1;
                }
            }
            char *line = out ? json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            if (!line || sb_puts(&s->buf, line) < 0 || sb_putc(&s->buf, '\n') < 0) err = -1;
            free(line);
            if (out != item) json_decref(out);
        }
        json_decref(item);
    }
    if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW) err = -1;
    sqlite3_reset(st);
    if (!in_read) list_end_read(s->db);
    if (err) return -1;
    if (s->remaining > 0) s->remaining -= n;
    if (n < want || s->remaining == 0) s->done = true;
    return 0;
}

static ssize_t export_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    export_state *s = cls;
    while (s->off == s->buf.len) {
        if (s->done) return MHD_CONTENT_READER_END_OF_STREAM;
        if (export_fill(s, false) < 0) return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = s->buf.len - s->off;
    if (n > max) n = max;
    memcpy(buf, s->buf.data + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

static char *export_sql(const char *from, const char *columns, const char *id_expr, const filter *f,
                        const list_sort *sort, bool after)
{
    strbuf sql = {0};
    if (sb_puts(&sql, "SELECT ") < 0 || sb_puts(&sql, columns) < 0 || sb_puts(&sql, ", ") < 0 ||
        sb_puts(&sql, sort->key_expr ? sort->key_expr : "NULL") < 0 || sb_puts(&sql, ", ") < 0 ||
        sb_puts(&sql, id_expr) < 0 || sb_puts(&sql, " FROM ") < 0 || sb_puts(&sql, from) < 0 ||
        sb_puts(&sql, " WHERE 1") < 0 || (f->where.len && sb_append(&sql, f->where.data, f->where.len) < 0) ||
        (after && sb_puts(&sql, sort->after) < 0) || sb_puts(&sql, sort->order) < 0 || sb_puts(&sql, " LIMIT ?") < 0) {
        sb_free(&sql);
        return NULL;
    }
    return sb_take(&sql);
}

static void list_stream(request *r, const char *from, const char *columns, const char *id_expr, filter *f,
                        const list_sort *sort, int64_t limit, json_t *(*render)(sqlite3_stmt *),
                        list_decorate_fn decorate, void *ctx, json_t *cursor_state, const char *ckey, int64_t cid)
{
    export_state *s = calloc(1, sizeof *s);
    if (!s) {
        reply_out_of_memory(r, "export state");
        return;
    }
    s->r = r;
    s->db = r->db;
    s->keyed = sort->key_expr != NULL;
    s->render = render;
    s->decorate = decorate;
    s->decorate_ctx = ctx;
    s->remaining = limit > 0 ? limit : -1;
    if (cursor_state) { /* an export may start where a page left off */
        s->have_cursor = true;
        s->last_key = ckey ? xstrdup(ckey) : NULL;
        s->last_id = cid;
    }
    if (r->nfields) {
        for (size_t k = 0; k < r->nfields && k < 64; k++) s->columns[s->ncolumns++] = r->fields[k];
    } else {
        /* Every field of the route's objects; endnotes_expanded only when
         * asked for, since a plain row does not have it. */
        const char *const *all = route_fields(r);
        for (size_t k = 0; all && all[k] && s->ncolumns < 64; k++)
            if (strcmp(all[k], "endnotes_expanded") != 0 || decorate) s->columns[s->ncolumns++] = all[k];
    }
    s->sql_first = export_sql(from, columns, id_expr, f, sort, false);
    s->sql_next = export_sql(from, columns, id_expr, f, sort, true);
    filter_move(&s->f, f);
    if (!s->sql_first || !s->sql_next || list_begin_read(r->db, &s->generation) < 0) {
        export_free(s);
        reply_internal(r, "cannot start export");
        return;
    }
    /* The first chunk is read with the generation the ETag names, so an
     * export is only ever cut by a write once it is under way. */
    int first = export_fill(s, true);
    list_end_read(r->db);
    if (first < 0) {
        export_free(s);
        reply_internal(r, "cannot read export");
        return;
    }
    snprintf(r->etag_version, sizeof r->etag_version, "g%lld", (long long)s->generation);
    r->cache = CACHE_LIST;
    const char *ctype = r->format == FMT_CSV ? "text/csv; charset=utf-8; header=present" : "application/x-ndjson";
    if (s->done) {
        /* The whole export fit in the first chunk: send it as one body, with
         * an exact Content-Length (and gzip only if it is worth it). */
        reply_bytes(r, 200, ctype, s->buf.data ? s->buf.data : "", s->buf.len);
        export_free(s);
        return;
    }
    reply_stream(r, ctype, export_read, s, export_free);
}

/*
 * listing.c — filters, cached totals, cursors and the list envelope.
 */
#include "listing.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

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
    f->bind[f->nbind].is_text = true;
    f->bind[f->nbind++].s = v;
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

void filter_free(filter *f) { sb_free(&f->where); }

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
    if (n == 0 || n > 1024 || n % 4 == 1) return NULL;
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

void list_serve(request *r, const char *from, const char *columns, const char *id_expr, const filter *f,
                const list_sort *sort, int64_t limit, json_t *(*render)(sqlite3_stmt *), list_decorate_fn decorate)
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
        reply_internal(r, "out of memory");
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
        if (item && decorate && decorate(r->db, item) < 0) {
            json_decref(item);
            item = NULL;
        }
        json_decref(last);
        const char *k = (const char *)sqlite3_column_text(st, ncols - 2);
        last = json_pack("{s:s, s:s?, s:I}", "s", sort->name, "k", sort->key_expr ? (k ? k : "") : NULL, "id",
                         (json_int_t)sqlite3_column_int64(st, ncols - 1));
        if (!item || !last || json_array_append_new(data, item) < 0) {
            json_decref(data);
            data = NULL;
        }
    }
    if (data && !cursor && rc != SQLITE_DONE) {
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
    reply_json(r, 200, list_body(data, total, limit, next));
done:
    free(next);
    free(cursor);
    sb_free(&sql);
    json_decref(cstate);
}

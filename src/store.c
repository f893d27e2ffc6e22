/*
 * store.c — schema migrations, the essay importer's transaction, and the
 * per-connection statement cache.
 */
#include "store.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "embedded.h"
#include "text.h"

static void set_errmsg(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_errmsg(char **errmsg, const char *fmt, ...)
{
    if (!errmsg) return;
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    *errmsg = xstrdup(buf);
}

/* ---- statement cache ----------------------------------------------------
 * A thread may use more than one connection (a worker reads with its own
 * and writes through the shared write connection, under its lock), so
 * entries are keyed by connection and SQL. The cache is thread-local:
 * a statement is only ever stepped by the thread that holds the
 * connection at the time. */

#define STMT_CACHE_SIZE 64

typedef struct {
    sqlite3 *db;
    uint64_t hash; /* of sql: most lookups then compare one string, not 64 */
    char *sql;
    sqlite3_stmt *st;
} cached_stmt;

static _Thread_local struct {
    cached_stmt e[STMT_CACHE_SIZE];
    size_t n;
} cache;

/* Finalizes this thread's cached statements of db (all of them for NULL). */
static void cache_drop(sqlite3 *db)
{
    size_t kept = 0;
    for (size_t k = 0; k < cache.n; k++) {
        if (db && cache.e[k].db != db) {
            cache.e[kept++] = cache.e[k];
            continue;
        }
        sqlite3_finalize(cache.e[k].st);
        free(cache.e[k].sql);
    }
    cache.n = kept;
}

void store_release_thread_cache(void) { cache_drop(NULL); }

/* FNV-1a. */
static uint64_t sql_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

sqlite3_stmt *store_stmt(sqlite3 *db, const char *sql)
{
    uint64_t hash = sql_hash(sql);
    for (size_t k = 0; k < cache.n; k++) {
        if (cache.e[k].db != db || cache.e[k].hash != hash || strcmp(cache.e[k].sql, sql) != 0) continue;
        cached_stmt hit = cache.e[k];
        memmove(&cache.e[1], &cache.e[0], k * sizeof hit); /* most recent first */
        cache.e[0] = hit;
        sqlite3_reset(hit.st);
        sqlite3_clear_bindings(hit.st);
        return hit.st;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "essayd: cannot prepare statement: %s\n  %s\n", sqlite3_errmsg(db), sql);
        return NULL;
    }
    char *copy = xstrdup(sql);
    if (!copy) {
        sqlite3_finalize(st);
        return NULL;
    }
    if (cache.n == STMT_CACHE_SIZE) {
        cache.n--;
        sqlite3_finalize(cache.e[cache.n].st);
        free(cache.e[cache.n].sql);
    }
    memmove(&cache.e[1], &cache.e[0], cache.n * sizeof cache.e[0]);
    cache.e[0] = (cached_stmt){db, hash, copy, st};
    cache.n++;
    return st;
}

const char *store_text(sqlite3_stmt *st, int col) { return (const char *)sqlite3_column_text(st, col); }

/* ---- opening and migrating --------------------------------------------- */

static void on_sqlite_log(void *arg, int code, const char *msg);

int store_global_init(void)
{
    /* Memory statistics take a global mutex on every allocation SQLite
     * makes; nothing here reads them. */
    if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) return -1;
    if (sqlite3_config(SQLITE_CONFIG_LOG, on_sqlite_log, (void *)NULL) != SQLITE_OK) return -1;
    return sqlite3_initialize() == SQLITE_OK ? 0 : -1;
}

int store_schema_version(void)
{
    int n = 0;
    while (essayd_migrations[n]) n++;
    return n;
}

static int exec(sqlite3 *db, const char *sql, char **errmsg)
{
    char *e = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &e) != SQLITE_OK) {
        store_note_error(sqlite3_extended_errcode(db)); /* a failed COMMIT is not in SQLite's log */
        set_errmsg(errmsg, "%s", e ? e : sqlite3_errmsg(db));
        sqlite3_free(e);
        return -1;
    }
    return 0;
}

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

static int migrate(sqlite3 *db, char **errmsg)
{
    /* Up to date (the usual case): no write lock, which a running bulk
     * import may hold. */
    if (user_version(db) == store_schema_version()) return 0;
    if (exec(db, "BEGIN IMMEDIATE", errmsg) < 0) return -1;
    int have = user_version(db), want = store_schema_version();
    if (have < 0 || have > want) {
        set_errmsg(errmsg, have < 0 ? "cannot read the schema version"
                                    : "database schema is newer than this essayd; upgrade essayd");
        exec(db, "ROLLBACK", NULL);
        return -1;
    }
    for (int v = have; v < want; v++) {
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if (exec(db, essayd_migrations[v], errmsg) < 0 || exec(db, pragma, errmsg) < 0) {
            exec(db, "ROLLBACK", NULL);
            return -1;
        }
    }
    return exec(db, "COMMIT", errmsg);
}

/* Waits for another writer up to STORE_BUSY_MS, polling every millisecond.
 * SQLite's own busy timeout backs off to 100 ms sleeps, and a bulk import
 * that commits a batch and begins the next within a few milliseconds
 * starved an HTTP write waiting that way for the whole timeout. */
static int busy_poll(void *arg, int count)
{
    (void)arg;
    if (count >= STORE_BUSY_MS) return 0;
    struct timespec ms = {0, 1000 * 1000};
    nanosleep(&ms, NULL);
    return 1;
}

/* The deadline of the request this thread is serving: nanoseconds on
 * CLOCK_MONOTONIC, 0 for none. Per thread, because each pool thread has
 * its own read connection and serves one request at a time. */
static _Thread_local int64_t deadline_ns;
static _Thread_local bool deadline_hit;
static _Thread_local int fault;

static int64_t monotonic_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

void store_request_begin(unsigned ms)
{
    deadline_ns = ms ? monotonic_ns() + (int64_t)ms * 1000000 : 0;
    deadline_hit = false;
    fault = 0;
}

void store_request_end(void) { deadline_ns = 0; }

bool store_deadline_hit(void) { return deadline_hit; }

int store_fault(void) { return fault; }

/* SQLite's error log (SQLITE_CONFIG_LOG) runs on the thread that met the
 * error, before any later call can overwrite the connection's error code,
 * so it sees the storage errors of every statement; exec() adds those of
 * COMMIT, which SQLite does not log. */
static void on_sqlite_log(void *arg, int code, const char *msg)
{
    (void)arg, (void)msg;
    store_note_error(code);
}

void store_note_error(int code)
{
    switch (code & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_IOERR:
    case SQLITE_NOTADB:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
        if (!fault) fault = code;
        break;
    default:
        break;
    }
}

/* Every PROGRESS_STEPS virtual machine instructions; non-zero interrupts.
 * A coarse clock (a few ms resolution) is enough for a limit in seconds
 * and costs nanoseconds. */
#define PROGRESS_STEPS 4096
static int on_progress(void *arg)
{
    (void)arg;
    if (!deadline_ns || monotonic_ns() < deadline_ns) return 0;
    deadline_hit = true;
    return 1;
}

/* exact_text(x): a REAL as the shortest-safe "%.17g" text, and
 * exact_real(t): that text back to the same REAL. For keyset cursors on a
 * computed REAL (search ranks): SQLite's own conversions (printf('%!.17g'),
 * CAST AS REAL) compute in long double, and where long double is no wider
 * than double (valgrind, some platforms) the text does not read back to the
 * same value, and a cursor then returned a page's last row again, forever.
 * The C library converts exactly with any long double. */
static void exact_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", sqlite3_value_double(argv[0]));
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

static void exact_real(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *t = (const char *)sqlite3_value_text(argv[0]);
    if (!t) return;
    char *end;
    double d = strtod(t, &end);
    if (end != t) sqlite3_result_double(ctx, d);
}

int store_open(const char *path, store_mode mode, sqlite3 **out, char **errmsg)
{
    sqlite3 *db = NULL;
    int flags = mode == STORE_READ_WRITE ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    *out = NULL;
    if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        set_errmsg(errmsg, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_handler(db, busy_poll, NULL);
    sqlite3_extended_result_codes(db, 1);
    /* Defensive: no SQL can corrupt the file (writable_schema, shadow
     * tables written by hand, ...); schema code may only call innocuous
     * functions. Neither is needed by anything essayd runs. */
    int fflags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL) != SQLITE_OK ||
        sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL) != SQLITE_OK ||
        sqlite3_create_function(db, "exact_text", 1, fflags, NULL, exact_text, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function(db, "exact_real", 1, fflags, NULL, exact_real, NULL, NULL) != SQLITE_OK) {
        set_errmsg(errmsg, "%s: %s", path, sqlite3_errmsg(db));
        goto fail;
    }
    if (exec(db, "PRAGMA foreign_keys = ON", errmsg) < 0) goto fail;
    if (mode == STORE_READ_WRITE) {
        /* 16 KiB pages for a new database (a no-op for an existing one):
         * paragraphs and FTS5 segments are large, and bulk import writes
         * half as many pages as with 4 KiB, in fewer system calls.
         * NORMAL in WAL mode survives a crash of the process, which is what
         * bulk import promises (API-NOTES "Writes"). */
        if (exec(db, "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL", errmsg) < 0)
            goto fail;
        if (migrate(db, errmsg) < 0) goto fail;
    } else {
        /* 4 MiB of page cache per reader (SQLite's default is 2 MiB, 125 of
         * our 16 KiB pages): FTS5 re-reads a common term's doclist pages on
         * every search. 64 concurrent searches for random rare words on
         * 10,000 essays, response cache off: 542 req/s with 2 MiB, 613-642
         * with 8 MiB, 730-746 with 16 MiB; each reader thread holds its
         * own, and issue 6 caps the whole server at 64 MiB resident. */
        if (exec(db, "PRAGMA cache_size = -4096", errmsg) < 0) goto fail;
        sqlite3_progress_handler(db, PROGRESS_STEPS, on_progress, NULL);
        int v = user_version(db);
        if (v != store_schema_version()) {
            if (v < 0)
                set_errmsg(errmsg, "%s: %s", path, sqlite3_errmsg(db));
            else
                set_errmsg(errmsg, "%s: schema version %d, this essayd needs %d", path, v, store_schema_version());
            goto fail;
        }
    }
    *out = db;
    return 0;
fail:
    sqlite3_close(db);
    return -1;
}

void store_close(sqlite3 *db)
{
    if (!db) return;
    cache_drop(db);
    sqlite3_close(db);
}

int64_t store_generation(sqlite3 *db)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT value FROM meta WHERE key = 'generation'");
    if (!st) return -1;
    int64_t g = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    return g;
}

/* ---- import ------------------------------------------------------------- */

static int bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static int step_done(sqlite3 *db, sqlite3_stmt *st, char **errmsg)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
        return -1;
    }
    return 0;
}

static void utc_now(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Finds the article e is the same essay as, or a free slug for a new one.
 * Sets *id (0 for new), and slug. */
static int resolve_identity(sqlite3 *db, const essay *e, int64_t *id, char slug[256], char *old_sha,
                            int *old_parser, char **errmsg)
{
    char *base = e->slug ? xstrdup(e->slug) : slugify(e->title, strlen(e->title));
    if (!base) {
        set_errmsg(errmsg, "out of memory");
        return -1;
    }
    if (strlen(base) > 200) {
        /* Truncating must keep the slug rules: no trailing '-', never all digits. */
        base[200] = '\0';
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '-') base[--n] = '\0';
        if (strspn(base, "0123456789") == n) snprintf(base + (n > 190 ? 190 : n), 11, "-essay");
    }
    sqlite3_stmt *st = store_stmt(db, "SELECT id, title, source_sha256, parser_version FROM articles WHERE slug = ?");
    int rc = -1;
    if (!st) goto done;
    for (int k = 1; k < 10000; k++) {
        if (k == 1)
            snprintf(slug, 256, "%s", base);
        else
            snprintf(slug, 256, "%s-%d", base, k);
        sqlite3_bind_text(st, 1, slug, -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        if (s == SQLITE_DONE) {
            *id = 0;
            rc = 0;
            break;
        }
        if (s != SQLITE_ROW) {
            set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
            break;
        }
        const char *title = store_text(st, 1);
        if (e->slug || (title && strcmp(title, e->title) == 0)) {
            *id = sqlite3_column_int64(st, 0);
            snprintf(old_sha, 65, "%s", store_text(st, 2));
            *old_parser = sqlite3_column_int(st, 3);
            rc = 0;
            break;
        }
        sqlite3_reset(st);
        if (e->slug) break; /* unreachable: an explicit slug always matches */
    }
    if (st) sqlite3_reset(st);
done:
    free(base);
    return rc;
}

static char *authors_json(const essay *e)
{
    json_t *a = json_array();
    if (!a) return NULL;
    for (size_t k = 0; k < e->nauthors; k++) {
        if (json_array_append_new(a, json_string(e->authors[k])) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

static char *markers_json(const essay_paragraph *p)
{
    json_t *a = json_array();
    if (!a) return NULL;
    for (size_t k = 0; k < p->nmarkers; k++) {
        const essay_marker *m = &p->markers[k];
        json_t *o = json_pack("{s:i, s:I, s:I, s:I, s:I}", "n", m->n, "start", (json_int_t)m->start, "end",
                              (json_int_t)m->end, "start_utf16", (json_int_t)m->start_utf16, "end_utf16",
                              (json_int_t)m->end_utf16);
        if (!o || json_array_append_new(a, o) < 0) {
            json_decref(a);
            return NULL;
        }
    }
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s;
}

/* One row of the search index; *seq numbers the article's rows (the rowid
 * is (article id << 20) + seq, see 002_search.sql). */
static int index_text(sqlite3 *db, int64_t article_id, int64_t *seq, const char *title, const char *body,
                      const char *kind, int64_t ref, char **errmsg)
{
    sqlite3_stmt *st = store_stmt(db, "INSERT INTO search (rowid, title, body, kind, ref, article_id) "
                                      "VALUES (?,?,?,?,?,?)");
    if (!st) {
        set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, (article_id << 20) + ++*seq);
    sqlite3_bind_text(st, 2, title ? title : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, body ? body : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, ref);
    sqlite3_bind_int64(st, 6, article_id);
    return step_done(db, st, errmsg);
}

static int insert_content(sqlite3 *db, const essay *e, int64_t id, const char *slug, char **errmsg)
{
    int64_t seq = 0;
    if (index_text(db, id, &seq, e->title, "", "article", id, errmsg) < 0) return -1;
    /* The whole article as one row, so that q= on articles needs every
     * word somewhere in the article, not all in one paragraph. */
    strbuf doc = {0};
    for (size_t k = 0; k < e->nparagraphs; k++)
        if ((k && sb_putc(&doc, ' ') < 0) || sb_append(&doc, e->paragraphs[k].text, e->paragraphs[k].len) < 0) {
            sb_free(&doc);
            goto oom;
        }
    int drc = index_text(db, id, &seq, e->title, doc.data ? doc.data : "", "document", id, errmsg);
    sb_free(&doc);
    if (drc < 0) return -1;
    sqlite3_stmt *st;
    for (size_t k = 0; k < e->nparagraphs; k++) {
        const essay_paragraph *p = &e->paragraphs[k];
        char *markers = markers_json(p);
        if (!markers) goto oom;
        st = store_stmt(db, "INSERT INTO paragraphs (article_id, idx, kind, text, markers) VALUES (?,?,?,?,?)");
        if (!st) {
            free(markers);
            goto db_error;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
        sqlite3_bind_text(st, 3, p->kind == PARA_QUOTE ? "quote" : "text", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, p->text, (int)p->len, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, markers, -1, SQLITE_TRANSIENT);
        free(markers);
        if (step_done(db, st, errmsg) < 0) return -1;
    }
    int64_t *endnote_ids = calloc(e->nendnotes ? e->nendnotes : 1, sizeof *endnote_ids);
    if (!endnote_ids) goto oom;
    for (size_t k = 0; k < e->nendnotes; k++) {
        const essay_endnote *en = &e->endnotes[k];
        st = store_stmt(db, "INSERT INTO endnotes (article_id, n, raw, author, date, title, publisher, retrieved, "
                            "url, host, domain) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
        if (!st) {
            free(endnote_ids);
            goto db_error;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int(st, 2, en->n);
        sqlite3_bind_text(st, 3, en->raw, -1, SQLITE_TRANSIENT);
        bind_text_or_null(st, 4, en->cit.author);
        bind_text_or_null(st, 5, en->cit.date);
        bind_text_or_null(st, 6, en->cit.title);
        bind_text_or_null(st, 7, en->cit.publisher);
        bind_text_or_null(st, 8, en->cit.retrieved);
        bind_text_or_null(st, 9, en->cit.url);
        bind_text_or_null(st, 10, en->cit.host);
        bind_text_or_null(st, 11, en->cit.domain);
        if (step_done(db, st, errmsg) < 0) {
            free(endnote_ids);
            return -1;
        }
        endnote_ids[k] = sqlite3_last_insert_rowid(db);
        strbuf people = {0};
        if (sb_puts(&people, en->cit.author ? en->cit.author : "") < 0 || sb_putc(&people, ' ') < 0 ||
            sb_puts(&people, en->cit.publisher ? en->cit.publisher : "") < 0) {
            sb_free(&people);
            free(endnote_ids);
            goto oom;
        }
        int irc = index_text(db, id, &seq, en->cit.title, people.data, "endnote", endnote_ids[k], errmsg);
        sb_free(&people);
        if (irc < 0) {
            free(endnote_ids);
            return -1;
        }
    }
    for (size_t k = 0; k < e->nclaims; k++) {
        const essay_claim *ec = &e->claims[k];
        const claim *c = &ec->c;
        strbuf kb = {0};
        char hash[65];
        if (sb_puts(&kb, slug) < 0 || sb_putc(&kb, '\n') < 0 || sb_puts(&kb, c->text) < 0) {
            sb_free(&kb);
            free(endnote_ids);
            goto oom;
        }
        sha256_hex(kb.data, kb.len, hash);
        sb_free(&kb);
        hash[16] = '\0';
        st = store_stmt(db, "INSERT INTO claims (article_id, idx, paragraph, start, \"end\", start_utf16, end_utf16, "
                            "text, key, cited, quote, statistic, normative) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
        if (!st) {
            free(endnote_ids);
            goto db_error;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
        sqlite3_bind_int64(st, 3, (sqlite3_int64)ec->paragraph);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)c->start);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)c->end);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)c->start_utf16);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)c->end_utf16);
        sqlite3_bind_text(st, 8, c->text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 9, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 10, c->nendnotes > 0);
        sqlite3_bind_int(st, 11, c->quote);
        sqlite3_bind_int(st, 12, c->statistic);
        sqlite3_bind_int(st, 13, c->normative);
        if (step_done(db, st, errmsg) < 0) {
            free(endnote_ids);
            return -1;
        }
        int64_t claim_id = sqlite3_last_insert_rowid(db);
        if (index_text(db, id, &seq, "", c->text, "claim", claim_id, errmsg) < 0) {
            free(endnote_ids);
            return -1;
        }
        for (size_t m = 0; m < c->nendnotes; m++) {
            long idx = essay_find_endnote(e, c->endnotes[m]);
            st = store_stmt(db, "INSERT INTO claim_endnotes (claim_id, pos, n, endnote_id) VALUES (?,?,?,?)");
            if (!st) {
                free(endnote_ids);
                goto db_error;
            }
            sqlite3_bind_int64(st, 1, claim_id);
            sqlite3_bind_int64(st, 2, (sqlite3_int64)m);
            sqlite3_bind_int(st, 3, c->endnotes[m]);
            if (idx >= 0)
                sqlite3_bind_int64(st, 4, endnote_ids[idx]);
            else
                sqlite3_bind_null(st, 4);
            if (step_done(db, st, errmsg) < 0) {
                free(endnote_ids);
                return -1;
            }
        }
    }
    free(endnote_ids);
    return 0;
oom:
    set_errmsg(errmsg, "out of memory");
    return -1;
db_error:
    set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
    return -1;
}

/* COMMIT, or ROLLBACK if it fails, so that the connection is never left
 * inside a transaction for the next file. */
static int commit(sqlite3 *db, char **errmsg)
{
    if (exec(db, "COMMIT", errmsg) == 0) return 0;
    exec(db, "ROLLBACK", NULL);
    return -1;
}

int store_begin(sqlite3 *db, char **errmsg) { return exec(db, "BEGIN IMMEDIATE", errmsg); }

int store_commit(sqlite3 *db, char **errmsg) { return commit(db, errmsg); }

void store_rollback(sqlite3 *db)
{
    if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK", NULL);
}

/* One essay's write is atomic: a transaction of its own, or part of the
 * caller's (store_begin), who then rolls it all back if this fails. Not a
 * savepoint per essay: FTS5 flushes its pending index into a new segment
 * at every savepoint, and a segment per essay cost bulk import 13% of its
 * time (constant merging). */
static int txn_open(sqlite3 *db, bool *nested, char **errmsg)
{
    *nested = !sqlite3_get_autocommit(db);
    return *nested ? 0 : exec(db, "BEGIN IMMEDIATE", errmsg);
}

static int txn_close(sqlite3 *db, bool nested, bool ok, char **errmsg)
{
    if (nested) return ok ? 0 : -1;
    if (ok) return commit(db, errmsg);
    exec(db, "ROLLBACK", NULL);
    return -1;
}

static int bump_generation(sqlite3 *db, char **errmsg)
{
    return exec(db, "UPDATE meta SET value = value + 1 WHERE key = 'generation'", errmsg);
}

/* Removes an article's rows below the articles table (and its search
 * rows, which no foreign key reaches). */
static int wipe_content(sqlite3 *db, int64_t id, char **errmsg)
{
    static const char *const wipe[] = {"DELETE FROM claims WHERE article_id = ?",
                                       "DELETE FROM endnotes WHERE article_id = ?",
                                       "DELETE FROM paragraphs WHERE article_id = ?",
                                       "DELETE FROM search WHERE rowid BETWEEN (?1 << 20) AND (?1 << 20) + 1048575"};
    for (size_t k = 0; k < sizeof wipe / sizeof wipe[0]; k++) {
        sqlite3_stmt *st = store_stmt(db, wipe[k]);
        if (!st) {
            set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
            return -1;
        }
        sqlite3_bind_int64(st, 1, id);
        if (step_done(db, st, errmsg) < 0) return -1;
    }
    return 0;
}

int store_find_article(sqlite3 *db, const char *ref, store_article *out)
{
    bool digits = ref[0] != '\0' && strspn(ref, "0123456789") == strlen(ref) && strlen(ref) <= 18;
    sqlite3_stmt *st = store_stmt(db, digits ? "SELECT id, version, slug, title, source_sha256, parser_version "
                                               "FROM articles WHERE id = ?"
                                             : "SELECT id, version, slug, title, source_sha256, parser_version "
                                               "FROM articles WHERE slug = ?");
    if (!st) return -1;
    if (digits)
        sqlite3_bind_int64(st, 1, strtoll(ref, NULL, 10));
    else
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->version = sqlite3_column_int64(st, 1);
        snprintf(out->slug, sizeof out->slug, "%s", store_text(st, 2));
        snprintf(out->sha256, sizeof out->sha256, "%s", store_text(st, 4));
        out->parser_version = sqlite3_column_int(st, 5);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int store_put(sqlite3 *db, const essay *e, const char *source_name, const char *sha256, const store_target *t,
              import_result *res, char **errmsg)
{
    int64_t id = 0;
    char old_sha[65] = "";
    int old_parser = 0;
    char now[32];
    char *authors = NULL, *category_slug = NULL;
    bool nested;
    int conflict = 0;
    utc_now(now);
    memset(res, 0, sizeof *res);
    if (txn_open(db, &nested, errmsg) < 0) return -1;
    if (t->mode == STORE_IMPORT) {
        if (resolve_identity(db, e, &id, res->slug, old_sha, &old_parser, errmsg) < 0) goto fail;
    } else {
        store_article a;
        int found;
        if (t->mode == STORE_REPLACE) {
            char ref[24];
            snprintf(ref, sizeof ref, "%lld", (long long)t->id);
            found = store_find_article(db, ref, &a);
        } else {
            const char *want = t->slug ? t->slug : e->slug;
            char *derived = want ? NULL : slugify(e->title, strlen(e->title));
            if (!want && !derived) goto oom;
            found = store_find_article(db, want ? want : derived, &a);
            if (found == 0) snprintf(res->slug, sizeof res->slug, "%s", want ? want : derived);
            free(derived);
        }
        if (found < 0) goto db_error;
        if (t->mode == STORE_REPLACE && found == 0) {
            set_errmsg(errmsg, "article %lld does not exist", (long long)t->id);
            conflict = STORE_NOT_FOUND;
            goto fail;
        }
        if (t->mode == STORE_CREATE && found == 1) {
            res->article_id = a.id;
            snprintf(res->slug, sizeof res->slug, "%s", a.slug);
            set_errmsg(errmsg, "an article with slug %s exists (id %lld)", a.slug, (long long)a.id);
            conflict = STORE_CONFLICT;
            goto fail;
        }
        if (found == 1) {
            id = a.id;
            snprintf(res->slug, sizeof res->slug, "%s", a.slug);
            snprintf(old_sha, sizeof old_sha, "%s", a.sha256);
            old_parser = a.parser_version;
        }
        if (strlen(res->slug) > 200 || !res->slug[0]) {
            set_errmsg(errmsg, "the title gives no usable slug; add a Slug: line");
            conflict = STORE_CONFLICT;
            goto fail;
        }
    }
    res->article_id = id;
    if (id && strcmp(old_sha, sha256) == 0 && old_parser == ESSAY_PARSER_VERSION) {
        res->outcome = IMPORT_UNCHANGED;
        return txn_close(db, nested, true, errmsg);
    }
    if (!(authors = authors_json(e))) goto oom;
    if (e->category && !(category_slug = slugify(e->category, strlen(e->category)))) goto oom;

    sqlite3_stmt *st;
    if (id) {
        /* Claims and endnotes are replaced wholesale (their ids may change;
         * claim keys do not); the article keeps its id. */
        if (wipe_content(db, id, errmsg) < 0) goto fail;
        st = store_stmt(db, "UPDATE articles SET title=?, category=?, category_slug=?, published=?, venue=?, note=?, "
                            "authors=?, word_count=?, paragraph_count=?, claim_count=?, endnote_count=?, "
                            "slug_explicit=?, source_name=?, source_sha256=?, parser_version=?, "
                            "version=version+1, updated_at=? WHERE id=?");
    } else {
        st = store_stmt(db, "INSERT INTO articles (title, category, category_slug, published, venue, note, authors, "
                            "word_count, paragraph_count, claim_count, endnote_count, slug_explicit, source_name, "
                            "source_sha256, parser_version, updated_at, created_at, slug) "
                            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    }
    if (!st) goto db_error;
    sqlite3_bind_text(st, 1, e->title, -1, SQLITE_TRANSIENT);
    bind_text_or_null(st, 2, e->category);
    bind_text_or_null(st, 3, category_slug);
    bind_text_or_null(st, 4, e->published);
    bind_text_or_null(st, 5, e->venue);
    bind_text_or_null(st, 6, e->note);
    sqlite3_bind_text(st, 7, authors, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)e->word_count);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)e->nparagraphs);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)e->nclaims);
    sqlite3_bind_int64(st, 11, (sqlite3_int64)e->nendnotes);
    sqlite3_bind_int(st, 12, e->slug != NULL || t->slug != NULL);
    bind_text_or_null(st, 13, source_name);
    sqlite3_bind_text(st, 14, sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 15, ESSAY_PARSER_VERSION);
    sqlite3_bind_text(st, 16, now, -1, SQLITE_TRANSIENT);
    if (id) {
        sqlite3_bind_int64(st, 17, id);
    } else {
        sqlite3_bind_text(st, 17, now, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 18, res->slug, -1, SQLITE_TRANSIENT);
    }
    if (step_done(db, st, errmsg) < 0) goto fail;
    res->outcome = id ? IMPORT_REPLACED : IMPORT_IMPORTED;
    if (!id) id = sqlite3_last_insert_rowid(db);
    res->article_id = id;
    if (insert_content(db, e, id, res->slug, errmsg) < 0) goto fail;
    if (bump_generation(db, errmsg) < 0) goto fail;
    free(authors);
    free(category_slug);
    return txn_close(db, nested, true, errmsg);
oom:
    set_errmsg(errmsg, "out of memory");
    goto fail;
db_error:
    set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
fail:
    free(authors);
    free(category_slug);
    txn_close(db, nested, false, NULL);
    return conflict ? conflict : -1;
}

int store_import(sqlite3 *db, const essay *e, const char *source_name, const char *sha256, import_result *res,
                 char **errmsg)
{
    store_target t = {STORE_IMPORT, 0, NULL};
    return store_put(db, e, source_name, sha256, &t, res, errmsg);
}

int store_delete(sqlite3 *db, int64_t id, char **errmsg)
{
    bool nested;
    if (txn_open(db, &nested, errmsg) < 0) return -1;
    bool ok = wipe_content(db, id, errmsg) == 0;
    sqlite3_stmt *st = ok ? store_stmt(db, "DELETE FROM articles WHERE id = ?") : NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        ok = step_done(db, st, errmsg) == 0;
    } else if (ok) {
        set_errmsg(errmsg, "database: %s", sqlite3_errmsg(db));
        ok = false;
    }
    bool found = ok && sqlite3_changes(db) > 0;
    if (found && bump_generation(db, errmsg) < 0) ok = false;
    if (txn_close(db, nested, ok, errmsg) < 0) return -1;
    return found ? 0 : STORE_NOT_FOUND;
}

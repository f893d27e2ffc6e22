/*
 * import.c — essayd import: find the sources, store what the reader
 * thread parses (import_source.c) in batches, and report each essay once
 * its batch is durable.
 */
#include "import.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "essay.h"
#include "import_source.h"
#include "store.h"
#include "text.h"

/* A batch commits after this many essays or this long, whichever comes
 * first: big enough that FTS5 and the WAL work in bulk, small enough that
 * a reader-facing writer (the HTTP API) never waits long for the lock and
 * an acknowledged line is never far behind. */
#define BATCH_ESSAYS 512
#define BATCH_NSEC (250 * 1000 * 1000L)

/* Directory trees deeper than this are refused (a symlink loop). */
#define MAX_DEPTH 64

typedef struct {
    char **v;
    size_t n, cap;
} string_list;

static int list_push(string_list *l, char *s)
{
    if (!s) return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) {
            free(s);
            return -1;
        }
        l->v = nv, l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

static void list_free(string_list *l)
{
    for (size_t k = 0; k < l->n; k++) free(l->v[k]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Appends dir's *.txt / *.ndjson files, recursively, in name order.
 * Returns -1 on allocation failure; unreadable directories are reported
 * and counted as failed. */
static int walk(const char *dir, int depth, string_list *out, unsigned *failed)
{
    struct dirent **names = NULL;
    if (depth > MAX_DEPTH) {
        fprintf(stderr, "%s: directories nested over %d deep (a symlink loop?)\n", dir, MAX_DEPTH);
        (*failed)++;
        return 0;
    }
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        fprintf(stderr, "%s: cannot read directory: %s\n", dir, strerror(errno));
        (*failed)++;
        return 0;
    }
    int rc = 0;
    for (int k = 0; k < n; k++) {
        const char *name = names[k]->d_name;
        if (rc == 0 && name[0] != '.') {
            size_t len = strlen(dir) + strlen(name) + 2;
            char *path = malloc(len);
            struct stat sb;
            if (!path) {
                rc = -1;
            } else {
                snprintf(path, len, "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", name);
                if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
                    rc = walk(path, depth + 1, out, failed);
                    free(path);
                } else if (has_suffix(name, ".txt") || source_is_ndjson(name)) {
                    rc = list_push(out, path);
                } else {
                    free(path);
                }
            }
        }
        free(names[k]);
    }
    free(names);
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

typedef struct {
    char *name;
    essay *e;
    char sha[65];
} batch_item;

typedef struct {
    const import_options *opts;
    sqlite3 *db;
    import_counts *counts;
    strbuf pending;     /* outcome lines of the open batch, printed once it commits */
    strbuf pending_err; /* their warnings */
    batch_item *items;  /* the essays stored in the open batch, kept until it commits */
    size_t nitems, items_cap;
    import_counts batch; /* their outcomes, added to *counts once it commits */
    struct timespec batch_started, started, last_draw;
    size_t sources_done, sources_total;
    bool bar;           /* a progress bar is on stderr */
    bool bar_drawn;
    bool quiet_lines;   /* the bar replaces per-essay lines (stdout is the same terminal) */
    int stopped_by;     /* the storage error that ended the run (store_fault), 0 while it goes on */
} run;

static double seconds_between(struct timespec a, struct timespec b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

static void bar_clear(run *r)
{
    if (r->bar && r->bar_drawn) {
        fputs("\r\033[K", stderr);
        r->bar_drawn = false;
    }
}

static void bar_draw(run *r, bool force)
{
    if (!r->bar) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!force && r->bar_drawn && seconds_between(r->last_draw, now) < 0.1) return;
    r->last_draw = now;
    double t = seconds_between(r->started, now);
    double rate = t > 0 ? (double)r->sources_done / t : 0;
    size_t total = r->sources_total ? r->sources_total : 1;
    int width = 30, filled = (int)((double)width * (double)r->sources_done / (double)total);
    char bar[32];
    for (int k = 0; k < width; k++) bar[k] = k < filled ? '#' : '.';
    bar[width] = '\0';
    char eta[32] = "--";
    if (rate > 0 && r->sources_done < r->sources_total)
        snprintf(eta, sizeof eta, "%.0fs", (double)(r->sources_total - r->sources_done) / rate);
    else if (r->sources_done >= r->sources_total)
        snprintf(eta, sizeof eta, "0s");
    fprintf(stderr, "\r\033[K[%s] %zu/%zu files  %.0f/s  ETA %s", bar, r->sources_done, r->sources_total, rate,
            eta);
    fflush(stderr);
    r->bar_drawn = true;
}

/* An error for one essay: printed at once, above the bar. */
static void report_error(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_error(run *r, const char *fmt, ...)
{
    bar_clear(r);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    r->counts->failed++;
}

static const char *outcome_word(import_outcome o, bool dry)
{
    if (dry) return o == IMPORT_IMPORTED ? "would import" : o == IMPORT_REPLACED ? "would replace" : "unchanged";
    return o == IMPORT_IMPORTED ? "imported" : o == IMPORT_REPLACED ? "replaced" : "unchanged";
}

/* Queues the report of a stored essay, to be printed once it is durable. */
static void note_outcome(run *r, const batch_item *it, const import_result *res)
{
    bool ok = true;
    for (size_t k = 0; k < it->e->nwarnings && res->outcome != IMPORT_UNCHANGED && ok; k++) {
        ok = sb_puts(&r->pending_err, it->name) == 0 && sb_puts(&r->pending_err, ": warning: ") == 0 &&
             sb_puts(&r->pending_err, it->e->warnings[k]) == 0 && sb_putc(&r->pending_err, '\n') == 0;
    }
    char line[600];
    snprintf(line, sizeof line, "%s %s (id %lld, slug %s)\n", outcome_word(res->outcome, r->opts->dry_run), it->name,
             (long long)res->article_id, res->slug);
    if (!ok || sb_puts(&r->pending, line) < 0) fprintf(stderr, "essayd: out of memory for the report\n");
    if (res->outcome == IMPORT_IMPORTED) r->batch.imported++;
    else if (res->outcome == IMPORT_REPLACED) r->batch.replaced++;
    else r->batch.unchanged++;
}

static void items_clear(run *r)
{
    for (size_t k = 0; k < r->nitems; k++) {
        free(r->items[k].name);
        essay_free(r->items[k].e);
    }
    r->nitems = 0;
}

/* Prints the reports of a durable batch, adds its counts, and empties it. */
static void batch_flush(run *r)
{
    bar_clear(r);
    if (r->pending_err.len) fwrite(r->pending_err.data, 1, r->pending_err.len, stderr);
    if (r->pending.len && !r->quiet_lines) fwrite(r->pending.data, 1, r->pending.len, stdout);
    fflush(stdout);
    r->counts->imported += r->batch.imported;
    r->counts->replaced += r->batch.replaced;
    r->counts->unchanged += r->batch.unchanged;
    r->pending.len = r->pending_err.len = 0;
    memset(&r->batch, 0, sizeof r->batch);
    items_clear(r);
}

/* Stores one item in a transaction of its own and reports it. */
static void store_alone(run *r, const batch_item *it)
{
    import_result res;
    char *msg = NULL;
    const char *base = strrchr(it->name, '/');
    int rc = store_begin(r->db, &msg);
    if (rc == 0) rc = store_import(r->db, it->e, base ? base + 1 : it->name, it->sha, &res, &msg);
    if (rc == 0 && !r->opts->dry_run) rc = store_commit(r->db, &msg);
    store_rollback(r->db); /* a dry run, or a failure */
    if (rc < 0) {
        report_error(r, "%s: %s", it->name, msg ? msg : "cannot store");
        free(msg);
        /* A full disk or a damaged file fails every essay after this one
         * alike: one clear message instead of one per essay. */
        if (store_fault()) {
            r->stopped_by = store_fault();
            fprintf(stderr,
                    "essayd: import stopped: %s; the essays reported above as stored are complete, "
                    "no other was stored\n",
                    sqlite3_errstr(r->stopped_by));
        }
        return;
    }
    note_outcome(r, it, &res);
    batch_flush(r);
}

/* A batch that failed as a whole (an essay hit a database error, or the
 * commit did): undo it, then store its essays one transaction each, so
 * that only the essay at fault fails. */
static void batch_retry_alone(run *r)
{
    store_rollback(r->db);
    r->pending.len = r->pending_err.len = 0;
    memset(&r->batch, 0, sizeof r->batch);
    size_t n = r->nitems;
    r->nitems = 0; /* store_alone → batch_flush must not free them yet */
    for (size_t k = 0; k < n; k++) {
        if (r->stopped_by)
            r->counts->failed++;
        else
            store_alone(r, &r->items[k]);
        free(r->items[k].name);
        essay_free(r->items[k].e);
    }
}

/* Ends the open batch: commits it (a dry run rolls it back) and prints
 * what it held. */
static void batch_end(run *r)
{
    if (!r->db || sqlite3_get_autocommit(r->db)) return;
    char *msg = NULL;
    if (r->opts->dry_run) {
        store_rollback(r->db);
    } else if (store_commit(r->db, &msg) < 0) {
        bar_clear(r);
        fprintf(stderr, "essayd: cannot commit a batch of %zu essays (%s); storing them one by one\n", r->nitems,
                msg ? msg : "database error");
        free(msg);
        batch_retry_alone(r);
        return;
    }
    batch_flush(r);
    /* A moment with the write lock free: a writer polling for it (the HTTP
     * API, store.h STORE_BUSY_MS) gets in between two batches instead of
     * waiting out its timeout. Costs under 1% of a 250 ms batch. */
    struct timespec gap = {0, 2 * 1000 * 1000};
    nanosleep(&gap, NULL);
}

/* Nanoseconds until the open batch is due to commit; -1 when none is open. */
static long batch_time_left(const run *r)
{
    if (!r->db || sqlite3_get_autocommit(r->db)) return -1;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ns = (now.tv_sec - r->batch_started.tv_sec) * 1000000000L + (now.tv_nsec - r->batch_started.tv_nsec);
    return ns >= BATCH_NSEC ? 0 : BATCH_NSEC - ns;
}

/* The batch for the next essay: open, or committed and reopened when
 * full or old. Returns -1 if no transaction can be opened. */
static int batch_ready(run *r)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!sqlite3_get_autocommit(r->db)) {
        long ns = (now.tv_sec - r->batch_started.tv_sec) * 1000000000L + (now.tv_nsec - r->batch_started.tv_nsec);
        if (r->nitems < BATCH_ESSAYS && ns < BATCH_NSEC) return 0;
        batch_end(r);
    }
    char *msg = NULL;
    if (store_begin(r->db, &msg) < 0) {
        fprintf(stderr, "essayd: cannot start a transaction: %s\n", msg ? msg : "database error");
        free(msg);
        return -1;
    }
    r->batch_started = now;
    return 0;
}

/* Stores one parsed essay (taken: freed once its batch ends); name is
 * what messages call it ("FILE" or "FILE:LINE"). */
static void store_essay(run *r, const char *name, essay *e, const char *sha)
{
    if (r->stopped_by) {
        essay_free(e);
        r->counts->failed++;
        return;
    }
    batch_item it = {xstrdup(name), e, ""};
    snprintf(it.sha, sizeof it.sha, "%s", sha);
    if (!it.name || batch_ready(r) < 0) {
        if (!it.name) fprintf(stderr, "essayd: out of memory\n");
        free(it.name);
        essay_free(e);
        r->counts->failed++;
        return;
    }
    if (r->nitems == r->items_cap) {
        size_t cap = r->items_cap ? 2 * r->items_cap : 64;
        batch_item *nv = realloc(r->items, cap * sizeof *nv);
        if (!nv) {
            fprintf(stderr, "essayd: out of memory\n");
            free(it.name);
            essay_free(e);
            r->counts->failed++;
            return;
        }
        r->items = nv, r->items_cap = cap;
    }
    r->items[r->nitems++] = it;
    import_result res;
    char *msg = NULL;
    const char *base = strrchr(name, '/');
    int rc = store_import(r->db, e, base ? base + 1 : name, it.sha, &res, &msg);
    free(msg);
    if (rc < 0) {
        batch_retry_alone(r);
        return;
    }
    note_outcome(r, &r->items[r->nitems - 1], &res);
}

int import_run(const import_options *opts, char *const *args, int nargs, import_counts *counts)
{
    run r = {.opts = opts, .counts = counts};
    string_list sources = {0};
    char *msg = NULL;
    memset(counts, 0, sizeof *counts);
    for (int k = 0; k < nargs; k++) {
        struct stat sb;
        int rc = strcmp(args[k], "-") != 0 && stat(args[k], &sb) == 0 && S_ISDIR(sb.st_mode)
                     ? walk(args[k], 0, &sources, &counts->failed)
                     : list_push(&sources, xstrdup(args[k]));
        if (rc < 0) {
            fprintf(stderr, "essayd: out of memory\n");
            list_free(&sources);
            return 1;
        }
    }
    /* A dry run against a database that does not exist yet uses an empty
     * one in memory, so that it creates nothing. */
    const char *path = opts->dry_run && access(opts->db_path, F_OK) != 0 ? ":memory:" : opts->db_path;
    if (store_open(path, STORE_READ_WRITE, &r.db, &msg) < 0) {
        fprintf(stderr, "essayd: %s\n", msg ? msg : "cannot open database");
        free(msg);
        list_free(&sources);
        return 1;
    }
    /* A batch touches many pages (FTS5 segments above all): a larger page
     * cache keeps them from spilling into the WAL mid-transaction, and a
     * larger checkpoint interval batches the copying back into the
     * database file. */
    sqlite3_exec(r.db, "PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 4096", NULL, NULL, NULL);
    store_request_begin(0); /* store_fault() from here on is this run's */
    r.sources_total = sources.n;
    r.bar = opts->progress > 0 || (opts->progress < 0 && isatty(STDERR_FILENO));
    r.quiet_lines = r.bar && isatty(STDOUT_FILENO);
    clock_gettime(CLOCK_MONOTONIC, &r.started);
    source_reader *reader = source_reader_start(sources.v, sources.n);
    if (!reader) fprintf(stderr, "essayd: cannot start the reader thread\n");
    parsed_essay item;
    for (;;) {
        /* The open batch holds the database's write lock: while the reader
         * has nothing (a slow pipe on stdin, a large file being read), it
         * is committed when its time is up instead of held for as long as
         * the reader takes. */
        int got = reader ? source_reader_next_until(reader, &item, batch_time_left(&r)) : 0;
        if (got < 0) {
            batch_end(&r);
            got = source_reader_next(reader, &item);
        }
        if (got == 0) break;
        if (item.source_done) {
            r.sources_done++;
            bar_draw(&r, false);
        } else if (item.e) {
            store_essay(&r, item.name, item.e, item.sha256);
            item.e = NULL; /* taken */
        } else {
            report_error(&r, "%s", item.error ? item.error : "essayd: out of memory");
        }
        parsed_essay_clear(&item);
    }
    source_reader_free(reader);
    if (!reader) counts->failed += (unsigned)sources.n;
    batch_end(&r);
    bar_draw(&r, true);
    if (r.bar) fputc('\n', stderr);
    store_close(r.db);
    items_clear(&r);
    free(r.items);
    sb_free(&r.pending);
    sb_free(&r.pending_err);
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double t = seconds_between(r.started, end);
    unsigned total = counts->imported + counts->replaced + counts->unchanged + counts->failed;
    printf("%u essays from %zu files: %u %s, %u %s, %u unchanged, %u failed in %.2f s (%.0f essays/s)%s%s%s\n", total,
           sources.n, counts->imported, opts->dry_run ? "would be imported" : "imported", counts->replaced,
           opts->dry_run ? "would be replaced" : "replaced", counts->unchanged, counts->failed, t,
           t > 0 ? (double)total / t : 0, opts->dry_run ? "; dry run, nothing written" : "",
           r.stopped_by ? "; stopped: " : "", r.stopped_by ? sqlite3_errstr(r.stopped_by) : "");
    list_free(&sources);
    return counts->failed ? 1 : 0;
}

/*
 * export.c — essayd export: the stored articles → essay drafts → canonical
 * essay texts or NDJSON lines, from one read transaction.
 *
 * Every article goes through essay_parse_draft before it is written, in
 * both formats: what is exported is what `essayd import` reads back to the
 * same fields, or it is reported and left out rather than written wrong.
 */
#include "export.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "essay_draft.h"
#include "store.h"
#include "text.h"

static void complain(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void complain(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("essayd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* ---- files replaced whole ------------------------------------------------- */

/* A file written under a temporary name in its final directory and renamed
 * over the final name once complete: a crash leaves the old file or none,
 * never half of the new one. The temporary name starts with '.', so that
 * a leftover is hidden from a shell's *.txt. */
typedef struct {
    FILE *f;
    char *tmp, *path;
} atomic_file;

static int af_open(atomic_file *af, const char *dir, const char *name)
{
    memset(af, 0, sizeof *af);
    size_t n = strlen(dir) + strlen(name) + 16;
    af->tmp = malloc(n);
    af->path = malloc(n);
    if (!af->tmp || !af->path) {
        complain("out of memory");
        goto fail;
    }
    snprintf(af->path, n, "%s/%s", dir, name);
    snprintf(af->tmp, n, "%s/.%s.XXXXXX", dir, name);
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        complain("%s: cannot create a file there: %s", dir, strerror(errno));
        goto fail;
    }
    /* mkstemp makes the file 0600; give it what a plain create would. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) < 0 || !(af->f = fdopen(fd, "w"))) {
        complain("%s: %s", af->tmp, strerror(errno));
        close(fd);
        unlink(af->tmp);
        goto fail;
    }
    return 0;
fail:
    free(af->tmp);
    free(af->path);
    af->tmp = af->path = NULL;
    return -1;
}

static void af_abort(atomic_file *af)
{
    if (af->f) fclose(af->f);
    if (af->tmp) unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
}

/* Flushes the file to disk (so the rename can never expose a file whose
 * data is still only in memory) and renames it into place. */
static int af_commit(atomic_file *af)
{
    int rc = 0;
    if (fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) < 0) {
        complain("%s: %s", af->path, strerror(errno));
        rc = -1;
    }
    if (fclose(af->f) != 0 && rc == 0) {
        complain("%s: %s", af->path, strerror(errno));
        rc = -1;
    }
    af->f = NULL;
    if (rc == 0 && rename(af->tmp, af->path) < 0) {
        complain("%s: %s", af->path, strerror(errno));
        rc = -1;
    }
    if (rc < 0) unlink(af->tmp);
    free(af->tmp);
    free(af->path);
    memset(af, 0, sizeof *af);
    return rc;
}

static int write_whole_file(const char *dir, const char *name, const char *data, size_t len)
{
    atomic_file af;
    if (af_open(&af, dir, name) < 0) return -1;
    if (fwrite(data, 1, len, af.f) != len) {
        complain("%s: %s", af.path, strerror(errno));
        af_abort(&af);
        return -1;
    }
    return af_commit(&af);
}

/* mkdir for the last component; an existing directory is fine. */
static int ensure_dir(const char *dir)
{
    struct stat sb;
    if (mkdir(dir, 0777) == 0) return 0;
    if (errno == EEXIST && stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) return 0;
    complain("%s: cannot create the directory: %s", dir, errno == EEXIST ? "a file is in the way" : strerror(errno));
    return -1;
}

/* ---- reading the database ------------------------------------------------- */

static const char ARTICLES_SQL[] = "SELECT id, slug, title, authors, note, category FROM articles ORDER BY slug";
static const char PARAGRAPHS_SQL[] = "SELECT text FROM paragraphs WHERE article_id = ? ORDER BY idx";
static const char ENDNOTES_SQL[] = "SELECT n, raw FROM endnotes WHERE article_id = ? ORDER BY n";

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *articles, *paragraphs, *endnotes;
} source;

/* Results of load_draft beyond 0: the database failed (stop), or this
 * article's stored data cannot make a draft (skip it). */
#define LOAD_FAILED (-1)
#define LOAD_BAD_ARTICLE (-2)

/* Copies column i into *dst (NULL for SQL NULL). */
static int col_dup(sqlite3_stmt *st, int i, char **dst, char *why, size_t whysz)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    *dst = NULL;
    if (!s) {
        if (sqlite3_column_type(st, i) == SQLITE_NULL) return 0;
        snprintf(why, whysz, "out of memory");
        return LOAD_FAILED;
    }
    if (memchr(s, '\0', n)) {
        snprintf(why, whysz, "%s: contains a NUL character", sqlite3_column_name(st, i));
        return LOAD_BAD_ARTICLE;
    }
    if (!(*dst = xstrndup(s, n))) {
        snprintf(why, whysz, "out of memory");
        return LOAD_FAILED;
    }
    return 0;
}

/* articles.authors is a JSON array of strings. */
static int load_authors(const char *text, essay_draft *d, char *why, size_t whysz)
{
    if (!text) return 0;
    json_t *a = json_loads(text, JSON_DECODE_ANY, NULL);
    int rc = 0;
    if (!json_is_array(a)) {
        snprintf(why, whysz, "authors: the stored value is not a JSON array");
        rc = LOAD_BAD_ARTICLE;
    } else if (json_array_size(a) && !(d->authors = calloc(json_array_size(a), sizeof *d->authors))) {
        snprintf(why, whysz, "out of memory");
        rc = LOAD_FAILED;
    } else {
        d->nauthors = json_array_size(a);
        for (size_t k = 0; k < d->nauthors && rc == 0; k++) {
            const json_t *s = json_array_get(a, k);
            if (!json_is_string(s)) {
                snprintf(why, whysz, "authors[%zu]: the stored value is not a string", k);
                rc = LOAD_BAD_ARTICLE;
            } else if (!(d->authors[k] = xstrndup(json_string_value(s), json_string_length(s)))) {
                snprintf(why, whysz, "out of memory");
                rc = LOAD_FAILED;
            }
        }
    }
    json_decref(a);
    return rc;
}

/* Grows *arr (of elem-sized items, *cap of them) to hold n + 1. */
static int reserve(void *arrp, size_t n, size_t *cap, size_t elem)
{
    void **arr = arrp;
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *nv = realloc(*arr, nc * elem);
    if (!nv) return -1;
    *arr = nv;
    *cap = nc;
    return 0;
}

static int step_error(source *src, char *why, size_t whysz)
{
    snprintf(why, whysz, "database: %s", sqlite3_errmsg(src->db));
    return LOAD_FAILED;
}

static int load_paragraphs(source *src, int64_t id, essay_draft *d, char *why, size_t whysz)
{
    sqlite3_stmt *st = src->paragraphs;
    size_t cap = 0;
    int rc = 0, s = SQLITE_DONE;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (reserve(&d->paragraphs, d->nparagraphs, &cap, sizeof *d->paragraphs) < 0) {
            snprintf(why, whysz, "out of memory");
            rc = LOAD_FAILED;
        } else if ((rc = col_dup(st, 0, &d->paragraphs[d->nparagraphs], why, whysz)) == 0) {
            if (d->paragraphs[d->nparagraphs]) {
                d->nparagraphs++;
            } else {
                snprintf(why, whysz, "paragraphs[%zu]: text is NULL", d->nparagraphs);
                rc = LOAD_BAD_ARTICLE;
            }
        }
    }
    if (rc == 0 && s != SQLITE_DONE) rc = step_error(src, why, whysz);
    sqlite3_reset(st);
    return rc;
}

static int load_endnotes(source *src, int64_t id, essay_draft *d, char *why, size_t whysz)
{
    sqlite3_stmt *st = src->endnotes;
    size_t cap = 0;
    int rc = 0, s = SQLITE_DONE;
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, id);
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        if (reserve(&d->endnotes, d->nendnotes, &cap, sizeof *d->endnotes) < 0) {
            snprintf(why, whysz, "out of memory");
            rc = LOAD_FAILED;
            break;
        }
        essay_draft_endnote *en = &d->endnotes[d->nendnotes];
        sqlite3_int64 n = sqlite3_column_int64(st, 0);
        /* Out of range numbers are refused by essay_draft_write. */
        en->n = n >= 0 && n <= ESSAY_MAX_ENDNOTE ? (int)n : -1;
        if ((rc = col_dup(st, 1, &en->raw, why, whysz)) == 0) {
            d->nendnotes++;
            if (!en->raw) {
                snprintf(why, whysz, "endnote [%d]: raw is NULL", en->n);
                rc = LOAD_BAD_ARTICLE;
            }
        }
    }
    if (rc == 0 && s != SQLITE_DONE) rc = step_error(src, why, whysz);
    sqlite3_reset(st);
    return rc;
}

/* The draft of the article at the current row of src->articles: its slug
 * always explicit, so that an import finds the same article again. */
static int load_draft(source *src, essay_draft **out, char *why, size_t whysz)
{
    sqlite3_stmt *a = src->articles;
    essay_draft *d = calloc(1, sizeof *d);
    char *authors = NULL;
    int rc;
    *out = NULL;
    if (!d) {
        snprintf(why, whysz, "out of memory");
        return LOAD_FAILED;
    }
    int64_t id = sqlite3_column_int64(a, 0);
    if ((rc = col_dup(a, 1, &d->slug, why, whysz)) < 0 || (rc = col_dup(a, 2, &d->title, why, whysz)) < 0 ||
        (rc = col_dup(a, 3, &authors, why, whysz)) < 0 || (rc = col_dup(a, 4, &d->note, why, whysz)) < 0 ||
        (rc = col_dup(a, 5, &d->category, why, whysz)) < 0 || (rc = load_authors(authors, d, why, whysz)) < 0 ||
        (rc = load_paragraphs(src, id, d, why, whysz)) < 0 || (rc = load_endnotes(src, id, d, why, whysz)) < 0) {
        free(authors);
        essay_draft_free(d);
        return rc;
    }
    free(authors);
    *out = d;
    return 0;
}

/* ---- the export ----------------------------------------------------------- */

typedef struct {
    export_format format;
    const char *dir;
    FILE *ndjson; /* EXPORT_NDJSON: stdout or the temporary essays.ndjson */
    unsigned exported, skipped;
} sink;

/* Writes one article. Returns 0, or -1 when the export must stop (an
 * output error); an article that cannot be written is counted in skipped. */
static int export_one(sink *out, const essay_draft *d)
{
    strbuf text = {0};
    essay_error err;
    essay *e = essay_parse_draft(d, &text, &err);
    if (!e) {
        complain("%s: cannot be exported: %s", d->slug ? d->slug : "(no slug)", err.text);
        sb_free(&text);
        out->skipped++;
        return 0;
    }
    essay_free(e);
    int rc = 0;
    if (out->format == EXPORT_TXT) {
        /* The slug passed slug_valid, so it is a safe file name. */
        char name[256];
        snprintf(name, sizeof name, "%s.txt", d->slug);
        rc = write_whole_file(out->dir, name, text.data, text.len);
    } else {
        json_t *j = essay_draft_to_json(d);
        char *line = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!line) {
            complain("%s: out of memory", d->slug);
            rc = -1;
        } else if (fputs(line, out->ndjson) == EOF || fputc('\n', out->ndjson) == EOF) {
            complain("writing %s: %s", out->dir ? "essays.ndjson" : "stdout", strerror(errno));
            rc = -1;
        }
        free(line);
    }
    sb_free(&text);
    if (rc == 0) out->exported++;
    return rc;
}

/* Runs the whole export inside one read transaction. Returns 0, or -1
 * after a database or output error (reported). */
static int export_all(source *src, sink *out)
{
    char why[256];
    if (sqlite3_exec(src->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        complain("database: %s", sqlite3_errmsg(src->db));
        return -1;
    }
    int rc = 0, s = SQLITE_DONE;
    while (rc == 0 && (s = sqlite3_step(src->articles)) == SQLITE_ROW) {
        essay_draft *d;
        int lr = load_draft(src, &d, why, sizeof why);
        if (lr == LOAD_BAD_ARTICLE) {
            const char *slug = (const char *)sqlite3_column_text(src->articles, 1);
            complain("%s: cannot be exported: %s", slug ? slug : "(no slug)", why);
            out->skipped++;
        } else if (lr < 0) {
            complain("%s", why);
            rc = -1;
        } else {
            rc = export_one(out, d);
            essay_draft_free(d);
        }
    }
    if (rc == 0 && s != SQLITE_DONE) {
        complain("database: %s", sqlite3_errmsg(src->db));
        rc = -1;
    }
    sqlite3_reset(src->articles);
    /* Nothing was written through this connection: ending the read
     * transaction either way is the same. */
    sqlite3_exec(src->db, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int export_corpus(const char *db_path, export_format format, const char *dir)
{
    source src = {0};
    sink out = {format, dir, NULL, 0, 0};
    atomic_file nd = {0};
    char *msg = NULL;
    int rc = -1;
    if (format == EXPORT_TXT && !dir) {
        complain("txt export writes one file per article: give a DIR");
        return -1;
    }
    /* The database first, so that a wrong path creates no directory. */
    if (store_open(db_path, STORE_READ_ONLY, &src.db, &msg) < 0) {
        complain("%s", msg ? msg : "cannot open the database");
        free(msg);
        return -1;
    }
    if (sqlite3_prepare_v2(src.db, ARTICLES_SQL, -1, &src.articles, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(src.db, PARAGRAPHS_SQL, -1, &src.paragraphs, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(src.db, ENDNOTES_SQL, -1, &src.endnotes, NULL) != SQLITE_OK) {
        complain("database: %s", sqlite3_errmsg(src.db));
        goto done;
    }
    if (dir && ensure_dir(dir) < 0) goto done;
    if (format == EXPORT_NDJSON) {
        if (dir && af_open(&nd, dir, "essays.ndjson") < 0) goto done;
        out.ndjson = dir ? nd.f : stdout;
    }
    rc = export_all(&src, &out);
    if (format == EXPORT_NDJSON && dir) {
        if (rc == 0)
            rc = af_commit(&nd);
        else
            af_abort(&nd);
    } else if (format == EXPORT_NDJSON && rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        complain("writing stdout: %s", strerror(errno));
        rc = -1;
    }
    /* The summary only for an export that ran to its end. */
    if (rc == 0) {
        fprintf(stderr, "exported %u article%s to %s", out.exported, out.exported == 1 ? "" : "s", dir ? dir : "stdout");
        if (out.skipped) fprintf(stderr, "; %u could not be exported", out.skipped);
        fputc('\n', stderr);
    }
    if (out.skipped) rc = -1;
done:
    sqlite3_finalize(src.articles);
    sqlite3_finalize(src.paragraphs);
    sqlite3_finalize(src.endnotes);
    store_close(src.db);
    return rc;
}

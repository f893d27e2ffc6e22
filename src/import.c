/* import.c — essayd import: read, check, parse and store essay files. */
#include "import.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "essay.h"
#include "store.h"
#include "text.h"

/* Reads the whole file, refusing anything that is not a regular file or is
 * over the size limit before reading it. Returns a malloc'd buffer (caller
 * frees) or NULL after printing PATH:LINE: message. */
static char *read_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    char *buf = NULL;
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "%s: not a regular file\n", path);
        goto done;
    }
    if ((uint64_t)sb.st_size > ESSAY_MAX_BYTES) {
        fprintf(stderr, "%s:1: file is %lld bytes, over the %u byte limit\n", path, (long long)sb.st_size,
                ESSAY_MAX_BYTES);
        goto done;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    if (!(buf = malloc(cap))) {
        fprintf(stderr, "%s: out of memory\n", path);
        goto done;
    }
    for (;;) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            fprintf(stderr, "%s: read error: %s\n", path, strerror(errno));
            free(buf);
            buf = NULL;
            goto done;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n == cap) { /* the file grew while we read it */
            fprintf(stderr, "%s:1: file changed size while being read\n", path);
            free(buf);
            buf = NULL;
            goto done;
        }
    }
    *len = n;
done:
    close(fd);
    return buf;
}

static const char *outcome_word(import_outcome o)
{
    return o == IMPORT_IMPORTED ? "imported" : o == IMPORT_REPLACED ? "replaced" : "unchanged";
}

static int import_one(sqlite3 *db, const char *path, import_counts *counts)
{
    size_t len = 0;
    char *buf = read_file(path, &len);
    if (!buf) return -1;
    essay_error err;
    essay *e = essay_parse(buf, len, &err);
    if (!e) {
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
        free(buf);
        return -1;
    }
    char sha[65];
    sha256_hex(buf, len, sha);
    free(buf);
    const char *base = strrchr(path, '/');
    import_result res;
    char *msg = NULL;
    int rc = store_import(db, e, base ? base + 1 : path, sha, &res, &msg);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", path, msg ? msg : "cannot store");
        free(msg);
    } else {
        for (size_t k = 0; k < e->nwarnings && res.outcome != IMPORT_UNCHANGED; k++)
            fprintf(stderr, "%s: warning: %s\n", path, e->warnings[k]);
        printf("%s %s (id %lld, slug %s)\n", outcome_word(res.outcome), path, (long long)res.article_id, res.slug);
        if (res.outcome == IMPORT_IMPORTED) counts->imported++;
        else if (res.outcome == IMPORT_REPLACED) counts->replaced++;
        else counts->unchanged++;
    }
    essay_free(e);
    return rc;
}

int import_files(const char *db_path, char *const *files, int nfiles, import_counts *counts)
{
    sqlite3 *db;
    char *msg = NULL;
    memset(counts, 0, sizeof *counts);
    if (store_open(db_path, STORE_READ_WRITE, &db, &msg) < 0) {
        fprintf(stderr, "essayd: %s\n", msg ? msg : "cannot open database");
        free(msg);
        return 1;
    }
    for (int k = 0; k < nfiles; k++)
        if (import_one(db, files[k], counts) < 0) counts->failed++;
    store_close(db);
    printf("%d files: %u imported, %u replaced, %u unchanged, %u failed\n", nfiles, counts->imported,
           counts->replaced, counts->unchanged, counts->failed);
    return counts->failed ? 1 : 0;
}

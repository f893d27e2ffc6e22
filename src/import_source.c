/*
 * import_source.c — the parsing half of bulk import: a producer thread
 * reads each source, parses its essays, and passes them through a small
 * bounded queue to the thread that stores them (import.c). The queue is
 * bounded so that a fast parser never holds more than a few essays the
 * store has not taken yet.
 */
#include "import_source.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "essay_draft.h"
#include "text.h"

#define QUEUE_SIZE 32

/* An NDJSON source may hold many essays, so it may be larger than one. */
#define MAX_NDJSON_BYTES ((size_t)1 << 30)

struct source_reader {
    char *const *paths;
    size_t npaths;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    parsed_essay queue[QUEUE_SIZE];
    size_t head, count; /* guarded by lock */
    bool done;          /* the producer has finished; guarded by lock */
    bool stop;          /* the consumer has gone; guarded by lock */
};

void parsed_essay_clear(parsed_essay *p)
{
    free(p->name);
    essay_free(p->e);
    free(p->error);
    memset(p, 0, sizeof *p);
}

bool source_is_ndjson(const char *path)
{
    size_t n = strlen(path);
    return (n >= 7 && strcmp(path + n - 7, ".ndjson") == 0) || (n >= 6 && strcmp(path + n - 6, ".jsonl") == 0);
}

/* Hands an item to the consumer (which then owns it); false when the
 * consumer has gone (the item is released). */
static bool emit(source_reader *sr, parsed_essay *item)
{
    pthread_mutex_lock(&sr->lock);
    while (sr->count == QUEUE_SIZE && !sr->stop) pthread_cond_wait(&sr->changed, &sr->lock);
    bool ok = !sr->stop;
    if (ok) {
        sr->queue[(sr->head + sr->count) % QUEUE_SIZE] = *item;
        sr->count++;
        pthread_cond_broadcast(&sr->changed);
    }
    pthread_mutex_unlock(&sr->lock);
    if (!ok) parsed_essay_clear(item);
    memset(item, 0, sizeof *item);
    return ok;
}

static bool emit_error(source_reader *sr, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool emit_error(source_reader *sr, const char *name, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    parsed_essay item = {.name = xstrdup(name), .error = xstrdup(msg)};
    return emit(sr, &item);
}

static bool emit_essay(source_reader *sr, const char *name, essay *e, const char *sha)
{
    parsed_essay item = {.name = xstrdup(name), .e = e};
    if (!item.name) { /* the consumer needs the name: report the essay as failed instead */
        essay_free(e);
        return emit_error(sr, name, "%s: out of memory", name);
    }
    snprintf(item.sha256, sizeof item.sha256, "%s", sha);
    return emit(sr, &item);
}

/* Reads fd to the end, up to max bytes. NULL with *why set on failure:
 * what follows "PATH:" in the message ("1: reason" or " reason"). */
static char *read_all(int fd, size_t max, size_t *len, char *why, size_t whylen)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        snprintf(why, whylen, " out of memory");
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                snprintf(why, whylen, "1: input is over the %zu byte limit", max);
                free(buf);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                snprintf(why, whylen, " out of memory");
                free(buf);
                return NULL;
            }
            buf = nb, cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            snprintf(why, whylen, " read error: %s", strerror(errno));
            free(buf);
            return NULL;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    if (n > max) {
        snprintf(why, whylen, "1: input is %zu bytes, over the %zu byte limit", n, max);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* Reads a whole file, refusing anything that is not a regular file or is
 * over the limit before reading it. */
static char *read_file(const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    char *buf = NULL;
    if (fd < 0) {
        snprintf(why, whylen, " cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
        snprintf(why, whylen, " not a regular file");
    else if ((uint64_t)sb.st_size > max)
        snprintf(why, whylen, "1: file is %lld bytes, over the %zu byte limit", (long long)sb.st_size, max);
    else
        buf = read_all(fd, max, len, why, whylen);
    close(fd);
    return buf;
}

static bool parse_text(source_reader *sr, const char *name, const char *buf, size_t len)
{
    essay_error err;
    essay *e = essay_parse(buf, len, &err);
    if (!e) return emit_error(sr, name, "%s:%d: %s", name, err.line, err.text);
    char sha[65];
    sha256_hex(buf, len, sha);
    return emit_essay(sr, name, e, sha);
}

/* One essay per line. The hash is that of the canonical text the JSON
 * stands for, so that the same essay sent as text or as JSON is
 * "unchanged". */
static bool parse_ndjson(source_reader *sr, const char *name, const char *buf, size_t len)
{
    size_t at = 0;
    int lineno = 0;
    char where[600];
    while (at < len) {
        const char *line = buf + at;
        const char *nl = memchr(line, '\n', len - at);
        size_t n = nl ? (size_t)(nl - line) : len - at;
        at += n + (nl ? 1 : 0);
        lineno++;
        size_t b, e;
        utf8_trim(line, n, &b, &e);
        if (b == e) continue;
        snprintf(where, sizeof where, "%s:%d", name, lineno);
        json_error_t jerr;
        json_t *root = json_loadb(line, n, JSON_REJECT_DUPLICATES, &jerr);
        if (!root) {
            if (!emit_error(sr, where, "%s: invalid JSON at column %d: %s", where, jerr.column, jerr.text)) return false;
            continue;
        }
        essay_error err;
        essay_draft *d = essay_draft_from_json(root, &err);
        json_decref(root);
        strbuf text = {0};
        essay *es = d ? essay_parse_draft(d, &text, &err) : NULL;
        essay_draft_free(d);
        char sha[65];
        if (es) sha256_hex(text.data ? text.data : "", text.len, sha);
        sb_free(&text);
        if (!(es ? emit_essay(sr, where, es, sha) : emit_error(sr, where, "%s: %s", where, err.text))) return false;
    }
    return true;
}

/* Reads and parses one source; false when the consumer has gone. */
static bool read_source(source_reader *sr, const char *path)
{
    size_t len = 0;
    bool is_stdin = strcmp(path, "-") == 0;
    size_t max = is_stdin || source_is_ndjson(path) ? MAX_NDJSON_BYTES : ESSAY_MAX_BYTES;
    char why[300];
    char *buf = is_stdin ? read_all(STDIN_FILENO, max, &len, why, sizeof why)
                         : read_file(path, max, &len, why, sizeof why);
    if (!buf) return emit_error(sr, path, "%s:%s", path, why);
    size_t b = 0;
    while (b < len && (buf[b] == ' ' || buf[b] == '\t' || buf[b] == '\n' || buf[b] == '\r')) b++;
    bool ok;
    if (source_is_ndjson(path) || (is_stdin && b < len && buf[b] == '{'))
        ok = parse_ndjson(sr, path, buf, len);
    else if (len > ESSAY_MAX_BYTES)
        ok = emit_error(sr, path, "%s:1: input is %zu bytes, over the %u byte limit of one essay", path, len,
                        ESSAY_MAX_BYTES);
    else
        ok = parse_text(sr, path, buf, len);
    free(buf);
    return ok;
}

static void *produce(void *arg)
{
    source_reader *sr = arg;
    for (size_t k = 0; k < sr->npaths; k++) {
        /* A marker after each source: the consumer counts sources done. */
        parsed_essay marker = {.source_done = true};
        if (!read_source(sr, sr->paths[k]) || !emit(sr, &marker)) break;
    }
    pthread_mutex_lock(&sr->lock);
    sr->done = true;
    pthread_cond_broadcast(&sr->changed);
    pthread_mutex_unlock(&sr->lock);
    return NULL;
}

source_reader *source_reader_start(char *const *paths, size_t n)
{
    source_reader *sr = calloc(1, sizeof *sr);
    if (!sr) return NULL;
    sr->paths = paths;
    sr->npaths = n;
    pthread_mutex_init(&sr->lock, NULL);
    pthread_cond_init(&sr->changed, NULL);
    if (pthread_create(&sr->thread, NULL, produce, sr) != 0) {
        pthread_mutex_destroy(&sr->lock);
        pthread_cond_destroy(&sr->changed);
        free(sr);
        return NULL;
    }
    return sr;
}

int source_reader_next(source_reader *sr, parsed_essay *out) { return source_reader_next_until(sr, out, -1); }

int source_reader_next_until(source_reader *sr, parsed_essay *out, long wait_ns)
{
    struct timespec until;
    if (wait_ns >= 0) {
        clock_gettime(CLOCK_REALTIME, &until); /* the condition variable's clock */
        until.tv_sec += wait_ns / 1000000000L;
        until.tv_nsec += wait_ns % 1000000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&sr->lock);
    while (sr->count == 0 && !sr->done) {
        if (wait_ns < 0) {
            pthread_cond_wait(&sr->changed, &sr->lock);
        } else if (pthread_cond_timedwait(&sr->changed, &sr->lock, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&sr->lock);
            return -1;
        }
    }
    int got = sr->count > 0;
    if (got) {
        *out = sr->queue[sr->head];
        sr->head = (sr->head + 1) % QUEUE_SIZE;
        sr->count--;
        pthread_cond_broadcast(&sr->changed);
    }
    pthread_mutex_unlock(&sr->lock);
    return got;
}

void source_reader_free(source_reader *sr)
{
    if (!sr) return;
    pthread_mutex_lock(&sr->lock);
    sr->stop = true;
    pthread_cond_broadcast(&sr->changed);
    pthread_mutex_unlock(&sr->lock);
    pthread_join(sr->thread, NULL);
    while (sr->count > 0) {
        parsed_essay_clear(&sr->queue[sr->head]);
        sr->head = (sr->head + 1) % QUEUE_SIZE;
        sr->count--;
    }
    pthread_mutex_destroy(&sr->lock);
    pthread_cond_destroy(&sr->changed);
    free(sr);
}

/*
 * import_source.h — reading and parsing import sources on a thread of
 * their own, so that parsing (one core) overlaps storing (the other).
 *
 * A source is an essay file, a *.ndjson / *.jsonl file (one essay per
 * line, the JSON of POST /v1/articles), or "-" for standard input (NDJSON
 * when it starts with '{', else one essay). The reader hands out one
 * parsed_essay per essay, or per error, in source order.
 */
#ifndef ESSAYD_IMPORT_SOURCE_H
#define ESSAYD_IMPORT_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "essay.h"

typedef struct {
    char *name;       /* "PATH", or "PATH:LINE" for an NDJSON line; owned */
    essay *e;         /* owned; NULL when error is set */
    char *error;      /* the whole message, "PATH:LINE: reason"; owned (NULL with
                       * neither e nor source_done: out of memory) */
    char sha256[65];  /* of the source text (of the canonical text for JSON) */
    bool source_done; /* a marker after each source's items, nothing else set */
} parsed_essay;

/* Releases what p owns and zeroes it. */
void parsed_essay_clear(parsed_essay *p);

typedef struct source_reader source_reader;

/* Starts a thread reading and parsing paths[0..n) in order (the strings
 * must outlive the reader). NULL if the thread cannot be started. */
source_reader *source_reader_start(char *const *paths, size_t n);

/* The next item: 1 (*out filled; the caller owns it and clears it with
 * parsed_essay_clear), or 0 at the end. */
int source_reader_next(source_reader *sr, parsed_essay *out);

/* The same, waiting at most wait_ns nanoseconds (< 0: as long as it
 * takes): -1 when that time passed with nothing to hand out. */
int source_reader_next_until(source_reader *sr, parsed_essay *out, long wait_ns);

/* Stops the thread (at once if items are left) and frees the reader. */
void source_reader_free(source_reader *sr);

/* Is path an NDJSON source by its name? */
bool source_is_ndjson(const char *path);

#endif

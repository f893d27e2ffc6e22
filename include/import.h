/*
 * import.h — the `essayd import` command: files → parser → store.
 */
#ifndef ESSAYD_IMPORT_H
#define ESSAYD_IMPORT_H

#include <stdbool.h>

typedef struct {
    unsigned imported, replaced, unchanged, failed;
} import_counts;

typedef struct {
    const char *db_path;
    bool dry_run;  /* parse and report; the database is left as it was */
    int progress;  /* 1: progress bar on stderr, 0: none, -1: when stderr is a terminal */
} import_options;

/* Imports every source named in args: a file (any name), a directory
 * (its *.txt and *.ndjson files, recursively, in name order), or "-" for
 * standard input. A *.ndjson file holds one essay per line as the JSON
 * that POST /v1/articles takes; so does standard input when it starts
 * with '{'.
 *
 * A reader thread parses (import_source.h) while this one stores, in
 * batches, each one transaction: a bad essay changes nothing and does not
 * stop the others (one that fails to store sends its batch back to be
 * stored one essay per transaction). The line
 * "imported|replaced|unchanged SOURCE (id N, slug S)" goes to stdout only
 * once the essay's batch has committed, so a printed line is a durable
 * write (synchronous=NORMAL in WAL: safe against a
 * crash of the process, not of the machine). Errors go to stderr as
 * "SOURCE:LINE: message". A summary line ends the run.
 *
 * Returns 0 if no essay failed, 1 otherwise (including a database that
 * cannot be opened). */
int import_run(const import_options *opts, char *const *args, int nargs, import_counts *counts);

#endif

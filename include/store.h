/*
 * store.h — the SQLite side: opening, migrating, importing essays, and a
 * per-connection cache of prepared statements for readers.
 *
 * Errors: functions return 0 on success and -1 on failure, with a
 * malloc'd message in *errmsg (caller frees) when errmsg is not NULL.
 */
#ifndef ESSAYD_STORE_H
#define ESSAYD_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "essay.h"

typedef enum { STORE_READ_ONLY = 0, STORE_READ_WRITE = 1 } store_mode;

/* Opens the database at path with foreign keys on, WAL, a busy timeout,
 * and (read-write) every pending migration applied. A read-only open
 * fails if the database is missing or older than this binary's schema.
 * On success *db is an open handle the caller closes with store_close. */
int store_open(const char *path, store_mode mode, sqlite3 **db, char **errmsg);

/* Finalizes cached statements and closes db; store_close(NULL) is a no-op. */
void store_close(sqlite3 *db);

/* Schema version this binary brings (number of migrations). */
int store_schema_version(void);

typedef enum { IMPORT_IMPORTED, IMPORT_UNCHANGED, IMPORT_REPLACED } import_outcome;

typedef struct {
    import_outcome outcome;
    int64_t article_id;
    char slug[256];
} import_result;

/* Stores the parsed essay e, read from a file whose bytes hash to sha256
 * (hex) and whose name is source_name, in one transaction. An article with
 * the same identity (API-NOTES "Identity") and the same hash and parser
 * version is left alone; one whose content differs is replaced, keeping
 * its id. Bumps the generation on every change. */
int store_import(sqlite3 *db, const essay *e, const char *source_name, const char *sha256,
                 import_result *res, char **errmsg);

/* The data generation (bumped by every write). -1 on error. */
int64_t store_generation(sqlite3 *db);

/* A statement for sql, prepared once per connection and reset + cleared
 * before it is handed out again. The connection owns it: do not finalize.
 * Returns NULL on a preparation error (a bug: SQL is never user input). */
sqlite3_stmt *store_stmt(sqlite3 *db, const char *sql);

/* Copies of column text, or NULL for SQL NULL. */
const char *store_text(sqlite3_stmt *st, int col);

#endif

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

/* Process-wide SQLite settings; call once in main, before any other
 * store_* call and before threads start. 0, or -1 if SQLite refuses. */
int store_global_init(void);

/* How long a connection waits for another writer before SQLITE_BUSY. */
#define STORE_BUSY_MS 5000

/* Opens the database at path with foreign keys on, WAL, a busy timeout,
 * and (read-write) every pending migration applied. A read-only open
 * fails if the database is missing or older than this binary's schema.
 * On success *db is an open handle the caller closes with store_close. */
int store_open(const char *path, store_mode mode, sqlite3 **db, char **errmsg);

/* Finalizes this thread's cached statements of db and closes it;
 * store_close(NULL) is a no-op. */
void store_close(sqlite3 *db);

/* Schema version this binary brings (number of migrations). */
int store_schema_version(void);

typedef enum { IMPORT_IMPORTED, IMPORT_UNCHANGED, IMPORT_REPLACED } import_outcome;

typedef struct {
    import_outcome outcome;
    int64_t article_id;
    char slug[256];
} import_result;

/* Result codes beyond 0 / -1. */
#define STORE_CONFLICT (-2)  /* store_put STORE_CREATE: the slug is taken */
#define STORE_NOT_FOUND (-3) /* no such article */

typedef enum {
    STORE_IMPORT,  /* identity from the essay (API-NOTES "Identity"): replace or add */
    STORE_CREATE,  /* a new article; STORE_CONFLICT if its slug exists */
    STORE_REPLACE, /* replace article id, keeping its slug; STORE_NOT_FOUND if absent */
} store_write_mode;

typedef struct {
    store_write_mode mode;
    int64_t id;       /* STORE_REPLACE */
    const char *slug; /* STORE_CREATE: this slug instead of the essay's own */
} store_target;

/* Stores the parsed essay e, whose source bytes hash to sha256 (hex) and
 * came from source_name (a file name, or NULL), as target says. Content
 * with the same hash and parser version as the stored article is left
 * alone (IMPORT_UNCHANGED). A replaced article keeps its id and slug; its
 * version goes up. Bumps the generation on every change.
 *
 * Atomic: in a transaction of its own, or, when the caller has one open
 * (store_begin), as part of it; then a -1 leaves that transaction half
 * done and the caller must roll it back (store_rollback). STORE_CONFLICT
 * and STORE_NOT_FOUND are found before anything is written.
 * Returns 0; -1 with *errmsg; STORE_CONFLICT (res names the existing
 * article) or STORE_NOT_FOUND, also with *errmsg. */
int store_put(sqlite3 *db, const essay *e, const char *source_name, const char *sha256, const store_target *target,
              import_result *res, char **errmsg);

/* store_put with STORE_IMPORT. */
int store_import(sqlite3 *db, const essay *e, const char *source_name, const char *sha256,
                 import_result *res, char **errmsg);

/* Deletes article id with its paragraphs, claims, endnotes and search rows
 * (atomic like store_put). 0, STORE_NOT_FOUND, or -1 with *errmsg. */
int store_delete(sqlite3 *db, int64_t id, char **errmsg);

/* A write transaction spanning several store_put calls (bulk import). */
int store_begin(sqlite3 *db, char **errmsg);
int store_commit(sqlite3 *db, char **errmsg); /* rolls back if COMMIT fails */
void store_rollback(sqlite3 *db);             /* no-op outside a transaction */

typedef struct {
    int64_t id, version;
    char slug[256];
    char sha256[65];
    int parser_version;
} store_article;

/* Looks ref up (all digits: id, else slug). 1 found (*out filled),
 * 0 not found, -1 database error. */
int store_find_article(sqlite3 *db, const char *ref, store_article *out);

/* The data generation (bumped by every write). -1 on error. */
int64_t store_generation(sqlite3 *db);

/* A statement for sql, prepared once per connection and reset + cleared
 * before it is handed out again. The connection owns it: do not finalize.
 * Returns NULL on a preparation error (a bug: SQL is never user input). */
sqlite3_stmt *store_stmt(sqlite3 *db, const char *sql);

/* Finalizes every statement this thread has cached, of any connection
 * (a worker thread calls it as it exits, so that the shared write
 * connection can then be closed). */
void store_release_thread_cache(void);

/* One request's database work on this thread, for the reads of the pool
 * threads. store_request_begin(ms) starts it: the statements this thread
 * steps on read-only connections (readers get a progress handler in
 * store_open) stop with SQLITE_INTERRUPT once ms milliseconds have passed
 * (0: no limit). store_request_end() lifts the limit. In between,
 * store_deadline_hit() says whether the limit interrupted a statement,
 * and store_fault() gives the first storage error SQLite met on this
 * thread (SQLITE_CORRUPT, SQLITE_IOERR, SQLITE_NOTADB, SQLITE_CANTOPEN,
 * SQLITE_FULL, SQLITE_NOMEM; 0 if none), so that a failed request can be
 * told apart as the query's limit, the storage, or a bug. */
void store_request_begin(unsigned timeout_ms);
/* Records code (a failed step's result) for store_fault when it is a
 * storage error; SQLite does not log every such error (SQLITE_NOMEM,
 * a failed COMMIT). */
void store_note_error(int code);
void store_request_end(void);
bool store_deadline_hit(void);
int store_fault(void);

/* Copies of column text, or NULL for SQL NULL. */
const char *store_text(sqlite3_stmt *st, int col);

#endif

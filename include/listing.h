/*
 * listing.h — what every list endpoint shares: filters built from fixed
 * SQL fragments with bound values, exact totals cached per data
 * generation, opaque keyset cursors, and the {data, meta} envelope.
 */
#ifndef ESSAYD_LISTING_H
#define ESSAYD_LISTING_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "http.h"
#include "text.h"

#define FILTER_MAX_BINDS 16

/* A WHERE clause under construction. Conditions are string literals from
 * the code, each with at most one '?'; values are only ever bound. */
typedef struct {
    strbuf where; /* " AND cond AND cond" */
    struct {
        bool is_text;
        int64_t i;
        char *s; /* owned copy */
    } bind[FILTER_MAX_BINDS];
    int nbind;
    bool failed; /* out of memory or too many conditions */
} filter;

void filter_add(filter *f, const char *cond);
void filter_add_int(filter *f, const char *cond, int64_t v);
void filter_add_text(filter *f, const char *cond, const char *v);
/* Binds the values from index first on; returns the next free index. */
int filter_bind(const filter *f, sqlite3_stmt *st, int first);
/* Releases the filter's memory (not f itself). */
void filter_free(filter *f);
/* Moves src into *dst (src is left empty). */
void filter_move(filter *dst, filter *src);

/* Opens a read transaction and reads the generation inside it, so that
 * everything read until list_end_read belongs to that generation. */
int list_begin_read(sqlite3 *db, int64_t *generation);
void list_end_read(sqlite3 *db);

/* SELECT count(*) FROM <from> WHERE 1 <filter>, cached per generation.
 * from is a literal such as "claims c". -1 on a database error. */
int64_t list_total(sqlite3 *db, int64_t generation, const char *from, const filter *f);

/* Cursors: base64url of a small JSON object. cursor_encode returns a
 * malloc'd string (caller frees) or NULL; cursor_decode returns a new
 * object or NULL when the text is not a cursor this server made. */
char *cursor_encode(json_t *state);
json_t *cursor_decode(const char *text);

/* The request's path and query with cursor replaced by the given one:
 * "/v1/claims?limit=5&cursor=...". Caller frees; NULL on no memory. */
char *list_next_link(const request *r, const char *cursor);

/* {"data": data, "meta": {"total", "limit", "next"}}; steals data. next
 * may be NULL. Returns NULL on no memory. */
json_t *list_body(json_t *data, int64_t total, int64_t limit, const char *next);

/* A stable order for keyset paging. key_expr is NULL when the order is by
 * id alone; otherwise rows are ordered by (key_expr, id) and after is the
 * condition "row comes after (?, ?)". */
typedef struct {
    const char *name;     /* as it appears in ?sort= and in cursors */
    const char *key_expr; /* "coalesce(a.published, '')" or NULL */
    const char *after;    /* " AND (key, a.id) < (?, ?)" or " AND c.id > ?" */
    const char *order;    /* " ORDER BY ..." */
} list_sort;

/* Adds to each rendered row what a plain row lacks (expand=..., search
 * snippets). ctx is what the caller gave list_serve; for an export it must
 * stay valid as long as the filter does (it may point into the filter's
 * values, which the export takes over). Returns 0, or -1 on failure. */
typedef int (*list_decorate_fn)(sqlite3 *db, json_t *item, void *ctx);

/* Answers a list request: reads ?cursor (400 if it is not ours or was
 * made for another sort), counts the filter's total, selects one page of
 * `columns` from `from` in sort order, renders each row, and replies with
 * the list envelope, meta.next and a Link header. id_expr names the row
 * id ("c.id"). For format=ndjson or csv it streams every matching row
 * instead (up to an explicit limit), reading in keyset chunks, each a
 * fresh short statement. */
void list_serve(request *r, const char *from, const char *columns, const char *id_expr, filter *f,
                const list_sort *sort, int64_t limit, json_t *(*render)(sqlite3_stmt *),
                list_decorate_fn decorate, void *decorate_ctx);

/* Writes item as one CSV record (RFC 4180: quoted where needed, CRLF)
 * with the given columns: null is empty, arrays are joined with ';',
 * objects are compact JSON. Returns 0, -1 on allocation failure. */
int csv_record(strbuf *out, const json_t *item, const char *const *columns, size_t ncolumns);

#endif

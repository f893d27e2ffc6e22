/*
 * fuzz_support.h — what the fuzz targets share (fuzz_support.c): the
 * CHECK macro, UTF-8 and JSON checks, a request as a handler sees it with
 * no connection behind it, and the bodies of the replies it gets.
 *
 * Replies: every target is linked with
 *   -Wl,--wrap=MHD_create_response_from_buffer
 * so that reply.c's responses pass through fuzz_support.c, which keeps a
 * copy of the last body before handing it to libmicrohttpd. A request made
 * by fz_request_init is "deferred" (writer.h): reply.c then holds the
 * response in r->held instead of queueing it on a connection, and
 * fz_request_clear_reply releases it.
 */
#ifndef ESSAYD_FUZZ_SUPPORT_H
#define ESSAYD_FUZZ_SUPPORT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant: abort (libFuzzer saves the input) when it does not hold. */
#define CHECK(cond)                                                                          \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* The same with a printf-style explanation. */
#define CHECKF(cond, ...)                                                                    \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "%s:%d: invariant violated: %s: ", __FILE__, __LINE__, #cond);   \
            fprintf(stderr, __VA_ARGS__);                                                    \
            fputc('\n', stderr);                                                             \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* An in-memory database with every migration applied (store_open, after
 * store_global_init), for the targets that store or query. who names the
 * target in the message when it cannot be opened (then it aborts). The
 * target keeps it for the life of the process. */
sqlite3 *fz_memory_db(const char *who);

/* Article id of db rendered as GET /v1/articles/{id} renders it
 * (render_article_full), its JSON checked to re-parse (fz_json_roundtrip).
 * Never NULL (aborts); the caller releases it with json_decref. */
json_t *fz_render_article(sqlite3 *db, int64_t id);

/* a and b are both NULL, or equal strings. */
bool fz_same_str(const char *a, const char *b);

/* A NUL-terminated malloc'd copy of data[0..size) (never NULL: aborts). */
char *fz_strndup(const uint8_t *data, size_t size);

/* s[0..len) is valid UTF-8 (text.h's utf8_valid) with no NUL. */
bool fz_utf8(const char *s, size_t len);

/* Dumps j compactly, checks the text is valid UTF-8 and parses back (with
 * JSON_REJECT_DUPLICATES) to an equal value. Returns the text (caller
 * frees). flags are json_dumps flags (JSON_PRESERVE_ORDER etc.). */
char *fz_json_roundtrip(const json_t *j, size_t flags);

/* ---- requests without a connection ---------------------------------------- */

/* A GET of path with no query and no headers, deferred (see above), with
 * a config of defaults (CORS "*"). */
void fz_request_init(request *r, const char *method, const char *path);

/* Forgets the reply (releasing the held response, link_next and the cache
 * key) so that r can be answered again. */
void fz_request_clear_reply(request *r);

/* The body of the last response created since fz_capture_reset (NULL if
 * none); *len its length. */
void fz_capture_reset(void);
const char *fz_captured(size_t *len);

/* r was answered once with status and a problem+json body of that type
 * ("/problems/<type>"): checks the body (valid UTF-8 JSON object with
 * type, title, status and a non-empty detail) and returns it (caller
 * json_decref). */
json_t *fz_check_problem(const request *r, unsigned status, const char *type);

/* For a 400 /problems/invalid-parameter: the invalid_params entry for
 * name exists and has a non-empty reason. */
void fz_check_invalid_param(const json_t *problem, const char *name);

#endif

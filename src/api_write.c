/*
 * api_write.c — publishing over HTTP: POST /v1/articles, PUT and DELETE
 * /v1/articles/{article}.
 *
 * The handlers run on the writer thread (writer.h), one at a time. Every
 * write is one SQLite transaction on that thread's read-write connection,
 * opened with synchronous=FULL: a 2xx answer means the write survives a
 * power cut (API-NOTES "Writes"). Readers keep their own read-only
 * connections and, in WAL mode, see the article before or after a write,
 * never a mix. Preconditions (If-Match) are checked inside the write
 * transaction, so that no other write can slip in between check and
 * change.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "essay.h"
#include "essay_draft.h"
#include "render.h"
#include "store.h"
#include "text.h"

/* JSON bodies nested deeper than this are refused before jansson sees
 * them (an essay needs 3 levels). */
#define MAX_JSON_DEPTH 32

static sqlite3 *write_db; /* the writer thread's; opened on first write */

/* Opens a write transaction (and the connection, the first time). NULL
 * after replying 503. */
static sqlite3 *write_begin(request *r)
{
    char *msg = NULL;
    if (!write_db) {
        if (store_open(r->cfg->db_path, STORE_READ_WRITE, &write_db, &msg) < 0 ||
            sqlite3_exec(write_db, "PRAGMA synchronous = FULL", NULL, NULL, NULL) != SQLITE_OK) {
            fprintf(stderr, "essayd: cannot open the database for writing: %s\n", msg ? msg : "error");
            free(msg);
            store_close(write_db);
            write_db = NULL;
            reply_problem(r, 503, "unavailable", "Service Unavailable", "the database cannot be opened for writing");
            return NULL;
        }
    }
    if (store_begin(write_db, &msg) < 0) {
        /* Busy: a bulk import holds the write lock past the busy timeout. */
        free(msg);
        reply_add_header(r, "Retry-After", "1");
        reply_problem(r, 503, "busy", "Service Unavailable",
                      "another write holds the database; retry in a moment");
        return NULL;
    }
    return write_db;
}

/* Ends the write transaction: commit when ok (false if that fails), else
 * roll back. */
static bool write_end(sqlite3 *db, bool ok, request *r)
{
    char *msg = NULL;
    if (ok && store_commit(db, &msg) < 0) {
        fprintf(stderr, "essayd: commit failed: %s\n", msg ? msg : "error");
        free(msg);
        ok = false;
        reply_problem(r, 503, "unavailable", "Service Unavailable", "the write could not be committed; nothing changed");
    } else if (!ok) {
        store_rollback(db);
    }
    return ok;
}

void api_write_shutdown(void)
{
    store_close(write_db);
    write_db = NULL;
}

/* ---- the request body --------------------------------------------------- */

typedef enum { BODY_TEXT, BODY_JSON, BODY_UNSUPPORTED } body_kind;

/* text/plain or application/json, charset utf-8 if any is named. */
static body_kind content_kind(const char *ct)
{
    if (!ct) return BODY_UNSUPPORTED;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) n--;
    body_kind k = n == 10 && strncasecmp(ct, "text/plain", 10) == 0         ? BODY_TEXT
                  : n == 16 && strncasecmp(ct, "application/json", 16) == 0 ? BODY_JSON
                                                                            : BODY_UNSUPPORTED;
    for (const char *p = strchr(ct, ';'); p && k != BODY_UNSUPPORTED; p = strchr(p + 1, ';')) {
        const char *v = p + 1;
        while (*v == ' ' || *v == '\t') v++;
        if (strncasecmp(v, "charset=", 8) != 0) continue;
        v += 8;
        if (*v == '"') v++;
        if (strncasecmp(v, "utf-8", 5) != 0 || (v[5] && v[5] != '"' && v[5] != ';' && v[5] != ' '))
            k = BODY_UNSUPPORTED;
    }
    return k;
}

/* Nesting depth of a JSON text, counted without parsing it (strings are
 * skipped), so that a hostile body cannot make jansson recurse deeply. */
static size_t json_depth(const char *s, size_t len)
{
    size_t depth = 0, max = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_string) {
            if (c == '\\') i++;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max) max = depth;
        } else if ((c == ']' || c == '}') && depth) {
            depth--;
        }
    }
    return max;
}

/* The essay the request body holds, and the hash that identifies its
 * content (of the text as sent, or of the canonical text a JSON body
 * stands for). NULL after replying 415, 400 or 422. */
static essay *essay_from_body(request *r, char sha[65])
{
    body_kind kind = content_kind(r->h_content_type);
    if (kind == BODY_UNSUPPORTED) {
        reply_add_header(r, "Accept-Post", "text/plain; charset=utf-8, application/json");
        reply_problem(r, 415, "unsupported-media-type", "Unsupported Media Type",
                      "send the essay as text/plain; charset=utf-8 (the essay format) or as application/json%s%s",
                      r->h_content_type ? ", not " : " (no Content-Type was given)",
                      r->h_content_type ? r->h_content_type : "");
        return NULL;
    }
    const char *body = r->body ? r->body : "";
    essay_error err;
    if (kind == BODY_TEXT) {
        essay *e = essay_parse(body, r->body_len, &err);
        if (!e) {
            /* The reason may quote the body: not necessarily UTF-8. */
            json_t *why = json_pack("{s:i, s:o}", "line", err.line, "reason", json_string_lossy(err.text, strlen(err.text)));
            reply_problem_ext(r, 422, "invalid-essay", "Invalid essay", why, "request body:%d: %s", err.line, err.text);
            return NULL;
        }
        sha256_hex(body, r->body_len, sha);
        return e;
    }
    if (json_depth(body, r->body_len) > MAX_JSON_DEPTH) {
        reply_problem(r, 400, "invalid-json", "Invalid JSON", "the JSON body is nested deeper than %d levels",
                      MAX_JSON_DEPTH);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(body, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!root) {
        reply_problem_ext(r, 400, "invalid-json", "Invalid JSON",
                          json_pack("{s:i, s:i}", "line", jerr.line, "column", jerr.column),
                          "the body is not valid JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    essay_draft *d = essay_draft_from_json(root, &err);
    json_decref(root);
    strbuf text = {0};
    essay *e = d ? essay_parse_draft(d, &text, &err) : NULL;
    essay_draft_free(d);
    if (!e) {
        sb_free(&text);
        json_t *why = json_pack("{s:o}", "reason", json_string_lossy(err.text, strlen(err.text)));
        reply_problem_ext(r, 422, "invalid-essay", "Invalid essay", why, "%s", err.text);
        return NULL;
    }
    sha256_hex(text.data ? text.data : "", text.len, sha);
    sb_free(&text);
    return e;
}

/* ---- preconditions ------------------------------------------------------ */

/* Does an If-Match list name the article at this version? Only the
 * version part of each tag counts (API-NOTES "Caching"): "12.3-gz",
 * W/"12.3-id.ab12cd34" and "12.3" all name version 3 of article 12. */
static bool if_match_ok(const char *header, const store_article *a)
{
    char want[48];
    snprintf(want, sizeof want, "%lld.%lld", (long long)a->id, (long long)a->version);
    size_t wl = strlen(want);
    for (const char *p = header; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',') p++;
        if (*p == '*') return true;
        if (strncmp(p, "W/", 2) == 0) p += 2;
        if (*p != '"') {
            p += strcspn(p, ",");
            continue;
        }
        const char *tag = ++p;
        const char *end = strchr(tag, '"');
        if (!end) return false;
        size_t vl = strcspn(tag, "-\"");
        if (vl == wl && strncmp(tag, want, wl) == 0) return true;
        p = end + 1;
    }
    return false;
}

/* 412 naming the current version; why says which precondition failed. */
static void reply_precondition(request *r, const store_article *a, const char *why)
{
    if (!a) {
        reply_problem(r, 412, "precondition-failed", "Precondition Failed",
                      "If-Match was given but there is no such article");
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%lld.%lld-id\"", (long long)a->id, (long long)a->version);
    reply_problem_ext(r, 412, "precondition-failed", "Precondition Failed", json_pack("{s:s}", "current_etag", etag),
                      "%s: it is at version %lld (ETag %s)", why, (long long)a->version, etag);
}

/* ---- answers ------------------------------------------------------------ */

/* Answers status with the stored article, its ETag, and Location for a
 * new one, read back after the commit. */
static void reply_article(request *r, sqlite3 *db, unsigned status, int64_t id)
{
    sqlite3_stmt *st = store_stmt(db, "SELECT " ARTICLE_COLUMNS " FROM articles a WHERE a.id = ?");
    json_t *body = NULL;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(r->etag_version, sizeof r->etag_version, "%lld.%lld", (long long)id,
                     (long long)sqlite3_column_int64(st, 15));
            body = render_article_full(db, st);
        }
        sqlite3_reset(st);
    }
    if (status == 201) {
        char loc[64];
        snprintf(loc, sizeof loc, "/v1/articles/%lld", (long long)id);
        reply_add_header(r, "Location", loc);
    }
    if (!body)
        reply_internal(r, "cannot render the stored article");
    else
        reply_json(r, status, body);
}

static void reply_store_error(request *r, int rc, const char *msg, const import_result *res)
{
    if (rc == STORE_CONFLICT && res->article_id) {
        char loc[64];
        snprintf(loc, sizeof loc, "/v1/articles/%lld", (long long)res->article_id);
        reply_add_header(r, "Location", loc);
        reply_problem_ext(r, 409, "conflict", "Conflict",
                          json_pack("{s:s, s:I, s:s}", "location", loc, "article_id", (json_int_t)res->article_id,
                                    "slug", res->slug),
                          "an article with slug %s exists (%s); PUT %s replaces it", res->slug, loc, loc);
    } else if (rc == STORE_CONFLICT) {
        reply_problem(r, 422, "invalid-essay", "Invalid essay", "%s", msg ? msg : "no usable slug");
    } else {
        reply_internal(r, msg ? msg : "cannot store the article");
    }
}

/* The essay of the body and an open write transaction: NULL after
 * replying. *e is the caller's to free. */
static sqlite3 *begin_put(request *r, essay **e, char sha[65])
{
    if (!(*e = essay_from_body(r, sha))) return NULL;
    sqlite3 *db = write_begin(r);
    if (!db) {
        essay_free(*e);
        *e = NULL;
    }
    return db;
}

/* Ends a create or replace: commits and answers status with the article,
 * or answers the error (unless one was sent); takes msg. */
static void end_put(request *r, sqlite3 *db, int rc, char *msg, const import_result *res, unsigned status)
{
    if (write_end(db, rc == 0, r))
        reply_article(r, db, status, res->article_id);
    else if (!r->replied)
        reply_store_error(r, rc, msg, res);
    free(msg);
}

void api_article_create(request *r)
{
    char sha[65];
    essay *e;
    sqlite3 *db = begin_put(r, &e, sha);
    if (!db) return;
    store_target t = {STORE_CREATE, 0, NULL};
    import_result res;
    char *msg = NULL;
    int rc = store_put(db, e, NULL, sha, &t, &res, &msg);
    essay_free(e);
    end_put(r, db, rc, msg, &res, 201);
}

void api_article_put(request *r)
{
    const char *ref = r->args[0];
    bool by_id = strspn(ref, "0123456789") == strlen(ref);
    if (!by_id && !slug_valid(ref, strlen(ref))) {
        reply_not_found(r, "no article with this slug, and it is not a valid slug to create one at "
                           "(lowercase a-z, 0-9 and single hyphens)");
        return;
    }
    char sha[65];
    essay *e;
    sqlite3 *db = begin_put(r, &e, sha);
    if (!db) return;
    store_article a;
    int found = store_find_article(db, ref, &a);
    import_result res = {0};
    char *msg = NULL;
    int rc = -1;
    bool none_match_star = r->h_if_none_match && strcmp(r->h_if_none_match, "*") == 0;
    if (found < 0) {
        reply_internal(r, sqlite3_errmsg(db));
    } else if (r->h_if_match && (!found || !if_match_ok(r->h_if_match, &a))) {
        reply_precondition(r, found ? &a : NULL, "If-Match names another version; fetch the article again and retry");
    } else if (found && none_match_star) {
        reply_precondition(r, &a, "If-None-Match: * asks to create, but the article exists");
    } else if (!found && by_id) {
        reply_not_found(r, "no article with this id; POST /v1/articles creates one, or PUT to a slug");
    } else if (e->slug && strcmp(e->slug, found ? a.slug : ref) != 0) {
        reply_problem(r, 422, "invalid-essay", "Invalid essay",
                      "the body's slug %s differs from the article's %s; a PUT cannot rename an article", e->slug,
                      found ? a.slug : ref);
    } else {
        store_target t = found ? (store_target){STORE_REPLACE, a.id, NULL} : (store_target){STORE_CREATE, 0, ref};
        rc = store_put(db, e, NULL, sha, &t, &res, &msg);
    }
    essay_free(e);
    end_put(r, db, rc, msg, &res, found ? 200 : 201);
}

void api_article_delete(request *r)
{
    sqlite3 *db = write_begin(r);
    if (!db) return;
    store_article a;
    int found = store_find_article(db, r->args[0], &a);
    char *msg = NULL;
    int rc = -1;
    if (found < 0)
        reply_internal(r, sqlite3_errmsg(db));
    else if (!found)
        reply_not_found(r, "no article with this id or slug");
    else if (r->h_if_match && !if_match_ok(r->h_if_match, &a))
        reply_precondition(r, &a, "If-Match names another version; fetch the article again and retry");
    else
        rc = store_delete(db, a.id, &msg);
    if (write_end(db, rc == 0, r))
        reply_empty(r, 204);
    else if (!r->replied)
        reply_internal(r, msg ? msg : "cannot delete the article");
    free(msg);
}

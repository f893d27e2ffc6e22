/*
 * api.h — the resource handlers the route table (routes.c) points at.
 * Each answers exactly once through reply_*() (http.h); path arguments
 * are in r->args in the order of the pattern's {params}, and the router
 * has already rejected unknown or repeated query parameters.
 */
#ifndef ESSAYD_API_H
#define ESSAYD_API_H

#include "http.h"
#include "listing.h"

/* api_meta.c */
void api_index(request *r);
void api_health(request *r);
void api_openapi(request *r);
void api_metrics(request *r);

/* api_articles.c */
void api_articles_list(request *r);
void api_article_get(request *r);

/* api_claims.c; api_article_claims is /v1/articles/{article}/claims */
void api_claims_list(request *r);
void api_article_claims(request *r);
void api_claim_get(request *r);

/* api_search.c */
void api_search(request *r);
void api_facets(request *r);
void api_stats(request *r);

/* Which kinds of index rows a search may match (the kind column: article,
 * document, claim, endnote; see db/migrations/002_search.sql), as FTS5 text
 * appended to the user's expression. A kind with many rows is selected by
 * excluding the others: FTS5 answers "x AND kind : claim" by stepping
 * through the 400,000-entry doclist of "claim" beside x's, but
 * "x NOT kind : (...)" only looks up x's few rows in the short lists, which
 * made a rare word's first search 2-10x faster on 10,000 essays. */
#define SEARCH_KINDS_ARTICLE "AND kind : \"article\""
#define SEARCH_KINDS_DOCUMENT "AND kind : \"document\""
#define SEARCH_KINDS_ENDNOTE "AND kind : \"endnote\""
#define SEARCH_KINDS_CLAIM "NOT kind : (\"article\" OR \"document\" OR \"endnote\")"
#define SEARCH_KINDS_HITS "NOT kind : \"document\"" /* /v1/search: articles, claims, endnotes */

/* Reads ?q= (the search box language, search_query.h) into f as cond,
 * an SQL condition with one '?' for the FTS5 MATCH string, which limits
 * the match to the index rows of kinds (one of SEARCH_KINDS_*). Returns 0
 * when there is no q, 1 when added, -1 after replying 400. */
int api_search_filter(request *r, filter *f, const char *cond, const char *kinds);

/* api_endnotes.c */
void api_endnotes_list(request *r);
void api_article_endnotes(request *r);
void api_endnote_get(request *r);

/* api_write.c: POST /v1/articles, PUT and DELETE /v1/articles/{article}.
 * The router has checked the token. Writes go through one shared
 * connection with synchronous=FULL, one at a time. */
void api_article_create(request *r);
void api_article_put(request *r);
void api_article_delete(request *r);
/* Closes the write connection; after the workers have stopped. */
void api_write_shutdown(void);

/* Sets r->last_modified from the updated_at of article_id (single
 * resources: an article, or the article a claim or endnote belongs to). */
void api_set_last_modified(request *r, int64_t article_id);

/* A positive decimal id of at most 18 digits: true and *id set, else false. */
bool api_parse_id(const char *s, int64_t *id);

/* Resolves an {article} path argument or ?article= value (all digits: an
 * id, else a slug) to an article id. Returns the id, 0 when no such
 * article exists, -1 on a database error. */
int64_t api_resolve_article(sqlite3 *db, const char *ref);

#endif

/*
 * render.h — database rows → the JSON objects the API serves.
 *
 * Each *_COLUMNS macro is the SELECT list its render_* function reads, in
 * order, starting at column 0; the table aliases are fixed (a: articles,
 * c: claims, e: endnotes). Every render_* returns a new reference, or NULL
 * if jansson could not allocate (never a partial object).
 */
#ifndef ESSAYD_RENDER_H
#define ESSAYD_RENDER_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdint.h>

#define ARTICLE_COLUMNS                                                                              \
    "a.id, a.slug, a.title, a.category, a.category_slug, a.published, a.venue, a.note, a.authors, " \
    "a.word_count, a.paragraph_count, a.claim_count, a.endnote_count, a.source_sha256, "           \
    "a.parser_version, a.version, a.updated_at"

/* The claim's own columns; CLAIM_COLUMNS adds its endnote numbers and ids
 * as JSON arrays (columns 14 and 15). */
#define CLAIM_BASE_COLUMNS                                                                          \
    "c.id, c.key, c.article_id, c.idx, c.paragraph, c.start, c.\"end\", c.start_utf16, c.end_utf16, " \
    "c.text, c.cited, c.quote, c.statistic, c.normative"

#define CLAIM_COLUMNS                                                                               \
    CLAIM_BASE_COLUMNS ", "                                                                         \
    "(SELECT json_group_array(n) FROM (SELECT n FROM claim_endnotes WHERE claim_id = c.id ORDER BY pos)), " \
    "(SELECT json_group_array(endnote_id) FROM (SELECT endnote_id FROM claim_endnotes "              \
    "WHERE claim_id = c.id ORDER BY pos))"

#define ENDNOTE_COLUMNS                                                                             \
    "e.id, e.article_id, e.n, e.raw, e.author, e.date, e.title, e.publisher, e.retrieved, e.url, "   \
    "e.host, e.domain, "                                                                            \
    "(SELECT json_group_array(claim_id) FROM (SELECT DISTINCT claim_id FROM claim_endnotes "        \
    "WHERE endnote_id = e.id ORDER BY claim_id))"

/* Column col as a JSON string, or null for SQL NULL. The importer stores
 * only valid UTF-8, but a database written by other hands (or damaged)
 * must not turn a whole response into a 500 or, worse, a missing member
 * (jansson refuses invalid UTF-8): bad bytes become U+FFFD. */
json_t *render_text(sqlite3_stmt *st, int col);

json_t *render_article_summary(sqlite3_stmt *st);
json_t *render_claim(sqlite3_stmt *st);
json_t *render_endnote(sqlite3_stmt *st);

/* Steps st (already bound) to the end and returns [render(row), ...];
 * resets st. NULL on allocation or database failure (logged). */
json_t *render_rows(sqlite3 *db, sqlite3_stmt *st, json_t *(*render)(sqlite3_stmt *));

/* The endnote objects claim_id cites, in marker order. */
json_t *render_claim_endnotes(sqlite3 *db, int64_t claim_id);

/* The full article: summary fields plus paragraphs, claims and endnotes.
 * Returns NULL on allocation or database failure. */
json_t *render_article_full(sqlite3 *db, sqlite3_stmt *summary_row);

#endif

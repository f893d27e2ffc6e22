/*
 * essay_draft.h — an essay as an author supplies it (fields, not text), and
 * the one canonical essay text that stands for it.
 *
 * A draft is what POST /v1/articles receives and what `essayd export`
 * writes out. essay_draft_write turns it into the essay format that
 * essay_parse reads, working around the places where the format would read
 * a field back differently (a paragraph that looks like a header line or a
 * category line); a draft the format cannot hold at all is an error naming
 * the field. essay_parse_draft then parses that text and checks that it
 * reads back as the draft, so whatever is accepted here can be exported and
 * imported again unchanged. No I/O, no SQLite.
 *
 * Errors go into an essay_error (essay.h) with line 0 and a text that starts
 * with the field: "paragraphs[3]: ...", "endnotes[0].n: ...", "title: ...".
 * Indexes are 0-based positions in the draft's arrays.
 *
 * Ownership: a draft owns every string and array it points to; all of them
 * are malloc'd and released by essay_draft_free, which also frees the draft
 * itself (so a draft is always heap-allocated, e.g. with calloc).
 */
#ifndef ESSAYD_ESSAY_DRAFT_H
#define ESSAYD_ESSAY_DRAFT_H

#include <jansson.h>
#include <stddef.h>

#include "essay.h"
#include "text.h"

typedef struct {
    int n;     /* 1..ESSAY_MAX_ENDNOTE */
    char *raw; /* the entry without "[n] "; may be "" but not NULL */
} essay_draft_endnote;

typedef struct {
    char *title;
    char *slug;     /* NULL: derived from the title on import */
    char *note;     /* NULL: none */
    char *category; /* NULL: none */
    char **authors;
    size_t nauthors;
    char **paragraphs; /* each one paragraph's text, on one line */
    size_t nparagraphs;
    essay_draft_endnote *endnotes; /* in the order they are written */
    size_t nendnotes;
} essay_draft;

/* Releases d and everything it owns; essay_draft_free(NULL) does nothing. */
void essay_draft_free(essay_draft *d);

/* Appends the canonical essay text of d to *out:
 *
 *   Title
 *
 *   Slug: s            (if any; then Author: ... each, Category:, Note:)
 *
 *   Paragraph one, on one line.
 *
 *   Paragraph two.
 *
 *   Endnotes:          (if there are endnotes)
 *
 *   [1] raw
 *
 * ending with one "\n". Returns 0; or -1 with *err set (err may be NULL),
 * *out then left as it was. d is only read. */
int essay_draft_write(const essay_draft *d, strbuf *out, essay_error *err);

/* The draft in a JSON body (POST /v1/articles, a line of an ndjson export):
 * an object with title (required), slug, note, category (string or null),
 * authors (array of strings), paragraphs (required, not empty: strings or
 * objects with a string "text", as GET returns them), endnotes (strings,
 * numbered 1..n by position, or objects with an integer "n" and a string
 * "raw"). The read-only members of GET's article object are ignored; any
 * other member is an error. Only the shape and the characters are checked
 * here; essay_draft_write checks what the essay format can hold.
 * root is only read. Returns a new draft (caller essay_draft_free) or NULL
 * with *err set (err may be NULL). */
essay_draft *essay_draft_from_json(const json_t *root, essay_error *err);

/* The JSON of d, the inverse of essay_draft_from_json: an object with, in
 * this order, slug, title, authors, note, category (null when absent),
 * paragraphs (strings) and endnotes ({"n", "raw"} objects). Returns a new
 * reference (caller json_decref), or NULL on allocation failure or a string
 * that is not UTF-8. d is only read. */
json_t *essay_draft_to_json(const essay_draft *d);

/* Appends the canonical text of d to *text (essay_draft_write), parses it
 * with essay_parse and checks that it reads back as d: title, slug,
 * authors, note, category, every paragraph's text and every endnote's n and
 * raw. Returns the parsed essay (caller essay_free) or NULL with *err set
 * (err may be NULL). *text stays the caller's to sb_free in both cases; on
 * failure it may hold the text that did not read back. */
essay *essay_parse_draft(const essay_draft *d, strbuf *text, essay_error *err);

#endif

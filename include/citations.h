/*
 * citations.h — one endnote's text → the fields of a loosely APA-style
 * citation:
 *
 *   Author. (Date). Title. Publisher. Retrieved Date, from [text](url)
 *
 * A field that cannot be read with confidence is NULL, never a guess.
 * No I/O, no SQLite; URLs are parsed with libcurl's URL API and domains
 * come from the Public Suffix List (libpsl).
 */
#ifndef ESSAYD_CITATIONS_H
#define ESSAYD_CITATIONS_H

#include <stddef.h>

typedef struct {
    char *author;    /* "Stewart, P.", "BBC News" */
    char *date;      /* ISO 8601 with its precision: 2017, 2017-10, 2017-10-16 */
    char *title;
    char *publisher; /* NULL for a corporate author with no separate publisher */
    char *retrieved; /* ISO 8601 */
    char *url;       /* link target, without the '.' left inside "(...)" */
    char *host;      /* "www.bbc.com" */
    char *domain;    /* registrable domain: "bbc.com", "bbc.co.uk" */
} citation;

/* Parses raw[0..len) (valid UTF-8, the entry without its "[n] " prefix).
 * Fills *out (zeroed first); every non-NULL field is malloc'd and owned
 * by *out, released by citation_free. Returns 0, or -1 on allocation
 * failure (out is then already freed). */
int citation_parse(const char *raw, size_t len, citation *out);

void citation_free(citation *c);

#endif

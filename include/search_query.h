/*
 * search_query.h — what a user types into a search box → a safe FTS5
 * MATCH expression.
 *
 * The language: words (all must match), "exact phrases", prefix*, OR
 * between two terms, -excluded terms. Every term reaches FTS5 as a quoted
 * string, so no FTS5 syntax (column filters, NEAR, ^, parentheses) can be
 * injected through it; punctuation-only terms are dropped.
 */
#ifndef ESSAYD_SEARCH_QUERY_H
#define ESSAYD_SEARCH_QUERY_H

#include <stddef.h>

#define SEARCH_MAX_TERMS 32

/* Compiles q (UTF-8). Returns a malloc'd expression the caller frees, or
 * NULL with a reason for the user in err ("has no words to search for",
 * "excludes words but has none to find", "has more than 32 terms",
 * "contains control characters"; "out of memory"). */
char *search_query_compile(const char *q, char *err, size_t errlen);

#endif

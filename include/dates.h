/*
 * dates.h — human-written dates to ISO 8601, keeping their precision.
 */
#ifndef ESSAYD_DATES_H
#define ESSAYD_DATES_H

#include <stddef.h>

/* Parses the whole of s[0..len) (surrounding white space and a final '.'
 * or ',' are ignored) as one date in a form essays and APA-style
 * citations use:
 *   "16 October 2017", "October 16, 2017", "Oct. 16, 2017",
 *   "2017, October 16", "October 2017", "2017", "2017-10-16", "2017-10".
 * Writes "YYYY", "YYYY-MM" or "YYYY-MM-DD" (NUL-terminated) to out and
 * returns 0. Returns -1 if s is not such a date, or names an impossible
 * one (31 February), or is "n.d."; out is then left empty. */
int date_parse_iso(const char *s, size_t len, char out[11]);

#endif

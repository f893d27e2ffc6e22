/*
 * essay_checks.h — invariants of the essay text pipeline (essay_checks.c),
 * for the fuzz targets. Each check aborts through CHECK (fuzz_support.h)
 * on the first violation, so that libFuzzer keeps the input.
 */
#ifndef ESSAYD_FUZZ_ESSAY_CHECKS_H
#define ESSAYD_FUZZ_ESSAY_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

#include "citations.h"

/* An endnote marker "[n]" at para[b..e). */
typedef struct {
    int n;
    size_t b, e;
} mark;

/* s is a NUL-terminated, valid UTF-8 string. */
void check_str(const char *s);

/* s[0..len) neither starts nor ends with white space (len may be 0). */
void check_trimmed(const char *s, size_t len);

/* ^\d{4}(-\d{2}(-\d{2})?)?$, and a date that exists. */
void check_iso_date(const char *s);

/* ^[a-z0-9]+(-[a-z0-9]+)*$, and not all digits. */
void check_slug(const char *s);

/* A marker's bytes s[b..e) are '[', 1 to 4 digits worth n (n >= 1), ']'. */
void check_marker_bytes(const char *s, size_t b, size_t e, int n);

/* date_parse_iso on any bytes: empty output on failure; on success an ISO
 * date that parses again to itself. */
void check_date_parse(const char *s, size_t len);

/* A parsed citation's fields: NULL or valid UTF-8 (non-empty when strict,
 * that is when the source held no NUL byte), ISO dates that exist, a host
 * only with a url, a domain that is the host or ends it on a label
 * boundary. */
void check_citation(const citation *c, bool strict);

/* citation_parse(raw[0..len)) (valid UTF-8) and check_citation on it;
 * citation_free leaves the fields zeroed. */
void check_citation_parse(const char *raw, size_t len);

/* The markers of para[0..len), left to right, as marker_at finds them; a
 * malloc'd array (the caller frees it; never NULL) of *count marks. */
mark *find_marks(const char *para, size_t len, size_t *count);

/* The claims of one paragraph (at base, stride bytes apart, so that both
 * claim[] and essay_claim[] can be walked) tile para[0..len) as
 * sentences.h says: in order, non-empty, not overlapping, on code-point
 * boundaries and non-space, white space only between them; their offsets
 * agree in bytes, code points and UTF-16; their text is strip_markers of
 * the range; their endnotes are exactly the markers inside it and every
 * marker is in one; the flags are the predicates of sentences.h. */
void check_claims(const char *para, size_t len, bool in_quote, const char *base, size_t stride,
                  size_t nclaims, const mark *marks, size_t nmarks);

#endif

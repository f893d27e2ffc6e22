/*
 * essay_checks.c — the invariants of the essay text pipeline, shared by
 * the fuzz targets that exercise it (fuzz_essay, fuzz_sentences,
 * fuzz_citation). What each checks is in essay_checks.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "citations.h"
#include "dates.h"
#include "essay.h"
#include "sentences.h"
#include "text.h"

#include "essay_checks.h"
#include "fuzz_support.h" /* CHECK */

/* ---- small predicates ---------------------------------------------------- */

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* s is a NUL-terminated, valid UTF-8 string. */
void check_str(const char *s)
{
    CHECK(s != NULL);
    CHECK(utf8_valid(s, strlen(s), NULL));
}

/* off is a code point boundary of s[0..len). */
static bool on_boundary(const char *s, size_t len, size_t off)
{
    return off <= len && (off == len || ((unsigned char)s[off] & 0xC0) != 0x80);
}

/* Everything in s[b..e) is white space. */
static void check_space_only(const char *s, size_t b, size_t e)
{
    CHECK(b <= e);
    size_t i = b;
    while (i < e) {
        uint32_t c = utf8_next(s, e, &i);
        CHECK(uc_is_space(c));
    }
}

/* s[0..len) neither starts nor ends with white space (len may be 0). */
void check_trimmed(const char *s, size_t len)
{
    size_t b, e;
    utf8_trim(s, len, &b, &e);
    CHECK(b == 0);
    CHECK(e == len);
}

/* ^\d{4}(-\d{2}(-\d{2})?)?$, and a date that exists. */
void check_iso_date(const char *s)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    check_str(s);
    size_t n = strlen(s);
    CHECK(n == 4 || n == 7 || n == 10);
    for (size_t i = 0; i < n; i++) {
        if (i == 4 || i == 7) CHECK(s[i] == '-');
        else CHECK(is_digit(s[i]));
    }
    int y = atoi(s);
    if (n >= 7) {
        int m = (s[5] - '0') * 10 + (s[6] - '0');
        CHECK(m >= 1 && m <= 12);
        if (n == 10) {
            int d = (s[8] - '0') * 10 + (s[9] - '0');
            bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            CHECK(d >= 1 && d <= mdays[m - 1]);
            CHECK(!(m == 2 && d == 29 && !leap));
        }
    }
}

/* ^[a-z0-9]+(-[a-z0-9]+)*$, and not all digits. */
void check_slug(const char *s)
{
    CHECK(s != NULL);
    size_t n = strlen(s);
    CHECK(n > 0);
    CHECK(s[0] != '-' && s[n - 1] != '-');
    bool all_digits = true;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        CHECK((c >= 'a' && c <= 'z') || is_digit(c) || c == '-');
        if (c == '-') CHECK(s[i + 1] != '-');
        if (!is_digit(c)) all_digits = false;
    }
    CHECK(!all_digits);
}

/* A marker's bytes are '[', 1 to 4 digits worth n (n >= 1), ']'. */
void check_marker_bytes(const char *s, size_t b, size_t e, int n)
{
    CHECK(n >= 1 && n <= ESSAY_MAX_ENDNOTE);
    CHECK(e >= b + 3 && e <= b + 6);
    CHECK(s[b] == '[' && s[e - 1] == ']');
    int v = 0;
    for (size_t i = b + 1; i + 1 < e; i++) {
        CHECK(is_digit(s[i]));
        v = v * 10 + (s[i] - '0');
    }
    CHECK(v == n);
}

/* ---- dates ------------------------------------------------------------- */

void check_date_parse(const char *s, size_t len)
{
    char out[11];
    memset(out, 'x', sizeof out);
    if (date_parse_iso(s, len, out) != 0) {
        CHECK(out[0] == '\0'); /* "out is then left empty" */
        return;
    }
    CHECK(memchr(out, '\0', sizeof out) != NULL);
    check_iso_date(out);
    /* The ISO forms are themselves accepted, with the same result. */
    char again[11];
    CHECK(date_parse_iso(out, strlen(out), again) == 0);
    CHECK(strcmp(out, again) == 0);
}

/* ---- citations --------------------------------------------------------- */

/* strict: the source had no NUL byte, so a field's strlen is its length
 * (essay_parse rejects NUL; the direct citation_parse call does not). */
void check_citation(const citation *c, bool strict)
{
    const char *const fields[] = {c->author, c->date,  c->title, c->publisher,
                                  c->retrieved, c->url, c->host, c->domain};
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++)
        if (fields[k]) {
            check_str(fields[k]);
            if (strict) CHECK(fields[k][0] != '\0'); /* NULL, never an empty guess */
        }
    if (c->date) check_iso_date(c->date);
    if (c->retrieved) check_iso_date(c->retrieved);
    if (c->host) CHECK(c->url != NULL);
    if (c->domain) {
        /* The registrable domain is the host or a suffix of it. */
        CHECK(c->host != NULL);
        size_t hl = strlen(c->host), dl = strlen(c->domain);
        CHECK(dl <= hl);
        CHECK(strcmp(c->host + hl - dl, c->domain) == 0);
        CHECK(dl == hl || c->host[hl - dl - 1] == '.');
    }
}

void check_citation_parse(const char *raw, size_t len)
{
    citation c;
    if (citation_parse(raw, len, &c) != 0) return; /* allocation failure only */
    check_citation(&c, memchr(raw, '\0', len) == NULL);
    citation_free(&c);
    CHECK(c.author == NULL && c.url == NULL && c.domain == NULL); /* zeroed */
}

/* ---- claims ------------------------------------------------------------ */

/* Markers of para[0..len), left to right, as marker_at finds them. */
mark *find_marks(const char *para, size_t len, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (marker_at(para, len, i, NULL)) n++;
    mark *v = malloc((n ? n : 1) * sizeof *v);
    CHECK(v != NULL);
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        int num = 0;
        size_t m = marker_at(para, len, i, &num);
        if (!m) {
            i++;
            continue;
        }
        CHECK(k < n);
        v[k++] = (mark){num, i, i + m};
        i += m;
    }
    CHECK(k == n); /* markers never overlap */
    *count = n;
    return v;
}

/* The claims of one paragraph (claims[k] at stride bytes apart, so that
 * both claim[] and essay_claim[] can be walked) tile para[0..len) as
 * sentences.h says, and carry the paragraph's markers in order. */
void check_claims(const char *para, size_t len, bool in_quote, const char *base, size_t stride,
                         size_t nclaims, const mark *marks, size_t nmarks)
{
    size_t prev_end = 0, next_mark = 0;
    for (size_t k = 0; k < nclaims; k++) {
        const claim *c = (const claim *)(const void *)(base + k * stride);
        CHECK(c->byte_start >= prev_end);
        CHECK(c->byte_start < c->byte_end); /* a claim is never empty */
        CHECK(c->byte_end <= len);
        CHECK(on_boundary(para, len, c->byte_start));
        CHECK(on_boundary(para, len, c->byte_end));
        check_space_only(para, prev_end, c->byte_start);
        /* The range starts and ends on a non-space: "trimmed". */
        check_trimmed(para + c->byte_start, c->byte_end - c->byte_start);

        CHECK(c->start == utf8_cp_count(para, c->byte_start));
        CHECK(c->end == utf8_cp_count(para, c->byte_end));
        CHECK(c->start_utf16 == utf8_utf16_count(para, c->byte_start));
        CHECK(c->end_utf16 == utf8_utf16_count(para, c->byte_end));

        CHECK(c->text != NULL);
        check_str(c->text);
        char *stripped = strip_markers(para + c->byte_start, c->byte_end - c->byte_start);
        CHECK(stripped != NULL);
        CHECK(strcmp(stripped, c->text) == 0);
        free(stripped);

        /* endnotes: exactly the markers inside the range, in order. */
        CHECK((c->nendnotes == 0) == (c->endnotes == NULL));
        for (size_t j = 0; j < c->nendnotes; j++) {
            CHECK(next_mark < nmarks);
            CHECK(marks[next_mark].b >= c->byte_start && marks[next_mark].e <= c->byte_end);
            CHECK(c->endnotes[j] == marks[next_mark].n);
            next_mark++;
        }
        CHECK(next_mark == nmarks || marks[next_mark].b >= c->byte_end);

        /* The flags are the exposed predicates on the text. */
        CHECK(c->quote == (in_quote || text_has_quotation(c->text)));
        CHECK(c->statistic == text_is_statistic(c->text));
        CHECK(c->normative == text_is_normative(c->text));
        prev_end = c->byte_end;
    }
    check_space_only(para, prev_end, len);
    CHECK(next_mark == nmarks); /* every marker belongs to some claim */
}

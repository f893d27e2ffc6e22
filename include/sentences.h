/*
 * sentences.h — a paragraph's text → its sentences ("claims").
 *
 * Claims tile the paragraph: the text between two consecutive claims, and
 * before the first and after the last, is white space only. A claim's
 * range covers the sentence and the endnote markers that follow it
 * ("talks.[1]", "war.”[2]", "union. [3]"). No I/O, no SQLite.
 */
#ifndef ESSAYD_SENTENCES_H
#define ESSAYD_SENTENCES_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    size_t byte_start, byte_end;   /* [start, end) in the paragraph's bytes */
    size_t start, end;             /* the same range in code points */
    size_t start_utf16, end_utf16; /* ... and in UTF-16 code units */
    char *text;                    /* the slice without markers, trimmed; owned */
    int *endnotes;                 /* marker numbers in order; owned, may be NULL */
    size_t nendnotes;
    bool quote, statistic, normative;
} claim;

/* Splits para[0..len) (valid UTF-8, already trimmed) into sentences.
 * in_quote_paragraph marks every claim as a quotation (the paragraph is a
 * block quote). On success returns 0 and gives *out (an array the caller
 * releases with claims_free) and *n; an empty paragraph gives n == 0.
 * Returns -1 on allocation failure. */
int sentences_split(const char *para, size_t len, bool in_quote_paragraph,
                    claim **out, size_t *n);

void claims_free(claim *claims, size_t n);

/* The flags, on a claim's text (markers already removed). Exposed for
 * tests; sentences_split sets them. See API-NOTES "Flags". */
bool text_is_statistic(const char *text);
bool text_is_normative(const char *text);
bool text_has_quotation(const char *text);

/* Recognises an endnote marker "[n]" (1 to 4 digits, n >= 1) at s[i].
 * Returns its byte length and sets *n, or returns 0. */
size_t marker_at(const char *s, size_t len, size_t i, int *n);

/* Removes every marker from s[0..len) and trims the result.
 * Returns a malloc'd string (caller frees), NULL on allocation failure. */
char *strip_markers(const char *s, size_t len);

#endif

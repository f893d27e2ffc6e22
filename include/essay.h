/*
 * essay.h — an essay file's text → a parsed essay tree.
 *
 * The format (README "Essay format"): a title line; optional header lines
 * (Note:, Author:, Slug:, Category:); body paragraphs separated by blank
 * lines; an "Endnotes:" heading with "[n] ..." entries; a last line naming
 * the category. essay_parse runs the whole text pipeline: structure, then
 * sentences (sentences.h), then citations (citations.h). No I/O, no SQLite.
 */
#ifndef ESSAYD_ESSAY_H
#define ESSAYD_ESSAY_H

#include <stdbool.h>
#include <stddef.h>

#include "citations.h"
#include "sentences.h"

/* Bumped whenever parsing changes what is stored, so that "unchanged"
 * files are parsed again by a newer binary (API-NOTES "Identity"). */
#define ESSAY_PARSER_VERSION 1

/* Endnote numbers run from 1 to this (a marker has 1 to 4 digits). */
#define ESSAY_MAX_ENDNOTE 9999

/* Files larger than this are rejected before parsing. */
#define ESSAY_MAX_BYTES (4u * 1024u * 1024u)

/* Where parsing failed, in the manner of jansson's json_error_t.
 * line is 1-based (0 if no line applies); text is a complete sentence
 * fragment such as "invalid UTF-8 at column 7". */
typedef struct {
    int line;
    char text[160];
} essay_error;

typedef enum { PARA_TEXT = 0, PARA_QUOTE = 1 } para_kind;

typedef struct {
    int n;
    size_t byte_start, byte_end;
    size_t start, end;             /* code points into the paragraph text */
    size_t start_utf16, end_utf16; /* UTF-16 code units */
} essay_marker;

typedef struct {
    para_kind kind;
    char *text; /* wrapped lines joined with one space, trimmed; owned */
    size_t len;
    int line;   /* first line in the file */
    essay_marker *markers;
    size_t nmarkers;
} essay_paragraph;

typedef struct {
    int n;
    char *raw;  /* the entry as written, without "[n] "; owned */
    int line;
    citation cit;
} essay_endnote;

typedef struct {
    claim c;
    size_t paragraph; /* index into paragraphs */
} essay_claim;

typedef struct {
    char *title;
    char *slug;      /* from a "Slug:" line, or NULL to derive from title */
    char *note;      /* the Note line's text without "Note: ", or NULL */
    char *venue;     /* from the note, or NULL */
    char *published; /* ISO 8601 from the note, or NULL */
    char *category;  /* or NULL */
    char **authors;
    size_t nauthors;
    essay_paragraph *paragraphs;
    size_t nparagraphs;
    essay_claim *claims;
    size_t nclaims;
    essay_endnote *endnotes;
    size_t nendnotes;
    size_t word_count;
    char **warnings; /* "line 12: marker [9] has no endnote"; owned */
    size_t nwarnings;
    long *endnote_index; /* n → index into endnotes, or -1; owned */
} essay;

/* Parses buf[0..len). Returns a tree the caller releases with essay_free,
 * or NULL with *err filled (err may be NULL). Rejected: an empty file,
 * invalid UTF-8, binary data (NUL or other control characters), a file
 * larger than ESSAY_MAX_BYTES, no title, no body, duplicate endnote
 * numbers, header lines given twice. */
essay *essay_parse(const char *buf, size_t len, essay_error *err);

/* Releases e and everything it owns; essay_free(NULL) does nothing. */
void essay_free(essay *e);

/* Index of the endnote numbered n, or -1. */
long essay_find_endnote(const essay *e, int n);

#endif

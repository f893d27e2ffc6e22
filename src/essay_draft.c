/*
 * essay_draft.c — a draft (an essay's fields) → its canonical essay text,
 * and a draft ⇄ its JSON.
 *
 * The writer must produce text that essay_parse (essay_parse.c) reads back
 * as exactly the draft. The places where the parser would read a field
 * differently are each handled where the field is written, with a comment
 * starting "parser:"; what cannot be written at all is refused up front by
 * check_draft, so that a failed write leaves nothing half done.
 * essay_parse_draft closes the loop by parsing the text and comparing.
 */
#include "essay_draft.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sentences.h"

/* What the parser allows (essay_parse.c: the title check; text.h: slug_valid). */
#define TITLE_MAX_CHARS 300
/* parser: looks_like_category's length limit. */
#define CATEGORY_LINE_MAX_CHARS 80

static void set_error(essay_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_error(essay_error *err, const char *fmt, ...)
{
    if (!err) return;
    err->line = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

void essay_draft_free(essay_draft *d)
{
    if (!d) return;
    free(d->title);
    free(d->slug);
    free(d->note);
    free(d->category);
    for (size_t k = 0; k < d->nauthors; k++) free(d->authors[k]);
    free(d->authors);
    for (size_t k = 0; k < d->nparagraphs; k++) free(d->paragraphs[k]);
    free(d->paragraphs);
    for (size_t k = 0; k < d->nendnotes; k++) free(d->endnotes[k].raw);
    free(d->endnotes);
    free(d);
}

/* ---- what a field may hold ------------------------------------------------ */

/* Why s[0..len) has a character the essay format cannot carry inside a
 * field, or NULL. The rules are check_bytes' in essay_parse.c, plus line
 * breaks: every field is written on one line. buf holds formatted reasons. */
static const char *char_problem(const char *s, size_t len, char *buf, size_t bufsz)
{
    size_t bad;
    if (memchr(s, '\0', len)) return "contains a NUL character";
    if (!utf8_valid(s, len, &bad)) {
        snprintf(buf, bufsz, "is not valid UTF-8 (byte %zu)", bad);
        return buf;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n' || c == '\r') return "contains a line break; the essay format keeps each field on one line";
        unsigned code = 0;
        if ((c < 0x20 && c != '\t' && c != '\f') || c == 0x7F) code = c;
        /* C1 controls, but NEL (white space), as the parser rejects them. */
        else if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F &&
                 (unsigned char)s[i + 1] != 0x85)
            code = (unsigned char)s[i + 1];
        if (code) {
            snprintf(buf, bufsz, "contains the control character U+%04X", code);
            return buf;
        }
    }
    return NULL;
}

/* char_problem, and then what a one-line field must be for the parser to
 * give it back unchanged: it trims every line, and an empty value is
 * either no line at all or an error. */
static const char *text_problem(const char *s, bool may_be_empty, char *buf, size_t bufsz)
{
    size_t len = strlen(s), b, e;
    const char *why = char_problem(s, len, buf, bufsz);
    if (why) return why;
    if (len == 0) return may_be_empty ? NULL : "is empty";
    utf8_trim(s, len, &b, &e);
    if (b == e) return "holds only white space";
    if (b != 0 || e != len) return "begins or ends with white space, which the essay format trims";
    return NULL;
}

/* parser: header_value matches these keys, case-sensitively, only at
 * column 0 of a line. */
static bool starts_with_header_key(const char *s)
{
    static const char *const keys[] = {"Note:", "Slug:", "Category:", "Author:"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (strncmp(s, keys[k], strlen(keys[k])) == 0) return true;
    return false;
}

/* parser: looks_like_category, for a paragraph written on one line. */
static bool looks_like_category(const char *s)
{
    size_t len = strlen(s), st;
    if (len == 0 || utf8_cp_count(s, len) > CATEGORY_LINE_MAX_CHARS) return false;
    uint32_t last = utf8_prev(s, len, &st);
    if (last == '.' || last == '?' || last == '!' || last == ':' || last == ';' || last == ',' || last == 0x201D ||
        last == '"' || last == 0x2026 || last == ']')
        return false;
    for (size_t i = 0; i < len; i++)
        if (marker_at(s, len, i, NULL)) return false;
    return true;
}

/* parser: is_endnotes_heading on a line of len bytes. */
static bool is_endnotes_heading(const char *s, size_t len)
{
    static const char *const headings[] = {"Endnotes:", "Endnotes", "Footnotes:", "Notes:"};
    for (size_t k = 0; k < sizeof headings / sizeof headings[0]; k++)
        if (len == strlen(headings[k]) && strncasecmp(s, headings[k], len) == 0) return true;
    return false;
}

/* Where a paragraph can be wrapped onto a second line so that the parser,
 * which trims both lines and joins them with one space, gives it back: the
 * byte offset of the last ASCII space with no other white space on either
 * side; 0 if there is none. parser: the first line, which follows a blank
 * line, must not be an endnotes heading ("Notes: Today" would end the
 * body). */
static size_t wrap_point(const char *s)
{
    size_t len = strlen(s), at = 0;
    for (size_t i = 1; i + 1 < len; i++) {
        if (s[i] != ' ') continue;
        size_t st, j = i + 1;
        if (!uc_is_space(utf8_prev(s, i, &st)) && !uc_is_space(utf8_next(s, len, &j)) &&
            !is_endnotes_heading(s, i))
            at = i;
    }
    return at;
}

/* parser: a body without an endnotes section and without a Category:
 * header gives its last block to the category when there are two blocks or
 * more and the last looks like a category line. */
static bool last_paragraph_needs_wrap(const essay_draft *d, size_t k)
{
    return !d->category && d->nendnotes == 0 && d->nparagraphs >= 2 && k == d->nparagraphs - 1 &&
           looks_like_category(d->paragraphs[k]);
}

/* Endnote numbers: each in 1..ESSAY_MAX_ENDNOTE and given once. */
static int check_endnote_numbers(const essay_draft_endnote *v, size_t n, essay_error *err)
{
    if (n == 0) return 0;
    size_t *first = malloc((ESSAY_MAX_ENDNOTE + 1) * sizeof *first);
    if (!first) {
        set_error(err, "out of memory");
        return -1;
    }
    for (size_t k = 0; k <= ESSAY_MAX_ENDNOTE; k++) first[k] = SIZE_MAX;
    int rc = 0;
    for (size_t k = 0; k < n && rc == 0; k++) {
        int num = v[k].n;
        if (num < 1 || num > ESSAY_MAX_ENDNOTE) {
            set_error(err, "endnotes[%zu].n: must be an integer from 1 to %d, not %d", k, ESSAY_MAX_ENDNOTE, num);
            rc = -1;
        } else if (first[num] != SIZE_MAX) {
            set_error(err, "endnotes[%zu].n: [%d] is given twice (first at endnotes[%zu])", k, num, first[num]);
            rc = -1;
        } else {
            first[num] = k;
        }
    }
    free(first);
    return rc;
}

/* Everything essay_draft_write would refuse, checked before a byte is
 * written. */
static int check_draft(const essay_draft *d, essay_error *err)
{
    char buf[96];
    const char *why;
    if (!d->title) {
        set_error(err, "title: is required");
        return -1;
    }
    if ((why = text_problem(d->title, false, buf, sizeof buf))) {
        set_error(err, "title: %s", why);
        return -1;
    }
    size_t chars = utf8_cp_count(d->title, strlen(d->title));
    if (chars > TITLE_MAX_CHARS) {
        set_error(err, "title: is %zu characters, over the %d the essay format allows", chars, TITLE_MAX_CHARS);
        return -1;
    }
    int n;
    if (is_endnotes_heading(d->title, strlen(d->title))) {
        set_error(err, "title: is exactly \"%s\", which the essay format reads as the endnotes heading", d->title);
        return -1;
    }
    if (marker_at(d->title, strlen(d->title), 0, &n)) {
        set_error(err, "title: begins with the endnote marker [%d], which a title cannot", n);
        return -1;
    }
    /* parser: a byte order mark at the very start of the text is dropped. */
    if (strncmp(d->title, "\xEF\xBB\xBF", 3) == 0) {
        set_error(err, "title: begins with U+FEFF, which the essay format drops at the start of a file");
        return -1;
    }
    if (d->slug && !slug_valid(d->slug, strlen(d->slug))) {
        set_error(err, "slug: must be lowercase a-z, 0-9 and single hyphens, not all digits, at most %d characters",
                  SLUG_MAX_BYTES);
        return -1;
    }
    for (size_t k = 0; k < d->nauthors; k++) {
        if (!d->authors[k]) {
            set_error(err, "authors[%zu]: is missing", k);
            return -1;
        }
        if ((why = text_problem(d->authors[k], false, buf, sizeof buf))) {
            set_error(err, "authors[%zu]: %s", k, why);
            return -1;
        }
    }
    if (d->category && (why = text_problem(d->category, false, buf, sizeof buf))) {
        set_error(err, "category: %s", why);
        return -1;
    }
    if (d->note && (why = text_problem(d->note, false, buf, sizeof buf))) {
        set_error(err, "note: %s", why);
        return -1;
    }
    if (d->nparagraphs == 0) {
        set_error(err, "paragraphs: must not be empty; an essay needs a body");
        return -1;
    }
    for (size_t k = 0; k < d->nparagraphs; k++) {
        const char *p = d->paragraphs[k];
        if (!p) {
            set_error(err, "paragraphs[%zu]: is missing", k);
            return -1;
        }
        if ((why = text_problem(p, false, buf, sizeof buf))) {
            set_error(err, "paragraphs[%zu]: %s", k, why);
            return -1;
        }
        /* parser: a block that is only the heading ends the body, whatever
         * follows it; no indentation or wrapping can avoid that. */
        if (is_endnotes_heading(p, strlen(p))) {
            set_error(err, "paragraphs[%zu]: is exactly \"%s\", which the essay format reads as the endnotes heading",
                      k, p);
            return -1;
        }
        if (last_paragraph_needs_wrap(d, k) && wrap_point(p) == 0) {
            set_error(err,
                      "paragraphs[%zu]: would be read as the category line (short, no final punctuation) and has "
                      "no space to wrap it at",
                      k);
            return -1;
        }
    }
    for (size_t k = 0; k < d->nendnotes; k++) {
        if (!d->endnotes[k].raw) {
            set_error(err, "endnotes[%zu].raw: is missing", k);
            return -1;
        }
        if ((why = text_problem(d->endnotes[k].raw, true, buf, sizeof buf))) {
            set_error(err, "endnotes[%zu].raw: %s", k, why);
            return -1;
        }
    }
    return check_endnote_numbers(d->endnotes, d->nendnotes, err);
}

/* ---- the canonical text --------------------------------------------------- */

typedef enum { F_NONE, F_TITLE, F_SLUG, F_AUTHOR, F_CATEGORY, F_NOTE, F_PARAGRAPH, F_ENDNOTE } field_kind;

typedef struct {
    field_kind kind;
    size_t index;
} field_ref;

/* Which field each line of the written text (1-based line k at v[k - 1])
 * came from, so that a parse error of the text can name the field. */
typedef struct {
    field_ref *v;
    size_t n, cap;
} line_map;

static const char *field_name(field_ref f, char *buf, size_t bufsz)
{
    switch (f.kind) {
    case F_TITLE: return "title";
    case F_SLUG: return "slug";
    case F_CATEGORY: return "category";
    case F_NOTE: return "note";
    case F_AUTHOR: snprintf(buf, bufsz, "authors[%zu]", f.index); return buf;
    case F_PARAGRAPH: snprintf(buf, bufsz, "paragraphs[%zu]", f.index); return buf;
    case F_ENDNOTE: snprintf(buf, bufsz, "endnotes[%zu]", f.index); return buf;
    case F_NONE: break;
    }
    return NULL;
}

typedef struct {
    strbuf *out;
    line_map *map; /* may be NULL */
    bool oom;
} writer;

/* Appends one line: prefix, s[0..len), "\n"; records it in the map. */
static void put_line(writer *w, field_kind kind, size_t index, const char *prefix, const char *s, size_t len)
{
    if (w->oom) return;
    if (sb_puts(w->out, prefix) < 0 || sb_append(w->out, s, len) < 0 || sb_putc(w->out, '\n') < 0) {
        w->oom = true;
        return;
    }
    if (!w->map) return;
    line_map *m = w->map;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        field_ref *nv = realloc(m->v, cap * sizeof *nv);
        if (!nv) {
            w->oom = true;
            return;
        }
        m->v = nv;
        m->cap = cap;
    }
    m->v[m->n++] = (field_ref){kind, index};
}

static void put_blank(writer *w) { put_line(w, F_NONE, 0, "", "", 0); }

static void put_field(writer *w, field_kind kind, size_t index, const char *prefix, const char *s)
{
    put_line(w, kind, index, prefix, s, strlen(s));
}

static void put_paragraph(writer *w, const essay_draft *d, size_t k)
{
    const char *p = d->paragraphs[k];
    /* parser: before the first body line, a line starting at column 0 with
     * a header key is a header line. Only the first paragraph is at risk,
     * but indenting every such paragraph keeps the text safe to edit (the
     * parser trims the space away). */
    const char *indent = starts_with_header_key(p) ? " " : "";
    size_t at = last_paragraph_needs_wrap(d, k) ? wrap_point(p) : 0;
    if (at == 0) {
        put_field(w, F_PARAGRAPH, k, indent, p);
        return;
    }
    /* parser: a block of two lines is never the category line. */
    put_line(w, F_PARAGRAPH, k, indent, p, at);
    put_field(w, F_PARAGRAPH, k, "", p + at + 1);
}

static int write_text(const essay_draft *d, strbuf *out, line_map *map, essay_error *err)
{
    size_t start = out->len;
    if (check_draft(d, err) < 0) return -1;
    writer w = {out, map, false};
    put_field(&w, F_TITLE, 0, "", d->title);
    put_blank(&w);
    bool headers = d->slug || d->nauthors || d->category || d->note;
    if (d->slug) put_field(&w, F_SLUG, 0, "Slug: ", d->slug);
    for (size_t k = 0; k < d->nauthors; k++) put_field(&w, F_AUTHOR, k, "Author: ", d->authors[k]);
    /* A Category: header, never a last line: then no paragraph or endnote
     * can be mistaken for the category. */
    if (d->category) put_field(&w, F_CATEGORY, 0, "Category: ", d->category);
    if (d->note) put_field(&w, F_NOTE, 0, "Note: ", d->note);
    if (headers) put_blank(&w);
    for (size_t k = 0; k < d->nparagraphs; k++) {
        if (k) put_blank(&w);
        put_paragraph(&w, d, k);
    }
    if (d->nendnotes) {
        /* parser: the heading counts only after a blank line. */
        put_blank(&w);
        put_line(&w, F_NONE, 0, "", "Endnotes:", 9);
        put_blank(&w);
        /* One block of "[n] raw" lines: a block of one line starting with a
         * marker is never the category line either. */
        for (size_t k = 0; k < d->nendnotes; k++) {
            char mark[16];
            if (d->endnotes[k].raw[0])
                snprintf(mark, sizeof mark, "[%d] ", d->endnotes[k].n);
            else
                snprintf(mark, sizeof mark, "[%d]", d->endnotes[k].n);
            put_field(&w, F_ENDNOTE, k, mark, d->endnotes[k].raw);
        }
    }
    if (!w.oom && out->len - start > ESSAY_MAX_BYTES) {
        set_error(err, "the essay would be %zu bytes as text, over the %u byte limit", out->len - start,
                  ESSAY_MAX_BYTES);
    } else if (w.oom) {
        set_error(err, "out of memory");
    } else {
        return 0;
    }
    out->len = start;
    if (out->data) out->data[start] = '\0';
    return -1;
}

int essay_draft_write(const essay_draft *d, strbuf *out, essay_error *err)
{
    return write_text(d, out, NULL, err);
}

/* ---- reading the text back ------------------------------------------------ */

/* 0 if got equals want (NULL equals NULL), else -1 with err naming field. */
static int same(const char *field, const char *want, const char *got, essay_error *err)
{
    if ((!want && !got) || (want && got && strcmp(want, got) == 0)) return 0;
    if (!got)
        set_error(err, "%s: is lost when the essay text is read back", field);
    else
        set_error(err, "%s: reads back as \"%.*s\" from the essay text", field, utf8_cut(got, 60), got);
    return -1;
}

static int compare(const essay_draft *d, const essay *e, essay_error *err)
{
    char name[48];
    if (same("title", d->title, e->title, err) < 0 || same("slug", d->slug, e->slug, err) < 0) return -1;
    for (size_t k = 0; k < d->nauthors || k < e->nauthors; k++) {
        snprintf(name, sizeof name, "authors[%zu]", k);
        if (same(name, k < d->nauthors ? d->authors[k] : NULL, k < e->nauthors ? e->authors[k] : NULL, err) < 0)
            return -1;
    }
    if (same("note", d->note, e->note, err) < 0) return -1;
    for (size_t k = 0; k < d->nparagraphs || k < e->nparagraphs; k++) {
        const char *want = k < d->nparagraphs ? d->paragraphs[k] : NULL;
        const char *got = k < e->nparagraphs ? e->paragraphs[k].text : NULL;
        if (want && !got && !d->category && e->category && strcmp(want, e->category) == 0) {
            set_error(err, "paragraphs[%zu]: reads back as the category line", k);
            return -1;
        }
        if (!want) {
            set_error(err, "paragraphs: %zu read back instead of %zu", e->nparagraphs, d->nparagraphs);
            return -1;
        }
        snprintf(name, sizeof name, "paragraphs[%zu]", k);
        if (same(name, want, got, err) < 0) return -1;
    }
    if (same("category", d->category, e->category, err) < 0) return -1;
    for (size_t k = 0; k < d->nendnotes || k < e->nendnotes; k++) {
        if (k >= e->nendnotes) {
            set_error(err, "endnotes[%zu]: is lost when the essay text is read back", k);
            return -1;
        }
        if (k >= d->nendnotes) {
            set_error(err, "endnotes: %zu read back instead of %zu", e->nendnotes, d->nendnotes);
            return -1;
        }
        if (d->endnotes[k].n != e->endnotes[k].n) {
            set_error(err, "endnotes[%zu].n: reads back as %d", k, e->endnotes[k].n);
            return -1;
        }
        snprintf(name, sizeof name, "endnotes[%zu].raw", k);
        if (same(name, d->endnotes[k].raw, e->endnotes[k].raw, err) < 0) return -1;
    }
    return 0;
}

essay *essay_parse_draft(const essay_draft *d, strbuf *text, essay_error *err)
{
    line_map map = {0};
    size_t start = text->len;
    if (write_text(d, text, &map, err) < 0) {
        free(map.v);
        return NULL;
    }
    essay_error perr = {0, ""};
    essay *e = essay_parse(text->data + start, text->len - start, &perr);
    if (!e) {
        char buf[48];
        const char *field = perr.line >= 1 && (size_t)perr.line <= map.n
                                ? field_name(map.v[perr.line - 1], buf, sizeof buf)
                                : NULL;
        if (field)
            set_error(err, "%s: %s", field, perr.text);
        else
            set_error(err, "%s", perr.text);
    } else if (compare(d, e, err) < 0) {
        essay_free(e);
        e = NULL;
    }
    free(map.v);
    return e;
}

/* ---- JSON ----------------------------------------------------------------- */

/* jansson's object iterators take a non-const object but do not change it. */
static json_t *unconst(const json_t *j) { return (json_t *)(uintptr_t)j; }

static bool in_list(const char *key, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(key, *list) == 0) return true;
    return false;
}

/* Members of GET /v1/articles/{id} that a client may send back unchanged
 * (GET → edit → PUT): derived from the text or kept by the server. */
static const char *const ARTICLE_READ_ONLY[] = {"id",           "category_slug",  "published",     "venue",
                                                "word_count",   "paragraph_count", "claim_count",  "endnote_count",
                                                "source_sha256", "parser_version", "version",      "created_at",
                                                "updated_at",   "claims",          NULL};
static const char *const ARTICLE_MEMBERS[] = {"title",      "slug",       "note",     "category",
                                              "authors",    "paragraphs", "endnotes", NULL};
static const char *const PARAGRAPH_READ_ONLY[] = {"index", "kind", "markers", NULL};
static const char *const ENDNOTE_READ_ONLY[] = {"id",        "article_id", "author", "date",   "title",    "publisher",
                                                "retrieved", "url",        "host",   "domain", "cited_by", NULL};

/* The first member of obj that is neither in known nor in ignored, or NULL. */
static const char *unknown_member(const json_t *obj, const char *const *known, const char *const *ignored)
{
    const char *key;
    json_t *value;
    json_object_foreach(unconst(obj), key, value)
    {
        (void)value;
        if (!in_list(key, known) && !in_list(key, ignored)) return key;
    }
    return NULL;
}

/* Copies the JSON string j (field name) into *dst; a missing member (j
 * NULL), or null when nullable, leaves *dst NULL. */
static int take_string(const json_t *j, const char *name, bool nullable, char **dst, essay_error *err)
{
    char buf[96];
    if (!j || (nullable && json_is_null(j))) return 0;
    if (!json_is_string(j)) {
        set_error(err, "%s: must be a string%s", name, nullable ? " or null" : "");
        return -1;
    }
    const char *s = json_string_value(j);
    size_t len = json_string_length(j);
    const char *why = char_problem(s, len, buf, sizeof buf);
    if (why) {
        set_error(err, "%s: %s", name, why);
        return -1;
    }
    if (!(*dst = xstrndup(s, len))) {
        set_error(err, "out of memory");
        return -1;
    }
    return 0;
}

static int take_authors(const json_t *a, essay_draft *d, essay_error *err)
{
    if (!a) return 0;
    if (!json_is_array(a)) {
        set_error(err, "authors: must be an array of strings");
        return -1;
    }
    size_t n = json_array_size(a);
    if (n && !(d->authors = calloc(n, sizeof *d->authors))) {
        set_error(err, "out of memory");
        return -1;
    }
    d->nauthors = n;
    for (size_t k = 0; k < n; k++) {
        char name[48];
        snprintf(name, sizeof name, "authors[%zu]", k);
        if (take_string(json_array_get(a, k), name, false, &d->authors[k], err) < 0) return -1;
    }
    return 0;
}

static int take_paragraphs(const json_t *a, essay_draft *d, essay_error *err)
{
    static const char *const known[] = {"text", NULL};
    if (!a) {
        set_error(err, "paragraphs: is required");
        return -1;
    }
    if (!json_is_array(a)) {
        set_error(err, "paragraphs: must be an array");
        return -1;
    }
    size_t n = json_array_size(a);
    if (n == 0) {
        set_error(err, "paragraphs: must not be empty; an essay needs a body");
        return -1;
    }
    if (!(d->paragraphs = calloc(n, sizeof *d->paragraphs))) {
        set_error(err, "out of memory");
        return -1;
    }
    d->nparagraphs = n;
    for (size_t k = 0; k < n; k++) {
        char name[48];
        const json_t *item = json_array_get(a, k), *text = item;
        snprintf(name, sizeof name, "paragraphs[%zu]", k);
        if (json_is_object(item)) {
            const char *unknown = unknown_member(item, known, PARAGRAPH_READ_ONLY);
            if (unknown) {
                set_error(err, "%s: unknown member '%.*s'", name, utf8_cut(unknown, 40), unknown);
                return -1;
            }
            text = json_object_get(item, "text");
        }
        if (!json_is_string(text)) {
            set_error(err, "%s: must be a string or an object with a string \"text\"", name);
            return -1;
        }
        if (take_string(text, name, false, &d->paragraphs[k], err) < 0) return -1;
    }
    return 0;
}

static int take_endnotes(const json_t *a, essay_draft *d, essay_error *err)
{
    static const char *const known[] = {"n", "raw", NULL};
    if (!a) return 0;
    if (!json_is_array(a)) {
        set_error(err, "endnotes: must be an array");
        return -1;
    }
    size_t n = json_array_size(a);
    if (n && !(d->endnotes = calloc(n, sizeof *d->endnotes))) {
        set_error(err, "out of memory");
        return -1;
    }
    d->nendnotes = n;
    for (size_t k = 0; k < n; k++) {
        char name[48];
        const json_t *item = json_array_get(a, k);
        essay_draft_endnote *en = &d->endnotes[k];
        if (json_is_string(item)) {
            /* Numbered by position; a number out of range is refused with
             * the others by check_endnote_numbers. */
            en->n = k < ESSAY_MAX_ENDNOTE ? (int)k + 1 : ESSAY_MAX_ENDNOTE + 1;
            snprintf(name, sizeof name, "endnotes[%zu]", k);
            if (take_string(item, name, false, &en->raw, err) < 0) return -1;
            continue;
        }
        if (!json_is_object(item)) {
            set_error(err, "endnotes[%zu]: must be a string or an object with \"n\" and \"raw\"", k);
            return -1;
        }
        const char *unknown = unknown_member(item, known, ENDNOTE_READ_ONLY);
        if (unknown) {
            set_error(err, "endnotes[%zu]: unknown member '%.*s'", k, utf8_cut(unknown, 40), unknown);
            return -1;
        }
        const json_t *num = json_object_get(item, "n"), *raw = json_object_get(item, "raw");
        if (!num) {
            set_error(err, "endnotes[%zu].n: is required", k);
            return -1;
        }
        if (!json_is_integer(num) || json_integer_value(num) < 1 || json_integer_value(num) > ESSAY_MAX_ENDNOTE) {
            set_error(err, "endnotes[%zu].n: must be an integer from 1 to %d", k, ESSAY_MAX_ENDNOTE);
            return -1;
        }
        en->n = (int)json_integer_value(num);
        if (!raw) {
            set_error(err, "endnotes[%zu].raw: is required", k);
            return -1;
        }
        snprintf(name, sizeof name, "endnotes[%zu].raw", k);
        if (take_string(raw, name, false, &en->raw, err) < 0) return -1;
    }
    return check_endnote_numbers(d->endnotes, d->nendnotes, err);
}

essay_draft *essay_draft_from_json(const json_t *root, essay_error *err)
{
    if (!json_is_object(root)) {
        set_error(err, "body: must be a JSON object");
        return NULL;
    }
    const char *unknown = unknown_member(root, ARTICLE_MEMBERS, ARTICLE_READ_ONLY);
    if (unknown) {
        set_error(err, "unknown member '%.*s'", utf8_cut(unknown, 60), unknown);
        return NULL;
    }
    essay_draft *d = calloc(1, sizeof *d);
    if (!d) {
        set_error(err, "out of memory");
        return NULL;
    }
    const json_t *title = json_object_get(root, "title");
    if (!title) {
        set_error(err, "title: is required");
        goto fail;
    }
    if (take_string(title, "title", false, &d->title, err) < 0 ||
        take_string(json_object_get(root, "slug"), "slug", true, &d->slug, err) < 0 ||
        take_string(json_object_get(root, "note"), "note", true, &d->note, err) < 0 ||
        take_string(json_object_get(root, "category"), "category", true, &d->category, err) < 0 ||
        take_authors(json_object_get(root, "authors"), d, err) < 0 ||
        take_paragraphs(json_object_get(root, "paragraphs"), d, err) < 0 ||
        take_endnotes(json_object_get(root, "endnotes"), d, err) < 0)
        goto fail;
    return d;
fail:
    essay_draft_free(d);
    return NULL;
}

/* Moves v into arr or obj[key]; false (v released) on failure. */
static bool add(json_t *obj, const char *key, json_t *v)
{
    return v && (key ? json_object_set_new(obj, key, v) : json_array_append_new(obj, v)) == 0;
}

static json_t *string_or_null(const char *s) { return s ? json_stringn(s, strlen(s)) : json_null(); }

json_t *essay_draft_to_json(const essay_draft *d)
{
    json_t *o = json_object(), *authors = json_array(), *paras = json_array(), *notes = json_array();
    bool ok = o && authors && paras && notes;
    for (size_t k = 0; ok && k < d->nauthors; k++) ok = add(authors, NULL, string_or_null(d->authors[k]));
    for (size_t k = 0; ok && k < d->nparagraphs; k++) ok = add(paras, NULL, string_or_null(d->paragraphs[k]));
    for (size_t k = 0; ok && k < d->nendnotes; k++) {
        json_t *en = json_object();
        ok = add(notes, NULL, en) && add(en, "n", json_integer(d->endnotes[k].n)) &&
             add(en, "raw", string_or_null(d->endnotes[k].raw));
    }
    /* Insertion order is the output order (jansson keeps it). The arrays
     * are set with a reference of their own, so ours are dropped below
     * whether or not this got that far. */
    ok = ok && add(o, "slug", string_or_null(d->slug)) && add(o, "title", string_or_null(d->title)) &&
         json_object_set(o, "authors", authors) == 0 && add(o, "note", string_or_null(d->note)) &&
         add(o, "category", string_or_null(d->category)) && json_object_set(o, "paragraphs", paras) == 0 &&
         json_object_set(o, "endnotes", notes) == 0;
    json_decref(authors);
    json_decref(paras);
    json_decref(notes);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

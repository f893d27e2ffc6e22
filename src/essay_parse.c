/*
 * essay_parse.c — essay text → essay tree.
 *
 * Two passes: the file is first checked as a whole (size, UTF-8, control
 * characters) and cut into lines, so that every later error can name its
 * line; then the lines are read as title, header lines, body blocks, the
 * endnotes section and the category line.
 */
#include "essay.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "text.h"

typedef struct {
    const char *s; /* trimmed of trailing white space */
    size_t len;
    int no;        /* 1-based line number */
} line;

typedef struct {
    line *v;
    size_t n;
} lines;

static void set_error(essay_error *err, int lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(essay_error *err, int lineno, const char *fmt, ...)
{
    if (!err) return;
    err->line = lineno;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
}

/* Arrays in the tree grow geometrically: an array holding count elements
 * always has room for capacity_for(count), so its capacity need not be
 * stored. Growing one element at a time would be quadratic on a 4 MiB file
 * of one-line paragraphs. */
static size_t capacity_for(size_t n)
{
    size_t c = 8;
    while (c < n) c *= 2;
    return c;
}

static int grow_array(void *arrp, size_t count, size_t add, size_t elem)
{
    void **arr = arrp;
    size_t have = count ? capacity_for(count) : 0, need = count + add;
    if (need <= have) return 0;
    void *nv = realloc(*arr, capacity_for(need) * elem);
    if (!nv) return -1;
    *arr = nv;
    return 0;
}

/* 1-based line and column (in code points) of byte offset at. */
static void locate(const char *buf, size_t at, int *lineno, size_t *col)
{
    int l = 1;
    size_t bol = 0;
    for (size_t i = 0; i < at; i++) {
        if (buf[i] == '\n' || (buf[i] == '\r' && (i + 1 >= at || buf[i + 1] != '\n'))) {
            l++;
            bol = i + 1;
        }
    }
    *lineno = l;
    *col = utf8_cp_count(buf + bol, at - bol) + 1;
}

static int check_bytes(const char *buf, size_t len, essay_error *err)
{
    size_t bad;
    int l;
    size_t col;
    if (len > ESSAY_MAX_BYTES) {
        set_error(err, 1, "file is %zu bytes, over the %u byte limit", len, ESSAY_MAX_BYTES);
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == 0) {
            locate(buf, i, &l, &col);
            set_error(err, l, "binary data: NUL byte at column %zu", col);
            return -1;
        }
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F) {
            locate(buf, i, &l, &col);
            set_error(err, l, "control character U+%04X at column %zu; is this a text file?", c, col);
            return -1;
        }
    }
    if (!utf8_valid(buf, len, &bad)) {
        locate(buf, bad, &l, &col);
        set_error(err, l, "invalid UTF-8 at column %zu (byte 0x%02X)", col, (unsigned char)buf[bad]);
        return -1;
    }
    /* C1 controls (U+0080..U+009F, but NEL, which is white space) are
     * what mis-decoded Windows-1252 text looks like. */
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)buf[i], d = (unsigned char)buf[i + 1];
        if (c == 0xC2 && d >= 0x80 && d <= 0x9F && d != 0x85) {
            locate(buf, i, &l, &col);
            set_error(err, l, "control character U+%04X at column %zu; is this Windows-1252 text?", d, col);
            return -1;
        }
    }
    return 0;
}

static int split_lines(const char *buf, size_t len, lines *out)
{
    size_t cap = 64;
    out->n = 0;
    out->v = malloc(cap * sizeof *out->v);
    if (!out->v) return -1;
    size_t i = 0;
    int no = 1;
    while (i <= len) {
        size_t b = i;
        while (i < len && buf[i] != '\n' && buf[i] != '\r') i++;
        size_t e = i;
        if (i < len && buf[i] == '\r' && i + 1 < len && buf[i + 1] == '\n') i++;
        i++;
        if (e == len && b == len && b > 0) break; /* after a final newline */
        if (out->n == cap) {
            cap *= 2;
            line *nv = realloc(out->v, cap * sizeof *nv);
            if (!nv) return -1;
            out->v = nv;
        }
        size_t tb, te;
        utf8_trim(buf + b, e - b, &tb, &te);
        /* Leading white space is kept for now: only trailing is noise. */
        out->v[out->n++] = (line){buf + b, tb == te ? 0 : te, no++};
    }
    return 0;
}

static bool blank(const line *l)
{
    size_t b, e;
    utf8_trim(l->s, l->len, &b, &e);
    return b == e;
}

/* The line without leading white space. */
static line stripped(const line *l)
{
    size_t b, e;
    utf8_trim(l->s, l->len, &b, &e);
    return (line){l->s + b, e - b, l->no};
}

static bool line_is(const line *l, const char *word)
{
    line t = stripped(l);
    size_t n = strlen(word);
    return t.len == n && strncasecmp(t.s, word, n) == 0;
}

static bool is_endnotes_heading(const line *l)
{
    return line_is(l, "Endnotes:") || line_is(l, "Endnotes") || line_is(l, "Footnotes:") ||
           line_is(l, "Notes:");
}

/* "Key: value" header line; returns the value or NULL. */
static const char *header_value(const line *l, const char *key, size_t *vlen)
{
    size_t n = strlen(key);
    if (l->len < n || strncmp(l->s, key, n) != 0) return NULL;
    size_t b, e;
    utf8_trim(l->s + n, l->len - n, &b, &e);
    *vlen = e - b;
    return l->s + n + b;
}

/* "This piece was originally published at VENUE on DATE." */
static int parse_note(essay *e)
{
    const char *n = e->note;
    size_t len = strlen(n);
    static const char *const leads[] = {"published at ", "published in ", "published by ",
                                        "appeared in ", "appeared at ", NULL};
    const char *v = NULL;
    for (const char *const *p = leads; *p && !v; p++) {
        for (size_t i = 0; i + strlen(*p) <= len; i++)
            if (strncasecmp(n + i, *p, strlen(*p)) == 0) {
                v = n + i + strlen(*p);
                break;
            }
    }
    const char *end = n + len;
    while (end > n && (end[-1] == '.' || end[-1] == ' ')) end--;
    if (!v) {
        const char *on = NULL;
        for (size_t i = 0; i + 13 <= len; i++)
            if (strncasecmp(n + i, "published on ", 13) == 0) on = n + i + 13;
        char iso[11];
        if (on && end > on && date_parse_iso(on, (size_t)(end - on), iso) == 0 &&
            !(e->published = xstrdup(iso)))
            return -1;
        return 0;
    }
    if (v >= end) return 0;
    const char *venue_end = end;
    for (const char *p = end - 4; p >= v; p--) {
        if (strncmp(p, " on ", 4) != 0) continue;
        char iso[11];
        if (date_parse_iso(p + 4, (size_t)(end - p - 4), iso) == 0) {
            if (!(e->published = xstrdup(iso))) return -1;
            venue_end = p;
        }
        break;
    }
    if (venue_end > v && !(e->venue = xstrndup(v, (size_t)(venue_end - v)))) return -1;
    return 0;
}

static int add_warning(essay *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_warning(essay *e, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (grow_array(&e->warnings, e->nwarnings, 1, sizeof *e->warnings) < 0) return -1;
    if (!(e->warnings[e->nwarnings] = xstrdup(buf))) return -1;
    e->nwarnings++;
    return 0;
}

/* Joins lines[b..e) into one paragraph text: each line trimmed, joined by
 * one space. */
static char *join_block(const lines *ls, size_t b, size_t e, size_t *out_len)
{
    strbuf sb = {0};
    for (size_t k = b; k < e; k++) {
        line t = stripped(&ls->v[k]);
        if (t.len == 0) continue;
        if (sb.len && sb_putc(&sb, ' ') < 0) goto oom;
        if (sb_append(&sb, t.s, t.len) < 0) goto oom;
    }
    *out_len = sb.len;
    return sb_take(&sb);
oom:
    sb_free(&sb);
    return NULL;
}

/* A quotation paragraph opens with a quote mark whose quotation runs three
 * words or more ("“Strategic patience” has failed." opens with scare
 * quotes, not a quotation). The quotation ends at the matching closing
 * mark, or with the paragraph. */
static bool is_quotation_paragraph(const char *s, size_t len)
{
    size_t i = 0;
    if (len == 0) return false;
    uint32_t open = utf8_next(s, len, &i);
    if (open != '"' && open != 0x201C && open != 0x2018 && open != 0xAB && open != 0x201E) return false;
    size_t words = 0;
    bool in_word = false;
    while (i < len) {
        uint32_t c = utf8_next(s, len, &i);
        bool closes = (open == 0x2018) ? (c == 0x2019 && (i >= len || !uc_is_alnum(utf8_next(s, len, &(size_t){i}))))
                                       : (c == 0x201D || c == '"' || c == 0xBB);
        if (closes) break;
        bool w = uc_is_alnum(c);
        if (w && !in_word) words++;
        in_word = w || c == '\'' || c == 0x2019 || c == '-';
    }
    return words >= 3;
}

/* A category line: one short line, no sentence punctuation at its end,
 * no markers. */
static bool looks_like_category(const lines *ls, size_t b, size_t e)
{
    if (e - b != 1) return false;
    line t = stripped(&ls->v[b]);
    if (t.len == 0 || utf8_cp_count(t.s, t.len) > 80) return false;
    size_t st;
    uint32_t last = utf8_prev(t.s, t.len, &st);
    if (last == '.' || last == '?' || last == '!' || last == ':' || last == ';' || last == ',' ||
        last == 0x201D || last == '"' || last == 0x2026 || last == ']')
        return false;
    for (size_t i = 0; i < t.len; i++)
        if (marker_at(t.s, t.len, i, NULL)) return false;
    return true;
}

static int add_paragraph(essay *e, const lines *ls, size_t b, size_t end)
{
    if (grow_array(&e->paragraphs, e->nparagraphs, 1, sizeof *e->paragraphs) < 0) return -1;
    essay_paragraph *p = &e->paragraphs[e->nparagraphs];
    memset(p, 0, sizeof *p);
    if (!(p->text = join_block(ls, b, end, &p->len))) return -1;
    e->nparagraphs++;
    p->line = ls->v[b].no;
    p->kind = is_quotation_paragraph(p->text, p->len) ? PARA_QUOTE : PARA_TEXT;
    size_t count = 0;
    for (size_t i = 0; i < p->len; i++)
        if (marker_at(p->text, p->len, i, NULL)) count++;
    if (!count) return 0;
    if (!(p->markers = malloc(count * sizeof *p->markers))) return -1;
    size_t cp = 0, u16 = 0, last = 0;
    for (size_t i = 0; i < p->len;) {
        int n;
        size_t m = marker_at(p->text, p->len, i, &n);
        if (!m) {
            i++;
            continue;
        }
        cp += utf8_cp_count(p->text + last, i - last);
        u16 += utf8_utf16_count(p->text + last, i - last);
        p->markers[p->nmarkers++] = (essay_marker){n, i, i + m, cp, cp + m, u16, u16 + m};
        cp += m;
        u16 += m;
        i += m;
        last = i;
    }
    return 0;
}

/* Adds endnote n, its text taken from *raw (which is reset). Returns 0,
 * -1 on allocation failure, -2 with *err set for a duplicate. */
static int add_endnote(essay *e, int n, strbuf *raw, int lineno, essay_error *err)
{
    if (e->endnote_index[n] >= 0) {
        set_error(err, lineno, "endnote [%d] is listed twice (first at line %d)", n,
                  e->endnotes[e->endnote_index[n]].line);
        return -2;
    }
    if (grow_array(&e->endnotes, e->nendnotes, 1, sizeof *e->endnotes) < 0) return -1;
    essay_endnote *en = &e->endnotes[e->nendnotes];
    memset(en, 0, sizeof *en);
    if (!(en->raw = sb_take(raw))) return -1;
    en->n = n;
    en->line = lineno;
    e->endnote_index[n] = (long)e->nendnotes++;
    return 0;
}

/* Reads the lines after "Endnotes:". An entry runs from its "[n]" line to
 * the next entry; other lines join it with one space. Returns 0, -1 on
 * allocation failure, -2 with *err set on a format error. */
static int parse_endnotes(essay *e, const lines *ls, size_t from, size_t to, bool want_category,
                          essay_error *err)
{
    strbuf cur = {0};
    int cur_n = 0, cur_line = 0, rc = 0;
    size_t k = from;
    while (k < to && rc == 0) {
        if (blank(&ls->v[k])) {
            k++;
            continue;
        }
        size_t b = k;
        while (k < to && !blank(&ls->v[k])) k++;
        bool last_block = true;
        for (size_t j = k; j < to; j++)
            if (!blank(&ls->v[j])) last_block = false;
        if (last_block && want_category && looks_like_category(ls, b, k)) {
            line t = stripped(&ls->v[b]);
            if (!(e->category = xstrndup(t.s, t.len))) rc = -1;
            break;
        }
        for (size_t j = b; j < k && rc == 0; j++) {
            line t = stripped(&ls->v[j]);
            int n;
            size_t m = marker_at(t.s, t.len, 0, &n);
            if (m) {
                if (cur_n) rc = add_endnote(e, cur_n, &cur, cur_line, err);
                size_t rb, re;
                utf8_trim(t.s + m, t.len - m, &rb, &re);
                if (rc == 0 && sb_append(&cur, t.s + m + rb, re - rb) < 0) rc = -1;
                cur_n = n;
                cur_line = t.no;
            } else if (cur_n) {
                if (j == b && add_warning(e, "line %d: text in the endnotes section joined to endnote [%d]",
                                          t.no, cur_n) < 0)
                    rc = -1;
                else if (sb_putc(&cur, ' ') < 0 || sb_append(&cur, t.s, t.len) < 0)
                    rc = -1;
            } else {
                set_error(err, t.no, "expected an endnote entry \"[n] ...\" after the Endnotes heading");
                rc = -2;
            }
        }
    }
    if (rc == 0 && cur_n) rc = add_endnote(e, cur_n, &cur, cur_line, err);
    sb_free(&cur);
    return rc;
}

static size_t count_words(const char *s, size_t len)
{
    size_t words = 0, i = 0;
    bool in_word = false, has_alnum = false;
    while (i < len) {
        size_t m = marker_at(s, len, i, NULL);
        if (m) {
            i += m;
            continue;
        }
        uint32_t c = utf8_next(s, len, &i);
        if (uc_is_space(c)) {
            if (in_word && has_alnum) words++;
            in_word = has_alnum = false;
        } else {
            in_word = true;
            if (uc_is_alnum(c)) has_alnum = true;
        }
    }
    if (in_word && has_alnum) words++;
    return words;
}

static int analyse(essay *e)
{
    for (size_t p = 0; p < e->nparagraphs; p++) {
        essay_paragraph *para = &e->paragraphs[p];
        claim *cs;
        size_t n;
        if (sentences_split(para->text, para->len, para->kind == PARA_QUOTE, &cs, &n) < 0) return -1;
        if (grow_array(&e->claims, e->nclaims, n, sizeof *e->claims) < 0) {
            claims_free(cs, n);
            return -1;
        }
        for (size_t k = 0; k < n; k++) e->claims[e->nclaims + k] = (essay_claim){cs[k], p};
        e->nclaims += n;
        free(cs); /* the claims' contents moved into e->claims */
        e->word_count += count_words(para->text, para->len);
        for (size_t m = 0; m < para->nmarkers; m++)
            if (essay_find_endnote(e, para->markers[m].n) < 0 &&
                add_warning(e, "line %d: marker [%d] has no endnote", para->line, para->markers[m].n) < 0)
                return -1;
    }
    bool *cited = calloc(ESSAY_MAX_ENDNOTE + 1, sizeof *cited);
    if (!cited) return -1;
    for (size_t p = 0; p < e->nparagraphs; p++)
        for (size_t m = 0; m < e->paragraphs[p].nmarkers; m++) cited[e->paragraphs[p].markers[m].n] = true;
    for (size_t k = 0; k < e->nendnotes; k++) {
        essay_endnote *en = &e->endnotes[k];
        bool is_cited = cited[en->n];
        if (citation_parse(en->raw, strlen(en->raw), &en->cit) < 0) {
            free(cited);
            return -1;
        }
        if (!is_cited && add_warning(e, "line %d: endnote [%d] is not cited in the text", en->line, en->n) < 0) {
            free(cited);
            return -1;
        }
    }
    free(cited);
    return 0;
}

essay *essay_parse(const char *buf, size_t len, essay_error *err)
{
    if (err) {
        err->line = 0;
        err->text[0] = '\0';
    }
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    if (len == 0) {
        set_error(err, 1, "file is empty");
        return NULL;
    }
    if (check_bytes(buf, len, err) < 0) return NULL;
    lines ls = {0};
    essay *e = calloc(1, sizeof *e);
    if (!e || !(e->endnote_index = malloc((ESSAY_MAX_ENDNOTE + 1) * sizeof *e->endnote_index)) ||
        split_lines(buf, len, &ls) < 0)
        goto oom;
    for (int n = 0; n <= ESSAY_MAX_ENDNOTE; n++) e->endnote_index[n] = -1;

    size_t k = 0;
    while (k < ls.n && blank(&ls.v[k])) k++;
    if (k == ls.n) {
        set_error(err, 1, "file holds only white space");
        goto fail;
    }
    line title = stripped(&ls.v[k]);
    if (utf8_cp_count(title.s, title.len) > 300) {
        set_error(err, title.no, "title line is over 300 characters; the first line must be the title");
        goto fail;
    }
    if (is_endnotes_heading(&title) || marker_at(title.s, title.len, 0, NULL)) {
        set_error(err, title.no, "the first line must be the title");
        goto fail;
    }
    if (!(e->title = xstrndup(title.s, title.len))) goto oom;
    k++;

    /* Header lines, in any order, until the first body line. */
    int note_line = 0, slug_line = 0, cat_line = 0;
    for (; k < ls.n; k++) {
        line *l = &ls.v[k];
        if (blank(l)) continue;
        size_t vl;
        const char *v;
        int *seen = NULL;
        char **dst = NULL;
        const char *key = NULL;
        if ((v = header_value(l, "Note:", &vl))) seen = &note_line, dst = &e->note, key = "Note:";
        else if ((v = header_value(l, "Slug:", &vl))) seen = &slug_line, dst = &e->slug, key = "Slug:";
        else if ((v = header_value(l, "Category:", &vl))) seen = &cat_line, dst = &e->category, key = "Category:";
        else if ((v = header_value(l, "Author:", &vl))) key = "Author:";
        else break;
        if (vl == 0) {
            set_error(err, l->no, "empty %s line", key);
            goto fail;
        }
        if (seen && *seen) {
            set_error(err, l->no, "%s given twice (first at line %d)", key, *seen);
            goto fail;
        }
        if (seen == &slug_line && !slug_valid(v, vl)) {
            set_error(err, l->no, "Slug: must be lowercase a-z, 0-9 and single hyphens, not all digits");
            goto fail;
        }
        if (seen) {
            *seen = l->no;
            if (!(*dst = xstrndup(v, vl))) goto oom;
        } else {
            if (grow_array(&e->authors, e->nauthors, 1, sizeof *e->authors) < 0) goto oom;
            if (!(e->authors[e->nauthors] = xstrndup(v, vl))) goto oom;
            e->nauthors++;
        }
    }
    if (e->note && parse_note(e) < 0) goto oom;

    /* Body blocks up to the endnotes heading. */
    size_t body_end = ls.n, notes_at = ls.n;
    for (size_t j = k; j < ls.n; j++) {
        if (is_endnotes_heading(&ls.v[j]) && (j == 0 || blank(&ls.v[j - 1]))) {
            body_end = notes_at = j;
            break;
        }
    }
    size_t nblocks = 0, last_b = 0, last_e = 0; /* the last block may be the category */
    for (size_t j = k; j < body_end;) {
        if (blank(&ls.v[j])) {
            j++;
            continue;
        }
        size_t b = j;
        while (j < body_end && !blank(&ls.v[j])) j++;
        last_b = b, last_e = j;
        nblocks++;
    }
    bool want_category = e->category == NULL;
    bool category_last_body_block = want_category && notes_at == ls.n && nblocks >= 2 &&
                                    looks_like_category(&ls, last_b, last_e);
    for (size_t j = k; j < body_end;) {
        if (blank(&ls.v[j])) {
            j++;
            continue;
        }
        size_t b = j;
        while (j < body_end && !blank(&ls.v[j])) j++;
        if (category_last_body_block && b == last_b) {
            line t = stripped(&ls.v[b]);
            if (!(e->category = xstrndup(t.s, t.len))) goto oom;
            break;
        }
        if (add_paragraph(e, &ls, b, j) < 0) goto oom;
    }
    if (e->nparagraphs == 0) {
        int at = notes_at < ls.n ? ls.v[notes_at].no : ls.v[ls.n - 1].no;
        set_error(err, at, "no body paragraphs after the title");
        goto fail;
    }
    if (notes_at < ls.n) {
        int rc = parse_endnotes(e, &ls, notes_at + 1, ls.n, want_category, err);
        if (rc == -1) goto oom;
        if (rc == -2) goto fail;
    }
    if (analyse(e) < 0) goto oom;
    free(ls.v);
    return e;
oom:
    set_error(err, 0, "out of memory");
fail:
    free(ls.v);
    essay_free(e);
    return NULL;
}

long essay_find_endnote(const essay *e, int n)
{
    return n >= 1 && n <= ESSAY_MAX_ENDNOTE ? e->endnote_index[n] : -1;
}

void essay_free(essay *e)
{
    if (!e) return;
    free(e->title);
    free(e->slug);
    free(e->note);
    free(e->venue);
    free(e->published);
    free(e->category);
    for (size_t k = 0; k < e->nauthors; k++) free(e->authors[k]);
    free(e->authors);
    for (size_t k = 0; k < e->nparagraphs; k++) {
        free(e->paragraphs[k].text);
        free(e->paragraphs[k].markers);
    }
    free(e->paragraphs);
    for (size_t k = 0; k < e->nclaims; k++) {
        free(e->claims[k].c.text);
        free(e->claims[k].c.endnotes);
    }
    free(e->claims);
    for (size_t k = 0; k < e->nendnotes; k++) {
        free(e->endnotes[k].raw);
        citation_free(&e->endnotes[k].cit);
    }
    free(e->endnotes);
    for (size_t k = 0; k < e->nwarnings; k++) free(e->warnings[k]);
    free(e->warnings);
    free(e->endnote_index);
    free(e);
}

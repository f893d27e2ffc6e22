/*
 * citeformat.c — endnote objects → CSL-JSON items and biblatex entries.
 *
 * Both exports read the same fields the same way: strings() picks the
 * non-empty string fields, names_parse() splits an APA-style author list
 * into names and iso_date() checks a date's precision. Every jansson
 * value goes through put()/push(), which turn any failure (no memory,
 * invalid UTF-8) into a NULL result for the whole item.
 */
#include "citeformat.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- reading the endnote -------------------------------------------------- */

typedef struct {
    const char *s;
    size_t n;
} span;

/* The fields both exports use; s is NULL for a field that is left out. */
typedef struct {
    json_int_t id;
    span author, date, title, publisher, retrieved, url;
} fields;

/* The string value of endnote[key], or a NULL span when it is missing,
 * null, not a string or only white space. */
static span str_field(const json_t *endnote, const char *key)
{
    span r = {NULL, 0};
    json_t *v = json_object_get(endnote, key);
    size_t b, e;

    if (!json_is_string(v)) return r;
    r.s = json_string_value(v);
    r.n = json_string_length(v);
    utf8_trim(r.s, r.n, &b, &e);
    if (e <= b) {
        r.s = NULL;
        r.n = 0;
    }
    return r;
}

/* Fills *f from endnote; false if endnote is not an object with an integer
 * "id". */
static bool read_fields(const json_t *endnote, fields *f)
{
    json_t *id = json_object_get(endnote, "id");

    if (!json_is_object(endnote) || !json_is_integer(id)) return false;
    f->id = json_integer_value(id);
    f->author = str_field(endnote, "author");
    f->date = str_field(endnote, "date");
    f->title = str_field(endnote, "title");
    f->publisher = str_field(endnote, "publisher");
    f->retrieved = str_field(endnote, "retrieved");
    f->url = str_field(endnote, "url");
    return true;
}

static void entry_key(json_int_t id, char key[48])
{
    snprintf(key, 48, "essayd-endnote-%" JSON_INTEGER_FORMAT, id);
}

/* ---- dates ------------------------------------------------------------------ */

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Reads s[0..n) as YYYY, YYYY-MM or YYYY-MM-DD into parts; returns how
 * many parts it has (1 to 3), or 0 if it is none of those or names an
 * impossible day. */
static int iso_date(span d, int parts[3])
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *s = d.s;
    int np;

    if (!s) return 0;
    if (d.n == 4) np = 1;
    else if (d.n == 7 && s[4] == '-') np = 2;
    else if (d.n == 10 && s[4] == '-' && s[7] == '-') np = 3;
    else return 0;
    if ((parts[0] = digits(s, 4)) < 0) return 0;
    if (np >= 2 && ((parts[1] = digits(s + 5, 2)) < 1 || parts[1] > 12)) return 0;
    if (np == 3) {
        int y = parts[0];
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        parts[2] = digits(s + 8, 2);
        if (parts[2] < 1 || parts[2] > mdays[parts[1] - 1]) return 0;
        if (parts[1] == 2 && parts[2] == 29 && !leap) return 0;
    }
    return np;
}

/* ---- names ------------------------------------------------------------------ */

/* One name of an author list. A literal (corporate) name has only family
 * set, to the whole of it. */
typedef struct {
    bool literal;
    span family, given, suffix;
} name;

/* A piece of the author string between commas (and " & "). amp: the piece
 * followed an '&', so it must begin a new name. */
typedef struct {
    span t;
    bool amp;
} piece;

static span trim(const char *s, size_t n)
{
    size_t b, e;
    span r;
    utf8_trim(s, n, &b, &e);
    r.s = s + b;
    r.n = e - b;
    return r;
}

static bool span_is(span t, const char *w) { return t.n == strlen(w) && memcmp(t.s, w, t.n) == 0; }

static bool is_suffix(span t)
{
    static const char *const sfx[] = {"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"};
    for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
        if (span_is(t, sfx[i])) return true;
    return false;
}

/* Company forms that follow a comma but are no given name: "Reuters, Inc." */
static bool is_company_form(span t)
{
    static const char *const forms[] = {"Inc.", "Inc", "Ltd.", "Ltd", "LLC", "L.L.C.", "Co.", "Corp.", "PLC", "plc"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (span_is(t, forms[i])) return true;
    return false;
}

static bool has_digit(span t)
{
    for (size_t i = 0; i < t.n; i++)
        if (t.s[i] >= '0' && t.s[i] <= '9') return true;
    return false;
}

static bool plausible_family(span t)
{
    size_t i = 0;
    if (t.n == 0 || has_digit(t)) return false;
    while (i < t.n)
        if (uc_is_alnum(utf8_next(t.s, t.n, &i))) return true;
    return false;
}

/* A given name or initials: "P.", "J. A.", "J.-P.", "Mary". */
static bool plausible_given(span t)
{
    size_t i = 0;
    uint32_t c;
    if (t.n == 0 || has_digit(t) || is_company_form(t)) return false;
    c = utf8_next(t.s, t.n, &i);
    /* only ASCII case is certain: uc_is_lower is rough beyond Latin-1 */
    return uc_is_alnum(c) && !(c >= 'a' && c <= 'z');
}

/* Splits s[0..n) (trimmed, non-empty) into pieces at commas and at '&'.
 * Returns the number of pieces, or 0 if one is empty. */
static size_t split_pieces(const char *s, size_t n, piece *p)
{
    size_t np = 0, start = 0;
    bool amp = false;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ',' && s[i] != '&') continue;
        span t = trim(s + start, i - start);
        if (t.n == 0) {
            /* ", &" leaves an empty piece before the '&': allowed there. */
            if (!(i < n && s[i] == '&' && np > 0 && !amp && s[start - 1] == ',')) return 0;
        } else {
            p[np].t = t;
            p[np].amp = amp;
            np++;
        }
        amp = i < n && s[i] == '&';
        start = i + 1;
    }
    return np;
}

/* Reads pieces as "Family, Given[, Suffix]" names into out (room for np
 * names); returns how many, or 0 if they do not read that way. */
static size_t pair_names(const piece *p, size_t np, name *out)
{
    size_t k = 0, i = 0;

    while (i < np) {
        if (i + 1 >= np || p[i + 1].amp) return 0;
        if (!plausible_family(p[i].t) || !plausible_given(p[i + 1].t)) return 0;
        out[k].literal = false;
        out[k].family = p[i].t;
        out[k].given = p[i + 1].t;
        out[k].suffix.s = NULL;
        out[k].suffix.n = 0;
        i += 2;
        if (i < np && !p[i].amp && is_suffix(p[i].t)) out[k].suffix = p[i++].t;
        k++;
    }
    return k;
}

/* Splits the author string a into names. Sets *out to a malloc'd array
 * the caller frees (NULL when a.s is NULL) and returns the number of
 * names, or -1 on allocation failure. A string with no comma, that is not
 * valid UTF-8, or whose pieces do not pair up as personal names is one
 * literal name: nothing is guessed. */
static long names_parse(span a, name **out)
{
    piece *p;
    name *nm;
    size_t cap = 1, np, k = 0;

    *out = NULL;
    if (!a.s) return 0;
    a = trim(a.s, a.n);
    for (size_t i = 0; i < a.n; i++)
        if (a.s[i] == ',' || a.s[i] == '&') cap++;
    nm = malloc(cap * sizeof *nm);
    p = malloc(cap * sizeof *p);
    if (!nm || !p) {
        free(nm);
        free(p);
        return -1;
    }
    if (memchr(a.s, ',', a.n) && utf8_valid(a.s, a.n, NULL) && (np = split_pieces(a.s, a.n, p)) > 0)
        k = pair_names(p, np, nm);
    free(p);
    if (k == 0) {
        nm[0].literal = true;
        nm[0].family = a;
        nm[0].given.s = nm[0].suffix.s = NULL;
        nm[0].given.n = nm[0].suffix.n = 0;
        k = 1;
    }
    *out = nm;
    return (long)k;
}

/* ---- CSL-JSON --------------------------------------------------------------- */

/* Sets key on obj; false if v is NULL or setting failed. Steals v. */
static bool put(json_t *obj, const char *key, json_t *v)
{
    if (!v) return false;
    return json_object_set_new(obj, key, v) == 0;
}

/* Appends v to arr; false if v is NULL or appending failed. Steals v. */
static bool push(json_t *arr, json_t *v)
{
    if (!v) return false;
    return json_array_append_new(arr, v) == 0;
}

static bool put_str(json_t *obj, const char *key, span v) { return !v.s || put(obj, key, json_stringn(v.s, v.n)); }

static json_t *csl_name(const name *n)
{
    json_t *o = json_object();
    bool ok;

    if (!o) return NULL;
    if (n->literal) {
        ok = put_str(o, "literal", n->family);
    } else {
        ok = put_str(o, "family", n->family) && put_str(o, "given", n->given) && put_str(o, "suffix", n->suffix);
    }
    if (ok) return o;
    json_decref(o);
    return NULL;
}

static json_t *csl_names(const name *nm, long k)
{
    json_t *a = json_array();

    if (!a) return NULL;
    for (long i = 0; i < k; i++) {
        if (!push(a, csl_name(&nm[i]))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* {"date-parts": [[y, m, d]]} with the parts d has; put() leaves it out
 * when d is no ISO date (true) and fails on allocation failure (false). */
static bool put_date(json_t *obj, const char *key, span d)
{
    int parts[3];
    int np = iso_date(d, parts);
    json_t *inner, *outer, *o;

    if (np == 0) return true;
    if (!(inner = json_array())) return false;
    for (int i = 0; i < np; i++) {
        if (!push(inner, json_integer(parts[i]))) {
            json_decref(inner);
            return false;
        }
    }
    if (!(outer = json_array())) {
        json_decref(inner);
        return false;
    }
    if (!push(outer, inner)) {
        json_decref(outer);
        return false;
    }
    if (!(o = json_object())) {
        json_decref(outer);
        return false;
    }
    if (!put(o, "date-parts", outer)) {
        json_decref(o);
        return false;
    }
    return put(obj, key, o);
}

json_t *csl_from_endnote(const json_t *endnote)
{
    fields f;
    char key[48];
    json_t *item;
    name *nm = NULL;
    long k;
    bool ok;

    if (!read_fields(endnote, &f)) return NULL;
    if ((k = names_parse(f.author, &nm)) < 0) return NULL;
    entry_key(f.id, key);
    if (!(item = json_object())) {
        free(nm);
        return NULL;
    }
    ok = put(item, "id", json_string(key)) && put(item, "type", json_string(f.url.s ? "webpage" : "document")) &&
         put_str(item, "title", f.title) && (k == 0 || put(item, "author", csl_names(nm, k))) &&
         put_date(item, "issued", f.date) && put_date(item, "accessed", f.retrieved) &&
         put_str(item, "container-title", f.publisher) && put_str(item, "URL", f.url);
    free(nm);
    if (ok) return item;
    json_decref(item);
    return NULL;
}

/* ---- biblatex ----------------------------------------------------------------- */

/* Appends v with the BibTeX specials escaped. */
static int bib_escape(strbuf *sb, span v)
{
    size_t run = 0;

    for (size_t i = 0; i < v.n; i++) {
        const char *rep;
        switch (v.s[i]) {
        case '\\': rep = "\\textbackslash{}"; break;
        case '{': rep = "\\{"; break;
        case '}': rep = "\\}"; break;
        case '$': rep = "\\$"; break;
        case '&': rep = "\\&"; break;
        case '%': rep = "\\%"; break;
        case '#': rep = "\\#"; break;
        case '_': rep = "\\_"; break;
        case '^': rep = "\\textasciicircum{}"; break;
        case '~': rep = "\\textasciitilde{}"; break;
        default: continue;
        }
        if (sb_append(sb, v.s + run, i - run) < 0 || sb_puts(sb, rep) < 0) return -1;
        run = i + 1;
    }
    return sb_append(sb, v.s + run, v.n - run);
}

/* True if t has the word "and" between spaces, which BibTeX would read as
 * a name separator. */
static bool has_and(span t)
{
    for (size_t i = 0; i + 5 <= t.n; i++)
        if (t.s[i] == ' ' && strncasecmp(t.s + i + 1, "and", 3) == 0 && t.s[i + 4] == ' ') return true;
    return false;
}

/* One part of a personal name, braced when it holds a lone "and". */
static int bib_name_part(strbuf *sb, span t)
{
    bool brace = has_and(t);
    if (brace && sb_putc(sb, '{') < 0) return -1;
    if (bib_escape(sb, t) < 0) return -1;
    return brace ? sb_putc(sb, '}') : 0;
}

/* The author value: "Family, Given" / "Family, Suffix, Given" for persons,
 * "{Literal}" for the rest, joined with " and ". */
static int bib_names(strbuf *sb, const name *nm, long k)
{
    for (long i = 0; i < k; i++) {
        const name *n = &nm[i];
        if (i > 0 && sb_puts(sb, " and ") < 0) return -1;
        if (n->literal) {
            if (sb_putc(sb, '{') < 0 || bib_escape(sb, n->family) < 0 || sb_putc(sb, '}') < 0) return -1;
            continue;
        }
        if (bib_name_part(sb, n->family) < 0) return -1;
        if (n->suffix.s && (sb_puts(sb, ", ") < 0 || bib_name_part(sb, n->suffix) < 0)) return -1;
        if (sb_puts(sb, ", ") < 0 || bib_name_part(sb, n->given) < 0) return -1;
    }
    return 0;
}

/* "  key = {" */
static int bib_open(strbuf *sb, const char *key)
{
    return sb_puts(sb, "  ") < 0 || sb_puts(sb, key) < 0 || sb_puts(sb, " = {") < 0 ? -1 : 0;
}

static int bib_field(strbuf *sb, const char *key, span v)
{
    if (!v.s) return 0;
    if (bib_open(sb, key) < 0 || bib_escape(sb, v) < 0) return -1;
    return sb_puts(sb, "},\n");
}

static int bib_date(strbuf *sb, const char *key, span d)
{
    int parts[3];
    return iso_date(d, parts) ? bib_field(sb, key, d) : 0;
}

/* url is verbatim in biblatex: written as it is, or left out when it has
 * a brace that could unbalance the entry. */
static bool bib_url_ok(span u) { return u.s && !memchr(u.s, '{', u.n) && !memchr(u.s, '}', u.n); }

static int bib_url(strbuf *sb, span u)
{
    if (!bib_url_ok(u)) return 0;
    if (bib_open(sb, "url") < 0 || sb_append(sb, u.s, u.n) < 0) return -1;
    return sb_puts(sb, "},\n");
}

int bibtex_from_endnote(const json_t *endnote, strbuf *out)
{
    fields f;
    char key[48];
    strbuf sb = {0};
    name *nm = NULL;
    long k;
    int rc = -1;

    if (!read_fields(endnote, &f)) return -1;
    if ((k = names_parse(f.author, &nm)) < 0) return -1;
    entry_key(f.id, key);
    if (sb_puts(&sb, bib_url_ok(f.url) ? "@online{" : "@misc{") < 0 || sb_puts(&sb, key) < 0 || sb_puts(&sb, ",\n") < 0) goto done;
    if (k > 0 && (bib_open(&sb, "author") < 0 || bib_names(&sb, nm, k) < 0 || sb_puts(&sb, "},\n") < 0)) goto done;
    if (bib_field(&sb, "title", f.title) < 0 || bib_date(&sb, "date", f.date) < 0 ||
        bib_date(&sb, "urldate", f.retrieved) < 0 || bib_url(&sb, f.url) < 0 ||
        bib_field(&sb, "organization", f.publisher) < 0 || sb_puts(&sb, "}\n") < 0)
        goto done;
    rc = sb_append(out, sb.data, sb.len);
done:
    free(nm);
    sb_free(&sb);
    return rc;
}

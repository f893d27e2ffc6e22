/*
 * sentences.c — paragraph → sentences, and the claim flags.
 *
 * A sentence ends at a terminator (. ? ! … or "...") followed, after any
 * closing quotes or brackets and endnote markers, by white space and then
 * something that can start a sentence. The hard part is the full stop that
 * does not end anything: initialisms ("U.S.", "e.g."), initials
 * ("Powell, B."), and abbreviations ("Mr.", "vol."). Those are decided from
 * the word before the stop; an endnote marker after the stop overrides
 * that, because authors put markers only at the end of what they support.
 */
#include "sentences.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

size_t marker_at(const char *s, size_t len, size_t i, int *n)
{
    if (i >= len || s[i] != '[') return 0;
    size_t j = i + 1;
    int v = 0;
    while (j < len && s[j] >= '0' && s[j] <= '9' && j - i <= 4) v = v * 10 + (s[j++] - '0');
    size_t digits = j - i - 1;
    if (digits == 0 || digits > 4 || j >= len || s[j] != ']' || v == 0) return 0;
    if (n) *n = v;
    return j + 1 - i;
}

char *strip_markers(const char *s, size_t len)
{
    strbuf sb = {0};
    size_t i = 0, run = 0;
    while (i < len) {
        size_t m = marker_at(s, len, i, NULL);
        if (m) {
            if (sb_append(&sb, s + run, i - run) < 0) goto oom;
            i += m;
            run = i;
        } else {
            i++;
        }
    }
    if (sb_append(&sb, s + run, len - run) < 0) goto oom;
    size_t b, e;
    utf8_trim(sb.data, sb.len, &b, &e);
    char *out = xstrndup(sb.data + b, e - b);
    sb_free(&sb);
    return out;
oom:
    sb_free(&sb);
    return NULL;
}

static bool is_terminator(uint32_t c) { return c == '.' || c == '?' || c == '!' || c == 0x2026; }

static bool is_closer(uint32_t c)
{
    return c == '"' || c == '\'' || c == 0x201D || c == 0x2019 || c == ')' || c == 0xBB ||
           c == 0x203A;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
    while (i < len) {
        size_t j = i;
        if (!uc_is_space(utf8_next(s, len, &j))) break;
        i = j;
    }
    return i;
}

/* Abbreviations after which a full stop does not end a sentence. */
static bool is_abbreviation(const char *w, size_t n)
{
    static const char *const abbr[] = {
        "mr", "mrs", "ms", "messrs", "dr", "prof", "st", "sr", "jr", "gen", "gov", "sen",
        "rep", "col", "capt", "lt", "sgt", "rev", "hon", "pres", "mt", "ft", "no", "nos",
        "vol", "vols", "chap", "ch", "art", "sec", "p", "pp", "fig", "cf", "vs", "v",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "co", "al", "approx", "dept", "est", "ed", "eds", "esq", "viz", "ca", "op", "cit",
        "ibid", "id", "min", "max", "govt", "univ", "assn", "ave", "blvd"};
    for (size_t k = 0; k < sizeof abbr / sizeof abbr[0]; k++)
        if (strlen(abbr[k]) == n && strncasecmp(w, abbr[k], n) == 0) return true;
    return false;
}

/* Does the full stop at s[dot] end a sentence, judged by the word before
 * it? Initialisms (a letter, a dot, a letter...), single-letter initials
 * and known abbreviations do not. */
static bool full_stop_ends_sentence(const char *s, size_t from, size_t dot)
{
    size_t b = dot;
    bool inner_dot = false;
    while (b > from) {
        size_t st;
        uint32_t c = utf8_prev(s, b, &st);
        if (c == '.') {
            inner_dot = true;
        } else if (!uc_is_alnum(c)) {
            break;
        }
        b = st;
    }
    if (b == dot) return true; /* ")." or "”." — punctuation before the stop */
    if (inner_dot) {
        /* "U.S.", "e.g.", "a.m." — but not "2.5." or "end.." */
        size_t i = b;
        bool letters_only = true;
        while (i < dot) {
            uint32_t c = utf8_next(s, dot, &i);
            if (c != '.' && !(uc_is_upper(c) || uc_is_lower(c))) letters_only = false;
        }
        return !letters_only;
    }
    size_t n = utf8_cp_count(s + b, dot - b);
    if (n == 1) {
        size_t i = b;
        uint32_t c = utf8_next(s, dot, &i);
        if (uc_is_upper(c) || uc_is_lower(c)) return false; /* "Powell, B." */
    }
    return !is_abbreviation(s + b, dot - b);
}

/* Finds the end of the sentence starting at s[from]: the byte just past its
 * terminator, closing quotes and trailing markers. Returns len if the
 * sentence runs to the end of the paragraph. */
static size_t sentence_end(const char *s, size_t len, size_t from)
{
    size_t i = from;
    while (i < len) {
        size_t term = i;
        uint32_t c = utf8_next(s, len, &i);
        if (!is_terminator(c)) continue;
        bool ellipsis = c == 0x2026;
        size_t dots = c == '.';
        while (i < len) { /* "...", "?!", ".”" */
            size_t j = i;
            uint32_t d = utf8_next(s, len, &j);
            if (!is_terminator(d)) break;
            if (d == 0x2026) ellipsis = true;
            if (d == '.') dots++;
            i = j;
        }
        if (dots >= 3) ellipsis = true;
        while (i < len) {
            size_t j = i;
            if (!is_closer(utf8_next(s, len, &j))) break;
            i = j;
        }
        size_t end = i;
        bool marked = false;
        for (;;) {
            size_t m = marker_at(s, len, end, NULL);
            if (m) {
                end += m;
                marked = true;
                continue;
            }
            size_t w = skip_space(s, len, end);
            if (w > end && (m = marker_at(s, len, w, NULL)) != 0) {
                end = w + m;
                marked = true;
                continue;
            }
            break;
        }
        size_t next = skip_space(s, len, end);
        if (next >= len) return len;
        size_t j = next;
        uint32_t nc = utf8_next(s, len, &j);
        if (next == end) {
            /* No space: only "Peninsula…He" (an elision before a new
             * sentence) counts; "U.S.-China" and "3.5" do not. */
            if ((ellipsis || c != '.') && !marked && uc_is_upper(nc) && end == i) return end;
            i = end;
            continue;
        }
        i = end;
        if (uc_is_lower(nc)) continue;
        if (marked) return end;
        if (c == '.' && !ellipsis && dots == 1 && !full_stop_ends_sentence(s, from, term)) continue;
        return end;
    }
    return len;
}

/* Code point and UTF-16 positions, advanced monotonically through the
 * paragraph so that offsets cost O(length) in all. */
typedef struct {
    const char *s;
    size_t byte, cp, u16;
} position;

static void advance_to(position *p, size_t byte)
{
    p->cp += utf8_cp_count(p->s + p->byte, byte - p->byte);
    p->u16 += utf8_utf16_count(p->s + p->byte, byte - p->byte);
    p->byte = byte;
}

static int collect_markers(const char *s, size_t b, size_t e, claim *c)
{
    size_t count = 0;
    for (size_t i = b; i < e; i++)
        if (marker_at(s, e, i, NULL)) count++;
    if (!count) return 0;
    c->endnotes = malloc(count * sizeof *c->endnotes);
    if (!c->endnotes) return -1;
    for (size_t i = b; i < e;) {
        int n;
        size_t m = marker_at(s, e, i, &n);
        if (m) {
            c->endnotes[c->nendnotes++] = n;
            i += m;
        } else {
            i++;
        }
    }
    return 0;
}

int sentences_split(const char *para, size_t len, bool in_quote_paragraph, claim **out, size_t *n)
{
    claim *v = NULL;
    size_t count = 0, cap = 0;
    position pos = {para, 0, 0, 0};
    size_t i = skip_space(para, len, 0);
    while (i < len) {
        size_t e = sentence_end(para, len, i);
        /* Trailing white space before the end belongs to no claim. */
        size_t tb, te;
        utf8_trim(para + i, e - i, &tb, &te);
        e = i + te;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            claim *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) goto oom;
            v = nv;
            cap = ncap;
        }
        claim *c = &v[count];
        memset(c, 0, sizeof *c);
        count++;
        c->byte_start = i;
        c->byte_end = e;
        advance_to(&pos, i);
        c->start = pos.cp;
        c->start_utf16 = pos.u16;
        advance_to(&pos, e);
        c->end = pos.cp;
        c->end_utf16 = pos.u16;
        if (!(c->text = strip_markers(para + i, e - i))) goto oom;
        if (collect_markers(para, i, e, c) < 0) goto oom;
        c->quote = in_quote_paragraph || text_has_quotation(c->text);
        c->statistic = text_is_statistic(c->text);
        c->normative = text_is_normative(c->text);
        i = skip_space(para, len, e);
    }
    *out = v;
    *n = count;
    return 0;
oom:
    claims_free(v, count);
    return -1;
}

void claims_free(claim *claims, size_t n)
{
    if (!claims) return;
    for (size_t k = 0; k < n; k++) {
        free(claims[k].text);
        free(claims[k].endnotes);
    }
    free(claims);
}

/* ---- Flags -------------------------------------------------------------
 * The flags read a claim as a sequence of tokens: lower-cased ASCII words,
 * numbers (with their digits' shape), and single symbols. */

typedef enum { TOK_WORD, TOK_NUMBER, TOK_SYMBOL } tok_kind;

typedef struct {
    tok_kind kind;
    char word[24];     /* lower-cased; truncated for very long words */
    size_t digits;     /* numbers: count of digits */
    bool plain;        /* numbers: digits only, no ',' or '.' */
    bool glued_before; /* touches the previous token with no space */
    bool glued_after;
    uint32_t symbol;
} token;

typedef struct {
    token *t;
    size_t n;
} tokens;

static int tokenize(const char *s, tokens *out)
{
    size_t len = strlen(s), cap = 0, i = 0;
    out->t = NULL;
    out->n = 0;
    bool space_before = true;
    while (i < len) {
        size_t b = i;
        uint32_t c = utf8_next(s, len, &i);
        if (uc_is_space(c)) {
            space_before = true;
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 32;
            token *nt = realloc(out->t, cap * sizeof *nt);
            if (!nt) {
                free(out->t);
                out->t = NULL;
                return -1;
            }
            out->t = nt;
        }
        token *t = &out->t[out->n];
        memset(t, 0, sizeof *t);
        t->glued_before = !space_before && out->n > 0;
        if (out->n > 0 && t->glued_before) out->t[out->n - 1].glued_after = true;
        space_before = false;
        if (c >= '0' && c <= '9') {
            t->kind = TOK_NUMBER;
            t->plain = true;
            i = b;
            while (i < len) {
                if (s[i] >= '0' && s[i] <= '9') {
                    t->digits++;
                    i++;
                } else if ((s[i] == ',' || s[i] == '.') && i + 1 < len && s[i + 1] >= '0' &&
                           s[i + 1] <= '9') {
                    t->plain = false;
                    i++;
                } else {
                    break;
                }
            }
        } else if (uc_is_upper(c) || uc_is_lower(c) || (c >= 0x80 && uc_is_alnum(c))) {
            t->kind = TOK_WORD;
            size_t w = 0;
            i = b;
            while (i < len) {
                size_t j = i;
                uint32_t d = utf8_next(s, len, &j);
                if (!(uc_is_upper(d) || uc_is_lower(d) || (d >= 0x80 && uc_is_alnum(d) && !uc_is_space(d))))
                    break;
                if (w + 1 < sizeof t->word) t->word[w++] = d < 0x80 ? (char)tolower((int)d) : '?';
                i = j;
            }
        } else {
            t->kind = TOK_SYMBOL;
            t->symbol = c;
        }
        out->n++;
    }
    return 0;
}

static bool word_is(const token *t, const char *w) { return t->kind == TOK_WORD && strcmp(t->word, w) == 0; }

static bool word_in(const token *t, const char *const *list)
{
    if (t->kind != TOK_WORD) return false;
    /* Every word of every sentence goes through here: the first byte
     * settles almost all comparisons without a call. */
    for (; *list; list++)
        if ((*list)[0] == t->word[0] && strcmp(t->word, *list) == 0) return true;
    return false;
}

static const char *const SCALE[] = {"hundred", "hundreds", "thousand", "thousands", "million",
                                    "millions", "billion", "billions", "trillion", "trillions",
                                    NULL};
static const char *const BIG_SCALE[] = {"million", "millions", "billion", "billions",
                                        "trillion", "trillions", "thousands", "hundreds", NULL};
static const char *const NUMBER_WORDS[] = {
    "one",     "two",       "three",    "four",     "five",    "six",      "seven",   "eight",
    "nine",    "ten",       "eleven",   "twelve",   "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen", "twenty",  "thirty",  "forty",    "fifty",   "sixty",
    "seventy", "eighty",    "ninety",   "a",        "half",    "dozen",    "several", NULL};
static const char *const FRACTIONS[] = {"third", "thirds", "quarter", "quarters", "fifth",
                                        "fifths", "tenth", "tenths", "half", NULL};
static const char *const MONTHS[] = {"january", "february", "march", "april", "may", "june",
                                     "july", "august", "september", "october", "november",
                                     "december", "jan", "feb", "mar", "apr", "jun", "jul",
                                     "aug", "sep", "sept", "oct", "nov", "dec", NULL};
static const char *const LABELS[] = {"article", "chapter", "section", "no", "number", "vol",
                                     "volume", "page", "p", "pp", "paragraph", "clause",
                                     "amendment", "title", "federalist", "part", "book",
                                     "figure", "table", "chap", "art", "sec", "fig", "item",
                                     "resolution", "law", "act", "phase", "level", "stage", NULL};

static bool is_percent_after(const tokens *tk, size_t k)
{
    if (k + 1 >= tk->n) return false;
    const token *n = &tk->t[k + 1];
    if (n->kind == TOK_SYMBOL && n->symbol == '%') return true;
    if (word_is(n, "percent") || word_is(n, "percentage") || word_is(n, "pct")) return true;
    return word_is(n, "per") && k + 2 < tk->n && word_is(&tk->t[k + 2], "cent");
}

static bool number_is_statistic(const tokens *tk, size_t k)
{
    const token *t = &tk->t[k];
    const token *prev = k > 0 ? &tk->t[k - 1] : NULL;
    const token *next = k + 1 < tk->n ? &tk->t[k + 1] : NULL;
    if (prev && prev->kind == TOK_SYMBOL && t->glued_before &&
        (prev->symbol == '$' || prev->symbol == 0xA3 || prev->symbol == 0x20AC || prev->symbol == 0xA5))
        return true;
    if (is_percent_after(tk, k)) return true;
    if (next && word_in(next, SCALE)) return true;
    /* Names and codes with numbers: "F-35", "G7", "COVID-19", "1st". */
    if (next && t->glued_after && next->kind == TOK_WORD) return false;
    if (prev && t->glued_before && (prev->kind == TOK_WORD ||
                                    (prev->kind == TOK_SYMBOL && prev->symbol == '-' && k >= 2 &&
                                     tk->t[k - 2].kind == TOK_WORD && prev->glued_before)))
        return false;
    if (t->plain && t->digits == 4) return false; /* a year */
    if ((prev && word_in(prev, MONTHS)) || (next && word_in(next, MONTHS))) return false;
    /* "No. 10", "Art. 5": look past the abbreviation's full stop. */
    const token *label = prev;
    if (label && label->kind == TOK_SYMBOL && label->symbol == '.' && k >= 2) label = &tk->t[k - 2];
    if (label && word_in(label, LABELS)) return false;
    return true;
}

/* Words after which a number word refers to known things rather than
 * counting them: "the two major powers", "the first two World Wars". */
static const char *const REFERRING[] = {"the", "these", "those", "both", "its", "their", "his", "her", "our",
                                        "your", "my", "first", "last", "next", "other", "same", NULL};
/* Words that cannot be the counted noun after a number word. */
static const char *const NOT_NOUNS[] = {"and", "or", "to", "of", "by", "in", "on", "at", "for", "with", "from",
                                        "than", "is", "are", "was", "were", "who", "which", "that", "cannot",
                                        "can", "will", "would", "should", "must", "may", "might", "another",
                                        "way", "side", NULL};

/* "Twelve soldiers", "three states": a number word (two and up) counting
 * the noun that follows it. */
static bool number_word_counts(const tokens *tk, size_t k)
{
    const token *t = &tk->t[k];
    if (!word_in(t, NUMBER_WORDS) || word_is(t, "one") || word_is(t, "a") || word_is(t, "half") ||
        word_is(t, "several") || word_is(t, "dozen"))
        return false;
    if (t->glued_after || k + 1 >= tk->n) return false; /* "Six-Party", "twenty-five" */
    const token *next = &tk->t[k + 1];
    if (next->kind != TOK_WORD || word_in(next, NOT_NOUNS) || word_in(next, NUMBER_WORDS)) return false;
    if (k > 0 && (word_in(&tk->t[k - 1], REFERRING) || tk->t[k - 1].glued_after)) return false;
    return true;
}

bool text_is_statistic(const char *text)
{
    tokens tk;
    if (tokenize(text, &tk) < 0) return false;
    bool found = false;
    for (size_t k = 0; k < tk.n && !found; k++) {
        const token *t = &tk.t[k];
        const token *next = k + 1 < tk.n ? &tk.t[k + 1] : NULL;
        if (t->kind == TOK_NUMBER) {
            found = number_is_statistic(&tk, k);
        } else if (word_in(t, BIG_SCALE)) {
            found = true; /* "millions of", "a million" */
        } else if (word_is(t, "half") && next && word_is(next, "of")) {
            found = true;
        } else if (word_in(t, NUMBER_WORDS) && next) {
            /* "ninety percent", "two hundred", "a third of", "two-thirds" */
            size_t k2 = k + 1;
            if (next->kind == TOK_SYMBOL && next->symbol == '-' && k + 2 < tk.n) k2 = k + 2;
            const token *n2 = &tk.t[k2];
            if (!word_is(t, "a") && !word_is(t, "half") && !word_is(t, "several") && is_percent_after(&tk, k))
                found = true;
            else if (word_in(n2, SCALE) && !word_is(t, "half"))
                found = true;
            else if (word_in(n2, FRACTIONS) && !word_is(n2, "half") && !word_is(t, "several") &&
                     !word_is(t, "half") && !word_is(t, "dozen"))
                found = true;
        }
        if (!found && number_word_counts(&tk, k)) found = true;
    }
    free(tk.t);
    return found;
}

bool text_is_normative(const char *text)
{
    tokens tk;
    if (tokenize(text, &tk) < 0) return false;
    bool found = false;
    for (size_t k = 0; k < tk.n && !found; k++) {
        const token *t = &tk.t[k];
        const token *next = k + 1 < tk.n ? &tk.t[k + 1] : NULL;
        if (word_is(t, "must") || word_is(t, "should") || word_is(t, "mustn") || word_is(t, "shouldn")) {
            found = true;
        } else if (next && word_is(next, "to") &&
                   (word_is(t, "ought") || word_is(t, "need") || word_is(t, "needs") ||
                    word_is(t, "has") || word_is(t, "have"))) {
            found = true;
        } else if (word_is(t, "essential") && next && word_is(next, "that") && k >= 2 &&
                   word_is(&tk.t[k - 1], "is") && word_is(&tk.t[k - 2], "it")) {
            found = true;
        }
    }
    free(tk.t);
    return found;
}

static size_t count_words(const char *s, size_t b, size_t e)
{
    size_t words = 0;
    bool in_word = false;
    for (size_t i = b; i < e;) {
        uint32_t c = utf8_next(s, e, &i);
        bool w = uc_is_alnum(c) || c == '\'' || c == 0x2019 || c == '-';
        if (w && !in_word) words++;
        in_word = w;
    }
    return words;
}

/* A quotation of three words or more counts; one or two words in quotes
 * are scare quotes ("direct contact"). Apostrophes (Trump’s) are not
 * quote marks: a single quote opens only after a space or at the start,
 * and closes only when no letter follows it. */
bool text_has_quotation(const char *text)
{
    size_t len = strlen(text), i = 0;
    uint32_t prev = ' ';
    while (i < len) {
        size_t at = i;
        uint32_t c = utf8_next(text, len, &i);
        bool opens_double = c == 0x201C || c == 0xAB || (c == '"' && (uc_is_space(prev) || prev == '(' || prev == 0x2014 || at == 0));
        bool opens_single = (c == 0x2018 || c == '\'') && (uc_is_space(prev) || prev == '(' || at == 0);
        bool closes_double = c == 0x201D || c == '"' || c == 0xBB;
        if (opens_double || opens_single) {
            size_t b = i, e = len;
            while (i < len) {
                size_t q = i;
                uint32_t d = utf8_next(text, len, &i);
                if (opens_double && (d == 0x201D || d == '"' || d == 0xBB)) {
                    e = q;
                    break;
                }
                if (opens_single && (d == 0x2019 || d == '\'')) {
                    size_t j = i;
                    uint32_t after = i < len ? utf8_next(text, len, &j) : ' ';
                    if (!uc_is_alnum(after)) {
                        e = q;
                        break;
                    }
                }
            }
            if (count_words(text, b, e) >= 3) return true;
            prev = c;
            continue;
        }
        if (closes_double && count_words(text, 0, at) >= 3) {
            /* The end of a quotation opened in an earlier sentence. */
            return true;
        }
        prev = c;
    }
    return false;
}

/* search_query.c — the search box language → an FTS5 expression. */
#include "search_query.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

typedef struct {
    const char *s; /* the term's text (a word or the inside of a phrase) */
    size_t len;
    bool negated, prefix, or_before;
} term;

static int put_string(strbuf *out, const term *t)
{
    if (sb_putc(out, '"') < 0) return -1;
    for (size_t i = 0; i < t->len; i++) {
        if (t->s[i] == '"' && sb_putc(out, '"') < 0) return -1;
        if (sb_putc(out, t->s[i]) < 0) return -1;
    }
    return sb_putc(out, '"');
}

/* Appends the term as an FTS5 string: "..." with quotes doubled.
 *
 * The index holds porter stems, and FTS5 does not stem a prefix:
 * "negotiati*" would look for stems beginning "negotiati" while the index
 * holds "negoti". A prefix term therefore also matches as a word (which
 * FTS5 stems) and, from five characters on, as the prefix shortened by
 * four (to no less than four), which covers the endings porter removes
 * ("capabilit" → "capab"*, stem "capabl"): ("negotiati"* OR "negotiati"
 * OR "negot"*). This can match a little more than typed, never less. */
static int put_term(strbuf *out, const term *t)
{
    if (!t->prefix) return put_string(out, t);
    if (sb_putc(out, '(') < 0 || put_string(out, t) < 0 || sb_puts(out, "* OR ") < 0 || put_string(out, t) < 0)
        return -1;
    size_t cps = utf8_cp_count(t->s, t->len);
    if (cps >= 5) {
        size_t keep = cps - 4 < 4 ? 4 : cps - 4, i = 0;
        /* i < len as well: on bytes that are not UTF-8, utf8_cp_count and
         * utf8_next can disagree on where characters end. */
        for (size_t k = 0; k < keep && i < t->len; k++) utf8_next(t->s, t->len, &i);
        term shorter = *t;
        shorter.len = i;
        if (sb_puts(out, " OR ") < 0 || put_string(out, &shorter) < 0 || sb_putc(out, '*') < 0) return -1;
    }
    return sb_putc(out, ')');
}

/* Does s[0..len) hold anything the tokenizer would index? */
static bool has_word(const char *s, size_t len)
{
    for (size_t i = 0; i < len;)
        if (uc_is_alnum(utf8_next(s, len, &i))) return true;
    return false;
}

char *search_query_compile(const char *q, char *err, size_t errlen)
{
    size_t len = strlen(q);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)q[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            snprintf(err, errlen, "contains control characters");
            return NULL;
        }
    }
    term terms[SEARCH_MAX_TERMS];
    size_t n = 0;
    bool pending_or = false;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        uint32_t c = utf8_next(q, len, &j);
        if (uc_is_space(c)) {
            i = j;
            continue;
        }
        term t = {0};
        if (q[i] == '-' && i + 1 < len && !uc_is_space((unsigned char)q[i + 1])) {
            t.negated = true;
            i++;
        }
        if (q[i] == '"') { /* a phrase; an unclosed one runs to the end */
            const char *close = memchr(q + i + 1, '"', len - i - 1);
            t.s = q + i + 1;
            t.len = close ? (size_t)(close - t.s) : len - i - 1;
            i = close ? (size_t)(close - q) + 1 : len;
        } else {
            size_t b = i;
            while (i < len) {
                size_t k = i;
                if (uc_is_space(utf8_next(q, len, &k)) || q[i] == '"') break;
                i = k;
            }
            t.s = q + b;
            t.len = i - b;
            if (!t.negated && t.len == 2 && memcmp(t.s, "OR", 2) == 0) {
                pending_or = n > 0;
                continue;
            }
            while (t.len > 0 && t.s[t.len - 1] == '*') {
                t.prefix = true;
                t.len--;
            }
        }
        if (!has_word(t.s, t.len)) continue; /* "*", "&&", "--": nothing to find */
        if (n == SEARCH_MAX_TERMS) {
            snprintf(err, errlen, "has more than %d terms", SEARCH_MAX_TERMS);
            return NULL;
        }
        t.or_before = pending_or && !t.negated && n > 0 && !terms[n - 1].negated;
        pending_or = false;
        terms[n++] = t;
    }
    size_t positives = 0;
    for (size_t k = 0; k < n; k++) positives += !terms[k].negated;
    if (positives == 0) {
        snprintf(err, errlen, n ? "excludes words but has none to find" : "has no words to search for");
        return NULL;
    }
    /* (A) AND (B OR C) ... NOT (X OR Y), fully parenthesised so that FTS5's
     * operator precedence never matters. */
    strbuf out = {0};
    bool first = true;
    int rc = sb_putc(&out, '(');
    for (size_t k = 0; k < n && rc == 0; k++) {
        if (terms[k].negated) continue;
        if (!first) rc = sb_puts(&out, terms[k].or_before ? " OR " : ") AND (");
        if (rc == 0) rc = put_term(&out, &terms[k]);
        first = false;
    }
    if (rc == 0) rc = sb_putc(&out, ')');
    /* Several plain words: the same words as a phrase are also asked for,
     * which adds to the bm25 score of rows that have them together, so a
     * phrase outranks the words scattered (the rows matched stay the same). */
    size_t plain = 0;
    bool any_or = false;
    for (size_t k = 0; k < n; k++) {
        if (!terms[k].negated && !terms[k].prefix) plain++;
        any_or = any_or || terms[k].or_before;
    }
    if (rc == 0 && plain == positives && positives >= 2 && !any_or) {
        strbuf words = {0};
        for (size_t k = 0; k < n && rc == 0; k++) {
            if (terms[k].negated) continue;
            if (words.len) rc = sb_putc(&words, ' ');
            if (rc == 0) rc = sb_append(&words, terms[k].s, terms[k].len);
        }
        term phrase = {.s = words.data ? words.data : "", .len = words.len};
        char *inner = rc == 0 ? sb_take(&out) : NULL;
        if (!inner) rc = -1;
        if (rc == 0) rc = sb_puts(&out, "((");
        if (rc == 0) rc = sb_puts(&out, inner);
        if (rc == 0) rc = sb_puts(&out, ") OR ");
        if (rc == 0) rc = put_string(&out, &phrase);
        if (rc == 0) rc = sb_putc(&out, ')');
        free(inner);
        sb_free(&words);
    }
    if (positives < n && rc == 0) {
        rc = sb_puts(&out, " NOT (");
        first = true;
        for (size_t k = 0; k < n && rc == 0; k++) {
            if (!terms[k].negated) continue;
            if (!first) rc = sb_puts(&out, " OR ");
            if (rc == 0) rc = put_term(&out, &terms[k]);
            first = false;
        }
        if (rc == 0) rc = sb_putc(&out, ')');
    }
    if (rc < 0) {
        sb_free(&out);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* "(A) AND (B)" — the outer parentheses are balanced by construction. */
    char *expr = sb_take(&out);
    if (!expr) snprintf(err, errlen, "out of memory");
    return expr;
}

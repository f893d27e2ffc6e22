/*
 * fuzz_sentences.c — libFuzzer target for the sentence splitter alone.
 *
 * The input is one paragraph's text, as essay_parse would hand it to
 * sentences_split: valid UTF-8 (other inputs are skipped: the parser never
 * passes them), trimmed here first. fuzz_essay reaches the splitter only
 * through a whole essay; here every mutation lands on the text itself, so
 * abbreviations, quotation marks, decimals, markers and odd white space
 * get the fuzzer's full attention.
 *
 * Checked for each input, split once as a plain paragraph and once as a
 * block quote: the claims tile the paragraph (essay_checks.h,
 * check_claims); both splits have the same ranges, texts and endnotes, and
 * differ only in that every claim of the block quote is a quote; and
 * strip_markers of the whole paragraph holds the same words as the claims'
 * texts joined (markers never swallow or invent text).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sentences.h"
#include "text.h"

#include "essay_checks.h"
#include "fuzz_support.h" /* CHECK, LLVMFuzzerTestOneInput */

static void check_split(const char *para, size_t len, bool in_quote, claim **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    CHECK(sentences_split(para, len, in_quote, out, n) == 0);
    if (len == 0) CHECK(*n == 0);
    size_t nmarks;
    mark *marks = find_marks(para, len, &nmarks);
    check_claims(para, len, in_quote, (const char *)*out, sizeof **out, *n, marks, nmarks);
    free(marks);
}

/* The non-space characters of s, in order, into a malloc'd string. */
static char *non_space(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1), *o = out;
    CHECK(out != NULL);
    for (size_t i = 0; i < len;) {
        size_t b = i;
        if (uc_is_space(utf8_next(s, len, &i))) continue;
        memcpy(o, s + b, i - b);
        o += i - b;
    }
    *o = '\0';
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    /* The parser's paragraphs are valid UTF-8 without NUL (essay_parse
     * rejects NUL), one line. */
    if (!utf8_valid(buf, size, NULL) || memchr(buf, '\0', size)) return 0;
    size_t tb, te;
    utf8_trim(buf, size, &tb, &te);
    size_t len = te - tb;
    char *para = malloc(len + 1);
    CHECK(para != NULL);
    if (len) memcpy(para, buf + tb, len);
    para[len] = '\0';

    claim *plain, *quoted;
    size_t np, nq;
    check_split(para, len, false, &plain, &np);
    check_split(para, len, true, &quoted, &nq);
    CHECK(np == nq);
    for (size_t k = 0; k < np; k++) {
        const claim *a = &plain[k], *b = &quoted[k];
        CHECK(a->byte_start == b->byte_start && a->byte_end == b->byte_end);
        CHECK(strcmp(a->text, b->text) == 0);
        CHECK(a->nendnotes == b->nendnotes);
        if (a->nendnotes) CHECK(memcmp(a->endnotes, b->endnotes, a->nendnotes * sizeof *a->endnotes) == 0);
        CHECK(b->quote);
        CHECK(a->statistic == b->statistic && a->normative == b->normative);
    }

    /* The claims' texts, joined, are the paragraph without its markers
     * (white space aside): strip_markers per claim equals strip_markers
     * of the whole. */
    char *whole = strip_markers(para, len);
    CHECK(whole != NULL);
    char *want = non_space(whole);
    size_t total = 0;
    for (size_t k = 0; k < np; k++) total += strlen(plain[k].text);
    char *joined = malloc(total + 1), *j = joined;
    CHECK(joined != NULL);
    for (size_t k = 0; k < np; k++) {
        size_t n = strlen(plain[k].text);
        memcpy(j, plain[k].text, n);
        j += n;
    }
    *j = '\0';
    char *got = non_space(joined);
    CHECK(strcmp(want, got) == 0);

    free(got);
    free(joined);
    free(want);
    free(whole);
    claims_free(plain, np);
    claims_free(quoted, nq);
    free(para);
    return 0;
}

/*
 * test_essay.c — essay text → essay tree (essay.h).
 *
 * Usage: build/test_essay [SEED_FILE [FEDERALIST_DIR]]
 * Defaults (run from the repo root): the seed essay in db/corpus and
 * tests/fixtures/federalist (skipped when missing).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "essay.h"
#include "harness.h"
#include "sentences.h"
#include "support.h"
#include "text.h"

#define SEED_PATH                                                              \
    "db/corpus/assessing-us-china-diplomatic-solution-to-north-korea.txt"
#define FEDERALIST_DIR "tests/fixtures/federalist"

/* ---- helpers --------------------------------------------------------------
 */

static int contains_any_ci(const char *hay, const char *const *needles)
{
    size_t i;

    for (i = 0; needles[i]; i++)
        if (contains_ci(hay, needles[i], strlen(needles[i])))
            return 1;
    return 0;
}

/* A tiny growable string for building inputs (independent of strbuf). */
typedef struct {
    char *p;
    size_t n, cap;
} buf_t;

static void buf_add(buf_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *np;
        while (cap < b->n + n + 1)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void buf_puts(buf_t *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Rewrites s line by line: each "\n" becomes eol, each line gets suffix
 * appended, and each blank line is repeated extra_blank more times. */
static char *rewrite(const char *s, const char *eol, const char *suffix,
                     int extra_blank, size_t *len)
{
    buf_t b = {0};
    const char *p = s;

    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        int k;
        buf_add(&b, p, n);
        buf_puts(&b, suffix);
        if (!nl)
            break;
        buf_puts(&b, eol);
        if (n == 0)
            for (k = 0; k < extra_blank; k++) {
                buf_puts(&b, suffix);
                buf_puts(&b, eol);
            }
        p = nl + 1;
    }
    if (!b.p)
        buf_add(&b, "", 0);
    *len = b.n;
    return b.p;
}

static essay *parse_str(const char *s, essay_error *err)
{
    memset(err, 0, sizeof *err);
    return essay_parse(s, strlen(s), err);
}

/* ---- invariants of a parsed essay ---------------------------------------- */

/* The markers of paragraph para seen so far, claim by claim. */
struct para_markers {
    const essay_paragraph *para;
    size_t nm;
};

/* test_essay's own checks on claim k of a paragraph (check_claims does the
 * rest): in a quote paragraph it is a quote; its endnotes are the markers of
 * its range, and those are the paragraph's markers, in order. */
static void essay_claim_checks(void *ctx, const char *label, const char *t,
                               size_t k, const claim *c)
{
    struct para_markers *pm = ctx;
    const essay_paragraph *para = pm->para;
    size_t be = c->byte_end, i, ci = 0;

    if (para->kind == PARA_QUOTE)
        OK(c->quote,
           HMSG("%s: claim %zu in a quote paragraph is a quote", label, k));
    for (i = c->byte_start; i < be;) {
        int num = 0;
        size_t m = marker_at(t, be, i, &num);
        if (!m) {
            i++;
            continue;
        }
        OK(ci < c->nendnotes && c->endnotes[ci] == num,
           HMSG("%s: claim %zu lists marker [%d]", label, k, num));
        OK(pm->nm < para->nmarkers && para->markers[pm->nm].n == num &&
               para->markers[pm->nm].byte_start == i,
           HMSG("%s: marker %zu is [%d] at byte %zu", label, pm->nm, num, i));
        ci++;
        pm->nm++;
        i += m;
    }
    INT_EQ(c->nendnotes, ci,
           HMSG("%s: claim %zu has as many endnotes as markers", label, k));
}

/* Checks the claims e->claims[first..last) of paragraph p, then the
 * paragraph's markers. */
static void check_claims_of(const char *label, const essay *e, size_t p,
                            size_t first, size_t last)
{
    const essay_paragraph *para = &e->paragraphs[p];
    const char *t = para->text;
    const claim **cl = claim_ptrs(last - first);
    struct para_markers pm = {para, 0};
    size_t len = para->len, k, mi;
    char plabel[512];
    int ok;

    snprintf(plabel, sizeof plabel, "%s: paragraph %zu", label, p);
    for (k = first; k < last; k++)
        cl[k - first] = &e->claims[k].c;
    ok = check_claims(plabel, t, len, cl, last - first, essay_claim_checks,
                      &pm);
    free(cl);
    if (!ok)
        return;
    INT_EQ(para->nmarkers, pm.nm,
           HMSG("%s: markers all inside claims", plabel));

    for (mi = 0; mi < para->nmarkers; mi++) {
        const essay_marker *m = &para->markers[mi];
        int num = 0;
        if (!OK(m->byte_end <= len && m->byte_start < m->byte_end,
                HMSG("%s: marker %zu range", plabel, mi)))
            continue;
        INT_EQ(marker_at(t, len, m->byte_start, &num),
               m->byte_end - m->byte_start,
               HMSG("%s: marker %zu is a marker", plabel, mi));
        INT_EQ(num, m->n, HMSG("%s: marker %zu number", plabel, mi));
        check_offsets(plabel, "marker", mi, t, m->byte_start, m->byte_end,
                      m->start, m->end, m->start_utf16, m->end_utf16);
    }
}

static void check_invariants(const char *label, const essay *e)
{
    size_t p, k = 0, i, j;

    OK(e->title && e->title[0], HMSG("%s: has a title", label));
    if (e->title)
        OK(utf8_valid(e->title, strlen(e->title), NULL) &&
               !strchr(e->title, '\r') && !strchr(e->title, '\n') &&
               strncmp(e->title, "\xEF\xBB\xBF", 3) != 0,
           HMSG("%s: title is one clean line", label));
    OK(e->nparagraphs > 0, HMSG("%s: has paragraphs", label));

    for (p = 0; p < e->nparagraphs; p++) {
        const essay_paragraph *para = &e->paragraphs[p];
        size_t b = 0, en = 0, first = k;
        if (!OK(para->text != NULL,
                HMSG("%s: paragraph %zu has text", label, p)))
            return;
        INT_EQ(para->len, strlen(para->text),
               HMSG("%s: paragraph %zu len", label, p));
        OK(utf8_valid(para->text, para->len, NULL),
           HMSG("%s: paragraph %zu is valid UTF-8", label, p));
        OK(!strchr(para->text, '\n') && !strchr(para->text, '\r'),
           HMSG("%s: paragraph %zu has no line breaks", label, p));
        utf8_trim(para->text, para->len, &b, &en);
        OK(b == 0 && en == para->len && para->len > 0,
           HMSG("%s: paragraph %zu is trimmed and not empty", label, p));
        OK(para->line > 0, HMSG("%s: paragraph %zu line", label, p));
        if (p > 0)
            OK(para->line > e->paragraphs[p - 1].line,
               HMSG("%s: paragraph %zu after the previous one", label, p));
        if (strncmp(para->text, "\u201c", 3) == 0 || para->text[0] == '"')
            INT_EQ(para->kind, PARA_QUOTE,
                   HMSG("%s: paragraph %zu opens with a quote mark", label, p));
        else if (isalnum((unsigned char)para->text[0]))
            INT_EQ(para->kind, PARA_TEXT,
                   HMSG("%s: paragraph %zu is text", label, p));
        while (k < e->nclaims && e->claims[k].paragraph == p)
            k++;
        check_claims_of(label, e, p, first, k);
    }
    INT_EQ(k, e->nclaims,
           HMSG("%s: claims are grouped by paragraph, in order", label));

    for (i = 0; i < e->nendnotes; i++) {
        const essay_endnote *en = &e->endnotes[i];
        OK(en->n >= 1, HMSG("%s: endnote %zu number", label, i));
        OK(en->raw && en->raw[0] && utf8_valid(en->raw, strlen(en->raw), NULL),
           HMSG("%s: endnote %zu raw text", label, i));
        OK(en->line > 0, HMSG("%s: endnote %zu line", label, i));
        INT_EQ(essay_find_endnote(e, en->n), i,
               HMSG("%s: essay_find_endnote(%d)", label, en->n));
        for (j = 0; j < i; j++)
            OK(e->endnotes[j].n != en->n,
               HMSG("%s: endnote numbers unique (%d)", label, en->n));
    }
    for (i = 0; i < e->nauthors; i++)
        OK(e->authors[i] && e->authors[i][0],
           HMSG("%s: author %zu not empty", label, i));
    for (i = 0; i < e->nwarnings; i++)
        OK(e->warnings[i] && e->warnings[i][0] &&
               utf8_valid(e->warnings[i], strlen(e->warnings[i]), NULL),
           HMSG("%s: warning %zu is text", label, i));
}

/* Index of the first claim whose endnotes include n, or -1. */
static long claim_citing(const essay *e, int n)
{
    size_t k, i;

    for (k = 0; k < e->nclaims; k++)
        for (i = 0; i < e->claims[k].c.nendnotes; i++)
            if (e->claims[k].c.endnotes[i] == n)
                return (long)k;
    return -1;
}

/* How many times the claims cite n. */
static size_t times_cited(const essay *e, int n)
{
    size_t k, i, count = 0;

    for (k = 0; k < e->nclaims; k++)
        for (i = 0; i < e->claims[k].c.nendnotes; i++)
            if (e->claims[k].c.endnotes[i] == n)
                count++;
    return count;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n, m;

    if (!s)
        return 0;
    n = strlen(s);
    m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- the seed essay
 * ----------------------------------------------------------- */

/* The seed's claim that cites [n]; NULL or -1: not checked. */
struct cited {
    int n;
    size_t paragraph;          /* the claim's paragraph */
    const char *starts, *ends; /* how its text starts / ends */
    const char *text;          /* its whole text */
    int quote, statistic, normative;
};

static const struct cited seed_cited[] = {
    /* [1]: the scare quotes around 'direct contact' make no quote. */
    {1, 1, "As recently as October", "possibility of talks.", NULL, 0, -1,
     -1},
    /* [2]: "No one" is no number. */
    {2, 1, NULL, NULL,
     "Also, U.S. Defense Secretary, Jim Mattis, has said, "
     "\u201cNo one is rushing for war.\u201d",
     1, 0, -1},
    {3, 2, "Any act of war", "an estimated 1 million deceased.", NULL, -1, 1,
     -1},
    /* [4]: on the sentence after the ellipsis, in a quote paragraph. */
    {4, 4, "He stressed that", NULL, NULL, 1, -1, -1},
    {5, 5, NULL, "negotiating the Iranian nuclear deal.", NULL, -1, -1, -1},
    {6, 7, NULL, "China has to be part of that solution.\u201d", NULL, 1, -1,
     1},
    {7, 8, NULL, "North Korean nuclearization.", NULL, -1, -1, -1},
};

static void check_cited(const essay_claim *ec, const struct cited *w)
{
    const claim *c = &ec->c;

    INT_EQ(ec->paragraph, w->paragraph,
           HMSG("seed: [%d] is in paragraph %zu", w->n, w->paragraph));
    if (w->starts)
        OK(starts_with(c->text, w->starts),
           HMSG("seed: [%d] starts with \"%s\"", w->n, w->starts));
    if (w->ends)
        OK(ends_with(c->text, w->ends),
           HMSG("seed: [%d] ends with \"%s\"", w->n, w->ends));
    if (w->text)
        STR_EQ(c->text, w->text, HMSG("seed: [%d] claim text", w->n));
    if (w->quote >= 0)
        INT_EQ(c->quote, w->quote, HMSG("seed: [%d] quote", w->n));
    if (w->statistic >= 0)
        INT_EQ(c->statistic, w->statistic,
               HMSG("seed: [%d] statistic", w->n));
    if (w->normative >= 0)
        INT_EQ(c->normative, w->normative,
               HMSG("seed: [%d] normative", w->n));
}

static void test_seed(const char *path)
{
    static const char *const domains[7] = {
        "bbc.com",      "reuters.com",        "newsweek.com",
        "nytimes.com",  "foreignaffairs.com", "npr.org",
        "bloomberg.com"};
    static const char *const authors[7] = {
        "BBC News",  "Stewart, P.",         "Powell, B.", "Harris, G.",
        "Fuchs, M.", "NPR Morning Edition", "Jones, S."};
    static const char *const dates[7] = {
        "2017-10-16", "2017-10-26", "2017-04-24", "2017-08-07",
        "2017-12-21", "2017-09-04", "2017-11-19"};
    static const int lines[7] = {32, 34, 36, 38, 40, 42, 44};
    essay_error err;
    essay *e;
    char *buf;
    size_t len, i, p;
    long k;

    buf = read_file(path, &len);
    if (!OK(buf != NULL, HMSG("read the seed essay %s", path)))
        return;
    memset(&err, 0, sizeof err);
    e = essay_parse(buf, len, &err);
    if (!OK(e != NULL,
            HMSG("seed parses (error: line %d: %s)", err.line, err.text))) {
        free(buf);
        return;
    }
    check_invariants("seed", e);

    STR_EQ(e->title, "Assessing U.S.-China Diplomatic Solution to North Korea",
           "seed title");
    STR_EQ(e->slug, NULL, "seed has no Slug line");
    STR_EQ(e->note,
           "This piece was originally published at RealClear Defense on "
           "January 16, 2018.",
           "seed note");
    STR_EQ(e->venue, "RealClear Defense", "seed venue");
    STR_EQ(e->published, "2018-01-16", "seed published");
    STR_EQ(e->category, "National Security & Intelligence", "seed category");
    INT_EQ(e->nauthors, 0, "seed has no authors");
    INT_EQ(e->nwarnings, 0, "seed has no warnings");
    for (i = 0; i < e->nwarnings; i++)
        printf("  (seed warning: %s)\n", e->warnings[i]);

    /* The body: 12 paragraphs (lines 5, 7, ..., 27); the 5th is a quote. */
    INT_EQ(e->nparagraphs, 12, "seed paragraphs");
    for (p = 0; p < e->nparagraphs && p < 12; p++) {
        INT_EQ(e->paragraphs[p].kind, p == 4 ? PARA_QUOTE : PARA_TEXT,
               HMSG("seed paragraph %zu kind", p));
        INT_EQ(e->paragraphs[p].line, 5 + 2 * p,
               HMSG("seed paragraph %zu line", p));
    }
    if (e->nparagraphs >= 12) {
        OK(strncmp(e->paragraphs[0].text, "During the past year, The Trump",
                   31) == 0,
           "seed paragraph 0 text");
        OK(strncmp(e->paragraphs[4].text,
                   "\u201c"
                   "Above all, President",
                   23) == 0,
           "seed paragraph 4 opens with the quote");
        OK(ends_with(e->paragraphs[4].text, "United States.\"[4]"),
           "seed paragraph 4 keeps its marker");
        OK(strncmp(e->paragraphs[5].text, "Diplomatic\u00a0measures", 20) == 0,
           "seed paragraph 5 keeps its no-break space");
        OK(ends_with(e->paragraphs[11].text, "a rebalanced relationship."),
           "seed last paragraph");
        INT_EQ(e->paragraphs[1].nmarkers, 2, "seed paragraph 1 has 2 markers");
        if (e->paragraphs[1].nmarkers >= 1) {
            /* "...possibility of talks.[1]": the two curly single quotes
             * before "[1]" are 3 bytes but 1 code point each. */
            const essay_marker *m = &e->paragraphs[1].markers[0];
            const char *at = strstr(e->paragraphs[1].text, "[1]");
            size_t want = at ? (size_t)(at - e->paragraphs[1].text) : 0;
            INT_EQ(m->n, 1, "seed marker [1] number");
            INT_EQ(m->byte_start, want, "seed marker [1] byte_start");
            INT_EQ(m->start, want - 4, "seed marker [1] start (code points)");
            INT_EQ(m->end, want - 4 + 3, "seed marker [1] end");
        }
    }

    /* Claims: every sentence; markers on the right sentence. */
    INT_EQ(e->nclaims, 35, "seed claims");
    for (i = 0; i < sizeof seed_cited / sizeof seed_cited[0]; i++) {
        const struct cited *w = &seed_cited[i];
        k = claim_citing(e, w->n);
        if (!OK(k >= 0, HMSG("seed: a claim cites [%d]", w->n)))
            continue;
        INT_EQ(times_cited(e, w->n), 1,
               HMSG("seed: [%d] is cited once", w->n));
        check_cited(&e->claims[k], w);
    }
    k = claim_citing(e, 6);
    if (k >= 0 && (size_t)k + 1 < e->nclaims) {
        OK(strncmp(e->claims[k + 1].c.text, "Ninety percent", 14) == 0,
           "seed: the Ninety percent claim follows [6]");
        INT_EQ(e->claims[k + 1].c.statistic, 1,
               "seed: \"Ninety percent\" is a statistic");
    }
    if (e->nclaims > 0) {
        STR_EQ(e->claims[0].c.text,
               "During the past year, The Trump Administration and the Kim "
               "Jong-Un Regime have been trading consequential barbs "
               "regarding nuclear testing and first/second strike "
               "capabilities.",
               "seed: first claim");
        INT_EQ(e->claims[0].c.statistic, 0, "seed: first/second is no number");
        OK(ends_with(e->claims[e->nclaims - 1].c.text,
                     "intertwined with a rebalanced relationship."),
           "seed: last claim");
    }
    {
        long cnt[12] = {0};
        static const long want[12] = {2, 4, 4, 3, 2, 3, 3, 2, 3, 4, 3, 2};
        for (i = 0; i < e->nclaims; i++)
            if (e->claims[i].paragraph < 12)
                cnt[e->claims[i].paragraph]++;
        for (p = 0; p < 12; p++)
            INT_EQ(cnt[p], want[p], HMSG("seed: claims in paragraph %zu", p));
    }

    /* Endnotes. */
    INT_EQ(e->nendnotes, 7, "seed endnotes");
    for (i = 0; i < e->nendnotes && i < 7; i++) {
        const essay_endnote *en = &e->endnotes[i];
        INT_EQ(en->n, (int)i + 1, HMSG("seed endnote %zu number", i));
        INT_EQ(en->line, lines[i], HMSG("seed endnote [%zu] line", i + 1));
        STR_EQ(en->cit.author, authors[i],
               HMSG("seed endnote [%zu] author", i + 1));
        STR_EQ(en->cit.date, dates[i], HMSG("seed endnote [%zu] date", i + 1));
        STR_EQ(en->cit.retrieved, "2017-12-22",
               HMSG("seed endnote [%zu] retrieved", i + 1));
        STR_EQ(en->cit.domain, domains[i],
               HMSG("seed endnote [%zu] domain", i + 1));
        OK(en->raw && strncmp(en->raw, "[", 1) != 0 &&
               strncmp(en->raw, authors[i], strlen(authors[i])) == 0,
           HMSG("seed endnote [%zu] raw has no \"[n] \" prefix", i + 1));
    }
    if (e->nendnotes >= 1)
        STR_EQ(e->endnotes[0].raw,
               "BBC News. (16 October 2017). North Korea crisis: Tillerson "
               "says diplomacy will continue. Retrieved December 22, 2017, "
               "from [www.bbc.com/news/worl...](http://www.bbc.com/news/"
               "world-asia-41629233.)",
               "seed endnote [1] raw");
    INT_EQ(essay_find_endnote(e, 3), 2, "essay_find_endnote(3)");
    INT_EQ(essay_find_endnote(e, 8), -1, "essay_find_endnote(8)");
    INT_EQ(essay_find_endnote(e, 0), -1, "essay_find_endnote(0)");
    /* The body has 783 white-space separated words. */
    OK(e->word_count >= 740 && e->word_count <= 830,
       HMSG("seed word count near 783 (got %zu)", e->word_count));

    essay_free(e);
    free(buf);
}

/* ---- robustness: variants of one small essay -------------------------------
 */

static const char BASE[] =
    "A Short Essay\n"
    "\n"
    "Note: This piece was originally published at Test Venue on March 7, "
    "2019.\n"
    "\n"
    "The opening paragraph is here. It ends with a marker.[1]\n"
    "\n"
    "The closing paragraph carries a claim.[2]\n"
    "\n"
    "Endnotes:\n"
    "\n"
    "[1] Doe, J. (2017). Nuclear talks resume. Reuters.\n"
    "\n"
    "[2] Roe, A. (5 May 2018). Maps of the world. Atlas Press.\n"
    "\n"
    "Test Category\n";

static void check_base(const char *label, const essay *e, int lines_ok)
{
    static const int cn[3] = {0, 1, 2};
    size_t i;

    check_invariants(label, e);
    STR_EQ(e->title, "A Short Essay", HMSG("%s: title", label));
    STR_EQ(e->note,
           "This piece was originally published at Test Venue on March 7, "
           "2019.",
           HMSG("%s: note", label));
    STR_EQ(e->venue, "Test Venue", HMSG("%s: venue", label));
    STR_EQ(e->published, "2019-03-07", HMSG("%s: published", label));
    STR_EQ(e->category, "Test Category", HMSG("%s: category", label));
    STR_EQ(e->slug, NULL, HMSG("%s: slug", label));
    INT_EQ(e->nauthors, 0, HMSG("%s: authors", label));
    INT_EQ(e->nwarnings, 0, HMSG("%s: warnings", label));
    if (INT_EQ(e->nparagraphs, 2, HMSG("%s: paragraphs", label))) {
        STR_EQ(e->paragraphs[0].text,
               "The opening paragraph is here. It ends with a marker.[1]",
               HMSG("%s: paragraph 0", label));
        STR_EQ(e->paragraphs[1].text,
               "The closing paragraph carries a claim.[2]",
               HMSG("%s: paragraph 1", label));
        if (lines_ok) {
            INT_EQ(e->paragraphs[0].line, 5,
                   HMSG("%s: paragraph 0 line", label));
            INT_EQ(e->paragraphs[1].line, 7,
                   HMSG("%s: paragraph 1 line", label));
        }
        if (INT_EQ(e->paragraphs[0].nmarkers, 1,
                   HMSG("%s: paragraph 0 markers", label))) {
            INT_EQ(e->paragraphs[0].markers[0].start, 53,
                   HMSG("%s: marker [1] start", label));
            INT_EQ(e->paragraphs[0].markers[0].end, 56,
                   HMSG("%s: marker [1] end", label));
        }
    }
    if (INT_EQ(e->nclaims, 3, HMSG("%s: claims", label))) {
        STR_EQ(e->claims[0].c.text, "The opening paragraph is here.",
               HMSG("%s: claim 0", label));
        STR_EQ(e->claims[1].c.text, "It ends with a marker.",
               HMSG("%s: claim 1", label));
        STR_EQ(e->claims[2].c.text, "The closing paragraph carries a claim.",
               HMSG("%s: claim 2", label));
        INT_EQ(e->claims[1].paragraph, 0, HMSG("%s: claim 1 paragraph", label));
        INT_EQ(e->claims[2].paragraph, 1, HMSG("%s: claim 2 paragraph", label));
        for (i = 0; i < 3; i++) {
            INT_EQ(e->claims[i].c.nendnotes, cn[i] ? 1 : 0,
                   HMSG("%s: claim %zu endnote count", label, i));
            if (cn[i] && e->claims[i].c.nendnotes == 1)
                INT_EQ(e->claims[i].c.endnotes[0], cn[i],
                       HMSG("%s: claim %zu endnote", label, i));
        }
    }
    if (INT_EQ(e->nendnotes, 2, HMSG("%s: endnotes", label))) {
        INT_EQ(e->endnotes[0].n, 1, HMSG("%s: endnote 0 n", label));
        INT_EQ(e->endnotes[1].n, 2, HMSG("%s: endnote 1 n", label));
        STR_EQ(e->endnotes[0].raw,
               "Doe, J. (2017). Nuclear talks resume. Reuters.",
               HMSG("%s: endnote [1] raw", label));
        STR_EQ(e->endnotes[1].raw,
               "Roe, A. (5 May 2018). Maps of the world. Atlas Press.",
               HMSG("%s: endnote [2] raw", label));
        STR_EQ(e->endnotes[0].cit.author, "Doe, J.",
               HMSG("%s: endnote [1] author", label));
        STR_EQ(e->endnotes[0].cit.date, "2017",
               HMSG("%s: endnote [1] date", label));
        STR_EQ(e->endnotes[1].cit.date, "2018-05-05",
               HMSG("%s: endnote [2] date", label));
        STR_EQ(e->endnotes[1].cit.publisher, "Atlas Press",
               HMSG("%s: endnote [2] publisher", label));
        if (lines_ok) {
            INT_EQ(e->endnotes[0].line, 11,
                   HMSG("%s: endnote [1] line", label));
            INT_EQ(e->endnotes[1].line, 13,
                   HMSG("%s: endnote [2] line", label));
        }
    }
}

static void variant(const char *label, const char *s, size_t len, int lines_ok)
{
    essay_error err;
    essay *e;

    memset(&err, 0, sizeof err);
    e = essay_parse(s, len, &err);
    if (OK(e != NULL,
           HMSG("%s: parses (error: line %d: %s)", label, err.line, err.text)))
        check_base(label, e, lines_ok);
    essay_free(e);
}

static void test_variants(void)
{
    /* BASE rewritten line by line (see rewrite). */
    static const struct {
        const char *label, *eol, *suffix;
        int extra_blank, lines_ok;
    } rewrites[] = {
        {"CRLF", "\r\n", "", 0, 1},
        {"trailing spaces", "\n", "  \t", 0, 1},
        {"several blank lines", "\n", "", 3, 0},
        {"CRLF + blank lines", "\r\n", "", 1, 0},
    };
    char *s;
    size_t len, i;
    buf_t b = {0};

    variant("base", BASE, strlen(BASE), 1);

    for (i = 0; i < sizeof rewrites / sizeof rewrites[0]; i++) {
        s = rewrite(BASE, rewrites[i].eol, rewrites[i].suffix,
                    rewrites[i].extra_blank, &len);
        variant(rewrites[i].label, s, len, rewrites[i].lines_ok);
        free(s);
    }

    buf_puts(&b, "\xEF\xBB\xBF");
    buf_puts(&b, BASE);
    variant("BOM", b.p, b.n, 1);
    free(b.p);

    variant("no final newline", BASE, strlen(BASE) - 1, 1);

    /* All at once: BOM, CRLF, trailing blanks, extra blank lines, no final
     * line end. */
    s = rewrite(BASE, "\r\n", " ", 2, &len);
    memset(&b, 0, sizeof b);
    buf_puts(&b, "\xEF\xBB\xBF");
    buf_add(&b, s, len - 3); /* drop the last " \r\n" */
    variant("BOM+CRLF+blanks+no final newline", b.p, b.n, 0);
    free(b.p);
    free(s);

    /* Trailing Unicode white space on a body line (NBSP, thin space). */
    memset(&b, 0, sizeof b);
    {
        const char *cut = strstr(BASE, "marker.[1]\n");
        buf_add(&b, BASE, (size_t)(cut - BASE) + 10);
        buf_puts(&b, "\u00a0\u2009");
        buf_puts(&b, cut + 10);
    }
    variant("trailing NBSP", b.p, b.n, 1);
    free(b.p);
}

/* ---- robustness: other shapes
 * ------------------------------------------------ */

static essay *expect_ok(const char *label, const char *s)
{
    essay_error err;
    essay *e = parse_str(s, &err);

    if (OK(e != NULL,
           HMSG("%s: parses (error: line %d: %s)", label, err.line, err.text)))
        check_invariants(label, e);
    return e;
}

static int any_warning_mentions(const essay *e, const char *what)
{
    size_t i;

    for (i = 0; i < e->nwarnings; i++)
        if (e->warnings[i] && strstr(e->warnings[i], what))
            return 1;
    return 0;
}

static void test_shapes(void)
{
    essay *e;

    e = expect_ok("no note", "Plain Title\n\nOne sentence here.\n\n"
                             "Endnotes:\n\n[1] Ibid.\n\nCat\n");
    if (e) {
        STR_EQ(e->note, NULL, "no note: note");
        STR_EQ(e->venue, NULL, "no note: venue");
        STR_EQ(e->published, NULL, "no note: published");
        STR_EQ(e->category, "Cat", "no note: category");
        INT_EQ(e->nparagraphs, 1, "no note: paragraphs");
        INT_EQ(e->nendnotes, 1, "no note: endnotes");
        if (e->nparagraphs == 1)
            INT_EQ(e->paragraphs[0].line, 3, "no note: paragraph line");
    }
    essay_free(e);

    e = expect_ok("note without date",
                  "Federalist No. 1: General Introduction\n\n"
                  "Note: This piece was originally published at The "
                  "Independent Journal.\n\nTo the People of the State of "
                  "New York:\n\nAFTER an unequivocal experience, you are "
                  "called upon.\n\nThe Federalist Papers\n");
    if (e) {
        STR_EQ(e->venue, "The Independent Journal", "note without date: venue");
        STR_EQ(e->published, NULL, "note without date: published");
        STR_EQ(e->category, "The Federalist Papers",
               "note without date: category");
        INT_EQ(e->nparagraphs, 2, "note without date: paragraphs");
        INT_EQ(e->nendnotes, 0, "note without date: endnotes");
    }
    essay_free(e);

    e = expect_ok("note with 18th-century date",
                  "Federalist No. 38\n\nNote: This piece was originally "
                  "published at The New York Packet on March 7, 1788.\n\n"
                  "It is not a little remarkable.\n\nThe Federalist Papers\n");
    if (e) {
        STR_EQ(e->venue, "The New York Packet", "1788 note: venue");
        STR_EQ(e->published, "1788-03-07", "1788 note: published");
    }
    essay_free(e);

    e = expect_ok("no endnotes section",
                  "Title\n\nThe first paragraph speaks.\n\nThe second one "
                  "too.\n\nSome Category\n");
    if (e) {
        INT_EQ(e->nendnotes, 0, "no endnotes: endnotes");
        INT_EQ(e->nparagraphs, 2, "no endnotes: paragraphs");
        STR_EQ(e->category, "Some Category", "no endnotes: category");
        INT_EQ(e->nwarnings, 0, "no endnotes: no warnings");
    }
    essay_free(e);

    e = expect_ok("no category",
                  "Title\n\nA body sentence.[1]\n\nEndnotes:\n\n"
                  "[1] Doe, J. (2017). Nuclear talks resume. Reuters.\n");
    if (e) {
        STR_EQ(e->category, NULL, "no category: category");
        INT_EQ(e->nparagraphs, 1, "no category: paragraphs");
        if (INT_EQ(e->nendnotes, 1, "no category: endnotes"))
            STR_EQ(e->endnotes[0].raw,
                   "Doe, J. (2017). Nuclear talks resume. Reuters.",
                   "no category: the last endnote is intact");
    }
    essay_free(e);

    /* Header lines as a block after a blank line. */
    e = expect_ok("header lines",
                  "Header Title\n\nAuthor: Jane Roe\nAuthor: John Doe\n"
                  "Slug: my-essay\nCategory: Essays\n\nThe body talks. It "
                  "ends here.\n");
    if (e) {
        STR_EQ(e->title, "Header Title", "headers: title");
        if (INT_EQ(e->nauthors, 2, "headers: two authors")) {
            STR_EQ(e->authors[0], "Jane Roe", "headers: author 0");
            STR_EQ(e->authors[1], "John Doe", "headers: author 1");
        }
        STR_EQ(e->slug, "my-essay", "headers: slug");
        STR_EQ(e->category, "Essays", "headers: category");
        if (INT_EQ(e->nparagraphs, 1, "headers: paragraphs")) {
            STR_EQ(e->paragraphs[0].text, "The body talks. It ends here.",
                   "headers: paragraph text");
            INT_EQ(e->paragraphs[0].line, 8, "headers: paragraph line");
        }
        INT_EQ(e->nclaims, 2, "headers: claims");
    }
    essay_free(e);

    /* Header lines right under the title, in another order, with a Note. */
    e = expect_ok("header lines under the title",
                  "Title Two\nCategory: Essays\nAuthor: Jane Roe\n"
                  "Note: This piece was originally published at Venue X on "
                  "October 16, 2017.\n\nBody text here.\n");
    if (e) {
        STR_EQ(e->category, "Essays", "headers under title: category");
        if (INT_EQ(e->nauthors, 1, "headers under title: one author"))
            STR_EQ(e->authors[0], "Jane Roe", "headers under title: author");
        STR_EQ(e->venue, "Venue X", "headers under title: venue");
        STR_EQ(e->published, "2017-10-16", "headers under title: published");
        STR_EQ(e->slug, NULL, "headers under title: no slug");
        if (INT_EQ(e->nparagraphs, 1, "headers under title: paragraphs"))
            STR_EQ(e->paragraphs[0].text, "Body text here.",
                   "headers under title: paragraph");
    }
    essay_free(e);

    /* Seed-style Note block, then a header block. */
    e = expect_ok("note then headers",
                  "Title Three\n\nNote: This piece was originally published "
                  "at Venue Y on January 16, 2018.\n\nAuthor: A. Writer\n\n"
                  "The body.\n\nEndnotes:\n\n[1] Ibid.\n\nA Category\n");
    if (e) {
        STR_EQ(e->venue, "Venue Y", "note then headers: venue");
        if (INT_EQ(e->nauthors, 1, "note then headers: author"))
            STR_EQ(e->authors[0], "A. Writer", "note then headers: author 0");
        STR_EQ(e->category, "A Category", "note then headers: category");
        INT_EQ(e->nparagraphs, 1, "note then headers: paragraphs");
    }
    essay_free(e);

    /* A marker with no endnote: parsed, with a warning naming it. */
    e = expect_ok("marker without endnote",
                  "Title\n\nOne claim.[1] Another claim.[3]\n\nEndnotes:\n\n"
                  "[1] Ibid.\n\nCat\n");
    if (e) {
        OK(e->nwarnings >= 1, "marker without endnote: a warning");
        OK(any_warning_mentions(e, "[3]"),
           "marker without endnote: the warning names [3]");
        OK(!any_warning_mentions(e, "[1]"),
           "marker without endnote: no warning about [1]");
        if (INT_EQ(e->nclaims, 2, "marker without endnote: claims") &&
            INT_EQ(e->claims[1].c.nendnotes, 1,
                   "marker without endnote: claim keeps the marker"))
            INT_EQ(e->claims[1].c.endnotes[0], 3,
                   "marker without endnote: marker number");
        INT_EQ(essay_find_endnote(e, 3), -1,
               "marker without endnote: no endnote 3");
    }
    essay_free(e);

    /* No Endnotes section at all but a marker. */
    e = expect_ok("marker, no endnotes section",
                  "Title\n\nOne claim.[2]\n\nCat\n");
    if (e) {
        OK(any_warning_mentions(e, "[2]"),
           "marker, no endnotes section: warning names [2]");
        STR_EQ(e->category, "Cat", "marker, no endnotes section: category");
    }
    essay_free(e);

    /* An endnote nobody cites: kept. */
    e = expect_ok("uncited endnote",
                  "Title\n\nOne claim.[1]\n\nEndnotes:\n\n[1] Ibid.\n\n"
                  "[2] Doe, J. (2017). Nuclear talks resume. Reuters.\n\n"
                  "Cat\n");
    if (e && INT_EQ(e->nendnotes, 2, "uncited endnote: endnotes")) {
        INT_EQ(e->endnotes[1].n, 2, "uncited endnote: n");
        STR_EQ(e->endnotes[1].cit.publisher, "Reuters",
               "uncited endnote: parsed");
        INT_EQ(claim_citing(e, 2), -1, "uncited endnote: nobody cites it");
        OK(!any_warning_mentions(e, "[1]"), "uncited endnote: [1] is fine");
    }
    essay_free(e);

    /* Wrapped lines are joined with one space; a body line starting with
     * "[7] " is text, not an endnote (Federalist style); wrapped endnotes
     * continue on the next lines. */
    e = expect_ok("wrapped lines",
                  "Title\n\nThis line is\nwrapped inside a   \nparagraph. "
                  "The same idea appears in\n[7] several of the late "
                  "publications.\n\nEndnotes:\n\n[7] Doe, J. (2017). Nuclear "
                  "talks\nresume. Reuters.\n\nCat\n");
    if (e) {
        if (INT_EQ(e->nparagraphs, 1, "wrapped: one paragraph"))
            STR_EQ(e->paragraphs[0].text,
                   "This line is wrapped inside a paragraph. The same idea "
                   "appears in [7] several of the late publications.",
                   "wrapped: joined with one space");
        if (INT_EQ(e->nendnotes, 1, "wrapped: one endnote")) {
            INT_EQ(e->endnotes[0].n, 7, "wrapped: endnote 7");
            STR_EQ(e->endnotes[0].raw,
                   "Doe, J. (2017). Nuclear talks resume. Reuters.",
                   "wrapped: endnote continuation joined");
            STR_EQ(e->endnotes[0].cit.title, "Nuclear talks resume",
                   "wrapped: endnote title");
            INT_EQ(e->endnotes[0].line, 10, "wrapped: endnote line");
        }
        if (INT_EQ(e->nclaims, 2, "wrapped: claims")) {
            STR_EQ(e->claims[1].c.text,
                   "The same idea appears in  several of the late "
                   "publications.",
                   "wrapped: claim with a marker inside");
            INT_EQ(e->claims[1].c.nendnotes, 1, "wrapped: claim cites [7]");
        }
        INT_EQ(e->nwarnings, 0, "wrapped: no warnings");
    }
    essay_free(e);

    /* Body paragraphs that look like header lines or endnotes. */
    e = expect_ok("look-alike paragraphs",
                  "Title\n\nFirst paragraph.\n\nNote: this is body text.\n\n"
                  "[3] This paragraph starts like an endnote.\n\n"
                  "Author: this is body text too.\n\nEndnotes:\n\n"
                  "[3] Ibid.\n\nCat\n");
    if (e) {
        STR_EQ(e->note, NULL, "look-alikes: no note");
        INT_EQ(e->nauthors, 0, "look-alikes: no authors");
        if (INT_EQ(e->nparagraphs, 4, "look-alikes: paragraphs")) {
            STR_EQ(e->paragraphs[1].text, "Note: this is body text.",
                   "look-alikes: Note paragraph");
            STR_EQ(e->paragraphs[2].text,
                   "[3] This paragraph starts like an endnote.",
                   "look-alikes: [3] paragraph");
        }
        if (INT_EQ(e->nendnotes, 1, "look-alikes: endnotes"))
            STR_EQ(e->endnotes[0].raw, "Ibid.", "look-alikes: endnote raw");
    }
    essay_free(e);

    /* Quote paragraphs, curly and straight. */
    e = expect_ok("quote paragraphs",
                  "Title\n\nHe said:\n\n\u201cWe will win. They will "
                  "lose.\u201d\n\n\"Straight quotes count too.\"\n\nCat\n");
    if (e && INT_EQ(e->nparagraphs, 3, "quotes: paragraphs")) {
        INT_EQ(e->paragraphs[0].kind, PARA_TEXT, "quotes: paragraph 0 text");
        INT_EQ(e->paragraphs[1].kind, PARA_QUOTE, "quotes: paragraph 1 quote");
        INT_EQ(e->paragraphs[2].kind, PARA_QUOTE, "quotes: paragraph 2 quote");
    }
    essay_free(e);

    /* Text outside the BMP. */
    e = expect_ok("non-BMP",
                  "Emoji \U0001F600 Title\n\nI love \U0001F600 pizza.[1] Next "
                  "\U0001F600 one.\n\nEndnotes:\n\n[1] Ibid.\n\nCat\n");
    if (e && INT_EQ(e->nclaims, 2, "non-BMP: claims")) {
        STR_EQ(e->title, "Emoji \U0001F600 Title", "non-BMP: title");
        INT_EQ(e->claims[0].c.end, 18, "non-BMP: claim 0 end");
        INT_EQ(e->claims[0].c.end_utf16, 19, "non-BMP: claim 0 end_utf16");
        INT_EQ(e->claims[1].c.start, 19, "non-BMP: claim 1 start");
        INT_EQ(e->claims[1].c.start_utf16, 20, "non-BMP: claim 1 start_utf16");
        INT_EQ(e->claims[1].c.end, 30, "non-BMP: claim 1 end");
        INT_EQ(e->claims[1].c.end_utf16, 32, "non-BMP: claim 1 end_utf16");
        if (INT_EQ(e->paragraphs[0].nmarkers, 1, "non-BMP: marker")) {
            INT_EQ(e->paragraphs[0].markers[0].start, 15,
                   "non-BMP: marker start");
            INT_EQ(e->paragraphs[0].markers[0].start_utf16, 16,
                   "non-BMP: marker start_utf16");
        }
    }
    essay_free(e);

    /* Tabs are white space, not binary. */
    e = expect_ok("tab", "Title\n\nA\tsentence with a tab.\n\nCat\n");
    essay_free(e);
}

/* ---- rejections
 * ---------------------------------------------------------------- */

static void reject(const char *label, const char *s, size_t len, int line_lo,
                   int line_hi, const char *const *words)
{
    essay_error err;
    essay *e;

    memset(&err, 0x55, sizeof err);
    e = essay_parse(s, len, &err);
    if (!OK(e == NULL, HMSG("%s: rejected", label))) {
        essay_free(e);
        return;
    }
    OK(err.line >= line_lo && err.line <= line_hi,
       HMSG("%s: error line %d in [%d, %d]", label, err.line, line_lo,
            line_hi));
    if (!OK(memchr(err.text, '\0', sizeof err.text) != NULL && err.text[0],
            HMSG("%s: error text is a non-empty string", label)))
        return;
    if (words)
        OK(contains_any_ci(err.text, words),
           HMSG("%s: error text names the problem (\"%s\")", label, err.text));
    /* err may be NULL. */
    e = essay_parse(s, len, NULL);
    OK(e == NULL, HMSG("%s: rejected with err == NULL", label));
    essay_free(e);
}

#define REJECT(label, lit, lo, hi, words)                                      \
    reject((label), (lit), sizeof(lit) - 1, (lo), (hi), (words))

static void test_rejections(void)
{
    static const char *const w_empty[] = {"empty", "title", "no ", NULL};
    static const char *const w_utf8[] = {"utf-8", "utf8", NULL};
    static const char *const w_bin[] = {"binary", "nul", "control", "zero",
                                        NULL};
    static const char *const w_ctl[] = {"control", "binary", NULL};
    static const char *const w_big[] = {"large", "size", "limit",
                                        "bytes", "big",  NULL};
    static const char *const w_body[] = {"body", "paragraph", NULL};
    static const char *const w_dup[] = {"endnote", "[1]", NULL};
    static const char *const w_slug[] = {"slug", NULL};
    static const char *const w_cat[] = {"category", NULL};
    char *big;
    size_t n, len;
    essay *e;
    essay_error err;

    REJECT("empty file", "", 0, 1, w_empty);
    REJECT("only white space", " \n\n\t\n  \n", 0, 4, NULL);
    REJECT("only CRLFs", "\r\n\r\n", 0, 2, NULL);
    REJECT("only a BOM", "\xEF\xBB\xBF", 0, 1, NULL);

    REJECT("invalid UTF-8 (line 3)", "T\n\nBody \xFF here.\n", 3, 3, w_utf8);
    REJECT("invalid UTF-8 in the title", "\xC0\xAFTitle\n\nBody.\n", 1, 1,
           w_utf8);
    REJECT("surrogate on line 5", "T\n\nBody.\n\nMore \xED\xA0\x80 text.\n", 5,
           5, w_utf8);
    REJECT("invalid UTF-8 in a CRLF file (line 5)",
           "T\r\n\r\nBody.\r\n\r\nMore \xFF.\r\n", 5, 5, w_utf8);
    REJECT("truncated UTF-8 at the end", "T\n\nBody.\n\nEnd \xE2\x80", 5, 5,
           w_utf8);
    REJECT("NUL byte (line 3)", "T\n\nBody\0 here.\n", 3, 3, w_bin);
    REJECT("NUL byte in the endnotes (line 7)",
           "T\n\nBody.[1]\n\nEndnotes:\n\n[1] Ib\0id.\n\nCat\n", 7, 7, w_bin);
    REJECT("control character 0x01 (line 3)", "T\n\nBody \x01 here.\n", 3, 3,
           w_ctl);
    REJECT("C1 control character U+0093 (line 3)", "T\n\nBody \xC2\x93 here.\n",
           3, 3, w_ctl);
    REJECT("ESC (line 5)", "T\n\nBody.\n\nMore \x1B[1m text.\n", 5, 5, w_ctl);

    REJECT("title but no body", "Just a title\n", 1, 2, w_body);
    REJECT("title and note but no body",
           "Just a title\n\nNote: This piece was originally published at X.\n",
           1, 4, w_body);
    REJECT("title and endnotes but no body",
           "Just a title\n\nEndnotes:\n\n[1] Ibid.\n", 1, 6, w_body);

    REJECT("duplicate endnote numbers (line 9)",
           "T\n\nBody.[1]\n\nEndnotes:\n\n[1] Ibid.\n\n[1] Again.\n\nCat\n", 9,
           9, w_dup);
    REJECT("Slug given twice (line 4)", "T\n\nSlug: one\nSlug: two\n\nBody.\n",
           4, 4, w_slug);
    REJECT("Category given twice (line 4)",
           "T\n\nCategory: A\nCategory: B\n\nBody.\n", 4, 4, w_cat);

    /* Size: exactly ESSAY_MAX_BYTES is fine, one byte more is not. */
    n = ESSAY_MAX_BYTES;
    big = malloc(n + 2);
    if (OK(big != NULL, "allocate a large essay")) {
        static const char head[] = "Big Essay\n\nCategory: Big\n\n";
        static const char para[] = "A sentence of words here.\n\n";
        len = 0;
        memcpy(big, head, sizeof head - 1);
        len = sizeof head - 1;
        while (len + sizeof para - 1 <= n) {
            memcpy(big + len, para, sizeof para - 1);
            len += sizeof para - 1;
        }
        while (len < n)
            big[len++] = ' ';
        memset(&err, 0, sizeof err);
        e = essay_parse(big, n, &err);
        OK(e != NULL, HMSG("a file of exactly ESSAY_MAX_BYTES parses "
                           "(error: line %d: %s)",
                           err.line, err.text));
        if (e)
            OK(e->nparagraphs > 100000, "the large essay has its paragraphs");
        essay_free(e);
        big[n] = ' ';
        big[n + 1] = '\0';
        reject("one byte over ESSAY_MAX_BYTES", big, n + 1, 0, 1, w_big);
        free(big);
    }

    essay_free(NULL); /* a no-op: a crash here fails the run */
}

/* ---- the Federalist fixtures
 * ---------------------------------------------------- */

/* list_dir filter: the .txt files. */
static int is_txt(const char *dir, const char *name)
{
    size_t l = strlen(name);

    (void)dir;
    return l >= 5 && strcmp(name + l - 4, ".txt") == 0;
}

/* Counts "[n] " lines after an "Endnotes:" line, from the raw file. */
static size_t count_endnote_lines(const char *buf)
{
    const char *p = strstr(buf, "\nEndnotes:");
    size_t count = 0;

    if (!p)
        return 0;
    while ((p = strchr(p, '\n')) != NULL) {
        p++;
        if (p[0] == '[' && isdigit((unsigned char)p[1])) {
            const char *q = p + 1;
            while (isdigit((unsigned char)*q))
                q++;
            if (q[0] == ']' && q[1] == ' ')
                count++;
        }
    }
    return count;
}

static void test_federalist(const char *dir)
{
    char **names;
    size_t nn, i, ok = 0;

    if (list_dir(dir, is_txt, &names, &nn) != 0) {
        printf("(no %s: Federalist fixtures skipped)\n", dir);
        return;
    }
    OK(nn > 0, HMSG("%s holds essays", dir));

    for (i = 0; i < nn; i++) {
        char path[1024], label[256];
        size_t len;
        char *buf;
        essay_error err;
        essay *e;

        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(label, sizeof label, "%s", names[i]);
        buf = read_file(path, &len);
        if (!OK(buf != NULL, HMSG("read %s", path)))
            continue;
        memset(&err, 0, sizeof err);
        e = essay_parse(buf, len, &err);
        if (OK(e != NULL, HMSG("%s parses (error: line %d: %s)", label,
                               err.line, err.text))) {
            ok++;
            check_invariants(label, e);
            OK(e->title && strncmp(e->title, "Federalist No. ", 15) == 0,
               HMSG("%s: title", label));
            STR_EQ(e->category, "The Federalist Papers",
                   HMSG("%s: category", label));
            OK(e->venue != NULL && !strstr(e->venue, " on "),
               HMSG("%s: venue from the note", label));
            if (e->note &&
                (ends_with(e->note, "1787.") || ends_with(e->note, "1788.")))
                OK(e->published && strncmp(e->published, "178", 3) == 0 &&
                       strlen(e->published) == 10,
                   HMSG("%s: published date", label));
            else
                STR_EQ(e->published, NULL, HMSG("%s: no date", label));
            INT_EQ(e->nendnotes, count_endnote_lines(buf),
                   HMSG("%s: endnotes", label));
            OK(e->nparagraphs >= 3, HMSG("%s: paragraphs", label));
            OK(e->nclaims >= e->nparagraphs,
               HMSG("%s: at least one claim per paragraph", label));
            if (strstr(label, "-22.") || strstr(label, "-24.") ||
                strstr(label, "-28.") || strstr(label, "-36."))
                OK(e->nwarnings >= 1,
                   HMSG("%s: markers without footnotes warn", label));
            if (strstr(label, "-06.") && e->nendnotes >= 6) {
                STR_EQ(e->endnotes[1].raw, "Ibid.", HMSG("%s: [2]", label));
                STR_EQ(e->endnotes[1].cit.author, NULL,
                       HMSG("%s: Ibid. has no author", label));
                STR_EQ(e->endnotes[5].cit.author, NULL,
                       HMSG("%s: [6] has no author", label));
            }
            essay_free(e);
        }
        free(buf);
    }
    printf("(%zu of %zu Federalist fixtures parsed)\n", ok, nn);
    free_names(names, nn);
}

int main(int argc, char **argv)
{
    const char *seed = argc > 1 ? argv[1] : SEED_PATH;
    const char *fed = argc > 2 ? argv[2] : FEDERALIST_DIR;

    test_seed(seed);
    test_variants();
    test_shapes();
    test_rejections();
    test_federalist(fed);
    return harness_done();
}

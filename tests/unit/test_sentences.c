/*
 * test_sentences.c — a paragraph's text → claims (sentences.h).
 *
 * Every claim of every case is checked against the invariants of the
 * contract (check_claims in support.h, then sentence_checks): offsets in
 * bytes, code points and UTF-16 agree; strip_markers(slice) is the claim's
 * text; the markers in the slice are the claim's endnotes; claims tile the
 * paragraph (only white space between them); the flags are those of the
 * text_is_* functions.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sentences.h"
#include "support.h"
#include "text.h"

#define MAXN 16

/* test_sentences' own checks on claim k (check_claims does the rest): its
 * text is not empty, its endnotes are the markers of its range, its flags
 * are those of the text_is_* functions (every claim of a quote paragraph,
 * *inq, is a quote). */
static void sentence_checks(void *inq, const char *label, const char *para,
                            size_t k, const claim *c)
{
    size_t be = c->byte_end, i, nm = 0;
    int marks[64];

    OK(c->text && c->text[0] != '\0',
       HMSG("%s: claim %zu text not empty", label, k));

    for (i = c->byte_start; i < be;) {
        int num = 0;
        size_t m = marker_at(para, be, i, &num);
        if (m) {
            if (nm < 64)
                marks[nm++] = num;
            i += m;
        } else {
            i++;
        }
    }
    if (INT_EQ(c->nendnotes, nm,
               HMSG("%s: claim %zu lists the markers of its range", label,
                    k))) {
        for (i = 0; i < nm; i++)
            INT_EQ(c->endnotes[i], marks[i],
                   HMSG("%s: claim %zu endnote %zu", label, k, i));
    }

    if (c->text) {
        INT_EQ(c->statistic, text_is_statistic(c->text),
               HMSG("%s: claim %zu statistic flag", label, k));
        INT_EQ(c->normative, text_is_normative(c->text),
               HMSG("%s: claim %zu normative flag", label, k));
        INT_EQ(c->quote, *(const bool *)inq || text_has_quotation(c->text),
               HMSG("%s: claim %zu quote flag", label, k));
    }
}

/* Splits para, checks the invariants, compares the texts with want
 * (NULL-terminated). Returns the claims (caller frees) or NULL. */
static claim *split(const char *label, const char *para, bool inq,
                    const char *const *want, size_t *n)
{
    claim *cl = NULL;
    const claim **ptrs;
    size_t len = strlen(para), nwant = 0, k;
    int rc;

    *n = 0;
    rc = sentences_split(para, len, inq, &cl, n);
    if (!INT_EQ(rc, 0, HMSG("%s: sentences_split succeeds", label)))
        return NULL;
    ptrs = claim_ptrs(*n);
    for (k = 0; k < *n; k++)
        ptrs[k] = &cl[k];
    check_claims(label, para, len, ptrs, *n, sentence_checks, &inq);
    free(ptrs);
    while (want[nwant])
        nwant++;
    INT_EQ(*n, nwant, HMSG("%s: number of claims", label));
    for (k = 0; k < nwant && k < *n; k++)
        STR_EQ(cl[k].text, want[k], HMSG("%s: claim %zu text", label, k));
    if (*n != nwant)
        for (k = 0; k < *n; k++)
            printf("  (%s: got claim %zu: \"%s\")\n", label, k, cl[k].text);
    return cl;
}

/* Checks claim k's endnote numbers (want has nwant entries). */
static void notes_eq(const char *label, const claim *cl, size_t n, size_t k,
                     const int *want, size_t nwant)
{
    size_t i;

    if (!OK(k < n, HMSG("%s: claim %zu exists", label, k)))
        return;
    if (!INT_EQ(cl[k].nendnotes, nwant,
                HMSG("%s: claim %zu number of endnotes", label, k)))
        return;
    for (i = 0; i < nwant; i++)
        INT_EQ(cl[k].endnotes[i], want[i],
               HMSG("%s: claim %zu endnote %zu", label, k, i));
}

/* Checks that claim k's raw range is exactly want. */
static void slice_eq(const char *label, const char *para, const claim *cl,
                     size_t n, size_t k, const char *want)
{
    char *s;

    if (!OK(k < n, HMSG("%s: claim %zu exists", label, k)))
        return;
    s = xstrndup(para + cl[k].byte_start, cl[k].byte_end - cl[k].byte_start);
    STR_EQ(s, want, HMSG("%s: claim %zu range", label, k));
    free(s);
}

static void flag_eq(const char *label, const claim *cl, size_t n, size_t k,
                    int quote, int statistic, int normative)
{
    if (!OK(k < n, HMSG("%s: claim %zu exists", label, k)))
        return;
    if (quote >= 0)
        INT_EQ(cl[k].quote, quote, HMSG("%s: claim %zu quote", label, k));
    if (statistic >= 0)
        INT_EQ(cl[k].statistic, statistic,
               HMSG("%s: claim %zu statistic", label, k));
    if (normative >= 0)
        INT_EQ(cl[k].normative, normative,
               HMSG("%s: claim %zu normative", label, k));
}

/* ---- the seed's paragraphs --------------------------------------------- */

static void test_seed_paragraphs(void)
{
    static const char p1[] =
        "As recently as October, U.S. Secretary of State, Rex Tillerson, "
        "stated that the U.S. was in \u2018direct contact\u2019 with North "
        "Korea and are open to the possibility of talks.[1]\u00a0Until "
        "current conditions change, rigorous diplomacy can still take place. "
        "Also, U.S. Defense Secretary, Jim Mattis, has said, \u201cNo one is "
        "rushing for war.\u201d[2]\u00a0A strong majority of the U.S. "
        "Administration appears to favor a diplomatic strategy; however, "
        "they must convince President Trump to cut back on the back and "
        "forth banter.";
    static const char *const w1[] = {
        "As recently as October, U.S. Secretary of State, Rex Tillerson, "
        "stated that the U.S. was in \u2018direct contact\u2019 with North "
        "Korea and are open to the possibility of talks.",
        "Until current conditions change, rigorous diplomacy can still take "
        "place.",
        "Also, U.S. Defense Secretary, Jim Mattis, has said, \u201cNo one is "
        "rushing for war.\u201d",
        "A strong majority of the U.S. Administration appears to favor a "
        "diplomatic strategy; however, they must convince President Trump to "
        "cut back on the back and forth banter.",
        NULL};
    static const char p2[] =
        "The United States must make clear that war is the last option and "
        "not the first. Diplomatic tactics must be fully exhausted before "
        "further actions are considered. Any act of war by either side would "
        "result in a full arsenal of weapons of mass destruction, not limited "
        "to chemical, biological, and nuclear by North Korea, an "
        "\u201cappropriate response\u201d by the South and allies, and an "
        "estimated 1 million deceased.[3]\u00a0The stakes have never been "
        "higher taking out the first two World Wars, making pre-emptive "
        "strikes a horrible miscalculation by either side.";
    static const char *const w2[] = {
        "The United States must make clear that war is the last option and "
        "not the first.",
        "Diplomatic tactics must be fully exhausted before further actions "
        "are considered.",
        "Any act of war by either side would result in a full arsenal of "
        "weapons of mass destruction, not limited to chemical, biological, "
        "and nuclear by North Korea, an \u201cappropriate response\u201d by "
        "the South and allies, and an estimated 1 million deceased.",
        "The stakes have never been higher taking out the first two World "
        "Wars, making pre-emptive strikes a horrible miscalculation by "
        "either side.",
        NULL};
    static const char p4[] =
        "\u201cAbove all, President Moon emphasized that South Korea can "
        "never accept a war erupting again on the Korean Peninsula\u2026He "
        "stressed that the North Korean nuclear issue must be resolved in a "
        "peaceful, diplomatic manner through close coordination between "
        "South Korea and the United States.\"[4]";
    static const char *const w4[] = {
        "\u201cAbove all, President Moon emphasized that South Korea can "
        "never accept a war erupting again on the Korean Peninsula\u2026",
        "He stressed that the North Korean nuclear issue must be resolved in "
        "a peaceful, diplomatic manner through close coordination between "
        "South Korea and the United States.\"",
        NULL};
    static const char p7[] =
        "In September, Former Ambassador Christopher Hill told NPR\u2019s "
        "Mary Louise Kelly that, \u201cI think there needs to be an "
        "understanding that China has to be part of that solution.\u201d[6]"
        "\u00a0Ninety percent of North Korean trade is with China, therefore "
        "making China the most important partner allies have in "
        "denuclearizing the North.";
    static const char *const w7[] = {
        "In September, Former Ambassador Christopher Hill told NPR\u2019s "
        "Mary Louise Kelly that, \u201cI think there needs to be an "
        "understanding that China has to be part of that solution.\u201d",
        "Ninety percent of North Korean trade is with China, therefore "
        "making China the most important partner allies have in "
        "denuclearizing the North.",
        NULL};
    static const char p11[] =
        "China and the U.S. may be distrustful at this moment in time, but "
        "one cannot ignore its power going forward. Bilateral talks must "
        "begin with an agreement between China and the U.S, as North Korean "
        "talks are intertwined with a rebalanced relationship.";
    static const char *const w11[] = {
        "China and the U.S. may be distrustful at this moment in time, but "
        "one cannot ignore its power going forward.",
        "Bilateral talks must begin with an agreement between China and the "
        "U.S, as North Korean talks are intertwined with a rebalanced "
        "relationship.",
        NULL};
    static const char p8[] =
        "Liu Xiaoming, China\u2019s ambassador to the United Kingdom, stated "
        "he was \u201ccautiously optimistic\u201d that a diplomatic solution "
        "can be found to North Korean nuclearization.[7]\u00a0As China is "
        "wary of U.S.- South Korean relations, they recognize that a "
        "non-threating North Korea is in its regional self-interest.";
    static const char *const w8[] = {
        "Liu Xiaoming, China\u2019s ambassador to the United Kingdom, stated "
        "he was \u201ccautiously optimistic\u201d that a diplomatic solution "
        "can be found to North Korean nuclearization.",
        "As China is wary of U.S.- South Korean relations, they recognize "
        "that a non-threating North Korea is in its regional self-interest.",
        NULL};
    static const int n1[] = {1}, n2[] = {2}, n3[] = {3}, n4[] = {4}, n6[] = {6},
                     n7[] = {7};
    claim *cl;
    size_t n;

    cl = split("seed p1", p1, false, w1, &n);
    if (cl) {
        notes_eq("seed p1", cl, n, 0, n1, 1);
        notes_eq("seed p1", cl, n, 1, NULL, 0);
        notes_eq("seed p1", cl, n, 2, n2, 1);
        notes_eq("seed p1", cl, n, 3, NULL, 0);
        OK(n > 0 && cl[0].byte_end >= 9 &&
               memcmp(p1 + cl[0].byte_end - 9, "talks.[1]", 9) == 0,
           "seed p1: claim 0 range ends with \"talks.[1]\"");
        OK(n > 2 && cl[2].byte_end >= 6 &&
               memcmp(p1 + cl[2].byte_end - 6, "\u201d[2]", 6) == 0,
           "seed p1: claim 2 range ends with the quote and [2]");
        flag_eq("seed p1", cl, n, 0, 0, 0, 0); /* scare quote, no number */
        flag_eq("seed p1", cl, n, 2, 1, 0, 0); /* "No one" is no number */
        flag_eq("seed p1", cl, n, 3, 0, 0, 1); /* must */
        claims_free(cl, n);
    }

    cl = split("seed p2", p2, false, w2, &n);
    if (cl) {
        notes_eq("seed p2", cl, n, 2, n3, 1);
        flag_eq("seed p2", cl, n, 0, 0, 0, 1); /* "the first": ordinal */
        flag_eq("seed p2", cl, n, 1, 0, 0, 1);
        flag_eq("seed p2", cl, n, 2, 0, 1, 0); /* 1 million; scare quote */
        claims_free(cl, n);
    }

    cl = split("seed p4 (quote)", p4, true, w4, &n);
    if (cl) {
        notes_eq("seed p4", cl, n, 0, NULL, 0);
        notes_eq("seed p4", cl, n, 1, n4, 1);
        flag_eq("seed p4", cl, n, 0, 1, -1, 0);
        flag_eq("seed p4", cl, n, 1, 1, -1, 1);
        claims_free(cl, n);
    }

    cl = split("seed p7", p7, false, w7, &n);
    if (cl) {
        notes_eq("seed p7", cl, n, 0, n6, 1);
        notes_eq("seed p7", cl, n, 1, NULL, 0);
        flag_eq("seed p7", cl, n, 0, 1, 0, 1);
        flag_eq("seed p7", cl, n, 1, 0, 1, 0);
        claims_free(cl, n);
    }

    cl = split("seed p8", p8, false, w8, &n);
    if (cl) {
        notes_eq("seed p8", cl, n, 0, n7, 1);
        flag_eq("seed p8", cl, n, 0, 0, 0, 0);
        claims_free(cl, n);
    }

    cl = split("seed p11", p11, false, w11, &n);
    if (cl) {
        flag_eq("seed p11", cl, n, 0, 0, 0, 0); /* "one cannot" */
        flag_eq("seed p11", cl, n, 1, 0, 0, 1);
        claims_free(cl, n);
    }
}

/* ---- boundaries -----------------------------------------------------------
 */

struct scase {
    const char *label;
    const char *para;
    bool inq;
    const char *want[MAXN];
};

static const struct scase cases[] = {
    {"space before marker",
     "It ends the union. [3] The next one starts.",
     false,
     {"It ends the union.", "The next one starts.", NULL}},
    {"abbreviations",
     "As Powell, B. wrote in the magazine, war is near. Mr. Smith agreed "
     "with Dr. No about it. Some, e.g. this one, differ, i.e. that one. The "
     "U.S. was calm.",
     false,
     {"As Powell, B. wrote in the magazine, war is near.",
      "Mr. Smith agreed with Dr. No about it.",
      "Some, e.g. this one, differ, i.e. that one.", "The U.S. was calm.",
      NULL}},
    {"U.S. before a capital",
     "The U.S. Secretary of State spoke. He left.",
     false,
     {"The U.S. Secretary of State spoke.", "He left.", NULL}},
    {"initials and titles",
     "A speech by John F. Kennedy moved them. Mrs. Jones and Ms. Lee met "
     "Dr. Brown.",
     false,
     {"A speech by John F. Kennedy moved them.",
      "Mrs. Jones and Ms. Lee met Dr. Brown.", NULL}},
    {"question and exclamation",
     "Is war coming? Nobody knows! We wait.",
     false,
     {"Is war coming?", "Nobody knows!", "We wait.", NULL}},
    {"ellipses",
     "He paused\u2026 Then he spoke. She waited... Then she left.",
     false,
     {"He paused\u2026", "Then he spoke.", "She waited...", "Then she left.",
      NULL}},
    {"ellipsis without a space",
     "War on the Korean Peninsula\u2026He stressed the point.",
     false,
     {"War on the Korean Peninsula\u2026", "He stressed the point.", NULL}},
    {"ellipsis before lowercase",
     "He said... and then stopped. Fine.",
     false,
     {"He said... and then stopped.", "Fine.", NULL}},
    {"em dashes",
     "The goal\u2014peace\u2014is near. The talks \u2014 Six-Party \u2014 "
     "failed.",
     false,
     {"The goal\u2014peace\u2014is near.",
      "The talks \u2014 Six-Party \u2014 failed.", NULL}},
    {"lowercase after a period",
     "See vol. i. p. 5 of the work. Then more.",
     false,
     {"See vol. i. p. 5 of the work.", "Then more.", NULL}},
    {"etc. before lowercase",
     "Apples, pears, etc. are fruit. Yes.",
     false,
     {"Apples, pears, etc. are fruit.", "Yes.", NULL}},
    {"straight closing quote",
     "He said, \"Stop now.\" Then he left.",
     false,
     {"He said, \"Stop now.\"", "Then he left.", NULL}},
    {"question inside curly quotes",
     "She asked, \u201cWhy war?\u201d Nobody answered.",
     false,
     {"She asked, \u201cWhy war?\u201d", "Nobody answered.", NULL}},
    {"no final punctuation",
     "A fragment without end",
     false,
     {"A fragment without end", NULL}},
    {"decimal number",
     "Growth was 3.5 percent. It rose.",
     false,
     {"Growth was 3.5 percent.", "It rose.", NULL}},
    {"NBSP between sentences",
     "It rose.\u00a0It fell.",
     false,
     {"It rose.", "It fell.", NULL}},
    {"several spaces",
     "It rose.   It fell.",
     false,
     {"It rose.", "It fell.", NULL}},
    {"ideographic space",
     "It rose.\u3000It fell.",
     false,
     {"It rose.", "It fell.", NULL}},
    {"mid-sentence markers",
     "The influence of one female,[6] the petulance of another,[7] and the "
     "cabals of a third,[8] had effects.",
     false,
     {"The influence of one female, the petulance of another, and the "
      "cabals of a third, had effects.",
      NULL}},
    {"two markers",
     "Talks failed.[1][2] Then war came.",
     false,
     {"Talks failed.", "Then war came.", NULL}},
    {"marker after a straight quote",
     "They said \"the same of their neighbors.\"[11] This passage points out "
     "the EVIL.",
     false,
     {"They said \"the same of their neighbors.\"",
      "This passage points out the EVIL.", NULL}},
    {"marker at the end", "It ends here.[5]", false, {"It ends here.", NULL}},
    {"not a marker",
     "[12345] is not a marker. It stays.",
     false,
     {"[12345] is not a marker.", "It stays.", NULL}},
    {"quote paragraph",
     "\u201cWe will win. They will lose.\u201d",
     true,
     {"\u201cWe will win.", "They will lose.\u201d", NULL}},
};

static void test_cases(void)
{
    size_t i, n;
    claim *cl;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cl = split(cases[i].label, cases[i].para, cases[i].inq, cases[i].want,
                   &n);
        claims_free(cl, n);
    }
}

static void test_markers_in_ranges(void)
{
    static const char *const wa[] = {"America ; and two thirds agreed.", NULL};
    static const char *const wb[] = {"Talks failed.", "Then war came.", NULL};
    static const char *const wc[] = {"It ends the union.",
                                     "The next one starts.", NULL};
    static const char *const wd[] = {
        "The influence of one female, the petulance of another, and the "
        "cabals of a third, had effects.",
        NULL};
    static const int ma[] = {3}, mb[] = {1, 2}, mc[] = {3}, md[] = {6, 7, 8};
    const char *pa = "America [3]; and two thirds agreed.";
    const char *pb = "Talks failed.[1][2] Then war came.";
    const char *pc = "It ends the union. [3] The next one starts.";
    const char *pd = "The influence of one female,[6] the petulance of "
                     "another,[7] and the cabals of a third,[8] had effects.";
    claim *cl;
    size_t n;

    cl = split("marker with a space mid-sentence", pa, false, wa, &n);
    if (cl) {
        notes_eq("marker mid-sentence", cl, n, 0, ma, 1);
        claims_free(cl, n);
    }
    cl = split("two markers", pb, false, wb, &n);
    if (cl) {
        notes_eq("two markers", cl, n, 0, mb, 2);
        slice_eq("two markers", pb, cl, n, 0, "Talks failed.[1][2]");
        slice_eq("two markers", pb, cl, n, 1, "Then war came.");
        claims_free(cl, n);
    }
    cl = split("space before marker", pc, false, wc, &n);
    if (cl) {
        notes_eq("space before marker", cl, n, 0, mc, 1);
        notes_eq("space before marker", cl, n, 1, NULL, 0);
        slice_eq("space before marker", pc, cl, n, 0, "It ends the union. [3]");
        claims_free(cl, n);
    }
    cl = split("three markers", pd, false, wd, &n);
    if (cl) {
        notes_eq("three markers", cl, n, 0, md, 3);
        claims_free(cl, n);
    }
}

static void test_non_bmp(void)
{
    /* "I love U+1F600 pizza. Next U+1F600 one." */
    static const char p[] = "I love \U0001F600 pizza. Next \U0001F600 one.";
    static const char *const w[] = {"I love \U0001F600 pizza.",
                                    "Next \U0001F600 one.", NULL};
    claim *cl;
    size_t n;

    cl = split("non-BMP", p, false, w, &n);
    if (cl && INT_EQ(n, 2, "non-BMP: two claims")) {
        INT_EQ(cl[0].byte_start, 0, "non-BMP: claim 0 byte_start");
        INT_EQ(cl[0].byte_end, 18, "non-BMP: claim 0 byte_end");
        INT_EQ(cl[0].start, 0, "non-BMP: claim 0 start");
        INT_EQ(cl[0].end, 15, "non-BMP: claim 0 end (code points)");
        INT_EQ(cl[0].start_utf16, 0, "non-BMP: claim 0 start_utf16");
        INT_EQ(cl[0].end_utf16, 16, "non-BMP: claim 0 end_utf16");
        INT_EQ(cl[1].byte_start, 19, "non-BMP: claim 1 byte_start");
        INT_EQ(cl[1].byte_end, 33, "non-BMP: claim 1 byte_end");
        INT_EQ(cl[1].start, 16, "non-BMP: claim 1 start");
        INT_EQ(cl[1].end, 27, "non-BMP: claim 1 end (code points)");
        INT_EQ(cl[1].start_utf16, 17, "non-BMP: claim 1 start_utf16");
        INT_EQ(cl[1].end_utf16, 29, "non-BMP: claim 1 end_utf16");
    }
    claims_free(cl, n);
}

static void test_empty(void)
{
    claim *cl = NULL;
    size_t n = 99;

    INT_EQ(sentences_split("", 0, false, &cl, &n), 0,
           "empty paragraph: success");
    INT_EQ(n, 0, "empty paragraph: no claims");
    claims_free(cl, n);
    claims_free(NULL, 0); /* harmless */

    /* The length is respected: only the first sentence is split. */
    cl = NULL;
    n = 99;
    INT_EQ(sentences_split("One. Two.", 4, false, &cl, &n), 0,
           "prefix: success");
    if (INT_EQ(n, 1, "prefix: one claim"))
        STR_EQ(cl[0].text, "One.", "prefix: claim text");
    claims_free(cl, n);
}

/* ---- flags ------------------------------------------------------------------
 */

static void test_flags(void)
{
    static const char *const stat_yes[] = {
        "Any act of war would result in an estimated 1 million deceased.",
        "Ninety percent of North Korean trade is with China.",
        "A third of voters stayed home.",
        "The program costs $5 billion.",
        "About 40% of the budget goes to defense.",
        "12 soldiers died in the attack.",
        "Twelve soldiers died in the attack.",
        "Three states refused.",
        "Thirteen States ratified the Constitution.",
        "Two thirds of the people agreed.",
        "They amount to twenty per cent.",
        "A million people marched.",
        "Growth was 3.5 percent.",
        NULL};
    static const char *const stat_no[] = {
        "The talks began in 2003.",
        "War is the last option and not the first option.",
        "The Six-Party talks failed.",
        "No one is rushing for war.",
        "One cannot ignore its power going forward.",
        "The talks ran between 2003 and 2009.",
        "Talks will resume.",
        "Federalist No. 10 argues for union.",
        "It was the 13th of Charles II.",
        "It appeared on March 7, 1788.",
        NULL};
    static const char *const norm_yes[] = {
        "The United States must make clear that war is the last option.",
        "China should help.",
        "Allies ought to talk.",
        "Deterrence needs to be coupled with open dialog.",
        "We need to talk.",
        "China has to be part of the solution.",
        "Both sides have to compromise.",
        "It is essential that talks continue.",
        "The Union MUST be preserved.",
        NULL};
    static const char *const norm_no[] = {"He likes mustard.",
                                          "He shoulders the burden.",
                                          "Nothing needed changing.",
                                          "The needs of the people come first.",
                                          "He has two cars.",
                                          "Talks resumed in May.",
                                          NULL};
    static const char *const quote_yes[] = {
        "Mattis has said, \u201cNo one is rushing for war.\u201d",
        "He said \"we will not back down\" today.",
        "\u201cAbove all, peace matters,\u201d he said.", NULL};
    static const char *const quote_no[] = {
        "The U.S. was in \u2018direct contact\u2019 with North Korea.",
        "An \u201cappropriate response\u201d by the South.",
        "A \"currency manipulator\" label will not reverse that.",
        "He was \u201ccautiously optimistic\u201d about it.",
        "Trump\u2019s Asia tour begins.",
        "What diplomacy can and can\u2019t change.",
        "No quotes here.",
        NULL};
    size_t i;

    for (i = 0; stat_yes[i]; i++)
        OK(text_is_statistic(stat_yes[i]),
           HMSG("statistic: \"%s\"", stat_yes[i]));
    for (i = 0; stat_no[i]; i++)
        OK(!text_is_statistic(stat_no[i]),
           HMSG("not statistic: \"%s\"", stat_no[i]));
    for (i = 0; norm_yes[i]; i++)
        OK(text_is_normative(norm_yes[i]),
           HMSG("normative: \"%s\"", norm_yes[i]));
    for (i = 0; norm_no[i]; i++)
        OK(!text_is_normative(norm_no[i]),
           HMSG("not normative: \"%s\"", norm_no[i]));
    for (i = 0; quote_yes[i]; i++)
        OK(text_has_quotation(quote_yes[i]),
           HMSG("quotation: \"%s\"", quote_yes[i]));
    for (i = 0; quote_no[i]; i++)
        OK(!text_has_quotation(quote_no[i]),
           HMSG("not a quotation: \"%s\"", quote_no[i]));
}

/* ---- markers --------------------------------------------------------------
 */

static void marker_case(const char *s, size_t i, size_t want_len, int want_n)
{
    int n = -7;
    size_t got = marker_at(s, strlen(s), i, &n);

    INT_EQ(got, want_len, HMSG("marker_at(\"%s\", %zu) length", s, i));
    if (want_len && got == want_len)
        INT_EQ(n, want_n, HMSG("marker_at(\"%s\", %zu) number", s, i));
}

static void strip_case(const char *s, const char *want)
{
    char *got = strip_markers(s, strlen(s));

    STR_EQ(got, want, HMSG("strip_markers(\"%s\")", s));
    free(got);
}

static void test_markers(void)
{
    int n = 0;

    marker_case("[1]", 0, 3, 1);
    marker_case("[12]", 0, 4, 12);
    marker_case("[1234]", 0, 6, 1234);
    marker_case("talks.[7] Until", 6, 3, 7);
    marker_case("[a]", 0, 0, 0);
    marker_case("[]", 0, 0, 0);
    marker_case("[0]", 0, 0, 0);
    marker_case("[00]", 0, 0, 0);
    marker_case("[12345]", 0, 0, 0);
    marker_case("[1", 0, 0, 0);
    marker_case("[-1]", 0, 0, 0);
    marker_case("[ 1]", 0, 0, 0);
    marker_case("[1 ]", 0, 0, 0);
    marker_case("x[1]", 0, 0, 0);
    marker_case("[1]", 1, 0, 0);
    INT_EQ(marker_at("[12]", 3, 0, &n), 0, "marker_at respects len");

    strip_case("talks.[1] Until", "talks. Until");
    strip_case("war.\u201d[2]", "war.\u201d");
    strip_case("  a [3] ", "a");
    strip_case("[1][2]", "");
    strip_case("x[12345]y", "x[12345]y");
    strip_case("[a] b", "[a] b");
    strip_case("no markers", "no markers");
    strip_case("It ends.[1]\u00a0", "It ends.");
    strip_case("", "");
}

int main(void)
{
    test_seed_paragraphs();
    test_cases();
    test_markers_in_ranges();
    test_non_bmp();
    test_empty();
    test_flags();
    test_markers();
    return harness_done();
}

/*
 * test_draft.c — essay drafts (essay_draft.h): the canonical text they are
 * written as, reading it back with essay_parse, and their JSON.
 *
 * Usage: build/test_draft (from the repo root). Every essay in db/corpus,
 * tests/fixtures/federalist, tests/fixtures/api, tests/golden/STAR/input.txt
 * and tests/fuzz/corpus that parses is also turned into a draft and written
 * back: it must read back to the same fields and the same claims.
 *
 * Ownership in this file: every draft comes from make_draft, draft_of or
 * essay_draft_from_json and is released with essay_draft_free; every
 * strbuf with sb_free; every essay with essay_free.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "essay.h"
#include "essay_draft.h"
#include "harness.h"
#include "sentences.h"
#include "support.h"
#include "text.h"

/* ---- building drafts ------------------------------------------------------
 */

typedef struct {
    int n;
    const char *raw;
} endnote_spec;

/* A draft written as a literal; arrays end at the first NULL (endnotes at
 * n == 0). */
typedef struct {
    const char *title, *slug, *note, *category;
    const char *authors[8];
    const char *paragraphs[16];
    endnote_spec endnotes[8];
} spec;

static char *dup_or_null(const char *s)
{
    char *d;

    if (!s)
        return NULL;
    d = xstrndup(s, strlen(s));
    if (!d) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return d;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);

    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static essay_draft *make_draft(const spec *s)
{
    essay_draft *d = xcalloc(1, sizeof *d);
    size_t k;

    d->title = dup_or_null(s->title);
    d->slug = dup_or_null(s->slug);
    d->note = dup_or_null(s->note);
    d->category = dup_or_null(s->category);
    while (d->nauthors < 8 && s->authors[d->nauthors])
        d->nauthors++;
    d->authors = xcalloc(d->nauthors, sizeof *d->authors);
    for (k = 0; k < d->nauthors; k++)
        d->authors[k] = dup_or_null(s->authors[k]);
    while (d->nparagraphs < 16 && s->paragraphs[d->nparagraphs])
        d->nparagraphs++;
    d->paragraphs = xcalloc(d->nparagraphs, sizeof *d->paragraphs);
    for (k = 0; k < d->nparagraphs; k++)
        d->paragraphs[k] = dup_or_null(s->paragraphs[k]);
    while (d->nendnotes < 8 && s->endnotes[d->nendnotes].n)
        d->nendnotes++;
    d->endnotes = xcalloc(d->nendnotes, sizeof *d->endnotes);
    for (k = 0; k < d->nendnotes; k++) {
        d->endnotes[k].n = s->endnotes[k].n;
        d->endnotes[k].raw = dup_or_null(s->endnotes[k].raw);
    }
    return d;
}

/* The draft an author would have given for a parsed essay: slug NULL (the
 * file's own Slug: line is not what the tests compare), everything else
 * as parsed. */
static essay_draft *draft_of(const essay *e)
{
    essay_draft *d = xcalloc(1, sizeof *d);
    size_t k;

    d->title = dup_or_null(e->title);
    d->note = dup_or_null(e->note);
    d->category = dup_or_null(e->category);
    d->nauthors = e->nauthors;
    d->authors = xcalloc(e->nauthors, sizeof *d->authors);
    for (k = 0; k < e->nauthors; k++)
        d->authors[k] = dup_or_null(e->authors[k]);
    d->nparagraphs = e->nparagraphs;
    d->paragraphs = xcalloc(e->nparagraphs, sizeof *d->paragraphs);
    for (k = 0; k < e->nparagraphs; k++)
        d->paragraphs[k] = dup_or_null(e->paragraphs[k].text);
    d->nendnotes = e->nendnotes;
    d->endnotes = xcalloc(e->nendnotes, sizeof *d->endnotes);
    for (k = 0; k < e->nendnotes; k++) {
        d->endnotes[k].n = e->endnotes[k].n;
        d->endnotes[k].raw = dup_or_null(e->endnotes[k].raw);
    }
    return d;
}

/* ---- checks -----------------------------------------------------------------
 */

/* The parsed essay holds exactly the draft's fields (checked here on our
 * own, not trusting essay_parse_draft's comparison). */
static void check_fields(const char *label, const essay_draft *d,
                         const essay *e)
{
    size_t k;

    STR_EQ(e->title, d->title, HMSG("%s: title", label));
    STR_EQ(e->slug, d->slug, HMSG("%s: slug", label));
    STR_EQ(e->note, d->note, HMSG("%s: note", label));
    STR_EQ(e->category, d->category, HMSG("%s: category", label));
    if (INT_EQ(e->nauthors, d->nauthors, HMSG("%s: authors", label)))
        for (k = 0; k < d->nauthors; k++)
            STR_EQ(e->authors[k], d->authors[k],
                   HMSG("%s: authors[%zu]", label, k));
    if (INT_EQ(e->nparagraphs, d->nparagraphs,
               HMSG("%s: paragraphs", label)))
        for (k = 0; k < d->nparagraphs; k++)
            STR_EQ(e->paragraphs[k].text, d->paragraphs[k],
                   HMSG("%s: paragraphs[%zu]", label, k));
    if (INT_EQ(e->nendnotes, d->nendnotes, HMSG("%s: endnotes", label)))
        for (k = 0; k < d->nendnotes; k++) {
            INT_EQ(e->endnotes[k].n, d->endnotes[k].n,
                   HMSG("%s: endnotes[%zu].n", label, k));
            STR_EQ(e->endnotes[k].raw, d->endnotes[k].raw,
                   HMSG("%s: endnotes[%zu].raw", label, k));
        }
}

/* Writes s, parses it back through essay_parse_draft and checks every
 * field. Returns the canonical text (caller frees), or NULL on failure. */
static char *round_trip(const char *label, const spec *s, essay **out)
{
    essay_draft *d = make_draft(s);
    strbuf text = {0}, again = {0};
    essay_error err = {0, ""};
    essay *e = essay_parse_draft(d, &text, &err);
    char *t = NULL;

    if (out)
        *out = NULL;
    if (OK(e != NULL,
           HMSG("%s: round trip (error: %s)", label, err.text))) {
        check_fields(label, d, e);
        OK(essay_draft_write(d, &again, &err) == 0 &&
               strcmp(again.data, text.data) == 0,
           HMSG("%s: essay_draft_write gives the same text", label));
        OK(text.len > 0 && text.data[text.len - 1] == '\n' &&
               (text.len < 2 || text.data[text.len - 2] != '\n'),
           HMSG("%s: ends with exactly one newline", label));
        t = sb_take(&text);
        if (out)
            *out = e;
        else
            essay_free(e);
    }
    sb_free(&text);
    sb_free(&again);
    essay_draft_free(d);
    return t;
}

/* Writing s fails with a message containing want, line 0, and the output
 * buffer keeps what it held; essay_parse_draft fails the same way. */
static void rejects(const char *label, const spec *s, const char *want)
{
    essay_draft *d = make_draft(s);
    strbuf out = {0}, text = {0};
    essay_error err = {7, ""};
    essay *e;

    sb_puts(&out, "kept");
    OK(essay_draft_write(d, &out, &err) < 0,
       HMSG("%s: essay_draft_write refuses", label));
    OK(strstr(err.text, want) != NULL,
       HMSG("%s: error \"%s\" contains \"%s\"", label, err.text, want));
    INT_EQ(err.line, 0, HMSG("%s: error line is 0", label));
    STR_EQ(out.data, "kept", HMSG("%s: output left as it was", label));
    INT_EQ(out.len, 4, HMSG("%s: output length left as it was", label));
    memset(&err, 0, sizeof err);
    e = essay_parse_draft(d, &text, &err);
    OK(e == NULL, HMSG("%s: essay_parse_draft refuses", label));
    OK(strstr(err.text, want) != NULL,
       HMSG("%s: parse_draft error \"%s\" contains \"%s\"", label, err.text,
            want));
    essay_free(e);
    sb_free(&out);
    sb_free(&text);
    essay_draft_free(d);
}

/* ---- the layout -------------------------------------------------------------
 */

static void test_layout(void)
{
    spec full = {
        .title = "A Title",
        .slug = "a-slug",
        .note = "This piece was originally published at Venue on January "
                "16, 2018.",
        .category = "Science",
        .authors = {"Ada Lovelace", "Charles Babbage"},
        .paragraphs = {"First paragraph.[1]", "Second one.[2]"},
        .endnotes = {{1, "One."}, {2, ""}},
    };
    spec minimal = {.title = "T", .paragraphs = {"Only paragraph."}};
    essay *e;
    char *t;

    t = round_trip("full", &full, &e);
    STR_EQ(t,
           "A Title\n\nSlug: a-slug\nAuthor: Ada Lovelace\nAuthor: Charles "
           "Babbage\nCategory: Science\nNote: This piece was originally "
           "published at Venue on January 16, 2018.\n\nFirst paragraph.[1]"
           "\n\nSecond one.[2]\n\nEndnotes:\n\n[1] One.\n[2]\n",
           "full: the canonical layout");
    if (e) {
        STR_EQ(e->venue, "Venue", "full: venue from the note");
        STR_EQ(e->published, "2018-01-16", "full: published from the note");
        INT_EQ(e->nwarnings, 0, "full: no warnings");
    }
    essay_free(e);
    free(t);

    t = round_trip("minimal", &minimal, NULL);
    STR_EQ(t, "T\n\nOnly paragraph.\n", "minimal: title, blank, paragraph");
    free(t);
}

/* ---- the parser's traps -----------------------------------------------------
 */

static void test_header_like_paragraphs(void)
{
    static const char *const keys[] = {"Note: ", "Author: ", "Slug: ",
                                       "Category: ", "Note:", NULL};
    size_t k;

    for (k = 0; keys[k]; k++) {
        char first[128], later[128], label[64], want[160];
        spec bare = {.title = "Header Words"};
        spec with_headers = {.title = "Header Words",
                             .slug = "header-words",
                             .authors = {"Someone"},
                             .note = "A note."};
        char *t;

        snprintf(first, sizeof first, "%sthis paragraph only looks like a "
                 "header line.", keys[k]);
        snprintf(later, sizeof later, "%sand so does this one.", keys[k]);
        bare.paragraphs[0] = first;
        bare.paragraphs[1] = "A plain paragraph.";
        bare.paragraphs[2] = later;
        with_headers.paragraphs[0] = first;
        with_headers.paragraphs[1] = later;

        snprintf(label, sizeof label, "first paragraph '%s'", keys[k]);
        t = round_trip(label, &bare, NULL);
        snprintf(want, sizeof want, "\n\n %s", first);
        OK(t && strstr(t, want) != NULL,
           HMSG("%s: written indented by one space", label));
        free(t);

        snprintf(label, sizeof label, "'%s' after header lines", keys[k]);
        t = round_trip(label, &with_headers, NULL);
        OK(t && strstr(t, want) != NULL,
           HMSG("%s: written indented by one space", label));
        free(t);
    }

    /* Not a header key: case matters to the parser, so no indent. */
    {
        spec s = {.title = "T", .paragraphs = {"note: lower case is body."}};
        char *t = round_trip("lower-case note:", &s, NULL);
        STR_EQ(t, "T\n\nnote: lower case is body.\n",
               "lower-case note: is not indented");
        free(t);
    }
}

static void test_quote_and_marker_paragraphs(void)
{
    spec s = {
        .title = "Quotes And Markers",
        .paragraphs = {"\xE2\x80\x9C" "Above all, the talks must go on,"
                       "\xE2\x80\x9D he said.[1]",
                       "\"Plain quotes work the same way in this text,\" "
                       "she wrote.",
                       "[3] A paragraph may open with a marker.",
                       "\xE2\x80\x98" "Single quotes around three words"
                       "\xE2\x80\x99 as well."},
        .endnotes = {{1, "Source one."}, {3, "Source three."}},
    };
    spec first = {.title = "T",
                  .paragraphs = {"[3] The very first paragraph.", "More."},
                  .endnotes = {{3, "Three."}}};
    essay *e;
    char *t = round_trip("quotes and markers", &s, &e);

    if (e) {
        INT_EQ(e->paragraphs[0].kind, PARA_QUOTE,
               "a paragraph opening with a curly quote is a quote");
        INT_EQ(e->paragraphs[1].kind, PARA_QUOTE,
               "a paragraph opening with a straight quote is a quote");
        INT_EQ(e->paragraphs[2].kind, PARA_TEXT,
               "a paragraph opening with a marker is text");
        INT_EQ(e->paragraphs[2].nmarkers, 1,
               "the opening marker is a marker");
        INT_EQ(e->paragraphs[3].kind, PARA_QUOTE,
               "a paragraph opening with a single quote is a quote");
    }
    essay_free(e);
    free(t);
    t = round_trip("first paragraph opens with [3]", &first, NULL);
    free(t);
}

static void test_category_like_last_paragraph(void)
{
    spec wrap = {.title = "T",
                 .paragraphs = {"A first paragraph.", "Closing Thoughts Here"}};
    spec with_notes = {.title = "T",
                       .paragraphs = {"A first paragraph.[1]",
                                      "Closing Thoughts Here"},
                       .endnotes = {{1, "Note."}}};
    spec with_category = {.title = "T",
                          .category = "Politics",
                          .paragraphs = {"A first paragraph.",
                                         "Closing Thoughts Here"}};
    spec only = {.title = "T", .paragraphs = {"Closing Thoughts Here"}};
    spec nbsp = {.title = "T",
                 .paragraphs = {"A first paragraph.",
                                "Closing\xC2\xA0Thoughts Here\xC2\xA0Now"}};
    spec two_spaces = {.title = "T",
                       .paragraphs = {"A first paragraph.", "Closing  Words"}};
    spec one_word = {.title = "T", .paragraphs = {"First.", "Conclusion"}};
    spec one_word_notes = {.title = "T",
                           .paragraphs = {"First.", "Conclusion"},
                           .endnotes = {{1, "x"}}};
    spec nbsp_only = {.title = "T",
                      .paragraphs = {"First.", "Closing\xC2\xA0Words"}};
    spec header_and_category = {
        .title = "T",
        .paragraphs = {"First.", "Category: Looks Like One"}};
    spec heading_led = {.title = "T",
                        .paragraphs = {"First.", "Notes: Two Words"}};
    spec heading_word = {.title = "T",
                         .paragraphs = {"First.", "Footnotes: Tomorrow"}};
    essay *e;
    char *t;

    t = round_trip("category-like last paragraph", &wrap, &e);
    STR_EQ(t, "T\n\nA first paragraph.\n\nClosing Thoughts\nHere\n",
           "category-like last paragraph is wrapped at its last space");
    if (e)
        STR_EQ(e->category, NULL, "...and no category is read");
    essay_free(e);
    free(t);

    t = round_trip("category-like last paragraph, endnotes", &with_notes,
                   NULL);
    OK(t && strstr(t, "\n\nClosing Thoughts Here\n\nEndnotes:") != NULL,
       "with endnotes the last paragraph stays on one line");
    free(t);
    t = round_trip("category-like last paragraph, category", &with_category,
                   NULL);
    OK(t && strstr(t, "\n\nClosing Thoughts Here\n") != NULL,
       "with a category the last paragraph stays on one line");
    free(t);
    t = round_trip("category-like only paragraph", &only, NULL);
    STR_EQ(t, "T\n\nClosing Thoughts Here\n",
           "a single category-like paragraph stays on one line");
    free(t);
    t = round_trip("category-like, wrapped past no-break spaces", &nbsp, NULL);
    STR_EQ(t,
           "T\n\nA first paragraph.\n\nClosing\xC2\xA0Thoughts\n"
           "Here\xC2\xA0Now\n",
           "wrapped at an ASCII space, never next to other white space");
    free(t);
    t = round_trip("header-key last paragraph", &header_and_category, NULL);
    free(t);
    t = round_trip("one word last paragraph with endnotes", &one_word_notes,
                   NULL);
    free(t);

    /* The first line of a wrapped paragraph follows a blank line, where a
     * heading would end the body. */
    t = round_trip("heading-led last paragraph", &heading_led, NULL);
    STR_EQ(t, "T\n\nFirst.\n\nNotes: Two\nWords\n",
           "never wrapped so that its first line is a heading");
    free(t);
    rejects("heading and one word", &heading_word,
            "paragraphs[1]: would be read as the category line");

    rejects("one-word last paragraph", &one_word,
            "paragraphs[1]: would be read as the category line");
    rejects("two spaces only", &two_spaces,
            "paragraphs[1]: would be read as the category line");
    rejects("no-break space only", &nbsp_only,
            "paragraphs[1]: would be read as the category line");
}

static void test_headings(void)
{
    static const char *const headings[] = {"Endnotes:", "Endnotes",
                                           "endnotes:", "FOOTNOTES:",
                                           "Notes:", "nOtEs:", NULL};
    size_t k;

    for (k = 0; headings[k]; k++) {
        spec s = {.title = "T", .paragraphs = {"Body.", headings[k], "More."}};
        spec first = {.title = "T", .paragraphs = {headings[k], "More."}};
        char want[160];

        snprintf(want, sizeof want,
                 "paragraphs[1]: is exactly \"%s\", which the essay format "
                 "reads as the endnotes heading",
                 headings[k]);
        rejects(HMSG("heading paragraph %s", headings[k]), &s, want);
        snprintf(want, sizeof want, "paragraphs[0]: is exactly \"%s\"",
                 headings[k]);
        rejects(HMSG("heading first paragraph %s", headings[k]), &first,
                want);
    }
    {
        spec s = {.title = "Endnotes:", .paragraphs = {"Body."}};
        rejects("heading title", &s, "title: is exactly \"Endnotes:\"");
    }
    {
        spec s = {.title = "T",
                  .paragraphs = {"Endnotes: are read only alone.", "Notes",
                                 "Endnotes without a colon is one too."}};
        char *t = round_trip("heading words inside paragraphs", &s, NULL);
        free(t);
    }
}

static void test_bad_fields(void)
{
    char long_title[2048], title300[2048], slug201[256];
    size_t k;

    {
        spec s = {.title = "T", .paragraphs = {"One line\nand another."}};
        rejects("line break in a paragraph", &s,
                "paragraphs[0]: contains a line break");
    }
    {
        spec s = {.title = "Two\rlines", .paragraphs = {"Body."}};
        rejects("CR in the title", &s, "title: contains a line break");
    }
    {
        spec s = {.title = "T", .authors = {"A", "B\nC"}, .paragraphs = {"x"}};
        rejects("line break in an author", &s,
                "authors[1]: contains a line break");
    }
    {
        spec s = {.title = "T", .note = "Bell\x07", .paragraphs = {"x"}};
        rejects("control character in the note", &s,
                "note: contains the control character U+0007");
    }
    {
        spec s = {.title = "T", .category = "C\x7F", .paragraphs = {"x"}};
        rejects("DEL in the category", &s,
                "category: contains the control character U+007F");
    }
    {
        spec s = {.title = "T", .paragraphs = {"A C1 \xC2\x80 control."}};
        rejects("C1 control", &s,
                "paragraphs[0]: contains the control character U+0080");
    }
    {
        spec s = {.title = "T", .paragraphs = {"Bad \xFF byte."}};
        rejects("invalid UTF-8", &s, "paragraphs[0]: is not valid UTF-8");
    }
    {
        spec s = {.title = "", .paragraphs = {"x"}};
        rejects("empty title", &s, "title: is empty");
    }
    {
        spec s = {.paragraphs = {"x"}};
        rejects("no title", &s, "title: is required");
    }
    {
        spec s = {.title = "T", .paragraphs = {"x", ""}};
        rejects("empty paragraph", &s, "paragraphs[1]: is empty");
    }
    {
        spec s = {.title = "T", .paragraphs = {"x", " \t\xC2\xA0"}};
        rejects("blank paragraph", &s,
                "paragraphs[1]: holds only white space");
    }
    {
        spec s = {.title = "T", .paragraphs = {" Leading space."}};
        rejects("leading space", &s, "paragraphs[0]: begins or ends with "
                                     "white space");
    }
    {
        spec s = {.title = "T", .paragraphs = {"Trailing nbsp.\xC2\xA0"}};
        rejects("trailing no-break space", &s,
                "paragraphs[0]: begins or ends with white space");
    }
    {
        spec s = {.title = "T", .authors = {""}, .paragraphs = {"x"}};
        rejects("empty author", &s, "authors[0]: is empty");
    }
    {
        spec s = {.title = "T", .note = "", .paragraphs = {"x"}};
        rejects("empty note", &s, "note: is empty");
    }
    {
        spec s = {.title = "T"};
        rejects("no paragraphs", &s, "paragraphs: must not be empty");
    }
    {
        spec s = {.title = "[3] Not a title", .paragraphs = {"x"}};
        rejects("marker title", &s,
                "title: begins with the endnote marker [3]");
    }
    {
        spec s = {.title = "\xEF\xBB\xBFTitle", .paragraphs = {"x"}};
        rejects("BOM title", &s, "title: begins with U+FEFF");
    }

    /* 301 code points (with some outside the BMP) is too long; 300 is not. */
    title300[0] = '\0';
    for (k = 0; k < 100; k++)
        strcat(title300, "a\xF0\x9D\x94\x98\xC3\xA9");
    snprintf(long_title, sizeof long_title, "%sz", title300);
    {
        spec s = {.title = long_title, .paragraphs = {"x"}};
        rejects("301-character title", &s,
                "title: is 301 characters, over the 300");
    }
    {
        spec s = {.title = title300, .paragraphs = {"x"}};
        char *t = round_trip("300-character title", &s, NULL);
        free(t);
    }

    {
        static const char *const bad[] = {"Bad", "a--b", "-a", "a-", "123",
                                          "a_b", "", "caf\xC3\xA9", NULL};
        for (k = 0; bad[k]; k++) {
            spec s = {.title = "T", .slug = bad[k], .paragraphs = {"x"}};
            rejects(HMSG("slug '%s'", bad[k]), &s,
                    "slug: must be lowercase a-z, 0-9 and single hyphens");
        }
    }
    memset(slug201, 'a', 201);
    slug201[201] = '\0';
    {
        spec s = {.title = "T", .slug = slug201, .paragraphs = {"x"}};
        rejects("201-character slug", &s, "slug: must be lowercase");
        slug201[200] = '\0';
        char *t = round_trip("200-character slug", &s, NULL);
        free(t);
    }
    {
        spec s = {.title = "T", .slug = "12-a-b3", .paragraphs = {"x"}};
        char *t = round_trip("digits and hyphens slug", &s, NULL);
        free(t);
    }

    {
        /* Out of range numbers set on the draft itself: in a spec, n == 0
         * ends the list. */
        spec s = {.title = "T", .paragraphs = {"x"}, .endnotes = {{1, "a"}}};
        essay_draft *d = make_draft(&s);
        essay_error err = {0, ""};
        strbuf out = {0};
        d->endnotes[0].n = 0;
        OK(essay_draft_write(d, &out, &err) < 0 &&
               strstr(err.text, "endnotes[0].n: must be an integer from 1 "
                                "to 9999, not 0"),
           HMSG("endnote 0 refused (%s)", err.text));
        d->endnotes[0].n = 10000;
        OK(essay_draft_write(d, &out, &err) < 0 &&
               strstr(err.text, "endnotes[0].n: must be an integer from 1 "
                                "to 9999, not 10000"),
           HMSG("endnote 10000 refused (%s)", err.text));
        d->endnotes[0].n = 9999;
        OK(essay_draft_write(d, &out, &err) == 0, "endnote 9999 accepted");
        sb_free(&out);
        essay_draft_free(d);
    }
    {
        spec s = {.title = "T",
                  .paragraphs = {"x.[2]"},
                  .endnotes = {{2, "a"}, {5, "b"}, {2, "c"}}};
        rejects("duplicate endnote", &s,
                "endnotes[2].n: [2] is given twice (first at endnotes[0])");
    }
    {
        spec s = {.title = "T",
                  .paragraphs = {"x"},
                  .endnotes = {{1, "Raw\nwith a break"}}};
        rejects("line break in an endnote", &s,
                "endnotes[0].raw: contains a line break");
    }
    {
        spec s = {.title = "T",
                  .paragraphs = {"x"},
                  .endnotes = {{1, " padded"}}};
        rejects("padded endnote", &s,
                "endnotes[0].raw: begins or ends with white space");
    }
}

static void test_unusual_text(void)
{
    spec s = {
        .title = "\xF0\x9D\x94\x98\xF0\x9D\x94\xAB\xF0\x9D\x94\xA6 "
                 "Astral Title \xF0\x9F\x98\x80",
        .authors = {"\xF0\x9F\x98\x80 Emoji Author"},
        .note = "A note with \xF0\x9F\x8C\x8D in it.",
        .category = "\xF0\x9F\x8C\x8D World",
        .paragraphs = {"Emoji \xF0\x9F\x98\x80 count twice in UTF-16.[1] "
                       "And then \xF0\x9D\x94\x98 again.[2]",
                       "Tabs\tinside, a form\x0C" "feed, a line\xE2\x80\xA8"
                       "separator and a NEL\xC2\x85 stay inside.",
                       "Out of order markers.[2][1]"},
        .endnotes = {{2, "Second \xF0\x9F\x93\x9A source."},
                     {1, "First [9] source with a marker inside."}},
    };
    essay *e;
    char *t = round_trip("outside the BMP", &s, &e);

    if (e && e->nclaims >= 2) {
        const claim *c = &e->claims[1].c;
        OK(c->end_utf16 > c->end, "UTF-16 offsets count astral characters "
                                  "twice");
        INT_EQ(e->endnotes[0].n, 2, "endnotes keep the draft's order");
    }
    essay_free(e);
    free(t);
}

/* ---- JSON -------------------------------------------------------------------
 */

static essay_draft *from_json_text(const char *text, essay_error *err)
{
    json_error_t jerr;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
                           &jerr);
    essay_draft *d;

    if (!j) {
        printf("test JSON does not parse: %s: %s\n", jerr.text, text);
        return NULL;
    }
    d = essay_draft_from_json(j, err);
    json_decref(j);
    return d;
}

static void json_rejects(const char *text, const char *want)
{
    essay_error err = {5, ""};
    essay_draft *d = from_json_text(text, &err);

    OK(d == NULL, HMSG("JSON %s is refused", text));
    OK(strstr(err.text, want) != NULL,
       HMSG("JSON %s: error \"%s\" contains \"%s\"", text, err.text, want));
    INT_EQ(err.line, 0, HMSG("JSON %s: error line 0", text));
    essay_draft_free(d);
}

static void test_json(void)
{
    essay_error err = {0, ""};
    essay_draft *d, *back;
    json_t *j;
    char *line;

    d = from_json_text(
        "{\"title\": \"A Title\", \"slug\": \"a-slug\", \"note\": null, "
        "\"category\": \"Cat\", \"authors\": [\"A\", \"B\"], "
        "\"paragraphs\": [\"One.[1]\", {\"text\": \"Two.\"}], "
        "\"endnotes\": [\"First.\", {\"n\": 7, \"raw\": \"Seventh.\"}]}",
        &err);
    if (OK(d != NULL, HMSG("JSON happy path (error: %s)", err.text))) {
        STR_EQ(d->title, "A Title", "JSON title");
        STR_EQ(d->slug, "a-slug", "JSON slug");
        STR_EQ(d->note, NULL, "JSON note null");
        STR_EQ(d->category, "Cat", "JSON category");
        INT_EQ(d->nauthors, 2, "JSON authors");
        STR_EQ(d->authors[1], "B", "JSON authors[1]");
        INT_EQ(d->nparagraphs, 2, "JSON paragraphs");
        STR_EQ(d->paragraphs[1], "Two.", "JSON paragraph object");
        INT_EQ(d->nendnotes, 2, "JSON endnotes");
        INT_EQ(d->endnotes[0].n, 1, "a string endnote is numbered by "
                                    "position");
        INT_EQ(d->endnotes[1].n, 7, "an object endnote keeps its n");
        STR_EQ(d->endnotes[1].raw, "Seventh.", "JSON endnote raw");

        /* to_json → compact line → from_json gives the same draft. */
        j = essay_draft_to_json(d);
        line = j ? json_dumps(j, JSON_COMPACT) : NULL;
        STR_EQ(line,
               "{\"slug\":\"a-slug\",\"title\":\"A Title\",\"authors\":[\"A\","
               "\"B\"],\"note\":null,\"category\":\"Cat\",\"paragraphs\":["
               "\"One.[1]\",\"Two.\"],\"endnotes\":[{\"n\":1,\"raw\":"
               "\"First.\"},{\"n\":7,\"raw\":\"Seventh.\"}]}",
               "essay_draft_to_json: members in order, compact");
        back = line ? from_json_text(line, &err) : NULL;
        if (OK(back != NULL, "the NDJSON line is read back")) {
            strbuf a = {0}, b = {0};
            OK(essay_draft_write(d, &a, &err) == 0 &&
                   essay_draft_write(back, &b, &err) == 0 &&
                   strcmp(a.data, b.data) == 0,
               "the NDJSON line reads back as the same draft");
            sb_free(&a);
            sb_free(&b);
        }
        essay_draft_free(back);
        free(line);
        json_decref(j);
    }
    essay_draft_free(d);

    /* The shape GET /v1/articles/{id} returns is accepted as it is. */
    d = from_json_text(
        "{\"id\": 3, \"slug\": \"s\", \"title\": \"T\", \"category\": null, "
        "\"category_slug\": null, \"published\": \"2018-01-16\", "
        "\"venue\": \"V\", \"note\": \"N.\", \"authors\": [], "
        "\"word_count\": 2, \"paragraph_count\": 1, \"claim_count\": 1, "
        "\"endnote_count\": 1, \"source_sha256\": \"ab\", "
        "\"parser_version\": 1, \"version\": 2, \"created_at\": \"x\", "
        "\"updated_at\": \"y\", "
        "\"paragraphs\": [{\"index\": 0, \"kind\": \"text\", \"text\": "
        "\"Body.[1]\", \"markers\": [{\"n\": 1, \"start\": 5}]}], "
        "\"claims\": [{\"id\": 1, \"text\": \"Body.\"}], "
        "\"endnotes\": [{\"id\": 9, \"article_id\": 3, \"n\": 1, \"raw\": "
        "\"R.\", \"author\": null, \"date\": null, \"title\": null, "
        "\"publisher\": null, \"retrieved\": null, \"url\": null, \"host\": "
        "null, \"domain\": null, \"cited_by\": [1]}]}",
        &err);
    if (OK(d != NULL, HMSG("GET-shaped JSON accepted (error: %s)", err.text))) {
        STR_EQ(d->paragraphs[0], "Body.[1]", "GET-shaped paragraph text");
        STR_EQ(d->endnotes[0].raw, "R.", "GET-shaped endnote raw");
        STR_EQ(d->note, "N.", "GET-shaped note");
        STR_EQ(d->category, NULL, "GET-shaped null category");
    }
    essay_draft_free(d);

    json_rejects("[]", "body: must be a JSON object");
    json_rejects("{\"paragraphs\": [\"x\"]}", "title: is required");
    json_rejects("{\"title\": null, \"paragraphs\": [\"x\"]}",
                 "title: must be a string");
    json_rejects("{\"title\": 5, \"paragraphs\": [\"x\"]}",
                 "title: must be a string");
    json_rejects("{\"title\": \"T\", \"slug\": 3, \"paragraphs\": [\"x\"]}",
                 "slug: must be a string or null");
    json_rejects("{\"title\": \"T\", \"note\": [], \"paragraphs\": [\"x\"]}",
                 "note: must be a string or null");
    json_rejects("{\"title\": \"T\", \"category\": true, \"paragraphs\": "
                 "[\"x\"]}",
                 "category: must be a string or null");
    json_rejects("{\"title\": \"T\", \"authors\": \"A\", \"paragraphs\": "
                 "[\"x\"]}",
                 "authors: must be an array of strings");
    json_rejects("{\"title\": \"T\", \"authors\": [1], \"paragraphs\": "
                 "[\"x\"]}",
                 "authors[0]: must be a string");
    json_rejects("{\"title\": \"T\"}", "paragraphs: is required");
    json_rejects("{\"title\": \"T\", \"paragraphs\": \"x\"}",
                 "paragraphs: must be an array");
    json_rejects("{\"title\": \"T\", \"paragraphs\": []}",
                 "paragraphs: must not be empty");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"a\", \"b\", 3]}",
                 "paragraphs[2]: must be a string or an object with a string "
                 "\"text\"");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [{\"text\": 3}]}",
                 "paragraphs[0]: must be a string or an object with a string "
                 "\"text\"");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [{\"kind\": \"text\"}]}",
                 "paragraphs[0]: must be a string or an object with a string "
                 "\"text\"");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [{\"text\": \"a\", "
                 "\"colour\": 1}]}",
                 "paragraphs[0]: unknown member 'colour'");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"foo\": 1}",
                 "unknown member 'foo'");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "{}}",
                 "endnotes: must be an array");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[3]}",
                 "endnotes[0]: must be a string or an object with \"n\" and "
                 "\"raw\"");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"n\": 0, \"raw\": \"a\"}]}",
                 "endnotes[0].n: must be an integer from 1 to 9999");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[\"a\", {\"n\": 10000, \"raw\": \"a\"}]}",
                 "endnotes[1].n: must be an integer from 1 to 9999");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"n\": \"1\", \"raw\": \"a\"}]}",
                 "endnotes[0].n: must be an integer from 1 to 9999");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"n\": 1.5, \"raw\": \"a\"}]}",
                 "endnotes[0].n: must be an integer from 1 to 9999");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"raw\": \"a\"}]}",
                 "endnotes[0].n: is required");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"n\": 1}]}",
                 "endnotes[0].raw: is required");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"n\": 1, \"raw\": null}]}",
                 "endnotes[0].raw: must be a string");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[{\"n\": 1, \"raw\": \"a\", \"pages\": 3}]}",
                 "endnotes[0]: unknown member 'pages'");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"endnotes\": "
                 "[\"a\", {\"n\": 1, \"raw\": \"b\"}]}",
                 "endnotes[1].n: [1] is given twice (first at endnotes[0])");
    json_rejects("{\"title\": \"a\\u0000b\", \"paragraphs\": [\"x\"]}",
                 "title: contains a NUL character");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"bell \\u0007\"]}",
                 "paragraphs[0]: contains the control character U+0007");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"a\\nb\"]}",
                 "paragraphs[0]: contains a line break");
    json_rejects("{\"title\": \"T\", \"paragraphs\": [\"x\"], \"authors\": "
                 "[\"\\u0085ok\", \"\\u009b\"]}",
                 "authors[1]: contains the control character U+009B");

    /* Accepted by from_json, refused by what the format can hold. */
    d = from_json_text("{\"title\": \"T\", \"paragraphs\": [\"x\", "
                       "\"Notes:\"]}",
                       &err);
    if (OK(d != NULL, "a heading paragraph passes the JSON shape check")) {
        strbuf text = {0};
        essay *e = essay_parse_draft(d, &text, &err);
        OK(e == NULL && strstr(err.text, "paragraphs[1]: is exactly "
                                         "\"Notes:\""),
           HMSG("...and is refused when written (%s)", err.text));
        essay_free(e);
        sb_free(&text);
    }
    essay_draft_free(d);
}

/* ---- every essay we have ----------------------------------------------------
 */

static int is_txt(const char *dir, const char *name)
{
    size_t n = strlen(name);

    (void)dir;
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".txt") == 0;
}

static int has_input(const char *dir, const char *name)
{
    char path[1024];
    struct stat sb;

    if (name[0] == '.')
        return 0;
    snprintf(path, sizeof path, "%s/%s/input.txt", dir, name);
    return stat(path, &sb) == 0;
}

static void same_claims(const char *label, const essay *a, const essay *b)
{
    size_t k, i;

    if (!INT_EQ(b->nclaims, a->nclaims, HMSG("%s: claim count", label)))
        return;
    for (k = 0; k < a->nclaims; k++) {
        const claim *x = &a->claims[k].c, *y = &b->claims[k].c;
        bool same = a->claims[k].paragraph == b->claims[k].paragraph &&
                    strcmp(x->text, y->text) == 0 &&
                    x->start == y->start && x->end == y->end &&
                    x->start_utf16 == y->start_utf16 &&
                    x->end_utf16 == y->end_utf16 &&
                    x->byte_start == y->byte_start &&
                    x->byte_end == y->byte_end && x->quote == y->quote &&
                    x->statistic == y->statistic &&
                    x->normative == y->normative &&
                    x->nendnotes == y->nendnotes;
        for (i = 0; same && i < x->nendnotes; i++)
            same = x->endnotes[i] == y->endnotes[i];
        if (!OK(same, HMSG("%s: claim %zu (\"%.60s\") is the same", label, k,
                           x->text)))
            return;
    }
    for (k = 0; k < a->nparagraphs && k < b->nparagraphs; k++)
        OK(a->paragraphs[k].kind == b->paragraphs[k].kind &&
               a->paragraphs[k].nmarkers == b->paragraphs[k].nmarkers,
           HMSG("%s: paragraph %zu kind and markers", label, k));
    OK(a->word_count == b->word_count, HMSG("%s: word count", label));
}

/* Parses the file at path; if it parses, its draft must write, read back
 * to the same fields and claims, and be a fixed point: the canonical text
 * of the canonical text's draft is itself. Returns 1 if it parsed. */
static int check_essay_file(const char *path, const char *label)
{
    size_t len;
    char *buf = read_file(path, &len);
    essay_error err = {0, ""};
    essay *orig, *back, *third;
    essay_draft *d, *d2;
    strbuf text = {0}, text2 = {0};

    if (!OK(buf != NULL, HMSG("read %s", path)))
        return 0;
    orig = essay_parse(buf, len, &err);
    free(buf);
    if (!orig)
        return 0;
    d = draft_of(orig);
    back = essay_parse_draft(d, &text, &err);
    if (OK(back != NULL, HMSG("%s: the draft round-trips (error: %s)", label,
                              err.text))) {
        check_fields(label, d, back);
        same_claims(label, orig, back);
        INT_EQ(back->nendnotes, orig->nendnotes, HMSG("%s: endnotes", label));
        d2 = draft_of(back);
        third = essay_parse_draft(d2, &text2, &err);
        OK(third && strcmp(text.data, text2.data) == 0,
           HMSG("%s: the canonical text is a fixed point", label));
        essay_free(third);
        essay_draft_free(d2);
    }
    essay_free(back);
    essay_free(orig);
    essay_draft_free(d);
    sb_free(&text);
    sb_free(&text2);
    return 1;
}

/* Every *.txt in dir (or DIR/NAME/input.txt with golden). Returns how many
 * parsed. */
static size_t check_essay_dir(const char *dir, bool golden, bool required)
{
    char **names;
    size_t nn, i, parsed = 0;

    if (list_dir(dir, golden ? has_input : is_txt, &names, &nn) != 0) {
        OK(!required, HMSG("%s can be read", dir));
        return 0;
    }
    for (i = 0; i < nn; i++) {
        char path[1024];

        snprintf(path, sizeof path, golden ? "%s/%s/input.txt" : "%s/%s", dir,
                 names[i]);
        parsed += (size_t)check_essay_file(path, path);
    }
    free_names(names, nn);
    return parsed;
}

static void test_corpora(void)
{
    size_t n;

    n = check_essay_dir("db/corpus", false, true);
    OK(n >= 1, HMSG("db/corpus: %zu essays parsed", n));
    n = check_essay_dir("tests/fixtures/federalist", false, true);
    OK(n >= 50, HMSG("tests/fixtures/federalist: %zu essays parsed", n));
    n = check_essay_dir("tests/fixtures/api", false, false);
    n += check_essay_dir("tests/golden", true, false);
    n += check_essay_dir("tests/fuzz/corpus", false, false);
    printf("(%zu more essays from fixtures, golden cases and the fuzz "
           "corpus)\n",
           n);
}

int main(void)
{
    test_layout();
    test_header_like_paragraphs();
    test_quote_and_marker_paragraphs();
    test_category_like_last_paragraph();
    test_headings();
    test_bad_fields();
    test_unusual_text();
    test_json();
    test_corpora();
    return harness_done();
}

/*
 * fuzz_essay.c — libFuzzer target for the essay text pipeline.
 *
 * Feeds arbitrary bytes to essay_parse, which must accept any input: it
 * either rejects it with an error or returns a tree. A returned tree is
 * walked and every invariant the headers document is checked, aborting on
 * the first violation. The tree is then stored (an in-memory database, the
 * importer's store_import) and rendered as GET /v1/articles/{id} renders
 * it (render_article_full): the JSON must re-parse and say what the tree
 * says, claim by claim and endnote by endnote; the transaction is rolled
 * back. The same bytes then go straight to the lower-level parsers
 * (sentences_split, strip_markers, citation_parse, date_parse_iso,
 * slugify), whose outputs are checked the same way.
 *
 * Build and run: see tests/fuzz/README.md. Every allocation is released:
 * the fuzzer runs with LeakSanitizer.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "citations.h"
#include "dates.h"
#include "essay.h"
#include "sentences.h"
#include "store.h"
#include "text.h"

#include "essay_checks.h"
#include "fuzz_support.h" /* CHECK, LLVMFuzzerTestOneInput */

/* ---- the essay tree ---------------------------------------------------- */

static void check_paragraph(const essay_paragraph *p, mark **marks_out, size_t *nmarks_out)
{
    CHECK(p->kind == PARA_TEXT || p->kind == PARA_QUOTE);
    CHECK(p->text != NULL);
    CHECK(p->len > 0);
    CHECK(strlen(p->text) == p->len);
    CHECK(utf8_valid(p->text, p->len, NULL));
    CHECK(memchr(p->text, '\n', p->len) == NULL && memchr(p->text, '\r', p->len) == NULL);
    check_trimmed(p->text, p->len);
    CHECK(p->line >= 1);

    size_t nmarks;
    mark *marks = find_marks(p->text, p->len, &nmarks);
    CHECK(p->nmarkers == nmarks);
    CHECK((p->nmarkers == 0) || p->markers != NULL);
    for (size_t m = 0; m < p->nmarkers; m++) {
        const essay_marker *mk = &p->markers[m];
        CHECK(mk->byte_start == marks[m].b && mk->byte_end == marks[m].e && mk->n == marks[m].n);
        check_marker_bytes(p->text, mk->byte_start, mk->byte_end, mk->n);
        CHECK(mk->start == utf8_cp_count(p->text, mk->byte_start));
        CHECK(mk->end == utf8_cp_count(p->text, mk->byte_end));
        CHECK(mk->start_utf16 == utf8_utf16_count(p->text, mk->byte_start));
        CHECK(mk->end_utf16 == utf8_utf16_count(p->text, mk->byte_end));
    }
    *marks_out = marks;
    *nmarks_out = nmarks;
}

static void check_essay(const essay *e)
{
    check_str(e->title);
    CHECK(e->title[0] != '\0');
    char *derived = slugify(e->title, strlen(e->title));
    CHECK(derived != NULL);
    check_slug(derived);
    free(derived);
    if (e->slug) check_slug(e->slug);
    if (e->note) check_str(e->note);
    if (e->venue) check_str(e->venue);
    if (e->published) check_iso_date(e->published);
    if (e->category) {
        check_str(e->category);
        CHECK(e->category[0] != '\0');
    }
    for (size_t k = 0; k < e->nauthors; k++) {
        check_str(e->authors[k]);
        CHECK(e->authors[k][0] != '\0');
    }
    for (size_t k = 0; k < e->nwarnings; k++) check_str(e->warnings[k]);

    /* Paragraphs, and the claims of each (claims are grouped by paragraph,
     * in paragraph order). */
    CHECK(e->nparagraphs >= 1);
    size_t ci = 0;
    for (size_t p = 0; p < e->nparagraphs; p++) {
        const essay_paragraph *para = &e->paragraphs[p];
        mark *marks;
        size_t nmarks;
        check_paragraph(para, &marks, &nmarks);
        size_t first = ci;
        while (ci < e->nclaims && e->claims[ci].paragraph == p) ci++;
        const char *base = ci > first ? (const char *)&e->claims[first].c : NULL;
        check_claims(para->text, para->len, para->kind == PARA_QUOTE, base, sizeof e->claims[0], ci - first,
                     marks, nmarks);
        for (size_t m = 0; m < para->nmarkers; m++) {
            long idx = essay_find_endnote(e, para->markers[m].n);
            CHECK(idx >= -1 && idx < (long)e->nendnotes);
            if (idx >= 0) CHECK(e->endnotes[idx].n == para->markers[m].n);
        }
        free(marks);
    }
    CHECK(ci == e->nclaims); /* no claim names a paragraph out of order or range */

    /* Endnotes: numbers in range, unique, found again by number. */
    CHECK(essay_find_endnote(e, 0) == -1);
    CHECK(essay_find_endnote(e, -1) == -1);
    CHECK(essay_find_endnote(e, ESSAY_MAX_ENDNOTE + 1) == -1);
    for (size_t k = 0; k < e->nendnotes; k++) {
        const essay_endnote *en = &e->endnotes[k];
        CHECK(en->n >= 1 && en->n <= ESSAY_MAX_ENDNOTE);
        CHECK(essay_find_endnote(e, en->n) == (long)k);
        CHECK(en->line >= 1);
        check_str(en->raw);
        check_citation(&en->cit, true);
    }
}

/* ---- the tree as the server serves it ----------------------------------- */

static json_int_t int_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    CHECKF(json_is_integer(v), "\"%s\" is not an integer", key);
    return json_integer_value(v);
}

static bool bool_of(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    CHECKF(json_is_boolean(v), "\"%s\" is not a boolean", key);
    return json_is_true(v);
}

static sqlite3 *fuzz_db;

static sqlite3 *db_get(void)
{
    if (fuzz_db) return fuzz_db;
    fuzz_db = fz_memory_db("fuzz_essay");
    return fuzz_db;
}

/* Stores e (parsed from src[0..len)) as the importer does, renders it as
 * GET /v1/articles/{id} does, and checks the JSON against the tree. */
static void check_rendered(const essay *e, const char *src, size_t len)
{
    sqlite3 *db = db_get();
    char sha[65], *msg = NULL;
    sha256_hex(src, len, sha);
    CHECKF(store_begin(db, &msg) == 0, "BEGIN: %s", msg ? msg : "?");
    import_result res;
    memset(&res, 0, sizeof res);
    CHECKF(store_import(db, e, "fuzz.txt", sha, &res, &msg) == 0, "store_import refuses a parsed essay: %s",
           msg ? msg : "?");
    CHECK(res.outcome == IMPORT_IMPORTED);

    json_t *a = fz_render_article(db, res.article_id);

    CHECK(int_of(a, "id") == res.article_id);
    CHECK(fz_same_str(json_string_value(json_object_get(a, "title")), e->title));
    CHECK(fz_same_str(json_string_value(json_object_get(a, "source_sha256")), sha));
    CHECK(int_of(a, "paragraph_count") == (json_int_t)e->nparagraphs);
    CHECK(int_of(a, "claim_count") == (json_int_t)e->nclaims);
    CHECK(int_of(a, "endnote_count") == (json_int_t)e->nendnotes);
    CHECK(int_of(a, "word_count") == (json_int_t)e->word_count);

    const json_t *paras = json_object_get(a, "paragraphs");
    CHECK(json_array_size(paras) == e->nparagraphs);
    for (size_t p = 0; p < e->nparagraphs; p++) {
        const json_t *jp = json_array_get(paras, p);
        CHECK(int_of(jp, "index") == (json_int_t)p);
        CHECK(fz_same_str(json_string_value(json_object_get(jp, "text")), e->paragraphs[p].text));
        CHECK(json_array_size(json_object_get(jp, "markers")) == e->paragraphs[p].nmarkers);
    }

    /* Claims: the tree's offsets, texts, flags and markers, and each
     * marker's endnote id exactly when the essay has that endnote. */
    const json_t *claims = json_object_get(a, "claims"), *notes = json_object_get(a, "endnotes");
    CHECK(json_array_size(claims) == e->nclaims);
    for (size_t k = 0; k < e->nclaims; k++) {
        const essay_claim *ec = &e->claims[k];
        const json_t *jc = json_array_get(claims, k);
        CHECK(int_of(jc, "index") == (json_int_t)k);
        CHECK(int_of(jc, "paragraph") == (json_int_t)ec->paragraph);
        CHECK(int_of(jc, "start") == (json_int_t)ec->c.start && int_of(jc, "end") == (json_int_t)ec->c.end);
        CHECK(int_of(jc, "start_utf16") == (json_int_t)ec->c.start_utf16);
        CHECK(int_of(jc, "end_utf16") == (json_int_t)ec->c.end_utf16);
        CHECK(fz_same_str(json_string_value(json_object_get(jc, "text")), ec->c.text));
        CHECK(bool_of(jc, "quote") == ec->c.quote && bool_of(jc, "statistic") == ec->c.statistic &&
              bool_of(jc, "normative") == ec->c.normative);
        const json_t *ns = json_object_get(jc, "endnotes"), *ids = json_object_get(jc, "endnote_ids");
        CHECK(json_array_size(ns) == ec->c.nendnotes && json_array_size(ids) == ec->c.nendnotes);
        for (size_t j = 0; j < ec->c.nendnotes; j++) {
            CHECK(json_integer_value(json_array_get(ns, j)) == ec->c.endnotes[j]);
            long idx = essay_find_endnote(e, ec->c.endnotes[j]);
            CHECK(json_is_null(json_array_get(ids, j)) == (idx < 0));
        }
    }

    /* Endnotes, in number order: the tree's raw text and citation fields,
     * and the claims that cite them. */
    CHECK(json_array_size(notes) == e->nendnotes);
    for (size_t k = 0; k < json_array_size(notes); k++) {
        const json_t *jn = json_array_get(notes, k);
        if (k) CHECK(int_of(jn, "n") > int_of(json_array_get(notes, k - 1), "n"));
        long idx = essay_find_endnote(e, (int)int_of(jn, "n"));
        CHECK(idx >= 0);
        const essay_endnote *en = &e->endnotes[idx];
        const citation *c = &en->cit;
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "raw")), en->raw));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "author")), c->author));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "date")), c->date));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "title")), c->title));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "publisher")), c->publisher));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "retrieved")), c->retrieved));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "url")), c->url));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "host")), c->host));
        CHECK(fz_same_str(json_string_value(json_object_get(jn, "domain")), c->domain));
        size_t citing = 0;
        for (size_t i = 0; i < e->nclaims; i++)
            for (size_t j = 0; j < e->claims[i].c.nendnotes; j++)
                if (e->claims[i].c.endnotes[j] == en->n) {
                    citing++;
                    break;
                }
        CHECK(json_array_size(json_object_get(jn, "cited_by")) == citing);
    }
    json_decref(a);
    store_rollback(db);
}

/* ---- entry point ------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;

    essay_error err;
    memset(&err, 'x', sizeof err);
    essay *e = essay_parse(buf, size, &err);
    if (e) {
        check_essay(e);
        check_rendered(e, buf, size);
        essay_free(e);
    } else {
        CHECK(memchr(err.text, '\0', sizeof err.text) != NULL);
        CHECK(err.text[0] != '\0');
        CHECK(err.line >= 0);
        CHECK(essay_parse(buf, size, NULL) == NULL); /* err may be NULL */
    }
    essay_free(NULL);

    /* dates.h puts no condition on its input. */
    check_date_parse(buf, size);

    if (!utf8_valid(buf, size, NULL)) return 0;

    /* The lower-level parsers take valid UTF-8; give them a NUL-terminated
     * copy of exactly the input (plus the NUL). */
    char *copy = malloc(size + 1);
    CHECK(copy != NULL);
    if (size) memcpy(copy, buf, size);
    copy[size] = '\0';

    char *slug = slugify(copy, size);
    CHECK(slug != NULL);
    check_slug(slug);
    free(slug);

    char *s = strip_markers(copy, size);
    CHECK(s != NULL);
    check_str(s);
    if (!memchr(copy, '\0', size)) check_trimmed(s, strlen(s)); /* else strlen stops short */
    free(s);

    check_citation_parse(copy, size);

    /* sentences_split wants a trimmed paragraph. */
    size_t tb, te;
    utf8_trim(copy, size, &tb, &te);
    const char *para = copy + tb;
    size_t plen = te - tb;
    bool in_quote = size & 1;
    claim *cs = NULL;
    size_t n = 0;
    if (sentences_split(para, plen, in_quote, &cs, &n) == 0) {
        if (plen == 0) CHECK(n == 0);
        size_t nmarks;
        mark *marks = find_marks(para, plen, &nmarks);
        check_claims(para, plen, in_quote, (const char *)cs, sizeof *cs, n, marks, nmarks);
        free(marks);
        claims_free(cs, n);
    }
    free(copy);
    return 0;
}

/*
 * fuzz_json_body.c — libFuzzer target for the JSON body of POST and PUT
 * /v1/articles.
 *
 * The input is the request body. It goes through the server's own code:
 * api_write.c is included here so that its static essay_from_body (the
 * function POST and PUT call: Content-Type, the depth limit of 32 checked
 * before jansson parses, json_loadb with JSON_REJECT_DUPLICATES,
 * essay_draft_from_json, essay_parse_draft, the content hash) runs as the
 * server runs it, on a request with no connection (fuzz_support.h). Its
 * answer on failure is checked, and then the same steps are repeated one
 * at a time (the same functions: json_depth, json_loadb, the draft
 * functions) to check what lies between them:
 *
 *  - never a crash or a leak; the answer is a 400 invalid-json (exactly
 *    when the depth check or jansson refuses the body) or a 422
 *    invalid-essay whose detail is the draft functions' message and which
 *    carries a "reason", or an essay;
 *  - json_depth is the true nesting depth of every body jansson accepts
 *    (it never lets a deeper body through, nor refuses a shallow one);
 *  - an accepted draft: essay_draft_write's text is what essay_parse_draft
 *    parsed, it hashes to the hash the server stores, and essay_parse of it
 *    gives back every field of the draft (title, slug, authors, note,
 *    category, paragraphs, endnotes n and raw);
 *  - essay_draft_to_json of the draft dumps to valid UTF-8 that jansson
 *    parses back to the same value, and essay_draft_from_json of it gives
 *    a draft with the same canonical text;
 *  - stored (store_put, STORE_CREATE, in a transaction on an in-memory
 *    database that is rolled back) and rendered as GET and POST answer it
 *    (render_article_full), the article is valid UTF-8 JSON with the
 *    parsed essay's counts, hash and texts, and sent back as a PUT body it
 *    is accepted and stands for the same essay (the GET -> edit -> PUT
 *    promise).
 *
 * Also: content_kind (the Content-Type reader) on the same bytes.
 */
#include "../../src/api_write.c"

#include <stdint.h>

#include "fuzz_support.h"

/* ---- helpers ------------------------------------------------------------- */

/* The nesting depth of a parsed value (a scalar is 0). */
static size_t tree_depth(const json_t *j)
{
    size_t max = 0, i;
    const char *key;
    json_t *v;
    if (json_is_array(j)) {
        json_array_foreach((json_t *)(uintptr_t)j, i, v)
        {
            size_t d = tree_depth(v);
            if (d > max) max = d;
        }
        return max + 1;
    }
    if (json_is_object(j)) {
        json_object_foreach((json_t *)(uintptr_t)j, key, v)
        {
            size_t d = tree_depth(v);
            if (d > max) max = d;
        }
        return max + 1;
    }
    return 0;
}

/* The parsed essay e reads back as draft d, field by field. */
static void check_essay_is_draft(const essay *e, const essay_draft *d)
{
    CHECK(fz_same_str(e->title, d->title));
    CHECK(fz_same_str(e->slug, d->slug));
    CHECK(fz_same_str(e->note, d->note));
    CHECK(fz_same_str(e->category, d->category));
    CHECK(e->nauthors == d->nauthors);
    for (size_t k = 0; k < d->nauthors; k++) CHECK(fz_same_str(e->authors[k], d->authors[k]));
    CHECK(e->nparagraphs == d->nparagraphs);
    for (size_t k = 0; k < d->nparagraphs; k++) CHECK(fz_same_str(e->paragraphs[k].text, d->paragraphs[k]));
    CHECK(e->nendnotes == d->nendnotes);
    for (size_t k = 0; k < d->nendnotes; k++) {
        CHECK(e->endnotes[k].n == d->endnotes[k].n);
        CHECK(fz_same_str(e->endnotes[k].raw, d->endnotes[k].raw));
    }
}

/* Two drafts hold the same fields; the endnotes compared by number when
 * by_number (GET lists them by n, a draft in the order written). */
static void check_same_draft(const essay_draft *a, const essay_draft *b, bool slugs, bool by_number)
{
    CHECK(fz_same_str(a->title, b->title));
    if (slugs) CHECK(fz_same_str(a->slug, b->slug));
    CHECK(fz_same_str(a->note, b->note));
    CHECK(fz_same_str(a->category, b->category));
    CHECK(a->nauthors == b->nauthors);
    for (size_t k = 0; k < a->nauthors; k++) CHECK(fz_same_str(a->authors[k], b->authors[k]));
    CHECK(a->nparagraphs == b->nparagraphs);
    for (size_t k = 0; k < a->nparagraphs; k++) CHECK(fz_same_str(a->paragraphs[k], b->paragraphs[k]));
    CHECK(a->nendnotes == b->nendnotes);
    for (size_t k = 0; k < a->nendnotes; k++) {
        const essay_draft_endnote *x = &a->endnotes[k], *y = NULL;
        if (!by_number) {
            y = &b->endnotes[k];
        } else {
            for (size_t j = 0; j < b->nendnotes && !y; j++)
                if (b->endnotes[j].n == x->n) y = &b->endnotes[j];
        }
        CHECKF(y != NULL, "endnote [%d] is lost", x->n);
        CHECK(x->n == y->n);
        CHECK(fz_same_str(x->raw, y->raw));
    }
}

/* The canonical text of d (essay_draft_write must accept it). */
static strbuf canonical(const essay_draft *d)
{
    strbuf sb = {0};
    essay_error err = {0, ""};
    CHECKF(essay_draft_write(d, &sb, &err) == 0, "essay_draft_write refuses an accepted draft: %s", err.text);
    CHECK(sb.data != NULL && sb.len > 0 && sb.data[sb.len - 1] == '\n');
    return sb;
}

/* ---- the store and the rendered article -------------------------------------- */

static sqlite3 *fuzz_db;

static sqlite3 *db_get(void)
{
    if (fuzz_db) return fuzz_db;
    fuzz_db = fz_memory_db("fuzz_json_body");
    return fuzz_db;
}

/* Stores e (from draft d, text hashing to sha) the way POST does, renders
 * it the way GET and the POST answer do, checks the article and that it is
 * a PUT body for the same essay, and rolls everything back. */
static void check_stored(const essay *e, const essay_draft *d, const char *sha, const strbuf *text)
{
    sqlite3 *db = db_get();
    char *msg = NULL;
    CHECKF(store_begin(db, &msg) == 0, "BEGIN: %s", msg ? msg : "?");
    store_target t = {STORE_CREATE, 0, NULL};
    import_result res;
    memset(&res, 0, sizeof res);
    int rc = store_put(db, e, NULL, sha, &t, &res, &msg);
    if (rc == STORE_CONFLICT) {
        /* The only conflict in an empty database: no usable slug (the
         * server answers 422 with this message). */
        CHECKF(msg && msg[0], "a conflict with no message");
        free(msg);
        store_rollback(db);
        return;
    }
    CHECKF(rc == 0, "store_put failed on a parsed essay: %d %s", rc, msg ? msg : "?");
    free(msg);
    msg = NULL;

    json_t *a = fz_render_article(db, res.article_id);

    /* What the article says about itself. */
    CHECK(json_integer_value(json_object_get(a, "id")) == res.article_id);
    CHECK(fz_same_str(json_string_value(json_object_get(a, "slug")), res.slug));
    CHECK(fz_same_str(json_string_value(json_object_get(a, "source_sha256")), sha));
    CHECK(json_integer_value(json_object_get(a, "paragraph_count")) == (json_int_t)e->nparagraphs);
    CHECK(json_integer_value(json_object_get(a, "claim_count")) == (json_int_t)e->nclaims);
    CHECK(json_integer_value(json_object_get(a, "endnote_count")) == (json_int_t)e->nendnotes);
    CHECK(json_integer_value(json_object_get(a, "word_count")) == (json_int_t)e->word_count);
    CHECK(json_array_size(json_object_get(a, "paragraphs")) == e->nparagraphs);
    CHECK(json_array_size(json_object_get(a, "claims")) == e->nclaims);
    CHECK(json_array_size(json_object_get(a, "endnotes")) == e->nendnotes);
    for (size_t k = 0; k < e->nclaims; k++) {
        json_t *c = json_array_get(json_object_get(a, "claims"), k);
        CHECK(fz_same_str(json_string_value(json_object_get(c, "text")), e->claims[k].c.text));
    }
    if (d->slug) CHECK(strcmp(res.slug, d->slug) == 0);

    /* GET -> PUT: the article as a body stands for the same essay. */
    essay_error err = {0, ""};
    essay_draft *back = essay_draft_from_json(a, &err);
    CHECKF(back != NULL, "the rendered article is not accepted back as a body: %s", err.text);
    check_same_draft(d, back, d->slug != NULL, true);
    CHECK(back->slug && strcmp(back->slug, res.slug) == 0);
    strbuf again = {0};
    essay *e2 = essay_parse_draft(back, &again, &err);
    CHECKF(e2 != NULL, "the rendered article as a body does not parse: %s", err.text);
    if (d->slug) {
        /* Same fields, and endnotes in the same order: the same text. */
        bool ordered = true;
        for (size_t k = 1; k < d->nendnotes; k++) ordered = ordered && d->endnotes[k - 1].n < d->endnotes[k].n;
        if (ordered) CHECK(again.len == text->len && memcmp(again.data, text->data, text->len) == 0);
    }
    essay_free(e2);
    sb_free(&again);
    essay_draft_free(back);
    json_decref(a);
    store_rollback(db);
}

/* ---- Content-Type ---------------------------------------------------------------- */

static void check_content_kind(const char *ct)
{
    body_kind k = content_kind(ct);
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) n--;
    if (k == BODY_JSON) CHECK(n == 16 && strncasecmp(ct, "application/json", 16) == 0);
    if (k == BODY_TEXT) CHECK(n == 10 && strncasecmp(ct, "text/plain", 10) == 0);
    /* Without parameters, the media type alone decides. */
    if (!strchr(ct, ';')) {
        if (n == 16 && strncasecmp(ct, "application/json", 16) == 0) CHECK(k == BODY_JSON);
        if (n == 10 && strncasecmp(ct, "text/plain", 10) == 0) CHECK(k == BODY_TEXT);
    }
    CHECK(content_kind(NULL) == BODY_UNSUPPORTED);
}

/* ---- the target -------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy: reading past the body is caught. */
    char *body = malloc(size ? size : 1);
    CHECK(body != NULL);
    if (size) memcpy(body, data, size);

    /* 1. The server's path, as POST /v1/articles takes it. */
    request r;
    fz_request_init(&r, "POST", "/v1/articles");
    r.h_content_type = "application/json";
    r.write_reply = true;
    r.body = body;
    r.body_len = size;
    char sha[65] = "";
    essay *served = essay_from_body(&r, sha);
    json_t *problem = NULL;
    if (served) {
        CHECK(!r.replied);
        CHECK(strlen(sha) == 64);
    } else {
        CHECK(r.replied);
        CHECKF(r.status == 400 || r.status == 422, "status %u", r.status);
        problem = fz_check_problem(&r, r.status, r.status == 400 ? "invalid-json" : "invalid-essay");
    }

    /* 2. The same steps one at a time. */
    size_t depth = json_depth(body, size);
    json_error_t jerr;
    /* jansson on its own (it has a depth limit of its own, 2048): the
     * pre-check must agree with the real depth of whatever it accepts. */
    json_t *any = json_loadb(body, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (any) CHECKF(tree_depth(any) == depth, "json_depth %zu, real depth %zu", depth, tree_depth(any));
    json_t *root = depth <= MAX_JSON_DEPTH ? any : NULL;
    if (!root) {
        CHECK(!served && r.status == 400);
        json_decref(any);
        goto done;
    }
    essay_error err = {-1, ""};
    essay_draft *d = essay_draft_from_json(root, &err);
    json_decref(root);
    if (!d) {
        CHECK(err.text[0] != '\0');
        CHECK(err.line == 0);
        CHECK(!served && r.status == 422);
    } else {
        strbuf text = {0};
        essay_error err2 = {-1, ""};
        essay *e = essay_parse_draft(d, &text, &err2);
        if (!e) {
            CHECK(err2.text[0] != '\0');
            CHECKF(!served, "the server accepted what essay_parse_draft refuses: %s", err2.text);
            CHECK(r.status == 422);
            err = err2;
        } else {
            CHECKF(served != NULL, "the server refused an essay that essay_parse_draft accepts");
            /* The hash the server stores is of this text. */
            char h[65];
            sha256_hex(text.data, text.len, h);
            CHECK(strcmp(h, sha) == 0);
            /* essay_draft_write writes the same text. */
            strbuf w = canonical(d);
            CHECK(w.len == text.len && memcmp(w.data, text.data, w.len) == 0);
            sb_free(&w);
            /* e is essay_parse of that text: it gives back every field of
             * the draft (checked here, not only by essay_parse_draft's own
             * comparison), as does the server's. */
            essay_error perr = {0, ""};
            check_essay_is_draft(e, d);
            check_essay_is_draft(served, d);
            CHECK(served->nclaims == e->nclaims && served->word_count == e->word_count);
            /* The draft's JSON: valid, parses back, and is the same draft. */
            json_t *dj = essay_draft_to_json(d);
            CHECKF(dj != NULL, "essay_draft_to_json failed on an accepted draft");
            char *dump = fz_json_roundtrip(dj, JSON_COMPACT | JSON_PRESERVE_ORDER);
            free(dump);
            essay_draft *d2 = essay_draft_from_json(dj, &perr);
            CHECKF(d2 != NULL, "essay_draft_to_json's output is refused: %s", perr.text);
            check_same_draft(d, d2, true, false);
            strbuf w2 = canonical(d2);
            CHECK(w2.len == text.len && memcmp(w2.data, text.data, w2.len) == 0);
            sb_free(&w2);
            essay_draft_free(d2);
            json_decref(dj);
            /* Stored and rendered as the server does. */
            check_stored(e, d, sha, &text);
            essay_free(e);
        }
        sb_free(&text);
        essay_draft_free(d);
    }
    if (problem) {
        /* A 422 says what the draft functions said, as detail and again as
         * "reason". Their message quotes the body, cut to a bound: cut in
         * the middle of a character it was no longer UTF-8, and the reason
         * was lost (json_pack refused it; found here, fixed by utf8_cut). */
        const char *detail = json_string_value(json_object_get(problem, "detail"));
        const char *reason = json_string_value(json_object_get(problem, "reason"));
        CHECKF(fz_utf8(err.text, strlen(err.text)), "the message is not UTF-8: %s", err.text);
        CHECKF(reason != NULL, "a 422 without a reason member; detail: %s", detail);
        if (fz_utf8(err.text, strlen(err.text))) {
            CHECKF(strcmp(detail, err.text) == 0, "detail %s", detail);
            CHECKF(reason && strcmp(reason, err.text) == 0, "reason %s", reason ? reason : "(none)");
        }
    }

done:
    if (problem && r.status == 400) {
        /* jansson's errors name a line and a column; the depth check does not. */
        if (depth <= MAX_JSON_DEPTH) CHECK(json_is_integer(json_object_get(problem, "line")));
    }
    json_decref(problem);
    essay_free(served);
    fz_request_clear_reply(&r);

    /* The same bytes as a Content-Type header. */
    char *ct = fz_strndup(data, size);
    check_content_kind(ct);
    free(ct);
    free(body);
    return 0;
}

/*
 * test_golden.c — golden cases, the jansson way.
 *
 * Usage: build/test_golden [DIR]   (default tests/golden, from the repo root)
 *
 * Each folder DIR/<case>/ holds input.txt and either
 *   expected.json  what essay_parse makes of it, rendered as below; or
 *   error          "LINE: substring": essay_parse must fail with err.line ==
 *                  LINE and err.text containing the substring (ASCII case
 *                  ignored; alternatives separated by '|').
 * The rendering:
 *   {"title", "slug_header", "venue", "published", "category", "authors": [],
 *    "paragraphs": [{"kind": "text"|"quote", "text"}],
 *    "claims": [{"paragraph", "start", "end", "text", "endnotes": [],
 *                "quote", "statistic", "normative"}],
 *    "endnotes": [{"n", "author", "date", "title", "publisher", "retrieved",
 *                  "url", "domain"}],
 *    "warnings_count"}
 * Offsets are code points. When expected.json has no "warnings_count", the
 * number of warnings is not compared (the contract leaves it open there).
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "essay.h"
#include "harness.h"
#include "support.h"

static int exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* ---- rendering (every jansson call checked) ---------------------------------
 */

/* Sets o[key] = v, taking v; returns -1 if v is NULL or the set fails. */
static int put(json_t *o, const char *key, json_t *v)
{
    if (!v)
        return -1;
    return json_object_set_new(o, key, v); /* steals v, even on failure */
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static int append(json_t *a, json_t *v)
{
    if (!v)
        return -1;
    return json_array_append_new(a, v);
}

/* Returns o, or NULL (releasing o) if rc reports a failure. */
static json_t *done(json_t *o, int rc)
{
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* A string member of a rendered object; value NULL renders as null. */
struct field {
    const char *key, *value;
};

/* Sets o[key] = value for each of the n fields f. */
static int put_strings(json_t *o, const struct field *f, size_t n)
{
    size_t i;
    int rc = 0;

    for (i = 0; i < n; i++)
        rc |= put(o, f[i].key, str_or_null(f[i].value));
    return rc;
}

static json_t *render_claim(const essay_claim *ec)
{
    json_t *o = json_object(), *notes = json_array();
    size_t i;
    int rc = 0;

    if (!o || !notes) {
        json_decref(o);
        json_decref(notes);
        return NULL;
    }
    for (i = 0; i < ec->c.nendnotes; i++)
        rc |= append(notes, json_integer(ec->c.endnotes[i]));
    rc |= put(o, "endnotes", notes);
    rc |= put(o, "paragraph", json_integer((json_int_t)ec->paragraph));
    rc |= put(o, "start", json_integer((json_int_t)ec->c.start));
    rc |= put(o, "end", json_integer((json_int_t)ec->c.end));
    rc |= put(o, "text", str_or_null(ec->c.text));
    rc |= put(o, "quote", json_boolean(ec->c.quote));
    rc |= put(o, "statistic", json_boolean(ec->c.statistic));
    rc |= put(o, "normative", json_boolean(ec->c.normative));
    return done(o, rc);
}

static json_t *render_endnote(const essay_endnote *en)
{
    const struct field f[] = {
        {"author", en->cit.author},       {"date", en->cit.date},
        {"title", en->cit.title},         {"publisher", en->cit.publisher},
        {"retrieved", en->cit.retrieved}, {"url", en->cit.url},
        {"domain", en->cit.domain},
    };
    json_t *o = json_object();
    int rc;

    if (!o)
        return NULL;
    rc = put(o, "n", json_integer(en->n));
    rc |= put_strings(o, f, sizeof f / sizeof f[0]);
    return done(o, rc);
}

/* The essay as the JSON object above, or NULL if a field could not be
 * rendered (e.g. invalid UTF-8 makes json_string fail). */
static json_t *render(const essay *e)
{
    const struct field f[] = {
        {"title", e->title},         {"slug_header", e->slug},
        {"venue", e->venue},         {"published", e->published},
        {"category", e->category},
    };
    json_t *o = json_object(), *authors = json_array(), *paras = json_array(),
           *claims = json_array(), *notes = json_array();
    size_t i;
    int rc = 0;

    if (!o || !authors || !paras || !claims || !notes) {
        json_decref(o);
        json_decref(authors);
        json_decref(paras);
        json_decref(claims);
        json_decref(notes);
        return NULL;
    }
    for (i = 0; i < e->nauthors; i++)
        rc |= append(authors, str_or_null(e->authors[i]));
    for (i = 0; i < e->nparagraphs; i++) {
        json_t *p = json_object();
        if (!p) {
            rc = -1;
            break;
        }
        rc |= put(p, "kind",
                  json_string(e->paragraphs[i].kind == PARA_QUOTE ? "quote"
                                                                  : "text"));
        rc |= put(p, "text", str_or_null(e->paragraphs[i].text));
        rc |= append(paras, p);
    }
    for (i = 0; i < e->nclaims; i++)
        rc |= append(claims, render_claim(&e->claims[i]));
    for (i = 0; i < e->nendnotes; i++)
        rc |= append(notes, render_endnote(&e->endnotes[i]));

    rc |= put(o, "authors", authors);
    rc |= put(o, "paragraphs", paras);
    rc |= put(o, "claims", claims);
    rc |= put(o, "endnotes", notes);
    rc |= put_strings(o, f, sizeof f / sizeof f[0]);
    rc |= put(o, "warnings_count", json_integer((json_int_t)e->nwarnings));
    return done(o, rc);
}

static void print_json(const char *what, const json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

    printf("--- %s\n%s\n", what, s ? s : "(json_dumps failed)");
    free(s);
}

/* ---- error files
 * ------------------------------------------------------------- */

/* True if text contains one of the '|'-separated alternatives. */
static int matches_any(const char *text, const char *alts)
{
    const char *p = alts;

    for (;;) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n > 0 && contains_ci(text, p, n))
            return 1;
        if (!bar)
            return 0;
        p = bar + 1;
    }
}

static void run_error_case(const char *name, const char *input, size_t len,
                           const char *error_path)
{
    size_t elen;
    char *spec = read_file(error_path, &elen), *colon, *end, *msg;
    long want_line;
    essay_error err;
    essay *e;

    if (!OK(spec != NULL, HMSG("%s: read error file", name)))
        return;
    while (elen > 0 && isspace((unsigned char)spec[elen - 1]))
        spec[--elen] = '\0';
    want_line = strtol(spec, &end, 10);
    colon = strchr(spec, ':');
    if (!OK(end != spec && colon == end,
            HMSG("%s: error file reads \"LINE: text\" (\"%s\")", name, spec))) {
        free(spec);
        return;
    }
    msg = colon + 1;
    while (*msg == ' ')
        msg++;

    memset(&err, 0, sizeof err);
    e = essay_parse(input, len, &err);
    if (OK(e == NULL, HMSG("%s: rejected", name))) {
        INT_EQ(err.line, want_line,
               HMSG("%s: error line (text \"%s\")", name, err.text));
        OK(matches_any(err.text, msg),
           HMSG("%s: error text \"%s\" contains one of \"%s\"", name, err.text,
                msg));
    }
    essay_free(e);
    free(spec);
}

static void run_json_case(const char *name, const char *input, size_t len,
                          const char *expected_path)
{
    json_error_t jerr;
    json_t *want = json_load_file(expected_path, 0, &jerr), *got;
    essay_error err;
    essay *e;

    if (!OK(want != NULL, HMSG("%s: expected.json loads (%s:%d: %s)", name,
                               expected_path, jerr.line, jerr.text)))
        return;
    memset(&err, 0, sizeof err);
    e = essay_parse(input, len, &err);
    if (!OK(e != NULL, HMSG("%s: parses (error: line %d: %s)", name, err.line,
                            err.text))) {
        json_decref(want);
        return;
    }
    got = render(e);
    if (OK(got != NULL, HMSG("%s: the essay renders as JSON", name))) {
        if (!json_object_get(want, "warnings_count"))
            OK(json_object_del(got, "warnings_count") == 0,
               HMSG("%s: drop warnings_count", name));
        if (!OK(json_equal(got, want),
                HMSG("%s: parse equals expected.json", name))) {
            print_json("expected", want);
            print_json("got", got);
        }
        json_decref(got);
    }
    essay_free(e);
    json_decref(want);
}

/* list_dir filter: the case folders (those with an input.txt). */
static int has_input(const char *root, const char *name)
{
    char path[1024];

    if (name[0] == '.')
        return 0;
    snprintf(path, sizeof path, "%s/%s/input.txt", root, name);
    return exists(path);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/golden";
    char **names;
    size_t n, i;

    if (!OK(list_dir(root, has_input, &names, &n) == 0,
            HMSG("open golden directory %s", root)))
        return harness_done();
    OK(n >= 10, HMSG("found golden cases in %s (%zu)", root, n));

    for (i = 0; i < n; i++) {
        char in[1024], exp[1024], errp[1024];
        size_t len;
        char *input;
        int has_exp, has_err;

        snprintf(in, sizeof in, "%s/%s/input.txt", root, names[i]);
        snprintf(exp, sizeof exp, "%s/%s/expected.json", root, names[i]);
        snprintf(errp, sizeof errp, "%s/%s/error", root, names[i]);
        has_exp = exists(exp);
        has_err = exists(errp);
        if (!OK(has_exp != has_err,
                HMSG("%s: exactly one of expected.json and error", names[i])))
            continue;
        input = read_file(in, &len);
        if (!OK(input != NULL, HMSG("%s: read input.txt", names[i])))
            continue;
        if (has_err)
            run_error_case(names[i], input, len, errp);
        else
            run_json_case(names[i], input, len, exp);
        free(input);
    }
    printf("(%zu golden cases)\n", n);
    free_names(names, n);
    return harness_done();
}

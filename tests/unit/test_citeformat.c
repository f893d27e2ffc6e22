/*
 * test_citeformat.c — endnote objects → CSL-JSON items and biblatex
 * entries (citeformat.h).
 *
 * Usage: build/test_citeformat [SCHEMA]
 *   (default tests/schema/csl-data.json, from the repo root)
 *
 * Every CSL item made here is also checked against the CSL-JSON schema
 * with the small JSON Schema checker below, which knows the keywords that
 * schema uses and fails on any other.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "citeformat.h"
#include "harness.h"
#include "text.h"

static const char *schema_path = "tests/schema/csl-data.json";
static json_t *schema;    /* loaded once by main; NULL if it could not be read */
static json_t *all_items; /* every CSL item made, validated together at the end */
static int schema_quiet;  /* no diagnostics while checking what must fail */

/* ---- a minimal JSON Schema (draft-07) checker ------------------------------
 */

static int schema_valid(const json_t *sch, const json_t *v);

static int type_is(const char *t, const json_t *v)
{
    if (strcmp(t, "string") == 0) return json_is_string(v);
    if (strcmp(t, "number") == 0) return json_is_number(v);
    if (strcmp(t, "integer") == 0) return json_is_integer(v);
    if (strcmp(t, "boolean") == 0) return json_is_boolean(v);
    if (strcmp(t, "array") == 0) return json_is_array(v);
    if (strcmp(t, "object") == 0) return json_is_object(v);
    if (strcmp(t, "null") == 0) return json_is_null(v);
    return 0;
}

static int keyword_known(const char *k)
{
    static const char *const known[] = {
        "$schema", "$id", "title", "description", "examples", "definitions",
        "$ref", "anyOf", "type", "enum", "properties", "additionalProperties",
        "required", "items", "minItems", "maxItems",
    };
    size_t i;

    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(k, known[i]) == 0) return 1;
    return 0;
}

static int schema_valid(const json_t *sch, const json_t *v)
{
    const char *k;
    json_t *kv, *x;
    size_t i;

    json_object_foreach((json_t *)(uintptr_t)sch, k, kv)
    {
        if (!keyword_known(k)) {
            if (!schema_quiet) printf("schema checker: unknown keyword %s\n", k);
            return 0;
        }
    }
    if ((x = json_object_get(sch, "$ref")) != NULL) {
        const char *ref = json_string_value(x);
        if (!ref || strncmp(ref, "#/definitions/", 14) != 0) return 0;
        x = json_object_get(json_object_get(schema, "definitions"), ref + 14);
        if (!x || !schema_valid(x, v)) return 0;
    }
    if ((x = json_object_get(sch, "anyOf")) != NULL) {
        int any = 0;
        for (i = 0; i < json_array_size(x) && !any; i++)
            any = schema_valid(json_array_get(x, i), v);
        if (!any) return 0;
    }
    if ((x = json_object_get(sch, "type")) != NULL) {
        int any = 0;
        if (json_is_string(x)) any = type_is(json_string_value(x), v);
        for (i = 0; i < json_array_size(x) && !any; i++)
            any = type_is(json_string_value(json_array_get(x, i)), v);
        if (!any) return 0;
    }
    if ((x = json_object_get(sch, "enum")) != NULL) {
        int any = 0;
        for (i = 0; i < json_array_size(x) && !any; i++)
            any = json_equal(json_array_get(x, i), v);
        if (!any) return 0;
    }
    if (json_is_object(v)) {
        json_t *props = json_object_get(sch, "properties");
        json_t *extra = json_object_get(sch, "additionalProperties");
        json_t *req = json_object_get(sch, "required");
        for (i = 0; i < json_array_size(req); i++)
            if (!json_object_get(v, json_string_value(json_array_get(req, i))))
                return 0;
        json_object_foreach((json_t *)(uintptr_t)v, k, kv)
        {
            json_t *p = json_object_get(props, k);
            if (p ? !schema_valid(p, kv) : json_is_false(extra)) {
                if (!schema_quiet)
                    printf("schema checker: property %s not allowed or "
                           "invalid\n",
                           k);
                return 0;
            }
        }
    }
    if (json_is_array(v)) {
        json_t *items = json_object_get(sch, "items");
        json_t *mn = json_object_get(sch, "minItems");
        json_t *mx = json_object_get(sch, "maxItems");
        if (mn && (json_int_t)json_array_size(v) < json_integer_value(mn))
            return 0;
        if (mx && (json_int_t)json_array_size(v) > json_integer_value(mx))
            return 0;
        for (i = 0; items && i < json_array_size(v); i++)
            if (!schema_valid(items, json_array_get(v, i))) return 0;
    }
    return 1;
}

/* ---- helpers ------------------------------------------------------------- */

/* An endnote object as the API serves it; a NULL string is a JSON null. */
struct note {
    json_int_t id, n;
    const char *raw, *author, *date, *title, *publisher, *retrieved, *url,
        *host, *domain;
    json_int_t cited_by;
};

static json_t *make_note(const struct note *w)
{
    json_error_t err;
    json_t *o = json_pack_ex(
        &err, 0,
        "{s:I, s:I, s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
        "s:[I]}",
        "id", w->id, "article_id", (json_int_t)1, "n", w->n, "raw", w->raw,
        "author", w->author, "date", w->date, "title", w->title, "publisher",
        w->publisher, "retrieved", w->retrieved, "url", w->url, "host",
        w->host, "domain", w->domain, "cited_by", w->cited_by);

    if (!o) {
        fprintf(stderr, "json_pack: %s\n", err.text);
        exit(2);
    }
    return o;
}

static json_t *parse_json(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, 0, &err);

    if (!v) {
        fprintf(stderr, "bad expected JSON in the test: %s\n%s\n", err.text,
                text);
        exit(2);
    }
    return v;
}

/* Checks csl_from_endnote(note) against the JSON text want; the item must
 * also be valid CSL-JSON. */
static void check_csl(const char *label, const json_t *note, const char *want)
{
    json_t *got = csl_from_endnote(note), *w = parse_json(want);

    if (OK(got != NULL, HMSG("%s: csl_from_endnote returns an item", label))) {
        if (!OK(json_equal(got, w), HMSG("%s: CSL item", label))) {
            char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);
            char *x = json_dumps(w, JSON_SORT_KEYS | JSON_COMPACT);
            printf("  got  %s\n  want %s\n", g ? g : "?", x ? x : "?");
            free(g);
            free(x);
        }
        if (schema) {
            json_t *one = json_pack("[O]", got);
            OK(one && schema_valid(schema, one),
               HMSG("%s: CSL item valid against csl-data.json", label));
            json_decref(one);
        }
        if (json_array_append(all_items, got) < 0) exit(2);
    }
    json_decref(got);
    json_decref(w);
}

/* Checks bibtex_from_endnote(note) against want, appended after a prefix
 * that must stay as it was. */
static void check_bib(const char *label, const json_t *note, const char *want)
{
    strbuf sb = {0};
    static const char prefix[] = "% before\n";
    size_t pn = sizeof prefix - 1;

    if (sb_puts(&sb, prefix) < 0) exit(2);
    if (INT_EQ(bibtex_from_endnote(note, &sb), 0,
               HMSG("%s: bibtex_from_endnote succeeds", label))) {
        OK(sb.len >= pn && memcmp(sb.data, prefix, pn) == 0,
           HMSG("%s: appends after what out held", label));
        STR_EQ(sb.len >= pn ? sb.data + pn : sb.data, want,
               HMSG("%s: biblatex entry", label));
    }
    sb_free(&sb);
}

static void check_both(const char *label, const struct note *w,
                       const char *csl, const char *bib)
{
    json_t *note = make_note(w);

    check_csl(label, note, csl);
    check_bib(label, note, bib);
    json_decref(note);
}

static void check_bib_note(const char *label, const struct note *w,
                           const char *want)
{
    json_t *note = make_note(w);

    check_bib(label, note, want);
    json_decref(note);
}

/* A note from just a few fields (everything else null). */
static struct note few(json_int_t id, const char *author, const char *date,
                       const char *title, const char *publisher,
                       const char *retrieved, const char *url)
{
    struct note w = {id, id, "raw", author, date, title, publisher, retrieved,
                     url, NULL, NULL, 1};
    return w;
}

/* ---- the seed essay ---------------------------------------------------- */

struct seed_case {
    struct note note;
    const char *csl, *bib;
};

/* The seed's seven endnotes as the API serves them (db/corpus, imported),
 * and what they export to. */
static const struct seed_case seed[] = {
    {{1, 1,
      "BBC News. (16 October 2017). North Korea crisis: Tillerson says "
      "diplomacy will continue. Retrieved December 22, 2017, from "
      "[www.bbc.com/news/worl...](http://www.bbc.com/news/"
      "world-asia-41629233.)",
      "BBC News", "2017-10-16",
      "North Korea crisis: Tillerson says diplomacy will continue", NULL,
      "2017-12-22", "http://www.bbc.com/news/world-asia-41629233",
      "www.bbc.com", "bbc.com", 3},
     "{\"id\": \"essayd-endnote-1\", \"type\": \"webpage\","
     " \"title\": \"North Korea crisis: Tillerson says diplomacy will "
     "continue\","
     " \"author\": [{\"literal\": \"BBC News\"}],"
     " \"issued\": {\"date-parts\": [[2017, 10, 16]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"URL\": \"http://www.bbc.com/news/world-asia-41629233\"}",
     "@online{essayd-endnote-1,\n"
     "  author = {{BBC News}},\n"
     "  title = {North Korea crisis: Tillerson says diplomacy will "
     "continue},\n"
     "  date = {2017-10-16},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {http://www.bbc.com/news/world-asia-41629233},\n"
     "}\n"},
    {{2, 2,
      "Stewart, P. (26 October 2017). Mattis talks diplomacy on North Korea "
      "ahead of Trump\u2019s Asia tour.\u00a0Reuters. Retrieved December "
      "22, 2017, from [www.reuters.com/article/u...](https://"
      "www.reuters.com/article/us-northkorea-missiles/mattis-talks-"
      "diplomacy-on-north-korea-ahead-of-trumps-asia-tour-idUSKBN1CW04W.)",
      "Stewart, P.", "2017-10-26",
      "Mattis talks diplomacy on North Korea ahead of Trump\u2019s Asia "
      "tour",
      "Reuters", "2017-12-22",
      "https://www.reuters.com/article/us-northkorea-missiles/"
      "mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-"
      "idUSKBN1CW04W",
      "www.reuters.com", "reuters.com", 5},
     "{\"id\": \"essayd-endnote-2\", \"type\": \"webpage\","
     " \"title\": \"Mattis talks diplomacy on North Korea ahead of "
     "Trump\u2019s Asia tour\","
     " \"author\": [{\"family\": \"Stewart\", \"given\": \"P.\"}],"
     " \"issued\": {\"date-parts\": [[2017, 10, 26]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"container-title\": \"Reuters\","
     " \"URL\": \"https://www.reuters.com/article/us-northkorea-missiles/"
     "mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-"
     "idUSKBN1CW04W\"}",
     "@online{essayd-endnote-2,\n"
     "  author = {Stewart, P.},\n"
     "  title = {Mattis talks diplomacy on North Korea ahead of "
     "Trump\u2019s Asia tour},\n"
     "  date = {2017-10-26},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {https://www.reuters.com/article/us-northkorea-missiles/"
     "mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-"
     "idUSKBN1CW04W},\n"
     "  organization = {Reuters},\n"
     "}\n"},
    {{3, 3,
      "Powell, B. (24 April 2017). What war with North Korea will look "
      "like.\u00a0Newsweek. Retrieved December 22, 2017, from "
      "[www.newsweek.com/2017/05/0...](http://www.newsweek.com/2017/05/05/"
      "what-war-north-korea-looks-588861.html.)",
      "Powell, B.", "2017-04-24", "What war with North Korea will look like",
      "Newsweek", "2017-12-22",
      "http://www.newsweek.com/2017/05/05/"
      "what-war-north-korea-looks-588861.html",
      "www.newsweek.com", "newsweek.com", 9},
     "{\"id\": \"essayd-endnote-3\", \"type\": \"webpage\","
     " \"title\": \"What war with North Korea will look like\","
     " \"author\": [{\"family\": \"Powell\", \"given\": \"B.\"}],"
     " \"issued\": {\"date-parts\": [[2017, 4, 24]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"container-title\": \"Newsweek\","
     " \"URL\": \"http://www.newsweek.com/2017/05/05/"
     "what-war-north-korea-looks-588861.html\"}",
     "@online{essayd-endnote-3,\n"
     "  author = {Powell, B.},\n"
     "  title = {What war with North Korea will look like},\n"
     "  date = {2017-04-24},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {http://www.newsweek.com/2017/05/05/"
     "what-war-north-korea-looks-588861.html},\n"
     "  organization = {Newsweek},\n"
     "}\n"},
    {{4, 4,
      "Harris, G. (7 August 2017). A rare round of diplomacy from North "
      "Korea\u2019s top diplomat. New York Times. Retrieved December 22, "
      "2017, from [www.nytimes.com/2017/08/0...](https://www.nytimes.com/"
      "2017/08/07/world/asia/north-korea-asean-tillerson.html.)",
      "Harris, G.", "2017-08-07",
      "A rare round of diplomacy from North Korea\u2019s top diplomat",
      "New York Times", "2017-12-22",
      "https://www.nytimes.com/2017/08/07/world/asia/"
      "north-korea-asean-tillerson.html",
      "www.nytimes.com", "nytimes.com", 15},
     "{\"id\": \"essayd-endnote-4\", \"type\": \"webpage\","
     " \"title\": \"A rare round of diplomacy from North Korea\u2019s top "
     "diplomat\","
     " \"author\": [{\"family\": \"Harris\", \"given\": \"G.\"}],"
     " \"issued\": {\"date-parts\": [[2017, 8, 7]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"container-title\": \"New York Times\","
     " \"URL\": \"https://www.nytimes.com/2017/08/07/world/asia/"
     "north-korea-asean-tillerson.html\"}",
     "@online{essayd-endnote-4,\n"
     "  author = {Harris, G.},\n"
     "  title = {A rare round of diplomacy from North Korea\u2019s top "
     "diplomat},\n"
     "  date = {2017-08-07},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {https://www.nytimes.com/2017/08/07/world/asia/"
     "north-korea-asean-tillerson.html},\n"
     "  organization = {New York Times},\n"
     "}\n"},
    {{5, 5,
      "Fuchs, M. (21 December 2017). The North Korea deal.\u00a0Foreign "
      "Affairs. Retrieved December 22, 2017, from "
      "[www.foreignaffairs.com/articles/...](https://www.foreignaffairs."
      "com/articles/north-korea/2017-12-21/north-korea-deal.)",
      "Fuchs, M.", "2017-12-21", "The North Korea deal", "Foreign Affairs",
      "2017-12-22",
      "https://www.foreignaffairs.com/articles/north-korea/2017-12-21/"
      "north-korea-deal",
      "www.foreignaffairs.com", "foreignaffairs.com", 17},
     "{\"id\": \"essayd-endnote-5\", \"type\": \"webpage\","
     " \"title\": \"The North Korea deal\","
     " \"author\": [{\"family\": \"Fuchs\", \"given\": \"M.\"}],"
     " \"issued\": {\"date-parts\": [[2017, 12, 21]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"container-title\": \"Foreign Affairs\","
     " \"URL\": \"https://www.foreignaffairs.com/articles/north-korea/"
     "2017-12-21/north-korea-deal\"}",
     "@online{essayd-endnote-5,\n"
     "  author = {Fuchs, M.},\n"
     "  title = {The North Korea deal},\n"
     "  date = {2017-12-21},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {https://www.foreignaffairs.com/articles/north-korea/"
     "2017-12-21/north-korea-deal},\n"
     "  organization = {Foreign Affairs},\n"
     "}\n"},
    {{6, 6,
      "NPR Morning Edition. (4 September 2017). What diplomacy can and "
      "can\u2019t change with North Korea. Retrieved December 22, 2017, "
      "from [www.npr.org/2017/09/0...](https://www.npr.org/2017/09/04/"
      "548415546/what-diplomacy-can-and-cant-change-with-north-korea.)",
      "NPR Morning Edition", "2017-09-04",
      "What diplomacy can and can\u2019t change with North Korea", NULL,
      "2017-12-22",
      "https://www.npr.org/2017/09/04/548415546/"
      "what-diplomacy-can-and-cant-change-with-north-korea",
      "www.npr.org", "npr.org", 22},
     "{\"id\": \"essayd-endnote-6\", \"type\": \"webpage\","
     " \"title\": \"What diplomacy can and can\u2019t change with North "
     "Korea\","
     " \"author\": [{\"literal\": \"NPR Morning Edition\"}],"
     " \"issued\": {\"date-parts\": [[2017, 9, 4]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"URL\": \"https://www.npr.org/2017/09/04/548415546/"
     "what-diplomacy-can-and-cant-change-with-north-korea\"}",
     "@online{essayd-endnote-6,\n"
     "  author = {{NPR Morning Edition}},\n"
     "  title = {What diplomacy can and can\u2019t change with North "
     "Korea},\n"
     "  date = {2017-09-04},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {https://www.npr.org/2017/09/04/548415546/"
     "what-diplomacy-can-and-cant-change-with-north-korea},\n"
     "}\n"},
    {{7, 7,
      "Jones, S. (19 November 2017). China optimistic diplomacy will solve "
      "North Korean nuclear issue.\u00a0Bloomberg. Retrieved December 22, "
      "2017, from [www.bloomberg.com/news/arti...](https://"
      "www.bloomberg.com/news/articles/2017-11-19/china-optimistic-"
      "diplomacy-will-solve-north-korea-nuclear-issue.)",
      "Jones, S.", "2017-11-19",
      "China optimistic diplomacy will solve North Korean nuclear issue",
      "Bloomberg", "2017-12-22",
      "https://www.bloomberg.com/news/articles/2017-11-19/"
      "china-optimistic-diplomacy-will-solve-north-korea-nuclear-issue",
      "www.bloomberg.com", "bloomberg.com", 24},
     "{\"id\": \"essayd-endnote-7\", \"type\": \"webpage\","
     " \"title\": \"China optimistic diplomacy will solve North Korean "
     "nuclear issue\","
     " \"author\": [{\"family\": \"Jones\", \"given\": \"S.\"}],"
     " \"issued\": {\"date-parts\": [[2017, 11, 19]]},"
     " \"accessed\": {\"date-parts\": [[2017, 12, 22]]},"
     " \"container-title\": \"Bloomberg\","
     " \"URL\": \"https://www.bloomberg.com/news/articles/2017-11-19/"
     "china-optimistic-diplomacy-will-solve-north-korea-nuclear-issue\"}",
     "@online{essayd-endnote-7,\n"
     "  author = {Jones, S.},\n"
     "  title = {China optimistic diplomacy will solve North Korean "
     "nuclear issue},\n"
     "  date = {2017-11-19},\n"
     "  urldate = {2017-12-22},\n"
     "  url = {https://www.bloomberg.com/news/articles/2017-11-19/"
     "china-optimistic-diplomacy-will-solve-north-korea-nuclear-issue},\n"
     "  organization = {Bloomberg},\n"
     "}\n"},
};

static void test_seed(void)
{
    size_t i;

    for (i = 0; i < sizeof seed / sizeof seed[0]; i++)
        check_both(HMSG("seed endnote [%zu]", i + 1), &seed[i].note,
                   seed[i].csl, seed[i].bib);
}

/* ---- fields left out ----------------------------------------------------- */

static void test_everything_null(void)
{
    struct note w = {9, 1, "Something nobody could read.", NULL, NULL, NULL,
                     NULL, NULL, NULL, NULL, NULL, 4};
    json_t *bare;

    check_both("all null but raw", &w,
               "{\"id\": \"essayd-endnote-9\", \"type\": \"document\"}",
               "@misc{essayd-endnote-9,\n}\n");

    /* Keys that are missing altogether are null too. */
    bare = json_pack("{s:I, s:s}", "id", (json_int_t)10, "raw", "x");
    if (!bare) exit(2);
    check_csl("keys missing", bare,
              "{\"id\": \"essayd-endnote-10\", \"type\": \"document\"}");
    check_bib("keys missing", bare, "@misc{essayd-endnote-10,\n}\n");
    json_decref(bare);
}

static void test_some_null(void)
{
    struct note w;

    /* No url: a document, @misc; the publisher is still its container. */
    w = few(11, "Smith, J.", "2017-10-26", "Nuclear talks resume", "Reuters",
            NULL, NULL);
    check_both("no url", &w,
               "{\"id\": \"essayd-endnote-11\", \"type\": \"document\","
               " \"title\": \"Nuclear talks resume\","
               " \"author\": [{\"family\": \"Smith\", \"given\": \"J.\"}],"
               " \"issued\": {\"date-parts\": [[2017, 10, 26]]},"
               " \"container-title\": \"Reuters\"}",
               "@misc{essayd-endnote-11,\n"
               "  author = {Smith, J.},\n"
               "  title = {Nuclear talks resume},\n"
               "  date = {2017-10-26},\n"
               "  organization = {Reuters},\n"
               "}\n");

    /* Only a url: no author, title or dates are made up. */
    w = few(12, NULL, NULL, NULL, NULL, NULL, "https://example.org/a");
    check_both("only a url", &w,
               "{\"id\": \"essayd-endnote-12\", \"type\": \"webpage\","
               " \"URL\": \"https://example.org/a\"}",
               "@online{essayd-endnote-12,\n"
               "  url = {https://example.org/a},\n"
               "}\n");

    /* Empty and blank strings count as null. */
    w = few(13, "", " ", "\u00a0", "", "", "");
    check_both("empty strings", &w,
               "{\"id\": \"essayd-endnote-13\", \"type\": \"document\"}",
               "@misc{essayd-endnote-13,\n}\n");
}

/* ---- dates --------------------------------------------------------------- */

static void test_dates(void)
{
    struct note w;
    static const char *const bad[] = {
        "2017-13",    "2017-00",    "2017-02-29", "2017-04-31", "2017-1",
        "2017-10-1",  "17-10-2017", "n.d.",       "October 2017", "2017/10/16",
        "2017-10-16T00:00", "201x",
    };
    size_t i;

    w = few(20, NULL, "2017", "A year", NULL, "2018-03", NULL);
    check_both("year and year-month", &w,
               "{\"id\": \"essayd-endnote-20\", \"type\": \"document\","
               " \"title\": \"A year\","
               " \"issued\": {\"date-parts\": [[2017]]},"
               " \"accessed\": {\"date-parts\": [[2018, 3]]}}",
               "@misc{essayd-endnote-20,\n"
               "  title = {A year},\n"
               "  date = {2017},\n"
               "  urldate = {2018-03},\n"
               "}\n");

    w = few(21, NULL, "2016-02-29", NULL, NULL, "2000-02-29", NULL);
    check_both("leap days", &w,
               "{\"id\": \"essayd-endnote-21\", \"type\": \"document\","
               " \"issued\": {\"date-parts\": [[2016, 2, 29]]},"
               " \"accessed\": {\"date-parts\": [[2000, 2, 29]]}}",
               "@misc{essayd-endnote-21,\n"
               "  date = {2016-02-29},\n"
               "  urldate = {2000-02-29},\n"
               "}\n");

    /* Anything that is not YYYY, YYYY-MM or YYYY-MM-DD (or is no real
     * day) is left out, not guessed at. */
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        w = few(22, NULL, bad[i], NULL, NULL, bad[i], NULL);
        check_both(HMSG("date \"%s\" left out", bad[i]), &w,
                   "{\"id\": \"essayd-endnote-22\", \"type\": \"document\"}",
                   "@misc{essayd-endnote-22,\n}\n");
    }
}

/* ---- authors ------------------------------------------------------------- */

struct author_case {
    const char *author, *csl, *bib;
};

static void test_authors(void)
{
    static const struct author_case cases[] = {
        {"Smith, J., & Doe, A.",
         "[{\"family\": \"Smith\", \"given\": \"J.\"},"
         " {\"family\": \"Doe\", \"given\": \"A.\"}]",
         "Smith, J. and Doe, A."},
        {"Smith, J., Doe, A., & Roe, B.",
         "[{\"family\": \"Smith\", \"given\": \"J.\"},"
         " {\"family\": \"Doe\", \"given\": \"A.\"},"
         " {\"family\": \"Roe\", \"given\": \"B.\"}]",
         "Smith, J. and Doe, A. and Roe, B."},
        {"Smith, J. & Doe, A.",
         "[{\"family\": \"Smith\", \"given\": \"J.\"},"
         " {\"family\": \"Doe\", \"given\": \"A.\"}]",
         "Smith, J. and Doe, A."},
        {"Smith, J., Doe, A.",
         "[{\"family\": \"Smith\", \"given\": \"J.\"},"
         " {\"family\": \"Doe\", \"given\": \"A.\"}]",
         "Smith, J. and Doe, A."},
        {"  Stewart ,  P. J.  ",
         "[{\"family\": \"Stewart\", \"given\": \"P. J.\"}]",
         "Stewart, P. J."},
        {"Le Pen, J.-M., & M\u00fcller, \u00c9.",
         "[{\"family\": \"Le Pen\", \"given\": \"J.-M.\"},"
         " {\"family\": \"M\u00fcller\", \"given\": \"\u00c9.\"}]",
         "Le Pen, J.-M. and M\u00fcller, \u00c9."},
        {"\u017bak, \u0141.",
         "[{\"family\": \"\u017bak\", \"given\": \"\u0141.\"}]",
         "\u017bak, \u0141."},
        {"King, M. L., Jr., & Doe, A.",
         "[{\"family\": \"King\", \"given\": \"M. L.\", \"suffix\": \"Jr.\"},"
         " {\"family\": \"Doe\", \"given\": \"A.\"}]",
         "King, Jr., M. L. and Doe, A."},
        {"van der Berg, H.",
         "[{\"family\": \"van der Berg\", \"given\": \"H.\"}]",
         "van der Berg, H."},
        {"Rock and Roll, A.",
         "[{\"family\": \"Rock and Roll\", \"given\": \"A.\"}]",
         "{Rock and Roll}, A."},
        /* Corporate names and anything that does not read as
         * "Family, Given" pairs: one literal name, the string as it is. */
        {"BBC News", "[{\"literal\": \"BBC News\"}]", "{BBC News}"},
        {"Procter & Gamble", "[{\"literal\": \"Procter & Gamble\"}]",
         "{Procter \\& Gamble}"},
        {"Reuters, Inc.", "[{\"literal\": \"Reuters, Inc.\"}]",
         "{Reuters, Inc.}"},
        {"Smith, J., et al.", "[{\"literal\": \"Smith, J., et al.\"}]",
         "{Smith, J., et al.}"},
        {"Smith, J., & BBC News", "[{\"literal\": \"Smith, J., & BBC News\"}]",
         "{Smith, J., \\& BBC News}"},
        {"Smith,", "[{\"literal\": \"Smith,\"}]", "{Smith,}"},
        {", J.", "[{\"literal\": \", J.\"}]", "{, J.}"},
        {"Smith, j.", "[{\"literal\": \"Smith, j.\"}]", "{Smith, j.}"},
        {"Group 7, A.", "[{\"literal\": \"Group 7, A.\"}]", "{Group 7, A.}"},
        {"Smith, J., &, Doe, A.",
         "[{\"literal\": \"Smith, J., &, Doe, A.\"}]",
         "{Smith, J., \\&, Doe, A.}"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct author_case *c = &cases[i];
        struct note w = few(30, c->author, NULL, NULL, NULL, NULL, NULL);
        char csl[512], bib[512];

        snprintf(csl, sizeof csl,
                 "{\"id\": \"essayd-endnote-30\", \"type\": \"document\","
                 " \"author\": %s}",
                 c->csl);
        snprintf(bib, sizeof bib,
                 "@misc{essayd-endnote-30,\n  author = {%s},\n}\n", c->bib);
        check_both(HMSG("author \"%s\"", c->author), &w, csl, bib);
    }
}

/* ---- BibTeX escaping --------------------------------------------------- */

static void test_escaping(void)
{
    struct note w;
    json_t *note;

    w = few(40, "O\\Brien_{x}, J.", NULL, "a\\b{c}d$e&f%g#h_i^j~k",
            "AT&T ~ 100% {R&D} #1 $5 ^_^",
            NULL, "https://example.org/a_b~c/%7Ex?q=1&r=2#frag");
    note = make_note(&w);
    check_bib("every special", note,
              "@online{essayd-endnote-40,\n"
              "  author = {O\\textbackslash{}Brien\\_\\{x\\}, J.},\n"
              "  title = {a\\textbackslash{}b\\{c\\}d\\$e\\&f\\%g\\#h\\_"
              "i\\textasciicircum{}j\\textasciitilde{}k},\n"
              "  url = {https://example.org/a_b~c/%7Ex?q=1&r=2#frag},\n"
              "  organization = {AT\\&T \\textasciitilde{} 100\\% "
              "\\{R\\&D\\} \\#1 \\$5 \\textasciicircum{}\\_"
              "\\textasciicircum{}},\n"
              "}\n");
    /* CSL keeps every character as it is. */
    check_csl("every special, CSL", note,
              "{\"id\": \"essayd-endnote-40\", \"type\": \"webpage\","
              " \"title\": \"a\\\\b{c}d$e&f%g#h_i^j~k\","
              " \"author\": [{\"family\": \"O\\\\Brien_{x}\","
              " \"given\": \"J.\"}],"
              " \"container-title\": \"AT&T ~ 100% {R&D} #1 $5 ^_^\","
              " \"URL\": \"https://example.org/a_b~c/%7Ex?q=1&r=2#frag\"}");
    json_decref(note);

    /* A url with a brace cannot be written verbatim: left out, @misc. */
    w = few(41, NULL, NULL, "Braces", NULL, NULL, "https://example.org/{a}");
    check_bib_note("url with braces", &w,
              "@misc{essayd-endnote-41,\n"
              "  title = {Braces},\n"
              "}\n");

    /* Specials in a corporate name, and UTF-8 kept as it is. */
    w = few(42, "Caf\u00e9 & Co_op", NULL, "Na\u00efve \u2014 \u201cquoted\u201d", NULL,
            NULL, NULL);
    check_bib_note("corporate name specials, UTF-8", &w,
              "@misc{essayd-endnote-42,\n"
              "  author = {{Caf\u00e9 \\& Co\\_op}},\n"
              "  title = {Na\u00efve \u2014 \u201cquoted\u201d},\n"
              "}\n");
}

/* ---- failures ------------------------------------------------------------ */

static void test_bad_input(void)
{
    strbuf sb = {0};
    json_t *v;

    OK(csl_from_endnote(NULL) == NULL, "NULL endnote: no CSL item");
    INT_EQ(bibtex_from_endnote(NULL, &sb), -1, "NULL endnote: no entry");

    v = json_pack("{s:s, s:s}", "id", "2", "title", "x");
    if (!v) exit(2);
    OK(csl_from_endnote(v) == NULL, "string id: no CSL item");
    INT_EQ(bibtex_from_endnote(v, &sb), -1, "string id: no entry");
    json_decref(v);

    v = json_pack("[i]", 2);
    if (!v) exit(2);
    OK(csl_from_endnote(v) == NULL, "array: no CSL item");
    INT_EQ(bibtex_from_endnote(v, &sb), -1, "array: no entry");
    json_decref(v);
    INT_EQ(sb.len, 0, "out untouched after failures");
    sb_free(&sb);

    /* json_stringn refuses invalid UTF-8: the item fails as a whole. */
    v = json_pack("{s:I, s:o, s:o}", "id", (json_int_t)50, "title",
                  json_string_nocheck("bad \xff title"), "author",
                  json_string_nocheck("Bad, \xc3"));
    if (!v) exit(2);
    OK(csl_from_endnote(v) == NULL, "invalid UTF-8 in a field: NULL, cleanly");
    json_decref(v);
}

/* jansson allocations: the one after alloc_countdown more fails, and only
 * that one, so that code going on after a failure is seen. */
static long alloc_countdown = -1;
static int alloc_failed;

static void *failing_malloc(size_t n)
{
    if (alloc_countdown == 0) {
        alloc_countdown = -1;
        alloc_failed = 1;
        return NULL;
    }
    if (alloc_countdown > 0) alloc_countdown--;
    return malloc(n);
}

/* Each jansson allocation in csl_from_endnote fails in turn: the result
 * is NULL or the full item, never a partial one (leaks show under ASan). */
static void test_alloc_failures(void)
{
    const struct note *w = &seed[1].note;
    json_t *note = make_note(w), *want = parse_json(seed[1].csl);
    json_t *two = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)60,
                            "author", "Smith, J., & Doe, A.", "date", "2017",
                            "retrieved", "2018-03");
    long k, nulls = 0;
    int done = 0;

    if (!note || !two) exit(2);
    for (k = 0; k < 1000 && !done; k++) {
        json_t *got, *got2;
        int failed;
        alloc_failed = 0;
        alloc_countdown = k;
        json_set_alloc_funcs(failing_malloc, free);
        got = csl_from_endnote(note);
        failed = alloc_failed;
        alloc_failed = 0;
        alloc_countdown = k;
        got2 = csl_from_endnote(two);
        json_set_alloc_funcs(malloc, free);
        alloc_countdown = -1;
        OK(failed ? got == NULL : got != NULL && json_equal(got, want),
           HMSG("seed [2], allocation %ld fails: NULL, else the full item",
                k));
        OK(alloc_failed ? got2 == NULL : got2 != NULL,
           HMSG("two authors, allocation %ld fails: NULL, else an item", k));
        if (failed || alloc_failed)
            nulls++;
        else
            done = 1;
        json_decref(got);
        json_decref(got2);
    }
    OK(done, "csl_from_endnote succeeds once allocations do");
    OK(nulls > 5, "allocation failures were met along the way");
    json_decref(note);
    json_decref(two);
    json_decref(want);
}

/* ---- schema -------------------------------------------------------------- */

static void test_schema(void)
{
    json_t *bad;

    if (!OK(schema != NULL, HMSG("CSL-JSON schema %s loads", schema_path)))
        return;
    OK(json_array_size(all_items) >= 7, "CSL items were collected");
    OK(schema_valid(schema, all_items),
       "every CSL item made here, as one CSL-JSON array, is valid");

    /* The checker itself rejects what the schema forbids. */
    schema_quiet = 1;
    bad = parse_json("[{\"id\": \"x\", \"type\": \"web-page\"}]");
    OK(!schema_valid(schema, bad), "schema check: unknown type rejected");
    json_decref(bad);
    bad = parse_json("[{\"id\": \"x\", \"type\": \"webpage\", \"note\": 1}]");
    OK(!schema_valid(schema, bad), "schema check: note must be a string");
    json_decref(bad);
    bad = parse_json("[{\"id\": \"x\", \"type\": \"webpage\", \"doi\": \"1\"}]");
    OK(!schema_valid(schema, bad), "schema check: unknown field rejected");
    json_decref(bad);
    bad = parse_json("[{\"type\": \"webpage\"}]");
    OK(!schema_valid(schema, bad), "schema check: id required");
    json_decref(bad);
    bad = parse_json("[{\"id\": \"x\", \"type\": \"webpage\","
                     " \"author\": [{\"name\": \"A\"}]}]");
    OK(!schema_valid(schema, bad), "schema check: unknown name part rejected");
    json_decref(bad);
    bad = parse_json("[{\"id\": \"x\", \"type\": \"webpage\","
                     " \"issued\": {\"date-parts\": [[2017, 1, 2, 3]]}}]");
    OK(!schema_valid(schema, bad), "schema check: four date parts rejected");
    json_decref(bad);
    schema_quiet = 0;
}

int main(int argc, char **argv)
{
    json_error_t err;

    if (argc > 1) schema_path = argv[1];
    schema = json_load_file(schema_path, 0, &err);
    if (!schema) printf("cannot load %s: %s\n", schema_path, err.text);
    all_items = json_array();
    if (!all_items) return 2;

    test_seed();
    test_everything_null();
    test_some_null();
    test_dates();
    test_authors();
    test_escaping();
    test_bad_input();
    test_alloc_failures();
    test_schema();

    json_decref(all_items);
    json_decref(schema);
    return harness_done();
}

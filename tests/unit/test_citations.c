/*
 * test_citations.c — endnote text → citation fields (citations.h).
 */
#include <stdlib.h>
#include <string.h>

#include "citations.h"
#include "harness.h"
#include "text.h"

struct want {
    const char *raw;
    const char *author, *date, *title, *publisher, *retrieved, *url, *host,
        *domain;
};

/* The seed's seven endnotes, exactly as written, without "[n] ". */
static const struct want seed[] = {
    {"BBC News. (16 October 2017). North Korea crisis: Tillerson says "
     "diplomacy will continue. Retrieved December 22, 2017, from "
     "[www.bbc.com/news/worl...](http://www.bbc.com/news/"
     "world-asia-41629233.)",
     "BBC News", "2017-10-16",
     "North Korea crisis: Tillerson says diplomacy will continue", NULL,
     "2017-12-22", "http://www.bbc.com/news/world-asia-41629233", "www.bbc.com",
     "bbc.com"},
    {"Stewart, P. (26 October 2017). Mattis talks diplomacy on North Korea "
     "ahead of Trump\u2019s Asia tour.\u00a0Reuters. Retrieved December 22, "
     "2017, from [www.reuters.com/article/u...](https://www.reuters.com/"
     "article/us-northkorea-missiles/mattis-talks-diplomacy-on-north-korea-"
     "ahead-of-trumps-asia-tour-idUSKBN1CW04W.)",
     "Stewart, P.", "2017-10-26",
     "Mattis talks diplomacy on North Korea ahead of Trump\u2019s Asia tour",
     "Reuters", "2017-12-22",
     "https://www.reuters.com/article/us-northkorea-missiles/"
     "mattis-talks-diplomacy-on-north-korea-ahead-of-trumps-asia-tour-"
     "idUSKBN1CW04W",
     "www.reuters.com", "reuters.com"},
    {"Powell, B. (24 April 2017). What war with North Korea will look "
     "like.\u00a0Newsweek. Retrieved December 22, 2017, from "
     "[www.newsweek.com/2017/05/0...](http://www.newsweek.com/2017/05/05/"
     "what-war-north-korea-looks-588861.html.)",
     "Powell, B.", "2017-04-24", "What war with North Korea will look like",
     "Newsweek", "2017-12-22",
     "http://www.newsweek.com/2017/05/05/what-war-north-korea-looks-588861."
     "html",
     "www.newsweek.com", "newsweek.com"},
    {"Harris, G. (7 August 2017). A rare round of diplomacy from North "
     "Korea\u2019s top diplomat. New York Times. Retrieved December 22, "
     "2017, from [www.nytimes.com/2017/08/0...](https://www.nytimes.com/"
     "2017/08/07/world/asia/north-korea-asean-tillerson.html.)",
     "Harris, G.", "2017-08-07",
     "A rare round of diplomacy from North Korea\u2019s top diplomat",
     "New York Times", "2017-12-22",
     "https://www.nytimes.com/2017/08/07/world/asia/"
     "north-korea-asean-tillerson.html",
     "www.nytimes.com", "nytimes.com"},
    {"Fuchs, M. (21 December 2017). The North Korea deal.\u00a0Foreign "
     "Affairs. Retrieved December 22, 2017, from "
     "[www.foreignaffairs.com/articles/...](https://www.foreignaffairs.com/"
     "articles/north-korea/2017-12-21/north-korea-deal.)",
     "Fuchs, M.", "2017-12-21", "The North Korea deal", "Foreign Affairs",
     "2017-12-22",
     "https://www.foreignaffairs.com/articles/north-korea/2017-12-21/"
     "north-korea-deal",
     "www.foreignaffairs.com", "foreignaffairs.com"},
    {"NPR Morning Edition. (4 September 2017). What diplomacy can and "
     "can\u2019t change with North Korea. Retrieved December 22, 2017, from "
     "[www.npr.org/2017/09/0...](https://www.npr.org/2017/09/04/548415546/"
     "what-diplomacy-can-and-cant-change-with-north-korea.)",
     "NPR Morning Edition", "2017-09-04",
     "What diplomacy can and can\u2019t change with North Korea", NULL,
     "2017-12-22",
     "https://www.npr.org/2017/09/04/548415546/"
     "what-diplomacy-can-and-cant-change-with-north-korea",
     "www.npr.org", "npr.org"},
    {"Jones, S. (19 November 2017). China optimistic diplomacy will solve "
     "North Korean nuclear issue.\u00a0Bloomberg. Retrieved December 22, "
     "2017, from [www.bloomberg.com/news/arti...](https://www.bloomberg.com/"
     "news/articles/2017-11-19/china-optimistic-diplomacy-will-solve-north-"
     "korea-nuclear-issue.)",
     "Jones, S.", "2017-11-19",
     "China optimistic diplomacy will solve North Korean nuclear issue",
     "Bloomberg", "2017-12-22",
     "https://www.bloomberg.com/news/articles/2017-11-19/"
     "china-optimistic-diplomacy-will-solve-north-korea-nuclear-issue",
     "www.bloomberg.com", "bloomberg.com"},
};

/* Parses raw from a heap copy of exactly its length (no NUL after it), so
 * that reading past len shows up under AddressSanitizer. */
static int parse_exact(const char *raw, size_t len, citation *c)
{
    char *copy = malloc(len ? len : 1);
    int rc;

    if (!copy)
        return -1;
    memcpy(copy, raw, len);
    rc = citation_parse(copy, len, c);
    free(copy);
    return rc;
}

static void check_all(const char *label, const struct want *w)
{
    citation c;
    int rc;

    memset(&c, 0x5A, sizeof c); /* citation_parse zeroes it first */
    rc = parse_exact(w->raw, strlen(w->raw), &c);
    if (!INT_EQ(rc, 0, HMSG("%s: citation_parse succeeds", label)))
        return;
    STR_EQ(c.author, w->author, HMSG("%s: author", label));
    STR_EQ(c.date, w->date, HMSG("%s: date", label));
    STR_EQ(c.title, w->title, HMSG("%s: title", label));
    STR_EQ(c.publisher, w->publisher, HMSG("%s: publisher", label));
    STR_EQ(c.retrieved, w->retrieved, HMSG("%s: retrieved", label));
    STR_EQ(c.url, w->url, HMSG("%s: url", label));
    STR_EQ(c.host, w->host, HMSG("%s: host", label));
    STR_EQ(c.domain, w->domain, HMSG("%s: domain", label));
    citation_free(&c);
}

static void test_seed(void)
{
    size_t i;

    for (i = 0; i < sizeof seed / sizeof seed[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "seed endnote [%zu]", i + 1);
        check_all(label, &seed[i]);
    }
}

static void test_other_forms(void)
{
    static const struct want others[] = {
        {"BBC News. (1 May 2005). Blair wins third term. Retrieved June 1, "
         "2006, from [news.bbc.co.uk/2/hi/...](http://news.bbc.co.uk/2/hi/"
         "uk_news/politics/4498537.stm.)",
         "BBC News", "2005-05-01", "Blair wins third term", NULL, "2006-06-01",
         "http://news.bbc.co.uk/2/hi/uk_news/politics/"
         "4498537.stm",
         "news.bbc.co.uk", "bbc.co.uk"},
        {"Smith, J. (n.d.). A history of talks. Penguin.", "Smith, J.", NULL,
         "A history of talks", "Penguin", NULL, NULL, NULL, NULL},
        {"Doe, J. (2017). Nuclear talks resume. Reuters.", "Doe, J.", "2017",
         "Nuclear talks resume", "Reuters", NULL, NULL, NULL, NULL},
        {"Doe, J. (October 2017). Nuclear talks resume. Reuters.", "Doe, J.",
         "2017-10", "Nuclear talks resume", "Reuters", NULL, NULL, NULL, NULL},
        {"Stewart, P. (26 October 2017). Mattis talks diplomacy. Reuters.",
         "Stewart, P.", "2017-10-26", "Mattis talks diplomacy", "Reuters", NULL,
         NULL, NULL, NULL},
        {"Reuters. (2017, October 26). Talks resume. Retrieved May 1, 2018, "
         "from [x](https://www.reuters.com/a.)",
         "Reuters", "2017-10-26", "Talks resume", NULL, "2018-05-01",
         "https://www.reuters.com/a", "www.reuters.com", "reuters.com"},
        {"Smith, J., & Doe, A. (2017). Joint work. Penguin.",
         "Smith, J., & Doe, A.", "2017", "Joint work", "Penguin", NULL, NULL,
         NULL, NULL},
        {"Doe, J. (2017). Why war? Reuters. Retrieved from "
         "[x](https://www.example.com/a)",
         "Doe, J.", "2017", "Why war?", "Reuters", NULL,
         "https://www.example.com/a", "www.example.com", "example.com"},
        {"Roe, A. (2019). Maps of the world. Atlas Press. Retrieved March 3, "
         "2020, from [example](https://maps.example.co.uk/world)",
         "Roe, A.", "2019", "Maps of the world", "Atlas Press", "2020-03-03",
         "https://maps.example.co.uk/world", "maps.example.co.uk",
         "example.co.uk"},
    };
    size_t i;

    for (i = 0; i < sizeof others / sizeof others[0]; i++) {
        char label[64];
        snprintf(label, sizeof label, "citation form %zu", i);
        check_all(label, &others[i]);
    }
}

static void test_urls(void)
{
    citation c;
    const char *s;

    s = "See https://example.org/x for details.";
    if (INT_EQ(citation_parse(s, strlen(s), &c), 0, "bare URL: parse")) {
        STR_EQ(c.url, "https://example.org/x", "bare URL: url");
        STR_EQ(c.host, "example.org", "bare URL: host");
        STR_EQ(c.domain, "example.org", "bare URL: domain");
        citation_free(&c);
    }

    s = "Wikipedia. (2020). Foo. Retrieved May 1, 2020, from "
        "[en.wikipedia.org/...](https://en.wikipedia.org/wiki/Foo_(bar).)";
    if (INT_EQ(citation_parse(s, strlen(s), &c), 0, "URL with parens")) {
        STR_EQ(c.url, "https://en.wikipedia.org/wiki/Foo_(bar)",
               "URL with parentheses inside the link target");
        STR_EQ(c.domain, "wikipedia.org", "URL with parens: domain");
        citation_free(&c);
    }

    s = "Jones,\u00a0S.\u00a0(19 November 2017).\u00a0China talks."
        "\u00a0Bloomberg.\u00a0Retrieved\u00a0December 22, 2017, from "
        "[b](https://www.bloomberg.com/a)";
    if (INT_EQ(citation_parse(s, strlen(s), &c), 0, "NBSP separators")) {
        STR_EQ(c.date, "2017-11-19", "NBSP separators: date");
        STR_EQ(c.title, "China talks", "NBSP separators: title");
        STR_EQ(c.publisher, "Bloomberg", "NBSP separators: publisher");
        STR_EQ(c.retrieved, "2017-12-22", "NBSP separators: retrieved");
        STR_EQ(c.domain, "bloomberg.com", "NBSP separators: domain");
        citation_free(&c);
    }

    /* Hosts libcurl would rewrite are not the address written (found by
     * fuzz_citation): no url, rather than a host the reader cannot find. */
    {
        static const char *const rewritten[] = {
            "Powell, B. (2017). T. [x](http://05/05.)",         /* IPv4 shorthand: 0.0.0.5 */
            "Doe. (2017). T. [x](http://0300.0250.0.1/a)",      /* octal: 192.168.0.1 */
            "Doe. (2017). T. [x](https://ex%41mple.com/a)",     /* percent-encoded: example.com */
        };
        for (size_t i = 0; i < sizeof rewritten / sizeof rewritten[0]; i++) {
            s = rewritten[i];
            if (INT_EQ(citation_parse(s, strlen(s), &c), 0, HMSG("rewritten host %zu: parse", i))) {
                STR_EQ(c.url, NULL, HMSG("rewritten host %zu: url", i));
                STR_EQ(c.host, NULL, HMSG("rewritten host %zu: host", i));
                citation_free(&c);
            }
        }
    }
    s = "Doe. (2017). T. [x](http://192.168.0.1/a)"; /* written out: kept as written */
    if (INT_EQ(citation_parse(s, strlen(s), &c), 0, "dotted IPv4: parse")) {
        STR_EQ(c.host, "192.168.0.1", "dotted IPv4: host");
        citation_free(&c);
    }

    s = "Doe, J. (2017). No link here. Reuters.";
    if (INT_EQ(citation_parse(s, strlen(s), &c), 0, "no URL: parse")) {
        STR_EQ(c.url, NULL, "no URL: url");
        STR_EQ(c.host, NULL, "no URL: host");
        STR_EQ(c.domain, NULL, "no URL: domain");
        citation_free(&c);
    }
}

static void test_non_citations(void)
{
    static const char *const raws[] = {
        "Ibid.",
        "Madame de Maintenon.",
        "Duchess of Marlborough.",
        "De Lolme.",
        "Ten.",
        "This objection will be fully examined in its proper place.",
        NULL};
    citation c;
    size_t i;

    for (i = 0; raws[i]; i++) {
        const char *s = raws[i];
        if (!INT_EQ(citation_parse(s, strlen(s), &c), 0,
                    HMSG("non-citation \"%s\": parse", s)))
            continue;
        STR_EQ(c.author, NULL, HMSG("non-citation \"%s\": author", s));
        STR_EQ(c.date, NULL, HMSG("non-citation \"%s\": date", s));
        STR_EQ(c.publisher, NULL, HMSG("non-citation \"%s\": publisher", s));
        STR_EQ(c.retrieved, NULL, HMSG("non-citation \"%s\": retrieved", s));
        STR_EQ(c.url, NULL, HMSG("non-citation \"%s\": url", s));
        STR_EQ(c.host, NULL, HMSG("non-citation \"%s\": host", s));
        STR_EQ(c.domain, NULL, HMSG("non-citation \"%s\": domain", s));
        /* The title may be NULL; if given, it is text from the entry. */
        if (c.title)
            OK(strstr(s, c.title) != NULL,
               HMSG("non-citation \"%s\": title not invented", s));
        citation_free(&c);
    }

    {
        const char *s = "Aspasia, vide \"Plutarch's Life of Pericles.\"";
        if (INT_EQ(citation_parse(s, strlen(s), &c), 0, "Aspasia: parse")) {
            STR_EQ(c.date, NULL, "Aspasia: date");
            STR_EQ(c.url, NULL, "Aspasia: url");
            STR_EQ(c.domain, NULL, "Aspasia: domain");
            STR_EQ(c.retrieved, NULL, "Aspasia: retrieved");
            citation_free(&c);
        }
    }
}

/* Any non-NULL field is valid UTF-8; a domain implies a host and a URL. */
static void consistent(const char *label, const citation *c)
{
    const char *f[8];
    size_t i;

    f[0] = c->author;
    f[1] = c->date;
    f[2] = c->title;
    f[3] = c->publisher;
    f[4] = c->retrieved;
    f[5] = c->url;
    f[6] = c->host;
    f[7] = c->domain;
    for (i = 0; i < 8; i++)
        if (f[i])
            OK(utf8_valid(f[i], strlen(f[i]), NULL),
               HMSG("%s: field %zu is valid UTF-8", label, i));
    OK(!c->domain || (c->host && c->url),
       HMSG("%s: a domain comes with a host and a URL", label));
    OK(!c->host || c->url, HMSG("%s: a host comes with a URL", label));
    OK(!c->date || strlen(c->date) == 4 || strlen(c->date) == 7 ||
           strlen(c->date) == 10,
       HMSG("%s: date is ISO 8601", label));
}

static void test_hostile(void)
{
    static const char *const raws[] = {
        "",
        " ",
        "](",
        "[](",
        "[x](",
        "[x](http://",
        "[x](https://)",
        "(((((",
        ")))))",
        "[[[[[",
        "]]]]]",
        "...,,,;;;!!!",
        "().",
        "(2017",
        "(). (). ().",
        "Doe. (32 October 2017). T. P.",
        "Doe. (31 February 2017). T. P.",
        "Doe, J. (2017). Title. Pub. Retrieved , from [x](",
        "Doe, J. (2017). Title. Pub. Retrieved yesterday, from [x](y)",
        "Retrieved from",
        "from [a](ftp://example.com/x)",
        "[a](javascript:alert(1))",
        "[a](https://exa mple.com/x)",
        "[a](http://192.168.0.1/x)",
        "[a](http://localhost/x)",
        "[a](https://\xC3\xA9xample.com/x)",
        "https://",
        "http://.",
        "https://co.uk/x",
        "\u201c\u201d\u2018\u2019\u2026\u2014",
        "[1] [2] [3]",
        NULL};
    citation c;
    size_t i, n;
    char *big;
    int rc;

    for (i = 0; raws[i]; i++) {
        rc = parse_exact(raws[i], strlen(raws[i]), &c);
        if (INT_EQ(rc, 0, HMSG("hostile \"%s\": parse returns 0", raws[i]))) {
            char label[128];
            snprintf(label, sizeof label, "hostile \"%.100s\"", raws[i]);
            consistent(label, &c);
            citation_free(&c);
        }
    }

    /* Very long inputs of one repeated pattern. */
    {
        static const char *const pats[] = {
            "a", "[", "(", "](", ". ", "[x](http://a.b/", "\u00a0"};
        size_t p;
        n = 200000;
        big = malloc(n + 16);
        if (OK(big != NULL, "allocate a long input")) {
            for (p = 0; p < sizeof pats / sizeof pats[0]; p++) {
                size_t pl = strlen(pats[p]), len = 0;
                while (len + pl <= n) {
                    memcpy(big + len, pats[p], pl);
                    len += pl;
                }
                rc = parse_exact(big, len, &c);
                if (INT_EQ(rc, 0, HMSG("long run of \"%s\": parse", pats[p]))) {
                    char label[64];
                    snprintf(label, sizeof label, "long run of \"%s\"",
                             pats[p]);
                    consistent(label, &c);
                    citation_free(&c);
                }
            }
            /* A valid citation with a very long title and a long URL. */
            {
                size_t len = 0;
                const char *head = "Doe, J. (2017). ";
                const char *mid = ". Reuters. Retrieved May 1, 2018, from "
                                  "[x](https://example.com/";
                memcpy(big, head, strlen(head));
                len = strlen(head);
                memset(big + len, 'T', 50000);
                len += 50000;
                memcpy(big + len, mid, strlen(mid));
                len += strlen(mid);
                memset(big + len, 'p', 2000); /* a long but usual URL */
                len += 2000;
                memcpy(big + len, ".)", 2);
                len += 2;
                rc = parse_exact(big, len, &c);
                if (INT_EQ(rc, 0, "long citation: parse")) {
                    consistent("long citation", &c);
                    STR_EQ(c.date, "2017", "long citation: date");
                    STR_EQ(c.domain, "example.com", "long citation: domain");
                    OK(c.title && strlen(c.title) == 50000,
                       "long citation: title kept whole");
                    OK(c.url && strlen(c.url) == 20 + 2000,
                       "long citation: URL kept whole");
                    citation_free(&c);
                }
            }
            free(big);
        }
    }
}

int main(void)
{
    test_seed();
    test_other_forms();
    test_urls();
    test_non_citations();
    test_hostile();
    citation_free(NULL); /* harmless, like every x_free(NULL) */
    return harness_done();
}

/*
 * test_regressions.c — one case per defect found in review, so that each
 * stays fixed. Each names the input that once misbehaved.
 */
#include <stdlib.h>
#include <string.h>

#include "citations.h"
#include "dates.h"
#include "essay.h"
#include "harness.h"
#include "sentences.h"
#include "text.h"

static void test_host_with_invalid_utf8(void)
{
    /* libcurl percent-decodes hosts: %FF once reached the database. */
    const char *raw = "Doe, J. (2017). A title. Pub. Retrieved May 1, 2018, from [x](http://ex%FFample.com/a)";
    citation c;
    INT_EQ(citation_parse(raw, strlen(raw), &c), 0, "a percent-encoded non-UTF-8 host parses");
    OK(c.host == NULL && c.domain == NULL && c.url == NULL, "...and yields no host, domain or url");
    STR_EQ(c.title, "A title", "...while the other fields are read");
    citation_free(&c);
}

static void test_ordinal_dates(void)
{
    char iso[11];
    INT_EQ(date_parse_iso("16th October 2017", 17, iso), 0, "\"16th October 2017\" is a date");
    STR_EQ(iso, "2017-10-16", "...2017-10-16");
    INT_EQ(date_parse_iso("December 22nd, 2017", 19, iso), 0, "\"December 22nd, 2017\" is a date");
    STR_EQ(iso, "2017-12-22", "...2017-12-22");
    const char *t = "T\n\nNote: This piece was originally published at Foo on 16th October 2017.\n\nBody.\n";
    essay_error err;
    essay *e = essay_parse(t, strlen(t), &err);
    OK(e != NULL, "an essay whose Note has an ordinal date parses");
    if (e) {
        STR_EQ(e->venue, "Foo", "...venue without the date");
        STR_EQ(e->published, "2017-10-16", "...published from the ordinal date");
    }
    essay_free(e);
}

static void test_nbsp_before_date(void)
{
    const char *raw = "BBC News.\xC2\xA0(16 October 2017). A title.";
    citation c;
    INT_EQ(citation_parse(raw, strlen(raw), &c), 0, "NBSP before (date) parses");
    STR_EQ(c.author, "BBC News", "...the author has no trailing full stop");
    STR_EQ(c.date, "2017-10-16", "...and the date is read");
    citation_free(&c);
}

static void test_scare_quoted_paragraph(void)
{
    const char *t = "T\n\n\xE2\x80\x9CStrategic patience\xE2\x80\x9D has failed. We will see what happens next.\n\n"
                    "\xE2\x80\x9CThis is a real quotation of words,\xE2\x80\x9D he said.\n";
    essay_error err;
    essay *e = essay_parse(t, strlen(t), &err);
    OK(e != NULL, "paragraphs opening with quote marks parse");
    if (!e) return;
    INT_EQ(e->paragraphs[0].kind, PARA_TEXT, "a paragraph opening with scare quotes is text");
    OK(!e->claims[0].c.quote && !e->claims[1].c.quote, "...and its sentences are not quotations");
    INT_EQ(e->paragraphs[1].kind, PARA_QUOTE, "a paragraph opening with a real quotation is a quote");
    essay_free(e);
}

static void test_half_of(void)
{
    OK(text_is_statistic("Half of them left."), "\"Half of them left.\" is a statistic");
    OK(!text_is_statistic("On behalf of the people."), "\"on behalf of\" is not");
}

int main(void)
{
    test_host_with_invalid_utf8();
    test_ordinal_dates();
    test_nbsp_before_date();
    test_scare_quoted_paragraph();
    test_half_of();
    return harness_done();
}

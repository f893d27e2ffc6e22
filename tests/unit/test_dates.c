/*
 * test_dates.c — human-written dates to ISO 8601 (dates.h).
 */
#include <string.h>

#include "dates.h"
#include "harness.h"

static void good(const char *in, const char *want)
{
    char out[11];
    int rc;

    memset(out, 'X', sizeof out);
    rc = date_parse_iso(in, strlen(in), out);
    INT_EQ(rc, 0, HMSG("date_parse_iso(\"%s\") succeeds", in));
    if (rc == 0)
        STR_EQ(out, want, HMSG("date_parse_iso(\"%s\")", in));
    else
        STR_EQ(NULL, want, HMSG("date_parse_iso(\"%s\") gave no date", in));
}

static void bad(const char *in)
{
    char out[11];
    int rc;

    memset(out, 'X', sizeof out);
    rc = date_parse_iso(in, strlen(in), out);
    INT_EQ(rc, -1, HMSG("date_parse_iso(\"%s\") is rejected", in));
    INT_EQ(out[0], '\0', HMSG("date_parse_iso(\"%s\") leaves out empty", in));
}

int main(void)
{
    char out[11];

    /* The forms named in dates.h and the seed essay. */
    good("16 October 2017", "2017-10-16");
    good("January 16, 2018", "2018-01-16");
    good("December 22, 2017", "2017-12-22");
    good("Oct. 16, 2017", "2017-10-16");
    good("2017, October 16", "2017-10-16");
    good("October 2017", "2017-10");
    good("2017", "2017");
    good("2017-10-16", "2017-10-16");
    good("2017-10", "2017-10");
    good("7 August 2017", "2017-08-07");
    good("4 September 2017", "2017-09-04");
    good("March 7, 1788", "1788-03-07");
    good("November 30, 1787", "1787-11-30");
    good("1788", "1788");

    /* Surrounding white space and a final '.' or ',' are ignored. */
    good("16 October 2017.", "2017-10-16");
    good("January 16, 2018,", "2018-01-16");
    good("  2017-10-16  ", "2017-10-16");
    good("\t24 April 2017. ", "2017-04-24");
    good("\xC2\xA0"
         "21 December 2017\xC2\xA0",
         "2017-12-21");
    good("2017.", "2017");

    /* Leap years. */
    good("29 February 2016", "2016-02-29");
    good("February 29, 2000", "2000-02-29");
    bad("29 February 2017");
    bad("February 29, 1900");

    /* Not dates, or impossible ones. */
    bad("n.d.");
    bad("n.d");
    bad("31 February 2017");
    bad("31 April 2017");
    bad("32 October 2017");
    bad("0 October 2017");
    bad("October 0, 2017");
    bad("2017, October 0");
    bad("2017-10-00");
    bad("2017-13-01");
    bad("2017-00");
    bad("2017-02-30");
    bad("yesterday");
    bad("");
    bad("   ");
    bad(".");
    bad("16 Octobre 2017");
    bad("October");
    bad("16 October");
    bad("2017 October 16 extra words");
    bad("Retrieved December 22, 2017");
    bad("17");
    bad("20170");

    /* The length is respected: the rest of the buffer is not read. */
    memset(out, 'X', sizeof out);
    INT_EQ(date_parse_iso("2017-10-16XYZ", 10, out), 0,
           "date_parse_iso reads only len bytes");
    STR_EQ(out, "2017-10-16", "date_parse_iso reads only len bytes (value)");
    memset(out, 'X', sizeof out);
    INT_EQ(date_parse_iso("October 2017 and more", 12, out), 0,
           "date_parse_iso on a prefix");
    STR_EQ(out, "2017-10", "date_parse_iso on a prefix (value)");

    return harness_done();
}

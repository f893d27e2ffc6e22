/* dates.c — human-written dates to ISO 8601 with their precision. */
#include "dates.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "text.h"

/* A date is read as a sequence of at most three tokens, each a number or a
 * month name; the token shapes then decide the order. */
typedef struct {
    int value;
    bool is_month; /* value is 1..12 */
    int digits;    /* for numbers */
} date_token;

static int month_number(const char *w, size_t n)
{
    static const char *const names[12] = {"january", "february", "march",     "april",
                                          "may",     "june",     "july",      "august",
                                          "september", "october", "november", "december"};
    if (n < 3) return 0;
    for (int m = 0; m < 12; m++) {
        size_t full = strlen(names[m]);
        /* Full name, or an abbreviation of at least three letters ("Oct",
         * "Sept"). */
        if (n <= full && strncasecmp(w, names[m], n) == 0) return m + 1;
    }
    return 0;
}

static bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : d[m - 1];
}

static int tokenize(const char *s, size_t len, date_token *tok, int max)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == ',' || c == '.' || c == '-' || c == '/' || c == '\t') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            /* Non-ASCII white space (no-break space) separates; anything
             * else is not part of a date. */
            size_t j = i;
            if (!uc_is_space(utf8_next(s, len, &j))) return -1;
            i = j;
            continue;
        }
        if (n == max) return -1;
        size_t b = i;
        if (c >= '0' && c <= '9') {
            int v = 0;
            while (i < len && s[i] >= '0' && s[i] <= '9' && i - b < 5) v = v * 10 + (s[i++] - '0');
            if (i < len && s[i] >= '0' && s[i] <= '9') return -1;
            int digits = (int)(i - b);
            /* Ordinal suffixes: "16th October", "December 22nd" */
            if (i + 1 < len && strchr("snrt", s[i]) && strchr("tdh", s[i + 1])) i += 2;
            tok[n++] = (date_token){v, false, digits};
        } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
            while (i < len && (((unsigned char)s[i] | 0x20) >= 'a' && ((unsigned char)s[i] | 0x20) <= 'z')) i++;
            int m = month_number(s + b, i - b);
            if (!m) return -1;
            tok[n++] = (date_token){m, true, 0};
        } else {
            return -1;
        }
    }
    return n;
}

int date_parse_iso(const char *s, size_t len, char out[11])
{
    date_token t[3];
    int y = 0, m = 0, d = 0;
    out[0] = '\0';
    int n = tokenize(s, len, t, 3);
    if (n <= 0) return -1;
#define YEAR(k) (!t[k].is_month && t[k].digits == 4)
#define DAY(k) (!t[k].is_month && t[k].digits <= 2)
    if (n == 1 && YEAR(0)) {
        y = t[0].value;
    } else if (n == 2 && t[0].is_month && YEAR(1)) { /* October 2017 */
        m = t[0].value, y = t[1].value;
    } else if (n == 2 && YEAR(0) && t[1].is_month) { /* 2017, October */
        y = t[0].value, m = t[1].value;
    } else if (n == 2 && YEAR(0) && DAY(1) && t[1].digits == 2) { /* 2017-10 */
        y = t[0].value, m = t[1].value;
    } else if (n == 3 && DAY(0) && t[1].is_month && YEAR(2)) { /* 16 October 2017 */
        d = t[0].value, m = t[1].value, y = t[2].value;
    } else if (n == 3 && t[0].is_month && DAY(1) && YEAR(2)) { /* October 16, 2017 */
        m = t[0].value, d = t[1].value, y = t[2].value;
    } else if (n == 3 && YEAR(0) && t[1].is_month && DAY(2)) { /* 2017, October 16 */
        y = t[0].value, m = t[1].value, d = t[2].value;
    } else if (n == 3 && YEAR(0) && DAY(1) && DAY(2) && t[1].digits == 2 && t[2].digits == 2) {
        y = t[0].value, m = t[1].value, d = t[2].value; /* 2017-10-16 */
    } else {
        return -1;
    }
#undef YEAR
#undef DAY
    bool has_day = n == 3;
    if (n >= 2 && m == 0) return -1;
    if (y < 1000 || m < 0 || m > 12 || (has_day && (d < 1 || d > days_in(y, m)))) return -1;
    if (y > 9999) return -1;
    char iso[32];
    if (has_day)
        snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
    else if (m)
        snprintf(iso, sizeof iso, "%04d-%02d", y, m);
    else
        snprintf(iso, sizeof iso, "%04d", y);
    memcpy(out, iso, 11);
    return 0;
}

/*
 * negotiate.c — Accept, Accept-Encoding, If-None-Match, HTTP dates.
 * Header grammar is RFC 9110's; anything unparseable in a list element is
 * skipped rather than failing the request.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include "negotiate.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Walks a comma-separated header list. Each call yields the next element
 * [*b, *e) with surrounding white space removed; false at the end. */
static bool next_element(const char **p, const char **b, const char **e)
{
    const char *s = *p;
    while (*s == ',' || *s == ' ' || *s == '\t') s++;
    if (!*s) return false;
    const char *start = s;
    bool quoted = false;
    while (*s && (quoted || *s != ',')) {
        if (*s == '"') quoted = !quoted;
        s++;
    }
    const char *end = s;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
    *b = start;
    *e = end;
    *p = s;
    return true;
}

/* The q parameter of an element ("gzip;q=0.5" → 500); 1000 if absent,
 * -1 if malformed. */
static int quality(const char *b, const char *e)
{
    for (const char *s = b; s < e; s++) {
        if (*s != ';') continue;
        const char *t = s + 1;
        while (t < e && (*t == ' ' || *t == '\t')) t++;
        if (e - t < 2 || (t[0] | 0x20) != 'q' || t[1] != '=') continue;
        t += 2;
        int q = 0, digits = 0;
        if (t < e && (*t == '0' || *t == '1')) q = (*t++ - '0') * 1000;
        else return -1;
        if (t < e && *t == '.') {
            t++;
            for (int scale = 100; t < e && isdigit((unsigned char)*t) && digits < 3; t++, digits++, scale /= 10)
                q += (*t - '0') * scale;
        }
        return q > 1000 ? -1 : q;
    }
    return 1000;
}

/* Length of the token before any ';' or white space. */
static size_t token_len(const char *b, const char *e)
{
    const char *s = b;
    while (s < e && *s != ';' && *s != ' ' && *s != '\t') s++;
    return (size_t)(s - b);
}

bool accepts_gzip(const char *header)
{
    if (!header) return false;
    const char *p = header, *b, *e;
    int gzip_q = -1, star_q = -1;
    while (next_element(&p, &b, &e)) {
        size_t n = token_len(b, e);
        int q = quality(b, e);
        if ((n == 4 && strncasecmp(b, "gzip", 4) == 0) || (n == 6 && strncasecmp(b, "x-gzip", 6) == 0))
            gzip_q = q;
        else if (n == 1 && *b == '*')
            star_q = q;
    }
    return gzip_q > 0 || (gzip_q < 0 && star_q > 0);
}

int accept_quality(const char *accept, const char *media_type)
{
    if (!accept || !*accept) return 1000;
    const char *slash = strchr(media_type, '/');
    size_t type_len = slash ? (size_t)(slash - media_type) : strlen(media_type);
    const char *p = accept, *b, *e;
    int best_specificity = -1, best_q = 0;
    while (next_element(&p, &b, &e)) {
        size_t n = token_len(b, e);
        int specificity = -1;
        if (n == 3 && strncmp(b, "*/*", 3) == 0)
            specificity = 0;
        else if (n == type_len + 2 && strncasecmp(b, media_type, type_len) == 0 && b[type_len] == '/' &&
                 b[type_len + 1] == '*')
            specificity = 1;
        else if (n == strlen(media_type) && strncasecmp(b, media_type, n) == 0)
            specificity = 2;
        if (specificity > best_specificity) {
            int q = quality(b, e);
            best_specificity = specificity;
            best_q = q < 0 ? 0 : q;
        }
    }
    return best_specificity < 0 ? 0 : best_q;
}

bool etag_matches(const char *header, const char *etag)
{
    if (!header) return false;
    size_t elen = strlen(etag);
    const char *p = header, *b, *e;
    while (next_element(&p, &b, &e)) {
        if (e - b == 1 && *b == '*') return true;
        if (e - b > 2 && b[0] == 'W' && b[1] == '/') b += 2;
        if ((size_t)(e - b) == elen && memcmp(b, etag, elen) == 0) return true;
    }
    return false;
}

/* The whole of s as a UTC time in strptime format fmt; -1 if it is not. */
static time_t parse_utc(const char *s, const char *fmt)
{
    if (!s) return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, fmt, &tm);
    if (!end || *end) return -1;
    return timegm(&tm);
}

time_t http_date_parse(const char *s) { return parse_utc(s, "%a, %d %b %Y %H:%M:%S GMT"); }

time_t iso8601_parse(const char *s) { return parse_utc(s, "%Y-%m-%dT%H:%M:%SZ"); }

void http_date_format(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

bool request_id_is_sane(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (n == 128 || !(isalnum((unsigned char)c) || c == '.' || c == '_' || c == ':' || c == '-')) return false;
    }
    return n > 0;
}

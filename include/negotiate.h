/*
 * negotiate.h — reading the request headers that choose a representation
 * (Accept, Accept-Encoding) and decide conditional requests
 * (If-None-Match, If-Modified-Since). Pure functions over header text;
 * a NULL header means the client did not send it.
 */
#ifndef ESSAYD_NEGOTIATE_H
#define ESSAYD_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Does Accept-Encoding allow gzip (gzip, x-gzip or *, with q > 0)? */
bool accepts_gzip(const char *accept_encoding);

/* The quality (0..1000) Accept gives media type "type/subtype", taking
 * the most specific matching range ("type/subtype" over "type/ *" over
 * "* / *"). A NULL or empty Accept accepts everything (1000). */
int accept_quality(const char *accept, const char *media_type);

/* RFC 9110 If-None-Match with weak comparison: true if header is "*" or
 * lists an entity tag whose opaque part equals etag's (W/ ignored).
 * etag is a full tag with its quotes. */
bool etag_matches(const char *if_none_match, const char *etag);

/* Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); -1 if not one. */
time_t http_date_parse(const char *s);

/* Formats t as an IMF-fixdate into out (at least 30 bytes). */
void http_date_format(time_t t, char out[32]);

/* Parses "YYYY-MM-DDTHH:MM:SSZ" (how essayd stores times); -1 if not one. */
time_t iso8601_parse(const char *s);

/* Is s a request id worth echoing: 1 to 128 characters of [A-Za-z0-9._:-]? */
bool request_id_is_sane(const char *s);

#endif

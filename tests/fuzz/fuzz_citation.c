/*
 * fuzz_citation.c — libFuzzer target for the endnote (citation) parser
 * alone.
 *
 * The input is one endnote's text without its "[n] " prefix, as
 * essay_parse hands it to citation_parse: valid UTF-8 without NUL (other
 * inputs are skipped; the essay target covers what the parser does with
 * them). fuzz_essay reaches citation_parse only through a whole essay's
 * "Endnotes:" list; here every mutation lands on the citation.
 *
 * Checked beyond essay_checks.h's check_citation (UTF-8, non-empty
 * fields, ISO dates that exist, host and domain consistent): a url begins
 * with http:// or https:// and is the input's own text (after "http://"
 * when the input had no scheme: "www.x.org"); its host is in lower case
 * and, ignoring case, inside the url; the author, title and publisher are
 * pieces of the input, never invented; and parsing is deterministic.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "citations.h"
#include "text.h"

#include "essay_checks.h"
#include "fuzz_support.h" /* CHECK, CHECKF, LLVMFuzzerTestOneInput */

/* Does s hold needle, ignoring ASCII case? */
static bool has_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0) return true;
    return n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    if (!utf8_valid(buf, size, NULL) || memchr(buf, '\0', size)) return 0;
    char *raw = fz_strndup(data, size);

    citation c, again;
    CHECK(citation_parse(raw, size, &c) == 0);
    check_citation(&c, true);

    if (c.url) {
        bool https = strncasecmp(c.url, "https://", 8) == 0;
        CHECKF(https || strncasecmp(c.url, "http://", 7) == 0, "url without a scheme: %s", c.url);
        const char *own = c.url;
        if (!strstr(raw, own)) own = c.url + 7; /* "http://" added to a schemeless address */
        CHECKF(strstr(raw, own) != NULL, "url %s is not in the input", c.url);
        CHECK(c.host != NULL);
        for (const char *p = c.host; *p; p++) CHECK(!(*p >= 'A' && *p <= 'Z'));
        CHECKF(has_ci(c.url, c.host), "host %s is not in the url %s", c.host, c.url);
    }
    const char *const texts[] = {c.author, c.title, c.publisher};
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
        if (texts[k]) CHECKF(strstr(raw, texts[k]) != NULL, "field %zu \"%s\" is not in the input", k, texts[k]);

    CHECK(citation_parse(raw, size, &again) == 0);
    CHECK(fz_same_str(c.author, again.author) && fz_same_str(c.date, again.date) && fz_same_str(c.title, again.title) &&
          fz_same_str(c.publisher, again.publisher) && fz_same_str(c.retrieved, again.retrieved) && fz_same_str(c.url, again.url) &&
          fz_same_str(c.host, again.host) && fz_same_str(c.domain, again.domain));
    citation_free(&again);
    citation_free(&c);
    free(raw);
    return 0;
}

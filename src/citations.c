/*
 * citations.c — an endnote's text → citation fields.
 *
 * The parse is anchored on the two things APA-style entries reliably have:
 * a parenthesised date after the author, and a link at the end. Without
 * the "(date)" anchor there is no telling author from title, so only the
 * URL (and a "Retrieved" date) are read from such an entry.
 */
#include "citations.h"

#include <ctype.h>
#include <curl/curl.h>
#include <libpsl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "text.h"

/* Returns an error if the allocation for a non-empty field failed. */
#define SET_FIELD(dst, s, n)                                                                     \
    do {                                                                                         \
        size_t b_, e_;                                                                           \
        utf8_trim((s), (n), &b_, &e_);                                                           \
        if (e_ > b_ && !((dst) = xstrndup((s) + b_, e_ - b_))) goto oom;                         \
    } while (0)

/* Trailing characters that end the sentence around a URL rather than the
 * URL itself: "(http://x.org/a.)" is the link http://x.org/a. */
static size_t trim_url_tail(const char *u, size_t n)
{
    while (n > 0 && strchr(".,;:!?'\"", u[n - 1])) n--;
    return n;
}

static bool host_is_plausible(const char *h)
{
    /* libcurl percent-decodes the host: "ex%FFample.com" must not reach
     * the database as bytes that are not UTF-8. */
    if (!*h || strlen(h) > 253 || !utf8_valid(h, strlen(h), NULL)) return false;
    for (const char *p = h; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || (unsigned char)*p >= 0x80)) return false;
    return strchr(h, '.') != NULL;
}

static const char *find_ci(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (strncasecmp(s + i, needle, n) == 0) return s + i;
    return NULL;
}

/* Fills url, host and domain from the candidate u[0..n). Leaves them NULL
 * when libcurl does not accept it as an http(s) URL. */
static int set_url(citation *c, const char *u, size_t n)
{
    n = trim_url_tail(u, n);
    if (n == 0 || n > 4096) return 0;
    strbuf sb = {0};
    bool schemeless = !(n > 7 && strncasecmp(u, "http://", 7) == 0) &&
                      !(n > 8 && strncasecmp(u, "https://", 8) == 0);
    if (schemeless && sb_puts(&sb, "http://") < 0) return -1;
    if (sb_append(&sb, u, n) < 0) return -1;
    CURLU *h = curl_url();
    char *host = NULL, *scheme = NULL;
    int rc = 0;
    if (!h) {
        rc = -1;
        goto done;
    }
    if (curl_url_set(h, CURLUPART_URL, sb.data, 0) != CURLUE_OK) goto done;
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) goto done;
    if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) goto done;
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) goto done;
    for (char *p = host; *p; p++) *p = (char)tolower((unsigned char)*p);
    /* The host must be as written: one libcurl had to rewrite (the numeric
     * shorthand "http://05/" read as 0.0.0.5, percent-encoded bytes) is
     * not an address the reader can find in the link, and rewriting would
     * slip a one-label name past the dot required below. */
    if (!host_is_plausible(host) || !find_ci(sb.data, sb.len, host)) goto done;
    if (!(c->url = sb_take(&sb)) || !(c->host = xstrdup(host))) {
        rc = -1;
        goto done;
    }
    const char *reg = psl_registrable_domain(psl_builtin(), host);
    if (reg && !(c->domain = xstrdup(reg))) rc = -1;
done:
    curl_free(host);
    curl_free(scheme);
    curl_url_cleanup(h);
    sb_free(&sb);
    return rc;
}

/* Finds a link in s[0..len): a Markdown link "[text](target)" (the target
 * wins over the often truncated text), else a bare http(s):// or www.
 * address. Sets *cut to where the link starts, so the fields before it can
 * be read without it. */
static int find_url(const char *s, size_t len, citation *c, size_t *cut)
{
    *cut = len;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != ']' || s[i + 1] != '(') continue;
        size_t open = i;
        while (open > 0 && s[open] != '[') open--;
        if (s[open] != '[') continue;
        size_t b = i + 2, depth = 1, e = b;
        while (e < len && depth) {
            if (s[e] == '(') depth++;
            else if (s[e] == ')') depth--;
            if (depth) e++;
        }
        *cut = open;
        return set_url(c, s + b, e - b);
    }
    for (size_t i = 0; i < len; i++) {
        bool start = (i + 7 < len && strncasecmp(s + i, "http://", 7) == 0) ||
                     (i + 8 < len && strncasecmp(s + i, "https://", 8) == 0) ||
                     (i + 4 < len && strncasecmp(s + i, "www.", 4) == 0);
        if (!start || (i > 0 && isalnum((unsigned char)s[i - 1]))) continue;
        size_t e = i;
        while (e < len && !isspace((unsigned char)s[e]) && (unsigned char)s[e] >= 0x21 &&
               !strchr("<>\"", s[e]) && (unsigned char)s[e] < 0x80)
            e++;
        while (e > i && (s[e - 1] == ')' || s[e - 1] == ']')) e--;
        *cut = i;
        return set_url(c, s + i, e - i);
    }
    return 0;
}

/* The first occurrence of word in s[0..len) that is followed by white space
 * (any Unicode white space: entries use no-break spaces too). Sets *after to
 * the first byte past that white space. */
static const char *find_word(const char *s, size_t len, const char *word, const char **after)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n < len; i++) {
        if (strncasecmp(s + i, word, n) != 0 || (i > 0 && isalpha((unsigned char)s[i - 1]))) continue;
        size_t j = i + n;
        if (!uc_is_space(utf8_next(s, len, &j))) continue;
        *after = s + j;
        return s + i;
    }
    return NULL;
}

/* "Retrieved December 22, 2017, from" → retrieved; shortens *len to cut
 * the clause off. */
static int take_retrieved(const char *s, size_t *len, citation *c)
{
    const char *d;
    const char *r = find_word(s, *len, "retrieved", &d);
    if (!r) r = find_word(s, *len, "accessed", &d);
    if (!r) return 0;
    const char *end = s + *len;
    const char *from = find_ci(d, (size_t)(end - d), "from");
    const char *de = from ? from : end;
    char iso[11];
    if (date_parse_iso(d, (size_t)(de - d), iso) == 0 && !(c->retrieved = xstrdup(iso))) return -1;
    *len = (size_t)(r - s);
    return 0;
}

/* Is the full stop at s[dot] part of an initial or initialism ("B.",
 * "U.S.") rather than the end of a field? */
static bool stop_is_initial(const char *s, size_t dot)
{
    if (dot == 0) return false;
    unsigned char p = (unsigned char)s[dot - 1];
    if (!isalpha(p)) return false;
    return dot == 1 || !isalpha((unsigned char)s[dot - 2]);
}

/* "Title. Publisher." → title, publisher, split at the last sentence end. */
static int split_title_publisher(const char *s, size_t len, citation *c)
{
    size_t b, e;
    utf8_trim(s, len, &b, &e);
    s += b;
    len = e - b;
    while (len > 0 && s[len - 1] == '.' && !stop_is_initial(s, len - 1)) len--;
    size_t split = 0, keep = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '.' && s[i] != '?' && s[i] != '!') continue;
        size_t j = i + 1;
        for (;;) { /* closing quotes stay with the title */
            if (j < len && (s[j] == '"' || s[j] == '\'')) j++;
            else if (j + 2 < len && memcmp(s + j, "\xE2\x80", 2) == 0 &&
                     ((unsigned char)s[j + 2] == 0x9D || (unsigned char)s[j + 2] == 0x99)) j += 3;
            else break;
        }
        if (j >= len) break;
        size_t k = j;
        if (!uc_is_space(utf8_next(s, len, &k))) continue;
        if (s[i] == '.' && stop_is_initial(s, i)) continue;
        split = j;
        keep = s[i] == '.' ? i : j;
    }
    if (!split) {
        SET_FIELD(c->title, s, len);
        return 0;
    }
    SET_FIELD(c->title, s, keep);
    SET_FIELD(c->publisher, s + split, len - split);
    return 0;
oom:
    return -1;
}

int citation_parse(const char *raw, size_t len, citation *c)
{
    memset(c, 0, sizeof *c);
    size_t cut;
    if (find_url(raw, len, c, &cut) < 0) goto oom;
    size_t head = cut;
    if (take_retrieved(raw, &head, c) < 0) goto oom;

    /* Author. (Date). Rest */
    for (size_t i = 0; i < head; i++) {
        if (raw[i] != '(') continue;
        const char *close = memchr(raw + i, ')', head - i);
        if (!close) break;
        size_t ds = i + 1, de = (size_t)(close - raw);
        char iso[11];
        bool nd = de - ds == 4 && strncasecmp(raw + ds, "n.d.", 4) == 0;
        if (!nd && date_parse_iso(raw + ds, de - ds, iso) != 0) continue;
        if (!nd && !(c->date = xstrdup(iso))) goto oom;
        size_t ae = i, ab;
        while (ae > 0 && uc_is_space(utf8_prev(raw, ae, &ab))) ae = ab; /* any white space, NBSP too */
        if (ae > 0 && raw[ae - 1] == '.' && !stop_is_initial(raw, ae - 1)) ae--;
        SET_FIELD(c->author, raw, ae);
        size_t rs = de + 1;
        while (rs < head && (raw[rs] == '.' || raw[rs] == ',' || raw[rs] == ':')) rs++;
        if (split_title_publisher(raw + rs, head - rs, c) < 0) goto oom;
        break;
    }
    return 0;
oom:
    citation_free(c);
    return -1;
}

void citation_free(citation *c)
{
    if (!c) return;
    free(c->author);
    free(c->date);
    free(c->title);
    free(c->publisher);
    free(c->retrieved);
    free(c->url);
    free(c->host);
    free(c->domain);
    memset(c, 0, sizeof *c);
}

/*
 * fuzz_cursor.c — libFuzzer target for the list cursors (listing.h):
 * cursor_decode of ?cursor= text, and cursor_encode.
 *
 * The encoder is canonical: base64url without padding of
 * json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS), and jansson prints an
 * equal value the same way, so encode(decode(encode(x))) is encode(x)
 * byte for byte. The decoder is not injective (it takes non-canonical
 * base64: other trailing bits, JSON with spaces or keys in any order), so
 * its input is not expected back; its result is.
 *
 * For the input as cursor text (up to its first NUL, as a query value):
 *  - cursor_decode never crashes; it returns NULL for an empty text, more
 *    than 4096 characters, a length of 4k+1, or a character outside
 *    [A-Za-z0-9_-]; otherwise exactly what this file's own base64url
 *    decoder and jansson (JSON_REJECT_DUPLICATES) make of it, when that
 *    is an object, else NULL;
 *  - a decoded object re-encodes to base64url text (no padding) that this
 *    file's decoder turns into json_dumps(object, COMPACT | SORT_KEYS),
 *    and, when at most 4096 characters, decodes to an equal object
 *    (json_equal) that encodes to the same text again.
 * For the input as JSON: an object encodes and decodes back to an equal
 * object (when the text fits the 4096 limit); and, as the server makes
 * them, {"s": sort, "k": key, "id": n} with the input as the key (a
 * title's sort key can be 1,200 bytes) always fits and round-trips.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "listing.h"
#include "text.h"

#define CURSOR_MAX_CHARS 4096

static int b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

/* Base64url without padding → bytes (trailing bits that make no whole
 * byte are dropped). NULL if a character is outside the alphabet or the
 * length is 4k+1. *n the length; the result is NUL-terminated. */
static unsigned char *b64url_decode(const char *s, size_t len, size_t *n)
{
    if (len % 4 == 1) return NULL;
    unsigned char *out = malloc(len * 3 / 4 + 2);
    CHECK(out != NULL);
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        int v = b64url_value(s[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[k++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    out[k] = '\0';
    *n = k;
    return out;
}

/* What cursor_decode should return for text: a new reference or NULL. */
static json_t *expected_decode(const char *text)
{
    size_t len = strlen(text), n;
    if (len == 0 || len > CURSOR_MAX_CHARS) return NULL;
    unsigned char *raw = b64url_decode(text, len, &n);
    if (!raw) return NULL;
    json_error_t err;
    json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &err);
    free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

/* encode(obj): checks its form and that it says what obj says. Returns it
 * (caller frees). */
static char *encode_checked(json_t *obj)
{
    char *enc = cursor_encode(obj);
    CHECK(enc != NULL);
    size_t len = strlen(enc), n;
    CHECK(len > 0 && len % 4 != 1);
    for (size_t i = 0; i < len; i++) CHECKF(b64url_value(enc[i]) >= 0, "'%c' in a cursor", enc[i]);
    unsigned char *raw = b64url_decode(enc, len, &n);
    CHECK(raw != NULL);
    char *want = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK(want != NULL);
    CHECKF(n == strlen(want) && memcmp(raw, want, n) == 0, "the cursor holds %s, not %s", (char *)raw, want);
    free(want);
    free(raw);
    return enc;
}

/* obj (an object) round-trips: encode → decode → equal → the same text. */
static void check_roundtrip(json_t *obj, bool must_fit)
{
    char *s1 = encode_checked(obj);
    json_t *back = cursor_decode(s1);
    if (strlen(s1) > CURSOR_MAX_CHARS) {
        CHECKF(!must_fit, "a cursor the server makes is %zu characters, over the limit", strlen(s1));
        CHECK(back == NULL);
        free(s1);
        return;
    }
    CHECKF(back != NULL, "a cursor does not decode: %s", s1);
    CHECK(json_equal(obj, back));
    char *s2 = cursor_encode(back);
    CHECK(s2 && strcmp(s1, s2) == 0);
    free(s2);
    json_decref(back);
    free(s1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* 1. The input as ?cursor= text. */
    char *text = fz_strndup(data, size);
    json_t *got = cursor_decode(text);
    json_t *want = expected_decode(text);
    CHECKF((got == NULL) == (want == NULL), "cursor_decode %s, expected %s", got ? "accepts" : "refuses",
           want ? "an object" : "NULL");
    if (got) {
        CHECK(json_is_object(got));
        CHECK(json_equal(got, want));
        check_roundtrip(got, false);
    }
    json_decref(got);
    json_decref(want);

    /* 2. The input as a JSON object to encode. */
    json_error_t err;
    json_t *obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (json_is_object(obj)) check_roundtrip(obj, false);
    json_decref(obj);

    /* 3. A cursor as the server makes one, keyed by the input when it could
     * be a title (valid UTF-8, at most 300 characters, no controls). */
    size_t len = strlen(text);
    bool title_like = utf8_valid(text, len, NULL) && utf8_cp_count(text, len) <= 300;
    for (size_t i = 0; i < len && title_like; i++) {
        unsigned char ch = (unsigned char)text[i];
        if ((ch < 0x20 && ch != '\t' && ch != '\f') || ch == 0x7F) title_like = false; /* the parser refuses these */
    }
    if (title_like) {
        uint64_t bits = 0;
        for (size_t i = 0; i < len && i < 8; i++) bits = bits * 251 + (unsigned char)text[i];
        json_int_t id = (json_int_t)(bits >> 1); /* a row id: not negative */
        json_t *c = json_pack("{s:s, s:s, s:I}", "s", "-title", "k", text, "id", id);
        CHECK(c != NULL);
        check_roundtrip(c, true);
        json_decref(c);
    }
    free(text);
    return 0;
}

/*
 * text.h — UTF-8 primitives shared by the parsers and the renderers.
 *
 * Everything here works on byte buffers that are known (or being checked)
 * to be UTF-8. Offsets exposed by the API are in code points and in UTF-16
 * code units, so the helpers convert between those and byte offsets.
 * No function here allocates unless its comment says so.
 */
#ifndef ESSAYD_TEXT_H
#define ESSAYD_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Checks that buf[0..len) is well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). Returns true if it is; otherwise
 * false and, if bad_at is not NULL, the byte offset of the first bad
 * sequence. */
bool utf8_valid(const char *buf, size_t len, size_t *bad_at);

/* Decodes the code point starting at s[*i] (s is valid UTF-8, *i < len)
 * and advances *i past it. */
uint32_t utf8_next(const char *s, size_t len, size_t *i);

/* The length of the longest prefix of s, at most max bytes, that ends on
 * a character boundary (for quoting a bounded piece of text: "%.*s" with
 * this length never splits a character). s is NUL-terminated. */
int utf8_cut(const char *s, int max);

/* Decodes the code point ending just before s[i] (i > 0) and returns its
 * starting offset through *start. */
uint32_t utf8_prev(const char *s, size_t i, size_t *start);

/* Unicode White_Space property (ASCII blanks, NBSP, the U+2000 block,
 * line/paragraph separators, ideographic space...). */
bool uc_is_space(uint32_t c);

/* Letters and digits as far as essays need them: ASCII, Latin-1, Latin
 * Extended and any code point above U+00FF that is not punctuation or
 * white space we know of. */
bool uc_is_alnum(uint32_t c);
bool uc_is_upper(uint32_t c);
bool uc_is_lower(uint32_t c);

/* Number of code points / UTF-16 code units in s[0..len). */
size_t utf8_cp_count(const char *s, size_t len);
size_t utf8_utf16_count(const char *s, size_t len);

/* Trims Unicode white space from both ends of s[0..len): sets *b and *e to
 * the trimmed byte range. */
void utf8_trim(const char *s, size_t len, size_t *b, size_t *e);

/* Lower-case ASCII slug of s (see API-NOTES: runs of anything other than
 * a-z0-9 become one '-', diacritics dropped, never all digits).
 * Returns a malloc'd string the caller frees, or NULL on allocation
 * failure. An input with no letters or digits gives "essay". */
char *slugify(const char *s, size_t len);

/* Longest slug, in bytes. */
#define SLUG_MAX_BYTES 200

/* Is s[0..n) a slug as slugify makes them (and a Slug: line or a PUT may
 * name): a-z, 0-9 and single hyphens inside, at most SLUG_MAX_BYTES, not
 * all digits? */
bool slug_valid(const char *s, size_t n);

/* Lower-case hex SHA-256 of buf into out (65 bytes, NUL-terminated). */
void sha256_hex(const void *buf, size_t len, char out[65]);

/* Growable byte buffer. Zero-initialise it ({0}); sb_free releases it.
 * Appends return 0 on success, -1 on allocation failure (the buffer is
 * then left as it was). data is always NUL-terminated once non-empty. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
} strbuf;

int sb_append(strbuf *sb, const char *s, size_t n);
int sb_puts(strbuf *sb, const char *s);
int sb_putc(strbuf *sb, char c);
/* Hands the buffer over: returns data (caller frees) and resets sb.
 * Returns an empty malloc'd string if nothing was appended, NULL on
 * allocation failure. */
char *sb_take(strbuf *sb);
void sb_free(strbuf *sb);

/* strndup and strdup whose allocation failure is recorded (oom_note, oom.h),
 * so that a request that fails for it is answered 503, not 500. They return
 * NULL only then. Caller frees. */
char *xstrndup(const char *s, size_t n);
char *xstrdup(const char *s);

#endif

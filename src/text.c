/* text.c — UTF-8 primitives, slugs, hashing and a growable buffer. */
#include "text.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "oom.h"

bool utf8_valid(const char *buf, size_t len, size_t *bad_at)
{
    const unsigned char *s = (const unsigned char *)buf;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t need;
        uint32_t cp, min;
        if (c < 0x80) { i++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { need = 1; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { need = 2; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { need = 3; cp = c & 0x07; min = 0x10000; }
        else goto bad;
        if (len - i <= need) goto bad;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) goto bad;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) goto bad;
        i += need + 1;
    }
    return true;
bad:
    if (bad_at) *bad_at = i;
    return false;
}

int utf8_cut(const char *s, int max)
{
    int n = 0;
    while (n < max && s[n]) n++;
    if (s[n]) /* cut short: step back over continuation bytes to the start of the split character */
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    return n;
}

uint32_t utf8_next(const char *str, size_t len, size_t *i)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[*i];
    size_t need = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
    uint32_t cp = need == 0 ? c : need == 1 ? (c & 0x1Fu) : need == 2 ? (c & 0x0Fu) : (c & 0x07u);
    size_t k = 1;
    for (; k <= need && *i + k < len; k++) cp = (cp << 6) | (s[*i + k] & 0x3Fu);
    *i += k;
    return cp;
}

uint32_t utf8_prev(const char *str, size_t i, size_t *start)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t b = i - 1;
    while (b > 0 && (s[b] & 0xC0) == 0x80 && i - b < 4) b--;
    size_t j = b;
    uint32_t cp = utf8_next(str, i, &j);
    if (start) *start = b;
    return cp;
}

bool uc_is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* General punctuation and symbol blocks that must not count as letters. */
static bool is_punct_block(uint32_t c)
{
    return (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFE30 && c <= 0xFE6F) || (c >= 0xFF00 && c <= 0xFF0F) ||
           (c >= 0x1F000 && c <= 0x1FAFF);
}

bool uc_is_alnum(uint32_t c)
{
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;
    if (c == 0xD7 || c == 0xF7) return false;
    return !uc_is_space(c) && !is_punct_block(c);
}

bool uc_is_upper(uint32_t c)
{
    if (c < 0x80) return c >= 'A' && c <= 'Z';
    if (c >= 0xC0 && c <= 0xDE) return c != 0xD7;
    if (c >= 0x100 && c <= 0x17F) return (c & 1) == 0; /* Latin Extended-A pairs, roughly */
    if (c >= 0x391 && c <= 0x3AB) return true;          /* Greek */
    if (c >= 0x400 && c <= 0x42F) return true;          /* Cyrillic */
    return false;
}

bool uc_is_lower(uint32_t c)
{
    if (c < 0x80) return c >= 'a' && c <= 'z';
    if (c >= 0xDF && c <= 0xFF) return c != 0xF7;
    if (c >= 0x100 && c <= 0x17F) return (c & 1) == 1;
    if (c >= 0x3AC && c <= 0x3CE) return true;
    if (c >= 0x430 && c <= 0x45F) return true;
    return false;
}

size_t utf8_cp_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

size_t utf8_utf16_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c & 0xC0) != 0x80) n += c >= 0xF0 ? 2 : 1;
    }
    return n;
}

void utf8_trim(const char *s, size_t len, size_t *b, size_t *e)
{
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        if (!uc_is_space(utf8_next(s, len, &j))) break;
        i = j;
    }
    size_t end = len;
    while (end > i) {
        size_t st;
        if (!uc_is_space(utf8_prev(s, end, &st))) break;
        end = st;
    }
    *b = i;
    *e = end;
}

/* ASCII spelling of a Latin letter with diacritics into out (NUL-terminated);
 * false if there is none. Covers Latin-1 Supplement and Latin Extended-A,
 * which is where essay titles live; anything else becomes a separator. */
static bool fold_latin(uint32_t c, char out[3])
{
    static const char *const latin1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
        "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y"};
    static const char ext_a[] = /* U+0100..U+017F, one letter each */
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
        "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    const char *s = NULL;
    char one[2] = {0, 0};
    if (c >= 0xC0 && c <= 0xFF) {
        s = latin1[c - 0xC0];
    } else if (c == 0x132 || c == 0x133) {
        s = "ij";
    } else if (c == 0x152 || c == 0x153) {
        s = "oe";
    } else if (c >= 0x100 && c - 0x100 < sizeof ext_a - 1) {
        one[0] = ext_a[c - 0x100];
        s = one;
    }
    if (!s) return false;
    strcpy(out, s);
    return true;
}

char *slugify(const char *s, size_t len)
{
    strbuf sb = {0};
    bool pending_dash = false, all_digits = true;
    size_t i = 0;
    while (i < len) {
        uint32_t c = utf8_next(s, len, &i);
        char out[3] = {0, 0, 0};
        bool letter = true;
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[0] = (char)c;
        else if (c >= 'A' && c <= 'Z')
            out[0] = (char)(c - 'A' + 'a');
        else
            letter = fold_latin(c, out);
        if (!letter) {
            pending_dash = sb.len > 0;
            continue;
        }
        if (pending_dash && sb_putc(&sb, '-') < 0) goto oom;
        pending_dash = false;
        for (const char *p = out; *p; p++)
            if (*p < '0' || *p > '9') all_digits = false;
        if (sb_puts(&sb, out) < 0) goto oom;
    }
    if (sb.len == 0) {
        if (sb_puts(&sb, "essay") < 0) goto oom;
    } else if (all_digits) {
        if (sb_puts(&sb, "-essay") < 0) goto oom;
    }
    return sb_take(&sb);
oom:
    sb_free(&sb);
    return NULL;
}

void sha256_hex(const void *buf, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    static const char hex[] = "0123456789abcdef";
    if (!EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL)) mdlen = 0;
    for (unsigned int k = 0; k < 32; k++) {
        unsigned char b = k < mdlen ? md[k] : 0;
        out[2 * k] = hex[b >> 4];
        out[2 * k + 1] = hex[b & 15];
    }
    out[64] = '\0';
}

int sb_append(strbuf *sb, const char *s, size_t n)
{
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 64;
        while (cap < sb->len + n + 1) cap *= 2;
        char *d = realloc(sb->data, cap);
        if (!d) {
            oom_note();
            return -1;
        }
        sb->data = d;
        sb->cap = cap;
    }
    if (n) memcpy(sb->data + sb->len, s, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
    return 0;
}

int sb_puts(strbuf *sb, const char *s) { return sb_append(sb, s, strlen(s)); }

int sb_putc(strbuf *sb, char c) { return sb_append(sb, &c, 1); }

char *sb_take(strbuf *sb)
{
    char *d = sb->data;
    if (!d) d = calloc(1, 1);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return d;
}

void sb_free(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

char *xstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) {
        oom_note();
        return NULL;
    }
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

bool slug_valid(const char *s, size_t n)
{
    bool digits_only = true;
    if (n == 0 || n > SLUG_MAX_BYTES || s[0] == '-' || s[n - 1] == '-') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-' && s[i + 1] == '-') return false; /* i + 1 < n: s[n - 1] is not '-' */
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
        if (c < '0' || c > '9') digits_only = false;
    }
    return !digits_only;
}

/*
 * test_text.c — UTF-8 primitives, slugs, SHA-256 and strbuf (text.h).
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "text.h"

/* ---- utf8_valid ------------------------------------------------------ */

static void valid_case(const char *s, size_t len, const char *label)
{
    size_t bad = 12345;

    OK(utf8_valid(s, len, &bad), HMSG("utf8_valid accepts %s", label));
    OK(utf8_valid(s, len, NULL),
       HMSG("utf8_valid accepts %s (bad_at NULL)", label));
}

static void invalid_case(const char *s, size_t len, size_t want_bad,
                         const char *label)
{
    size_t bad = 12345;

    OK(!utf8_valid(s, len, &bad), HMSG("utf8_valid rejects %s", label));
    INT_EQ(bad, want_bad, HMSG("bad_at for %s", label));
    OK(!utf8_valid(s, len, NULL),
       HMSG("utf8_valid rejects %s (bad_at NULL)", label));
}

static void test_utf8_valid(void)
{
    static const struct {
        const char *s;
        size_t len;
        const char *label;
    } valid[] = {
        {"", 0, "the empty string"},
        {"abc", 3, "ASCII"},
        {"caf\xC3\xA9", 5, "2-byte sequence"},
        {"\xE2\x80\x9C"
         "x"
         "\xE2\x80\x9D",
         7, "3-byte quotes"},
        {"\xEF\xBF\xBF", 3, "U+FFFF"},
        {"\xF0\x9F\x98\x80", 4, "U+1F600"},
        {"\xF4\x8F\xBF\xBF", 4, "U+10FFFF"},
        {"\xED\x9F\xBF", 3, "U+D7FF (just below the surrogates)"},
        {"\xEE\x80\x80", 3, "U+E000 (just above the surrogates)"},
        /* The length is respected: the bad byte lies outside the range. */
        {"abc\xFF", 3, "a prefix that stops before a bad byte"},
    };
    static const struct {
        const char *s;
        size_t len, bad;
        const char *label;
    } invalid[] = {
        {"\xC0\xAF", 2, 0, "2-byte overlong '/'"},
        {"ab\xC1\xBF", 4, 2, "2-byte overlong at offset 2"},
        {"x\xE0\x80\xAF", 4, 1, "3-byte overlong"},
        {"xy\xF0\x80\x80\xAF", 6, 2, "4-byte overlong"},
        {"\xED\xA0\x80", 3, 0, "high surrogate U+D800"},
        {"ok \xED\xBF\xBF", 6, 3, "low surrogate U+DFFF"},
        {"ab\xE2\x82", 4, 2, "truncated 3-byte sequence at end"},
        {"ab\xE2\x82"
         "c",
         5, 2, "truncated 3-byte sequence mid-text"},
        {"\xF0\x9F\x98", 3, 0, "truncated 4-byte sequence"},
        {"a\xF4\x90\x80\x80", 5, 1, "U+110000 (above U+10FFFF)"},
        {"\xF5\x80\x80\x80", 4, 0, "lead byte F5"},
        {"abc\x80", 4, 3, "lone continuation byte"},
        {"x\xFF", 2, 1, "byte FF"},
        {"caf\xC3\xA9 \xC3", 7, 6, "truncated after valid text"},
    };
    size_t i;

    for (i = 0; i < sizeof valid / sizeof valid[0]; i++)
        valid_case(valid[i].s, valid[i].len, valid[i].label);
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++)
        invalid_case(invalid[i].s, invalid[i].len, invalid[i].bad,
                     invalid[i].label);
}

/* ---- utf8_next / utf8_prev ------------------------------------------- */

static void test_next_prev(void)
{
    /* 'a', U+00E9, U+201C, U+1F600, 'z' */
    const char *s = "a\xC3\xA9\xE2\x80\x9C\xF0\x9F\x98\x80z";
    size_t len = strlen(s), i = 0, start = 99;

    INT_EQ(len, 11, "test string length");
    INT_EQ(utf8_next(s, len, &i), 'a', "next: 'a'");
    INT_EQ(i, 1, "next: advanced past 'a'");
    INT_EQ(utf8_next(s, len, &i), 0xE9, "next: U+00E9");
    INT_EQ(i, 3, "next: advanced past U+00E9");
    INT_EQ(utf8_next(s, len, &i), 0x201C, "next: U+201C");
    INT_EQ(i, 6, "next: advanced past U+201C");
    INT_EQ(utf8_next(s, len, &i), 0x1F600, "next: U+1F600");
    INT_EQ(i, 10, "next: advanced past U+1F600");
    INT_EQ(utf8_next(s, len, &i), 'z', "next: 'z'");
    INT_EQ(i, 11, "next: at the end");

    INT_EQ(utf8_prev(s, 11, &start), 'z', "prev: 'z'");
    INT_EQ(start, 10, "prev: start of 'z'");
    INT_EQ(utf8_prev(s, 10, &start), 0x1F600, "prev: U+1F600");
    INT_EQ(start, 6, "prev: start of U+1F600");
    INT_EQ(utf8_prev(s, 6, &start), 0x201C, "prev: U+201C");
    INT_EQ(start, 3, "prev: start of U+201C");
    INT_EQ(utf8_prev(s, 3, &start), 0xE9, "prev: U+00E9");
    INT_EQ(start, 1, "prev: start of U+00E9");
    INT_EQ(utf8_prev(s, 1, &start), 'a', "prev: 'a'");
    INT_EQ(start, 0, "prev: start of 'a'");
}

/* ---- character classes ----------------------------------------------- */

static void test_classes(void)
{
    OK(uc_is_space(' '), "space is space");
    OK(uc_is_space('\t'), "tab is space");
    OK(uc_is_space('\n'), "LF is space");
    OK(uc_is_space('\r'), "CR is space");
    OK(uc_is_space(0xA0), "NBSP U+00A0 is space");
    OK(uc_is_space(0x2009), "thin space U+2009 is space");
    OK(uc_is_space(0x2002), "en space U+2002 is space");
    OK(uc_is_space(0x202F), "narrow NBSP U+202F is space");
    OK(uc_is_space(0x2028), "line separator U+2028 is space");
    OK(uc_is_space(0x3000), "ideographic space U+3000 is space");
    OK(!uc_is_space('a'), "'a' is not space");
    OK(!uc_is_space('.'), "'.' is not space");
    OK(!uc_is_space(0x200B), "zero width space U+200B is not White_Space");
    OK(!uc_is_space(0x2019), "U+2019 is not space");

    OK(uc_is_alnum('a'), "'a' is alnum");
    OK(uc_is_alnum('Z'), "'Z' is alnum");
    OK(uc_is_alnum('7'), "'7' is alnum");
    OK(uc_is_alnum(0xE9), "U+00E9 is alnum");
    OK(uc_is_alnum(0x4E2D), "U+4E2D (CJK) is alnum");
    OK(!uc_is_alnum('-'), "'-' is not alnum");
    OK(!uc_is_alnum(' '), "' ' is not alnum");
    OK(!uc_is_alnum(0xA0), "NBSP is not alnum");
    OK(!uc_is_alnum(0x2019), "U+2019 is not alnum");
    OK(!uc_is_alnum(0x201C), "U+201C is not alnum");
    OK(!uc_is_alnum(0x2014), "em dash is not alnum");
    OK(!uc_is_alnum(0x2026), "ellipsis is not alnum");

    OK(uc_is_upper('A'), "'A' is upper");
    OK(uc_is_upper(0xC9), "U+00C9 is upper");
    OK(!uc_is_upper('a'), "'a' is not upper");
    OK(!uc_is_upper('5'), "'5' is not upper");
    OK(uc_is_lower('a'), "'a' is lower");
    OK(uc_is_lower(0xE9), "U+00E9 is lower");
    OK(!uc_is_lower('A'), "'A' is not lower");
    OK(!uc_is_lower('.'), "'.' is not lower");
}

/* ---- counts ----------------------------------------------------------- */

static void test_counts(void)
{
    const char *emoji = "\xF0\x9F\x98\x80";
    const char *mixed = "a\xF0\x9F\x98\x80\xC3\xA9 \xE2\x80\x9Cz";

    INT_EQ(utf8_cp_count("", 0), 0, "cp count of empty");
    INT_EQ(utf8_utf16_count("", 0), 0, "utf16 count of empty");
    INT_EQ(utf8_cp_count("abc", 3), 3, "cp count of ASCII");
    INT_EQ(utf8_utf16_count("abc", 3), 3, "utf16 count of ASCII");
    INT_EQ(utf8_cp_count(emoji, 4), 1, "U+1F600 is 1 code point");
    INT_EQ(utf8_utf16_count(emoji, 4), 2, "U+1F600 is 2 UTF-16 units");
    INT_EQ(utf8_cp_count("caf\xC3\xA9", 5), 4, "cp count with U+00E9");
    INT_EQ(utf8_utf16_count("caf\xC3\xA9", 5), 4, "utf16 count with U+00E9");
    /* a, U+1F600, U+00E9, ' ', U+201C, z */
    INT_EQ(utf8_cp_count(mixed, strlen(mixed)), 6, "cp count mixed");
    INT_EQ(utf8_utf16_count(mixed, strlen(mixed)), 7, "utf16 count mixed");
    INT_EQ(utf8_cp_count(mixed, 5), 2, "cp count of a prefix");
    INT_EQ(utf8_utf16_count(mixed, 5), 3, "utf16 count of a prefix");
}

/* ---- utf8_trim --------------------------------------------------------- */

static void test_trim(void)
{
    size_t b = 99, e = 99;
    /* NBSP ' ' "hi" U+3000 */
    const char *s1 = "\xC2\xA0 hi\xE3\x80\x80";
    /* "a" NBSP "b" (inner space is kept), then tab */
    const char *s2 = "a\xC2\xA0"
                     "b\t";
    const char *s3 = " \xE2\x80\x89\xC2\xA0\n";

    utf8_trim(s1, strlen(s1), &b, &e);
    INT_EQ(b, 3, "trim: start after NBSP and space");
    INT_EQ(e, 5, "trim: end before U+3000");

    utf8_trim(s2, strlen(s2), &b, &e);
    INT_EQ(b, 0, "trim: nothing to trim at the start");
    INT_EQ(e, 4, "trim: inner NBSP kept, tab dropped");

    utf8_trim("plain", 5, &b, &e);
    INT_EQ(b, 0, "trim plain: start");
    INT_EQ(e, 5, "trim plain: end");

    b = 0;
    e = 99;
    utf8_trim(s3, strlen(s3), &b, &e);
    INT_EQ(b, e, "trim of white space only gives an empty range");
    OK(e <= strlen(s3), "trim of white space only stays in range");

    utf8_trim("\xC2\xA0x", 3, &b, &e);
    INT_EQ(b, 2, "trim: leading NBSP only");
    INT_EQ(e, 3, "trim: leading NBSP only, end");
}

/* ---- slugify ------------------------------------------------------------ */

static void slug_case(const char *in, const char *want)
{
    char *got = slugify(in, strlen(in));

    STR_EQ(got, want, HMSG("slugify(\"%s\")", in));
    free(got);
}

static void test_slugify(void)
{
    char *got;

    slug_case("Assessing U.S.-China Diplomatic Solution to North Korea",
              "assessing-u-s-china-diplomatic-solution-to-north-korea");
    slug_case("Caf\xC3\xA9 M\xC3\xBCller", "cafe-muller");
    slug_case("\xC3\x89"
              "cole na\xC3\xAFve fa\xC3\xA7"
              "ade",
              "ecole-naive-facade");
    slug_case("1984", "1984-essay");
    slug_case("2017", "2017-essay");
    slug_case("!!!", "essay");
    slug_case("", "essay");
    slug_case("\xE2\x80\x9C\xE2\x80\x94\xE2\x80\x9D", "essay");
    slug_case("  --Hello, World!--  ", "hello-world");
    slug_case("...North   Korea???", "north-korea");
    slug_case("Federalist No. 1: General Introduction",
              "federalist-no-1-general-introduction");
    slug_case("China\xE2\x80\x99s Place", "china-s-place");
    slug_case("a\xC2\xA0"
              "b",
              "a-b");
    slug_case("Top 10 Reasons", "top-10-reasons");

    /* The length is respected. */
    got = slugify("Hello World", 5);
    STR_EQ(got, "hello", "slugify respects len");
    free(got);
}

/* ---- sha256_hex -----------------------------------------------------------
 */

static void test_sha256(void)
{
    char out[65];

    memset(out, 'x', sizeof out);
    sha256_hex("abc", 3, out);
    STR_EQ(out,
           "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
           "sha256(\"abc\")");
    sha256_hex("", 0, out);
    STR_EQ(out,
           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
           "sha256(\"\")");
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
               out);
    STR_EQ(out,
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
           "sha256 of the 448-bit NIST vector");
}

/* ---- strbuf ----------------------------------------------------------------
 */

static void test_strbuf(void)
{
    strbuf sb = {0};
    char *s;
    size_t i;
    int bad = 0;

    INT_EQ(sb_puts(&sb, "ab"), 0, "sb_puts ok");
    INT_EQ(sb_putc(&sb, 'c'), 0, "sb_putc ok");
    INT_EQ(sb_append(&sb, "defgh", 2), 0, "sb_append ok");
    INT_EQ(sb.len, 5, "strbuf length");
    OK(sb.data != NULL && sb.data[5] == '\0', "strbuf NUL-terminated");
    STR_EQ(sb.data, "abcde", "strbuf contents");
    OK(sb.cap >= sb.len + 1, "strbuf capacity covers the NUL");

    s = sb_take(&sb);
    STR_EQ(s, "abcde", "sb_take returns the data");
    OK(sb.data == NULL && sb.len == 0, "sb_take resets the buffer");
    free(s);

    s = sb_take(&sb);
    STR_EQ(s, "", "sb_take of an empty buffer gives \"\"");
    free(s);

    for (i = 0; i < 10000; i++)
        if (sb_putc(&sb, (char)('a' + i % 26)) != 0)
            bad++;
    INT_EQ(bad, 0, "10000 sb_putc calls succeed");
    INT_EQ(sb.len, 10000, "strbuf grows to 10000 bytes");
    OK(sb.data && sb.data[10000] == '\0' && sb.data[9999] == 'a' + 9999 % 26,
       "grown strbuf is intact and NUL-terminated");
    INT_EQ(sb_append(&sb, "\0x", 2), 0, "sb_append of an embedded NUL");
    INT_EQ(sb.len, 10002, "embedded NUL counted");
    OK(sb.data && sb.data[10000] == '\0' && sb.data[10001] == 'x',
       "embedded NUL kept");
    sb_free(&sb);

    {
        strbuf empty = {0};
        sb_free(&empty); /* releasing a buffer never used is harmless */
        INT_EQ(sb_append(&empty, "", 0), 0, "appending nothing succeeds");
        OK(empty.data == NULL || empty.data[0] == '\0',
           "appending nothing leaves an empty buffer");
        INT_EQ(empty.len, 0, "appending nothing keeps length 0");
        sb_free(&empty);
    }

    s = xstrndup("hello", 3);
    STR_EQ(s, "hel", "xstrndup copies n bytes");
    free(s);
    s = xstrndup("abc", 0);
    STR_EQ(s, "", "xstrndup of 0 bytes gives \"\"");
    free(s);
}

int main(void)
{
    test_utf8_valid();
    test_next_prev();
    test_classes();
    test_counts();
    test_trim();
    test_slugify();
    test_sha256();
    test_strbuf();
    /* slug_valid: the rule slugify follows and Slug: lines and PUTs must. */
    OK(slug_valid("abc", 3), "slug: letters");
    OK(slug_valid("a-1", 3), "slug: single hyphen, digits");
    OK(slug_valid("federalist-no-10", 16), "slug: several parts");
    OK(!slug_valid("", 0), "slug: empty");
    OK(!slug_valid("a--b", 4), "slug: double hyphen");
    OK(!slug_valid("-a", 2), "slug: leading hyphen");
    OK(!slug_valid("a-", 2), "slug: trailing hyphen");
    OK(!slug_valid("123", 3), "slug: all digits");
    OK(!slug_valid("Abc", 3), "slug: upper case");
    OK(!slug_valid("a_b", 3), "slug: underscore");
    char long_slug[SLUG_MAX_BYTES + 2];
    memset(long_slug, 'a', sizeof long_slug);
    OK(slug_valid(long_slug, SLUG_MAX_BYTES), "slug: the longest");
    OK(!slug_valid(long_slug, SLUG_MAX_BYTES + 1), "slug: one byte too long");
    return harness_done();
}

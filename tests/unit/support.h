/*
 * support.h — helpers shared by the unit tests; header-only, include it
 * after harness.h.
 *
 *   read_file(path, &len)     a whole file, NUL-terminated (caller frees)
 *   list_dir(dir, keep, ...)  the names in a folder that keep() accepts,
 *                             sorted (free_names releases them)
 *   contains_ci(hay, s, n)    ASCII case-insensitive substring test
 *   all_space(s, b, e)        s[b..e) is Unicode white space only
 *   check_offsets(...)        code point / UTF-16 offsets agree with bytes
 *   check_claims(label, ...)  the invariants of a paragraph's claims
 *
 * Every test binary includes this file but not every one uses every
 * helper, hence SUPPORT_FN (static, maybe unused).
 */
#ifndef ESSAYD_TEST_SUPPORT_H
#define ESSAYD_TEST_SUPPORT_H

#include <ctype.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sentences.h"
#include "text.h"

#define SUPPORT_FN static __attribute__((unused))

/* ---- files and folders ---------------------------------------------------
 */

/* Reads the whole file at path. Returns a NUL-terminated buffer the caller
 * frees and sets *len to its length (without the NUL); NULL (and *len 0) if
 * the file cannot be read. */
SUPPORT_FN char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;

    *len = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 131072;
            nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        got = fread(buf + n, 1, 65536, f);
        n += got;
        if (got < 65536)
            break;
    }
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int support_cmp_str_(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sets *names to the entries of dir for which keep(dir, name) is true,
 * sorted, and *n to their number (the listing stops early if memory runs
 * out). Returns -1 (with *names NULL and *n 0) if dir cannot be opened. */
SUPPORT_FN int list_dir(const char *dir,
                        int (*keep)(const char *dir, const char *name),
                        char ***names, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t cap = 0;

    *names = NULL;
    *n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL) {
        if (!keep(dir, de->d_name))
            continue;
        if (*n == cap) {
            char **nb;
            cap = cap ? cap * 2 : 64;
            nb = realloc(*names, cap * sizeof **names);
            if (!nb)
                break;
            *names = nb;
        }
        if (((*names)[*n] = xstrndup(de->d_name, strlen(de->d_name))) == NULL)
            break;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, support_cmp_str_);
    return 0;
}

SUPPORT_FN void free_names(char **names, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* ---- text ----------------------------------------------------------------
 */

/* True if hay contains needle[0..nn), ignoring ASCII case. */
SUPPORT_FN int contains_ci(const char *hay, const char *needle, size_t nn)
{
    size_t hn = strlen(hay), i, j;

    if (nn == 0)
        return 1;
    for (i = 0; i + nn <= hn; i++) {
        for (j = 0; j < nn; j++)
            if (tolower((unsigned char)hay[i + j]) !=
                tolower((unsigned char)needle[j]))
                break;
        if (j == nn)
            return 1;
    }
    return 0;
}

/* True if s[b..e) is Unicode white space only. */
SUPPORT_FN int all_space(const char *s, size_t b, size_t e)
{
    size_t i = b;

    while (i < e) {
        uint32_t c = utf8_next(s, e, &i);
        if (!uc_is_space(c))
            return 0;
    }
    return 1;
}

/* ---- offsets and claims --------------------------------------------------
 */

/* Checks that a range's offsets in code points (start, end) and UTF-16
 * code units (start_utf16, end_utf16) agree with its byte offsets [bs, be)
 * into text. Messages name it "label: kind i" ("seed: claim 3"). */
SUPPORT_FN void check_offsets(const char *label, const char *kind, size_t i,
                              const char *text, size_t bs, size_t be,
                              size_t start, size_t end, size_t start_utf16,
                              size_t end_utf16)
{
    INT_EQ(start, utf8_cp_count(text, bs),
           HMSG("%s: %s %zu start (code points)", label, kind, i));
    INT_EQ(end, utf8_cp_count(text, be),
           HMSG("%s: %s %zu end (code points)", label, kind, i));
    INT_EQ(start_utf16, utf8_utf16_count(text, bs),
           HMSG("%s: %s %zu start_utf16", label, kind, i));
    INT_EQ(end_utf16, utf8_utf16_count(text, be),
           HMSG("%s: %s %zu end_utf16", label, kind, i));
}

/* A caller's own checks on claim k (after the shared ones); ctx is the
 * pointer given to check_claims, text the paragraph. */
typedef void (*claim_check_fn)(void *ctx, const char *label, const char *text,
                               size_t k, const claim *c);

/* Checks the invariants of the claims cl[0..n) of the paragraph
 * text[0..len) (sentences.h): each claim's byte range lies inside the
 * paragraph, after the previous claim, with only white space before it; it
 * is not empty and is cut on code point boundaries; its code point and
 * UTF-16 offsets agree with its byte offsets; its text is
 * strip_markers(slice). Then each(ctx, ...) runs on the claim, if given.
 * After the last claim only white space remains. Returns 0 if a range was
 * so wrong that the checks stopped there, 1 otherwise. */
SUPPORT_FN int check_claims(const char *label, const char *text, size_t len,
                            const claim *const *cl, size_t n,
                            claim_check_fn each, void *ctx)
{
    size_t prev = 0, k;

    for (k = 0; k < n; k++) {
        const claim *c = cl[k];
        size_t bs = c->byte_start, be = c->byte_end;
        char *st;

        if (!OK(bs <= be && be <= len,
                HMSG("%s: claim %zu byte range [%zu,%zu) inside %zu bytes",
                     label, k, bs, be, len)))
            return 0;
        if (!OK(bs >= prev,
                HMSG("%s: claim %zu starts after the previous one", label, k)))
            return 0;
        OK(all_space(text, prev, bs),
           HMSG("%s: only white space before claim %zu", label, k));
        OK(bs < be, HMSG("%s: claim %zu is not empty", label, k));
        if (!OK(utf8_valid(text + bs, be - bs, NULL),
                HMSG("%s: claim %zu cut on code point boundaries", label, k)))
            return 0;
        check_offsets(label, "claim", k, text, bs, be, c->start, c->end,
                      c->start_utf16, c->end_utf16);
        st = strip_markers(text + bs, be - bs);
        STR_EQ(c->text, st,
               HMSG("%s: claim %zu text is strip_markers(slice)", label, k));
        free(st);
        if (each)
            each(ctx, label, text, k, c);
        prev = be;
    }
    OK(all_space(text, prev, len),
       HMSG("%s: only white space after the last claim", label));
    return 1;
}

/* A malloc'd array of n claim pointers for check_claims (caller frees);
 * exits when memory runs out. */
SUPPORT_FN const claim **claim_ptrs(size_t n)
{
    const claim **p = malloc((n ? n : 1) * sizeof *p);

    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

#endif

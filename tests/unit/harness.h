/*
 * harness.h — a tiny header-only test harness, in the manner of cmark's
 * api_test/harness.h.
 *
 *   OK(cond, msg)        passes when cond is true
 *   INT_EQ(a, b, msg)    passes when the integers a and b are equal
 *   STR_EQ(a, b, msg)    passes when the strings are equal; NULL-safe:
 *                        two NULLs are equal, NULL and a string are not
 *
 * Every check counts one pass or one failure; a failure prints
 *   FAIL file:line: msg (got ..., want ...)
 * harness_done() prints "N passed, N failed" as the last line and returns
 * the exit status (0 when nothing failed).
 *
 * msg is a plain string; HMSG(...) formats one into a rotating static
 * buffer for messages that name a case ("case %s, claim %zu").
 */
#ifndef ESSAYD_TEST_HARNESS_H
#define ESSAYD_TEST_HARNESS_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int harness_passed;
static int harness_failed;

/* Counts one check. On a failure also prints "FAIL file:line: msg"; the
 * caller then prints " (got ..., want ...)" and calls harness_fail_end_. */
static inline int harness_count_(int pass, const char *file, int line,
                                 const char *msg)
{
    if (pass) {
        harness_passed++;
        return 1;
    }
    harness_failed++;
    printf("FAIL %s:%d: %s", file, line, msg ? msg : "(no message)");
    return 0;
}

static inline int harness_fail_end_(void)
{
    printf(")\n");
    fflush(stdout);
    return 0;
}

static inline void harness_print_str_(const char *s)
{
    if (s)
        printf("\"%s\"", s);
    else
        printf("NULL");
}

static inline int harness_ok_(int cond, const char *file, int line,
                              const char *msg)
{
    if (harness_count_(cond, file, line, msg))
        return 1;
    printf(" (got false, want true");
    return harness_fail_end_();
}

static inline int harness_int_eq_(long long got, long long want,
                                  const char *file, int line, const char *msg)
{
    if (harness_count_(got == want, file, line, msg))
        return 1;
    printf(" (got %lld, want %lld", got, want);
    return harness_fail_end_();
}

static inline int harness_str_eq_(const char *got, const char *want,
                                  const char *file, int line, const char *msg)
{
    int eq;

    if (got == NULL || want == NULL)
        eq = (got == NULL && want == NULL);
    else
        eq = (strcmp(got, want) == 0);
    if (harness_count_(eq, file, line, msg))
        return 1;
    printf(" (got ");
    harness_print_str_(got);
    printf(", want ");
    harness_print_str_(want);
    return harness_fail_end_();
}

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static inline const char *
harness_msg_(const char *fmt, ...)
{
    static char bufs[8][512];
    static unsigned next;
    char *b = bufs[next++ % 8];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b, sizeof bufs[0], fmt, ap);
    va_end(ap);
    return b;
}

static inline int harness_done(void)
{
    printf("%d passed, %d failed\n", harness_passed, harness_failed);
    fflush(stdout);
    return harness_failed ? 1 : 0;
}

#define OK(cond, msg) harness_ok_((cond) ? 1 : 0, __FILE__, __LINE__, (msg))
#define INT_EQ(a, b, msg)                                                      \
    harness_int_eq_((long long)(a), (long long)(b), __FILE__, __LINE__, (msg))
#define STR_EQ(a, b, msg) harness_str_eq_((a), (b), __FILE__, __LINE__, (msg))
#define HMSG(...) harness_msg_(__VA_ARGS__)

#endif

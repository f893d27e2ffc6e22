/*
 * params.c — reading and checking query parameters.
 *
 * Every reader either takes the value or answers 400 naming the parameter
 * and saying what a good value looks like; nothing here guesses.
 */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "text.h"

const query_param *query_get(const request *r, const char *name)
{
    for (size_t k = 0; k < r->nquery; k++)
        if (strcmp(r->query[k].name, name) == 0) return &r->query[k];
    return NULL;
}

int param_bool(request *r, const char *name, int *out)
{
    const query_param *p = query_get(r, name);
    if (!p) return 0;
    if (strcmp(p->value, "true") == 0) {
        *out = 1;
        return 1;
    }
    if (strcmp(p->value, "false") == 0) {
        *out = 0;
        return 1;
    }
    reply_bad_param(r, name, "must be true or false");
    return -1;
}

int param_int(request *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const query_param *p = query_get(r, name);
    if (!p) return 0;
    const char *s = p->value;
    int64_t v = 0;
    size_t n = strlen(s);
    bool ok = n > 0 && n <= 18;
    for (size_t i = 0; ok && i < n; i++) {
        if (s[i] < '0' || s[i] > '9') ok = false;
        else v = v * 10 + (s[i] - '0');
    }
    if (!ok || v < min || v > max) {
        reply_bad_param(r, name, "must be an integer from %lld to %lld", (long long)min, (long long)max);
        return -1;
    }
    *out = v;
    return 1;
}

int param_string(request *r, const char *name, const char **out)
{
    const query_param *p = query_get(r, name);
    if (!p) return 0;
    if (p->value_len == 0) {
        reply_bad_param(r, name, "must not be empty");
        return -1;
    }
    if (p->value_len > 1000) {
        reply_bad_param(r, name, "is longer than 1000 bytes");
        return -1;
    }
    if (!utf8_valid(p->value, p->value_len, NULL)) {
        reply_bad_param(r, name, "is not valid UTF-8");
        return -1;
    }
    *out = p->value;
    return 1;
}

int param_enum(request *r, const char *name, const char *const *allowed, int *out)
{
    const query_param *p = query_get(r, name);
    if (!p) return 0;
    for (int k = 0; allowed[k]; k++) {
        if (strcmp(p->value, allowed[k]) == 0) {
            *out = k;
            return 1;
        }
    }
    char list[256] = "";
    for (int k = 0; allowed[k]; k++) {
        if (k) strncat(list, ", ", sizeof list - strlen(list) - 1);
        strncat(list, allowed[k], sizeof list - strlen(list) - 1);
    }
    reply_bad_param(r, name, "must be one of: %s", list);
    return -1;
}

int param_limit(request *r, int64_t *limit)
{
    if (r->format == FMT_NDJSON || r->format == FMT_CSV) {
        *limit = 0; /* exports: every row unless capped */
        return param_int(r, "limit", 1, 1000000000, limit) < 0 ? -1 : 0;
    }
    *limit = 20;
    return param_int(r, "limit", 1, 500, limit) < 0 ? -1 : 0;
}

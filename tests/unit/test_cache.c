/*
 * test_cache.c — the response cache (cache.h): generations, admission,
 * the byte budget, least-recently-used eviction, reference counts that
 * outlive eviction, and many threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "harness.h"

static cache_entry *make(const char *key, int64_t gen, size_t len, char fill)
{
    char *body = malloc(len);
    memset(body, fill, len);
    cache_entry *e = cache_entry_new(key, strlen(key), gen, body, len, NULL, 0, "application/json", "h0", 0, 1,
                                     NULL);
    free(body);
    return e;
}

static void put(const char *key, int64_t gen, size_t len, char fill)
{
    cache_entry *e = make(key, gen, len, fill);
    cache_put(e);
    cache_release(e);
}

static bool has(const char *key, int64_t gen)
{
    cache_entry *e = cache_get(key, strlen(key), gen);
    cache_release(e);
    return e != NULL;
}

static void *hammer(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    char key[32];
    for (int k = 0; k < 20000; k++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(key, sizeof key, "/v1/articles/%u", (seed >> 8) % 300);
        cache_entry *e = cache_get(key, strlen(key), 1);
        if (e) {
            /* A hit's body is whole: every byte is the fill of its key. */
            char want = (char)('a' + (strlen(key) % 26));
            for (size_t i = 0; i < e->len; i++)
                if (e->body[i] != want) abort();
            cache_release(e);
        } else if (cache_admit(key, strlen(key))) {
            put(key, 1, 2000, (char)('a' + (strlen(key) % 26)));
        }
    }
    return NULL;
}

int main(void)
{
    OK(!cache_enabled(), "off until configured");
    OK(!has("/x", 1), "a cache that is off misses");
    cache_configure(8 * 64 * 1024); /* 64 KiB per shard */
    OK(cache_enabled(), "on once configured");

    /* Generations: an entry serves only the generation it was made under. */
    put("/v1/articles/1", 7, 100, 'x');
    OK(has("/v1/articles/1", 7), "a hit at the same generation");
    OK(!has("/v1/articles/1", 8), "a miss at a newer generation");
    OK(!has("/v1/articles/1", 7), "...which dropped the old entry");

    /* The entry holds what was put, copied. */
    cache_entry *e = make("/k", 1, 50, 'q');
    cache_put(e);
    cache_release(e);
    cache_entry *got = cache_get("/k", 2, 1);
    OK(got && got->len == 50 && got->body[0] == 'q' && got->body[49] == 'q', "the body as put");
    STR_EQ(got ? got->content_type : NULL, "application/json", "the content type as put");
    cache_release(got);

    /* Admission: the second miss of a key is admitted, the first is not. */
    OK(!cache_admit("/admit/me", 9), "first miss: not admitted");
    OK(cache_admit("/admit/me", 9), "second miss: admitted");

    /* Replacing a key keeps one entry. */
    uint64_t h, m, bytes, entries, entries_before;
    put("/same", 1, 10, 'a');
    cache_stats(&h, &m, &bytes, &entries_before);
    put("/same", 1, 10, 'b');
    cache_stats(&h, &m, &bytes, &entries);
    INT_EQ((long)entries, (long)entries_before, "a key put twice is one entry");
    got = cache_get("/same", 5, 1);
    OK(got && got->body[0] == 'b', "the later put wins");
    cache_release(got);

    /* The budget: one entry over a quarter of a shard is not kept. */
    put("/huge", 1, 20 * 1024, 'h');
    OK(!has("/huge", 1), "an entry over a quarter of its shard is refused");

    /* Eviction: many entries, the budget holds, the recent ones stay. */
    char key[32];
    for (int k = 0; k < 2000; k++) {
        snprintf(key, sizeof key, "/fill/%d", k);
        put(key, 1, 1000, 'f');
    }
    cache_stats(&h, &m, &bytes, &entries);
    OK(bytes <= 8 * 64 * 1024, HMSG("the byte budget holds (%llu bytes)", (unsigned long long)bytes));
    OK(entries < 2000, "old entries were evicted");
    OK(has("/fill/1999", 1), "the newest entry stays");
    OK(!has("/fill/0", 1), "the oldest is gone");

    /* A reference outlives eviction: the body stays readable. */
    put("/held", 1, 500, 'z');
    cache_entry *held = cache_get("/held", 5, 1);
    OK(held != NULL, "held entry found");
    for (int k = 0; k < 2000; k++) {
        snprintf(key, sizeof key, "/evict/%d", k);
        put(key, 1, 1000, 'e');
    }
    OK(!has("/held", 1), "the held entry was evicted from the table");
    OK(held && held->body[0] == 'z' && held->body[499] == 'z', "...and is still whole for its holder");
    cache_release(held);

    /* Hit and miss counters move. */
    uint64_t h0, m0, h1, m1;
    cache_stats(&h0, &m0, &bytes, &entries);
    put("/count", 1, 10, 'c');
    (void)has("/count", 1);
    (void)has("/count-missing", 1);
    cache_stats(&h1, &m1, &bytes, &entries);
    INT_EQ((long)(h1 - h0), 1L, "one hit counted");
    INT_EQ((long)(m1 - m0), 1L, "one miss counted");

    /* Many threads at once (run under ASan/UBSan in make test). */
    pthread_t t[4];
    for (uintptr_t k = 0; k < 4; k++) pthread_create(&t[k], NULL, hammer, (void *)(k + 1));
    for (int k = 0; k < 4; k++) pthread_join(t[k], NULL);
    cache_stats(&h, &m, &bytes, &entries);
    OK(bytes <= 8 * 64 * 1024, "the budget holds under threads");
    OK(h > 0, "threads got hits");

    cache_clear();
    cache_stats(&h, &m, &bytes, &entries);
    INT_EQ((long)entries, 0L, "clear empties the cache");
    INT_EQ((long)bytes, 0L, "...and its bytes");
    return harness_done();
}

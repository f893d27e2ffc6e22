/* ratelimit.c — token buckets per client address (ratelimit.h). */
#include "ratelimit.h"

#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SHARDS 16
#define SLOTS_PER_SHARD (RATELIMIT_SLOTS / SHARDS)
#define PROBES 8 /* slots looked at for a key before the oldest is reused */

typedef struct {
    uint8_t key[9]; /* family byte, then 4 (IPv4) or 8 (IPv6 /64) address bytes */
    bool used;
    double tokens;
    double last; /* seconds, monotonic: when tokens was computed */
} bucket;

typedef struct {
    pthread_mutex_t lock;
    bucket slot[SLOTS_PER_SHARD];
} shard;

static shard *shards; /* NULL: the limit is off */
static double fill_rate, capacity;

int ratelimit_start(double rate, unsigned burst)
{
    ratelimit_stop();
    shard *s = calloc(SHARDS, sizeof *s);
    if (!s) return -1;
    for (int k = 0; k < SHARDS; k++) pthread_mutex_init(&s[k].lock, NULL);
    fill_rate = rate;
    capacity = burst ? burst : 1;
    shards = s;
    return 0;
}

void ratelimit_stop(void)
{
    if (!shards) return;
    for (int k = 0; k < SHARDS; k++) pthread_mutex_destroy(&shards[k].lock);
    free(shards);
    shards = NULL;
}

bool ratelimit_enabled(void) { return shards != NULL; }

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The client's key; false for families that are not limited. */
static bool client_key(const struct sockaddr *addr, uint8_t key[9])
{
    memset(key, 0, 9);
    if (!addr) return false;
    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)addr;
        key[0] = 4;
        memcpy(key + 1, &in->sin_addr, 4);
        return true;
    }
    if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)addr;
        const uint8_t *a = in6->sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a, mapped, 12) == 0) { /* an IPv4 client on a dual-stack socket */
            key[0] = 4;
            memcpy(key + 1, a + 12, 4);
        } else {
            key[0] = 6;
            memcpy(key + 1, a, 8);
        }
        return true;
    }
    return false;
}

static uint32_t key_hash(const uint8_t key[9])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int k = 0; k < 9; k++) h = (h ^ key[k]) * 16777619u;
    return h;
}

unsigned ratelimit_take(const struct sockaddr *addr)
{
    uint8_t key[9];
    if (!shards || !client_key(addr, key)) return 0;
    uint32_t h = key_hash(key);
    shard *s = &shards[h % SHARDS];
    double now = now_seconds();
    pthread_mutex_lock(&s->lock);
    bucket *b = NULL, *oldest = NULL;
    for (unsigned p = 0; p < PROBES; p++) {
        bucket *c = &s->slot[((h / SHARDS) + p) % SLOTS_PER_SHARD];
        if (c->used && memcmp(c->key, key, sizeof c->key) == 0) {
            b = c;
            break;
        }
        if (!oldest || !c->used || (oldest->used && c->last < oldest->last)) oldest = c;
    }
    if (!b) {
        b = oldest;
        memcpy(b->key, key, sizeof b->key);
        b->used = true;
        b->tokens = capacity;
        b->last = now;
    }
    b->tokens = fmin(capacity, b->tokens + (now - b->last) * fill_rate);
    b->last = now;
    unsigned wait = 0;
    if (b->tokens >= 1.0)
        b->tokens -= 1.0;
    else
        wait = (unsigned)ceil((1.0 - b->tokens) / fill_rate);
    pthread_mutex_unlock(&s->lock);
    return wait;
}

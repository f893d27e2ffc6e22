/*
 * cache.c — the response cache: a hash table of entries in shards, each
 * shard with its own lock, least-recently-used list and share of the
 * budget, so that pool threads rarely wait on one another.
 */
#include "cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHARDS 8
#define BUCKETS 1024 /* per shard; chains stay short for tens of thousands of entries */

typedef struct {
    pthread_mutex_t lock;
    cache_entry *buckets[BUCKETS];
    cache_entry *lru_head, *lru_tail; /* head: most recently used */
    size_t bytes, entries;
} shard;

static shard shards[SHARDS];

/* Admission: a representation is cached on its second miss within a
 * while, not its first (the hashes of recent misses, direct-mapped). Under
 * a working set larger than the budget (random articles out of 10,000)
 * caching every miss only churns memory: each new entry evicts one that
 * is rarely asked for again, and the copies cost more than the hits
 * save. Racy by design: a lost update only delays an admission. */
#define DOORKEEPER 16384
static _Atomic uint64_t doorkeeper[DOORKEEPER];
static size_t shard_budget; /* 0: the cache is off */
static atomic_ullong hits, misses;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_locks(void)
{
    for (size_t k = 0; k < SHARDS; k++) pthread_mutex_init(&shards[k].lock, NULL);
}

void cache_configure(size_t max_bytes)
{
    pthread_once(&once, init_locks);
    shard_budget = max_bytes / SHARDS;
}

bool cache_enabled(void) { return shard_budget > 0; }

/* The shard takes the hash's low bits; the bucket takes high ones, or
 * every key of a shard would fall into 1/SHARDS of its buckets. */
static size_t bucket_of(uint64_t h) { return (size_t)((h >> 32) % BUCKETS); }

/* FNV-1a. */
static uint64_t hash_key(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static void entry_free(cache_entry *e)
{
    free(e->key);
    free(e->body);
    free(e->gz);
    free(e->link_next);
    free(e);
}

/* Called with the shard locked. */
static void unref_locked(cache_entry *e)
{
    if (--e->refs == 0) entry_free(e);
}

cache_entry *cache_get_ref(cache_entry *e)
{
    shard *s = &shards[e->shard];
    pthread_mutex_lock(&s->lock);
    e->refs++;
    pthread_mutex_unlock(&s->lock);
    return e;
}

void cache_release(cache_entry *e)
{
    if (!e) return;
    shard *s = &shards[e->shard];
    pthread_mutex_lock(&s->lock);
    unref_locked(e);
    pthread_mutex_unlock(&s->lock);
}

static void lru_unlink(shard *s, cache_entry *e)
{
    if (e->lru_prev) e->lru_prev->lru_next = e->lru_next;
    else s->lru_head = e->lru_next;
    if (e->lru_next) e->lru_next->lru_prev = e->lru_prev;
    else s->lru_tail = e->lru_prev;
    e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(shard *s, cache_entry *e)
{
    e->lru_prev = NULL;
    e->lru_next = s->lru_head;
    if (s->lru_head) s->lru_head->lru_prev = e;
    s->lru_head = e;
    if (!s->lru_tail) s->lru_tail = e;
}

/* Takes e out of the table (and drops the table's reference). */
static void remove_locked(shard *s, cache_entry *e)
{
    cache_entry **p = &s->buckets[bucket_of(e->hash)];
    while (*p && *p != e) p = &(*p)->bucket_next;
    if (*p) *p = e->bucket_next;
    lru_unlink(s, e);
    s->bytes -= e->bytes;
    s->entries--;
    unref_locked(e);
}

static cache_entry *find_locked(shard *s, uint64_t h, const char *key, size_t keylen)
{
    for (cache_entry *e = s->buckets[bucket_of(h)]; e; e = e->bucket_next)
        if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0) return e;
    return NULL;
}

cache_entry *cache_get(const char *key, size_t keylen, int64_t generation)
{
    if (!shard_budget) return NULL;
    uint64_t h = hash_key(key, keylen);
    shard *s = &shards[h % SHARDS];
    pthread_mutex_lock(&s->lock);
    cache_entry *e = find_locked(s, h, key, keylen);
    if (e && e->generation != generation) {
        remove_locked(s, e); /* rendered from data that has changed since */
        e = NULL;
    }
    if (e) {
        lru_unlink(s, e);
        lru_push_front(s, e);
        e->refs++;
    }
    pthread_mutex_unlock(&s->lock);
    atomic_fetch_add(e ? &hits : &misses, 1);
    return e;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *d = malloc(n ? n : 1);
    if (d && n) memcpy(d, p, n);
    return d;
}

cache_entry *cache_entry_new(const char *key, size_t keylen, int64_t generation, const char *body, size_t len,
                             const char *gz, size_t gzlen, const char *content_type, const char *version,
                             time_t last_modified, int cache_class, const char *link_next)
{
    cache_entry *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->key = dup_bytes(key, keylen);
    e->body = dup_bytes(body, len);
    e->gz = gz ? dup_bytes(gz, gzlen) : NULL;
    e->link_next = link_next ? strdup(link_next) : NULL;
    if (!e->key || !e->body || (gz && !e->gz) || (link_next && !e->link_next)) {
        entry_free(e);
        return NULL;
    }
    e->keylen = keylen;
    e->generation = generation;
    e->len = len;
    e->gzlen = gz ? gzlen : 0;
    snprintf(e->content_type, sizeof e->content_type, "%s", content_type);
    snprintf(e->version, sizeof e->version, "%s", version);
    e->last_modified = last_modified;
    e->cache_class = cache_class;
    e->hash = hash_key(key, keylen);
    e->shard = (unsigned)(e->hash % SHARDS);
    e->bytes = sizeof *e + keylen + len + e->gzlen + (link_next ? strlen(link_next) : 0);
    e->refs = 1;
    return e;
}

bool cache_admit(const char *key, size_t keylen)
{
    uint64_t h = hash_key(key, keylen) | 1; /* never 0, the empty slot */
    _Atomic uint64_t *slot = &doorkeeper[(h >> 17) % DOORKEEPER];
    if (atomic_load_explicit(slot, memory_order_relaxed) == h) return true;
    atomic_store_explicit(slot, h, memory_order_relaxed);
    return false;
}

void cache_put(cache_entry *e)
{
    /* One entry must not flush a shard. Judged on the identity body, so
     * that the copy with gzip added (reply.c) can replace it. */
    if (!shard_budget || e->len + e->keylen > shard_budget / 4) return;
    shard *s = &shards[e->shard];
    pthread_mutex_lock(&s->lock);
    cache_entry *old = find_locked(s, e->hash, e->key, e->keylen);
    if (old) remove_locked(s, old);
    e->refs++;
    e->bucket_next = s->buckets[bucket_of(e->hash)];
    s->buckets[bucket_of(e->hash)] = e;
    lru_push_front(s, e);
    s->bytes += e->bytes;
    s->entries++;
    while (s->bytes > shard_budget && s->lru_tail && s->lru_tail != e) remove_locked(s, s->lru_tail);
    pthread_mutex_unlock(&s->lock);
}

void cache_stats(uint64_t *h, uint64_t *m, uint64_t *bytes, uint64_t *entries)
{
    *h = atomic_load(&hits);
    *m = atomic_load(&misses);
    *bytes = *entries = 0;
    for (size_t k = 0; k < SHARDS && shard_budget; k++) {
        pthread_mutex_lock(&shards[k].lock);
        *bytes += shards[k].bytes;
        *entries += shards[k].entries;
        pthread_mutex_unlock(&shards[k].lock);
    }
}

void cache_clear(void)
{
    for (size_t k = 0; k < SHARDS && shard_budget; k++) {
        shard *s = &shards[k];
        pthread_mutex_lock(&s->lock);
        while (s->lru_tail) remove_locked(s, s->lru_tail);
        pthread_mutex_unlock(&s->lock);
    }
}

/*
 * cache.h — rendered responses, kept per data generation.
 *
 * A 200 representation (its identity and gzip bodies, ETag version,
 * headers) is rendered once and served from memory until the data
 * generation it was read under changes. The generation is read from the
 * database on every request, so a write by any process (the HTTP API, a
 * bulk import) makes every older entry unreachable at once: the cache is
 * never stale, and is visible to clients only through speed.
 *
 * Bounded by bytes (least recently used entries go first); thread-safe.
 * Entries are reference counted: whoever holds one (a response being sent)
 * keeps it alive after it is evicted.
 */
#ifndef ESSAYD_CACHE_H
#define ESSAYD_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct cache_entry {
    /* Immutable once created. */
    char *key;
    size_t keylen;
    int64_t generation;
    char *body, *gz; /* gz is NULL when not worth it (small, or no gain) */
    size_t len, gzlen;
    char content_type[64];
    char version[80];  /* the ETag's version part */
    time_t last_modified;
    int cache_class;   /* cache_class of http.h */
    char *link_next;   /* or NULL */
    /* The cache's own bookkeeping. */
    struct cache_entry *bucket_next, *lru_prev, *lru_next;
    uint64_t hash;
    size_t bytes;
    int refs;          /* guarded by its shard's lock */
    _Atomic bool gzip_useless; /* gzip was tried and did not shrink the body */
    unsigned shard;
} cache_entry;

/* Sets the budget (0 turns the cache off). Call before serving. */
void cache_configure(size_t max_bytes);
bool cache_enabled(void);

/* The entry for key at this generation, with a reference the caller
 * gives back with cache_release; NULL on a miss (an entry of another
 * generation is dropped). Counts the hit or miss. */
cache_entry *cache_get(const char *key, size_t keylen, int64_t generation);

/* A new entry holding copies of everything (body and gz are copied too),
 * with one reference for the caller; NULL on allocation failure. */
cache_entry *cache_entry_new(const char *key, size_t keylen, int64_t generation, const char *body, size_t len,
                             const char *gz, size_t gzlen, const char *content_type, const char *version,
                             time_t last_modified, int cache_class, const char *link_next);

/* Whether a representation that just missed should be stored: true on
 * its second miss within a while (see cache.c), false on its first. */
bool cache_admit(const char *key, size_t keylen);

/* Adds e (the cache takes a reference of its own), replacing an entry of
 * the same key, and evicts the least recently used beyond the budget. */
void cache_put(cache_entry *e);

/* Another reference to e (which the caller holds); returns e. */
cache_entry *cache_get_ref(cache_entry *e);

void cache_release(cache_entry *e);

/* Counters for /metrics. */
void cache_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes, uint64_t *entries);

/* Drops every entry (tests, shutdown). */
void cache_clear(void);

#endif

/*
 * ratelimit.h — per-client request rate limit: a token bucket per client
 * address, off unless `--rate-limit` is given.
 *
 * A client is an IPv4 address or an IPv6 /64 (one subscriber usually holds
 * a whole /64, so limiting single IPv6 addresses would limit nothing).
 * Buckets live in a fixed table (RATELIMIT_SLOTS); when it is full, the
 * bucket idle longest is reused. An idle bucket refills to the burst, so
 * reusing it forgets nothing unless more clients than slots are active at
 * once, in which case some of them start again from a full bucket: the
 * limit is a brake on single clients, not an accounting.
 *
 * Thread-safe: the table is sharded, each shard behind its own mutex.
 */
#ifndef ESSAYD_RATELIMIT_H
#define ESSAYD_RATELIMIT_H

#include <stdbool.h>
#include <sys/socket.h>

#define RATELIMIT_SLOTS 16384

/* Turns the limit on: rate requests per second on average, bursts of up to
 * burst requests (at least 1). 0, or -1 when out of memory. Not
 * thread-safe: call before serving. */
int ratelimit_start(double rate, unsigned burst);

/* Frees the table; the limit is off again. */
void ratelimit_stop(void);

bool ratelimit_enabled(void);

/* Takes a token for the client at addr (AF_INET or AF_INET6; other
 * families are never limited). 0 when the request may go on; otherwise the
 * whole seconds (≥ 1) until the bucket holds a token again, for
 * Retry-After. */
unsigned ratelimit_take(const struct sockaddr *addr);

#endif

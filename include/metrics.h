/*
 * metrics.h — counters for GET /metrics (Prometheus text format 0.0.4).
 * Thread-safe; labels are route templates, never raw paths, so the number
 * of series is bounded by the route table.
 */
#ifndef ESSAYD_METRICS_H
#define ESSAYD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One finished request: route index (routes.c; route_count() for none). */
void metrics_request(size_t route, const char *method, unsigned status, uint64_t micros, uint64_t bytes);

/* Open connections go up and down by delta. */
void metrics_connections(int delta);

/* The list-total cache (listing.c): a hit or a miss. */
void metrics_total_cache(bool hit);

/* The exposition text (malloc'd, caller frees), NULL on allocation
 * failure. db_path's size (with its -wal file) is reported as a gauge. */
char *metrics_render(const char *db_path, size_t *len);

#endif

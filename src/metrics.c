/* metrics.c — request counters, latency histograms and gauges for /metrics. */
#include "metrics.h"

#include "cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "http.h"
#include "text.h"

#define MAX_ROUTES 32
#define MAX_SERIES 512

static const double BUCKETS[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                 0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

static const char *const METHODS[] = {"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "other"};
#define NMETHODS (sizeof METHODS / sizeof METHODS[0])

typedef struct {
    unsigned short route, method, status;
    uint64_t count;
} series;

static struct {
    pthread_mutex_t lock;
    series requests[MAX_SERIES];
    size_t nrequests;
    uint64_t bucket[MAX_ROUTES + 1][NBUCKETS];
    uint64_t count[MAX_ROUTES + 1];
    double sum[MAX_ROUTES + 1];
    uint64_t bytes;
    long connections;
    uint64_t cache_hits, cache_misses;
    time_t started;
} m = {.lock = PTHREAD_MUTEX_INITIALIZER, .started = 0};

static size_t method_index(const char *method)
{
    for (size_t k = 0; k + 1 < NMETHODS; k++)
        if (strcmp(method, METHODS[k]) == 0) return k;
    return NMETHODS - 1;
}

void metrics_request(size_t route, const char *method, unsigned status, uint64_t micros, uint64_t bytes)
{
    if (route >= route_count() || route >= MAX_ROUTES) route = MAX_ROUTES;
    double seconds = (double)micros / 1e6;
    size_t mi = method_index(method);
    pthread_mutex_lock(&m.lock);
    if (!m.started) m.started = time(NULL);
    size_t k = 0;
    while (k < m.nrequests && !(m.requests[k].route == route && m.requests[k].method == mi &&
                                m.requests[k].status == status))
        k++;
    if (k == m.nrequests && m.nrequests < MAX_SERIES)
        m.requests[m.nrequests++] = (series){(unsigned short)route, (unsigned short)mi, (unsigned short)status, 0};
    if (k < m.nrequests) m.requests[k].count++;
    for (size_t b = 0; b < NBUCKETS; b++)
        if (seconds <= BUCKETS[b]) m.bucket[route][b]++;
    m.count[route]++;
    m.sum[route] += seconds;
    m.bytes += bytes;
    pthread_mutex_unlock(&m.lock);
}

void metrics_connections(int delta)
{
    pthread_mutex_lock(&m.lock);
    m.connections += delta;
    pthread_mutex_unlock(&m.lock);
}

void metrics_total_cache(bool hit)
{
    pthread_mutex_lock(&m.lock);
    if (hit) m.cache_hits++;
    else m.cache_misses++;
    pthread_mutex_unlock(&m.lock);
}

static long long file_size(const char *path, const char *suffix)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &st) == 0 ? (long long)st.st_size : 0;
}

static const char *route_label(size_t k) { return k < route_count() ? route_template(k) : "(none)"; }

char *metrics_render(const char *db_path, size_t *len)
{
    strbuf sb = {0};
    char line[512];
    bool ok = true;
#define EMIT(...)                                                                                \
    do {                                                                                         \
        snprintf(line, sizeof line, __VA_ARGS__);                                                \
        ok = ok && sb_puts(&sb, line) == 0;                                                      \
    } while (0)
    size_t nroutes = route_count() < MAX_ROUTES ? route_count() : MAX_ROUTES;
    pthread_mutex_lock(&m.lock);
    EMIT("# HELP essayd_http_requests_total HTTP requests by route template, method and status.\n"
         "# TYPE essayd_http_requests_total counter\n");
    for (size_t k = 0; k < m.nrequests; k++)
        EMIT("essayd_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
             route_label(m.requests[k].route), METHODS[m.requests[k].method], m.requests[k].status,
             (unsigned long long)m.requests[k].count);
    EMIT("# HELP essayd_http_request_duration_seconds Time from the first byte of a request to the last of "
         "its response.\n# TYPE essayd_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= nroutes; r++) {
        size_t idx = r == nroutes ? MAX_ROUTES : r;
        if (!m.count[idx]) continue;
        const char *label = r == nroutes ? "(none)" : route_label(r);
        for (size_t b = 0; b < NBUCKETS; b++)
            EMIT("essayd_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", label, BUCKETS[b],
                 (unsigned long long)m.bucket[idx][b]);
        EMIT("essayd_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", label,
             (unsigned long long)m.count[idx]);
        EMIT("essayd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label, m.sum[idx]);
        EMIT("essayd_http_request_duration_seconds_count{route=\"%s\"} %llu\n", label,
             (unsigned long long)m.count[idx]);
    }
    EMIT("# HELP essayd_http_response_bytes_total Response body bytes sent.\n"
         "# TYPE essayd_http_response_bytes_total counter\nessayd_http_response_bytes_total %llu\n",
         (unsigned long long)m.bytes);
    EMIT("# HELP essayd_http_open_connections Client connections open now.\n"
         "# TYPE essayd_http_open_connections gauge\nessayd_http_open_connections %ld\n",
         m.connections);
    uint64_t ch, cm, cb, ce;
    cache_stats(&ch, &cm, &cb, &ce);
    EMIT("# HELP essayd_cache_hits_total Responses served from the response cache.\n"
         "# TYPE essayd_cache_hits_total counter\nessayd_cache_hits_total %llu\n",
         (unsigned long long)ch);
    EMIT("# HELP essayd_cache_misses_total Cacheable responses that had to be rendered.\n"
         "# TYPE essayd_cache_misses_total counter\nessayd_cache_misses_total %llu\n",
         (unsigned long long)cm);
    EMIT("# HELP essayd_cache_bytes Bytes held by the response cache.\n"
         "# TYPE essayd_cache_bytes gauge\nessayd_cache_bytes %llu\n", (unsigned long long)cb);
    EMIT("# HELP essayd_cache_entries Responses held by the response cache.\n"
         "# TYPE essayd_cache_entries gauge\nessayd_cache_entries %llu\n", (unsigned long long)ce);
    EMIT("# HELP essayd_list_total_cache_hits_total List totals served from the per-generation cache.\n"
         "# TYPE essayd_list_total_cache_hits_total counter\nessayd_list_total_cache_hits_total %llu\n",
         (unsigned long long)m.cache_hits);
    EMIT("# HELP essayd_list_total_cache_misses_total List totals that had to be counted.\n"
         "# TYPE essayd_list_total_cache_misses_total counter\nessayd_list_total_cache_misses_total %llu\n",
         (unsigned long long)m.cache_misses);
    pthread_mutex_unlock(&m.lock);
    EMIT("# HELP essayd_database_size_bytes Size of the SQLite database file and its WAL.\n"
         "# TYPE essayd_database_size_bytes gauge\nessayd_database_size_bytes %lld\n",
         file_size(db_path, "") + file_size(db_path, "-wal"));
#undef EMIT
    if (!ok) {
        sb_free(&sb);
        return NULL;
    }
    *len = sb.len;
    return sb_take(&sb);
}

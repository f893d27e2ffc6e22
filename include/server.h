/*
 * server.h — the HTTP daemon: configuration and lifecycle.
 */
#ifndef ESSAYD_SERVER_H
#define ESSAYD_SERVER_H

#include <stdint.h>

typedef struct {
    const char *db_path;
    const char *host;        /* IPv4 or IPv6 literal to bind */
    unsigned port;           /* 0: an ephemeral port */
    unsigned threads;        /* worker threads, each with its own SQLite connection */
    unsigned max_connections;
    unsigned max_connections_per_ip; /* 0: no per-address limit */
    unsigned timeout_s;      /* idle connection timeout */
    unsigned query_timeout_ms; /* a read's SQL time limit (store_request_begin); 0: none */
    unsigned rate_limit;     /* requests per second per client (ratelimit.h); 0: off */
    unsigned rate_burst;     /* bucket size; 0: twice rate_limit */
    unsigned max_body_bytes; /* request bodies beyond this get 413 */
    const char *token_file;  /* the write token's file; NULL: writes off */
    unsigned cache_mb;       /* response cache budget (cache.h); 0: off */
    const char *cors_origins; /* "*" or a comma-separated list of origins */
    unsigned max_age_list;    /* Cache-Control max-age of lists, seconds */
    unsigned max_age_item;    /* ... of single resources */
    unsigned shutdown_timeout_s; /* how long requests in flight may finish */
    int quiet;                /* no access log */
} server_config;

/* Defaults: 127.0.0.1:8080, 2 threads, 1024 connections (256 per client
 * address), 30 s idle timeout, 3 s for a read's queries, no rate limit,
 * CORS "*", max-age 10 s for lists and 300 s for single resources, 5 s to
 * drain on shutdown, access log on, 4 MiB bodies, writes off, a 16 MiB
 * response cache. */
void server_config_defaults(server_config *c);

/* Checks the database, starts the daemon, prints
 * "essayd: listening on http://HOST:PORT" on stdout, and serves until
 * SIGINT or SIGTERM. Returns 0 after a clean shutdown, 1 on a startup
 * error (reported on stderr). */
int server_run(const server_config *c);

#endif

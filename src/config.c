/* config.c — the serve options table: flag, environment variable, range. */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef enum { OPT_STRING, OPT_UINT, OPT_FLAG } opt_kind;

typedef struct {
    const char *flag, *env;
    opt_kind kind;
    size_t offset; /* into server_config */
    unsigned long min, max;
    const char *help;
} option;

#define AT(field) offsetof(server_config, field)

static const option OPTIONS[] = {
    {"--db", "ESSAYD_DB", OPT_STRING, AT(db_path), 0, 0, "SQLite database to serve (required)"},
    {"--host", "ESSAYD_HOST", OPT_STRING, AT(host), 0, 0, "IPv4 or IPv6 address to bind (127.0.0.1)"},
    {"--port", "ESSAYD_PORT", OPT_UINT, AT(port), 0, 65535, "TCP port, 0 for any free one (8080)"},
    {"--threads", "ESSAYD_THREADS", OPT_UINT, AT(threads), 1, 256,
     "worker threads, each with its own SQLite connection (2)"},
    {"--max-connections", "ESSAYD_MAX_CONNECTIONS", OPT_UINT, AT(max_connections), 1, 100000,
     "connections open at once (1024)"},
    {"--max-connections-per-ip", "ESSAYD_MAX_CONNECTIONS_PER_IP", OPT_UINT, AT(max_connections_per_ip), 0, 100000,
     "connections open at once from one client address; 0: no limit (256)"},
    {"--timeout", "ESSAYD_TIMEOUT", OPT_UINT, AT(timeout_s), 1, 3600, "idle connection timeout, seconds (30)"},
    {"--query-timeout-ms", "ESSAYD_QUERY_TIMEOUT_MS", OPT_UINT, AT(query_timeout_ms), 0, 600000,
     "time limit of a read's database work, ms; over it: 503; 0: none (3000)"},
    {"--rate-limit", "ESSAYD_RATE_LIMIT", OPT_UINT, AT(rate_limit), 0, 1000000,
     "requests per second one client address may make on average, over it: 429; 0: off (0)"},
    {"--rate-burst", "ESSAYD_RATE_BURST", OPT_UINT, AT(rate_burst), 0, 1000000,
     "requests a client may make at once beyond --rate-limit; 0: twice the rate (0)"},
    {"--cors-origins", "ESSAYD_CORS_ORIGINS", OPT_STRING, AT(cors_origins), 0, 0,
     "\"*\" or a comma-separated list of origins allowed to read (*)"},
    {"--max-age-list", "ESSAYD_MAX_AGE_LIST", OPT_UINT, AT(max_age_list), 0, 86400,
     "Cache-Control max-age of lists, seconds (10)"},
    {"--max-age-item", "ESSAYD_MAX_AGE_ITEM", OPT_UINT, AT(max_age_item), 0, 86400 * 30,
     "Cache-Control max-age of single resources, seconds (300)"},
    {"--shutdown-timeout", "ESSAYD_SHUTDOWN_TIMEOUT", OPT_UINT, AT(shutdown_timeout_s), 0, 3600,
     "on SIGTERM/SIGINT, seconds requests in flight may take to finish (5)"},
    {"--token-file", "ESSAYD_TOKEN_FILE", OPT_STRING, AT(token_file), 0, 0,
     "file holding the bearer token that enables writes (none: read-only)"},
    {"--max-body", "ESSAYD_MAX_BODY", OPT_UINT, AT(max_body_bytes), 1024, 1u << 30,
     "largest request body accepted, bytes (4194304)"},
    {"--cache-mb", "ESSAYD_CACHE_MB", OPT_UINT, AT(cache_mb), 0, 65536,
     "rendered responses kept in memory, MiB; 0 turns the cache off (16)"},
    {"--quiet", "ESSAYD_QUIET", OPT_FLAG, AT(quiet), 0, 1, "no access log on stderr (ESSAYD_QUIET=1)"},
};

#define NOPTIONS (sizeof OPTIONS / sizeof OPTIONS[0])

static int set(server_config *c, const option *o, const char *value, const char *what, char *err, size_t errlen)
{
    char *base = (char *)c + o->offset;
    if (o->kind == OPT_STRING) {
        if (!*value) {
            snprintf(err, errlen, "%s must not be empty", what);
            return -1;
        }
        *(const char **)(void *)base = value;
        return 0;
    }
    char *end;
    unsigned long v = strtoul(value, &end, 10);
    if (!*value || *end || value[0] == '-' || v < o->min || v > o->max) {
        snprintf(err, errlen, "%s=%s: expected a whole number from %lu to %lu", what, value, o->min, o->max);
        return -1;
    }
    if (o->kind == OPT_FLAG)
        *(int *)(void *)base = (int)v;
    else
        *(unsigned *)(void *)base = (unsigned)v;
    return 0;
}

int config_load(server_config *c, int argc, char **argv, char *err, size_t errlen)
{
    server_config_defaults(c);
    for (size_t k = 0; k < NOPTIONS; k++) {
        const char *v = getenv(OPTIONS[k].env);
        if (v && set(c, &OPTIONS[k], v, OPTIONS[k].env, err, errlen) < 0) return -1;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            config_help(stdout);
            return 1;
        }
        const option *o = NULL;
        for (size_t k = 0; k < NOPTIONS && !o; k++)
            if (strcmp(argv[i], OPTIONS[k].flag) == 0) o = &OPTIONS[k];
        if (!o) {
            snprintf(err, errlen, "unknown option %s", argv[i]);
            return -1;
        }
        if (o->kind == OPT_FLAG) {
            *(int *)(void *)((char *)c + o->offset) = 1;
            continue;
        }
        if (i + 1 >= argc) {
            snprintf(err, errlen, "option %s needs a value", argv[i]);
            return -1;
        }
        if (set(c, o, argv[++i], o->flag, err, errlen) < 0) return -1;
    }
    if (!c->db_path) {
        snprintf(err, errlen, "serve needs --db PATH (or ESSAYD_DB)");
        return -1;
    }
    return 0;
}

void config_help(FILE *out)
{
    fputs("usage: essayd serve --db PATH [options]\n\n"
          "Serves the corpus in PATH over HTTP. Each option can also be set by the\n"
          "environment variable beside it; a flag wins over the variable.\n\n",
          out);
    for (size_t k = 0; k < NOPTIONS; k++) {
        const option *o = &OPTIONS[k];
        fprintf(out, "  %-20s %-24s %s\n", o->kind == OPT_FLAG ? o->flag : o->flag, o->env, o->help);
    }
    fputs("\nSIGTERM or SIGINT: stop accepting, finish requests in flight, exit 0.\n", out);
}

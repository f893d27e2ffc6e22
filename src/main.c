/*
 * main.c — the command line: essayd import | serve | --help | --version.
 * Exit status: 0 ok, 1 runtime error, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "server.h"
#include "version.h"

static const char USAGE[] =
    "usage: essayd import --db PATH FILE...\n"
    "       essayd serve --db PATH [--host ADDR] [--port N] [--threads N]\n"
    "       essayd --help | --version\n";

static const char HELP[] =
    "essayd serves an essay corpus (articles, claims, endnotes) as JSON over HTTP.\n"
    "\n"
    "  essayd import --db PATH FILE...\n"
    "      Parse essay text files and store them in the SQLite database PATH\n"
    "      (created if missing), each file in its own transaction. Prints\n"
    "      imported|replaced|unchanged per file, or FILE:LINE: error.\n"
    "\n"
    "  essayd serve --db PATH [options]\n"
    "      --host ADDR        address to bind (default 127.0.0.1; env ESSAYD_HOST)\n"
    "      --port N           port, 0 for any free one (default 8080; env ESSAYD_PORT)\n"
    "      --threads N        worker threads (default 2; env ESSAYD_THREADS)\n"
    "      --max-connections N  (default 512)\n"
    "      --timeout SECONDS  idle connection timeout (default 30)\n"
    "      The database may also be given as env ESSAYD_DB. Flags win over env.\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 usage error.\n";

static int usage_error(const char *fmt, const char *arg) __attribute__((format(printf, 1, 0)));

static int usage_error(const char *fmt, const char *arg)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    fputs("essayd: ", stderr);
    fprintf(stderr, fmt, arg);
#pragma GCC diagnostic pop
    fputc('\n', stderr);
    fputs(USAGE, stderr);
    return 2;
}

/* Parses a decimal in [min, max]; -1 if s is not one. */
static long parse_num(const char *s, long min, long max)
{
    char *end;
    if (!s || !*s) return -1;
    long v = strtol(s, &end, 10);
    return (*end || v < min || v > max) ? -1 : v;
}

static int cmd_import(int argc, char **argv)
{
    const char *db = getenv("ESSAYD_DB");
    int k = 0;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) return 1;
    for (k = 0; k < argc; k++) {
        if (strcmp(argv[k], "--db") == 0 && k + 1 < argc) {
            db = argv[++k];
        } else if (strcmp(argv[k], "--") == 0) {
            while (++k < argc) files[nfiles++] = argv[k];
        } else if (argv[k][0] == '-' && argv[k][1]) {
            free(files);
            return usage_error("unknown or incomplete option %s", argv[k]);
        } else {
            files[nfiles++] = argv[k];
        }
    }
    if (!db || !nfiles) {
        free(files);
        return usage_error("%s", !db ? "import needs --db PATH" : "import needs at least one FILE");
    }
    import_counts counts;
    int rc = import_files(db, files, nfiles, &counts);
    free(files);
    return rc;
}

static int cmd_serve(int argc, char **argv)
{
    server_config c;
    server_config_defaults(&c);
    const char *env;
    long v;
    if ((env = getenv("ESSAYD_DB"))) c.db_path = env;
    if ((env = getenv("ESSAYD_HOST"))) c.host = env;
    if ((env = getenv("ESSAYD_PORT"))) {
        if ((v = parse_num(env, 0, 65535)) < 0) return usage_error("ESSAYD_PORT=%s is not a port", env);
        c.port = (unsigned)v;
    }
    if ((env = getenv("ESSAYD_THREADS"))) {
        if ((v = parse_num(env, 1, 256)) < 0) return usage_error("ESSAYD_THREADS=%s is not 1..256", env);
        c.threads = (unsigned)v;
    }
    for (int k = 0; k < argc; k++) {
        const char *opt = argv[k], *val = k + 1 < argc ? argv[k + 1] : NULL;
        if (strcmp(opt, "--help") == 0) {
            fputs(HELP, stdout);
            return 0;
        }
        if (!val) return usage_error("option %s needs a value", opt);
        k++;
        if (strcmp(opt, "--db") == 0) {
            c.db_path = val;
        } else if (strcmp(opt, "--host") == 0) {
            c.host = val;
        } else if (strcmp(opt, "--port") == 0) {
            if ((v = parse_num(val, 0, 65535)) < 0) return usage_error("--port %s is not a port", val);
            c.port = (unsigned)v;
        } else if (strcmp(opt, "--threads") == 0) {
            if ((v = parse_num(val, 1, 256)) < 0) return usage_error("--threads %s is not 1..256", val);
            c.threads = (unsigned)v;
        } else if (strcmp(opt, "--max-connections") == 0) {
            if ((v = parse_num(val, 1, 100000)) < 0) return usage_error("--max-connections %s is not 1..100000", val);
            c.max_connections = (unsigned)v;
        } else if (strcmp(opt, "--timeout") == 0) {
            if ((v = parse_num(val, 1, 3600)) < 0) return usage_error("--timeout %s is not 1..3600", val);
            c.timeout_s = (unsigned)v;
        } else {
            return usage_error("unknown option %s", opt);
        }
    }
    if (!c.db_path) return usage_error("%s", "serve needs --db PATH (or ESSAYD_DB)");
    return server_run(&c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(HELP, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("essayd %s\n", ESSAYD_VERSION);
        return 0;
    }
    if (strcmp(cmd, "import") == 0) return cmd_import(argc - 2, argv + 2);
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 2, argv + 2);
    return usage_error("unknown command %s", cmd);
}

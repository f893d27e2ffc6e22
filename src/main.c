/*
 * main.c — the command line: essayd import | serve | --help | --version.
 * Exit status: 0 ok, 1 runtime error, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "import.h"
#include "server.h"
#include "version.h"

static const char USAGE[] =
    "usage: essayd import --db PATH FILE...\n"
    "       essayd serve --db PATH [options]   (essayd serve --help)\n"
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
    "      Serve the database over HTTP; `essayd serve --help` lists the options\n"
    "      and their ESSAYD_* environment variables.\n"
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
    char err[256];
    int rc = config_load(&c, argc, argv, err, sizeof err);
    if (rc == 1) return 0;
    if (rc < 0) return usage_error("%s", err);
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

/*
 * main.c — the command line: essayd import | export | serve | --help | --version.
 * Exit status: 0 ok, 1 runtime error, 2 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "export.h"
#include "import.h"
#include "oom.h"
#include "server.h"
#include "store.h"
#include "version.h"

static const char USAGE[] =
    "usage: essayd import --db PATH [--dry-run] SOURCE...   (essayd import --help)\n"
    "       essayd serve --db PATH [options]   (essayd serve --help)\n"
    "       essayd export --db PATH [--format ndjson|txt] [DIR]\n"
    "       essayd --help | --version\n";

static const char HELP[] =
    "essayd serves an essay corpus (articles, claims, endnotes) as JSON over HTTP.\n"
    "\n"
    "  essayd import --db PATH [--dry-run] SOURCE...\n"
    "      Parse essay files, directories of them, NDJSON or stdin (-) and store\n"
    "      them in the SQLite database PATH (created if missing), each essay\n"
    "      atomically. Prints imported|replaced|unchanged per essay, or\n"
    "      FILE:LINE: error; `essayd import --help` says more.\n"
    "\n"
    "  essayd serve --db PATH [options]\n"
    "      Serve the database over HTTP; `essayd serve --help` lists the options\n"
    "      and their ESSAYD_* environment variables.\n"
    "\n"
    "  essayd export --db PATH [--format ndjson|txt] [DIR]\n"
    "      Write every article back out, in slug order, from one snapshot:\n"
    "      txt (the default with a DIR) is DIR/<slug>.txt per article in the\n"
    "      essay format; ndjson (the default without) is one JSON object per\n"
    "      line, as POST /v1/articles takes it, on stdout or in\n"
    "      DIR/essays.ndjson. `essayd import` reads both back.\n"
    "\n"
    "Exit status: 0 ok, 1 runtime error, 2 usage error.\n";

static const char IMPORT_HELP[] =
    "usage: essayd import --db PATH [--dry-run] [--progress|--no-progress] SOURCE...\n"
    "\n"
    "Parses essays and stores them in the SQLite database PATH (created if\n"
    "missing; ESSAYD_DB may name it). A SOURCE is an essay file, a directory\n"
    "(its *.txt and *.ndjson files, recursively, in name order), a *.ndjson\n"
    "file (one essay per line, as the JSON that POST /v1/articles takes), or\n"
    "- for standard input (essay text, or NDJSON when it starts with '{').\n"
    "\n"
    "Each essay is stored atomically; a bad one is reported as FILE:LINE:\n"
    "message on stderr and does not stop the others. Essays are committed in\n"
    "batches; \"imported|replaced|unchanged SOURCE (id N, slug S)\" is printed\n"
    "once its batch is committed (synchronous=NORMAL in WAL mode: safe if\n"
    "the process crashes, not if the machine loses power).\n"
    "\n"
    "  --dry-run      parse and report what would happen; write nothing\n"
    "  --progress     a progress bar on stderr (default: when it is a terminal)\n"
    "  --no-progress  no progress bar\n"
    "\n"
    "Exit status: 0 every essay stored, 1 any failed, 2 usage error.\n";

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
    import_options opts = {getenv("ESSAYD_DB"), false, -1};
    int k = 0;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) return 1;
    for (k = 0; k < argc; k++) {
        if (strcmp(argv[k], "--db") == 0 && k + 1 < argc) {
            opts.db_path = argv[++k];
        } else if (strcmp(argv[k], "--dry-run") == 0) {
            opts.dry_run = true;
        } else if (strcmp(argv[k], "--progress") == 0) {
            opts.progress = 1;
        } else if (strcmp(argv[k], "--no-progress") == 0) {
            opts.progress = 0;
        } else if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
            free(files);
            fputs(IMPORT_HELP, stdout);
            return 0;
        } else if (strcmp(argv[k], "--") == 0) {
            while (++k < argc) files[nfiles++] = argv[k];
        } else if (argv[k][0] == '-' && argv[k][1]) {
            free(files);
            return usage_error("unknown or incomplete option %s", argv[k]);
        } else {
            files[nfiles++] = argv[k];
        }
    }
    if (!opts.db_path || !nfiles) {
        free(files);
        return usage_error("%s", !opts.db_path ? "import needs --db PATH" : "import needs at least one FILE, DIR or -");
    }
    import_counts counts;
    int rc = import_run(&opts, files, nfiles, &counts);
    free(files);
    return rc;
}

static int cmd_export(int argc, char **argv)
{
    const char *db = getenv("ESSAYD_DB"), *format = NULL, *dir = NULL;
    for (int k = 0; k < argc; k++) {
        if (strcmp(argv[k], "--db") == 0 && k + 1 < argc)
            db = argv[++k];
        else if (strcmp(argv[k], "--format") == 0 && k + 1 < argc)
            format = argv[++k];
        else if (argv[k][0] == '-' && argv[k][1])
            return usage_error("unknown or incomplete option %s", argv[k]);
        else if (dir)
            return usage_error("export takes one DIR; what is %s?", argv[k]);
        else
            dir = argv[k];
    }
    if (!db) return usage_error("%s", "export needs --db PATH");
    export_format f = dir ? EXPORT_TXT : EXPORT_NDJSON;
    if (format && strcmp(format, "txt") == 0)
        f = EXPORT_TXT;
    else if (format && strcmp(format, "ndjson") == 0)
        f = EXPORT_NDJSON;
    else if (format)
        return usage_error("--format is ndjson or txt, not %s", format);
    if (f == EXPORT_TXT && !dir) return usage_error("%s", "txt export writes one file per article: give a DIR");
    return export_corpus(db, f, dir) == 0 ? 0 : 1;
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
    oom_install();
    if (store_global_init() < 0) {
        fputs("essayd: cannot initialise SQLite\n", stderr);
        return 1;
    }
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
    if (strcmp(cmd, "export") == 0) return cmd_export(argc - 2, argv + 2);
    return usage_error("unknown command %s", cmd);
}

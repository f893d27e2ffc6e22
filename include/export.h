/*
 * export.h — the `essayd export` command: every article in a database →
 * its canonical essay text (one DIR/<slug>.txt per article) or one NDJSON
 * line per article (the shape essay_draft_from_json reads), so that the
 * corpus can be rebuilt with `essayd import`.
 *
 * The export reads one consistent snapshot (a single read transaction on a
 * read-only connection) and writes articles in slug order. Files are
 * replaced through a temporary file and a rename, never left half written.
 */
#ifndef ESSAYD_EXPORT_H
#define ESSAYD_EXPORT_H

typedef enum {
    EXPORT_NDJSON, /* one compact JSON object per line: to stdout, or DIR/essays.ndjson */
    EXPORT_TXT,    /* DIR/<slug>.txt per article; needs a DIR */
} export_format;

/* Exports the database at db_path (which must exist) in format, into dir
 * (created if missing; NULL: stdout, NDJSON only). Prints a message per
 * problem on stderr ("essayd: ...") and, at the end, "exported N articles
 * to DIR|stdout". An article that cannot be written as an essay is
 * reported and skipped; the others are still exported.
 * Returns 0 when every article was exported, -1 otherwise. */
int export_corpus(const char *db_path, export_format format, const char *dir);

#endif

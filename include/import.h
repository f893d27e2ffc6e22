/*
 * import.h — the `essayd import` command: files → parser → store.
 */
#ifndef ESSAYD_IMPORT_H
#define ESSAYD_IMPORT_H

typedef struct {
    unsigned imported, replaced, unchanged, failed;
} import_counts;

/* Imports each file in its own transaction, printing one line per file on
 * stdout ("imported PATH (id N, slug S)") or the file's error on stderr
 * ("PATH:LINE: message"), then a summary line. A failed file changes
 * nothing and does not stop the others. Returns 0 if every file was
 * imported, replaced or unchanged; 1 otherwise (including a database
 * that cannot be opened). */
int import_files(const char *db_path, char *const *files, int nfiles, import_counts *counts);

#endif

/*
 * replay_main.c — a main for the fuzz target without libFuzzer: reads each
 * file named on the command line and passes its bytes, in a buffer of
 * exactly that size, to LLVMFuzzerTestOneInput. An invariant violation or a
 * sanitizer report aborts the process; otherwise it prints "ok FILE" for
 * each file and exits 0 (2 if a file cannot be read). See replay.sh.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            fprintf(stderr, "%s: out of memory\n", path);
            return -1;
        }
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap) break;
        uint8_t *nb = realloc(buf, cap *= 2);
        if (!nb) free(buf);
        buf = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        free(buf);
        return -1;
    }
    /* An exact-size copy, so that reading past the input is caught. */
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    for (size_t i = 0; i < len; i++) exact[i] = buf[i];
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;
    for (int k = 1; k < argc; k++) {
        if (replay(argv[k]) < 0) {
            rc = 2;
            continue;
        }
        printf("ok %s\n", argv[k]);
        fflush(stdout);
    }
    return rc;
}

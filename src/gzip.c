/* gzip.c — one-shot gzip with zlib (windowBits 15 + 16 selects the gzip wrapper). */
#include "gzip.h"

#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>

char *gzip_compress(const char *in, size_t len, size_t *out_len)
{
    z_stream z = {0};
    /* Level 5: nearly level 6's ratio on JSON at a clearly lower cost. */
    if (deflateInit2(&z, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    uLong bound = deflateBound(&z, (uLong)len);
    unsigned char *out = malloc(bound);
    if (!out) {
        deflateEnd(&z);
        return NULL;
    }
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    int rc = deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || n >= len) {
        free(out);
        return NULL;
    }
    *out_len = n;
    return (char *)out;
}

/*
 * gzip.h — gzip (RFC 1952) compression of a response body with zlib.
 */
#ifndef ESSAYD_GZIP_H
#define ESSAYD_GZIP_H

#include <stddef.h>

/* Compresses in[0..len) into a malloc'd buffer (caller frees) of *out_len
 * bytes. Returns NULL on failure, or when compression would not make the
 * body smaller (send it as it is then). */
char *gzip_compress(const char *in, size_t len, size_t *out_len);

#endif

/* auth.c — the write token: loading it, and comparing in constant time. */
#include "auth.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "text.h"

/* Only the token's hash is kept: comparing two fixed-length hashes with
 * CRYPTO_memcmp takes the same time whatever the client sent, including
 * how long it was. */
static char token_hash[65];
static bool enabled;

int auth_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "--token-file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && (sb.st_mode & 077))
        fprintf(stderr, "essayd: warning: token file %s is readable by other users (chmod 600 it)\n", path);
    char line[1024];
    size_t n = 0;
    if (fgets(line, sizeof line, f)) n = strlen(line);
    fclose(f);
    size_t b, e;
    utf8_trim(line, n, &b, &e);
    for (size_t i = b; i < e; i++) {
        unsigned char c = (unsigned char)line[i];
        /* RFC 6750 token68 characters, so that the header can carry it. */
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              strchr("-._~+/=", c))) {
            snprintf(err, errlen, "--token-file %s: the token may hold only A-Z a-z 0-9 - . _ ~ + / =", path);
            return -1;
        }
    }
    if (e - b < AUTH_MIN_TOKEN) {
        snprintf(err, errlen, "--token-file %s: the token must be at least %d characters (try: openssl rand -hex 32)",
                 path, AUTH_MIN_TOKEN);
        return -1;
    }
    sha256_hex(line + b, e - b, token_hash);
    explicit_bzero(line, sizeof line);
    enabled = true;
    return 0;
}

void auth_unload(void)
{
    explicit_bzero(token_hash, sizeof token_hash);
    enabled = false;
}

bool auth_enabled(void) { return enabled; }

auth_result auth_check(const char *authorization)
{
    if (!authorization) return AUTH_MISSING;
    if (strncasecmp(authorization, "Bearer", 6) != 0 || (authorization[6] != ' ' && authorization[6] != '\t'))
        return AUTH_INVALID;
    const char *t = authorization + 6;
    while (*t == ' ' || *t == '\t') t++;
    size_t n = strlen(t);
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
    char given[65];
    sha256_hex(t, n, given);
    return enabled && CRYPTO_memcmp(given, token_hash, 64) == 0 ? AUTH_OK : AUTH_INVALID;
}

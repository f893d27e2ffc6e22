/*
 * auth.h — who may write: one bearer token, read from a file at start-up.
 *
 * Writes are off unless a token is configured (--token-file or
 * ESSAYD_TOKEN_FILE; never on the command line, where `ps` would show
 * it). Reads need no token.
 */
#ifndef ESSAYD_AUTH_H
#define ESSAYD_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* Shortest token accepted: a guessable token is worse than none. */
#define AUTH_MIN_TOKEN 16

/* Reads the token from path (its first line; surrounding white space
 * dropped). Returns 0, or -1 with a message in err. Call before serving;
 * not thread-safe against auth_check. */
int auth_load(const char *path, char *err, size_t errlen);

/* Forgets the token (writes off again). */
void auth_unload(void);

bool auth_enabled(void);

typedef enum { AUTH_OK, AUTH_MISSING, AUTH_INVALID } auth_result;

/* Checks an Authorization header value (NULL if absent) against the token
 * in time that does not depend on how much of it matches. */
auth_result auth_check(const char *authorization);

#endif

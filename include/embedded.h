/*
 * embedded.h — files compiled into the binary by tools/embed.sh.
 */
#ifndef ESSAYD_EMBEDDED_H
#define ESSAYD_EMBEDDED_H

/* db/migrations/NNN_*.sql in order; migration k (from 0) takes the
 * database from user_version k to k + 1. NULL-terminated. */
extern const char *const essayd_migrations[];

/* openapi.yaml as served at /openapi.yaml. */
extern const char essayd_openapi_yaml[];
extern const unsigned long essayd_openapi_yaml_len;

#endif

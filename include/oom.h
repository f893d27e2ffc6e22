/*
 * oom.h — telling "out of memory" apart from a bug.
 *
 * jansson reports a failed allocation as NULL, like any other failure, so
 * a handler cannot tell a client why its response could not be built.
 * oom_install routes jansson's allocations through a wrapper that
 * remembers, per thread, that one failed, and oom_note records the same for
 * the server's own allocations; the reply layer then answers 503 (retry
 * later) instead of 500. SQLite's own SQLITE_NOMEM is seen by
 * store_fault (store.h).
 */
#ifndef ESSAYD_OOM_H
#define ESSAYD_OOM_H

#include <stdbool.h>

/* Installs the wrapper as jansson's allocator. Call once in main, before
 * any thread starts and before any json_t exists. */
void oom_install(void);

/* Records a failed allocation outside jansson (a malloc or realloc that
 * returned NULL; text.h's strbuf and xstrndup call it), for oom_seen. */
void oom_note(void);

/* Forgets this thread's failures: call when a request begins. */
void oom_reset(void);

/* Did an allocation of this thread fail since the last oom_reset? */
bool oom_seen(void);

#endif

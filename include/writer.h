/*
 * writer.h — the one thread that writes.
 *
 * A write may wait for the database (a bulk import holds the write lock
 * for up to a batch, SQLite's busy timeout is 5 s). Waiting on a
 * libmicrohttpd pool thread would stall every other connection that
 * thread serves, reads included. So a write's connection is suspended and
 * its handler runs here; the reply it makes is held (request.held) and
 * sent by the pool thread once the connection is resumed.
 */
#ifndef ESSAYD_WRITER_H
#define ESSAYD_WRITER_H

#include <stdbool.h>

#include "http.h"

/* Starts the thread. 0, or -1 if it cannot be started. */
int writer_start(void);

/* Runs h(r) on the writer thread. Called from the access handler: it
 * suspends r's connection and returns true; r must not be touched until
 * the connection is resumed. false (nothing suspended, nothing queued)
 * when the writer is not running or has too many writes waiting: the
 * caller answers 503. */
bool writer_submit(request *r, handler_fn h);

/* Finishes the write in hand, answers the writes still waiting with 503,
 * closes the write connection and joins the thread. Call before
 * MHD_stop_daemon (no connection may be left suspended). */
void writer_stop(void);

#endif

/*
 * writer.c — a queue of suspended write requests and the thread that runs
 * them one at a time (see writer.h for why).
 */
#include "writer.h"

#include <pthread.h>
#include <stdio.h>

#include "api.h"
#include "oom.h"
#include "store.h"

/* Writes waiting beyond this are refused with 503 at once: a client that
 * floods writes must not pin hundreds of suspended connections. */
#define QUEUE_SIZE 64

typedef struct {
    request *r;
    handler_fn h;
} job;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static job queue[QUEUE_SIZE]; /* guarded by lock */
static size_t head, count;    /* guarded by lock */
static bool running, stopping; /* guarded by lock */
static pthread_t thread;

/* Answers one write and hands its connection back to libmicrohttpd. */
static void finish_job(const job *j, bool run)
{
    if (run) {
        store_request_begin(0); /* no time limit: a write is not cut off halfway */
        oom_reset();
        j->h(j->r);
        if (!j->r->replied) reply_internal(j->r, "write handler gave no reply");
        store_request_end();
    } else {
        reply_add_header(j->r, "Retry-After", "1");
        reply_problem(j->r, 503, "unavailable", "Service Unavailable", "the server is shutting down");
    }
    /* From here on the pool thread owns the request again. */
    MHD_resume_connection(j->r->conn);
}

static void *writer_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    for (;;) {
        while (count == 0 && !stopping) pthread_cond_wait(&wake, &lock);
        if (count == 0) break;
        job j = queue[head];
        head = (head + 1) % QUEUE_SIZE;
        count--;
        bool run = !stopping;
        pthread_mutex_unlock(&lock);
        finish_job(&j, run);
        pthread_mutex_lock(&lock);
    }
    running = false;
    pthread_mutex_unlock(&lock);
    /* The write connection's statements live in this thread's cache. */
    api_write_shutdown();
    store_release_thread_cache();
    return NULL;
}

int writer_start(void)
{
    pthread_mutex_lock(&lock);
    stopping = false;
    running = pthread_create(&thread, NULL, writer_main, NULL) == 0;
    bool ok = running;
    pthread_mutex_unlock(&lock);
    return ok ? 0 : -1;
}

bool writer_submit(request *r, handler_fn h)
{
    pthread_mutex_lock(&lock);
    bool ok = running && !stopping && count < QUEUE_SIZE;
    if (ok) {
        /* Suspended before it is queued: the writer may resume it at once. */
        r->deferred = true;
        MHD_suspend_connection(r->conn);
        queue[(head + count) % QUEUE_SIZE] = (job){r, h};
        count++;
        pthread_cond_signal(&wake);
    }
    pthread_mutex_unlock(&lock);
    return ok;
}

void writer_stop(void)
{
    pthread_mutex_lock(&lock);
    bool was_running = running;
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&lock);
    if (was_running) pthread_join(thread, NULL);
}

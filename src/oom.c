/* oom.c — jansson's allocator, remembering failures per thread (oom.h). */
#include "oom.h"

#include <jansson.h>
#include <stdlib.h>

static _Thread_local bool failed;

static void *tracking_malloc(size_t n)
{
    void *p = malloc(n);
    if (!p && n) failed = true;
    return p;
}

void oom_install(void) { json_set_alloc_funcs(tracking_malloc, free); }

void oom_note(void) { failed = true; }

void oom_reset(void) { failed = false; }

bool oom_seen(void) { return failed; }

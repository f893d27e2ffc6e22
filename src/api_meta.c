/* api_meta.c — GET /v1, GET /healthz, GET /openapi.yaml. */
#include <stdlib.h>

#include "api.h"
#include "metrics.h"
#include "embedded.h"
#include "store.h"
#include "version.h"

void api_index(request *r)
{
    r->cache = CACHE_STATIC;
    json_t *endpoints = routes_index();
    reply_json(r, 200,
               endpoints ? json_pack("{s:s, s:s, s:o}", "name", "essayd", "version", ESSAYD_VERSION, "endpoints",
                                     endpoints)
                         : NULL);
}

void api_health(request *r)
{
    /* A real read, so that a broken or missing database shows here. */
    sqlite3_stmt *st = store_stmt(r->db, "SELECT count(*) FROM articles");
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (st) sqlite3_reset(st);
    if (rc != SQLITE_ROW) {
        reply_problem(r, 503, "unavailable", "Service Unavailable", "database check failed: %s",
                      sqlite3_errmsg(r->db));
        return;
    }
    reply_json(r, 200, json_pack("{s:s}", "status", "ok"));
}

void api_openapi(request *r)
{
    r->cache = CACHE_STATIC;
    reply_bytes(r, 200, "application/yaml", essayd_openapi_yaml, essayd_openapi_yaml_len);
}

void api_metrics(request *r)
{
    size_t len = 0;
    char *text = metrics_render(r->cfg->db_path, &len);
    if (!text) {
        reply_internal(r, "cannot render metrics");
        return;
    }
    reply_bytes(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
    free(text);
}

/*
 * ops.h - operator endpoints: GET /healthz and GET /metrics.
 *
 * /healthz writes one row to prove the database is writable (200 "ok",
 * else 503); /metrics renders metrics.h in Prometheus text format plus the
 * current pending/parked event gauges.
 */
#ifndef BORGERBOT_OPS_H
#define BORGERBOT_OPS_H

#include <pthread.h>
#include <stddef.h>

#include "http.h"
#include "core/metrics.h"

struct ops;

struct store;
struct ops *ops_new(struct store *store, struct metrics *m, char *err, size_t errlen);
void ops_register(struct http *h, struct ops *o);
void ops_free(struct ops *o);

#endif

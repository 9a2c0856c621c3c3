#ifndef AMOSYNC_HEALTH_GAUGES_H
#define AMOSYNC_HEALTH_GAUGES_H

#include "base/buf.h"
#include "io/app.h"

/*
 * The gauges read at scrape time, in the Prometheus text format: outbox
 * jobs by kind and state, dead letters, spool depth and oldest age, sync
 * runs, sweep runs and recoveries, worker heartbeat age. Appends to b;
 * a query that fails leaves its gauges out.
 */
void health_gauges(struct app *app, struct buf *b);

#endif

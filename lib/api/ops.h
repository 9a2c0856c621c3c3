#ifndef AMOSYNC_API_OPS_H
#define AMOSYNC_API_OPS_H

/*
 * Operator endpoints over the outbox:
 *   GET  /api/admin/outbox?state=dead&limit=N   list jobs
 *   POST /api/admin/outbox/{id}/retry           requeue a dead job
 *   POST /api/amocrm/test-sale-notification     announce a test sale
 *        through the outbox and report the job's outcome (R18)
 */
struct app;
struct web_req;

int ops_outbox(struct app *app, struct web_req *req);
int ops_test_notification(struct app *app, struct web_req *req);

#endif

#ifndef AMOSYNC_API_TRAFFIC_H
#define AMOSYNC_API_TRAFFIC_H

/*
 * The Team Constructor API (DESIGN R12, R17): JSON under /api/traffic/
 * for the traffic teams, their attribution rules, a preview of the
 * engine, the list of conflicting rules, explicit re-attribution of
 * stored sales, and the audit trail. Every change is audited in the same
 * transaction (actor: nginx's REMOTE_USER, else AMOSYNC_ADMIN_USER, else
 * "anonymous"). Routes and semantics: docs/attribution.md.
 */
struct app;
struct web_req;

/*
 * Routes and answers one request (app->traffic must be configured;
 * app->landing is used by re-attribution when configured). Returns 0.
 */
int teamapi_serve(struct app *app, struct web_req *req);

#endif

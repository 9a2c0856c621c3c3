#ifndef AMOSYNC_API_ADMIN_H
#define AMOSYNC_API_ADMIN_H

#include "io/app.h"
#include "io/route.h"

/*
 * What every admin JSON API shares on top of io/route: who the actor is
 * and the reading of optional members. The changes themselves and their
 * audit rows are the use cases' (teams/audit: a change and its audit row
 * commit together, through one helper), which take the actor as a plain
 * name.
 */

/* Who is changing things: nginx's REMOTE_USER, else AMOSYNC_ADMIN_USER,
 * else "anonymous". Borrowed. */
const char *admin_actor(const struct route_req *r, const struct app *app);

/* Reads a member that is either absent or a value, never null. */
enum err admin_notnull(struct route_req *r, const char *key, const char *what);

#endif

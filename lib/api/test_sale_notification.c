/*
 * The program "test-sale-notification": POST
 * /api/amocrm/test-sale-notification (R18). Queues a test announcement
 * through the outbox, like a real sale's, waits a little for a worker to
 * deliver it and reports the job's outcome. The values a request leaves
 * out are the test sale of telegram/texts.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/programs.h"
#include "base/jw.h"
#include "base/money.h"
#include "io/outbox.h"
#include "io/route.h"
#include "telegram/texts.h"

#define FIELD_MAX 200 /* characters of a text field */

/* Reads text member key; NULL, absent or blank gives def. */
static enum err
text(struct route_req *r, const char *key, const char *def, const char **out)
{
	enum err rc;

	if ((rc = jread_str(&r->in, key, FIELD_MAX, 0, out)) != ERR_OK)
		return rc;
	if (*out == NULL || (*out)[strspn(*out, " \t")] == '\0')
		*out = def;
	return ERR_OK;
}

/* Builds the announce job's payload: a test sale described in full. */
static enum err
payload(struct route_req *r, struct buf *b)
{
	static const char *const keys[] = { "targetologist", "contact_name",
		"sale_amount", "product_name", NULL };
	const char *team, *client, *product;
	char *amount = NULL;
	struct jw w;
	enum err rc;

	if ((rc = jread_only(&r->in, keys)) != ERR_OK ||
	    (rc = text(r, "targetologist", texts_test_sale.team, &team)) !=
	        ERR_OK ||
	    (rc = text(r, "contact_name", texts_test_sale.client, &client)) !=
	        ERR_OK ||
	    (rc = text(r, "product_name", texts_test_sale.product, &product)) !=
	        ERR_OK ||
	    (rc = jread_amount(&r->in, "sale_amount", &amount)) != ERR_OK)
		return rc;
	if (amount != NULL && !money_positive(amount)) {
		free(amount);
		return route_fail(r, ERR_VALIDATION, "sale_amount",
		    "must be above zero");
	}
	jw_init(&w, b);
	jw_obj(&w, NULL);
	jw_bool(&w, "test", 1);
	jw_str(&w, "targetologist", team);
	jw_str(&w, "contact_name", client);
	jw_str(&w, "sale_amount",
	    amount != NULL ? amount : texts_test_sale.amount);
	jw_str(&w, "product_name", product);
	jw_obj_end(&w);
	free(amount);
	return buf_err(b);
}

static enum err
notify(struct route_req *r)
{
	struct app *app = r->ctx;
	struct timespec nap = { 0, 200 * 1000000L };
	struct buf job, out;
	enum outbox_state state = OUTBOX_STATE__MAX;
	char *error = NULL;
	long long id = 0;
	struct jw w;
	time_t until;
	enum err rc;
	int status, done, dead;

	buf_init(&job);
	if ((rc = payload(r, &job)) == ERR_OK &&
	    (rc = outbox_enqueue(&app->traffic, OUTBOX_ANNOUNCE, buf_str(&job),
	         NULL, &id)) != ERR_OK)
		route_errorf(r, "could not queue the notification");
	buf_free(&job);
	if (rc != ERR_OK)
		return rc;
	/* Wait a little for a worker, so the caller sees the outcome. */
	until = time(NULL) + cfg_int(&app->cfg, CFG_TEST_NOTIFY_WAIT);
	do {
		free(error);
		if (outbox_state(&app->traffic, id, &state, &error) != ERR_OK)
			break;
		if (state == OUTBOX_DONE || state == OUTBOX_DEAD)
			break;
		nanosleep(&nap, NULL);
	} while (time(NULL) < until);
	done = state == OUTBOX_DONE;
	dead = state == OUTBOX_DEAD;
	buf_init(&out);
	jw_init(&w, &out);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", done);
	jw_int(&w, "job_id", id);
	jw_str(&w, "state", outbox_states[state]);
	jw_str(&w, "message",
	    done       ? "Test notification sent"
	        : dead ? "Test notification failed"
	               : "Test notification queued; no worker has delivered it "
	                 "yet");
	jw_str(&w, "error", error);
	jw_obj_end(&w);
	status = dead ? 502 : done ? 200 : 202;
	free(error);
	/* Not the router's shape: success may be false with a job. */
	web_send(r->req, status, &out);
	return ERR_OK;
}

static const struct route routes[] = {
	{ WEB_POST, "/api/amocrm/test-sale-notification", notify,
	    ROUTE_BODY_OPTIONAL, NULL },
};

static const struct route_table table = ROUTE_TABLE(routes);
static const struct route_table *const tables[] = { &table };

const struct prog api_test_sale_notification = {
	.name = "test-sale-notification",
	.needs = APP_TRAFFIC,
	.routes = tables,
	.nroutes = 1,
};

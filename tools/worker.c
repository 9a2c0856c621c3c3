/*
 * amosync-worker: drains the outbox (enrichment from amoCRM, Telegram
 * announcements) and runs the scheduled landing sync (R14) every
 * AMOSYNC_SYNC_INTERVAL seconds. Any number may run on any number of
 * hosts; each claims one job at a time with a lease, from the announce
 * lane before each job of the bulk lane (io/outbox.h), and one of them
 * claims each scheduled slot. It also syncs the pipeline catalogue from
 * amoCRM (teams/pipeline, once per AMOSYNC_PIPELINES_SYNC_INTERVAL
 * across all workers), beats (worker_heartbeats), runs the
 * health alerts (health/alerts), the reconciliation sweep (sales/sweep)
 * and the queueing of the Facebook spend imports (report/fb_import), each
 * once per interval across all workers. SIGTERM or SIGINT finishes
 * the current job and exits. A job's lease (AMOSYNC_OUTBOX_CLAIM_TIMEOUT,
 * 15 s) is renewed by a heartbeat while the job runs, so a job of a killed
 * worker is taken over within seconds; its sync run stops blocking others
 * when the run's lease ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "fb/api.h"
#include "health/alerts.h"
#include "health/beat.h"
#include "io/app.h"
#include "io/metrics.h"
#include "io/outbox.h"
#include "io/proc.h"
#include "landing/push.h"
#include "landing/sync.h"
#include "report/fb_import.h"
#include "report/funnel.h"
#include "report/stats.h"
#include "sales/hooks.h"
#include "sales/inbox.h"
#include "sales/ingest.h"
#include "sales/jobs.h"
#include "sales/sweep.h"
#include "teams/pipeline.h"
#include "telegram/texts.h"

/* Seconds between the worker's looks into the spool directory. */
#define SPOOL_INTERVAL 10
/* Seconds between heartbeats (AMOSYNC_HEARTBEAT_MAX_AGE is the limit). */
#define BEAT_INTERVAL 5

/* Seconds between retention passes, and rows deleted per statement. */
#define RETENTION_INTERVAL 3600
#define RETENTION_BATCH 5000

static volatile sig_atomic_t stopping;

/* The Facebook client, when FB_ACCESS_TOKEN is set (over the jobs' HTTP). */
static struct fb fbc;
static int has_fb;

static void
onsignal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Sleeps ms milliseconds unless a signal arrives first. */
static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (!stopping)
		nanosleep(&ts, NULL);
}

/*
 * How long the loop waits while the traffic database is unreachable:
 * poll, doubled with each failure, at most 30 seconds. db_connect() logs
 * the failure once.
 */
static long
backoff(int failures, long poll)
{
	long ms = poll;

	while (--failures > 0 && ms < 30000)
		ms *= 2;
	return ms < 30000 ? ms : 30000;
}

/* The most batches of one webhook's inbox the worker applies per turn. */
#define INBOX_TURN_BATCHES 10

/*
 * Moves the spool of both webhooks into their inbox, so requests taken
 * while the database was down are kept even if no further webhook
 * arrives to trigger the endpoint's own replay, and applies a few
 * batches of each inbox: a host whose webhook programs are down (or that
 * runs only workers) still applies what is queued. The programs'
 * processors do the same work; SKIP LOCKED shares it.
 */
static void
replay(struct sales_ctx *s)
{
	int (*const defs[])(struct sales_ctx *,
	    struct hook_def *) = { hooks_funnel_sale, hooks_sales_webhook };
	struct inbox_stats st;
	struct hook_def def;
	size_t i;
	int b;

	for (i = 0; i < sizeof(defs) / sizeof(defs[0]); i++) {
		if (defs[i](s, &def) != 0)
			continue;
		inbox_replay(s, &def, NULL);
		for (b = 0; b < INBOX_TURN_BATCHES; b++)
			if (inbox_drain(s, &def,
			        (int)cfg_int(&s->app->cfg, CFG_INBOX_BATCH),
			        &st) != ERR_OK ||
			    st.claimed == 0)
				break;
	}
}

/* Deletes in batches until a batch comes back short; logs the total. */
static void
prune(const char *what, struct db *db, int days,
    enum err (*fn)(struct db *, int, int, long *))
{
	long n, total = 0;

	do {
		if (fn(db, days, RETENTION_BATCH, &n) != ERR_OK) {
			log_warnx("could not delete old %s", what);
			return;
		}
		total += n;
	} while (n == RETENTION_BATCH && !stopping);
	if (total > 0)
		log_info("deleted %ld %s older than %d days", total, what,
		    days);
}

/*
 * Retention (AMOSYNC_RETENTION_DAYS): webhook_requests of both databases,
 * done outbox jobs, the record of Telegram sends, finished sync runs and
 * finished Facebook import runs older than the limit. Only rows
 * whose data lives elsewhere or is finished go: a sale, its event and a
 * pending or dead job stay. Any worker may run it; two at once delete
 * disjoint or already deleted rows.
 */
static void
retention(struct app *app)
{
	int days = (int)cfg_int(&app->cfg, CFG_RETENTION_DAYS);

	if (days <= 0)
		return;
	prune("webhook requests", &app->traffic, days, hook_requests_prune);
	prune("done outbox jobs", &app->traffic, days, outbox_prune);
	prune("Telegram sends", &app->traffic, days, jobs_sends_prune);
	prune("Facebook import runs", &app->traffic, days, fb_import_prune);
	if (app->has_landing) {
		prune("webhook requests", &app->landing, days,
		    hook_requests_prune);
		prune("sync runs", &app->landing, days, landing_sync_prune);
	}
}

/*
 * Runs the landing sync when this worker claims its scheduled slot. A run
 * another process holds (409) is fine: the slot is spent either way.
 */
static void
schedule(struct app *app, struct jobs *j, const char *me)
{
	struct landing_sync_result res;
	struct landing_sync_opts o;
	struct amocrm amo;
	int due, interval;

	interval = (int)cfg_int(&app->cfg, CFG_SYNC_INTERVAL);
	if (interval <= 0 || !app->has_landing || !j->has_amo)
		return;
	if (landing_sync_due(&app->landing, me, interval, &due) != ERR_OK ||
	    !due)
		return;
	memset(&o, 0, sizeof(o));
	o.trigger = "schedule";
	o.holder = me;
	o.limit = cfg_int(&app->cfg, CFG_SYNC_LIMIT);
	o.pipeline_id = cfg_int(&app->cfg, CFG_AMOCRM_EXPRESS_PIPELINE);
	o.lease = (int)cfg_int(&app->cfg, CFG_SYNC_LEASE);
	o.list_max = 0;
	/* The jobs' client, but a 429 inside a run is waited out. */
	amo = j->amo;
	amo.retries = 4;
	if (landing_sync(&app->landing, &amo, &o, &res) == ERR_CONFLICT)
		log_info("scheduled sync skipped: run %lld is running",
		    res.running_id);
	landing_sync_result_free(&res);
}

/*
 * Syncs the pipeline catalogue from amoCRM when this worker claims its
 * scheduled slot (AMOSYNC_PIPELINES_SYNC_INTERVAL), and copies it to the
 * landing database.
 */
static void
schedule_pipelines(struct app *app, struct jobs *j, const char *me)
{
	struct pipeline_sync_result res;
	int due, interval;

	interval = (int)cfg_int(&app->cfg, CFG_PIPELINES_SYNC_INTERVAL);
	if (interval <= 0 || !j->has_amo)
		return;
	if (pipelines_due(&app->traffic, me, interval, &due) != ERR_OK || !due)
		return;
	if (pipelines_sync(&app->traffic,
	        app->has_landing ? &app->landing : NULL, &j->amo, "schedule",
	        "amosync-worker", &res) != ERR_OK)
		log_warnx("scheduled pipelines sync failed: %s", res.error);
}

/*
 * Runs a landing push job (landing/push.c): its kind lives in lib/landing,
 * which lib/sales may not include, so the worker dispatches it here.
 */
static enum err
push(struct app *app, struct jobs *j, const struct outbox_job *job,
    struct job_outcome *out)
{
	struct landing_push_outcome po;
	struct landing_push_opts o;
	enum err rc;

	memset(out, 0, sizeof(*out));
	if (!app->has_landing || !j->has_amo) {
		snprintf(out->error, sizeof(out->error),
		    "%s is not set: cannot push landing leads",
		    app->has_landing ? "AMOCRM_ACCESS_TOKEN"
		                     : "LANDING_DATABASE_URL");
		return ERR_CONFIG;
	}
	(void)job; /* the payload says nothing: the queue has the leads */
	memset(&o, 0, sizeof(o));
	o.pipeline_id = cfg_int(&app->cfg, CFG_AMOCRM_EXPRESS_PIPELINE);
	o.status_id = cfg_int(&app->cfg, CFG_AMOCRM_PUSH_STATUS);
	o.utm_fields[0] = cfg_int(&app->cfg, CFG_AMOCRM_UTM_SOURCE_FIELD);
	o.utm_fields[1] = cfg_int(&app->cfg, CFG_AMOCRM_UTM_MEDIUM_FIELD);
	o.utm_fields[2] = cfg_int(&app->cfg, CFG_AMOCRM_UTM_CAMPAIGN_FIELD);
	o.utm_fields[3] = cfg_int(&app->cfg, CFG_AMOCRM_UTM_CONTENT_FIELD);
	o.utm_fields[4] = cfg_int(&app->cfg, CFG_AMOCRM_UTM_TERM_FIELD);
	rc = landing_push_run(&app->landing, &j->amo, &o, &po);
	out->permanent = po.permanent;
	out->retry_after = po.retry_after;
	snprintf(out->error, sizeof(out->error), "%s", po.error);
	return rc;
}

/*
 * Runs an import of an ad account's spend (report/fb_import.c). A rate
 * limit, a pause before one, or another run holding the account puts the
 * job back without counting an attempt; a transient failure is retried
 * with backoff; a token or permission a person must fix ends the job (the
 * run records it, health shows it, the next slot tries again).
 */
static enum err
fb_job(struct app *app, struct jobs *j, const struct outbox_job *job,
    struct job_outcome *out)
{
	struct fb_import_outcome fo;
	char ids[32];

	memset(out, 0, sizeof(*out));
	fb_import_run(&app->traffic, has_fb ? &fbc : NULL, &app->cfg, j->me,
	    job->id, job->payload != NULL ? job->payload : "{}", &fo);
	snprintf(out->error, sizeof(out->error), "%s", fo.error);
	switch (fo.next) {
	case FB_IMPORT_DONE:
		return ERR_OK;
	case FB_IMPORT_POSTPONE:
		snprintf(ids, sizeof(ids), "{%lld}", job->id);
		if (outbox_postpone(&app->traffic, ids, j->me, fo.wait,
		        fo.error) == ERR_OK) {
			out->recorded = 1;
			return ERR_OK;
		}
		out->retry_after = fo.wait;
		return ERR_RATE;
	case FB_IMPORT_RETRY:
	default:
		return ERR_HTTP;
	}
}

/* The sales jobs (sales/jobs.c), in the dispatch table's shape. */
static enum err
sales_job(struct app *app, struct jobs *j, const struct outbox_job *job,
    struct job_outcome *out)
{
	(void)app;
	return jobs_run(j, job, out);
}

/*
 * The worker's one dispatch table: what runs a job of each kind
 * (io/outbox.h's enum outbox_kind). A kind with no row, or one this
 * build does not know, fails as "unknown job" and is retried (a newer
 * worker may know it) until it is a dead letter.
 */
static enum err (*const job_runs[OUTBOX_KIND__MAX])(struct app *, struct jobs *,
    const struct outbox_job *, struct job_outcome *) = {
	[OUTBOX_ENRICH] = sales_job,
	[OUTBOX_ANNOUNCE] = sales_job,
	[OUTBOX_LANDING_PUSH] = push,
	[OUTBOX_FB_IMPORT] = fb_job,
};

/* Runs the sweep when due; tells the ops chat what it recovered. */
static void
sweep(struct sales_ctx *s, struct jobs *j, struct alerts *al, const char *me)
{
	struct sweep_result res;
	struct buf text = { 0 };

	if (!j->has_amo || sweep_tick(s, &j->amo, me, &res) != ERR_OK ||
	    res.recovered == 0)
		return;
	texts_sweep(&text, res.recovered, res.recovered_ids);
	if (buf_err(&text) == ERR_OK)
		alerts_event(al, buf_str(&text));
	buf_free(&text);
}

/*
 * The heartbeat: while this worker holds a job, its lease is renewed every
 * third of the lease, from the HTTP client's tick (about once a second
 * during every amoCRM and Telegram call and rate wait). A worker that dies
 * stops renewing, and its job is taken over once the lease runs out.
 */
struct heartbeat {
	struct app *app;
	const char *me;
	int lease;
	int holding;    /* a job is claimed */
	time_t renewed; /* when the lease was last renewed */
};

static void
beat(void *arg)
{
	struct heartbeat *hb = arg;
	time_t now = time(NULL);

	if (!hb->holding || now - hb->renewed < (hb->lease + 2) / 3)
		return;
	hb->renewed = now;
	if (outbox_renew(&hb->app->traffic, hb->me, hb->lease) != ERR_OK)
		log_warnx("could not renew the lease of my job");
}

/* Claims and runs one job of lane; returns 1 if there was one. */
static int
one(struct app *app, struct jobs *j, struct heartbeat *hb, int max,
    enum outbox_lane lane)
{
	struct job_outcome out;
	struct outbox_job job;
	const char *me = hb->me;
	enum err rc;
	int got, dead;

	if (outbox_claim(&app->traffic, me, hb->lease, lane, &job, &got) !=
	        ERR_OK ||
	    !got)
		return 0;
	log_reqid(NULL);
	hb->holding = 1;
	hb->renewed = time(NULL);
	if (job.kind < OUTBOX_KIND__MAX && job_runs[job.kind] != NULL) {
		rc = job_runs[job.kind](app, j, &job, &out);
	} else {
		memset(&out, 0, sizeof(out));
		/* Retried: a newer worker on another host may know it. */
		snprintf(out.error, sizeof(out.error), "unknown job");
		rc = ERR_VALIDATION;
	}
	hb->holding = 0;
	if (out.recorded) {
		/* Sent and recorded, or put back to wait: nothing to add. */
	} else if (rc == ERR_OK) {
		if (outbox_done(&app->traffic, &job, me) != ERR_OK)
			log_warnx("could not mark job %lld done", job.id);
	} else if (outbox_fail(&app->traffic, &job, me, out.error,
	               out.retry_after, out.permanent, max, &dead) == ERR_OK &&
	    dead) {
		if (jobs_dead(j, &job) != ERR_OK)
			log_warnx("could not follow up dead job %lld", job.id);
	}
	outbox_job_free(&job);
	return 1;
}

int
main(int argc, char *argv[])
{
	struct sales_ctx s;
	struct alerts al;
	struct app app;
	struct jobs j;
	struct heartbeat hb;
	char me[128], host[64];
	time_t next_replay, next_schedule, next_beat, next_retention;
	time_t next_catch_up;
	long long sales, leads;
	long poll;
	int lease, max, busy;

	if (app_init(&app, "worker", 0, argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (app.quit || app.check) {
		int rc = app.check ? app_check(&app, APP_TRAFFIC) : 0;

		app_free(&app);
		return rc;
	}
	if (app_need(&app, APP_TRAFFIC) != ERR_OK) {
		app_free(&app);
		return EXIT_FAILURE;
	}
	app_probe(&app);
	sales_ctx_init(&s, &app);
	if (jobs_init(&j, &s) != ERR_OK) {
		sales_ctx_free(&s);
		app_free(&app);
		return EXIT_FAILURE;
	}
	if (alerts_init(&al, &app) != ERR_OK) {
		jobs_free(&j);
		sales_ctx_free(&s);
		app_free(&app);
		return EXIT_FAILURE;
	}
	metrics_open(cfg_str(&app.cfg, CFG_RUN_DIR));
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(me, sizeof(me), "%s:%d", host, (int)getpid());
	srand((unsigned int)(time(NULL) ^ getpid()));
	lease = (int)cfg_int(&app.cfg, CFG_OUTBOX_CLAIM_TIMEOUT);
	max = (int)cfg_int(&app.cfg, CFG_OUTBOX_MAX_ATTEMPTS);
	poll = (long)cfg_int(&app.cfg, CFG_WORKER_POLL_MS);
	memset(&hb, 0, sizeof(hb));
	hb.app = &app;
	hb.me = me;
	hb.lease = lease;
	j.me = me;
	j.http.tick = beat;
	j.http.tick_arg = &hb;
	if (*cfg_str(&app.cfg, CFG_FB_ACCESS_TOKEN) != '\0') {
		struct fb_status fst;
		char why[200];

		if (fb_import_rates_check(&app.cfg, why, sizeof(why)) !=
		    ERR_OK) {
			log_warnx("%s", why);
			metrics_close();
			alerts_free(&al);
			jobs_free(&j);
			sales_ctx_free(&s);
			app_free(&app);
			return EXIT_FAILURE;
		}
		if (fb_init(&fbc, &j.http, &app.cfg, &fst) == ERR_OK)
			has_fb = 1;
		else
			log_warnx("no Facebook spend import: %s", fst.reason);
	}
	proc_on_stop(onsignal);
	log_info("worker %s started", me);
	next_replay = next_schedule = next_beat = next_retention = 0;
	next_catch_up = 0;
	while (!stopping) {
		if (time(NULL) >= next_replay) {
			replay(&s);
			next_replay = time(NULL) + SPOOL_INTERVAL;
			next_catch_up = 0;
		}
		if (time(NULL) >= next_catch_up) {
			/*
			 * The sales statistics and the funnel's sums, out of
			 * the webhooks' transactions, a batch at a time (each
			 * its own transaction): while there was one, the next
			 * comes at once, after a job; then as the spool.
			 */
			next_catch_up = next_replay;
			if (funnel_catch_up(&app.traffic, STATS_BATCH, &sales,
			        &leads) != ERR_OK) {
				log_warnx("could not bring the sales statistics"
				          " and the funnel up to date");
				sales = leads = 0;
			}
			if (sales > 0 || leads > 0)
				next_catch_up = 0;
		}
		if (time(NULL) >= next_beat) {
			if (health_beat(&app.traffic, me, host,
			        (int)getpid()) != ERR_OK)
				log_warnx("could not record the heartbeat");
			next_beat = time(NULL) + BEAT_INTERVAL;
		}
		if (time(NULL) >= next_retention) {
			retention(&app);
			next_retention = time(NULL) + RETENTION_INTERVAL;
		}
		if (time(NULL) >= next_schedule) {
			schedule(&app, &j, me);
			schedule_pipelines(&app, &j, me);
			if (has_fb &&
			    fb_import_tick(&app.traffic, &app.cfg, me, &busy) !=
			        ERR_OK)
				log_warnx("could not queue the Facebook "
				          "spend imports");
			alerts_tick(&al, me);
			sweep(&s, &j, &al, me);
			next_schedule = time(NULL) + 1;
		}
		if (app.traffic.failures > 0) {
			/* The database is away: look again later and later. */
			nap(backoff(app.traffic.failures, poll));
			if (stopping || db_connect(&app.traffic) != ERR_OK)
				continue;
		}
		/*
		 * The lanes (io/outbox.h): an announce-lane job before each
		 * bulk job, so an announcement waits for one bulk job at most
		 * and a stream of announcements still lets bulk work through.
		 */
		busy = one(&app, &j, &hb, max, OUTBOX_LANE_ANNOUNCE);
		if (!stopping)
			busy |= one(&app, &j, &hb, max, OUTBOX_LANE_BULK);
		if (!busy)
			nap(poll);
	}
	health_unbeat(&app.traffic, me);
	log_info("worker %s stopped", me);
	if (has_fb)
		fb_free(&fbc);
	alerts_free(&al);
	metrics_close();
	jobs_free(&j);
	sales_ctx_free(&s);
	app_free(&app);
	return EXIT_SUCCESS;
}

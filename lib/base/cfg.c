#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/cfg.h"
#include "base/log.h"
#include "base/secret.h"

#define MAX_ID 999999999999LL /* an amoCRM field id */

const struct cfg_var cfg_vars[CFG__MAX] = {
	[CFG_TRAFFIC_DATABASE_URL] = { .name = "TRAFFIC_DATABASE_URL",
	    .secret = 1,
	    .help = "libpq URI of the traffic database" },
	[CFG_LANDING_DATABASE_URL] = { .name = "LANDING_DATABASE_URL",
	    .secret = 1,
	    .help = "libpq URI of the landing database" },
	[CFG_TRIPWIRE_DATABASE_URL] = { .name = "TRIPWIRE_DATABASE_URL",
	    .secret = 1,
	    .help = "libpq URI of the tripwire database (health checks "
	            "only)" },
	[CFG_AMOCRM_DOMAIN] = { .name = "AMOCRM_DOMAIN",
	    .def = "onaiagencykz",
	    .help = "amoCRM account subdomain" },
	[CFG_AMOCRM_BASE_URL] = { .name = "AMOCRM_BASE_URL",
	    .help = "amoCRM API base URL; default "
	            "https://<AMOCRM_DOMAIN>.amocrm.ru" },
	[CFG_AMOCRM_ACCESS_TOKEN] = { .name = "AMOCRM_ACCESS_TOKEN",
	    .secret = 1,
	    .help = "amoCRM long-lived access token" },
	[CFG_AMOCRM_RATE_LIMIT] = { .name = "AMOCRM_RATE_LIMIT",
	    .type = CFG_INT,
	    .def = "7",
	    .min = 1,
	    .max = 1000,
	    .help = "amoCRM requests per second, shared by all processes of "
	            "a host" },
	[CFG_AMOCRM_UTM_SOURCE_FIELD] = { .name = "AMOCRM_UTM_SOURCE_FIELD",
	    .type = CFG_INT,
	    .def = "434731",
	    .max = MAX_ID,
	    .help = "field id of utm_source (0: by name only)" },
	[CFG_AMOCRM_UTM_MEDIUM_FIELD] = { .name = "AMOCRM_UTM_MEDIUM_FIELD",
	    .type = CFG_INT,
	    .def = "434727",
	    .max = MAX_ID,
	    .help = "field id of utm_medium" },
	[CFG_AMOCRM_UTM_CAMPAIGN_FIELD] = { .name = "AMOCRM_UTM_CAMPAIGN_FIELD",
	    .type = CFG_INT,
	    .def = "434729",
	    .max = MAX_ID,
	    .help = "field id of utm_campaign" },
	[CFG_AMOCRM_UTM_CONTENT_FIELD] = { .name = "AMOCRM_UTM_CONTENT_FIELD",
	    .type = CFG_INT,
	    .def = "434725",
	    .max = MAX_ID,
	    .help = "field id of utm_content" },
	[CFG_AMOCRM_UTM_TERM_FIELD] = { .name = "AMOCRM_UTM_TERM_FIELD",
	    .type = CFG_INT,
	    .def = "434733",
	    .max = MAX_ID,
	    .help = "field id of utm_term" },
	[CFG_AMOCRM_UTM_REFERRER_FIELD] = { .name = "AMOCRM_UTM_REFERRER_FIELD",
	    .type = CFG_INT,
	    .def = "434735",
	    .max = MAX_ID,
	    .help = "field id of utm_referrer" },
	[CFG_AMOCRM_FBCLID_FIELD] = { .name = "AMOCRM_FBCLID_FIELD",
	    .type = CFG_INT,
	    .def = "434761",
	    .max = MAX_ID,
	    .help = "field id of fbclid" },
	[CFG_TELEGRAM_BOT_TOKEN] = { .name = "TELEGRAM_BOT_TOKEN",
	    .secret = 1,
	    .help = "Telegram bot token" },
	[CFG_TELEGRAM_CHAT_ID] = { .name = "TELEGRAM_CHAT_ID",
	    .help = "default chat for sale announcements" },
	[CFG_TELEGRAM_API_URL] = { .name = "TELEGRAM_API_URL",
	    .def = "https://api.telegram.org",
	    .help = "Telegram Bot API base URL" },
	[CFG_TELEGRAM_REPORTS_ENABLED] = { .name = "TELEGRAM_REPORTS_ENABLED",
	    .type = CFG_BOOL,
	    .def = "true",
	    .help = "false mutes sale announcements" },
	[CFG_MAX_BODY] = { .name = "AMOSYNC_MAX_BODY",
	    .type = CFG_INT,
	    .def = "1048576",
	    .min = 1024,
	    .max = 1073741824,
	    .help = "largest request body, bytes" },
	[CFG_WEBHOOK_MAX_BODY] = { .name = "AMOSYNC_WEBHOOK_MAX_BODY",
	    .type = CFG_INT,
	    .def = "16777216",
	    .min = 1024,
	    .max = 1073741824,
	    .help = "largest webhook body, bytes (a bulk delivery of 6,000 "
	            "leads is up to ~8 MB)" },
	[CFG_MAX_SALE_AMOUNT] = { .name = "AMOSYNC_MAX_SALE_AMOUNT",
	    .type = CFG_INT,
	    .def = "100000000",
	    .min = 1,
	    .max = 9999999999999LL,
	    .help = "largest plausible sale, whole tenge: a sale above it is "
	            "kept, counted and flagged (amount_over_max)" },
	[CFG_MAX_PAIRS] = { .name = "AMOSYNC_MAX_PAIRS",
	    .type = CFG_INT,
	    .def = "500000",
	    .min = 1,
	    .max = 10000000,
	    .help = "most form fields per body" },
	[CFG_MAX_DEPTH] = { .name = "AMOSYNC_MAX_DEPTH",
	    .type = CFG_INT,
	    .def = "12",
	    .min = 2,
	    .max = 64,
	    .help = "deepest form key, segments" },
	[CFG_MAX_KEY] = { .name = "AMOSYNC_MAX_KEY",
	    .type = CFG_INT,
	    .def = "512",
	    .min = 16,
	    .max = 65536,
	    .help = "longest form key, bytes" },
	[CFG_MAX_VALUE] = { .name = "AMOSYNC_MAX_VALUE",
	    .type = CFG_INT,
	    .def = "65536",
	    .min = 16,
	    .max = 1073741824,
	    .help = "longest form value, bytes" },
	[CFG_TIMEZONE] = { .name = "AMOSYNC_TIMEZONE",
	    .type = CFG_TZ,
	    .def = "Asia/Almaty",
	    .help = "business time zone for sale dates" },
	[CFG_SPOOL_DIR] = { .name = "AMOSYNC_SPOOL_DIR",
	    .help = "where webhooks wait while the database is down" },
	[CFG_RUN_DIR] = { .name = "AMOSYNC_RUN_DIR",
	    .def = "/run/amosync",
	    .help = "sockets, rate-limit state and locks" },
	[CFG_SOCKET_MODE] = { .name = "AMOSYNC_SOCKET_MODE",
	    .type = CFG_MODE,
	    .def = "0660",
	    .min = 0,
	    .max = 0777,
	    .help = "permissions of the FastCGI sockets (octal)" },
	[CFG_LOG_LEVEL] = { .name = "AMOSYNC_LOG_LEVEL",
	    .type = CFG_ENUM,
	    .def = "info",
	    .choices = "debug info warn error",
	    .help = "debug, info, warn or error" },
	[CFG_HEALTH_TIMEOUT] = { .name = "AMOSYNC_HEALTH_TIMEOUT",
	    .type = CFG_INT,
	    .def = "20",
	    .min = 1,
	    .max = 600,
	    .help = "seconds for health-check calls" },
	[CFG_SYNC_TIMEOUT] = { .name = "AMOSYNC_SYNC_TIMEOUT",
	    .type = CFG_INT,
	    .def = "30",
	    .min = 1,
	    .max = 600,
	    .help = "seconds for sync calls to amoCRM" },
	[CFG_OUTBOX_MAX_ATTEMPTS] = { .name = "AMOSYNC_OUTBOX_MAX_ATTEMPTS",
	    .type = CFG_INT,
	    .def = "8",
	    .min = 1,
	    .max = 100,
	    .help = "attempts before a job becomes a dead letter" },
	[CFG_OUTBOX_CLAIM_TIMEOUT] = { .name = "AMOSYNC_OUTBOX_CLAIM_TIMEOUT",
	    .type = CFG_INT,
	    .def = "15",
	    .min = 3,
	    .max = 86400,
	    .help = "seconds a claimed job's lease lasts; the worker renews "
	            "it every third of that while the job runs, so a dead "
	            "worker's job is taken over after at most this long" },
	[CFG_ADMIN_USER] = { .name = "AMOSYNC_ADMIN_USER",
	    .help = "name recorded in audit rows when nginx passes none" },
	[CFG_WORKER_POLL_MS] = { .name = "AMOSYNC_WORKER_POLL_MS",
	    .type = CFG_INT,
	    .def = "500",
	    .min = 10,
	    .max = 60000,
	    .help = "how often an idle worker looks for jobs, "
	            "milliseconds" },
	[CFG_PROCS] = { .name = "AMOSYNC_PROCS",
	    .type = CFG_INT,
	    .def = "4",
	    .min = 0,
	    .max = 256,
	    .help = "worker processes of each FastCGI program (0: one "
	            "process, no pool); -n overrides" },
	[CFG_MAX_REQUESTS] = { .name = "AMOSYNC_MAX_REQUESTS",
	    .type = CFG_INT,
	    .def = "0",
	    .min = 0,
	    .max = 1000000000,
	    .help = "a worker process is replaced after this many requests "
	            "(0: never)" },
	[CFG_STOP_TIMEOUT] = { .name = "AMOSYNC_STOP_TIMEOUT",
	    .type = CFG_INT,
	    .def = "10",
	    .min = 1,
	    .max = 600,
	    .help = "seconds a stop or swap waits for requests in progress" },
	[CFG_TEST_NOTIFY_WAIT] = { .name = "AMOSYNC_TEST_NOTIFY_WAIT",
	    .type = CFG_INT,
	    .def = "10",
	    .min = 0,
	    .max = 60,
	    .help = "seconds test-sale-notification waits for the "
	            "outcome" },
	[CFG_USD_KZT_RATE] = { .name = "AMOSYNC_USD_KZT_RATE",
	    .help = "KZT per USD for ad spend uploaded in USD without a rate "
	            "of its own (empty: such rows are refused)" },
	[CFG_AMOCRM_EXPRESS_PIPELINE] = { .name = "AMOCRM_EXPRESS_PIPELINE_ID",
	    .type = CFG_INT,
	    .def = "10350882",
	    .min = 1,
	    .max = MAX_ID,
	    .help = "the Express pipeline: landing leads are synced with "
	            "its leads and pushed into it" },
	[CFG_AMOCRM_PUSH_STATUS] = { .name = "AMOCRM_PUSH_STATUS_ID",
	    .type = CFG_INT,
	    .def = "81856842",
	    .min = 1,
	    .max = MAX_ID,
	    .help = "stage of a landing lead pushed to amoCRM" },
	[CFG_SYNC_LIMIT] = { .name = "AMOSYNC_SYNC_LIMIT",
	    .type = CFG_INT,
	    .def = "500",
	    .min = 1,
	    .max = 100000,
	    .help = "amoCRM leads a sync reads when the request names no "
	            "limit" },
	[CFG_SYNC_LIMIT_MAX] = { .name = "AMOSYNC_SYNC_LIMIT_MAX",
	    .type = CFG_INT,
	    .def = "5000",
	    .min = 1,
	    .max = 100000,
	    .help = "the largest limit a sync request may ask for" },
	[CFG_SYNC_INTERVAL] = { .name = "AMOSYNC_SYNC_INTERVAL",
	    .type = CFG_INT,
	    .def = "21600",
	    .min = 0,
	    .max = 604800,
	    .help = "seconds between scheduled syncs run by the workers "
	            "(0: none)" },
	[CFG_SYNC_LEASE] = { .name = "AMOSYNC_SYNC_LEASE",
	    .type = CFG_INT,
	    .def = "180",
	    .min = 2,
	    .max = 3600,
	    .help = "seconds a sync's lease lasts unless renewed; a run "
	            "whose process died blocks no longer" },
	[CFG_SYNC_LIST_MAX] = { .name = "AMOSYNC_SYNC_LIST_MAX",
	    .type = CFG_INT,
	    .def = "100",
	    .min = 0,
	    .max = 10000,
	    .help = "leads listed in a sync's synced and not_synced "
	            "arrays (the totals count all)" },
	[CFG_LOG_FORMAT] = { .name = "AMOSYNC_LOG_FORMAT",
	    .type = CFG_ENUM,
	    .def = "plain",
	    .choices = "plain json",
	    .help = "log lines as plain text or one JSON object a line" },
	[CFG_LOG_SYSLOG] = { .name = "AMOSYNC_LOG_SYSLOG",
	    .type = CFG_BOOL,
	    .def = "false",
	    .help = "prefix log lines with a syslog priority (<3>..<7>); "
	            "on by itself when stderr is the journal" },
	[CFG_TELEGRAM_ALERT_CHAT_ID] = { .name = "TELEGRAM_ALERT_CHAT_ID",
	    .help = "ops chat for health alerts (empty: alerts only logged)" },
	[CFG_ALERT_INTERVAL] = { .name = "AMOSYNC_ALERT_INTERVAL",
	    .type = CFG_INT,
	    .def = "60",
	    .min = 0,
	    .max = 86400,
	    .help = "seconds between the workers' health checks for alerts "
	            "(0: none)" },
	[CFG_ALERT_REMIND] = { .name = "AMOSYNC_ALERT_REMIND",
	    .type = CFG_INT,
	    .def = "14400",
	    .min = 60,
	    .max = 604800,
	    .help = "seconds between reminders of a check that stays "
	            "failing" },
	[CFG_SWEEP_INTERVAL] = { .name = "AMOSYNC_SWEEP_INTERVAL",
	    .type = CFG_INT,
	    .def = "900",
	    .min = 0,
	    .max = 86400,
	    .help = "seconds between reconciliation sweeps of amoCRM's "
	            "changed leads (0: none)" },
	[CFG_PIPELINES_SYNC_INTERVAL] = { .name =
	                                      "AMOSYNC_PIPELINES_SYNC_INTERVAL",
	    .type = CFG_INT,
	    .def = "3600",
	    .min = 0,
	    .max = 86400,
	    .help = "seconds between syncs of the pipelines and their stages "
	            "from amoCRM (0: only on demand)" },
	[CFG_SWEEP_OVERLAP] = { .name = "AMOSYNC_SWEEP_OVERLAP",
	    .type = CFG_INT,
	    .def = "300",
	    .min = 0,
	    .max = 86400,
	    .help = "seconds each sweep's window reaches back before the "
	            "end of the previous one" },
	[CFG_SPOOL_MAX_AGE] = { .name = "AMOSYNC_SPOOL_MAX_AGE",
	    .type = CFG_INT,
	    .def = "300",
	    .min = 1,
	    .max = 86400,
	    .help = "seconds a spooled webhook may wait before health "
	            "fails" },
	[CFG_HEARTBEAT_MAX_AGE] = { .name = "AMOSYNC_HEARTBEAT_MAX_AGE",
	    .type = CFG_INT,
	    .def = "120",
	    .min = 5,
	    .max = 86400,
	    .help = "seconds without a worker heartbeat before health "
	            "fails" },
	[CFG_PUBLIC_URL] = { .name = "AMOSYNC_PUBLIC_URL",
	    .help = "public https://host of the webhooks: where amosync-ctl "
	            "amocrm setup registers them, how the checks find them "
	            "(empty: match by path); and of the dashboards, for the "
	            "alerts' links" },
	[CFG_WEBHOOK_SECRETS] = { .name = "AMOSYNC_WEBHOOK_SECRETS",
	    .type = CFG_SECRETS,
	    .secret = 1,
	    .help = "secrets accepted in the webhook URLs' ?token= "
	            "(comma-separated, 16+ characters each, several while "
	            "rotating; empty: webhooks open)" },
	[CFG_WEBHOOK_ALLOW] = { .name = "AMOSYNC_WEBHOOK_ALLOW",
	    .help = "addresses or CIDR ranges nginx lets post to the "
	            "webhook URLs, comma-separated (scripts/render-nginx; "
	            "empty: any)" },
	[CFG_REJECTED_BODY_MAX] = { .name = "AMOSYNC_REJECTED_BODY_MAX",
	    .type = CFG_INT,
	    .def = "16384",
	    .min = 0,
	    .max = 1073741824,
	    .help = "bytes of a rejected webhook body kept in "
	            "webhook_requests (the full size is recorded)" },
	[CFG_PROCESSORS] = { .name = "AMOSYNC_PROCESSORS",
	    .type = CFG_INT,
	    .def = "4",
	    .min = 1,
	    .max = 64,
	    .help = "processors of each webhook program, applying its queued "
	            "deliveries side by side" },
	[CFG_INBOX_BATCH] = { .name = "AMOSYNC_INBOX_BATCH",
	    .type = CFG_INT,
	    .def = "200",
	    .min = 1,
	    .max = 100000,
	    .help = "most queued deliveries a processor applies in one "
	            "transaction" },
	[CFG_INBOX_POLL_MS] = { .name = "AMOSYNC_INBOX_POLL_MS",
	    .type = CFG_INT,
	    .def = "100",
	    .min = 10,
	    .max = 60000,
	    .help = "milliseconds a processor waits before looking into an "
	            "empty inbox again" },
	[CFG_INBOX_ATTEMPTS] = { .name = "AMOSYNC_INBOX_ATTEMPTS",
	    .type = CFG_INT,
	    .def = "8",
	    .min = 1,
	    .max = 1000,
	    .help = "times a delivery that cannot be applied is tried before "
	            "it is set aside (dead)" },
	[CFG_RETENTION_DAYS] = { .name = "AMOSYNC_RETENTION_DAYS",
	    .type = CFG_INT,
	    .def = "90",
	    .min = 0,
	    .max = 36500,
	    .help = "days webhook_requests, finished outbox jobs and sync "
	            "runs are kept (0: forever)" },
	[CFG_WEBHOOK_RATE] = { .name = "AMOSYNC_WEBHOOK_RATE",
	    .type = CFG_INT,
	    .def = "50",
	    .min = 1,
	    .max = 100000,
	    .help = "webhook requests a second per client address in nginx "
	            "(scripts/render-nginx)" },
	[CFG_WEBHOOK_BURST] = { .name = "AMOSYNC_WEBHOOK_BURST",
	    .type = CFG_INT,
	    .def = "1000",
	    .min = 1,
	    .max = 1000000,
	    .help = "webhook requests nginx lets through at once above the "
	            "rate (amoCRM's bulk deliveries)" },
	[CFG_ADMIN_RATE] = { .name = "AMOSYNC_ADMIN_RATE",
	    .type = CFG_INT,
	    .def = "20",
	    .min = 1,
	    .max = 100000,
	    .help = "admin API requests a second per client address in "
	            "nginx (burst 100)" },
	[CFG_NGINX_HOOK_LOG] = { .name = "AMOSYNC_NGINX_HOOK_LOG",
	    .def = "/var/log/nginx/amosync.access.log",
	    .help = "nginx's access log file for the webhook locations, "
	            "written without the query (scripts/render-nginx)" },
	[CFG_NGINX_LOG] = { .name = "AMOSYNC_NGINX_LOG",
	    .def = "/var/log/nginx/amosync.access.log",
	    .help = "nginx's access log file for amosync's other locations "
	            "(scripts/render-nginx); the site's own log is left "
	            "alone" },
	[CFG_UI_DIR] = { .name = "AMOSYNC_UI_DIR",
	    .def = "/usr/local/share/amosync/ui",
	    .help = "directory of the dashboards' files that nginx serves "
	            "(scripts/render-nginx)" },
	[CFG_TELEGRAM_RATE_LIMIT] = { .name = "TELEGRAM_RATE_LIMIT",
	    .type = CFG_INT,
	    .def = "25",
	    .min = 1,
	    .max = 1000,
	    .help = "Telegram messages per second for the whole bot, shared "
	            "by all processes of a host (Telegram allows about 30)" },
	[CFG_TELEGRAM_CHAT_RATE_LIMIT] = { .name = "TELEGRAM_CHAT_RATE_LIMIT",
	    .type = CFG_INT,
	    .def = "20",
	    .min = 1,
	    .max = 600,
	    .help = "Telegram messages per minute to one chat, across all "
	            "workers (Telegram allows about 20 in a group); more "
	            "sales waiting for one chat go out as one digest" },
	[CFG_AMOCRM_FLAGSHIP_PIPELINE] = { .name =
	                                       "AMOCRM_FLAGSHIP_PIPELINE_ID",
	    .type = CFG_INT,
	    .def = "10418746",
	    .min = 0,
	    .max = MAX_ID,
	    .help = "the Flagship pipeline: each of its sales is announced "
	            "on its own, never in a digest (0: none)" },
	[CFG_ANNOUNCE_ALONE_AMOUNT] = { .name = "AMOSYNC_ANNOUNCE_ALONE_AMOUNT",
	    .type = CFG_INT,
	    .def = "490000",
	    .min = 0,
	    .max = 1000000000000LL,
	    .help = "a sale of at least this many tenge is announced on "
	            "its own, never in a digest (0: no amount is)" },
	[CFG_FB_ACCESS_TOKEN] = { .name = "FB_ACCESS_TOKEN",
	    .secret = 1,
	    .help = "Facebook system user's access token with ads_read "
	            "(empty: no spend is imported)" },
	[CFG_FB_API_URL] = { .name = "FB_API_URL",
	    .def = "https://graph.facebook.com",
	    .help = "Facebook Graph API base URL" },
	[CFG_FB_API_VERSION] = { .name = "FB_API_VERSION",
	    .def = "v24.0",
	    .help = "Graph API version of every Facebook call (vNN.N)" },
	[CFG_FB_IMPORT_INTERVAL] = { .name = "AMOSYNC_FB_IMPORT_INTERVAL",
	    .type = CFG_INT,
	    .def = "3600",
	    .min = 0,
	    .max = 604800,
	    .help = "seconds between imports of yesterday's and today's "
	            "spend of every ad account (0: never)" },
	[CFG_FB_REVISE_INTERVAL] = { .name = "AMOSYNC_FB_REVISE_INTERVAL",
	    .type = CFG_INT,
	    .def = "86400",
	    .min = 0,
	    .max = 2592000,
	    .help = "seconds between imports of the last "
	            "AMOSYNC_FB_REVISE_DAYS days, which Facebook revises "
	            "(0: never)" },
	[CFG_FB_REVISE_DAYS] = { .name = "AMOSYNC_FB_REVISE_DAYS",
	    .type = CFG_INT,
	    .def = "7",
	    .min = 2,
	    .max = 90,
	    .help = "days the revising import reads, today included" },
	[CFG_FB_RATE_WAIT] = { .name = "AMOSYNC_FB_RATE_WAIT",
	    .type = CFG_INT,
	    .def = "300",
	    .min = 1,
	    .max = 86400,
	    .help = "seconds an import waits after a Facebook rate limit "
	            "that names no time" },
	[CFG_FB_USAGE_MAX] = { .name = "AMOSYNC_FB_USAGE_MAX",
	    .type = CFG_INT,
	    .def = "90",
	    .min = 10,
	    .max = 100,
	    .help = "usage percentage (Facebook's usage headers) at which an "
	            "import pauses before the limit is hit" },
	[CFG_FB_RATES] = { .name = "AMOSYNC_FB_RATES",
	    .help = "KZT per unit of other ad account currencies, "
	            "\"EUR=510.5,RUB=5.2\" (USD: AMOSYNC_USD_KZT_RATE unless "
	            "given here)" },
	[CFG_FB_LEASE] = { .name = "AMOSYNC_FB_LEASE",
	    .type = CFG_INT,
	    .def = "120",
	    .min = 5,
	    .max = 3600,
	    .help = "seconds an account's import holds its lock without "
	            "renewing it" },
	[CFG_FB_BACKFILL_DAYS] = { .name = "AMOSYNC_FB_BACKFILL_DAYS",
	    .type = CFG_INT,
	    .def = "400",
	    .min = 1,
	    .max = 1100,
	    .help = "most days one backfill may ask for" },
};

static enum err put(struct cfg *, enum cfg_key, const char *, size_t);
static int lookup(const char *, size_t);

/* Names of the same prefixes that are known but not rows (cfg_also_known). */
static const char *const *also_known;

void
cfg_also_known(const char *const *names)
{
	also_known = names;
}

int
cfg_lookup(const char *name, size_t n)
{
	return lookup(name, n);
}

/* Edit distance of a[0..n) and b, for the nearest name to a typo. */
static size_t
distance(const char *a, size_t n, const char *b)
{
	size_t m = strlen(b), i, j, d[80], prev, tmp;

	if (n >= sizeof(d) / sizeof(d[0]) || m >= sizeof(d) / sizeof(d[0]))
		return (size_t)-1;
	for (j = 0; j <= m; j++)
		d[j] = j;
	for (i = 1; i <= n; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= m; j++) {
			tmp = d[j];
			d[j] = prev + (a[i - 1] != b[j - 1]);
			if (d[j - 1] + 1 < d[j])
				d[j] = d[j - 1] + 1;
			if (tmp + 1 < d[j])
				d[j] = tmp + 1;
			prev = tmp;
		}
	}
	return d[m];
}

/*
 * Returns 1 if name[0..n) starts with the prefix of a row of the table
 * (its name up to the first '_', such as AMOSYNC_ or TELEGRAM_).
 */
static int
our_prefix(const char *name, size_t n)
{
	const char *u;
	size_t len;
	int k;

	for (k = 0; k < CFG__MAX; k++) {
		if ((u = strchr(cfg_vars[k].name, '_')) == NULL)
			continue;
		len = (size_t)(u - cfg_vars[k].name) + 1;
		if (n > len && strncmp(name, cfg_vars[k].name, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * Warns about name[0..n) if it has the prefix of a row but is neither a
 * row of the table nor a name of cfg_also_known(). where is "" or
 * "file:line: ". Returns 1 if it warned.
 */
static int
unknown(const char *where, const char *name, size_t n)
{
	size_t best = (size_t)-1, d;
	int i, k, near = -1;

	if (!our_prefix(name, n) || lookup(name, n) >= 0)
		return 0;
	for (i = 0; also_known != NULL && also_known[i] != NULL; i++)
		if (strlen(also_known[i]) == n &&
		    strncmp(also_known[i], name, n) == 0)
			return 0;
	for (k = 0; k < CFG__MAX; k++)
		if ((d = distance(name, n, cfg_vars[k].name)) < best) {
			best = d;
			near = k;
		}
	if (near >= 0 && best <= 3)
		log_warnx("%sunknown variable %.*s (a typo? did you mean %s?)",
		    where, (int)n, name, cfg_vars[near].name);
	else
		log_warnx("%sunknown variable %.*s (a typo?)", where, (int)n,
		    name);
	return 1;
}

int
cfg_warn_unknown(void)
{
	extern char **environ;
	char **e;
	int n = 0;

	for (e = environ; e != NULL && *e != NULL; e++) {
		const char *eq = strchr(*e, '=');

		if (eq != NULL)
			n += unknown("environment: ", *e, (size_t)(eq - *e));
	}
	return n;
}

static int
lookup(const char *name, size_t n)
{
	int k;

	for (k = 0; k < CFG__MAX; k++)
		if (strlen(cfg_vars[k].name) == n &&
		    strncmp(cfg_vars[k].name, name, n) == 0)
			return k;
	return -1;
}

/*
 * Reads KEY=VALUE lines from path. Blank lines and '#' comments are
 * skipped, "export " is allowed, and a value may be wrapped in single or
 * double quotes. Unknown keys are skipped so that one env file can serve
 * other programs too, with a warning for those of amosync's prefixes.
 */
static enum err
readfile(struct cfg *c, const char *path)
{
	FILE *fp;
	char line[8192];
	int lineno = 0;
	enum err rc = ERR_OK, r;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("could not open env file %s", path);
		return ERR_CONFIG;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *p = line, *eq, *v, *e;
		size_t len;
		int k;

		lineno++;
		len = strlen(p);
		if (len > 0 && p[len - 1] != '\n' && !feof(fp)) {
			log_warnx("%s:%d: line too long", path, lineno);
			rc = ERR_CONFIG;
			break;
		}
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		if ((eq = strchr(p, '=')) == NULL) {
			log_warnx("%s:%d: expected KEY=VALUE", path, lineno);
			rc = ERR_CONFIG;
			break;
		}
		e = eq;
		while (e > p && isspace((unsigned char)e[-1]))
			e--;
		v = eq + 1;
		len = strlen(v);
		while (len > 0 && isspace((unsigned char)v[len - 1]))
			len--;
		while (len > 0 && isspace((unsigned char)*v))
			v++, len--;
		if (len >= 2 && (v[0] == '"' || v[0] == '\'') &&
		    v[len - 1] == v[0])
			v++, len -= 2;
		if ((k = lookup(p, (size_t)(e - p))) < 0) {
			char where[600];

			snprintf(where, sizeof(where), "%s:%d: ", path, lineno);
			c->unknown += unknown(where, p, (size_t)(e - p));
			continue;
		}
		/* Go on: every bad value is reported, not only the first. */
		if ((r = put(c, k, v, len)) != ERR_OK && rc == ERR_OK)
			rc = r;
		if (r == ERR_NOMEM)
			break;
	}
	fclose(fp);
	return rc;
}

/* Parses a whole integer in base (10 or 8) without sign games. */
static int
whole(const char *v, int base, long long *out)
{
	char *end;

	if (*v == '\0' || !(isdigit((unsigned char)*v) || *v == '-'))
		return 0;
	errno = 0;
	*out = strtoll(v, &end, base);
	return errno == 0 && *end == '\0';
}

/* Returns 1 if word is one of the space-separated words of list. */
static int
oneof(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (n > 0 && (p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Returns 1 if v names a zone of the tz database: UTC, or a file of
 * TZDIR (default /usr/share/zoneinfo) that starts with the TZif magic.
 * glibc would take any other name silently as UTC.
 */
static int
zone(const char *v)
{
	const char *dir = getenv("TZDIR"); /* as glibc reads it */
	char path[512], magic[4];
	FILE *fp;
	size_t i;
	int good;

	if (strcmp(v, "UTC") == 0)
		return 1;
	if (*v == '\0' || *v == '/' || strstr(v, "..") != NULL)
		return 0;
	for (i = 0; v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) &&
		    strchr("/_+-", v[i]) == NULL)
			return 0;
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, v) >=
	    sizeof(path))
		return 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return 0;
	good = fread(magic, 1, sizeof(magic), fp) == sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	fclose(fp);
	return good;
}

enum err
cfg_check(enum cfg_key k, const char *v, long long *num, char *reason,
    size_t len)
{
	const struct cfg_var *r = &cfg_vars[k];
	long long n = 0;

	*num = 0;
	switch (r->type) {
	case CFG_STR:
		return ERR_OK;
	case CFG_INT:
		if (!whole(v, 10, &n) || n < r->min || n > r->max) {
			snprintf(reason, len,
			    "must be a whole number from %lld to %lld", r->min,
			    r->max);
			return ERR_CONFIG;
		}
		break;
	case CFG_MODE:
		if (v[0] != '0' || !whole(v, 8, &n) || n < r->min ||
		    n > r->max) {
			snprintf(reason, len,
			    "must be an octal mode such as 0660");
			return ERR_CONFIG;
		}
		break;
	case CFG_BOOL:
		/* Exactly the two words the docs print: a "yes" that some
		 * program reads as true and another as false is refused. */
		if (strcmp(v, "true") == 0)
			n = 1;
		else if (strcmp(v, "false") != 0) {
			snprintf(reason, len, "must be true or false");
			return ERR_CONFIG;
		}
		break;
	case CFG_SECRETS:
		/* The programs that take webhooks refuse a bad list; every
		 * program (and --check) refuses it as they would. */
		{
			int count;

			return secret_list_check(v, &count, reason, len);
		}
	case CFG_TZ:
		if (!zone(v)) {
			snprintf(reason, len,
			    "must be a time zone of the tz database, such as "
			    "Asia/Almaty or UTC");
			return ERR_CONFIG;
		}
		return ERR_OK;
	case CFG_ENUM:
		if (!oneof(r->choices, v)) {
			snprintf(reason, len, "must be one of: %s", r->choices);
			return ERR_CONFIG;
		}
		return ERR_OK;
	}
	*num = n;
	return ERR_OK;
}

/* Checks and stores v as the value of k; logs a refusal. */
static enum err
put(struct cfg *c, enum cfg_key k, const char *v, size_t n)
{
	char reason[128];
	long long num;
	char *p;

	if ((p = strndup(v, n)) == NULL)
		return ERR_NOMEM;
	if (cfg_check(k, p, &num, reason, sizeof(reason)) != ERR_OK) {
		if (cfg_vars[k].secret)
			log_errx("%s: %s", cfg_vars[k].name, reason);
		else
			log_errx("%s=\"%s\": %s", cfg_vars[k].name, p, reason);
		free(p);
		return ERR_CONFIG;
	}
	free(c->val[k]);
	c->val[k] = p;
	c->num[k] = num;
	return ERR_OK;
}

enum err
cfg_load(struct cfg *c, const char *path)
{
	enum err rc, r;
	int k;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < CFG__MAX; k++) {
		const char *d = cfg_vars[k].def ? cfg_vars[k].def : "";

		if ((rc = put(c, k, d, strlen(d))) != ERR_OK)
			goto out;
	}
	/* The file's and the environment's values are all checked, so one
	 * start reports every bad variable. */
	if (path != NULL && (rc = readfile(c, path)) == ERR_NOMEM)
		goto out;
	for (k = 0; k < CFG__MAX; k++) {
		const char *v = getenv(cfg_vars[k].name);

		if (v != NULL && (r = put(c, k, v, strlen(v))) != ERR_OK) {
			if (rc == ERR_OK)
				rc = r;
			if (r == ERR_NOMEM)
				goto out;
		}
	}
out:
	if (rc != ERR_OK)
		cfg_free(c);
	return rc;
}

void
cfg_free(struct cfg *c)
{
	int k;

	if (c == NULL)
		return;
	for (k = 0; k < CFG__MAX; k++) {
		free(c->val[k]);
		c->val[k] = NULL;
	}
}

const char *
cfg_str(const struct cfg *c, enum cfg_key k)
{
	return c->val[k] != NULL ? c->val[k] : "";
}

long long
cfg_int(const struct cfg *c, enum cfg_key k)
{
	assert(cfg_vars[k].type == CFG_INT || cfg_vars[k].type == CFG_MODE ||
	    cfg_vars[k].type == CFG_BOOL);
	return c->num[k];
}

int
cfg_bool(const struct cfg *c, enum cfg_key k)
{
	assert(cfg_vars[k].type == CFG_BOOL);
	return c->num[k] != 0;
}

enum err
cfg_set(struct cfg *c, enum cfg_key k, const char *v)
{
	return put(c, k, v, strlen(v));
}

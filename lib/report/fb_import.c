#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/jread.h"
#include "base/log.h"
#include "report/ad_spend.h"
#include "report/fb_import.h"
#include "report/out.h"

/*
 * The ad accounts of the active teams: fb_ad_account_id holds one or more
 * ids ("act_123", "123"), separated by commas, semicolons or spaces. An
 * account two teams name belongs to the first by position.
 */
#define ACCOUNTS                                                               \
	"SELECT DISTINCT ON (acct) t.id AS team_id, t.name AS team, acct"      \
	" FROM traffic_teams t, LATERAL (SELECT regexp_replace(s, '^act_',"    \
	" '') AS acct FROM regexp_split_to_table(coalesce(t.fb_ad_account_id," \
	" ''), '[,;[:space:]]+') AS s) a WHERE t.is_active AND acct ~"         \
	" '^[0-9]{1,20}$' ORDER BY acct, t.position, t.name"

/* The most rows one import holds before storing them (about 40 MiB). */
#define MAX_ROWS 200000

/* A job's dedup key: unique per request, so every slot imports anew. */
#define JOB_KEY(trigger)                                                       \
	"'fb_import:' || " trigger " || ':' || acct || ':' ||"                 \
	" to_char(clock_timestamp(), 'YYYYMMDDHH24MISSUS')"

static const char SQL_DUE_INIT[] =
    "INSERT INTO fb_import_schedule (kind, next_at) VALUES ($1, now())"
    " ON CONFLICT (kind) DO NOTHING";

/*
 * Claims the kind's slot and enqueues its jobs in one statement: the row
 * lock serialises the workers, and one that waited finds next_at moved
 * on and enqueues nothing.
 */
/* clang-format off */
static const char SQL_TICK[] =
    "WITH due AS (UPDATE fb_import_schedule SET next_at = now() +"
    " make_interval(secs => $2::int), claimed_by = $3, claimed_at = now()"
    " WHERE kind = $1 AND next_at <= now() RETURNING kind),"
    " d AS (SELECT (now() AT TIME ZONE $4)::date AS today)"
    " SELECT outbox_enqueue('fb_import', jsonb_build_object('account',"
    " acct, 'from', (today - $5::int + 1)::text, 'to', today::text,"
    " 'trigger', $1::text), " JOB_KEY("$1") ")"
    " FROM due, d, (" ACCOUNTS ") acc";
/* clang-format on */

/* clang-format off */
static const char SQL_REQUEST[] =
    "SELECT acct, team, outbox_enqueue('fb_import', jsonb_build_object("
    "'account', acct, 'from', $2::date::text, 'to', $3::date::text,"
    " 'trigger', 'backfill', 'requested_by', $4::text), "
    JOB_KEY("'backfill'") ") FROM (" ACCOUNTS ") acc"
    " WHERE $1::text IS NULL OR lower(team) = lower($1) ORDER BY acct";
/* clang-format on */

/* A run whose lease ran out: its worker died or hung. */
/* clang-format off */
static const char SQL_ABANDON[] =
    "UPDATE fb_import_runs SET status = 'abandoned', finished_at = now(),"
    " error = 'its worker stopped renewing the lock (it died or hung); the"
    " lock ran out at ' || " REPORT_TS("lease_until") " || ' UTC'"
    " WHERE account_id = $1 AND finished_at IS NULL AND lease_until < now()";
/* clang-format on */

/* One running run per account: the partial unique index decides. */
/* clang-format off */
static const char SQL_START[] =
    "INSERT INTO fb_import_runs (account_id, team_id, trigger, date_from,"
    " date_to, holder, requested_by, job_id, lease_until)"
    " SELECT $1, (SELECT team_id FROM (" ACCOUNTS ") acc WHERE acct = $1),"
    " $2, $3::date, $4::date, $5, $6, $7::bigint,"
    " now() + make_interval(secs => $8::int)"
    " ON CONFLICT (account_id) WHERE finished_at IS NULL DO NOTHING"
    " RETURNING id, team_id";
/* clang-format on */

/* Renews the lock; no row means the run was taken from us. */
static const char SQL_RENEW[] =
    "UPDATE fb_import_runs SET lease_until = now() + make_interval(secs =>"
    " $2::int), pages = $3::int, rows_read = $4::int, usage_pct ="
    " nullif(greatest(coalesce(usage_pct, -1), $5::int), -1)"
    " WHERE id = $1::bigint AND finished_at IS NULL RETURNING id";

static const char SQL_FINISH[] =
    "UPDATE fb_import_runs SET status = $2, finished_at = now(),"
    " pages = $3::int, rows_read = $4::int, rows_stored = $5::int,"
    " rows_removed = $6::int, rows_manual = $7::int, spend_kzt ="
    " $8::numeric, usage_pct = nullif(greatest(coalesce(usage_pct, -1),"
    " $9::int), -1), fb_code = nullif($10::int, 0), http_status ="
    " nullif($11::int, 0), error = $12"
    " WHERE id = $1::bigint AND finished_at IS NULL";

static const char SQL_PRUNE[] =
    "DELETE FROM fb_import_runs WHERE id IN (SELECT id FROM fb_import_runs"
    " WHERE finished_at IS NOT NULL AND started_at < now() -"
    " make_interval(days => $1::int) ORDER BY started_at LIMIT $2::int)";

/* The columns of SQL_RUNS. */
enum run_col {
	RUN_ID,
	RUN_ACCOUNT,
	RUN_TEAM,
	RUN_TRIGGER,
	RUN_FROM,
	RUN_TO,
	RUN_STATUS,
	RUN_HOLDER,
	RUN_BY,
	RUN_JOB,
	RUN_STARTED,
	RUN_FINISHED,
	RUN_PAGES,
	RUN_READ,
	RUN_STORED,
	RUN_REMOVED,
	RUN_MANUAL,
	RUN_KZT,
	RUN_USAGE,
	RUN_CODE,
	RUN_HTTP,
	RUN_ERROR,
	RUN__MAX
};

/* clang-format off */
static const char SQL_RUNS[] =
    "SELECT r.id, r.account_id, t.name, r.trigger,"
    " to_char(r.date_from, 'YYYY-MM-DD'), to_char(r.date_to, 'YYYY-MM-DD'),"
    " r.status, r.holder, r.requested_by, r.job_id, "
    REPORT_TS("r.started_at") ", " REPORT_TS("r.finished_at") ", r.pages,"
    " r.rows_read, r.rows_stored, r.rows_removed, r.rows_manual,"
    " r.spend_kzt, r.usage_pct, r.fb_code, r.http_status, r.error"
    " FROM fb_import_runs r LEFT JOIN traffic_teams t ON t.id = r.team_id"
    " ORDER BY r.id DESC LIMIT $1::int";
/* clang-format on */

static const struct report_col run_cols[] = {
	{ "id", RUN_ID, REPORT_NUM },
	{ "account_id", RUN_ACCOUNT, REPORT_TEXT },
	{ "team", RUN_TEAM, REPORT_TEXT },
	{ "trigger", RUN_TRIGGER, REPORT_TEXT },
	{ "from", RUN_FROM, REPORT_TEXT },
	{ "to", RUN_TO, REPORT_TEXT },
	{ "status", RUN_STATUS, REPORT_TEXT },
	{ "holder", RUN_HOLDER, REPORT_TEXT },
	{ "requested_by", RUN_BY, REPORT_TEXT },
	{ "job_id", RUN_JOB, REPORT_NUM },
	{ "started_at", RUN_STARTED, REPORT_TEXT },
	{ "finished_at", RUN_FINISHED, REPORT_TEXT },
	{ "pages", RUN_PAGES, REPORT_NUM },
	{ "rows_read", RUN_READ, REPORT_NUM },
	{ "rows_stored", RUN_STORED, REPORT_NUM },
	{ "rows_removed", RUN_REMOVED, REPORT_NUM },
	{ "rows_manual", RUN_MANUAL, REPORT_NUM },
	{ "spend_kzt", RUN_KZT, REPORT_NUM },
	{ "usage_pct", RUN_USAGE, REPORT_NUM },
	{ "fb_code", RUN_CODE, REPORT_NUM },
	{ "http_status", RUN_HTTP, REPORT_NUM },
	{ "error", RUN_ERROR, REPORT_TEXT },
};

enum err
fb_import_tick(struct db *db, const struct cfg *c, const char *me, int *queued)
{
	static const char *const kinds[2] = { "hourly", "revise" };
	const enum cfg_key every[2] = { CFG_FB_IMPORT_INTERVAL,
		CFG_FB_REVISE_INTERVAL };
	char interval[24], days[16];
	const char *v[5] = { NULL, interval, me, cfg_str(c, CFG_TIMEZONE),
		days };
	PGresult *res;
	enum err rc;
	int k;

	*queued = 0;
	for (k = 0; k < 2; k++) {
		if (cfg_int(c, every[k]) <= 0)
			continue;
		v[0] = kinds[k];
		snprintf(interval, sizeof(interval), "%lld",
		    cfg_int(c, every[k]));
		snprintf(days, sizeof(days), "%lld",
		    k == 0 ? 2 : cfg_int(c, CFG_FB_REVISE_DAYS));
		if ((rc = db_run(db, SQL_DUE_INIT, 1, v)) != ERR_OK)
			return rc;
		if ((res = db_exec(db, SQL_TICK, 5, v, &rc)) == NULL)
			return rc;
		*queued += PQntuples(res);
		if (PQntuples(res) > 0)
			log_info("queued %d Facebook spend imports (%s)",
			    PQntuples(res), kinds[k]);
		PQclear(res);
	}
	return ERR_OK;
}

enum err
fb_import_request(struct db *db, const char *team, const char *from,
    const char *to, const char *actor, struct jw *w)
{
	const char *v[4] = { team, from, to, actor };
	PGresult *res;
	enum err rc;
	int i;

	if ((res = db_exec(db, SQL_REQUEST, 4, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_NOTFOUND;
	}
	jw_int(w, "jobs", PQntuples(res));
	jw_arr(w, "accounts");
	for (i = 0; i < PQntuples(res); i++) {
		jw_obj(w, NULL);
		jw_str(w, "account_id", db_val(res, i, 0));
		jw_str(w, "team", db_val(res, i, 1));
		jw_numstr(w, "job_id", db_val(res, i, 2));
		jw_obj_end(w);
	}
	jw_arr_end(w);
	PQclear(res);
	return ERR_OK;
}

/* A running import: its row's lock, and what it counted. */
struct run {
	struct db *db;
	long long id;
	int lease;
	long long pages, read;
	int usage;
	struct ad_spend_fb_counts c;
};

/* Renews the lock; ERR_CONFLICT when the run was taken from us. */
static enum err
renew(struct run *r)
{
	char id[24], lease[16], pages[24], rd[24], usage[16];
	const char *v[5] = { id, lease, pages, rd, usage };
	PGresult *res;
	enum err rc;

	snprintf(id, sizeof(id), "%lld", r->id);
	snprintf(lease, sizeof(lease), "%d", r->lease);
	snprintf(pages, sizeof(pages), "%lld", r->pages);
	snprintf(rd, sizeof(rd), "%lld", r->read);
	snprintf(usage, sizeof(usage), "%d", r->usage);
	if ((res = db_exec(r->db, SQL_RENEW, 5, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		log_warnx("Facebook import %lld lost its lock", r->id);
		rc = ERR_CONFLICT;
	}
	PQclear(res);
	return rc;
}

/* Records the end of a run; a run already taken from us stays as is. */
static void
finish(struct run *r, const char *status, const struct fb_status *st,
    const char *error)
{
	char n[9][24];
	const char *v[12];

	snprintf(n[0], sizeof(n[0]), "%lld", r->id);
	snprintf(n[1], sizeof(n[1]), "%lld", r->pages);
	snprintf(n[2], sizeof(n[2]), "%lld", r->read);
	snprintf(n[3], sizeof(n[3]), "%lld", r->c.stored);
	snprintf(n[4], sizeof(n[4]), "%lld", r->c.removed);
	snprintf(n[5], sizeof(n[5]), "%lld", r->c.manual);
	snprintf(n[6], sizeof(n[6]), "%d", r->usage);
	snprintf(n[7], sizeof(n[7]), "%d", st != NULL ? st->code : 0);
	snprintf(n[8], sizeof(n[8]), "%ld", st != NULL ? st->http_status : 0);
	v[0] = n[0];
	v[1] = status;
	v[2] = n[1];
	v[3] = n[2];
	v[4] = n[3];
	v[5] = n[4];
	v[6] = n[5];
	v[7] = r->c.kzt[0] != '\0' ? r->c.kzt : "0";
	v[8] = n[6];
	v[9] = n[7];
	v[10] = n[8];
	v[11] = error != NULL && *error != '\0' ? error : NULL;
	if (db_run(r->db, SQL_FINISH, 12, v) != ERR_OK)
		log_warnx("could not record the end of Facebook import %lld",
		    r->id);
}

/*
 * The rates of the configuration as JSON ({"USD": "470.5", "EUR": ...}):
 * AMOSYNC_USD_KZT_RATE, then AMOSYNC_FB_RATES ("EUR=510.5,RUB=5.2"),
 * which wins. ERR_CONFIG with why in err when one is malformed.
 */
static enum err
rates_json(const struct cfg *c, struct buf *out, char *err, size_t errlen)
{
	const char *usd = cfg_str(c, CFG_USD_KZT_RATE);
	const char *p = cfg_str(c, CFG_FB_RATES);
	char cur[4], rate[32];
	size_t n, m;
	int first = 1;

	buf_addc(out, '{');
	if (*usd != '\0' && ad_spend_rate_ok(usd)) {
		buf_printf(out, "\"USD\":\"%s\"", usd);
		first = 0;
	}
	while (*p != '\0') {
		p += strspn(p, " ,");
		if (*p == '\0')
			break;
		n = strcspn(p, "=");
		m = p[n] == '=' ? strcspn(p + n + 1, ", ") : 0;
		if (n != 3 || m == 0 || m >= sizeof(rate)) {
			snprintf(err, errlen,
			    "AMOSYNC_FB_RATES must look like "
			    "EUR=510.5,RUB=5.2");
			return ERR_CONFIG;
		}
		memcpy(cur, p, 3);
		cur[3] = '\0';
		memcpy(rate, p + 4, m);
		rate[m] = '\0';
		if (cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' ||
		    cur[1] > 'Z' || cur[2] < 'A' || cur[2] > 'Z' ||
		    !ad_spend_rate_ok(rate)) {
			snprintf(err, errlen,
			    "AMOSYNC_FB_RATES: \"%s=%s\" is not a currency "
			    "code and a rate",
			    cur, rate);
			return ERR_CONFIG;
		}
		buf_printf(out, "%s\"%s\":\"%s\"", first ? "" : ",", cur, rate);
		first = 0;
		p += 4 + m;
	}
	buf_addc(out, '}');
	return buf_err(out);
}

/* Appends the rows of page p to the JSON array being written in w. */
static void
rows_add(struct jw *w, const struct fb_page *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct fb_row *row = &p->v[i];

		jw_obj(w, NULL);
		jw_str(w, "date", row->date);
		jw_str(w, "campaign_id", row->campaign_id);
		jw_str(w, "campaign_name", row->campaign_name);
		jw_numstr(w, "spend", row->spend);
		jw_str(w, "currency", row->currency);
		jw_int(w, "impressions", row->impressions);
		jw_int(w, "clicks", row->clicks);
		jw_obj_end(w);
	}
}

/* The members of a job's payload. */
struct payload {
	struct jread r;
	const char *account, *from, *to, *trigger, *by;
};

static enum err
payload_read(struct payload *p, const char *json)
{
	struct jread_limits lim;
	enum err rc;

	memset(p, 0, sizeof(*p));
	jread_limits_default(&lim);
	if ((rc = jread_parse(&p->r, json, strlen(json), &lim)) != ERR_OK)
		return rc;
	if ((rc = jread_str(&p->r, "account", 24, 0, &p->account)) != ERR_OK ||
	    (rc = jread_str(&p->r, "from", 10, 0, &p->from)) != ERR_OK ||
	    (rc = jread_str(&p->r, "to", 10, 0, &p->to)) != ERR_OK ||
	    (rc = jread_str(&p->r, "trigger", 10, 0, &p->trigger)) != ERR_OK ||
	    (rc = jread_str(&p->r, "requested_by", 200, 0, &p->by)) != ERR_OK)
		return rc;
	if (p->account == NULL || p->from == NULL || p->to == NULL ||
	    p->trigger == NULL)
		return ERR_VALIDATION;
	return ERR_OK;
}

/* Starts the account's run; ERR_CONFLICT while another holds it. */
static enum err
start(struct run *r, const struct payload *p, const char *me, long long job,
    char *team_id, size_t n)
{
	char jobs[24], lease[16];
	const char *v[8] = { p->account, p->trigger, p->from, p->to, me, p->by,
		jobs, lease };
	PGresult *res;
	enum err rc;

	snprintf(jobs, sizeof(jobs), "%lld", job);
	snprintf(lease, sizeof(lease), "%d", r->lease);
	if ((rc = db_run(r->db, SQL_ABANDON, 1, v)) != ERR_OK)
		return rc;
	if ((res = db_exec(r->db, SQL_START, 8, v, &rc)) == NULL)
		return rc;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return ERR_CONFLICT;
	}
	r->id = strtoll(db_val(res, 0, 0), NULL, 10);
	snprintf(team_id, n, "%s",
	    db_val(res, 0, 1) != NULL ? db_val(res, 0, 1) : "");
	PQclear(res);
	return ERR_OK;
}

/* Maps a client's failure to the run's status and the job's fate. */
static void
failed(struct run *r, enum err rc, const struct fb_status *st,
    struct fb_import_outcome *out)
{
	snprintf(out->error, sizeof(out->error), "%s", st->reason);
	switch (rc) {
	case ERR_RATE:
		finish(r, "rate_limited", st, st->reason);
		out->next = FB_IMPORT_POSTPONE;
		out->wait = st->retry_after > 0 ? st->retry_after : 60;
		break;
	case ERR_AUTH:
	case ERR_PERM:
	case ERR_CONFIG:
		/* A person must act; the next slot tries again. */
		finish(r, "failed", st, st->reason);
		out->next = FB_IMPORT_DONE;
		break;
	default:
		finish(r, "failed", st, st->reason);
		out->next = FB_IMPORT_RETRY;
		break;
	}
}

enum err
fb_import_run(struct db *db, struct fb *f, const struct cfg *c, const char *me,
    long long job, const char *payload, struct fb_import_outcome *out)
{
	struct fb_status st;
	struct fb_page page;
	struct payload p;
	struct run r;
	struct buf rows, rates;
	struct jw w;
	struct ad_spend_fb in;
	char team_id[48], *after = NULL;
	int usage_max = (int)cfg_int(c, CFG_FB_USAGE_MAX);
	enum err rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	memset(&st, 0, sizeof(st));
	r.db = db;
	r.lease = (int)cfg_int(c, CFG_FB_LEASE);
	r.usage = -1;
	buf_init(&rows);
	buf_init(&rates);
	if (payload_read(&p, payload) != ERR_OK) {
		snprintf(out->error, sizeof(out->error),
		    "not an import job's payload");
		out->next = FB_IMPORT_DONE;
		rc = ERR_OK;
		goto out;
	}
	if ((rc = start(&r, &p, me, job, team_id, sizeof(team_id))) ==
	    ERR_CONFLICT) {
		/* Another worker imports this account: wait for it. */
		snprintf(out->error, sizeof(out->error),
		    "account %s is being imported by another run", p.account);
		log_info("Facebook import job %lld waits: %s", job, out->error);
		out->next = FB_IMPORT_POSTPONE;
		out->wait = 5;
		rc = ERR_OK;
		goto out;
	}
	if (rc != ERR_OK) {
		snprintf(out->error, sizeof(out->error),
		    "could not start the import: %s", err_str(rc));
		out->next = FB_IMPORT_RETRY;
		rc = ERR_OK;
		goto out;
	}
	out->run = r.id;
	if (f == NULL || *team_id == '\0' ||
	    rates_json(c, &rates, st.reason, sizeof(st.reason)) != ERR_OK) {
		if (f == NULL)
			snprintf(st.reason, sizeof(st.reason),
			    "FB_ACCESS_TOKEN is not set");
		else if (*team_id == '\0')
			snprintf(st.reason, sizeof(st.reason),
			    "no active team has ad account %s", p.account);
		failed(&r, ERR_CONFIG, &st, out);
		goto out;
	}
	jw_init(&w, &rows);
	jw_arr(&w, NULL);
	for (;;) {
		rc = fb_insights(f, p.account, p.from, p.to, after, &page, &st);
		if (st.usage > r.usage)
			r.usage = st.usage;
		if (rc != ERR_OK) {
			failed(&r, rc, &st, out);
			goto out;
		}
		r.pages++;
		r.read += (long long)page.n;
		if (r.read > MAX_ROWS) {
			snprintf(st.reason, sizeof(st.reason),
			    "more than %d rows: import a shorter range",
			    MAX_ROWS);
			fb_page_free(&page);
			failed(&r, ERR_CONFIG, &st, out);
			goto out;
		}
		rows_add(&w, &page);
		free(after);
		after = page.after;
		page.after = NULL;
		fb_page_free(&page);
		if (renew(&r) != ERR_OK) {
			snprintf(out->error, sizeof(out->error),
			    "lost the lock of account %s", p.account);
			out->next = FB_IMPORT_RETRY;
			goto out;
		}
		if (after == NULL)
			break;
		if (r.usage >= usage_max) {
			/* Stop before Facebook's limit, not at it. */
			snprintf(st.reason, sizeof(st.reason),
			    "Facebook usage at %d%% (limit "
			    "AMOSYNC_FB_USAGE_MAX %d%%): paused before the "
			    "next page",
			    r.usage, usage_max);
			finish(&r, "paused", &st, st.reason);
			snprintf(out->error, sizeof(out->error), "%s",
			    st.reason);
			out->next = FB_IMPORT_POSTPONE;
			out->wait = cfg_int(c, CFG_FB_RATE_WAIT);
			goto out;
		}
	}
	jw_arr_end(&w);
	if (buf_err(&rows) != ERR_OK || buf_err(&rates) != ERR_OK) {
		snprintf(st.reason, sizeof(st.reason), "out of memory");
		failed(&r, ERR_NOMEM, &st, out);
		goto out;
	}
	memset(&in, 0, sizeof(in));
	in.rows = buf_str(&rows);
	in.account = p.account[0] == 'a' ? p.account + 4 : p.account;
	in.team_id = team_id;
	in.run_id = r.id;
	in.rates = buf_str(&rates);
	in.from = p.from;
	in.to = p.to;
	if ((rc = ad_spend_fb_store(db, &in, &r.c)) == ERR_VALIDATION) {
		snprintf(st.reason, sizeof(st.reason),
		    "no rate to KZT for %s: set AMOSYNC_FB_RATES or a rate of "
		    "the day (POST /api/traffic/currency-rates)",
		    r.c.norate);
		failed(&r, ERR_CONFIG, &st, out);
		goto out;
	}
	if (rc != ERR_OK) {
		snprintf(st.reason, sizeof(st.reason),
		    "could not store the spend");
		failed(&r, ERR_DB, &st, out);
		goto out;
	}
	memset(&st, 0, sizeof(st));
	finish(&r, "ok", &st, NULL);
	log_info("imported Facebook spend of account %s, %s..%s: %lld rows, "
	         "%s KZT, %lld removed",
	    in.account, p.from, p.to, r.c.stored, r.c.kzt, r.c.removed);
	out->next = FB_IMPORT_DONE;
out:
	free(after);
	buf_free(&rows);
	buf_free(&rates);
	jread_free(&p.r);
	return ERR_OK;
}

enum err
fb_import_runs(struct db *db, int limit, struct jw *w)
{
	char lim[16];
	const char *v[1] = { lim };
	PGresult *res;
	enum err rc;

	snprintf(lim, sizeof(lim), "%d", limit);
	if ((res = db_exec(db, SQL_RUNS, 1, v, &rc)) == NULL)
		return rc;
	report_json(w, "runs", res, run_cols,
	    sizeof(run_cols) / sizeof(run_cols[0]));
	PQclear(res);
	return ERR_OK;
}

enum err
fb_import_prune(struct db *db, int days, int limit, long *n)
{
	char d[16], l[16];
	const char *v[2] = { d, l };

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	return db_run_count(db, SQL_PRUNE, 2, v, n);
}

enum err
fb_import_rates_check(const struct cfg *c, char *why, size_t n)
{
	struct buf b;
	enum err rc;

	buf_init(&b);
	rc = rates_json(c, &b, why, n);
	buf_free(&b);
	return rc;
}

/*
 * The check of Facebook Ads (issue 25): what the token says of itself
 * (debug_token: valid, ads_read, expiry), and from the traffic database
 * the last import and the usage of Facebook's rate limits the imports
 * saw (report/fb_import).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "health/checks.h"
#include "io/db.h"

/* The ad accounts of the active teams (as report/fb_import.c reads them). */
#define ACCOUNTS                                                               \
	"SELECT DISTINCT acct FROM traffic_teams t, LATERAL (SELECT"           \
	" regexp_replace(s, '^act_', '') AS acct FROM regexp_split_to_table("  \
	"coalesce(t.fb_ad_account_id, ''), '[,;[:space:]]+') AS s) a WHERE"    \
	" t.is_active AND acct ~ '^[0-9]{1,20}$'"

#define TS(c)                                                                  \
	"to_char(" c " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The columns of SQL_STATUS. */
enum status_col {
	ST_ID,
	ST_STATUS,
	ST_FINISHED,
	ST_ACCOUNT,
	ST_ROWS,
	ST_ERROR,
	ST_LAST_OK,
	ST_USAGE,
	ST_ACCOUNTS,
	ST_FAILED,
	ST__MAX
};

/*
 * The newest finished run; whether the newest finished run of any account
 * failed (auth or permission: rate limits and pauses only wait).
 */
/* clang-format off */
static const char SQL_STATUS[] =
    "WITH last AS (SELECT * FROM fb_import_runs WHERE finished_at IS NOT"
    " NULL ORDER BY finished_at DESC, id DESC LIMIT 1),"
    " newest AS (SELECT DISTINCT ON (account_id) status FROM fb_import_runs"
    " WHERE finished_at IS NOT NULL AND status IN ('ok', 'failed')"
    " ORDER BY account_id, finished_at DESC, id DESC)"
    " SELECT l.id, l.status, " TS("l.finished_at") ", l.account_id,"
    " l.rows_stored, l.error,"
    " (SELECT " TS("max(finished_at)") " FROM fb_import_runs WHERE"
    " status = 'ok'),"
    " (SELECT max(usage_pct) FROM fb_import_runs WHERE started_at > now()"
    " - interval '1 day'),"
    " (SELECT count(*) FROM (" ACCOUNTS ") acc),"
    " (SELECT count(*) FROM newest WHERE status = 'failed')"
    " FROM (SELECT 1) one LEFT JOIN last l ON true";
/* clang-format on */

/*
 * Writes the members "last_import" ({id, status, finished_at, account_id,
 * rows, error} or null), "last_ok_at", "usage_pct" (the highest of the
 * last day's runs) and "accounts" into w; *last_failed is 1 when the
 * newest finished run of an account failed.
 */
static enum err
import_status(struct db *db, struct jw *w, int *last_failed,
    long long *accounts)
{
	PGresult *res;
	enum err rc;

	*last_failed = 0;
	*accounts = 0;
	if ((res = db_exec(db, SQL_STATUS, 0, NULL, &rc)) == NULL)
		return rc;
	if (db_val(res, 0, ST_ID) != NULL) {
		jw_obj(w, "last_import");
		jw_numstr(w, "id", db_val(res, 0, ST_ID));
		jw_str(w, "status", db_val(res, 0, ST_STATUS));
		jw_str(w, "finished_at", db_val(res, 0, ST_FINISHED));
		jw_str(w, "account_id", db_val(res, 0, ST_ACCOUNT));
		jw_numstr(w, "rows", db_val(res, 0, ST_ROWS));
		jw_str(w, "error", db_val(res, 0, ST_ERROR));
		jw_obj_end(w);
	} else {
		jw_null(w, "last_import");
	}
	jw_str(w, "last_ok_at", db_val(res, 0, ST_LAST_OK));
	if (db_val(res, 0, ST_USAGE) != NULL)
		jw_numstr(w, "usage_pct", db_val(res, 0, ST_USAGE));
	else
		jw_null(w, "usage_pct");
	*accounts = strtoll(db_val(res, 0, ST_ACCOUNTS), NULL, 10);
	jw_int(w, "accounts", *accounts);
	*last_failed = strtoll(db_val(res, 0, ST_FAILED), NULL, 10) > 0;
	PQclear(res);
	return ERR_OK;
}

/* Writes the import's figures as members of the open details object. */
static int
imports(struct health_env *e, struct jw *w, long long *accounts)
{
	int failed = 0;

	*accounts = 0;
	if (!e->app->has_traffic ||
	    import_status(&e->app->traffic, w, &failed, accounts) != ERR_OK) {
		jw_null(w, "last_import");
		jw_null(w, "usage_pct");
	}
	return failed;
}

enum health_status
health_facebook(struct health_env *e, struct jw *w, const char *key,
    struct health_report *r)
{
	enum health_status s = HEALTH_ONLINE;
	struct fb_status st;
	struct fb_token t;
	char msg[700];
	long long accounts, days = -1;
	enum err rc;
	int failed;

	if (!e->has_fb) {
		if (e->fb_reason[0] == '\0')
			snprintf(msg, sizeof(msg),
			    "Facebook не подключён: расходы вводятся вручную "
			    "/ FB_ACCESS_TOKEN is not set");
		else
			snprintf(msg, sizeof(msg),
			    "Facebook настроен неверно / Facebook is "
			    "misconfigured: %s",
			    e->fb_reason);
		s = e->fb_reason[0] == '\0' ? HEALTH_ONLINE : HEALTH_ERROR;
		check_flag(r, HA_FACEBOOK, s != HEALTH_ONLINE, "%s", msg);
		check_open(w, key, "Facebook Ads", s, msg);
		jw_obj(w, "details");
		jw_bool(w, "configured", 0);
		jw_str(w, "reason", e->fb_reason[0] ? e->fb_reason : NULL);
		imports(e, w, &accounts);
		jw_obj_end(w);
		return check_close(w, s, r);
	}
	rc = fb_token_check(&e->fb, &t, &st);
	if (rc == ERR_OK && t.expires_at > 0)
		days = (t.expires_at - (long long)time(NULL)) / 86400;
	switch (rc) {
	case ERR_OK:
		if (!t.ads_read) {
			s = HEALTH_ERROR;
			snprintf(msg, sizeof(msg),
			    "У токена Facebook нет разрешения ads_read / the "
			    "token lacks ads_read");
		} else if (days >= 0 && days < HEALTH_TOKEN_WARN_DAYS) {
			snprintf(msg, sizeof(msg),
			    "Токен Facebook истекает через %lld дн. / the "
			    "token expires in %lld days",
			    days, days);
		} else {
			snprintf(msg, sizeof(msg),
			    "Facebook доступен, токен действителен / "
			    "Facebook is reachable, the token is valid");
		}
		break;
	case ERR_AUTH:
		s = HEALTH_OFFLINE;
		snprintf(msg, sizeof(msg),
		    "Facebook отклонил токен (код %d): создайте новый токен "
		    "системного пользователя с ads_read / Facebook rejected "
		    "the token: make a new system user token",
		    st.code ? st.code : 190);
		break;
	case ERR_RATE:
		snprintf(msg, sizeof(msg),
		    "Facebook доступен, лимит запросов исчерпан (код %d) / "
		    "rate limited, imports wait",
		    st.code);
		break;
	case ERR_PERM:
		s = HEALTH_ERROR;
		snprintf(msg, sizeof(msg), "Facebook отказал / refused: %s",
		    st.reason);
		break;
	default:
		s = HEALTH_OFFLINE;
		snprintf(msg, sizeof(msg),
		    "Facebook недоступен / Facebook is unreachable: %s",
		    st.reason);
		break;
	}
	check_flag(r, HA_FACEBOOK,
	    s != HEALTH_ONLINE || (days >= 0 && days < HEALTH_TOKEN_ALERT_DAYS),
	    "%s", msg);
	check_open(w, key, "Facebook Ads", s, msg);
	jw_obj(w, "details");
	jw_bool(w, "configured", 1);
	jw_str(w, "api_version", cfg_str(&e->app->cfg, CFG_FB_API_VERSION));
	if (rc == ERR_OK || rc == ERR_AUTH)
		jw_bool(w, "token_valid", rc == ERR_OK);
	else
		jw_null(w, "token_valid");
	if (rc == ERR_OK) {
		jw_str(w, "token_type", t.type);
		jw_bool(w, "ads_read", t.ads_read);
		if (days >= 0)
			jw_int(w, "token_days_left", days);
		else
			jw_null(w, "token_days_left");
	}
	if (st.code != 0)
		jw_int(w, "fb_code", st.code);
	else
		jw_null(w, "fb_code");
	failed = imports(e, w, &accounts);
	jw_obj_end(w);
	(void)failed;
	return check_close(w, s, r);
}

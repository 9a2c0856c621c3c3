#ifndef AMOSYNC_FB_API_H
#define AMOSYNC_FB_API_H

#include <stddef.h>

#include "base/cfg.h"
#include "base/err.h"
#include "io/http.h"

/*
 * Facebook Marketing API client (the Graph API's ad insights), over
 * struct http: the spend of an ad account per campaign and day
 * (GET /<version>/act_<id>/insights, level=campaign, time_increment=1,
 * cursor paging) and the token's own description (GET /debug_token).
 * Requests carry "Authorization: Bearer <token>" (FB_ACCESS_TOKEN, a
 * system user's token with ads_read); the token never reaches a log,
 * a URL we log or a reason. Results are plain structs; JSON never leaves
 * fb/api.c.
 *
 * Every call takes an optional struct fb_status (may be NULL): on failure
 * it says why, fit for a log line, a database column or a dashboard, with
 * Facebook's error code. Every call returns one of:
 *   ERR_OK       200, parsed
 *   ERR_AUTH     code 190 (or 102): the token is invalid, expired or
 *                revoked; a person must make a new one
 *   ERR_PERM     codes 10, 200-299 (no ads_read on the account), 100
 *                (a bad parameter, or an account that does not exist),
 *                2635 (FB_API_VERSION is no longer served) or any other
 *                refusal: do not retry, tell a person
 *   ERR_RATE     codes 4, 17, 32, 613, 80000-80014: wait st->retry_after
 *                seconds (the usage header's estimated time to regain
 *                access, else AMOSYNC_FB_RATE_WAIT)
 *   ERR_HTTP     5xx or codes 1, 2 after the in-call retries, connection
 *                failure, malformed answer: retry later
 *   ERR_TIMEOUT  no answer in time: retry later
 *   ERR_NOMEM
 * Failures are logged once, here.
 */

#define FB_REASON_LEN 320
/* Rows asked for per insights page (Facebook may send fewer). */
#define FB_PAGE_LIMIT 500

struct fb {
	struct http *http;   /* borrowed, outlives this client */
	char *base;          /* "https://graph.facebook.com/v24.0", no '/' */
	char *token;         /* a secret */
	char *auth;          /* "Authorization: Bearer <token>" */
	long timeout;        /* seconds per call (AMOSYNC_SYNC_TIMEOUT) */
	long health_timeout; /* seconds, fb_token_check() */
	long rate_wait; /* ERR_RATE without a hint (AMOSYNC_FB_RATE_WAIT) */
	int retries;    /* 5xx retries inside a call; 2 */
};

struct fb_status {
	long http_status; /* last HTTP status, 0 when none came back */
	int code;         /* Facebook's error code, 0 when none */
	int subcode;
	long retry_after; /* seconds to wait, set with ERR_RATE */
	int usage;        /* highest usage percentage reported, -1: none */
	char reason[FB_REASON_LEN]; /* "" on success */
};

/* One campaign's day of an ad account. */
struct fb_row {
	char date[11];       /* YYYY-MM-DD, date_start */
	char *campaign_id;   /* digits */
	char *campaign_name; /* as Facebook has it, may be "" */
	char spend[24];      /* a decimal in the account's currency */
	long long impressions, clicks;
	char currency[8]; /* account_currency, "USD" */
};

struct fb_page {
	struct fb_row *v;
	size_t n;
	char *after; /* the cursor of the next page, NULL on the last */
};

/* What the token says of itself (debug_token). */
struct fb_token {
	int valid;
	long long expires_at; /* unix seconds, 0: never */
	char type[32];        /* "SYSTEM_USER", "USER", ... */
	int ads_read;         /* the ads_read scope is granted */
};

/*
 * Sets up a client from the configuration: FB_API_URL, FB_API_VERSION
 * ("v" digits "." digits), FB_ACCESS_TOKEN, the timeouts. h is borrowed.
 * Returns ERR_OK, ERR_CONFIG (no token, a bad URL or version; st->reason
 * says which) or ERR_NOMEM. Free with fb_free().
 */
enum err fb_init(struct fb *f, struct http *h, const struct cfg *c,
    struct fb_status *st);
void fb_free(struct fb *f);

/*
 * Reads one page of account's spend per campaign and day over
 * [since, until] (YYYY-MM-DD), from cursor after (NULL: the first page)
 * into p, which the caller frees with fb_page_free() in every case.
 * st->usage is the highest usage percentage the answer's headers report
 * (x-business-use-case-usage, x-ad-account-usage, x-app-usage): a caller
 * stops before it reaches 100.
 */
enum err fb_insights(struct fb *f, const char *account, const char *since,
    const char *until, const char *after, struct fb_page *p,
    struct fb_status *st);
void fb_page_free(struct fb_page *p);

/* Asks Facebook what the token is (health checks; the short timeout). */
enum err fb_token_check(struct fb *f, struct fb_token *t, struct fb_status *st);

/*
 * The pure parts, for the unit test. fb_code_err() maps Facebook's error
 * code and the HTTP status to the errors above. fb_usage() reads one usage
 * header's JSON: returns its highest percentage (0-100+; -1 when it is not
 * one) and sets *regain to estimated_time_to_regain_access in seconds (0
 * when absent). fb_account_ok() checks an ad account id: digits, with or
 * without "act_"; it writes the digits into out (n bytes).
 */
enum err fb_code_err(int code, long http_status);
int fb_usage(const char *header, long *regain);
int fb_account_ok(const char *s, char *out, size_t n);

#endif

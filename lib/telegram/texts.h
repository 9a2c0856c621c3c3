#ifndef AMOSYNC_TELEGRAM_TEXTS_H
#define AMOSYNC_TELEGRAM_TEXTS_H

#include "base/buf.h"
#include "base/err.h"

/*
 * Every text amosync sends to Telegram, in one place: the sale
 * announcement (and its test variant), the digest of a burst of sales,
 * the health alerts, the sales without a team and the sweep's report to
 * the ops chat. They all go
 * out through tg_post() (telegram/post.h).
 */

/*
 * A sale to announce. Every interpolated value is HTML-escaped; NULL or
 * empty values get the defaults noted.
 */
struct texts_sale {
	const char *team;     /* NULL -> "Unknown" */
	const char *emoji;    /* NULL -> 🎯 */
	const char *client;   /* NULL -> "Без имени" */
	const char *amount;   /* decimal text, "5000" -> "5,000 ₸" */
	const char *product;  /* NULL -> "—" */
	const char *campaign; /* NULL -> "—" (line omitted for tests) */
	int test;             /* the test-notification variant */
};

/*
 * The test sale of POST /api/amocrm/test-sale-notification: the values
 * a request leaves out (team, client, amount, product).
 */
extern const struct texts_sale texts_test_sale;

/*
 * Characters of a value shown in a sale announcement, at most: each value
 * is cut on its own (with "…"), so the whole message stays far under
 * Telegram's 4096 and a long name never pushes the amount out of it.
 */
#define TEXTS_SALE_FIELD 256

/* Appends the sale announcement of the seed (Telegram HTML) to out, each
 * value cut to TEXTS_SALE_FIELD characters (the emoji to 4) and the
 * amount never; returns buf_err(out). */
enum err texts_sale(const struct texts_sale *a, struct buf *out);

/* Characters of a value shown in one digest line, at most. */
#define TEXTS_DIGEST_FIELD 48

/* One message of a digest: its text and the sales a[first .. first+n-1]. */
struct texts_part {
	struct buf text;
	size_t first, n;
};

/*
 * The digest of the n sales a (n >= 1, their test flags ignored), as
 * *nparts messages in *parts (the caller frees them with
 * texts_parts_free()): each a header with the count and the total of all
 * n sales ("(2/3)" after the count when there is more than one message),
 * then whole lines, one per sale, in order (team with its emoji, client,
 * amount, product; each value but the amount escaped and cut to
 * TEXTS_DIGEST_FIELD characters on a character boundary). Every sale is
 * named in exactly one message, and each message is at most max UTF-16
 * units (Telegram's 4096), valid UTF-8 with balanced tags. ERR_NOMEM;
 * ERR_INPUT when one line and a header do not fit in max (never at
 * TG_TEXT_MAX: the cuts keep a line far shorter). On failure *parts is
 * NULL and *nparts 0.
 */
enum err texts_digest(const struct texts_sale *a, size_t n, size_t max,
    struct texts_part **parts, size_t *nparts);
void texts_parts_free(struct texts_part *parts, size_t nparts);

/* Appends "5,000 ₸" for "5000" (rounded to whole tenge) to out. */
void texts_amount(struct buf *out, const char *amount);

/*
 * The messages of the ops chat, as plain text (escaped to HTML when
 * sent): a condition that starts failing (msg: what is wrong), one still
 * failing since a time ("2026-01-02 03:04:05 UTC"), one that recovered
 * after secs seconds, and the sweep's recovered sales (the count and the
 * first lead ids). Each appends to out.
 */
void texts_alert_failing(struct buf *out, const char *msg);
void texts_alert_reminder(struct buf *out, const char *since, const char *msg);
void texts_alert_recovered(struct buf *out, const char *secs, const char *msg);
void texts_sweep(struct buf *out, int recovered, const char *ids);

/* Characters of a UTM value in an alert, at most. */
#define TEXTS_ALERT_VALUE 100

/*
 * The admin chat's message about a new value of sales without a team
 * today (plain text, like the alerts): its field ("source", …; NULL or
 * an empty value: sales without any UTM tag), the value (cut to
 * TEXTS_ALERT_VALUE characters), today's sales and revenue of it, and
 * the link to the Team Constructor's "Без команды" panel. The second:
 * n more such values, not named one by one.
 */
void texts_alert_unattributed(struct buf *out, const char *field_name,
    const char *value, const char *sales, const char *revenue,
    const char *link);
void texts_alert_unattributed_more(struct buf *out, long long n,
    const char *link);

#endif

#ifndef AMOSYNC_TELEGRAM_TEXTS_H
#define AMOSYNC_TELEGRAM_TEXTS_H

#include "base/buf.h"
#include "base/err.h"

/*
 * Every text amosync sends to Telegram, in one place: the sale
 * announcement (and its test variant), the digest of a burst of sales,
 * the health alerts and the sweep's report to the ops chat. They all go
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

/* Appends the sale announcement of the seed (Telegram HTML) to out;
 * returns buf_err(out). */
enum err texts_sale(const struct texts_sale *a, struct buf *out);

/* Characters of a value shown in one digest line, at most. */
#define TEXTS_DIGEST_FIELD 48

/*
 * Appends to out a digest of the n sales a (their test flags ignored):
 * a header with the count and the total, then one line per sale (team
 * with its emoji, client, amount, product, each value escaped and cut to
 * TEXTS_DIGEST_FIELD characters on a character boundary). Lines that
 * would take the message past max UTF-16 units (Telegram's 4096) are
 * left out and counted in a last line, "… и ещё K"; the message is always
 * whole lines, balanced tags and valid UTF-8. Returns buf_err(out).
 */
enum err texts_digest(const struct texts_sale *a, size_t n, size_t max,
    struct buf *out);

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

#endif

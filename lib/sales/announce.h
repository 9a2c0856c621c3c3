#ifndef AMOSYNC_SALES_ANNOUNCE_H
#define AMOSYNC_SALES_ANNOUNCE_H

#include "base/buf.h"
#include "base/err.h"

/*
 * The sale announcement of the seed, as Telegram HTML. Every interpolated
 * value is HTML-escaped; NULL or empty values get the defaults noted.
 */
struct announce {
	const char *team;     /* NULL -> "Unknown" */
	const char *emoji;    /* NULL -> 🎯 */
	const char *client;   /* NULL -> "Без имени" */
	const char *amount;   /* decimal text, "5000" -> "5,000 ₸" */
	const char *product;  /* NULL -> "—" */
	const char *campaign; /* NULL -> "—" (line omitted for tests) */
	int test;             /* the test-notification variant */
};

/* Appends the message to out; returns buf_err(out). */
enum err announce_text(const struct announce *a, struct buf *out);

/* Characters of a value shown in one digest line, at most. */
#define ANNOUNCE_DIGEST_FIELD 48

/*
 * Appends to out a digest of the n sales a (their test flags ignored):
 * a header with the count and the total, then one line per sale (team
 * with its emoji, client, amount, product, each value escaped and cut to
 * ANNOUNCE_DIGEST_FIELD characters on a character boundary). Lines that
 * would take the message past max UTF-16 units (Telegram's 4096) are
 * left out and counted in a last line, "… и ещё K"; the message is always
 * whole lines, balanced tags and valid UTF-8. Returns buf_err(out).
 */
enum err announce_digest(const struct announce *a, size_t n, size_t max,
    struct buf *out);

/* Appends "5,000 ₸" for "5000" (rounded to whole tenge) to out. */
void announce_amount(struct buf *out, const char *amount);

#endif

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

/* Appends "5,000 ₸" for "5000" (rounded to whole tenge) to out. */
void announce_amount(struct buf *out, const char *amount);

#endif

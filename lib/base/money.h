#ifndef AMOSYNC_BASE_MONEY_H
#define AMOSYNC_BASE_MONEY_H

#include "base/err.h"

/*
 * Money amounts, one strict parser for every input path (webhook prices,
 * flat JSON sale_amount, test notifications). An amount is decimal text:
 * 1 to 13 digits, optionally a point and 1 or 2 digits, with optional
 * whitespace around it; nothing else ("1.2.3", "5,000", "1e3", "-5",
 * ".5", "5." are refused). That fits the numeric(15,2) columns exactly,
 * so the database never rounds or overflows what was accepted.
 */
#define MONEY_INT_DIGITS 13
#define MONEY_FRAC_DIGITS 2

/*
 * Checks s; on success *out is a new string (caller frees) with the
 * amount as written, trimmed. ERR_VALIDATION when s is not an amount
 * (*reason, if reason is not NULL, says why in words for a 400 answer),
 * ERR_NOMEM. *out is NULL on error. Zero is an amount.
 */
enum err money_parse(const char *s, char **out, const char **reason);

/* Returns 1 if the amount (as money_parse() accepted it) is above zero. */
int money_positive(const char *amount);

/*
 * An amount as text (money_parse()'s, or a numeric(15,2) column's) in
 * tiyn, exactly (no floating point): "4952.5" is 495250. Digits after the
 * second decimal round half up. Returns 0 and *cents 0 when s is not a
 * non-negative amount of at most MONEY_INT_DIGITS whole digits.
 */
int money_cents(const char *s, long long *cents);

/*
 * Whole tenge of an amount in tiyn, rounded half up (never cut, never
 * rounded to even): 495250 is 4953, 495249 is 4952. For every amount
 * shown to people.
 */
long long money_whole(long long cents);

#endif

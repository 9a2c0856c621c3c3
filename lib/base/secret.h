#ifndef AMOSYNC_BASE_SECRET_H
#define AMOSYNC_BASE_SECRET_H

#include <stddef.h>

#include "base/err.h"

/*
 * Shared secrets in a URL (the webhooks' ?token=): a comma-separated list
 * of secrets, several at once while one is being replaced by another.
 * Comparisons take the same time whatever the token and wherever it
 * differs, so the answer's timing tells an attacker nothing about a
 * secret. Neither function ever logs a secret or a token.
 */

/* The shortest secret accepted. */
#define SECRET_MIN 16
/* The longest secret (and token) compared. */
#define SECRET_MAX 256

/*
 * Checks a list (the value of AMOSYNC_WEBHOOK_SECRETS): ERR_OK and the
 * number of secrets in *n (0 for an empty list), or ERR_CONFIG and why in
 * reason[0..len) (which names the position, never the secret): a secret
 * shorter than SECRET_MIN or longer than SECRET_MAX, an empty item, a
 * space or a character that needs percent-encoding in a URL.
 */
enum err secret_list_check(const char *list, int *n, char *reason, size_t len);

/*
 * Is token (tlen bytes, may hold anything) one of the secrets of list?
 * Every secret of the list is compared in full, in time that depends
 * only on the lengths of the list. Returns 1 or 0; a NULL or empty token
 * never matches.
 */
int secret_match(const char *list, const char *token, size_t tlen);

/*
 * Masks in msg (NUL-terminated, at most len bytes with the NUL; changed
 * in place) every copy of the password of conninfo, a connection string
 * (a postgresql:// URL or libpq's key=value words): libpq echoes pieces
 * of a malformed string in its messages (a whole URL, a bad
 * percent-encoding). Replaced by "***": the URL's whole user part, the
 * password as written and decoded, its pieces between the characters
 * that end a URL's part, and any password= value. A NULL conninfo
 * changes nothing.
 */
void secret_redact(char *msg, size_t len, const char *conninfo);

#endif

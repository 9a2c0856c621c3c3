#include "base/err.h"

struct err_info {
	const char *name;
	const char *text;
	int http;
};

/* One row per enum err, by its value: name, text, HTTP status. */
static const struct err_info errs[ERR__MAX] = {
	[ERR_OK] = { "ERR_OK", "success", 200 },
	[ERR_NOMEM] = { "ERR_NOMEM", "out of memory", 500 },
	[ERR_INPUT] = { "ERR_INPUT", "malformed input", 400 },
	[ERR_TOOBIG] = { "ERR_TOOBIG", "body too large", 413 },
	[ERR_FORM_ESCAPE] = { "ERR_FORM_ESCAPE", "invalid percent escape",
	    400 },
	[ERR_FORM_NUL] = { "ERR_FORM_NUL", "NUL byte in form data", 400 },
	[ERR_FORM_PAIRS] = { "ERR_FORM_PAIRS", "too many form fields", 400 },
	[ERR_FORM_DEPTH] = { "ERR_FORM_DEPTH", "form key nested too deep",
	    400 },
	[ERR_FORM_KEYLEN] = { "ERR_FORM_KEYLEN", "form key too long", 400 },
	[ERR_FORM_VALLEN] = { "ERR_FORM_VALLEN", "form value too long", 400 },
	[ERR_FORM_KEY] = { "ERR_FORM_KEY", "malformed form key", 400 },
	[ERR_UTF8] = { "ERR_UTF8", "invalid UTF-8", 400 },
	[ERR_JSON] = { "ERR_JSON", "malformed JSON", 400 },
	[ERR_AMO] = { "ERR_AMO", "not an amoCRM webhook", 400 },
	[ERR_METHOD] = { "ERR_METHOD", "method not allowed", 405 },
	[ERR_NOTFOUND] = { "ERR_NOTFOUND", "not found", 404 },
	[ERR_CONFLICT] = { "ERR_CONFLICT", "already exists", 409 },
	[ERR_VALIDATION] = { "ERR_VALIDATION", "validation failed", 400 },
	[ERR_AUTH] = { "ERR_AUTH", "not authorised", 401 },
	[ERR_CONFIG] = { "ERR_CONFIG", "configuration error", 500 },
	[ERR_DB] = { "ERR_DB", "database error", 503 },
	[ERR_IO] = { "ERR_IO", "i/o error", 500 },
	[ERR_HTTP] = { "ERR_HTTP", "remote service error", 502 },
	[ERR_RATE] = { "ERR_RATE", "rate limited", 429 },
	[ERR_PERM] = { "ERR_PERM", "refused by remote service", 502 },
	[ERR_TIMEOUT] = { "ERR_TIMEOUT", "timed out", 504 },
};

const char *
err_str(enum err rc)
{
	if ((unsigned)rc >= ERR__MAX)
		return "unknown error";
	return errs[rc].text;
}

const char *
err_name(enum err rc)
{
	if ((unsigned)rc >= ERR__MAX)
		return "ERR_UNKNOWN";
	return errs[rc].name;
}

int
err_http(enum err rc)
{
	if ((unsigned)rc >= ERR__MAX)
		return 500;
	return errs[rc].http;
}

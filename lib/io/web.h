#ifndef AMOSYNC_IO_WEB_H
#define AMOSYNC_IO_WEB_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/*
 * FastCGI request/response helpers. web_serve() owns the accept loop;
 * a handler gets one struct web_req per request, reads its fields and the
 * bounded body, and answers with web_reply()/web_json(). Everything in a
 * web_req dies when the handler returns.
 */
enum web_method {
	WEB_GET,
	WEB_HEAD,
	WEB_POST,
	WEB_PUT,
	WEB_PATCH,
	WEB_DELETE,
	WEB_OTHER
};

struct web_req {
	void *fcgi; /* FCGX_Request, opaque outside web.c */
	enum web_method method;
	const char *method_name;
	const char *path;   /* DOCUMENT_URI, without the query */
	const char *query;  /* QUERY_STRING, "" when none */
	const char *ctype;  /* CONTENT_TYPE, "" when none */
	const char *reqid;  /* REQUEST_ID from nginx, "" when none */
	const char *remote; /* REMOTE_ADDR */
	const char *user_agent;
	const char *user; /* REMOTE_USER (admin auth), "" when none */
	char *body;       /* NUL-terminated, NULL when none */
	size_t bodysz;
	size_t content_length; /* as announced */
	int too_big;           /* announced length exceeded the limit */
	int replied;
	char allow[64]; /* Allow header of a 405; "POST" if empty */
	int status;     /* the status answered, 0 before the answer */
};

/* Answers one request; arg is the one given to web_serve(). Returns 0. */
typedef int (*web_handler)(void *arg, struct web_req *req);

struct web_opts {
	size_t max_body;   /* larger bodies are not read: req->too_big */
	long max_requests; /* return after this many; 0 = no limit */
	/* Called with arg at start and after each request; may be NULL. */
	void (*idle)(void *arg);
	/* The program's name for the metrics (io/metrics); may be NULL. */
	const char *name;
};

/*
 * Opens the listening socket: a path is a unix socket, replaced if it
 * exists and given mode; "host:port" or ":port" is TCP (for nginx on
 * another host). Returns the descriptor, or -1 (logged).
 */
int web_listen(const char *where, unsigned mode);

/* Closes the listening socket and removes a unix socket's path. */
void web_unlisten(int fd, const char *where);

/*
 * Accepts requests on the listening socket fd (shared by every process of
 * a pool) until SIGTERM or SIGINT, or max_requests, calling handler(arg,
 * req) for each. A request in progress when the signal comes is
 * finished. Returns 0, or -1 when libfcgi cannot be set up.
 */
int web_serve(int fd, const struct web_opts *o, web_handler handler, void *arg);

/* Returns "GET", "POST", ... for m; "OTHER" for WEB_OTHER. */
const char *web_method_name(enum web_method m);

/* Adds m to req->allow, the methods a 405 answer names. */
void web_allow(struct web_req *req, enum web_method m);

/* Returns a FastCGI parameter (e.g. "HTTP_X_AMOCRM_REQUESTID") or NULL. */
const char *web_param(const struct web_req *req, const char *name);

/* Sends status with a JSON body (body may be NULL: {}). Returns 0. */
int web_json(struct web_req *req, int status, const char *json);

/* Sends status with an arbitrary content type and body. */
int web_reply(struct web_req *req, int status, const char *ctype,
    const char *body, size_t len);

/*
 * Sends the JSON document in b with status, or a 500 when building it ran
 * out of memory; frees b either way. Returns 0.
 */
int web_send(struct web_req *req, int status, struct buf *b);

/* Sends {"success":false,"error":msg} with err_http(rc) (or status). */
int web_error(struct web_req *req, int status, const char *msg);

/*
 * Copies the value of query parameter name (percent-decoded, '+' a space)
 * into *out, a new string the caller frees; NULL when absent. A value
 * that does not decode (a bad escape, %00) is ERR_FORM_ESCAPE or
 * ERR_FORM_NUL; ERR_NOMEM.
 */
enum err web_query(const struct web_req *req, const char *name, char **out);

#endif

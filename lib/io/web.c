#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "base/form.h"
#include "base/jw.h"
#include "base/log.h"
#include "io/metrics.h"
#include "io/proc.h"
#include "io/web.h"

static volatile sig_atomic_t stopping;

static void
onsignal(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static const char *const method_names[] = {
	"GET",    /* WEB_GET */
	"HEAD",   /* WEB_HEAD */
	"POST",   /* WEB_POST */
	"PUT",    /* WEB_PUT */
	"PATCH",  /* WEB_PATCH */
	"DELETE", /* WEB_DELETE */
	"OTHER",  /* WEB_OTHER */
};

static enum web_method
method(const char *m)
{
	int i;

	for (i = 0; i < WEB_OTHER; i++)
		if (m != NULL && strcmp(m, method_names[i]) == 0)
			return (enum web_method)i;
	return WEB_OTHER;
}

const char *
web_method_name(enum web_method m)
{
	return (unsigned)m <= WEB_OTHER ? method_names[m] : "OTHER";
}

void
web_allow(struct web_req *req, enum web_method m)
{
	size_t n = strlen(req->allow);
	const char *name = web_method_name(m);

	if (strstr(req->allow, name) != NULL)
		return;
	snprintf(req->allow + n, sizeof(req->allow) - n, "%s%s",
	    n > 0 ? ", " : "", name);
}

static const char *
param(FCGX_Request *r, const char *name)
{
	const char *v = FCGX_GetParam(name, r->envp);

	return v != NULL ? v : "";
}

/*
 * Reads the body, at most max bytes. A body announced or found to be
 * larger sets too_big and is not kept. Returns ERR_OK, ERR_NOMEM or ERR_IO.
 */
static enum err
readbody(struct web_req *req, FCGX_Request *r, size_t max)
{
	const char *cl = param(r, "CONTENT_LENGTH");
	char chunk[16384];
	struct buf b;
	int n;

	buf_init_max(&b, max);
	req->content_length = (size_t)strtoull(cl, NULL, 10);
	if (req->content_length > max) {
		req->too_big = 1;
		return ERR_OK;
	}
	while ((n = FCGX_GetStr(chunk, sizeof(chunk), r->in)) > 0) {
		buf_add(&b, chunk, (size_t)n);
		if (buf_err(&b) == ERR_TOOBIG) {
			req->too_big = 1;
			buf_free(&b);
			return ERR_OK;
		}
	}
	if (buf_err(&b) != ERR_OK) {
		buf_free(&b);
		return ERR_NOMEM;
	}
	req->bodysz = b.len;
	req->body = buf_take(&b);
	return req->body != NULL ? ERR_OK : ERR_NOMEM;
}

static const char *
reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 413:
		return "Payload Too Large";
	case 429:
		return "Too Many Requests";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return status < 500 ? "Error" : "Internal Server Error";
	}
}

int
web_reply(struct web_req *req, int status, const char *ctype, const char *body,
    size_t len)
{
	FCGX_Request *r = req->fcgi;
	char head[512];
	int n;

	if (req->replied)
		return 0;
	req->replied = 1;
	req->status = status;
	/* libfcgi's own printf lacks %zu; format with the C library. */
	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Cache-Control: no-store\r\n%s%s%sContent-Length: %zu\r\n\r\n",
	    status, reason(status), ctype, status == 405 ? "Allow: " : "",
	    status == 405 ? (req->allow[0] ? req->allow : "POST") : "",
	    status == 405 ? "\r\n" : "", len);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -1;
	FCGX_PutStr(head, n, r->out);
	if (req->method != WEB_HEAD && len > 0)
		FCGX_PutStr(body, (int)len, r->out);
	return 0;
}

int
web_json(struct web_req *req, int status, const char *json)
{
	if (json == NULL)
		json = "{}";
	return web_reply(req, status, "application/json; charset=utf-8", json,
	    strlen(json));
}

int
web_send(struct web_req *req, int status, struct buf *b)
{
	int rc;

	if (buf_err(b) != ERR_OK)
		rc = web_json(req, 500,
		    "{\"success\":false,\"error\":\"out of memory\"}");
	else
		rc = web_json(req, status, buf_str(b));
	buf_free(b);
	return rc;
}

int
web_error(struct web_req *req, int status, const char *msg)
{
	struct buf b;
	struct jw w;

	buf_init(&b);
	jw_init(&w, &b);
	jw_obj(&w, NULL);
	jw_bool(&w, "success", 0);
	jw_str(&w, "error", msg);
	jw_obj_end(&w);
	return web_send(req, status, &b);
}

const char *
web_param(const struct web_req *req, const char *name)
{
	FCGX_Request *r = req->fcgi;

	return r != NULL ? FCGX_GetParam(name, r->envp) : NULL;
}

enum err
web_query(const struct web_req *req, const char *name, char **out)
{
	const char *p = req->query, *amp, *eq;
	size_t nlen = strlen(name);
	size_t outlen;

	*out = NULL;
	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL)
			eq = amp;
		if ((size_t)(eq - p) == nlen && strncmp(p, name, nlen) == 0) {
			if (eq == amp)
				return (*out = strdup("")) != NULL ? ERR_OK
				                                   : ERR_NOMEM;
			return form_decode(eq + 1, (size_t)(amp - eq - 1), 1,
			    out, &outlen);
		}
		p = *amp ? amp + 1 : amp;
	}
	return ERR_OK;
}

/* Is where a TCP address ("127.0.0.1:9001", ":9001") rather than a path? */
static int
is_tcp(const char *where)
{
	return where[0] != '/' && strchr(where, ':') != NULL;
}

int
web_listen(const char *where, unsigned mode)
{
	int fd;

	if (where == NULL || *where == '\0') {
		log_errx("no socket (-s path or -s host:port)");
		return -1;
	}
	if (FCGX_Init() != 0) {
		log_errx("could not initialise libfcgi");
		return -1;
	}
	if (!is_tcp(where) && unlink(where) == -1 && errno != ENOENT) {
		log_warn("could not remove old socket %s", where);
		return -1;
	}
	if ((fd = FCGX_OpenSocket(where, 128)) < 0) {
		log_warn("could not listen on %s", where);
		return -1;
	}
	if (!is_tcp(where) && chmod(where, (mode_t)mode) == -1) {
		log_warn("could not set mode of %s", where);
		close(fd);
		return -1;
	}
	log_info("listening on %s", where);
	return fd;
}

void
web_unlisten(int fd, const char *where)
{
	if (fd >= 0)
		close(fd);
	if (where != NULL && !is_tcp(where))
		unlink(where);
}

int
web_serve(int fd, const struct web_opts *o, web_handler handler, void *arg)
{
	FCGX_Request r;
	struct web_req req;
	struct timespec t0, t1;
	long served = 0;

	if (FCGX_Init() != 0) {
		log_errx("could not initialise libfcgi");
		return -1;
	}
	stopping = 0;
	proc_on_stop(onsignal);
	if (FCGX_InitRequest(&r, fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_errx("could not initialise the request");
		return -1;
	}
	if (o->idle != NULL)
		o->idle(arg);
	while (!stopping && FCGX_Accept_r(&r) == 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		memset(&req, 0, sizeof(req));
		req.fcgi = &r;
		req.method_name = param(&r, "REQUEST_METHOD");
		req.method = method(req.method_name);
		req.path = param(&r, "DOCUMENT_URI");
		if (*req.path == '\0')
			req.path = param(&r, "SCRIPT_NAME");
		req.query = param(&r, "QUERY_STRING");
		req.ctype = param(&r, "CONTENT_TYPE");
		req.reqid = param(&r, "REQUEST_ID");
		req.remote = param(&r, "REMOTE_ADDR");
		req.user_agent = param(&r, "HTTP_USER_AGENT");
		req.user = param(&r, "REMOTE_USER");
		log_reqid(req.reqid);
		if (readbody(&req, &r, o->max_body) != ERR_OK)
			web_error(&req, 500, "could not read the request body");
		else
			handler(arg, &req);
		if (!req.replied)
			web_error(&req, 500, "no response");
		free(req.body);
		FCGX_Finish_r(&r);
		if (o->name != NULL) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			metrics_request(o->name, req.status,
			    (long long)(t1.tv_sec - t0.tv_sec) * 1000000 +
			        (t1.tv_nsec - t0.tv_nsec) / 1000);
		}
		log_reqid(NULL);
		if (o->max_requests > 0 && ++served >= o->max_requests) {
			log_info("served %ld requests; recycling", served);
			break;
		}
		if (o->idle != NULL && !stopping)
			o->idle(arg);
	}
	/* Frees the request only: the listening socket stays open. */
	FCGX_Free(&r, 0);
	return 0;
}

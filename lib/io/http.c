#include <sys/file.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json.h>

#include "base/log.h"
#include "io/http.h"
#include "io/metrics.h"

#define USER_AGENT "amosync/1.0"
#define RATE_FILE_MAX (32 * 1024)
#define USEC 1000000LL

/* What the libcurl callbacks of one call share. */
struct xfer {
	struct http *h;
	struct http_resp *r;
	const char *const *keep; /* http_opts.keep */
	size_t max;
	int toobig;
	long long ticked; /* CLOCK_MONOTONIC us of the last tick */
};

enum err
http_init(struct http *h, const char *rundir)
{
	memset(h, 0, sizeof(*h));
	/* Reference counted by libcurl; paired with the cleanup in http_free. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("could not initialise libcurl");
		return ERR_HTTP;
	}
	if ((h->curl = curl_easy_init()) == NULL) {
		log_warnx("could not create a libcurl handle");
		curl_global_cleanup();
		return ERR_HTTP;
	}
	if (rundir != NULL && *rundir != '\0' &&
	    (h->rundir = strdup(rundir)) == NULL) {
		curl_easy_cleanup(h->curl);
		curl_global_cleanup();
		h->curl = NULL;
		return ERR_NOMEM;
	}
	return ERR_OK;
}

void
http_free(struct http *h)
{
	if (h == NULL || h->curl == NULL)
		return;
	curl_easy_cleanup(h->curl);
	curl_global_cleanup();
	free(h->rundir);
	memset(h, 0, sizeof(*h));
}

void
http_resp_init(struct http_resp *r)
{
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

void
http_resp_free(struct http_resp *r)
{
	if (r == NULL)
		return;
	buf_free(&r->body);
	http_resp_init(r);
}

void
http_scrub(char *s, const char *secret)
{
	size_t n, m;
	char *p;

	if (s == NULL || secret == NULL || (n = strlen(secret)) == 0)
		return;
	m = n < 3 ? n : 3;
	while ((p = strstr(s, secret)) != NULL) {
		memset(p, '*', m);
		memmove(p + m, p + n, strlen(p + n) + 1);
		s = p + m;
	}
}

void
http_url_redact(struct buf *b, const char *url, const char *secret)
{
	struct buf t = { 0 };
	const char *p, *q, *slash;
	char *s;

	/* Telegram puts the bot token in the path: /bot<token>/method. */
	for (p = url; (q = strstr(p, "/bot")) != NULL; p = slash) {
		slash = strchr(q + 4, '/');
		if (slash == NULL)
			break;
		buf_add(&t, p, (size_t)(q - p));
		buf_adds(&t, slash == q + 4 ? "/bot" : "/bot***");
	}
	buf_adds(&t, p);
	if ((s = buf_take(&t)) == NULL) {
		buf_adds(b, "(url)");
		return;
	}
	http_scrub(s, secret);
	buf_adds(b, s);
	free(s);
}

void
http_query_escape(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			buf_addc(b, (char)c);
		else {
			buf_addc(b, '%');
			buf_addc(b, hex[c >> 4]);
			buf_addc(b, hex[c & 15]);
		}
	}
}

/* Sets r->err; a long cause is cut, which is fine for a reason. */
static void __attribute__((format(printf, 2, 3)))
errf(struct http_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

static long long
now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (long long)ts.tv_sec * USEC + ts.tv_nsec / 1000;
}

static void
sleep_us(long long us)
{
	struct timespec ts, rem;

	if (us <= 0)
		return;
	ts.tv_sec = (time_t)(us / USEC);
	ts.tv_nsec = (long)(us % USEC) * 1000;
	while (nanosleep(&ts, &rem) == -1 && errno == EINTR)
		ts = rem;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

/*
 * Reads the timestamps (microseconds since the epoch, one per line) from
 * the rate file into ts (room for max), dropping those outside the window
 * ending at now. Returns how many were kept, sorted, or -1 on a read error.
 */
static int
rate_read(int fd, long long now, long long *ts, int max)
{
	char *data, *p, *end;
	ssize_t got;
	size_t len = 0;
	long long t;
	int n = 0;

	if ((data = malloc(RATE_FILE_MAX + 1)) == NULL)
		return -1;
	while (len < RATE_FILE_MAX) {
		got = pread(fd, data + len, RATE_FILE_MAX - len, (off_t)len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			free(data);
			return -1;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	data[len] = '\0';
	for (p = data; *p != '\0' && n < max; p = end) {
		t = strtoll(p, &end, 10);
		if (end == p) {
			/* Not a number: skip the rest of the line. */
			end = strchr(p, '\n');
			end = end != NULL ? end + 1 : p + strlen(p);
			continue;
		}
		/* Entries far in the future come from a clock set back. */
		if (t > now - USEC && t <= now + USEC)
			ts[n++] = t;
	}
	free(data);
	qsort(ts, (size_t)n, sizeof(*ts), cmp_ll);
	return n;
}

/* Rewrites the rate file with the last keep entries of ts. */
static int
rate_write(int fd, const long long *ts, int n, int keep)
{
	struct buf b = { 0 };
	int i, rc = -1;

	for (i = n > keep ? n - keep : 0; i < n; i++)
		buf_printf(&b, "%lld\n", ts[i]);
	if (buf_err(&b) != ERR_OK)
		goto out;
	if (ftruncate(fd, 0) == -1)
		goto out;
	if (pwrite(fd, buf_str(&b), b.len, 0) != (ssize_t)b.len)
		goto out;
	rc = 0;
out:
	buf_free(&b);
	return rc;
}

static int
rate_key_ok(const char *key)
{
	size_t i;

	for (i = 0; key[i] != '\0'; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '-' &&
		    key[i] != '_')
			return 0;
	return i > 0 && i <= 64;
}

/*
 * The lock is held while sleeping for a slot: waiters then queue on flock()
 * instead of all waking at once, and a slot taken is always written before
 * anyone else looks. A holder sleeps at most one second.
 */
static enum err rate_wait(const char *rundir, const char *key, int rate,
    long max_wait, void (*tick)(void *), void *tick_arg);

enum err
http_rate_wait(const char *rundir, const char *key, int rate, long max_wait)
{
	return rate_wait(rundir, key, rate, max_wait, NULL, NULL);
}

static enum err
rate_wait(const char *rundir, const char *key, int rate, long max_wait,
    void (*tick)(void *), void *tick_arg)
{
	long long ts[HTTP_RATE_MAX + 1];
	long long now, wait, deadline = 0;
	struct buf path = { 0 };
	enum err rc = ERR_IO;
	int fd = -1, n;

	if (rundir == NULL || *rundir == '\0' || key == NULL || rate <= 0)
		return ERR_OK;
	if (!rate_key_ok(key)) {
		log_warnx("could not rate limit: bad key");
		return ERR_CONFIG;
	}
	if (rate > HTTP_RATE_MAX)
		rate = HTTP_RATE_MAX;
	if (max_wait > 0)
		deadline = now_us(CLOCK_MONOTONIC) + max_wait * USEC;
	buf_printf(&path, "%s/ratelimit-%s", rundir, key);
	if (buf_err(&path) != ERR_OK) {
		rc = ERR_NOMEM;
		goto out;
	}
	fd = open(buf_str(&path), O_RDWR | O_CREAT | O_CLOEXEC, 0660);
	if (fd == -1) {
		log_warn("could not open rate limit file %s", buf_str(&path));
		rc = ERR_CONFIG;
		goto out;
	}
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			log_warn("could not lock %s", buf_str(&path));
			goto out;
		}
	}
	for (;;) {
		now = now_us(CLOCK_REALTIME);
		if ((n = rate_read(fd, now, ts, HTTP_RATE_MAX)) == -1) {
			log_warn("could not read %s", buf_str(&path));
			goto out;
		}
		if (n < rate) {
			ts[n++] = now;
			if (rate_write(fd, ts, n, rate) == -1) {
				log_warn("could not write %s", buf_str(&path));
				goto out;
			}
			break;
		}
		/* The slot frees when entry n-rate leaves the window. */
		wait = ts[n - rate] + USEC - now;
		if (wait < 1000)
			wait = 1000;
		if (deadline != 0 &&
		    now_us(CLOCK_MONOTONIC) + wait > deadline) {
			rc = ERR_TIMEOUT;
			goto out;
		}
		sleep_us(wait);
		if (tick != NULL)
			tick(tick_arg);
	}
	rc = ERR_OK;
out:
	if (fd != -1)
		close(fd);
	buf_free(&path);
	return rc;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;

	buf_add(&x->r->body, p, len);
	if (buf_err(&x->r->body) == ERR_TOOBIG)
		x->toobig = 1;
	return buf_err(&x->r->body) == ERR_OK ? len : 0;
}

/* Parses a Retry-After value: delta seconds or an HTTP date. */
static long
retry_after_parse(const char *v)
{
	char *end;
	long s;
	time_t t;

	while (*v == ' ' || *v == '\t')
		v++;
	s = strtol(v, &end, 10);
	if (end != v && s >= 0)
		return s;
	if ((t = curl_getdate(v, NULL)) == -1)
		return -1;
	t -= time(NULL);
	return t > 0 ? (long)t : 0;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, vlen, i;
	char v[128];
	const char *colon;

	/* A new status line (after 100 Continue, say): forget the old one. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		x->r->retry_after = -1;
		x->r->content_type[0] = '\0';
		for (i = 0; i < HTTP_KEEP_MAX; i++)
			x->r->kept[i][0] = '\0';
		return len;
	}
	if ((colon = memchr(p, ':', len)) == NULL)
		return len;
	for (i = 0; x->keep != NULL && i < HTTP_KEEP_MAX && x->keep[i] != NULL;
	     i++) {
		char *k = x->r->kept[i];
		const char *s = colon + 1;

		if ((size_t)(colon - p) != strlen(x->keep[i]) ||
		    strncasecmp(p, x->keep[i], (size_t)(colon - p)) != 0)
			continue;
		while (s < p + len && (*s == ' ' || *s == '\t'))
			s++;
		vlen = (size_t)(p + len - s);
		if (vlen >= HTTP_KEPT_LEN)
			vlen = HTTP_KEPT_LEN - 1;
		memcpy(k, s, vlen);
		k[vlen] = '\0';
		k[strcspn(k, "\r\n")] = '\0';
	}
	vlen = len - (size_t)(colon + 1 - p);
	if (vlen >= sizeof(v))
		vlen = sizeof(v) - 1;
	memcpy(v, colon + 1, vlen);
	v[vlen] = '\0';
	v[strcspn(v, "\r\n")] = '\0';
	if ((size_t)(colon - p) == 11 && strncasecmp(p, "Retry-After", 11) == 0)
		x->r->retry_after = retry_after_parse(v);
	else if ((size_t)(colon - p) == 12 &&
	    strncasecmp(p, "Content-Type", 12) == 0)
		snprintf(x->r->content_type, sizeof(x->r->content_type), "%s",
		    v + strspn(v, " \t"));
	return len;
}

/* libcurl's progress callback: the client's heartbeat, once a second. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct xfer *x = arg;
	long long now = now_us(CLOCK_MONOTONIC);

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (x->h->tick != NULL && now - x->ticked >= USEC) {
		x->ticked = now;
		x->h->tick(x->h->tick_arg);
	}
	return 0;
}

/* Sets what every call has in common; returns 0 or a libcurl error. */
static CURLcode
setup(CURL *c, const struct http_opts *o, const char *url, struct xfer *x,
    struct curl_slist *hdrs, char *errbuf)
{
	long timeout = o->timeout > 0 ? o->timeout : 30;
	long ctimeout = o->connect_timeout > 0 ? o->connect_timeout
	                                       : (timeout < 10 ? timeout : 10);
	CURLcode cc = CURLE_OK;

#define SET(opt, val)                                                          \
	if (cc == CURLE_OK)                                                    \
	cc = curl_easy_setopt(c, opt, val)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT, ctimeout);
	SET(CURLOPT_TIMEOUT, timeout);
	SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SET(CURLOPT_USERAGENT, USER_AGENT);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, x);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, x);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	if (x->h->tick != NULL) {
		SET(CURLOPT_XFERINFOFUNCTION, on_progress);
		SET(CURLOPT_XFERINFODATA, x);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
#undef SET
	return cc;
}

/*
 * Performs one request; method is "GET" or "POST" (with ctype and body).
 * See http_get() for what it returns.
 */
static enum err
perform(struct http *h, const struct http_opts *o, const char *method,
    const char *url, const char *ctype, const char *body, size_t len,
    struct http_resp *r)
{
	static const struct http_opts none = { 0 };
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL, *t;
	struct buf lurl = { 0 }, ct = { 0 };
	const char *const *hp;
	struct xfer x;
	long long t0;
	enum err rc = ERR_NOMEM;
	CURLcode cc;
	CURL *c = h->curl;

	if (o == NULL)
		o = &none;
	buf_free(&r->body);
	http_resp_init(r);
	x.h = h;
	x.ticked = now_us(CLOCK_MONOTONIC);
	x.r = r;
	x.keep = o->keep;
	x.max = o->max_body > 0 ? o->max_body : HTTP_MAX_BODY_DEFAULT;
	buf_init_max(&r->body, x.max);
	x.toobig = 0;
	http_url_redact(&lurl, url, o->secret);

	if (o->rate_key != NULL && o->rate > 0) {
		rc = rate_wait(h->rundir, o->rate_key, o->rate,
		    o->rate_max_wait > 0 ? o->rate_max_wait
		                         : (o->timeout > 0 ? o->timeout : 30),
		    h->tick, h->tick_arg);
		if (rc != ERR_OK) {
			errf(r, "%s",
			    rc == ERR_TIMEOUT ? "no request slot free in time "
			                        "(host-wide rate limit)"
			                      : "could not use the host-wide "
			                        "rate limit file");
			goto out;
		}
		rc = ERR_NOMEM;
	}

	for (hp = o->headers; hp != NULL && *hp != NULL; hp++) {
		if ((t = curl_slist_append(hdrs, *hp)) == NULL)
			goto out;
		hdrs = t;
	}
	/* No "Expect: 100-continue" round trip for our small bodies. */
	if ((t = curl_slist_append(hdrs, "Expect:")) == NULL)
		goto out;
	hdrs = t;
	if (ctype != NULL) {
		buf_printf(&ct, "Content-Type: %s", ctype);
		if (buf_err(&ct) != ERR_OK ||
		    (t = curl_slist_append(hdrs, buf_str(&ct))) == NULL)
			goto out;
		hdrs = t;
	}

	curl_easy_reset(c);
	cc = setup(c, o, url, &x, hdrs, errbuf);
	if (cc == CURLE_OK && strcmp(method, "POST") == 0) {
		cc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)len);
		if (cc == CURLE_OK)
			cc = curl_easy_setopt(c, CURLOPT_POSTFIELDS,
			    body != NULL ? body : "");
	}
	if (cc != CURLE_OK) {
		errf(r, "could not set up request: %s", curl_easy_strerror(cc));
		rc = cc == CURLE_OUT_OF_MEMORY ? ERR_NOMEM : ERR_HTTP;
		goto out;
	}

	t0 = now_us(CLOCK_MONOTONIC);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (o->metric != NULL || o->rate_key != NULL)
		metrics_call(o->metric != NULL ? o->metric : o->rate_key,
		    cc == CURLE_OK ? r->status : 0);
	/* Drop our pointers so a later reset cannot see stale ones. */
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (cc == CURLE_OK) {
		if (buf_err(&r->body) != ERR_OK) {
			errf(r, "out of memory");
			rc = ERR_NOMEM;
			goto out;
		}
		log_debug("%s %s -> %ld (%zu bytes, %lld ms)", method,
		    buf_str(&lurl), r->status, r->body.len,
		    (now_us(CLOCK_MONOTONIC) - t0) / 1000);
		rc = ERR_OK;
		goto out;
	}

	if (x.toobig || cc == CURLE_FILESIZE_EXCEEDED) {
		errf(r, "response larger than %zu bytes", x.max);
		rc = ERR_HTTP;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		errf(r, "timed out after %ld s: %s",
		    o->timeout > 0 ? o->timeout : 30L,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		rc = ERR_TIMEOUT;
	} else if (cc == CURLE_OUT_OF_MEMORY || buf_err(&r->body) != ERR_OK) {
		errf(r, "out of memory");
		rc = ERR_NOMEM;
	} else {
		errf(r, "%s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
		rc = ERR_HTTP;
	}
	/* A failed transfer has no usable response. */
	r->status = 0;
	buf_reset(&r->body);
	log_debug("%s %s failed: %s", method, buf_str(&lurl), r->err);
out:
	if (rc != ERR_OK && r->err[0] == '\0')
		errf(r, "%s", err_str(rc));
	http_scrub(r->err, o->secret);
	curl_slist_free_all(hdrs);
	buf_free(&ct);
	buf_free(&lurl);
	return rc;
}

enum err
http_get(struct http *h, const struct http_opts *o, const char *url,
    struct http_resp *r)
{
	return perform(h, o, "GET", url, NULL, NULL, 0, r);
}

enum err
http_post_json(struct http *h, const struct http_opts *o, const char *url,
    const char *body, size_t len, struct http_resp *r)
{
	return perform(h, o, "POST", url, "application/json", body, len, r);
}

enum err
http_post_form(struct http *h, const struct http_opts *o, const char *url,
    const char *body, size_t len, struct http_resp *r)
{
	return perform(h, o, "POST", url, "application/x-www-form-urlencoded",
	    body, len, r);
}

/* Parses r's body as JSON: an object, or (arrays) an array too. */
static struct json_object *
json_parse(const struct http_resp *r, int arrays)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (r->body.len > INT32_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, buf_str(&r->body), (int)r->body.len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !(json_object_is_type(o, json_type_object) ||
	        (arrays && json_object_is_type(o, json_type_array)))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

struct json_object *
http_json(const struct http_resp *r)
{
	return json_parse(r, 0);
}

struct json_object *
http_json_any(const struct http_resp *r)
{
	return json_parse(r, 1);
}

struct json_object *
http_jget(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

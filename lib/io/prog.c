#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "io/metrics.h"
#include "io/proc.h"
#include "io/prog.h"

/* The environment variable that hands the listening socket to a re-exec. */
#define LISTEN_FD_ENV "AMOSYNC_LISTEN_FD"

/* What the web loop hands back to the program for each request. */
struct served {
	const struct prog *p;
	struct app *app;
	void *ctx;
	int fd; /* the listening socket */
	struct web_opts o;
};

static int
handle(void *arg, struct web_req *req)
{
	struct served *s = arg;
	int ret;

	if (s->p->routes != NULL)
		ret = route_serve(s->p->routes, s->p->nroutes, s->ctx,
		    s->o.max_body, req);
	else
		ret = s->p->handler(s->ctx, req);
	if (s->p->done != NULL)
		s->p->done(s->ctx);
	return ret;
}

static void
idle(void *arg)
{
	struct served *s = arg;

	if (s->p->idle != NULL)
		(void)s->p->idle(s->ctx);
}

/* Builds the program's context; without init it is the struct app. */
static enum err
ctx_init(struct served *s)
{
	s->ctx = s->app;
	if (s->p->init != NULL)
		return s->p->init(s->app, &s->ctx);
	return ERR_OK;
}

static void
ctx_fini(struct served *s)
{
	if (s->p->fini != NULL && s->ctx != s->app)
		s->p->fini(s->ctx);
	s->ctx = NULL;
}

/*
 * A pool worker's life: its own context and database connections, then
 * requests until SIGTERM or AMOSYNC_MAX_REQUESTS. Everything is freed
 * before the process exits, so leak checkers see a clean end.
 */
static int
work(void *arg)
{
	struct served *s = arg;
	enum err err;
	int rc = 1;

	if ((err = ctx_init(s)) == ERR_OK) {
		rc = web_serve(s->fd, &s->o, handle, s) == 0 ? 0 : 1;
		ctx_fini(s);
	} else if (err == ERR_CONFIG) {
		rc = PROC_EXIT_CANNOT;
	}
	close(s->fd);
	app_free(s->app);
	return rc;
}

static volatile sig_atomic_t aux_stopping;

static void
aux_stop(int sig)
{
	(void)sig;
	aux_stopping = 1;
}

/*
 * The processor: the program's idle hook (the webhooks apply their inbox
 * and replay their spool there) runs here in a loop, never in a process
 * that serves requests.
 */
static int
aux(void *arg)
{
	struct served *s = arg;

	close(s->fd);
	proc_on_stop(aux_stop);
	if (ctx_init(s) == ERR_OK) {
		while (!aux_stopping) {
			long ms = s->p->idle(s->ctx);

			if (!aux_stopping && ms > 0)
				proc_nap(ms);
		}
		ctx_fini(s);
	}
	app_free(s->app);
	return 0;
}

/* The listening socket a re-exec inherited, or -1. */
static int
inherited(void)
{
	const char *v = getenv(LISTEN_FD_ENV);
	char *end;
	long fd;

	if (v == NULL)
		return -1;
	fd = strtol(v, &end, 10);
	unsetenv(LISTEN_FD_ENV);
	if (*end != '\0' || fd < 3 || fd > INT_MAX ||
	    fcntl((int)fd, F_GETFD) == -1) {
		log_warnx("ignoring %s=%s: not an open descriptor",
		    LISTEN_FD_ENV, v);
		return -1;
	}
	return (int)fd;
}

/*
 * Replaces this process with the program file as it is now (a new build
 * swapped in), same pid, handing over the listening socket: connections
 * that arrive meanwhile wait in its backlog. Returns only on failure.
 */
static void
reexec(const char *exe, char *argv[], int fd)
{
	char v[16];
	int flags;

	snprintf(v, sizeof(v), "%d", fd);
	if ((flags = fcntl(fd, F_GETFD)) == -1 ||
	    fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) == -1 ||
	    setenv(LISTEN_FD_ENV, v, 1) == -1) {
		log_warn("could not hand over the socket");
		return;
	}
	log_info("swapping in %s", exe);
	fflush(NULL);
	execv(exe, argv);
	log_warn("could not execute %s; going on with this build", exe);
	unsetenv(LISTEN_FD_ENV);
}

int
prog_main(int argc, char *argv[], const struct prog *p)
{
	char exe[PATH_MAX];
	struct proc_pool pool;
	struct served s;
	struct app app;
	enum proc_end end;
	int rc = -1, procs, own;

	/* The program's file, to execute again on a swap (SIGHUP). */
	if (realpath(argv[0], exe) == NULL)
		snprintf(exe, sizeof(exe), "/proc/self/exe");
	if (app_init(&app, p->name, APP_OPT_SOCKET, argc, argv) != ERR_OK)
		return EXIT_FAILURE;
	if (app.quit || app.check) {
		rc = app.check ? app_check(&app, p->needs) : 0;
		app_free(&app);
		return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	memset(&s, 0, sizeof(s));
	s.p = p;
	s.app = &app;
	s.o.max_body = (size_t)cfg_int(&app.cfg,
	    p->webhook_bodies ? CFG_WEBHOOK_MAX_BODY : CFG_MAX_BODY);
	s.o.max_requests = (long)cfg_int(&app.cfg, CFG_MAX_REQUESTS);
	s.o.name = p->name;
	/* Mapped once here: the pool's processes inherit the mapping. */
	metrics_open(cfg_str(&app.cfg, CFG_RUN_DIR));
	procs = app.procs >= 0 ? app.procs : (int)cfg_int(&app.cfg, CFG_PROCS);
	if (app_need(&app, p->needs) != ERR_OK)
		goto out;
	app.traffic.tx_sql = p->traffic_tx_sql;
	/*
	 * What a worker's context refuses (a setting the program needs)
	 * is said once, here, and the program exits: a pool would only
	 * restart its workers in a loop, each saying it again.
	 */
	if (ctx_init(&s) != ERR_OK) {
		log_errx("%s cannot start its workers (see above)", p->name);
		goto out;
	}
	ctx_fini(&s);
	app_probe(&app);
	own = (s.fd = inherited()) < 0;
	if (own &&
	    (s.fd = web_listen(app.sockpath,
	         (unsigned)cfg_int(&app.cfg, CFG_SOCKET_MODE))) < 0)
		goto out;
	if (procs == 0) {
		/* One process: requests and the idle hook take turns. */
		s.o.idle = idle;
		if (ctx_init(&s) == ERR_OK) {
			rc = web_serve(s.fd, &s.o, handle, &s);
			ctx_fini(&s);
		}
		web_unlisten(s.fd, app.sockpath);
		goto out;
	}
	memset(&pool, 0, sizeof(pool));
	pool.n = procs;
	pool.work = work;
	pool.aux = p->idle != NULL ? aux : NULL;
	pool.naux = (int)cfg_int(&app.cfg, CFG_PROCESSORS);
	pool.arg = &s;
	pool.stop_timeout = (int)cfg_int(&app.cfg, CFG_STOP_TIMEOUT);
	for (;;) {
		end = proc_pool_run(&pool);
		if (end != PROC_RELOAD)
			break;
		reexec(exe, argv, s.fd);
	}
	rc = end == PROC_STOPPED ? 0 : -1;
	web_unlisten(s.fd, app.sockpath);
	log_info("stopped");
out:
	app_free(&app);
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

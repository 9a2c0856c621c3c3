#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "io/proc.h"

/* A worker that dies within this many seconds of its start died young. */
#define YOUNG 2
#define BACKOFF_MAX 30

void
proc_on_stop(void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

void
proc_nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static volatile sig_atomic_t got_stop, got_reload;
static int cannot;         /* a process exited with PROC_EXIT_CANNOT */
static sigset_t unblocked; /* the mask outside the master's critical part */

static void
onchild(int sig)
{
	(void)sig;
}

static void
onstop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static void
onreload(int sig)
{
	(void)sig;
	got_reload = 1;
}

/* One process of the pool: a worker slot, or the auxiliary one. */
struct slot {
	pid_t pid;    /* 0 when not running */
	time_t start; /* when it was started */
	int failures; /* young deaths in a row */
	time_t due;   /* when to start it again */
	int aux;
};

/* Forks the process of slot s. Returns 0, or -1 when fork failed. */
static int
spawn(const struct proc_pool *p, struct slot *s, pid_t master)
{
	struct sigaction sa;
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		log_warn("could not fork");
		return -1;
	}
	if (pid == 0) {
		/* Die with the master, even when it is killed. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != master)
			_exit(1);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGCHLD, &sa, NULL);
		sigprocmask(SIG_SETMASK, &unblocked, NULL);
		exit(s->aux ? p->aux(p->arg) : p->work(p->arg));
	}
	s->pid = pid;
	s->start = time(NULL);
	return 0;
}

/* Logs how process pid ended. */
static void
ended(pid_t pid, int status, int aux)
{
	const char *what = aux ? "processor" : "worker";

	if (WIFSIGNALED(status))
		log_warnx("%s %d killed by signal %d (%s)", what, (int)pid,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		log_warnx("%s %d exited with status %d", what, (int)pid,
		    WEXITSTATUS(status));
	else
		log_info("%s %d exited", what, (int)pid);
}

/* Sends sig to every running process of the pool. */
static void
signal_all(struct slot *s, int n, int sig)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].pid > 0)
			kill(s[i].pid, sig);
}

/* Reaps whatever has ended; returns how many are still running. */
static int
reap(struct slot *s, int n, int block)
{
	int i, status, running = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
		for (i = 0; i < n; i++)
			if (s[i].pid == pid) {
				ended(pid, status, s[i].aux);
				s[i].pid = 0;
				if (WIFEXITED(status) &&
				    WEXITSTATUS(status) == PROC_EXIT_CANNOT)
					cannot = 1;
				/* A clean exit (recycling) restarts at once. */
				if (WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0)
					s[i].failures = 0;
				else if (time(NULL) - s[i].start < YOUNG)
					s[i].failures++;
				else
					s[i].failures = 0;
				s[i].due = time(NULL) +
				    (s[i].failures == 0 ? 0
				            : s[i].failures > 5
				            ? BACKOFF_MAX
				            : (1 << (s[i].failures - 1)));
			}
		block = 0;
	}
	for (i = 0; i < n; i++)
		running += s[i].pid > 0;
	return running;
}

/* Stops every process: SIGTERM, then SIGKILL after the timeout. */
static void
stop_all(struct slot *s, int n, int timeout)
{
	time_t until = time(NULL) + timeout;

	signal_all(s, n, SIGTERM);
	while (reap(s, n, 0) > 0 && time(NULL) < until)
		proc_nap(50);
	if (reap(s, n, 0) > 0) {
		log_warnx("processes still running after %d s; killing them",
		    timeout);
		signal_all(s, n, SIGKILL);
		while (reap(s, n, 1) > 0)
			;
	}
}

enum proc_end
proc_pool_run(const struct proc_pool *p)
{
	struct sigaction sa;
	sigset_t block;
	struct slot *s;
	pid_t master = getpid();
	enum proc_end end;
	int i, naux = p->aux == NULL ? 0 : p->naux > 0 ? p->naux : 1;
	int n = p->n + naux, waiting;

	if ((s = calloc((size_t)n, sizeof(*s))) == NULL)
		return PROC_FAILED;
	for (i = p->n; i < n; i++)
		s[i].aux = 1;
	got_stop = got_reload = 0;
	cannot = 0;
	proc_on_stop(onstop);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = onreload;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = onchild;
	sigaction(SIGCHLD, &sa, NULL);
	/*
	 * The signals that wake the master are blocked except inside
	 * sigsuspend(), so none arrives between a check and the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	if (naux > 0)
		log_info("starting %d workers and %d processor%s", p->n, naux,
		    naux == 1 ? "" : "s");
	else
		log_info("starting %d workers", p->n);
	for (;;) {
		reap(s, n, 0);
		if (got_stop || got_reload || cannot)
			break;
		for (i = 0, waiting = 0; i < n; i++)
			if (s[i].pid == 0 &&
			    (time(NULL) < s[i].due ||
			        spawn(p, &s[i], master) == -1))
				waiting++;
		if (waiting == n && s[0].start == 0) {
			sigprocmask(SIG_SETMASK, &unblocked, NULL);
			free(s);
			return PROC_FAILED;
		}
		if (waiting > 0) {
			/* A restart is due later: look again shortly. */
			sigprocmask(SIG_SETMASK, &unblocked, NULL);
			proc_nap(200);
			sigprocmask(SIG_BLOCK, &block, NULL);
		} else {
			sigsuspend(&unblocked);
		}
	}
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	if (cannot) {
		end = PROC_FAILED;
		log_errx("a worker cannot start (see above): stopping, not "
		         "restarting it in a loop");
	} else {
		end = got_stop ? PROC_STOPPED : PROC_RELOAD;
		log_info("%s: stopping the workers",
		    end == PROC_STOPPED ? "stop" : "reload");
	}
	stop_all(s, n, p->stop_timeout);
	free(s);
	return end;
}

#ifndef AMOSYNC_IO_PROC_H
#define AMOSYNC_IO_PROC_H

/*
 * The process itself: signals, and a pool of worker processes in the
 * php-fpm "static" model. The master forks n workers that each serve the
 * listening socket they inherited, plus naux auxiliary processes
 * (the spool replay, kept out of every live request), restarts any that
 * dies (with backoff when it dies young), and stops them all on SIGTERM
 * or SIGINT: each finishes the request it holds, within a timeout. The
 * master itself opens no database connection: each worker has its own.
 */

/*
 * Calls fn on SIGTERM and SIGINT, installed without SA_RESTART so that a
 * blocking accept() or sleep returns; ignores SIGPIPE.
 */
void proc_on_stop(void (*fn)(int));

/*
 * The exit status of a process that cannot start (its configuration is
 * refused): starting it again would only fail again, so the pool stops
 * and proc_pool_run returns PROC_FAILED (EX_CONFIG of sysexits.h).
 */
#define PROC_EXIT_CANNOT 78

struct proc_pool {
	int n;                  /* workers, >= 1 */
	int (*work)(void *arg); /* a worker's life; returns its exit status */
	int (*aux)(void *arg);  /* an auxiliary process's life, or NULL */
	int naux;               /* auxiliary processes when aux is set, >= 1 */
	void *arg;
	int stop_timeout; /* seconds a stop waits before SIGKILL */
};

enum proc_end {
	PROC_STOPPED, /* SIGTERM or SIGINT: every process has ended */
	PROC_RELOAD,  /* SIGHUP: every process has ended; re-execute */
	PROC_FAILED,  /* could not fork at all, or a process cannot start */
};

/*
 * Runs the pool until a signal ends it. In a child, work(arg) or aux(arg)
 * runs and the child exits with its status; a child also dies with the
 * master (PR_SET_PDEATHSIG). Returns in the master only.
 */
enum proc_end proc_pool_run(const struct proc_pool *p);

/* Sleeps ms milliseconds; a signal cuts it short. */
void proc_nap(long ms);

#endif

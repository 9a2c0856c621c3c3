/*
 * The yardstick of make bench-http: the least a FastCGI webhook endpoint
 * can do. Eight processes accept on one socket; each reads the body,
 * takes the deal id out of it, and stores the body with one
 * INSERT ... ON CONFLICT DO NOTHING (one round trip, autocommit). No
 * parsing, no attribution, no record, no spool: what amosync's endpoints
 * are compared with, on the same nginx, database and load.
 *
 * usage: baseline -s socket -d conninfo [-n procs]
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <libpq-fe.h>

static const char SQL[] =
    "INSERT INTO bench_baseline (deal_id, body) VALUES ($1::bigint, $2)"
    " ON CONFLICT (deal_id) DO NOTHING";

static volatile sig_atomic_t stopping;

static void
onterm(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/* Serves requests until SIGTERM. */
static int
serve(int fd, const char *conninfo)
{
	static char body[1 << 20];
	const char *v[2];
	char id[32];
	FCGX_Request r;
	PGconn *db;
	PGresult *res;
	const char *p;
	int n, len;

	db = PQconnectdb(conninfo);
	if (PQstatus(db) != CONNECTION_OK) {
		fprintf(stderr, "baseline: %s", PQerrorMessage(db));
		return 1;
	}
	FCGX_InitRequest(&r, fd, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping && FCGX_Accept_r(&r) == 0) {
		len = 0;
		while (len < (int)sizeof(body) - 1 &&
		    (n = FCGX_GetStr(body + len, (int)sizeof(body) - 1 - len,
		         r.in)) > 0)
			len += n;
		body[len] = '\0';
		/* leads%5Bstatus%5D%5B0%5D%5Bid%5D=<id>& */
		p = strstr(body, "%5Bid%5D=");
		snprintf(id, sizeof(id), "%lld",
		    p != NULL ? strtoll(p + 9, NULL, 10) : 0LL);
		v[0] = id;
		v[1] = body;
		res = PQexecParams(db, SQL, 2, NULL, v, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_COMMAND_OK)
			FCGX_FPrintF(r.out,
			    "Status: 200 OK\r\nContent-Type: application/json"
			    "\r\n\r\n{\"success\":true}");
		else
			FCGX_FPrintF(r.out,
			    "Status: 500 Error\r\nContent-Type: "
			    "application/json"
			    "\r\n\r\n{\"success\":false}");
		PQclear(res);
		FCGX_Finish_r(&r);
	}
	PQfinish(db);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *sock = NULL, *conninfo = NULL;
	struct sigaction sa;
	int ch, fd, i, procs = 8;
	pid_t *kids;

	while ((ch = getopt(argc, argv, "s:d:n:")) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'n':
			procs = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (sock == NULL || conninfo == NULL || procs < 1) {
		fprintf(stderr,
		    "usage: baseline -s socket -d conninfo [-n procs]\n");
		return 2;
	}
	FCGX_Init();
	unlink(sock);
	if ((fd = FCGX_OpenSocket(sock, 128)) < 0 || chmod(sock, 0666) == -1) {
		perror(sock);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onterm;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((kids = calloc((size_t)procs, sizeof(*kids))) == NULL)
		return 1;
	for (i = 0; i < procs; i++)
		if ((kids[i] = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			return serve(fd, conninfo);
		}
	while (!stopping)
		pause();
	for (i = 0; i < procs; i++)
		kill(kids[i], SIGTERM);
	while (wait(NULL) > 0)
		;
	free(kids);
	unlink(sock);
	return 0;
}

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "io/spool.h"

#define SPOOL_MAGIC "AMOSYNC-SPOOL 1\n"

/*
 * Writes the request to the spool directory: a temporary file, fsync,
 * rename, so a crash leaves either nothing or a whole file.
 */
enum err
spool_write(const char *dir, const struct spool_meta *m)
{
	char tmp[4096], path[4096];
	struct timespec ts;
	struct buf b;
	enum err rc = ERR_IO;
	size_t off = 0;
	int fd = -1, dfd;

	if (*dir == '\0') {
		log_warnx("no spool directory configured; request lost");
		return ERR_CONFIG;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%lld%09ld-%d", dir, m->endpoint,
	    (long long)ts.tv_sec, ts.tv_nsec, (int)getpid());
	snprintf(path, sizeof(path), "%s/%s-%lld%09ld-%d.req", dir, m->endpoint,
	    (long long)ts.tv_sec, ts.tv_nsec, (int)getpid());
	buf_init(&b);
	buf_printf(&b,
	    SPOOL_MAGIC "reqid=%s\namo=%s\nremote=%s\nua=%s\n"
	                "ctype=%s\n\n",
	    m->reqid ? m->reqid : "", m->amo_reqid ? m->amo_reqid : "",
	    m->remote ? m->remote : "", m->user_agent ? m->user_agent : "",
	    m->ctype ? m->ctype : "");
	if (m->body != NULL)
		buf_add(&b, m->body, m->bodysz);
	if (buf_err(&b) != ERR_OK) {
		rc = ERR_NOMEM;
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		log_warn("could not create %s", tmp);
		goto out;
	}
	while (off < b.len) {
		ssize_t n = write(fd, b.data + off, b.len - off);

		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("could not write %s", tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		fd = -1;
		log_warn("could not flush %s", tmp);
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		log_warn("could not rename %s", tmp);
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	log_warnx("database unavailable; request spooled to %s", path);
	rc = ERR_OK;
out:
	if (fd != -1) {
		close(fd);
		unlink(tmp);
	}
	buf_free(&b);
	return rc;
}

/* Copies a header line "name=value\n" at *p into out; advances *p. */
static int
field(char **p, const char *name, char **out)
{
	size_t n = strlen(name);
	char *nl;

	if (strncmp(*p, name, n) != 0 || (*p)[n] != '=')
		return 0;
	if ((nl = strchr(*p, '\n')) == NULL)
		return 0;
	*nl = '\0';
	*out = *p + n + 1;
	*p = nl + 1;
	return 1;
}

enum err
spool_parse(char *data, size_t len, struct spool_meta *m)
{
	char *p, *sep;
	char *reqid, *amo, *remote, *ua;

	if (len < sizeof(SPOOL_MAGIC) - 1 ||
	    strncmp(data, SPOOL_MAGIC, sizeof(SPOOL_MAGIC) - 1) != 0)
		return ERR_INPUT;
	/* The header is text: it ends at the first blank line. */
	if ((sep = memmem(data, len, "\n\n", 2)) == NULL ||
	    memchr(data, '\0', (size_t)(sep - data)) != NULL)
		return ERR_INPUT;
	*sep = '\0';
	p = data + sizeof(SPOOL_MAGIC) - 1;
	if (!field(&p, "reqid", &reqid) || !field(&p, "amo", &amo) ||
	    !field(&p, "remote", &remote) || !field(&p, "ua", &ua))
		return ERR_INPUT;
	/* The last field ends at the separator, not at a newline. */
	if (strncmp(p, "ctype=", 6) != 0 || strchr(p, '\n') != NULL)
		return ERR_INPUT;
	m->reqid = reqid;
	m->amo_reqid = amo;
	m->remote = remote;
	m->user_agent = ua;
	m->ctype = p + 6;
	m->body = sep + 2;
	m->bodysz = len - (size_t)(sep + 2 - data);
	return ERR_OK;
}

/*
 * The largest spool file read back: the largest body a program accepts
 * (AMOSYNC_MAX_BODY may be 1 GiB) and its header lines. No program writes
 * a larger one; a larger file is not a spool file.
 */
#define SPOOL_FILE_MAX ((size_t)1073741824 + 65536)

enum err
spool_read(const char *path, struct spool_meta *m, char **data)
{
	char chunk[8192];
	struct buf b;
	size_t n;
	FILE *fp;

	*data = NULL;
	if ((fp = fopen(path, "r")) == NULL)
		return ERR_IO;
	buf_init_max(&b, SPOOL_FILE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0 &&
	    buf_err(&b) == ERR_OK)
		buf_add(&b, chunk, n);
	fclose(fp);
	if (buf_err(&b) == ERR_TOOBIG) {
		log_warnx("spool file %s is larger than %zu bytes", path,
		    (size_t)SPOOL_FILE_MAX);
		buf_free(&b);
		return ERR_INPUT;
	}
	if (buf_err(&b) != ERR_OK) {
		buf_free(&b);
		return ERR_NOMEM;
	}
	if (b.data == NULL || spool_parse(b.data, b.len, m) != ERR_OK) {
		log_warnx("malformed spool file %s", path);
		buf_free(&b);
		return ERR_INPUT;
	}
	*data = b.data;
	return ERR_OK;
}

/*
 * Takes a spool file for this process by renaming it to
 * ".claim-<pid>-<name>". Returns 0 if another process was first.
 */
static int
claim(const char *dir, const char *name, char *path, size_t len)
{
	char from[4096];

	snprintf(from, sizeof(from), "%s/%s", dir, name);
	snprintf(path, len, "%s/.claim-%d-%s", dir, (int)getpid(), name);
	return rename(from, path) == 0;
}

/* Gives a claimed file back under its own name. */
static void
unclaim(const char *dir, const char *name, const char *path)
{
	char to[4096];

	snprintf(to, sizeof(to), "%s/%s", dir, name);
	if (rename(path, to) == -1)
		log_warn("could not put back %s", path);
}

/*
 * Moves a claimed file that can never be replayed to dir/bad/, under its
 * own name, where an operator can read it. Returns 0 when it could not
 * be moved: it is then put back, never removed.
 */
static int
setaside(const char *dir, const char *name, const char *path, const char *why)
{
	char bad[4096], to[4096 + 256];

	snprintf(bad, sizeof(bad), "%s/%s", dir, SPOOL_BAD);
	snprintf(to, sizeof(to), "%s/%s", bad, name);
	if ((mkdir(bad, 0700) == -1 && errno != EEXIST) ||
	    rename(path, to) == -1) {
		log_warn("could not move %s to %s", name, bad);
		unclaim(dir, name, path);
		return 0;
	}
	log_errx("spool file %s cannot be replayed (%s); moved to %s", name,
	    why, to);
	return 1;
}

/*
 * Puts back files claimed by processes that no longer run (killed while
 * replaying), so that they are replayed again.
 */
static void
orphans(const char *dir, struct dirent **list, int n)
{
	char path[4096];
	const char *name;
	char *end;
	long pid;
	int i;

	for (i = 0; i < n; i++) {
		if (strncmp(list[i]->d_name, ".claim-", 7) != 0)
			continue;
		pid = strtol(list[i]->d_name + 7, &end, 10);
		if (*end != '-' || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		name = end + 1;
		snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
		unclaim(dir, name, path);
	}
}

/* Is name a spool file of endpoint: "<endpoint>-<...>.req"? */
static int
ours(const char *name, const char *endpoint)
{
	size_t plen = strlen(endpoint), n = strlen(name);

	return strncmp(name, endpoint, plen) == 0 && name[plen] == '-' &&
	    n > 4 && strcmp(name + n - 4, ".req") == 0;
}

int
spool_replay(const char *dir, const char *endpoint, spool_fn fn, void *arg,
    struct spool_stats *st)
{
	struct spool_stats mine;
	struct dirent **list = NULL;
	struct spool_meta m;
	char path[4096], *data;
	int i, n, stop = 0;
	enum err rc;

	if (st == NULL)
		st = &mine;
	memset(st, 0, sizeof(*st));
	if (*dir == '\0' || (n = scandir(dir, &list, NULL, alphasort)) < 0)
		return 0;
	orphans(dir, list, n);
	for (i = 0; i < n && !stop; i++) {
		const char *name = list[i]->d_name;

		if (!ours(name, endpoint) ||
		    !claim(dir, name, path, sizeof(path)))
			continue;
		memset(&m, 0, sizeof(m));
		m.endpoint = endpoint;
		rc = spool_read(path, &m, &data);
		if (rc == ERR_OK) {
			rc = fn(arg, &m);
			free(data);
		} else if (rc != ERR_INPUT) {
			rc = ERR_DB; /* cannot be read now: try later */
		}
		if (rc == ERR_OK) {
			if (unlink(path) == -1)
				log_warn("could not remove %s", path);
			st->done++;
		} else if (rc == ERR_DB) {
			unclaim(dir, name, path);
			st->later++;
			stop = 1;
		} else if (setaside(dir, name, path, err_str(rc))) {
			st->bad++;
		} else {
			st->later++;
		}
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	if (st->done > 0 || st->bad > 0)
		log_info("replayed %d spooled %s requests, %d set aside",
		    st->done, endpoint, st->bad);
	return st->done;
}

/* Counts the regular files of dir named like a request. */
static enum err
count(const char *dir, int bad, long *files, time_t *oldest)
{
	struct dirent *d;
	struct stat st;
	char path[4096];
	DIR *dp;
	size_t n;

	if ((dp = opendir(dir)) == NULL)
		return errno == ENOENT && bad ? ERR_OK : ERR_IO;
	while ((d = readdir(dp)) != NULL) {
		n = strlen(d->d_name);
		if (n < 5 || strcmp(d->d_name + n - 4, ".req") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		(*files)++;
		if (*oldest == 0 || st.st_mtime < *oldest)
			*oldest = st.st_mtime;
	}
	closedir(dp);
	return ERR_OK;
}

enum err
spool_stat(const char *dir, long *files, long *oldest_age, long *bad)
{
	char path[4096];
	time_t oldest = 0, b = 0;
	enum err rc;

	*files = *oldest_age = 0;
	if (bad != NULL)
		*bad = 0;
	if (*dir == '\0')
		return ERR_OK;
	if ((rc = count(dir, 0, files, &oldest)) != ERR_OK)
		return rc;
	if (oldest != 0 && time(NULL) > oldest)
		*oldest_age = (long)(time(NULL) - oldest);
	if (bad != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, SPOOL_BAD);
		rc = count(path, 1, bad, &b);
	}
	return rc;
}

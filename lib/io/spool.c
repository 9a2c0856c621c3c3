#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
spool_write(const char *dir, const struct hook_meta *m)
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
spool_parse(char *data, size_t len, struct hook_meta *m)
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

enum err
spool_read(const char *path, struct hook_meta *m, char **data)
{
	char chunk[8192];
	struct buf b;
	size_t n;
	FILE *fp;

	*data = NULL;
	if ((fp = fopen(path, "r")) == NULL)
		return ERR_IO;
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	if (buf_err(&b) != ERR_OK) {
		buf_free(&b);
		return ERR_NOMEM;
	}
	if (b.data == NULL || spool_parse(b.data, b.len, m) != ERR_OK) {
		log_warnx("ignoring malformed spool file %s", path);
		buf_free(&b);
		return ERR_INPUT;
	}
	*data = b.data;
	return ERR_OK;
}

/*
 * amosync-migrate: applies the numbered SQL migrations of a database
 * (sql/<name>/NNN-*.sql) in order, each in its own transaction, and records
 * them in amosync_migrations. Safe to run twice and from two hosts at once
 * (a transaction-scoped advisory lock serialises runs).
 */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cfg.h"
#include "base/log.h"
#include "io/db.h"

#ifndef AMOSYNC_SQLDIR
#define AMOSYNC_SQLDIR "sql"
#endif

enum target { TARGET_TRAFFIC, TARGET_LANDING, TARGET__MAX };

static const char *const target_names[TARGET__MAX] = {
	"traffic", /* TARGET_TRAFFIC */
	"landing", /* TARGET_LANDING */
};

static const enum cfg_key target_urls[TARGET__MAX] = {
	CFG_TRAFFIC_DATABASE_URL, /* TARGET_TRAFFIC */
	CFG_LANDING_DATABASE_URL, /* TARGET_LANDING */
};

static const char SQL_TABLE[] =
    "CREATE TABLE IF NOT EXISTS amosync_migrations ("
    " version text PRIMARY KEY,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";
static const char SQL_LOCK[] =
    "SELECT pg_advisory_xact_lock(hashtext('amosync-migrate'))";
static const char SQL_APPLIED[] =
    "SELECT checksum FROM amosync_migrations WHERE version = $1";
static const char SQL_RECORD[] =
    "INSERT INTO amosync_migrations (version, checksum) VALUES ($1, $2)";

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static void
usage(void)
{
	fprintf(stderr,
	    "usage: amosync-migrate [-f envfile] [-d sqldir] "
	    "traffic|landing ...\n"
	    "       amosync-migrate --help | --version\n");
	exit(2);
}

static void
help(void)
{
	printf("usage: amosync-migrate [-f envfile] [-d sqldir] "
	       "traffic|landing ...\n\n"
	       "Applies the numbered migrations of each database named, "
	       "each in its own\n"
	       "transaction, recorded in amosync_migrations; safe to run "
	       "again.\n\n"
	       "  -f envfile  read KEY=VALUE lines (TRAFFIC_DATABASE_URL, "
	       "LANDING_DATABASE_URL)\n"
	       "  -d sqldir   the migrations (default %s)\n"
	       "  --help      this text\n"
	       "  --version   the version\n",
	    AMOSYNC_SQLDIR);
}

/* FNV-1a, enough to notice an edited migration. */
static void
checksum(const char *s, size_t n, char out[17])
{
	unsigned long long h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", h);
}

static int
ismigration(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] >= '0' && d->d_name[0] <= '9' && n > 4 &&
	    strcmp(d->d_name + n - 4, ".sql") == 0;
}

/* Reads a whole file into b. */
static enum err
slurp(const char *path, struct buf *b)
{
	char chunk[8192];
	FILE *fp;
	size_t n;

	if ((fp = fopen(path, "r")) == NULL) {
		log_warn("could not open %s", path);
		return ERR_IO;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(b, chunk, n);
	if (ferror(fp)) {
		log_warn("could not read %s", path);
		fclose(fp);
		return ERR_IO;
	}
	fclose(fp);
	return buf_err(b);
}

/*
 * Applies one migration unless it is recorded. Returns ERR_OK and sets
 * *applied to 1 when it ran now.
 */
static enum err
apply(struct db *db, const char *dir, const char *file, int *applied)
{
	char path[8192], sum[17];
	const char *v[2];
	struct buf sql;
	PGresult *res = NULL;
	enum err rc;

	*applied = 0;
	buf_init(&sql);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((rc = slurp(path, &sql)) != ERR_OK)
		goto out;
	checksum(sql.data, sql.len, sum);
	if ((rc = db_begin(db)) != ERR_OK)
		goto out;
	if ((rc = db_run(db, SQL_LOCK, 0, NULL)) != ERR_OK)
		goto out;
	v[0] = file;
	v[1] = sum;
	if ((res = db_exec(db, SQL_APPLIED, 1, v, &rc)) == NULL)
		goto out;
	if (PQntuples(res) > 0) {
		if (strcmp(db_val(res, 0, 0), sum) != 0)
			log_warnx("%s: %s changed since it was applied",
			    db->name, file);
		db_rollback(db);
		goto out;
	}
	if ((rc = db_script(db, sql.data)) != ERR_OK) {
		log_warnx("%s: could not apply %s", db->name, file);
		goto out;
	}
	if ((rc = db_run(db, SQL_RECORD, 2, v)) != ERR_OK)
		goto out;
	if ((rc = db_commit(db)) == ERR_OK)
		*applied = 1;
out:
	db_rollback(db);
	PQclear(res);
	buf_free(&sql);
	return rc;
}

static enum err
migrate(struct cfg *c, enum target t, const char *sqldir)
{
	struct dirent **list = NULL;
	char dir[4096];
	struct db db;
	enum err rc;
	int i, n = 0, applied, count = 0;

	if ((rc = db_init(&db, target_names[t], cfg_str(c, target_urls[t]))) !=
	    ERR_OK) {
		log_errx("set %s", cfg_vars[target_urls[t]].name);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s/%s", sqldir, target_names[t]);
	if ((n = scandir(dir, &list, ismigration, alphasort)) < 0) {
		log_warn("could not list %s", dir);
		rc = ERR_IO;
		goto out;
	}
	/* Two first runs at once must not race on CREATE TABLE. */
	if ((rc = db_begin(&db)) != ERR_OK ||
	    (rc = db_run(&db, SQL_LOCK, 0, NULL)) != ERR_OK ||
	    (rc = db_run(&db, SQL_TABLE, 0, NULL)) != ERR_OK ||
	    (rc = db_commit(&db)) != ERR_OK) {
		db_rollback(&db);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = apply(&db, dir, list[i]->d_name, &applied)) != ERR_OK)
			goto out;
		if (applied) {
			log_info("%s: applied %s", target_names[t],
			    list[i]->d_name);
			count++;
		}
	}
	log_info("%s: %d applied, %d already there", target_names[t], count,
	    n - count);
out:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	db_free(&db);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *envfile = NULL, *sqldir = AMOSYNC_SQLDIR;
	struct cfg c;
	int ch, i, t, status = EXIT_SUCCESS;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};

	log_init("amosync-migrate", NULL);
	while ((ch = getopt_long(argc, argv, "d:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			printf("amosync-migrate (amosync) %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		case 'd':
			sqldir = optarg;
			break;
		case 'f':
			envfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (cfg_load(&c, envfile) != ERR_OK)
		return EXIT_FAILURE;
	for (i = 0; i < argc; i++) {
		for (t = 0; t < TARGET__MAX; t++)
			if (strcmp(argv[i], target_names[t]) == 0)
				break;
		if (t == TARGET__MAX)
			usage();
		if (migrate(&c, (enum target)t, sqldir) != ERR_OK)
			status = EXIT_FAILURE;
	}
	cfg_free(&c);
	return status;
}

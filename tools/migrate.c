/*
 * amosync-migrate: brings a database's schema up to the tree's, in the
 * SQL's two floors (docs/sql.md):
 * 1. the numbered migrations (sql/<name>/NNN-*.sql: tables, indexes,
 *    constraints, data changes) in order, each in its own transaction,
 *    recorded in amosync_migrations with a checksum. A released migration
 *    is never edited: when an applied file's checksum differs from the
 *    recorded one (and is not one of the file's own "-- amosync-migrate:
 *    was <checksum>" lines), nothing is applied and the file is named.
 * 2. the repeatable files (sql/<name>/functions/<family>.sql: every
 *    function and trigger, once) on every run, all in one transaction,
 *    their checksums recorded in amosync_functions; then the rebuilds
 *    that numbered migrations asked for (amosync_rebuilds), with the
 *    functions of this tree.
 * Safe to run twice and from two hosts at once (a transaction-scoped
 * advisory lock serialises runs).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/cfg.h"
#include "base/log.h"
#include "io/app.h"
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

static const char SQL_QUIET[] = "SET LOCAL client_min_messages = warning";
static const char SQL_TABLE[] =
    "CREATE TABLE IF NOT EXISTS amosync_migrations ("
    " version text PRIMARY KEY,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS amosync_functions ("
    " file text PRIMARY KEY,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now());"
    "CREATE TABLE IF NOT EXISTS amosync_rebuilds ("
    " id bigserial,"
    " call text PRIMARY KEY)";
static const char SQL_LOCK[] =
    "SELECT pg_advisory_xact_lock(hashtext('amosync-migrate'))";
static const char SQL_APPLIED[] =
    "SELECT checksum FROM amosync_migrations WHERE version = $1";
static const char SQL_RECORD[] =
    "INSERT INTO amosync_migrations (version, checksum) VALUES ($1, $2)";
static const char SQL_RESUM[] =
    "UPDATE amosync_migrations SET checksum = $2 WHERE version = $1";
static const char SQL_FUNCTIONS_APPLIED[] =
    "SELECT checksum FROM amosync_functions WHERE file = $1";
static const char SQL_FUNCTIONS_RECORD[] =
    "INSERT INTO amosync_functions (file, checksum) VALUES ($1, $2) "
    "ON CONFLICT (file) DO UPDATE SET checksum = EXCLUDED.checksum,"
    " applied_at = now()";
static const char SQL_HAS_TABLES[] =
    "SELECT to_regclass('amosync_migrations') IS NOT NULL,"
    " to_regclass('amosync_functions') IS NOT NULL";
static const char SQL_REBUILDS[] =
    "SELECT call FROM amosync_rebuilds ORDER BY id";
static const char SQL_REBUILT[] =
    "DELETE FROM amosync_rebuilds WHERE call = $1";

/* What a rebuild request may name: a function of no arguments. */
#define REBUILD_CALL "^[a-z_][a-z0-9_]*\\(\\)$"
/* How an edited migration names the checksums it had. */
#define WAS_LINE "-- amosync-migrate: was "
#define FUNCTIONS_DIR "functions"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

static void
usage(void)
{
	fprintf(stderr,
	    "usage: amosync-migrate [-f envfile] [-d sqldir] "
	    "traffic|landing ...\n"
	    "       amosync-migrate [-f envfile] [-d sqldir] --check "
	    "[traffic|landing ...]\n"
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
	       "transaction, recorded in amosync_migrations, then its "
	       "functions and triggers\n"
	       "(sql/<db>/functions/*.sql) in one transaction; safe to run "
	       "again. Refuses to\n"
	       "run, naming the file, when an applied migration was "
	       "edited.\n\n"
	       "  -f envfile  read KEY=VALUE lines (TRAFFIC_DATABASE_URL, "
	       "LANDING_DATABASE_URL)\n"
	       "  -d sqldir   the migrations (default %s)\n"
	       "  --check     change nothing: check the configuration, "
	       "connect, and list\n"
	       "              the migrations and function files a run "
	       "would apply (a dry run;\n"
	       "              default: every database whose URL is set); "
	       "1 on a problem\n"
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
issql(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".sql") == 0;
}

static int
ismigration(const struct dirent *d)
{
	return d->d_name[0] >= '0' && d->d_name[0] <= '9' && issql(d->d_name);
}

static int
isrepeatable(const struct dirent *d)
{
	return issql(d->d_name);
}

/*
 * Returns 1 if the migration's text names sum as one of its earlier
 * checksums (a "-- amosync-migrate: was <sum>" line), else 0.
 */
static int
was(const char *sql, const char *sum)
{
	const char *p = sql;
	size_t n = strlen(WAS_LINE);

	while ((p = strstr(p, WAS_LINE)) != NULL) {
		p += n;
		if (strncmp(p, sum, 16) == 0 &&
		    (p[16] == '\n' || p[16] == '\r' || p[16] == '\0'))
			return 1;
	}
	return 0;
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

/* Reads dir/file into sql and its checksum into sum. */
static enum err
load(const char *dir, const char *file, struct buf *sql, char sum[17])
{
	char path[8192];
	enum err rc;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((rc = slurp(path, sql)) == ERR_OK)
		checksum(sql->data, sql->len, sum);
	return rc;
}

/*
 * Checks an applied migration against its record. Returns ERR_OK when
 * the file is new, unchanged, or names the recorded checksum as an
 * earlier one of its own (then *resum is 1: the record takes the file's
 * checksum); ERR_CONFLICT, having named the file, when it was edited.
 */
static enum err
verify(struct db *db, const char *dir, const char *file, int *resum)
{
	char sum[17];
	const char *v[1] = { file };
	struct buf sql;
	PGresult *res = NULL;
	enum err rc;

	*resum = 0;
	buf_init(&sql);
	if ((rc = load(dir, file, &sql, sum)) != ERR_OK)
		goto out;
	if ((res = db_exec(db, SQL_APPLIED, 1, v, &rc)) == NULL)
		goto out;
	if (PQntuples(res) == 0 || strcmp(db_val(res, 0, 0), sum) == 0)
		goto out;
	if (was(sql.data, db_val(res, 0, 0))) {
		*resum = 1;
		goto out;
	}
	log_warnx("%s: %s changed since it was applied (checksum %s, "
	          "recorded %s): a released migration is never edited; undo "
	          "the edit and put the change in a new migration",
	    db->name, file, sum, db_val(res, 0, 0));
	rc = ERR_CONFLICT;
out:
	PQclear(res);
	buf_free(&sql);
	return rc;
}

/*
 * Applies one migration unless it is recorded; with resum, records the
 * file's checksum for an earlier version's. Returns ERR_OK and sets
 * *applied to 1 when it ran now.
 */
static enum err
apply(struct db *db, const char *dir, const char *file, int resum, int *applied)
{
	char sum[17];
	const char *v[2];
	struct buf sql;
	PGresult *res = NULL;
	enum err rc;

	*applied = 0;
	buf_init(&sql);
	if ((rc = load(dir, file, &sql, sum)) != ERR_OK)
		goto out;
	if ((rc = db_begin(db)) != ERR_OK ||
	    (rc = db_run(db, SQL_QUIET, 0, NULL)) != ERR_OK ||
	    (rc = db_run(db, SQL_LOCK, 0, NULL)) != ERR_OK)
		goto out;
	v[0] = file;
	v[1] = sum;
	if ((res = db_exec(db, SQL_APPLIED, 1, v, &rc)) == NULL)
		goto out;
	if (PQntuples(res) > 0) {
		if (resum && strcmp(db_val(res, 0, 0), sum) != 0) {
			if ((rc = db_run(db, SQL_RESUM, 2, v)) != ERR_OK ||
			    (rc = db_commit(db)) != ERR_OK)
				goto out;
			log_info("%s: %s: recorded the checksum of its "
			         "edited version",
			    db->name, file);
		}
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

/*
 * Runs the rebuilds that numbered migrations asked for, in the order
 * asked, inside the caller's transaction.
 */
static enum err
rebuild(struct db *db)
{
	char sql[256];
	const char *v[1];
	PGresult *res;
	regex_t re;
	enum err rc = ERR_OK;
	int i;

	if ((res = db_exec(db, SQL_REBUILDS, 0, NULL, &rc)) == NULL)
		return rc;
	if (regcomp(&re, REBUILD_CALL, REG_EXTENDED | REG_NOSUB) != 0) {
		PQclear(res);
		return ERR_NOMEM;
	}
	for (i = 0; i < PQntuples(res) && rc == ERR_OK; i++) {
		v[0] = db_val(res, i, 0);
		if (regexec(&re, v[0], 0, NULL, 0) != 0 ||
		    strlen(v[0]) + 8 > sizeof(sql)) {
			log_warnx("%s: refusing the rebuild call %s", db->name,
			    v[0]);
			rc = ERR_INPUT;
			break;
		}
		snprintf(sql, sizeof(sql), "SELECT %s", v[0]);
		if ((rc = db_run(db, sql, 0, NULL)) == ERR_OK)
			rc = db_run(db, SQL_REBUILT, 1, v);
		if (rc == ERR_OK)
			log_info("%s: ran %s", db->name, v[0]);
	}
	regfree(&re);
	PQclear(res);
	return rc;
}

/*
 * Applies the repeatable files of one folder, recording each as
 * <name>/<file> (name: "common/functions" or "functions"); counts them
 * into *count and the new or edited ones into *changed.
 */
static enum err
repeatables(struct db *db, const char *dir, const char *name, int *count,
    int *changed)
{
	struct dirent **list = NULL;
	char path[8192], sum[17];
	const char *v[2];
	struct buf sql;
	PGresult *res;
	enum err rc = ERR_OK;
	int i, n;

	buf_init(&sql);
	if ((n = scandir(dir, &list, isrepeatable, alphasort)) < 0) {
		if (errno == ENOENT)
			return ERR_OK; /* a tree from before the SQL floors */
		log_warn("could not list %s", dir);
		return ERR_IO;
	}
	for (i = 0; i < n; i++) {
		buf_reset(&sql);
		if ((rc = load(dir, list[i]->d_name, &sql, sum)) != ERR_OK)
			goto out;
		snprintf(path, sizeof(path), "%s/%s", name, list[i]->d_name);
		v[0] = path;
		v[1] = sum;
		if ((res = db_exec(db, SQL_FUNCTIONS_APPLIED, 1, v, &rc)) ==
		    NULL)
			goto out;
		if (PQntuples(res) == 0 || strcmp(db_val(res, 0, 0), sum) != 0)
			(*changed)++;
		PQclear(res);
		if ((rc = db_script(db, sql.data)) != ERR_OK) {
			log_warnx("%s: could not apply %s", db->name, path);
			goto out;
		}
		if ((rc = db_run(db, SQL_FUNCTIONS_RECORD, 2, v)) != ERR_OK)
			goto out;
		(*count)++;
	}
out:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	buf_free(&sql);
	return rc;
}

/*
 * Applies every repeatable file, those every database shares
 * (<sqldir>/common/functions) first, then the database's own
 * (<sqldir>/<db>/functions), then the rebuilds asked for, all in one
 * transaction. Sets *count to the files applied and *changed to those
 * new or edited since the last run.
 */
static enum err
functions(struct db *db, const char *sqldir, const char *dbdir, int *count,
    int *changed)
{
	char common[4200], own[4200];
	enum err rc;

	*count = *changed = 0;
	snprintf(common, sizeof(common), "%s/common/%s", sqldir, FUNCTIONS_DIR);
	snprintf(own, sizeof(own), "%s/%s", dbdir, FUNCTIONS_DIR);
	if ((rc = db_begin(db)) != ERR_OK ||
	    (rc = db_run(db, SQL_QUIET, 0, NULL)) != ERR_OK ||
	    (rc = db_run(db, SQL_LOCK, 0, NULL)) != ERR_OK ||
	    (rc = repeatables(db, common, "common/" FUNCTIONS_DIR, count,
	         changed)) != ERR_OK ||
	    (rc = repeatables(db, own, FUNCTIONS_DIR, count, changed)) !=
	        ERR_OK ||
	    (rc = rebuild(db)) != ERR_OK || (rc = db_commit(db)) != ERR_OK)
		*count = *changed = 0;
	db_rollback(db);
	return rc;
}

static enum err
migrate(struct cfg *c, enum target t, const char *sqldir)
{
	struct dirent **list = NULL;
	char dir[4096];
	struct db db;
	enum err rc;
	int *resum = NULL;
	int i, n = 0, applied, count = 0, bad = 0, nfn, changed;

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
	if (n > 0 && (resum = calloc((size_t)n, sizeof(*resum))) == NULL) {
		rc = ERR_NOMEM;
		goto out;
	}
	/* Two first runs at once must not race on CREATE TABLE. */
	if ((rc = db_begin(&db)) != ERR_OK ||
	    (rc = db_run(&db, SQL_QUIET, 0, NULL)) != ERR_OK ||
	    (rc = db_run(&db, SQL_LOCK, 0, NULL)) != ERR_OK ||
	    (rc = db_script(&db, SQL_TABLE)) != ERR_OK ||
	    (rc = db_commit(&db)) != ERR_OK) {
		db_rollback(&db);
		goto out;
	}
	/* An edited migration stops the run before anything is applied. */
	for (i = 0; i < n; i++) {
		rc = verify(&db, dir, list[i]->d_name, &resum[i]);
		if (rc == ERR_CONFLICT)
			bad++;
		else if (rc != ERR_OK)
			goto out;
	}
	if (bad > 0) {
		log_warnx("%s: %d edited migration(s); nothing applied",
		    target_names[t], bad);
		rc = ERR_CONFLICT;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if ((rc = apply(&db, dir, list[i]->d_name, resum[i],
		         &applied)) != ERR_OK)
			goto out;
		if (applied) {
			log_info("%s: applied %s", target_names[t],
			    list[i]->d_name);
			count++;
		}
	}
	log_info("%s: %d applied, %d already there", target_names[t], count,
	    n - count);
	if ((rc = functions(&db, sqldir, dir, &nfn, &changed)) != ERR_OK) {
		log_warnx("%s: could not apply the functions of %s",
		    target_names[t], dir);
		goto out;
	}
	log_info("%s: %d function files applied, %d changed", target_names[t],
	    nfn, changed);
out:
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	free(resum);
	db_free(&db);
	return rc;
}

/* Prints the names of the repeatable files of dir a run would apply anew. */
static enum err
check_repeatables(struct db *db, const char *dir, const char *name,
    int *changed)
{
	struct dirent **list = NULL;
	char path[8192], sum[17];
	const char *v[1];
	struct buf sql;
	PGresult *res;
	enum err rc = ERR_OK;
	int i, n;

	buf_init(&sql);
	if ((n = scandir(dir, &list, isrepeatable, alphasort)) < 0)
		return errno == ENOENT ? ERR_OK : ERR_IO;
	for (i = 0; i < n; i++) {
		buf_reset(&sql);
		if ((rc = load(dir, list[i]->d_name, &sql, sum)) != ERR_OK)
			break;
		snprintf(path, sizeof(path), "%s/%s", name, list[i]->d_name);
		v[0] = path;
		if (db == NULL) {
			res = NULL;
		} else if ((res = db_exec(db, SQL_FUNCTIONS_APPLIED, 1, v,
		                &rc)) == NULL) {
			break;
		}
		if (res == NULL || PQntuples(res) == 0 ||
		    strcmp(db_val(res, 0, 0), sum) != 0) {
			printf("  would reapply %s\n", path);
			(*changed)++;
		}
		PQclear(res);
	}
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	buf_free(&sql);
	return rc;
}

/*
 * The dry run of one database (--check): connects, then prints each
 * migration a run would apply and each function file it would reapply
 * because it is new or changed. Changes nothing. Returns ERR_OK, or an
 * error when the database cannot be reached or a migration it applied
 * was edited since (which a run would refuse).
 */
static enum err
check(struct cfg *c, enum target t, const char *sqldir)
{
	struct dirent **list = NULL;
	char dir[4096], common[4200], own[4200], why[512], sum[17];
	const char *v[1];
	struct buf sql;
	struct db db;
	PGresult *res = NULL;
	enum err rc;
	int i, n = 0, has_m = 0, has_f = 0, pending = 0, edited = 0;
	int changed = 0;

	buf_init(&sql);
	if ((rc = db_init(&db, target_names[t], cfg_str(c, target_urls[t]))) !=
	    ERR_OK) {
		fprintf(stderr, "%s: is not set\n",
		    cfg_vars[target_urls[t]].name);
		return rc;
	}
	if ((rc = db_try(&db, why, sizeof(why))) != ERR_OK) {
		fprintf(stderr,
		    "%s: could not connect to the %s database: %s\n",
		    cfg_vars[target_urls[t]].name, target_names[t], why);
		goto out;
	}
	printf("%s: connected to the %s database (server %d)\n",
	    cfg_vars[target_urls[t]].name, target_names[t],
	    PQserverVersion(db.conn));
	if ((res = db_exec(&db, SQL_HAS_TABLES, 0, NULL, &rc)) == NULL)
		goto out;
	has_m = strcmp(db_val(res, 0, 0), "t") == 0;
	has_f = strcmp(db_val(res, 0, 1), "t") == 0;
	PQclear(res);
	res = NULL;
	snprintf(dir, sizeof(dir), "%s/%s", sqldir, target_names[t]);
	if ((n = scandir(dir, &list, ismigration, alphasort)) < 0) {
		fprintf(stderr, "%s: could not list %s: %s\n", target_names[t],
		    dir, strerror(errno));
		rc = ERR_IO;
		goto out;
	}
	for (i = 0; i < n; i++) {
		buf_reset(&sql);
		if ((rc = load(dir, list[i]->d_name, &sql, sum)) != ERR_OK)
			goto out;
		v[0] = list[i]->d_name;
		if (has_m &&
		    (res = db_exec(&db, SQL_APPLIED, 1, v, &rc)) == NULL)
			goto out;
		if (res == NULL || PQntuples(res) == 0) {
			printf("  would apply %s\n", list[i]->d_name);
			pending++;
		} else if (strcmp(db_val(res, 0, 0), sum) != 0 &&
		    !was(sql.data, db_val(res, 0, 0))) {
			fprintf(stderr,
			    "%s: %s changed since it was applied (checksum "
			    "%s, recorded %s): a run would refuse\n",
			    target_names[t], list[i]->d_name, sum,
			    db_val(res, 0, 0));
			edited++;
		}
		PQclear(res);
		res = NULL;
	}
	snprintf(common, sizeof(common), "%s/common/%s", sqldir, FUNCTIONS_DIR);
	snprintf(own, sizeof(own), "%s/%s", dir, FUNCTIONS_DIR);
	if ((rc = check_repeatables(has_f ? &db : NULL, common,
	         "common/" FUNCTIONS_DIR, &changed)) != ERR_OK ||
	    (rc = check_repeatables(has_f ? &db : NULL, own, FUNCTIONS_DIR,
	         &changed)) != ERR_OK)
		goto out;
	printf("%s: %d of %d migrations to apply, %d function files new or "
	       "changed%s\n",
	    target_names[t], pending, n, changed,
	    pending + changed == 0 ? " (up to date)" : "");
	if (edited > 0)
		rc = ERR_CONFLICT;
out:
	PQclear(res);
	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
	buf_free(&sql);
	db_free(&db);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *envfile = NULL, *sqldir = AMOSYNC_SQLDIR;
	struct cfg c;
	int ch, i, t, status = EXIT_SUCCESS, dry = 0, unknown, checked = 0;
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'C' },
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
			printf("amosync-migrate (amosync) %s\n",
			    PACKAGE_VERSION);
			return EXIT_SUCCESS;
		case 'd':
			sqldir = optarg;
			break;
		case 'f':
			envfile = optarg;
			break;
		case 'C':
			dry = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 && !dry)
		usage();
	cfg_also_known(app_not_config);
	if (cfg_load(&c, envfile) != ERR_OK) {
		if (dry)
			printf("amosync-migrate: configuration check failed\n");
		return EXIT_FAILURE;
	}
	if (dry) {
		printf("amosync-migrate: configuration loaded%s%s, every value "
		       "checked\n",
		    envfile ? " from " : "", envfile ? envfile : "");
		fflush(stdout);
		if ((unknown = c.unknown + cfg_warn_unknown()) > 0) {
			fprintf(stderr, "%d unknown variable%s (see above)\n",
			    unknown, unknown == 1 ? "" : "s");
			status = EXIT_FAILURE;
		}
		for (t = 0; t < TARGET__MAX; t++) {
			for (i = 0; i < argc; i++)
				if (strcmp(argv[i], target_names[t]) == 0)
					break;
			if (argc > 0 ? i == argc
			             : *cfg_str(&c, target_urls[t]) == '\0')
				continue;
			fflush(stdout);
			checked++;
			if (check(&c, (enum target)t, sqldir) != ERR_OK)
				status = EXIT_FAILURE;
		}
		if (checked == 0) {
			fprintf(stderr, "%s: neither %s nor %s is set\n",
			    "amosync-migrate", cfg_vars[target_urls[0]].name,
			    cfg_vars[target_urls[1]].name);
			status = EXIT_FAILURE;
		}
		for (i = 0; i < argc; i++) {
			for (t = 0; t < TARGET__MAX; t++)
				if (strcmp(argv[i], target_names[t]) == 0)
					break;
			if (t == TARGET__MAX)
				usage();
		}
		fflush(stdout);
		printf("amosync-migrate: %s\n",
		    status == EXIT_SUCCESS ? "configuration is good"
		                           : "configuration check failed");
		cfg_free(&c);
		return status;
	}
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

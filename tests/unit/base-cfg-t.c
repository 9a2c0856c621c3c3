/*
 * Unit tests for configuration: defaults, env file, environment wins, and
 * the typed rows: every bad value is refused with ERR_CONFIG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/cfg.h"
#include "base/err.h"
#include "tap.h"

static char path[64];

static void
writefile(const char *text)
{
	FILE *fp = fopen(path, "w");

	fputs(text, fp);
	fclose(fp);
}

/* One value of one variable, and what loading it must give. */
static const struct {
	enum cfg_key k;
	const char *v;
	enum err rc;
	long long num; /* when ERR_OK, for typed rows */
} cases[] = {
	{ CFG_MAX_BODY, "2048", ERR_OK, 2048 },
	{ CFG_MAX_BODY, "12x", ERR_CONFIG, 0 },
	{ CFG_MAX_BODY, "", ERR_CONFIG, 0 },
	{ CFG_MAX_BODY, " 2048", ERR_CONFIG, 0 },
	{ CFG_MAX_BODY, "1023", ERR_CONFIG, 0 },
	{ CFG_MAX_BODY, "0x1000", ERR_CONFIG, 0 },
	{ CFG_MAX_BODY, "99999999999999999999", ERR_CONFIG, 0 },
	{ CFG_MAX_DEPTH, "010", ERR_OK, 10 }, /* decimal, not octal */
	{ CFG_MAX_DEPTH, "-3", ERR_CONFIG, 0 },
	{ CFG_AMOCRM_RATE_LIMIT, "7", ERR_OK, 7 },
	{ CFG_AMOCRM_RATE_LIMIT, "0", ERR_CONFIG, 0 },
	{ CFG_AMOCRM_RATE_LIMIT, "1001", ERR_CONFIG, 0 },
	{ CFG_AMOCRM_UTM_SOURCE_FIELD, "0", ERR_OK, 0 },
	{ CFG_AMOCRM_UTM_SOURCE_FIELD, "434731.5", ERR_CONFIG, 0 },
	{ CFG_SOCKET_MODE, "0660", ERR_OK, 0660 },
	{ CFG_SOCKET_MODE, "0600", ERR_OK, 0600 },
	{ CFG_SOCKET_MODE, "660", ERR_CONFIG, 0 },
	{ CFG_SOCKET_MODE, "0999", ERR_CONFIG, 0 },
	{ CFG_SOCKET_MODE, "01777", ERR_CONFIG, 0 },
	{ CFG_TELEGRAM_REPORTS_ENABLED, "false", ERR_OK, 0 },
	{ CFG_TELEGRAM_REPORTS_ENABLED, "true", ERR_OK, 1 },
	{ CFG_TELEGRAM_REPORTS_ENABLED, "maybe", ERR_CONFIG, 0 },
	/* Exactly true or false: a yes read differently elsewhere is refused. */
	{ CFG_TELEGRAM_REPORTS_ENABLED, "yes", ERR_CONFIG, 0 },
	{ CFG_TELEGRAM_REPORTS_ENABLED, "on", ERR_CONFIG, 0 },
	{ CFG_TELEGRAM_REPORTS_ENABLED, "1", ERR_CONFIG, 0 },
	{ CFG_TELEGRAM_REPORTS_ENABLED, "True", ERR_CONFIG, 0 },
	{ CFG_LOG_SYSLOG, "no", ERR_CONFIG, 0 },
	/* The webhook secrets: checked at load, as the webhooks would. */
	{ CFG_WEBHOOK_SECRETS, "", ERR_OK, 0 },
	{ CFG_WEBHOOK_SECRETS, "abcdefghijklmnop", ERR_OK, 0 },
	{ CFG_WEBHOOK_SECRETS, "abcdefghijklmnop,0123456789abcdef", ERR_OK, 0 },
	{ CFG_WEBHOOK_SECRETS, "short", ERR_CONFIG, 0 },
	{ CFG_WEBHOOK_SECRETS, "abcdefgh ijklmnop", ERR_CONFIG, 0 },
	{ CFG_WEBHOOK_SECRETS, "abcdefghijklmnop,", ERR_CONFIG, 0 },
	{ CFG_LOG_LEVEL, "debug", ERR_OK, 0 },
	{ CFG_LOG_LEVEL, "loud", ERR_CONFIG, 0 },
	{ CFG_LOG_LEVEL, "inf", ERR_CONFIG, 0 },
	{ CFG_TIMEZONE, "Europe/Moscow", ERR_OK, 0 },
	{ CFG_TIMEZONE, "UTC", ERR_OK, 0 },
	{ CFG_TIMEZONE, "Asia/Almatyy", ERR_CONFIG, 0 }, /* glibc: UTC */
	{ CFG_TIMEZONE, "Mars/Olympus", ERR_CONFIG, 0 },
	{ CFG_TIMEZONE, "../../etc/passwd", ERR_CONFIG, 0 },
	{ CFG_TIMEZONE, "/etc/localtime", ERR_CONFIG, 0 },
	{ CFG_TIMEZONE, "", ERR_CONFIG, 0 },
	{ CFG_TIMEZONE, "Europe", ERR_CONFIG, 0 }, /* a folder */
	{ CFG_OUTBOX_CLAIM_TIMEOUT, "86401", ERR_CONFIG, 0 },
};

int
main(void)
{
	char reason[128];
	struct cfg c;
	long long num;
	size_t i;
	int fd, k;

	plan_lazy();
	snprintf(path, sizeof(path), "/tmp/cfg-t.XXXXXX");
	fd = mkstemp(path);
	close(fd);
	for (k = 0; k < CFG__MAX; k++)
		unsetenv(cfg_vars[k].name);

	ok(cfg_load(&c, NULL) == ERR_OK, "defaults load");
	is_str(cfg_str(&c, CFG_AMOCRM_DOMAIN), "onaiagencykz", "default");
	ok(cfg_int(&c, CFG_MAX_BODY) == 1048576, "default integer");
	ok(cfg_int(&c, CFG_SOCKET_MODE) == 0660, "default mode is octal");
	ok(cfg_bool(&c, CFG_TELEGRAM_REPORTS_ENABLED), "default boolean");
	is_str(cfg_str(&c, CFG_TELEGRAM_CHAT_ID), "", "no default: empty");
	cfg_free(&c);

	/* Every row: a name, and a default its own check accepts. */
	for (k = 0; k < CFG__MAX; k++) {
		const char *d = cfg_vars[k].def ? cfg_vars[k].def : "";

		ok(cfg_vars[k].name != NULL && cfg_vars[k].help != NULL,
		    "row %d has a name and help", k);
		ok(cfg_check(k, d, &num, reason, sizeof(reason)) == ERR_OK,
		    "default of %s passes its check", cfg_vars[k].name);
	}

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *name = cfg_vars[cases[i].k].name;
		enum err rc;

		setenv(name, cases[i].v, 1);
		rc = cfg_load(&c, NULL);
		ok(rc == cases[i].rc, "%s=\"%s\" loads as %s", name, cases[i].v,
		    err_name(cases[i].rc));
		if (rc == ERR_OK) {
			is_str(cfg_str(&c, cases[i].k), cases[i].v,
			    "value keeps its text");
			if (cfg_vars[cases[i].k].type != CFG_STR &&
			    cfg_vars[cases[i].k].type != CFG_ENUM &&
			    cfg_vars[cases[i].k].type != CFG_TZ &&
			    cfg_vars[cases[i].k].type != CFG_SECRETS)
				ok(cfg_int(&c, cases[i].k) == cases[i].num,
				    "%s=\"%s\" is %lld", name, cases[i].v,
				    cases[i].num);
			cfg_free(&c);
		}
		unsetenv(name);
	}

	ok(cfg_check(CFG_AMOCRM_RATE_LIMIT, "x", &num, reason,
	       sizeof(reason)) == ERR_CONFIG,
	    "cfg_check refuses");
	is_str(reason, "must be a whole number from 1 to 1000",
	    "and says the range");

	ok(cfg_load(&c, NULL) == ERR_OK, "loads for cfg_set");
	ok(cfg_set(&c, CFG_MAX_BODY, "nope") == ERR_CONFIG,
	    "cfg_set refuses a bad value");
	ok(cfg_int(&c, CFG_MAX_BODY) == 1048576, "and keeps the old one");
	ok(cfg_set(&c, CFG_MAX_BODY, "4096") == ERR_OK,
	    "cfg_set takes a good one");
	ok(cfg_int(&c, CFG_MAX_BODY) == 4096, "and it counts");
	cfg_free(&c);

	writefile("# comment\n\nexport AMOCRM_DOMAIN=fromfile\n"
	          "TELEGRAM_CHAT_ID = \"-100123\"\nUNKNOWN_KEY=x\n"
	          "AMOSYNC_MAX_BODY='2048'\n");
	ok(cfg_load(&c, path) == ERR_OK, "env file loads");
	is_str(cfg_str(&c, CFG_AMOCRM_DOMAIN), "fromfile", "export form");
	is_str(cfg_str(&c, CFG_TELEGRAM_CHAT_ID), "-100123", "quotes");
	ok(cfg_int(&c, CFG_MAX_BODY) == 2048, "single quotes");
	cfg_free(&c);

	setenv("AMOCRM_DOMAIN", "fromenv", 1);
	ok(cfg_load(&c, path) == ERR_OK, "env file and environment");
	is_str(cfg_str(&c, CFG_AMOCRM_DOMAIN), "fromenv", "environment wins");
	cfg_free(&c);
	unsetenv("AMOCRM_DOMAIN");

	writefile("AMOSYNC_MAX_BODY=huge\n");
	ok(cfg_load(&c, path) == ERR_CONFIG, "a bad value in the file stops");
	/* Every bad value is reported, not only the first. */
	setenv("AMOSYNC_MAX_PAIRS", "0", 1);
	ok(cfg_load(&c, path) == ERR_CONFIG, "a bad file and environment");
	unsetenv("AMOSYNC_MAX_PAIRS");

	/* Likely typos: names of amosync's prefixes that no row has. */
	static const char *const known[] = { "AMOSYNC_PORT", NULL };
	cfg_also_known(known);
	setenv("AMOSYNC_MAX_BDY", "5", 1);
	setenv("TELEGRAM_CHATID", "5", 1);
	setenv("AMOSYNC_PORT", "8080", 1); /* the scripts' own */
	setenv("OTHER_MAX_BDY", "5", 1);   /* not our prefix */
	ok(cfg_warn_unknown() == 2, "two unknown variables warned about");
	unsetenv("AMOSYNC_MAX_BDY");
	unsetenv("TELEGRAM_CHATID");
	ok(cfg_warn_unknown() == 0, "none left");
	writefile("AMOSYNC_MAX_BDY=2048\nAMOSYNC_PORT=8080\nOTHER=1\n");
	ok(cfg_load(&c, path) == ERR_OK, "unknown keys in the file: loads");
	ok(c.unknown == 1, "one of them warned about as a typo");
	cfg_free(&c);
	unsetenv("AMOSYNC_PORT");
	unsetenv("OTHER_MAX_BDY");
	ok(cfg_lookup("AMOSYNC_MAX_BODY", 16) == CFG_MAX_BODY, "lookup");
	ok(cfg_lookup("AMOSYNC_MAX_BOD", 15) == -1, "lookup of a prefix");

	writefile("NOT A SETTING\n");
	ok(cfg_load(&c, path) == ERR_CONFIG, "bad line is ERR_CONFIG");
	ok(cfg_load(&c, "/nonexistent/amosync.env") == ERR_CONFIG,
	    "missing file is ERR_CONFIG");
	unlink(path);
	return exit_status();
}

/* Unit tests for configuration: defaults, env file, environment wins. */
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

int
main(void)
{
	struct cfg c;
	int fd;

	plan_lazy();
	snprintf(path, sizeof(path), "/tmp/cfg-t.XXXXXX");
	fd = mkstemp(path);
	close(fd);
	unsetenv("AMOCRM_DOMAIN");
	unsetenv("AMOSYNC_MAX_BODY");
	unsetenv("TELEGRAM_CHAT_ID");

	ok(cfg_load(&c, NULL) == ERR_OK, "defaults load");
	is_str(cfg_str(&c, CFG_AMOCRM_DOMAIN), "onaiagencykz", "default");
	ok(cfg_int(&c, CFG_MAX_BODY, 0) == 1048576, "default integer");
	ok(cfg_int(&c, CFG_TELEGRAM_CHAT_ID, -1) == -1, "empty -> def");
	cfg_free(&c);

	writefile("# comment\n\nexport AMOCRM_DOMAIN=fromfile\n"
	          "TELEGRAM_CHAT_ID = \"-100123\"\nUNKNOWN_KEY=x\n"
	          "AMOSYNC_MAX_BODY='2048'\n");
	ok(cfg_load(&c, path) == ERR_OK, "env file loads");
	is_str(cfg_str(&c, CFG_AMOCRM_DOMAIN), "fromfile", "export form");
	is_str(cfg_str(&c, CFG_TELEGRAM_CHAT_ID), "-100123", "quotes");
	ok(cfg_int(&c, CFG_MAX_BODY, 0) == 2048, "single quotes");
	cfg_free(&c);

	setenv("AMOCRM_DOMAIN", "fromenv", 1);
	ok(cfg_load(&c, path) == ERR_OK, "env file and environment");
	is_str(cfg_str(&c, CFG_AMOCRM_DOMAIN), "fromenv", "environment wins");
	cfg_free(&c);
	unsetenv("AMOCRM_DOMAIN");

	writefile("NOT A SETTING\n");
	ok(cfg_load(&c, path) == ERR_CONFIG, "bad line is ERR_CONFIG");
	ok(cfg_load(&c, "/nonexistent/amosync.env") == ERR_CONFIG,
	    "missing file is ERR_CONFIG");

	setenv("AMOSYNC_MAX_BODY", "12x", 1);
	ok(cfg_load(&c, NULL) == ERR_OK, "non-numeric value loads");
	ok(cfg_int(&c, CFG_MAX_BODY, 99) == 99, "non-numeric -> def");
	cfg_free(&c);
	unlink(path);
	return exit_status();
}

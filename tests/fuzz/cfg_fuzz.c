/*
 * Fuzz target for the configuration's env file parser (base/cfg.c): the
 * input is written as an env file and loaded. A file that loads gives
 * every variable a value its type and range allow; one that does not
 * leaves nothing behind (LeakSanitizer).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct cfg c;
	FILE *fp;
	int k;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "%s/amosync-cfg-fuzz.%d",
		    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp",
		    (int)getpid());
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	if (cfg_load(&c, path) == ERR_OK) {
		for (k = 0; k < CFG__MAX; k++) {
			const struct cfg_var *v = &cfg_vars[k];

			if (c.val[k] == NULL)
				abort();
			if (v->type == CFG_INT &&
			    (c.num[k] < v->min || c.num[k] > v->max))
				abort();
			if (v->type == CFG_BOOL && c.num[k] != 0 &&
			    c.num[k] != 1)
				abort();
		}
		cfg_free(&c);
	}
	unlink(path);
	return 0;
}

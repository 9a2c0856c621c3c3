#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Runs a fuzz target's LLVMFuzzerTestOneInput over every file of the
 * directories given as arguments, in name order, printing TAP: one point
 * per file, so that "make check" replays the corpora without libFuzzer.
 * A crash is caught by the sanitizers or shows as a missing plan.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n, failed;

/* Reads path whole into a new buffer (caller frees); NULL on error. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *p = NULL, *q;
	size_t cap = 0, got;
	FILE *fp;

	*len = 0;
	if ((fp = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((q = realloc(p, cap)) == NULL) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
		}
		if ((got = fread(p + *len, 1, cap - *len, fp)) == 0)
			break;
		*len += got;
	}
	if (p != NULL && ferror(fp)) {
		free(p);
		p = NULL;
	}
	fclose(fp);
	return p;
}

static void
replay_dir(const char *dir)
{
	struct dirent **ents;
	struct stat st;
	unsigned char *data;
	char path[4096];
	size_t len;
	int i, k;

	if ((k = scandir(dir, &ents, NULL, alphasort)) < 0) {
		printf("not ok %d - cannot read directory %s\n", ++n, dir);
		failed++;
		return;
	}
	for (i = 0; i < k; i++) {
		len = (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    ents[i]->d_name);
		free(ents[i]);
		if (len >= sizeof(path) || stat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if ((data = slurp(path, &len)) == NULL) {
			printf("not ok %d - cannot read %s\n", ++n, path);
			failed++;
			continue;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		printf("ok %d - %s\n", ++n, path);
		fflush(stdout);
	}
	free(ents);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s corpus-dir ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		replay_dir(argv[i]);
	printf("1..%d\n", n);
	return failed != 0;
}

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "io/metrics.h"

#define MAGIC 0x616d6d31u /* "amm1" */

enum { SLOT_FREE, SLOT_CLAIMED, SLOT_READY };

struct slot {
	uint32_t state;
	uint32_t micro; /* shown scaled by 1e-6 */
	uint64_t value;
	char key[METRICS_KEY];
};

struct shm {
	uint32_t magic;
	uint32_t nslots;
	uint64_t dropped; /* series refused: the table was full */
	struct slot slots[METRICS_SLOTS];
};

static struct shm *shm;

enum err
metrics_open(const char *rundir)
{
	char path[4096];
	struct stat st;
	void *p;
	int fd;

	if (shm != NULL)
		return ERR_OK;
	if (rundir == NULL || *rundir == '\0')
		return ERR_IO;
	snprintf(path, sizeof(path), "%s/metrics.shm", rundir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) == -1) {
		log_warn("could not open %s; metrics are off", path);
		return ERR_IO;
	}
	/* Every process sizes it the same; a bigger file is left alone. */
	if (fstat(fd, &st) == -1 ||
	    (st.st_size < (off_t)sizeof(struct shm) &&
	        ftruncate(fd, sizeof(struct shm)) == -1)) {
		log_warn("could not size %s; metrics are off", path);
		close(fd);
		return ERR_IO;
	}
	p = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		log_warn("could not map %s; metrics are off", path);
		return ERR_IO;
	}
	shm = p;
	/* A new file is zeros: claim it (a race sets the same values). */
	if (__atomic_load_n(&shm->magic, __ATOMIC_ACQUIRE) != MAGIC) {
		shm->nslots = METRICS_SLOTS;
		__atomic_store_n(&shm->magic, MAGIC, __ATOMIC_RELEASE);
	}
	return ERR_OK;
}

static void cache_clear(void);

void
metrics_close(void)
{
	if (shm != NULL)
		munmap(shm, sizeof(*shm));
	shm = NULL;
	cache_clear();
}

static uint32_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Finds the slot of key, claiming a free one for a new series: a free
 * slot is taken with a compare-and-swap, its key written, then marked
 * ready; a reader that meets a slot being claimed waits for it (a few
 * instructions), so two processes never make the same series twice.
 */
static struct slot *
find(const char *key, int micro)
{
	uint32_t i, n, st;
	struct slot *s;

	if (strlen(key) >= METRICS_KEY)
		return NULL;
	for (n = 0, i = hash(key) % METRICS_SLOTS; n < METRICS_SLOTS;
	     n++, i = (i + 1) % METRICS_SLOTS) {
		s = &shm->slots[i];
		st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == SLOT_FREE) {
			uint32_t want = SLOT_FREE;

			if (__atomic_compare_exchange_n(&s->state, &want,
			        SLOT_CLAIMED, 0, __ATOMIC_ACQ_REL,
			        __ATOMIC_ACQUIRE)) {
				snprintf(s->key, sizeof(s->key), "%s", key);
				s->micro = (uint32_t)micro;
				__atomic_store_n(&s->state, SLOT_READY,
				    __ATOMIC_RELEASE);
				return s;
			}
			st = want;
		}
		while (st == SLOT_CLAIMED)
			st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (strcmp(s->key, key) == 0)
			return s;
	}
	__atomic_add_fetch(&shm->dropped, 1, __ATOMIC_RELAXED);
	return NULL;
}

void
metrics_add(const char *key, unsigned long long n, double scale)
{
	struct slot *s;

	if (shm == NULL || (s = find(key, scale != 1.0)) == NULL)
		return;
	__atomic_add_fetch(&s->value, n, __ATOMIC_RELAXED);
}

unsigned long long
metrics_get(const char *key)
{
	struct slot *s;

	if (shm == NULL || (s = find(key, 0)) == NULL)
		return 0;
	return __atomic_load_n(&s->value, __ATOMIC_RELAXED);
}

/* Upper bounds of the duration histogram, seconds. */
static const char *const bounds[] = { "0.005", "0.01", "0.025", "0.05", "0.1",
	"0.25", "0.5", "1", "2.5", "5", "10" };
static const long long bounds_us[] = { 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000, 10000000 };

/*
 * The slots of one program's request series, found once per process:
 * a request then costs a few atomic adds, no formatting, no lookup. The
 * program's name is a constant of the program, so its pointer is the key.
 */
#define NBOUNDS (sizeof(bounds) / sizeof(bounds[0]))
#define CACHE_PROGS 4
#define CACHE_STATUSES 16

static struct {
	const char *program;
	struct slot *bucket[NBOUNDS + 1]; /* the last is +Inf */
	struct slot *count, *sum;
	struct {
		int status;
		struct slot *slot;
	} status[CACHE_STATUSES];
	int nstatus;
} cache[CACHE_PROGS];
static int ncache;

static void
cache_clear(void)
{
	memset(cache, 0, sizeof(cache));
	ncache = 0;
}

/* The cache entry of program, made on first use; -1 when full. */
static int
cache_of(const char *program)
{
	char key[METRICS_KEY];
	size_t i;
	int c;

	for (c = 0; c < ncache; c++)
		if (cache[c].program == program)
			return c;
	if (ncache == CACHE_PROGS)
		return -1;
	c = ncache;
	for (i = 0; i <= NBOUNDS; i++) {
		snprintf(key, sizeof(key),
		    "amosync_http_request_duration_seconds_bucket"
		    "{program=\"%s\",le=\"%s\"}",
		    program, i < NBOUNDS ? bounds[i] : "+Inf");
		if ((cache[c].bucket[i] = find(key, 0)) == NULL)
			return -1;
	}
	snprintf(key, sizeof(key),
	    "amosync_http_request_duration_seconds_count{program=\"%s\"}",
	    program);
	if ((cache[c].count = find(key, 0)) == NULL)
		return -1;
	snprintf(key, sizeof(key),
	    "amosync_http_request_duration_seconds_sum{program=\"%s\"}",
	    program);
	if ((cache[c].sum = find(key, 1)) == NULL)
		return -1;
	cache[c].program = program;
	ncache++;
	return c;
}

/* The slot of a status of a cached program. */
static struct slot *
status_slot(int c, const char *program, int status)
{
	char key[METRICS_KEY];
	struct slot *s;
	int i;

	for (i = 0; i < cache[c].nstatus; i++)
		if (cache[c].status[i].status == status)
			return cache[c].status[i].slot;
	snprintf(key, sizeof(key),
	    "amosync_http_requests_total{program=\"%s\",status=\"%d\"}",
	    program, status);
	if ((s = find(key, 0)) != NULL && cache[c].nstatus < CACHE_STATUSES) {
		cache[c].status[cache[c].nstatus].status = status;
		cache[c].status[cache[c].nstatus++].slot = s;
	}
	return s;
}

void
metrics_request(const char *program, int status, long long usec)
{
	struct slot *s;
	size_t i;
	int c;

	if (shm == NULL)
		return;
	if ((c = cache_of(program)) < 0) {
		log_debug("metrics: no room for the series of %s", program);
		return;
	}
	if ((s = status_slot(c, program, status)) != NULL)
		__atomic_add_fetch(&s->value, 1, __ATOMIC_RELAXED);
	/* Cumulative buckets: every bound at or above the duration. */
	for (i = 0; i < NBOUNDS; i++)
		if (usec <= bounds_us[i])
			__atomic_add_fetch(&cache[c].bucket[i]->value, 1,
			    __ATOMIC_RELAXED);
	__atomic_add_fetch(&cache[c].bucket[NBOUNDS]->value, 1,
	    __ATOMIC_RELAXED);
	__atomic_add_fetch(&cache[c].count->value, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&cache[c].sum->value, usec > 0 ? (uint64_t)usec : 0,
	    __ATOMIC_RELAXED);
}

void
metrics_webhook(const char *endpoint, const char *outcome)
{
	char key[METRICS_KEY];

	if (shm == NULL)
		return;
	snprintf(key, sizeof(key),
	    "amosync_webhook_outcomes_total{endpoint=\"%s\",outcome=\"%s\"}",
	    endpoint, outcome);
	metrics_add(key, 1, 1);
}

void
metrics_call(const char *api, long status)
{
	char key[METRICS_KEY];

	if (shm == NULL)
		return;
	if (status > 0)
		snprintf(key, sizeof(key),
		    "amosync_api_calls_total{api=\"%s\",status=\"%ld\"}", api,
		    status);
	else
		snprintf(key, sizeof(key),
		    "amosync_api_calls_total{api=\"%s\",status=\"error\"}",
		    api);
	metrics_add(key, 1, 1);
}

static int
bykey(const void *a, const void *b)
{
	const struct slot *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

/* The family a series belongs to: its name up to '{', less a suffix of
 * a histogram. */
static const struct metrics_family *
family(const char *key, const struct metrics_family *fams, size_t n)
{
	static const char *const sfx[] = { "_bucket", "_sum", "_count" };
	size_t len = strcspn(key, "{"), i, j, fl;

	for (i = 0; i < n; i++) {
		fl = strlen(fams[i].name);
		if (fl == len && strncmp(key, fams[i].name, len) == 0)
			return &fams[i];
		if (strcmp(fams[i].type, "histogram") != 0 ||
		    strncmp(key, fams[i].name, fl) != 0)
			continue;
		for (j = 0; j < 3; j++)
			if (len == fl + strlen(sfx[j]) &&
			    strncmp(key + fl, sfx[j], strlen(sfx[j])) == 0)
				return &fams[i];
	}
	return NULL;
}

void
metrics_render(struct buf *b, const struct metrics_family *fams, size_t nfams)
{
	struct slot *v[METRICS_SLOTS];
	const struct metrics_family *f, *last = NULL;
	size_t i, n = 0;
	uint64_t val;

	if (shm == NULL)
		return;
	for (i = 0; i < METRICS_SLOTS; i++)
		if (__atomic_load_n(&shm->slots[i].state, __ATOMIC_ACQUIRE) ==
		    SLOT_READY)
			v[n++] = &shm->slots[i];
	qsort(v, n, sizeof(v[0]), bykey);
	for (i = 0; i < n; i++) {
		f = family(v[i]->key, fams, nfams);
		if (f != NULL && f != last) {
			buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", f->name,
			    f->help, f->name, f->type);
			last = f;
		}
		val = __atomic_load_n(&v[i]->value, __ATOMIC_RELAXED);
		if (v[i]->micro)
			buf_printf(b, "%s %.6f\n", v[i]->key,
			    (double)val / 1e6);
		else
			buf_printf(b, "%s %llu\n", v[i]->key,
			    (unsigned long long)val);
	}
	buf_printf(b,
	    "# HELP amosync_metrics_dropped_total series refused because the "
	    "table was full\n# TYPE amosync_metrics_dropped_total counter\n"
	    "amosync_metrics_dropped_total %llu\n",
	    (unsigned long long)__atomic_load_n(&shm->dropped,
	        __ATOMIC_RELAXED));
}

/*
 * make bench: speed and memory of the parsers and the attribution engine,
 * one aligned line per benchmark. Tests never time anything; this does.
 *
 * Each benchmark runs one operation (parse and free, match, encode and
 * free) N times, N calibrated so that the timed run takes about 0.5 s,
 * and prints operations per second, nanoseconds per operation, MB/s
 * (10^6 bytes of input per second for parsers, of output for
 * amo_lead_json) and, from an untimed run (one per UTM set for
 * attr_match), the peak of live heap bytes during one operation (the
 * largest) and the number of allocations it made (the mean).
 *
 * Memory is counted by replacing malloc, calloc, realloc and free with
 * thin wrappers around glibc's __libc_* functions (glibc lets a program
 * replace them, and libc, json-c and libamosync then call ours); bytes
 * are malloc_usable_size(), so they include malloc's rounding but not its
 * per-chunk header. The wrappers only count when counting is on, so the
 * timed runs pay one predictable branch per call. Under AddressSanitizer
 * the sanitizer owns malloc: no counting, and the figures say so.
 *
 * Take figures from a plain ./configure build (no --enable-dev): the dev
 * build adds ASan and UBSan and -O1, and this program prints a warning.
 */
#include <sys/resource.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amocrm/webhook.h"
#include "attr/engine.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/form.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(BENCH_ASAN)
#define BENCH_ASAN 1
#endif

#define TARGET_SEC 0.5 /* length of each timed run */
#define CALIB_SEC 0.05 /* calibration stops once a run takes this long */
#define SYN_LEADS 200  /* the synthetic body: leads... */
#define SYN_FIELDS 10  /* ...with this many custom fields each */

/* --- allocation counting ------------------------------------------------ */

static int counting;
static long long live, peak, nallocs;

#ifndef BENCH_ASAN
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

static void
count_add(void *p)
{
	if (p == NULL)
		return;
	live += (long long)malloc_usable_size(p);
	if (live > peak)
		peak = live;
	nallocs++;
}

void *
malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (counting)
		count_add(p);
	return p;
}

void *
calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	if (counting)
		count_add(p);
	return p;
}

void *
realloc(void *p, size_t n)
{
	size_t old = 0;
	void *q;

	if (counting && p != NULL)
		old = malloc_usable_size(p);
	q = __libc_realloc(p, n);
	if (counting && (q != NULL || n == 0)) {
		live -= (long long)old;
		count_add(q);
	}
	return q;
}

void
free(void *p)
{
	if (counting && p != NULL)
		live -= (long long)malloc_usable_size(p);
	__libc_free(p);
}
#endif

/* --- the operations ------------------------------------------------------ */

/* What one benchmark works on; one op() call is one operation. */
struct bench {
	const char *name;
	enum err (*op)(const struct bench *b);
	const char *ctype;
	const char *body;
	size_t len; /* bytes for MB/s; 0: not applicable */
	const struct attr_set *set;
	const struct attr_utm *utms;
	size_t nutms;
	const struct amo_lead *lead;
	const struct amo_event *ev;
};

static struct amo_opts opts;
static size_t next_utm;
static volatile unsigned long long sink;

static enum err
op_form(const struct bench *b)
{
	struct form f;
	enum err rc;

	rc = form_parse(&f, b->body, b->len, &opts.limits);
	sink += f.npairs;
	form_free(&f);
	return rc;
}

static enum err
op_amo(const struct bench *b)
{
	struct amo_event ev;
	enum err rc;

	rc = amo_parse(&ev, b->ctype, b->body, b->len, &opts);
	sink += ev.nleads;
	amo_event_free(&ev);
	return rc;
}

/* One match per call, cycling through the UTM table. */
static enum err
op_attr(const struct bench *b)
{
	struct attr_result res;
	enum err rc;

	rc = attr_match(b->set, &b->utms[next_utm], &res);
	if (++next_utm == b->nutms)
		next_utm = 0;
	sink += (unsigned)res.conf;
	return rc;
}

static enum err
op_json(const struct bench *b)
{
	char *s;

	if ((s = amo_lead_json(b->lead, b->ev)) == NULL)
		return ERR_NOMEM;
	sink += (unsigned char)s[0];
	free(s);
	return ERR_OK;
}

/* --- running and printing ----------------------------------------------- */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs b n times; returns the seconds it took. */
static double
run(const struct bench *b, unsigned long long n)
{
	unsigned long long i;
	double t0;

	t0 = now();
	for (i = 0; i < n; i++)
		b->op(b);
	return now() - t0;
}

/*
 * Checks that b succeeds, counts the memory of one operation per input,
 * calibrates N and prints one line. Returns 0, or -1 if the operation fails.
 */
static int
measure(const struct bench *b)
{
	unsigned long long n = 1;
	size_t i, reps;
	double t, mbs;
	long long opeak, oallocs;
	enum err rc;
	char by[32], mb[32], pk[32], na[32];

	/* Once per input (every UTM set): the largest peak, mean allocs. */
	reps = b->nutms > 0 ? b->nutms : 1;
	opeak = 0;
	nallocs = 0;
	for (i = 0; i < reps; i++) {
		live = peak = 0;
		counting = 1;
		rc = b->op(b);
		counting = 0;
		if (peak > opeak)
			opeak = peak;
		if (rc != ERR_OK) {
			fprintf(stderr, "bench: %s failed: %s\n", b->name,
			    err_str(rc));
			return -1;
		}
	}
	oallocs = (nallocs + (long long)reps / 2) / (long long)reps;
	next_utm = 0;
	while ((t = run(b, n)) < CALIB_SEC)
		n *= t < CALIB_SEC / 10 ? 10 : 2;
	n = (unsigned long long)((double)n * TARGET_SEC / t);
	if (n == 0)
		n = 1;
	t = run(b, n);

	mbs = b->len > 0 ? (double)b->len * (double)n / t / 1e6 : -1;
	if (mbs >= 0)
		snprintf(mb, sizeof(mb), "%.1f", mbs);
	else
		snprintf(mb, sizeof(mb), "-");
#ifdef BENCH_ASAN
	(void)opeak;
	(void)oallocs;
	snprintf(pk, sizeof(pk), "n/a");
	snprintf(na, sizeof(na), "n/a");
#else
	snprintf(pk, sizeof(pk), "%lld", opeak);
	snprintf(na, sizeof(na), "%lld", oallocs);
#endif
	if (b->len > 0)
		snprintf(by, sizeof(by), "%zu", b->len);
	else
		snprintf(by, sizeof(by), "-");
	printf("%-44s %8s %10.0f %10.1f %8s %10s %9s\n", b->name, by,
	    (double)n / t, t * 1e9 / (double)n, mb, pk, na);
	fflush(stdout);
	return 0;
}

/* --- inputs --------------------------------------------------------------- */

/* Reads $FIXTURES/amo/name (else tests/fixtures/amo/name); exits on error. */
static char *
fixture(const char *name, size_t *len)
{
	struct buf path, b;
	char chunk[4096];
	const char *dir;
	size_t n;
	FILE *fp;

	if ((dir = getenv("FIXTURES")) == NULL || *dir == '\0')
		dir = "tests/fixtures";
	buf_init(&path);
	buf_printf(&path, "%s/amo/%s", dir, name);
	if ((fp = fopen(buf_str(&path), "rb")) == NULL) {
		perror(buf_str(&path));
		exit(EXIT_FAILURE);
	}
	buf_free(&path);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&b, chunk, n);
	fclose(fp);
	*len = b.len;
	return buf_take(&b);
}

/*
 * Writes a urlencoded status webhook as amoCRM does (brackets as %5B/%5D,
 * Cyrillic as %XX, '+' for spaces) with nleads leads of nfields custom
 * fields each; the first fields are the seed's UTM ids. Caller frees.
 */
static char *
synthetic(int nleads, int nfields, size_t *len)
{
	static const long long ids[] = { 434731, 434727, 434729, 434725, 434723,
		434735, 434737 };
	static const char *const names[] = { "utm_source", "utm_medium",
		"utm_campaign", "utm_content", "utm_term", "utm_referrer",
		"fbclid" };
	struct buf b;
	int i, j;

	buf_init(&b);
	buf_adds(&b,
	    "account%5Bsubdomain%5D=onaiagencykz&account%5Bid%5D="
	    "31987654");
	for (i = 0; i < nleads; i++) {
#define L "&leads%%5Bstatus%%5D%%5B%d%%5D"
		buf_printf(&b, L "%%5Bid%%5D=%d", i, 28000000 + i);
		buf_printf(&b,
		    L "%%5Bname%%5D=%%D0%%90%%D0%%B9%%D0%%B3%%D0%%B5"
		      "%%D1%%80%%D0%%B8%%D0%%BC+%d+%%E2%%80%%94+"
		      "%%D0%%AD%%D0%%BA%%D1%%81%%D0%%BF%%D1%%80%%D0%%B5"
		      "%%D1%%81%%D1%%81",
		    i, i);
		buf_printf(&b, L "%%5Bstatus_id%%5D=142", i);
		buf_printf(&b, L "%%5Bold_status_id%%5D=81854618", i);
		buf_printf(&b, L "%%5Bprice%%5D=%d", i, 5000 + i);
		buf_printf(&b, L "%%5Bresponsible_user_id%%5D=11245678", i);
		buf_printf(&b, L "%%5Blast_modified%%5D=%d", i, 1766830415 + i);
		buf_printf(&b, L "%%5Bdate_create%%5D=1766742011", i);
		buf_printf(&b, L "%%5Bpipeline_id%%5D=10350882", i);
		buf_printf(&b, L "%%5Baccount_id%%5D=31987654", i);
		for (j = 0; j < nfields; j++) {
#define CF L "%%5Bcustom_fields%%5D%%5B%d%%5D"
			if ((size_t)j < NELEM(ids)) {
				buf_printf(&b, CF "%%5Bid%%5D=%lld", i, j,
				    ids[j]);
				buf_printf(&b, CF "%%5Bname%%5D=%s", i, j,
				    names[j]);
			} else {
				buf_printf(&b, CF "%%5Bid%%5D=%d", i, j,
				    612000 + j);
				buf_printf(&b,
				    CF "%%5Bname%%5D=%%D0%%9F%%D0%%BE"
				       "%%D0%%BB%%D0%%B5+%d",
				    i, j, j);
			}
			buf_printf(&b,
			    CF "%%5Bvalues%%5D%%5B0%%5D%%5Bvalue%%5D"
			       "=value_%d_%d_tripwire_test",
			    i, j, i, j);
#undef CF
		}
#undef L
	}
	if (buf_err(&b) != ERR_OK) {
		fprintf(stderr, "bench: out of memory\n");
		exit(EXIT_FAILURE);
	}
	*len = b.len;
	return buf_take(&b);
}

/* The seed's four teams and 29 rules, as tests/unit/attr-t.c has them. */
static const struct {
	const char *id, *name, *utm_source, *emoji;
	int position;
} teams[] = {
	{ "uuid-kenesary", "Kenesary", "fb_kenesary", "👑", 1 },
	{ "uuid-arystan", "Arystan", "fb_arystan", "🦁", 2 },
	{ "uuid-muha", "Muha", "fb_muha", "🚀", 3 },
	{ "uuid-traf4", "Traf4", "fb_traf4", "⚡", 4 },
};

static const struct {
	const char *id, *team_id, *pattern;
	int priority;
} rules[] = {
	{ "k-tripwire", "uuid-kenesary", "tripwire", 0 },
	{ "k-nutcab", "uuid-kenesary", "nutcab", 0 },
	{ "k-kenesary", "uuid-kenesary", "kenesary", 0 },
	{ "k-nutrients", "uuid-kenesary", "nutrients", 0 },
	{ "k-kab3", "uuid-kenesary", "kab3", 0 },
	{ "k-1day", "uuid-kenesary", "1day", 0 },
	{ "k-pb_agency", "uuid-kenesary", "pb_agency", 10 },
	{ "k-kenji", "uuid-kenesary", "kenji", 0 },
	{ "k-kenes", "uuid-kenesary", "kenes", 0 },
	{ "a-arystan", "uuid-arystan", "arystan", 0 },
	{ "a-ar_", "uuid-arystan", "ar_", 0 },
	{ "a-ast_", "uuid-arystan", "ast_", 0 },
	{ "a-rm almaty", "uuid-arystan", "rm almaty", 0 },
	{ "a-rm_almaty", "uuid-arystan", "rm_almaty", 0 },
	{ "m-onai", "uuid-muha", "onai", 0 },
	{ "m-on ai", "uuid-muha", "on ai", 0 },
	{ "m-запуск", "uuid-muha", "запуск", 0 },
	{ "m-muha", "uuid-muha", "muha", 0 },
	{ "m-yourmarketolog", "uuid-muha", "yourmarketolog", 0 },
	{ "m-maqtakyz", "uuid-muha", "maqtakyz", 0 },
	{ "m-residence", "uuid-muha", "residence", 0 },
	{ "m-yourteam", "uuid-muha", "yourteam", 0 },
	{ "m-tima", "uuid-muha", "tima", 0 },
	{ "t-alex", "uuid-traf4", "alex", 0 },
	{ "t-traf4", "uuid-traf4", "traf4", 0 },
	{ "t-proftest", "uuid-traf4", "proftest", 0 },
	{ "t-pb_agency", "uuid-traf4", "pb_agency", 0 },
	{ "t-smmmcwin", "uuid-traf4", "smmmcwin", 0 },
	{ "t-3-1", "uuid-traf4", "3-1", 0 },
};

/*
 * UTM sets (source, medium, campaign, content, term) that reach every
 * step of the engine: high, a rule in each field, fuzzy fb_<name>, and
 * low after trying every rule on every field.
 */
static const struct attr_utm utms[] = {
	{ { "fb_kenesary", "cpc", "tripwire_test_1" } },
	{ { "FB_Arystan", "cpc", "ar_leads_winter" } },
	{ { "facebook", "cpc", "nutcab_tripwire_2025", "video_1" } },
	{ { "instagram", "stories", "spring_sale", "запуск_марафон" } },
	{ { "google", "cpc", "brand", "banner", "pb_agency" } },
	{ { "fb%5Ftraf4", "cpc" } },
	{ { "fb_muha" } },
	{ { "tiktok", "paid", "webinar_1", "creative_42", "ultimate" } },
	{ { "yandex", "cpc",
	    "%D0%9A%D0%B0%D1%80%D0%B0%D0%B3%D0%B0%D0%BD%D0%B4"
	    "%D0%B0+rm+almaty" } },
	{ { "  Partner Network  ", "referral", "autumn_promo_2025",
	    "landing_v3_long_content_value", "some+search+term" } },
	{ { NULL } },
	{ { "", "", "", "", "" } },
};

static void
build_set(struct attr_set *set)
{
	enum err rc = ERR_OK;
	size_t i;

	attr_set_init(set);
	for (i = 0; i < NELEM(teams) && rc == ERR_OK; i++)
		rc = attr_set_add_team(set, teams[i].id, teams[i].name,
		    teams[i].utm_source, teams[i].emoji, teams[i].position);
	for (i = 0; i < NELEM(rules) && rc == ERR_OK; i++)
		rc = attr_set_add_rule(set, rules[i].id, rules[i].team_id,
		    rules[i].pattern, ATTR_KIND_TOKEN, ATTR_FIELDS_ALL,
		    rules[i].priority, 1);
	if (rc != ERR_OK) {
		fprintf(stderr, "bench: could not build the rule set: %s\n",
		    err_str(rc));
		exit(EXIT_FAILURE);
	}
}

/* Parses body into ev for the amo_lead_json benchmarks; exits on error. */
static void
parse_or_die(struct amo_event *ev, const char *ctype, const char *body,
    size_t len)
{
	enum err rc;

	if ((rc = amo_parse(ev, ctype, body, len, &opts)) != ERR_OK ||
	    ev->nleads == 0) {
		fprintf(stderr, "bench: could not parse a fixture: %s\n",
		    err_str(rc));
		exit(EXIT_FAILURE);
	}
}

/* Output bytes of amo_lead_json for its MB/s. */
static size_t
json_len(const struct amo_lead *l, const struct amo_event *ev)
{
	char *s;
	size_t n;

	if ((s = amo_lead_json(l, ev)) == NULL)
		return 0;
	n = strlen(s);
	free(s);
	return n;
}

#define STR_(x) #x
#define STR(x) STR_(x)
#define SYN "synthetic " STR(SYN_LEADS) "x" STR(SYN_FIELDS)

int
main(void)
{
	static const char *const form_ct = "application/x-www-form-urlencoded";
	struct amo_event ev_express, ev_syn;
	struct attr_set set;
	struct rusage ru;
	char *express, *multi, *json, *syn;
	size_t nexpress, nmulti, njson, nsyn, i;
	int failed = 0;

	amo_opts_default(&opts);
	express = fixture("status_express_142.txt", &nexpress);
	multi = fixture("multi_leads.txt", &nmulti);
	json = fixture("status_express_142.json", &njson);
	syn = synthetic(SYN_LEADS, SYN_FIELDS, &nsyn);
	build_set(&set);
	parse_or_die(&ev_express, form_ct, express, nexpress);
	parse_or_die(&ev_syn, form_ct, syn, nsyn);

	{
		const struct bench benches[] = {
			{ .name = "form_parse status_express_142.txt",
			    .op = op_form,
			    .body = express,
			    .len = nexpress },
			{ .name = "form_parse multi_leads.txt",
			    .op = op_form,
			    .body = multi,
			    .len = nmulti },
			{ .name = "form_parse " SYN,
			    .op = op_form,
			    .body = syn,
			    .len = nsyn },
			{ .name = "amo_parse status_express_142.txt",
			    .op = op_amo,
			    .ctype = form_ct,
			    .body = express,
			    .len = nexpress },
			{ .name = "amo_parse multi_leads.txt",
			    .op = op_amo,
			    .ctype = form_ct,
			    .body = multi,
			    .len = nmulti },
			{ .name = "amo_parse " SYN,
			    .op = op_amo,
			    .ctype = form_ct,
			    .body = syn,
			    .len = nsyn },
			{ .name = "amo_parse status_express_142.json",
			    .op = op_amo,
			    .ctype = "application/json",
			    .body = json,
			    .len = njson },
			{ .name = "attr_match seed rules, 12 UTM sets",
			    .op = op_attr,
			    .set = &set,
			    .utms = utms,
			    .nutms = NELEM(utms) },
			{ .name = "amo_lead_json express lead (output)",
			    .op = op_json,
			    .lead = &ev_express.leads[0],
			    .ev = &ev_express,
			    .len = json_len(&ev_express.leads[0],
			        &ev_express) },
			{ .name = "amo_lead_json " SYN " lead (output)",
			    .op = op_json,
			    .lead = &ev_syn.leads[0],
			    .ev = &ev_syn,
			    .len = json_len(&ev_syn.leads[0], &ev_syn) },
		};

#ifdef BENCH_ASAN
		printf("WARNING: built with AddressSanitizer (--enable-dev): "
		       "figures are not representative and memory is not "
		       "counted; use a plain ./configure build\n");
#endif
#ifndef __OPTIMIZE__
		printf("WARNING: built without optimisation: figures are not "
		       "representative\n");
#endif
		printf("%-44s %8s %10s %10s %8s %10s %9s\n", "benchmark",
		    "bytes", "ops/s", "ns/op", "MB/s", "peak B/op",
		    "allocs/op");
		for (i = 0; i < NELEM(benches); i++)
			if (measure(&benches[i]) != 0)
				failed = 1;
	}

	getrusage(RUSAGE_SELF, &ru);
	printf("max RSS of this process: %ld KiB\n", ru.ru_maxrss);
	amo_event_free(&ev_express);
	amo_event_free(&ev_syn);
	attr_set_free(&set);
	free(express);
	free(multi);
	free(json);
	free(syn);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

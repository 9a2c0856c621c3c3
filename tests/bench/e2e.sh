#!/usr/bin/env bash
# make bench, end to end: a real stack (tests/integ/lib.sh: PostgreSQL,
# nginx, the FastCGI programs, all on loopback) and BENCH_REQUESTS distinct
# Express sales posted to funnel-sale and then to sales-webhook, at most
# BENCH_CONCURRENCY at a time, each a new connection as amoCRM makes them.
# Prints requests/s, latency percentiles and the rows stored, which must
# equal the requests (the script fails otherwise). Figures, not a test:
# nothing here asserts a speed. The client (python3, stdlib only) runs on
# the same machine and takes CPU from the stack; PostgreSQL runs with
# fsync=off as in the integration tests.
BENCH_REQUESTS=${BENCH_REQUESTS:-2000}
BENCH_CONCURRENCY=${BENCH_CONCURRENCY:-8}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300} # seconds per endpoint, all requests

. "$top_srcdir/tests/integ/lib.sh"
integ_up

# Replaces integ_down: figures, not TAP. Keeps the stack on failure.
bench_down() {
	local status=$? bad
	stack_down "$STACK"
	bad=$(grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' \
		"$STACK"/log/*.log 2>/dev/null)
	if [ -n "$bad" ]; then
		echo "ERROR: sanitizer reports in $bad"
		status=1
	fi
	if [ "$status" -eq 0 ]; then
		rm -rf "$STACK"
	else
		echo "stack kept in $STACK"
	fi
	exit "$status"
}
trap bench_down EXIT

if grep -qa __asan_init "$top_builddir/cgi-bin/funnel-sale"; then
	echo "WARNING: the programs are built with AddressSanitizer" \
		"(--enable-dev): figures are not representative; use a plain" \
		"./configure build"
fi

# load PATH ID-BASE: posts the sales, prints one line of figures.
load() {
	timeout "$BENCH_TIMEOUT" python3 - "$URL$1" "$2" "$BENCH_REQUESTS" \
		"$BENCH_CONCURRENCY" "$top_srcdir/tests/integ" <<-'PY'
	import concurrent.futures, json, sys, time, urllib.error, urllib.request
	from urllib.parse import quote_plus
	url, base, n, conc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
	sys.path.insert(0, sys.argv[5])
	import amobody

	def body(lid):
	    spec = {"leads": [{"id": lid, "name": "Бенчмарк %d" % lid,
	        "status_id": 142, "old_status_id": 81854618,
	        "pipeline_id": 10350882, "price": str(5000 + lid % 1000),
	        "updated_at": 1764300000 + lid % 86400,
	        "fields": [[434731, "utm_source", "fb_kenesary"],
	                   [434727, "utm_medium", "cpc"],
	                   [434729, "utm_campaign", "tripwire_%d" % lid]]}]}
	    return "&".join(quote_plus(k, safe="") + "=" + quote_plus(v, safe="")
	                    for k, v in amobody.pairs(spec)).encode()

	bodies = [body(base + i) for i in range(n)]

	def post(data):
	    req = urllib.request.Request(url, data=data, method="POST", headers={
	        "Content-Type": "application/x-www-form-urlencoded"})
	    t0 = time.perf_counter()
	    try:
	        with urllib.request.urlopen(req, timeout=10) as r:
	            status, saved = r.status, json.loads(r.read()).get("leads_saved")
	    except urllib.error.HTTPError as e:
	        status, saved = e.code, None
	    except Exception:
	        status, saved = 0, None
	    return time.perf_counter() - t0, status, saved

	t0 = time.perf_counter()
	with concurrent.futures.ThreadPoolExecutor(conc) as ex:
	    res = list(ex.map(post, bodies))
	wall = time.perf_counter() - t0
	lat = sorted(r[0] * 1000 for r in res)
	pct = lambda p: lat[min(len(lat) - 1, int(p / 100 * len(lat)))]
	bad = sum(1 for r in res if r[1] != 200 or r[2] != 1)
	print("%9d %5d %8.0f %8.2f %8.2f %8.2f %8.2f %8d" % (n, conc, n / wall,
	      pct(50), pct(95), pct(99), lat[-1], bad))
	PY
}

printf '%-28s %9s %5s %8s %8s %8s %8s %8s %8s %8s\n' endpoint requests conc \
	'req/s' 'p50 ms' 'p95 ms' 'p99 ms' 'max ms' 'not 200' 'rows'
fail=0
# bench NAME PATH ID-BASE DB QUERY: one line; rows from QUERY.
bench() {
	local figs rows
	figs=$(load "$2" "$3") || {
		echo "ERROR: $1: client failed or took over ${BENCH_TIMEOUT}s"
		fail=1
		return
	}
	rows=$(sql "$4" "$5")
	printf '%-28s %s %8s\n' "$1" "$figs" "$rows"
	if [ "$rows" != "$BENCH_REQUESTS" ]; then
		echo "ERROR: $1: $rows rows stored for $BENCH_REQUESTS requests"
		fail=1
	fi
}
lo=900000000
hi=$((lo + BENCH_REQUESTS - 1))
bench "e2e funnel-sale" "/api/amocrm/funnel-sale$HOOK_Q" "$lo" landing \
	"SELECT count(*) FROM express_course_sales WHERE deal_id BETWEEN $lo AND $hi"
lo=910000000
hi=$((lo + BENCH_REQUESTS - 1))
bench "e2e sales-webhook" "/api/amocrm/sales-webhook$HOOK_Q" "$lo" traffic \
	"SELECT count(*) FROM all_sales_tracking WHERE lead_id::bigint BETWEEN $lo AND $hi"
echo "(new connection per request through nginx on 127.0.0.1;" \
	"PostgreSQL fsync=off; client on the same host)"
[ "$fail" -eq 0 ]

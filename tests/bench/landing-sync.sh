#!/usr/bin/env bash
# make bench: the pull sync's database work (match against every landing
# lead through the expression indexes, then the answer's counts and
# lists) with BENCH_LANDING landing leads and BENCH_AMO amoCRM leads, on a
# real stack with the amoCRM stand-in. The baseline, measured in the same
# run, is the same sync against BENCH_BASE landing leads. Prints db_ms (the
# run's own measure, also in sync_runs.db_ms) and the whole run, next to
# the rows matched in the database, which must equal the answer's count.
# Figures, not a test.
BENCH_LANDING=${BENCH_LANDING:-100000}
BENCH_BASE=${BENCH_BASE:-1000}
BENCH_AMO=${BENCH_AMO:-500}
BENCH_RUNS=${BENCH_RUNS:-3}

. "$top_srcdir/tests/integ/lib.sh"
INTEG_MOCKS=1
INTEG_ENV="AMOSYNC_SYNC_LIMIT_MAX=$BENCH_AMO
AMOCRM_RATE_LIMIT=50"
integ_up

bench_down() {
	local status=$?
	stack_down "$STACK"
	if [ "$status" -eq 0 ]; then
		rm -rf "$STACK"
	else
		echo "stack kept in $STACK"
	fi
	exit "$status"
}
trap bench_down EXIT

if grep -qa __asan_init "$top_builddir/cgi-bin/admin-landing"; then
	echo "WARNING: built with AddressSanitizer (--enable-dev): the" \
		"database's figures stand, the program's do not"
fi

land() { sql landing "$1"; }

# The stand-in's leads: contacts +7 (700) 000-NNNN and userN@example.kz.
amo_ctl POST /__control/reset '{"data":true}' >/dev/null
amo_ctl POST /__control/leads "{\"generate\":{\"count\":$BENCH_AMO,\"pipeline_id\":10350882}}" >/dev/null

# add FROM TO: landing leads FROM..TO; one in 100 matches an amoCRM
# contact, by phone in another format (8 (700) 000-NNNN) or by e-mail in
# capitals; the others have phones and e-mails of their own.
add() {
	land "INSERT INTO landing_leads (name, email, phone, source, utm_source, created_at)
	SELECT 'Лид ' || i,
	       CASE WHEN i % 200 = 0 THEN ' USER' || (i / 100 % $BENCH_AMO) || '@Example.KZ'
	            ELSE 'lead' || i || '@mail.kz' END,
	       CASE WHEN i % 200 = 100 THEN '8 (700) 000-' || lpad((i / 100 % $BENCH_AMO)::text, 4, '0')
	            WHEN i % 3 = 0 THEN '+7 (701) ' || lpad(i::text, 7, '0')
	            WHEN i % 3 = 1 THEN '8701' || lpad(i::text, 7, '0')
	            ELSE '701' || lpad(i::text, 7, '0') END,
	       (ARRAY['proftest_kenesary','expresscourse','proftest_arystan','TF4'])[1 + i % 4],
	       (ARRAY['fb_kenesary','fb_arystan','fb_muha','alex_FB'])[1 + i % 4],
	       now() - make_interval(mins => i)
	FROM generate_series($1, $2) AS i" >/dev/null
	land "ANALYZE landing_leads" >/dev/null
}

# measure LABEL: BENCH_RUNS syncs; prints db_ms and the run's duration.
measure() {
	local i out
	for i in $(seq "$BENCH_RUNS"); do
		land "UPDATE landing_leads SET amocrm_lead_id = NULL, amocrm_contact_id = NULL, amocrm_synced = false WHERE amocrm_synced" >/dev/null
		post /api/admin/landing/sync-amocrm application/json "{\"limit\":$BENCH_AMO}"
		[ "$STATUS" = 200 ] || {
			echo "ERROR: sync answered $STATUS: $BODY"
			exit 1
		}
		out=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1])["data"]; print(d["db_ms"], d["duration"], d["synced_total"], d["total_landing_leads"], d["total_amocrm_leads"])' "$BODY")
		set -- $out
		rows=$(land "SELECT count(*) FROM landing_leads WHERE amocrm_synced")
		printf '%-9s run %d: db %5s ms, whole run %8s; %s amoCRM leads, %s landing leads, %s matched (%s rows synced)\n' \
			"$LABEL" "$i" "$1" "$2" "$5" "$4" "$3" "$rows"
		[ "$rows" = "$3" ] || {
			echo "ERROR: the answer says $3 matched, the database has $rows"
			exit 1
		}
	done
}

add 1 "$BENCH_BASE"
LABEL=baseline measure
add $((BENCH_BASE + 1)) "$BENCH_LANDING"
LABEL=full measure
land "EXPLAIN (COSTS OFF) SELECT l.id FROM unnest('{77000000001}'::text[]) AS a(key) JOIN landing_leads l ON amosync_phone_norm(l.phone) = a.key" |
	grep -q landing_leads_phone_norm_idx && echo "plan: the phone match uses landing_leads_phone_norm_idx" ||
	echo "WARNING: the phone match does not use its index"

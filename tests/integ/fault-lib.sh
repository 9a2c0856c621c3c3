# shellcheck shell=bash
# The fault suite's helpers (tests/integ/fault-*.sh), on top of lib.sh.
# Each scenario sends deliveries for a range of deals (faultload.py),
# breaks something, repairs it, waits (bounded) for the replays and the
# worker, then prints one line
#   # fault <scenario>: sent N / 2xx N / stored N / duplicates N / messages N / lost N
# and asserts lost = 0 and duplicates = 0. stored: deals with their row in
# both databases, each with its team; lost: deals answered 2xx that are
# not stored so; duplicates: rows beyond one per deal in either database;
# messages: Telegram messages sent meanwhile ("-" without a worker).
FORM=application/x-www-form-urlencoded

# load FIRST COUNT THREADS OUT: posts the deals to funnel-sale; gives up
# after 150 s.
load() {
	timeout 150 python3 "$top_srcdir/tests/integ/faultload.py" \
		"$URL/api/amocrm/funnel-sale$HOOK_Q" "$1" "$2" "$3" "$4"
}

# amo_add FIRST COUNT: the deals exist in the amoCRM stand-in, won.
amo_add() {
	python3 "$top_srcdir/tests/integ/faultload.py" --amo-leads "$1" "$2" >"$STACK/amo-leads.json"
	amo_ctl POST /__control/leads "$(cat "$STACK/amo-leads.json")" >/dev/null
}

# stored FIRST COUNT: deals in both databases, each with its team.
stored() {
	local a=$1 b=$(($1 + $2 - 1)) l t
	l=$(sql landing "SELECT deal_id FROM express_course_sales WHERE deal_id BETWEEN $a AND $b AND targetologist IS NOT NULL" | sort -u)
	t=$(sql traffic "SELECT lead_id FROM all_sales_tracking WHERE lead_id::bigint BETWEEN $a AND $b AND targetologist IS NOT NULL" | sort -u)
	comm -12 <(printf '%s\n' "$l") <(printf '%s\n' "$t") | grep -c .
}

# dups FIRST COUNT: rows beyond one per deal, both databases.
dups() {
	local a=$1 b=$(($1 + $2 - 1))
	echo $(($(sql landing "SELECT count(*) - count(DISTINCT deal_id) FROM express_course_sales WHERE deal_id BETWEEN $a AND $b") + \
		$(sql traffic "SELECT count(*) - count(DISTINCT lead_id) FROM all_sales_tracking WHERE lead_id::bigint BETWEEN $a AND $b")))
}

# lost FIRST COUNT FILE: deals answered 2xx that are not stored.
lost() {
	local a=$1 b=$(($1 + $2 - 1)) l t
	l=$(sql landing "SELECT deal_id FROM express_course_sales WHERE deal_id BETWEEN $a AND $b AND targetologist IS NOT NULL" | sort -u)
	t=$(sql traffic "SELECT lead_id FROM all_sales_tracking WHERE lead_id::bigint BETWEEN $a AND $b AND targetologist IS NOT NULL" | sort -u)
	awk '$2 >= 200 && $2 < 300 { print $1 }' "$3" | sort -u |
		comm -23 - <(comm -12 <(printf '%s\n' "$l") <(printf '%s\n' "$t")) | grep -c .
}

# wait_stored FIRST COUNT WANT SECONDS: until WANT deals are stored.
wait_stored() {
	local i
	for i in $(seq $(($4 * 2))); do
		[ "$(stored "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.5
	done
	return 1
}

# wait_announced FIRST COUNT WANT SECONDS: until WANT announce jobs of
# the deals are done (or dead) and no job of the deals is left running or
# pending; then a second for the last message to land.
wait_announced() {
	local i a=$1 b=$(($1 + $2 - 1))
	for i in $(seq $(($4 * 2))); do
		if [ "$(sql traffic "SELECT count(*) FILTER (WHERE kind = 'announce' AND state IN ('done', 'dead')) >= $3 AND count(*) FILTER (WHERE state IN ('pending', 'running')) = 0 FROM outbox_jobs WHERE (payload->>'lead_id')::bigint BETWEEN $a AND $b")" = t ]; then
			sleep 1
			return 0
		fi
		sleep 0.5
	done
	echo "# waited $4 s for the announcements: $(sql traffic "SELECT string_agg(kind || ' ' || state || ' ' || n, ', ') FROM (SELECT kind, state, count(*) AS n FROM outbox_jobs WHERE (payload->>'lead_id')::bigint BETWEEN $a AND $b GROUP BY 1, 2) j")"
	return 1
}

# figures SCENARIO FIRST COUNT FILE MESSAGES: prints and checks the line.
figures() {
	local name=$1 first=$2 count=$3 file=$4 msgs=$5 n2xx st du lo
	n2xx=$(awk '$2 >= 200 && $2 < 300' "$file" | wc -l)
	st=$(stored "$first" "$count")
	du=$(dups "$first" "$count")
	lo=$(lost "$first" "$count" "$file")
	FIG_2XX=$n2xx FIG_STORED=$st
	echo "# fault $name: sent $(wc -l <"$file") / 2xx $n2xx / stored $st / duplicates $du / messages $msgs / lost $lo"
	is "$lo" 0 "$name: lost = 0 (every 2xx-answered sale stored, in both databases, with its team)"
	is "$du" 0 "$name: duplicates = 0"
}

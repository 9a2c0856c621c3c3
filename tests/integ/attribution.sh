#!/usr/bin/env bash
# Attribution of the sources the agency really uses (issue 24): the
# seeded rules of migration 052 on a fresh and on an upgraded database,
# the worklist of the sales without a team, and a rule made from it (dry
# run, then applied with re-attribution, audited), through real nginx to
# the real programs.
. "$top_srcdir/tests/integ/lib.sh"
INTEG_ENV="AMOSYNC_ADMIN_USER=ops-worklist"
integ_up

JSON=application/json
FORM=application/x-www-form-urlencoded
API=/api/traffic
M="$top_builddir/tools/amosync-migrate"
traffic() { sql traffic "$1"; }
body() { python3 "$top_srcdir/tests/integ/amobody.py" "$1"; }
jpath() {
	python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1" "$2"
}
send() {
	local m=$1 p=$2 d=$3
	shift 3
	req "$m" "$p" -H "Content-Type: $JSON" --data-binary "$d" "$@"
}
newdb() { stack_psql "$STACK" postgres -qc "SET client_min_messages = warning" -qc "DROP DATABASE IF EXISTS $1" -qc "CREATE DATABASE $1"; }
# stored LEAD: the sale row exists (the webhook may answer before it does).
stored() { [ "$(traffic "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '$1'")" = 1 ]; }
# sale LEAD PRICE SOURCE [CAMPAIGN]: a won Express deal through the
# sales webhook, waited for until its row exists.
sale() {
	local f='[434731,"utm_source","'$3'"]'
	[ -z "${4:-}" ] || f=$f',[434729,"utm_campaign","'$4'"]'
	post /api/amocrm/sales-webhook $FORM "$(body '{"leads":[{"id":'$1',"name":"Сделка '$1'","status_id":142,"pipeline_id":10350882,"price":"'$2'","updated_at":1764300000,"fields":['"$f"']}]}')"
	[ "$STATUS" = 200 ] || echo "# sale $1: $STATUS $BODY"
	wait_for 10 stored "$1"
}
team_of() { traffic "SELECT coalesce(targetologist, 'NULL') || '|' || coalesce(attribution_confidence, 'NULL') FROM all_sales_tracking WHERE lead_id = '$1'"; }
# traffic_sales_stats against a fresh GROUP BY of the sales (report.sh).
stats_vs_sales() {
	traffic "SELECT sales_stats_pending_apply()" >/dev/null
	traffic "WITH fresh AS (SELECT (sale_date AT TIME ZONE 'Asia/Almaty')::date AS d,
		coalesce(targetologist, 'Unknown') AS t, coalesce(nullif(utm_source, ''), '') AS s,
		count(*) AS n, sum(sale_amount)::numeric(17,2) AS r
		FROM all_sales_tracking GROUP BY 1, 2, 3),
	st AS (SELECT date, team_name, coalesce(utm_source, ''), total_sales::bigint,
		total_revenue::numeric(17,2) FROM traffic_sales_stats WHERE period_type = 'daily')
	SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM st) a) || ' missing/' ||
		(SELECT count(*) FROM (SELECT * FROM st EXCEPT SELECT * FROM fresh) b) || ' extra/' ||
		(SELECT coalesce(sum(total_sales), 0) FROM traffic_sales_stats WHERE period_type = 'daily') || ' sales'"
}
# utm_sales_stats (days and months) against a fresh GROUP BY (catchup.sh).
utm_vs_sales() {
	traffic "WITH f AS (SELECT p.period, CASE p.period WHEN 'day'
			THEN (sale_date AT TIME ZONE 'Asia/Almaty')::date
			ELSE date_trunc('month', sale_date AT TIME ZONE 'Asia/Almaty')::date END AS d,
		utm_source, utm_medium, utm_campaign, coalesce(targetologist, 'Unknown') AS t,
		count(*) AS n, sum(sale_amount) AS r, min(sale_date) AS f, max(sale_date) AS l
	FROM all_sales_tracking, (VALUES ('day'), ('month')) AS p(period)
	WHERE sale_date IS NOT NULL AND verification <> 'unverified'
	GROUP BY 1, 2, 3, 4, 5, 6),
	a AS (SELECT period, d, utm_source, utm_medium, utm_campaign, team, n, revenue,
		first_at, last_at FROM utm_sales_stats)
	SELECT (SELECT count(*) FROM (SELECT * FROM f EXCEPT SELECT * FROM a) x) || ' missing/' ||
		(SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM f) x) || ' extra'"
}

# --- the upgrade path: a database migrated before 052, an admin's edits ----
# The tree without 052 migrates a database; an admin then changes a seeded
# rule, deletes one and adds alexinst to Muha; this tree's run adds 052's
# rules and leaves every rule the admin had as it was.
mkdir -p "$STACK/before"
cp -r "$top_srcdir/sql" "$STACK/before/"
rm "$STACK/before/sql/traffic/052-"*.sql
newdb up_t
UP=$(stack_url "$STACK" up_t)
upsql() { stack_psql "$STACK" up_t -tA -c "$1"; }
env TRAFFIC_DATABASE_URL="$UP" "$M" -d "$STACK/before/sql" traffic 2>"$STACK/log/migrate-before.log"
ok $? "upgrade: the tree before 052 migrates an empty database"
is "$(upsql "SELECT count(*) FROM attribution_rules WHERE pattern IN ('kenjifb', 'fbarystan', 'alexinst', 'tf4')")" 0 \
	"upgrade: before 052, none of its rules"
upsql "UPDATE attribution_rules SET priority = 7, fields = '{source}', enabled = false
	WHERE pattern = 'kenji';
	DELETE FROM attribution_rules WHERE pattern = 'ar_';
	INSERT INTO attribution_rules (team_id, pattern, kind, fields, position)
	SELECT id, 'AlexInst', 'token', '{source,campaign}', 99 FROM traffic_teams WHERE name = 'Muha'" >/dev/null
snap() { upsql "SELECT r.id || '|' || t.name || '|' || pattern || '|' || kind || '|' || fields::text || '|' ||
	priority || '|' || enabled || '|' || r.position || '|' || r.updated_at FROM attribution_rules r
	JOIN traffic_teams t ON t.id = r.team_id WHERE r.id <= $1 ORDER BY r.id"; }
maxid=$(upsql "SELECT max(id) FROM attribution_rules")
nrules=$(upsql "SELECT count(*) FROM attribution_rules")
before=$(snap "$maxid")
env TRAFFIC_DATABASE_URL="$UP" "$M" -d "$top_srcdir/sql" traffic 2>"$STACK/log/migrate-upgrade.log"
ok $? "upgrade: this tree migrates it"
is "$(snap "$maxid")" "$before" "upgrade: every rule the database had is as it was (the admin's edits kept)"
is "$(upsql "SELECT string_agg(t.name || ':' || pattern || ':' || kind || ':' || fields::text, ' ' ORDER BY r.id)
	FROM attribution_rules r JOIN traffic_teams t ON t.id = r.team_id WHERE r.id > $maxid")" \
	"Kenesary:kenjifb:exact:{source} Arystan:fbarystan:exact:{source} Traf4:alex_FB:exact:{source} Traf4:alex_inst:exact:{source} Traf4:tf4:token:{source,medium,campaign,content,term}" \
	"upgrade: 052's rules added, alexinst left to the admin's rule"
is "$(upsql "SELECT priority || '|' || enabled || '|' || fields::text FROM attribution_rules WHERE pattern = 'kenji'")" \
	"7|false|{source}" "upgrade: the admin's change of kenji kept"
is "$(upsql "SELECT count(*) FROM attribution_rules WHERE pattern = 'ar_'")" 0 "upgrade: the rule the admin deleted stays deleted"
is "$(upsql "SELECT t.name FROM attribution_rules r JOIN traffic_teams t ON t.id = r.team_id WHERE lower(pattern) = 'alexinst'")" \
	"Muha" "upgrade: alexinst is the admin's Muha rule only"
is "$(upsql "SELECT string_agg(pattern, ',' ORDER BY r.position) FROM attribution_rules r JOIN traffic_teams t ON t.id = r.team_id WHERE t.name = 'Traf4'")" \
	"alex,traf4,proftest,pb_agency,smmmcwin,3-1,alex_FB,alex_inst,tf4" "upgrade: the new rules come after the team's last"
env TRAFFIC_DATABASE_URL="$UP" "$M" -d "$top_srcdir/sql" traffic 2>"$STACK/log/migrate-again.log"
is "$?/$(upsql "SELECT count(*) FROM attribution_rules")" "0/$((nrules + 5))" "upgrade: a second run adds nothing"

# --- a fresh database: the agency's real sources --------------------------
sale 9401 5000 kenjifb
# The days around the sales' day (the deal's updated_at).
DAY=$(traffic "SELECT (sale_date AT TIME ZONE 'Asia/Almaty')::date FROM all_sales_tracking WHERE lead_id = '9401'")
FROM=$(traffic "SELECT ('$DAY'::date - 1)::text")
TO=$(traffic "SELECT ('$DAY'::date + 1)::text")
is "$(team_of 9401)" "Kenesary|medium" "kenjifb: Kenesary on a fresh database"
sale 9402 5000 FbArystan
is "$(team_of 9402)" "Arystan|medium" "fbarystan (any case): Arystan"
sale 9403 5000 alexinst
is "$(team_of 9403)" "Traf4|medium" "alexinst: Traf4"
sale 9404 5000 facebook proftest2
is "$(team_of 9404)" "Traf4|medium" "campaign proftest2: Traf4 (a digit after a word is a boundary)"
sale 9405 5000 facebook kenes2025_retarget
is "$(team_of 9405)" "Kenesary|medium" "campaign kenes2025_retarget: Kenesary"
sale 9406 5000 facebook webinar_21day
is "$(team_of 9406)" "NULL|low" "campaign webinar_21day: no team (ar_ not in webinar_, 1day not in 21day)"
sale 9407 77000 zhuldyz_ads
sale 9408 33000 zhuldyz_ads
sale 9409 12000 alexa
is "$(team_of 9407)/$(team_of 9409)" "NULL|low/NULL|low" "unknown sources: no team"

# --- the worklist ----------------------------------------------------------
req GET "$API/attribution/unattributed?start=$FROM&end=$TO"
is "$STATUS/$(jget "$BODY" success)" "200/true" "worklist: 200"
is "$(jpath "$BODY" '[(v["field"], v["value"], v["sales"], v["revenue"]) for v in d["values"]][:2]')" \
	"[('source', 'zhuldyz_ads', 2, 110000), ('source', 'alexa', 1, 12000)]" \
	"worklist: the unknown source first, with its sales and revenue"
is "$(jpath "$BODY" '[v for v in d["values"] if v["value"] == "zhuldyz_ads"][0]["first_seen"] <= [v for v in d["values"] if v["value"] == "zhuldyz_ads"][0]["last_seen"]')" \
	"true" "worklist: first and last seen"
is "$(jpath "$BODY" '[(n["why"], n["rule"]["pattern"], n["rule"]["team_name"]) for v in d["values"] if v["value"] == "alexa" for n in v["near"]]')" \
	"[('boundary', 'alex', 'Traf4')]" "worklist: alexa's near miss is Traf4's alex (another boundary)"
is "$(jpath "$BODY" '[(n["why"], n["rule"]["pattern"]) for v in d["values"] if v["value"] == "webinar_21day" for n in v["near"]]')" \
	"[('boundary', '1day'), ('boundary', 'ar_')]" "worklist: webinar_21day's near misses, in engine order"
is "$(jpath "$BODY" '[(v["suggest"]["kind"], v["suggest"]["fields"], v["suggest"]["pattern"], v["suggest"]["team_id"]) for v in d["values"] if v["value"] == "zhuldyz_ads"][0]')" \
	"('exact', ['source'], 'zhuldyz_ads', None)" "worklist: the suggested rule for a source"
is "$(jpath "$BODY" '(d["totals"]["sales"], d["totals"]["unattributed_sales"], d["totals"]["unattributed_revenue"], d["totals"]["without_utm_sales"], d["totals"]["share"])')" \
	"(9, 4, 127000, 0, 83.6)" "worklist: totals and the share of revenue without a team"
req GET "$API/attribution/unattributed?start=$FROM&end=$TO&format=csv"
like "$BODY" "field,value,sales,revenue,first_seen,last_seen" "worklist: CSV"
req GET "$API/attribution/unattributed?start=$TO&end=$FROM"
is "$STATUS/$(jget "$BODY" field)" "400/end" "worklist: end before start is a 400"
req GET "$API/attribution/unattributed?limit=0"
is "$STATUS/$(jget "$BODY" field)" "400/limit" "worklist: limit out of range is a 400"

# --- a rule from the worklist: dry run, then applied ------------------------
ARY=$(traffic "SELECT id FROM traffic_teams WHERE name = 'Arystan'")
state() { traffic "SELECT string_agg(lead_id || ':' || coalesce(targetologist, 'NULL'), ',' ORDER BY lead_id) FROM all_sales_tracking"; }
s0=$(state)
r0=$(traffic "SELECT count(*) FROM attribution_rules")
a0=$(traffic "SELECT count(*) FROM attribution_audit")
rule='{"pattern":"zhuldyz_ads","kind":"exact","fields":["source"],"from":"'$FROM'","to":"'$TO'"'
send POST "$API/teams/$ARY/rules" "$rule,\"dry_run\":true}"
is "$STATUS/$(jget "$BODY" dry_run)" "200/true" "dry run: 200"
dry=$(jpath "$BODY" '(d["reattribution"]["changed"], d["reattribution"]["revenue"], [(c["from"], c["to"], c["count"], c["revenue"]) for c in d["reattribution"]["changes"]], d["reattribution"]["reassigned"])')
is "$dry" "(2, 110000.0, [(None, 'Arystan', 2, 110000.0)], 0)" "dry run: two sales, 110 000 move to Arystan, none taken from a team"
is "$(jpath "$BODY" '(d["rule"]["id"], d["rule"]["pattern"], d["rule"]["kind"], d["rule"]["fields"], d["rule"]["active"])')" \
	"(None, 'zhuldyz_ads', 'exact', ['source'], True)" "dry run: the rule as it would be"
is "$(state)|$(traffic "SELECT count(*) FROM attribution_rules")|$(traffic "SELECT count(*) FROM attribution_audit")" \
	"$s0|$r0|$a0" "dry run: nothing stored, nothing audited"
# A rule that would take sales from a team says which.
send POST "$API/teams/$ARY/rules" '{"pattern":"kenjifb","kind":"exact","fields":["source"],"priority":50,"dry_run":true,"from":"'$FROM'","to":"'$TO'"}'
is "$(jpath "$BODY" '(d["reattribution"]["reassigned"], [(m["lead_id"], m["from"], m["to"], m["amount"]) for m in d["reattribution"]["reassigned_sales"]])')" \
	"(1, [('9401', 'Kenesary', 'Arystan', 5000.0)])" "dry run: an attributed sale that would change is listed"
send POST "$API/teams/$ARY/rules" "$rule}"
is "$STATUS" 201 "apply: 201"
is "$(jpath "$BODY" '(d["reattribution"]["changed"], d["reattribution"]["revenue"], [(c["from"], c["to"], c["count"], c["revenue"]) for c in d["reattribution"]["changes"]], d["reattribution"]["reassigned"])')" \
	"$dry" "apply: the same counts as the dry run"
RID=$(jpath "$BODY" 'd["rule"]["id"]')
is "$(team_of 9407)/$(team_of 9408)" "Arystan|medium/Arystan|medium" "apply: both sales moved to Arystan"
is "$(state)" "$(echo "$s0" | sed 's/9407:NULL/9407:Arystan/; s/9408:NULL/9408:Arystan/')" "apply: exactly those sales changed"
is "$(traffic "SELECT string_agg(action || ':' || entity || ':' || actor, ',' ORDER BY id) FROM attribution_audit WHERE id > (SELECT coalesce(max(id), 0) FROM attribution_audit) - 2")" \
	"create:rule:ops-worklist,reattribute:sales:ops-worklist" "apply: the rule and the re-attribution audited"
is "$(traffic "SELECT after->>'pattern' FROM attribution_audit WHERE entity = 'rule' AND entity_id = '$RID'")" \
	"zhuldyz_ads" "apply: the audit row names the rule"
is "$(stats_vs_sales)" "0 missing/0 extra/$(traffic "SELECT count(*) FROM all_sales_tracking") sales" \
	"stats: traffic_sales_stats equals a fresh GROUP BY after the rule"
is "$(utm_vs_sales)" "0 missing/0 extra" "stats: utm_sales_stats equals a fresh GROUP BY after the rule"
req GET "$API/attribution/unattributed?start=$FROM&end=$TO"
is "$(jpath "$BODY" '[v["value"] for v in d["values"] if v["value"] == "zhuldyz_ads"]')" "[]" "worklist: the value is gone"
is "$(jpath "$BODY" '(d["totals"]["unattributed_sales"], d["totals"]["unattributed_revenue"])')" "(2, 17000)" "worklist: the totals follow"
send POST "$API/teams/$ARY/rules" '{"pattern":"x","from":"'$FROM'"}'
is "$STATUS/$(jget "$BODY" field)" "400/to" "create: from without to is a 400"

integ_check_logs

#!/usr/bin/env bash
# The two dashboards (ui/: Traffic Dashboard and Landing Admin) in a real
# headless Chromium, against the real stack (nginx, the programs, a worker,
# the amoCRM and Telegram stand-ins) over generated data
# (tests/integ/uidata.py). The browser part is tests/integ/ui_browser.py;
# its screenshots (every page at 1366x768 and 390 px wide) are kept in
# $UI_SHOTS, by default tests/integ/ui-shots/ of the build directory.
. "$top_srcdir/tests/integ/lib.sh"

# Debian's chromium + chromium-driver + python3-selenium (stack_deps).
PY=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null && "$p" -c 'import selenium' 2>/dev/null; then
		PY=$p
		break
	fi
done
[ -n "$PY" ] || skip_all "python3-selenium not installed"
[ -x /usr/bin/chromium ] || skip_all "chromium not installed"
[ -x /usr/bin/chromedriver ] || skip_all "chromium-driver not installed"
[ -f /usr/share/javascript/chart.js/chart.min.js ] || skip_all "libjs-chart.js not installed"

INTEG_MOCKS=1
INTEG_WORKERS=1
INTEG_ENV="AMOSYNC_WORKER_POLL_MS=100"
integ_up

SHOTS=${UI_SHOTS:-$top_builddir/tests/integ/ui-shots}
rm -rf "$SHOTS"
mkdir -p "$SHOTS"

# The data is loaded by the browser run, after it has looked at every page
# with the empty database.
python3 "$top_srcdir/tests/integ/uidata.py" traffic 14 >"$STACK/traffic.sql"
# The statistics and the funnel's sums take the loaded sales and events at
# once, as the worker would within seconds: the pages and the API calls
# compared with them then read one state (a report answers from the
# applied sums while a backlog drains, docs/operating.md).
echo "SELECT sales_stats_pending_apply(NULL), funnel_pending_apply(NULL);" >>"$STACK/traffic.sql"
python3 "$top_srcdir/tests/integ/uidata.py" landing 14 >"$STACK/landing.sql"

# --- the pages are served with a strict CSP, the admin auth, text/html -----
hdr=$(curl -sS -o /dev/null -D - "$URL/traffic/admin" | tr -d '\r')
like "$hdr" '^HTTP/1.1 200' "GET /traffic/admin: 200"
like "$hdr" "Content-Security-Policy: default-src 'none'; script-src 'self';" "the page sends a strict CSP (no inline scripts)"
like "$hdr" 'Content-Type: text/html' "the page is text/html"
like "$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' "$URL/integrator/admin/leads")" '^200 text/html' "GET /integrator/admin/leads: 200"
like "$(curl -sS -o /dev/null -w '%{http_code} %{content_type}' "$URL/amosync-ui/vendor/chart.js/chart.min.js")" '^200 application/javascript' "Chart.js from libjs-chart.js is served"
is "$(grep -c '<script>' "$top_srcdir"/ui/*.html | awk -F: '{s += $2} END {print s}')" 0 "no inline script in the pages"

# --- a cross-site change to an admin API is refused ------------------------
xs() { # METHOD PATH [curl args]: status and error of a request without the test helpers' header
	local m=$1 p=$2
	shift 2
	curl -sS -o "$STACK/xs.json" -w '%{http_code}' -X "$m" "$URL$p" "$@"
	printf ' %s' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error"))' "$STACK/xs.json")"
}
sql traffic "INSERT INTO outbox_jobs (kind, payload, state, attempts) VALUES ('announce', '{}', 'dead', 8)" >/dev/null
dead=$(sql traffic "SELECT id FROM outbox_jobs WHERE state = 'dead'")
like "$(xs POST "/api/admin/outbox/$dead/retry" -A 'Mozilla/5.0 (X11; Linux x86_64)' -H 'Content-Type: application/x-www-form-urlencoded' --data 'a=1')" \
	'^403 a change needs' "a browser's form POST (what another site can send) to an admin API: 403"
like "$(xs POST "/api/admin/outbox/$dead/retry" -H 'Content-Type: text/plain' -H 'Origin: https://evil.example' -H 'Sec-Fetch-Site: cross-site' --data x)" \
	'^403 ' "a no-cors fetch from another site: 403"
like "$(xs POST /api/traffic/teams -H 'Content-Type: application/json' -H 'Origin: https://evil.example' --data '{"name":"Evil"}')" \
	'^403 cross-site request refused \(Origin\)' "JSON with another site's Origin: 403"
like "$(xs DELETE "/api/traffic/rules/1" -H 'X-Requested-With: x' -H 'Sec-Fetch-Site: cross-site')" \
	'^403 cross-site request refused \(Sec-Fetch-Site\)' "Sec-Fetch-Site: cross-site: 403"
like "$(xs POST /api/admin/landing/sync-amocrm -H 'Content-Type: application/json' -H "Origin: http://127.0.0.1:$PORT" -H 'Sec-Fetch-Site: same-origin' --data '{"limit":1}')" \
	'^200 ' "the same request from our own origin: 200"
is "$(sql traffic "SELECT state FROM outbox_jobs WHERE id = $dead")/$(sql traffic "SELECT count(*) FROM traffic_teams WHERE name = 'Evil'")/$(sql traffic "SELECT count(*) FROM attribution_rules WHERE id = 1")" \
	"dead/0/1" "nothing the refused requests asked for happened"
sql traffic "DELETE FROM outbox_jobs WHERE id = $dead" >/dev/null

# --- what the dashboards read besides the reports ---------------------------
req GET /api/traffic/ui-settings
is "$STATUS/$(jget "$BODY" timezone)/$(jget "$BODY" currency)" "200/Asia/Almaty/KZT" "ui-settings: the business time zone and currency"
sql traffic "INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id, status_id, old_status_id, event_at)
	VALUES (4242, 'status', 10350882, 0, 81854574, 0, '2026-01-02T10:00:00Z'),
	       (4242, 'status', 10350882, 10350882, 142, 81854574, '2026-01-03T10:00:00Z'),
	       (4243, 'status', 10350882, 0, 81854574, 0, '2026-01-02T10:00:00Z')" >/dev/null
req GET /api/traffic/leads/4242/events
is "$STATUS/$(python3 -c 'import json,sys; print(",".join("%s>%s@%s" % (e["old_stage"], e["stage"], e["event_at"]) for e in json.loads(sys.argv[1])["events"]))' "$BODY")" \
	"200/None>Неразобранное@2026-01-02T10:00:00Z,Неразобранное>Успешно реализовано@2026-01-03T10:00:00Z" \
	"lead events: the lead's two events, oldest first, with stage names (not the other lead's)"
req GET /api/traffic/leads/abc/events
is "$STATUS/$(jget "$BODY" field)" "400/lead_id" "lead events: a lead id that is no number is a 400"
req GET /api/traffic/leads/777/events
is "$STATUS/$(jget "$BODY" events)" "200/[]" "lead events: a lead without events has none"
sql traffic "DELETE FROM lead_events" >/dev/null
sql landing "INSERT INTO landing_leads (name, email, phone, source, utm_source) VALUES
	('=HYPERLINK(\"x\")', 'csv1@example.kz', '+7 700 000 00 01', 'expresscourse', 'fb_a'),
	('Б, \"кавычки\"', NULL, '+7 700 000 00 02', 'TF4', 'fb_b')" >/dev/null
out=$(curl -sS -o "$STACK/leads.csv" -w '%{http_code} %{content_type}' "$URL/api/landing/leads?format=csv&utm_source=fb_a")
is "$out" "200 text/csv; charset=utf-8" "landing leads CSV: 200 text/csv"
is "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig"))); print(len(r), r[0]["name"], r[0]["email"], r[0]["amocrm_synced"])' "$STACK/leads.csv")" \
	"1 '=HYPERLINK(\"x\") csv1@example.kz false" "landing leads CSV: the filter applies, a formula is defused"
curl -sS -o "$STACK/leads.csv" "$URL/api/landing/leads?format=csv"
is "$(python3 -c 'import csv,sys; print("|".join(sorted(x["name"] for x in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))))' "$STACK/leads.csv")" \
	"'=HYPERLINK(\"x\")|Б, \"кавычки\"" "landing leads CSV: every lead, quotes and commas kept"
sql landing "DELETE FROM landing_leads" >/dev/null

# --- the browser --------------------------------------------------------------
TRAFFIC_SQL=$STACK/traffic.sql LANDING_SQL=$STACK/landing.sql \
	URL=$URL HOOK_Q=$HOOK_Q SHOTS=$SHOTS TOP_SRCDIR=$top_srcdir AMOCRM_MOCK=$AMOCRM_MOCK TELEGRAM_MOCK=$TELEGRAM_MOCK \
	PSQL="psql -X -h $STACK/pgsock -U amosync" \
	timeout 900 "$PY" "$top_srcdir/tests/integ/ui_browser.py" >"$STACK/browser.out" 2>"$STACK/browser.err"
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "${line#ok - }" ;;
	"not ok - "*) ok 1 "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done <"$STACK/browser.out"
is "$rc" 0 "the browser run ended cleanly (stderr: $(tail -n 2 "$STACK/browser.err" | tr '\n' ' '))"
is "$(ls "$SHOTS"/*.png 2>/dev/null | wc -l | awk '$1 >= 2 {print "yes"}')" yes "screenshots saved in $SHOTS"
echo "# screenshots: $SHOTS"
integ_check_logs

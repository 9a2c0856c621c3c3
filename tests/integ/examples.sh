#!/usr/bin/env bash
# The README's quick start as a new admin follows it: scripts/start, then
# every command it prints, run as printed (taken from its output, not
# copied here), each with the answer the README and the output promise;
# the API pages' examples that use the demo data (docs/api/traffic.md's
# ad-spend upload); scripts/stop, after which nothing of the stack runs.
# The stack lives in a temporary directory on a free port; the build is
# this one (AMOSYNC_BUILD_DIR), so nothing is compiled again.
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
. "$top_srcdir/tests/integ/lib.sh"
command -v nginx >/dev/null || skip_all "nginx not installed"
command -v psql >/dev/null || skip_all "psql not installed"

DEMO=$(mktemp -d "${TMPDIR:-/tmp}/amosync-demo.XXXXXX")
chmod 755 "$DEMO"
PORT=$(stack_free_port)
URL="http://127.0.0.1:$PORT"
demo_env() {
	env -u AMOCRM_ACCESS_TOKEN AMOSYNC_STACK_DIR="$DEMO" AMOSYNC_BUILD_DIR="$top_builddir" \
		AMOSYNC_PORT="$PORT" AMOSYNC_ENV_FILE="$DEMO/none.env" "$@"
}
stopped=0
finish() {
	local status=$?
	[ "$stopped" = 1 ] || demo_env "$top_srcdir/scripts/stop" >/dev/null 2>&1
	echo "1..$T_N"
	if [ "$T_FAILED" -eq 0 ] && [ "$status" -eq 0 ]; then
		rm -rf "$DEMO"
	else
		echo "# demo kept in $DEMO"
		tail -n 5 "$DEMO"/log/*.log 2>/dev/null | sed 's/^/# /'
	fi
}
trap finish EXIT

demo_env "$top_srcdir/scripts/start" >"$DEMO.out" 2>"$DEMO.err"
ok $? "scripts/start"
mv "$DEMO.out" "$DEMO/start.out"
mv "$DEMO.err" "$DEMO/start.err"
grep -q "amosync is running" "$DEMO/start.out"
ok $? "it says amosync is running"

# printed CMD-PREFIX: the commands of scripts/start's output that begin
# with CMD-PREFIX (indented two spaces; a trailing \ continues one), one
# per line, as printed.
printed() {
	awk -v want="$1" '
		function flush() { if (cmd != "" && index(cmd, want) == 1) print cmd; cmd = "" }
		/^  [^ ]/ && cont == 0 { flush(); cmd = substr($0, 3) }
		/^    / && cont == 1 { cmd = cmd " " substr($0, 5) }
		{ cont = ($0 ~ /\\$/) ; if (cont) sub(/ *\\$/, "", cmd) }
		END { flush() }' "$DEMO/start.out"
}
# run CMD: runs one printed command line, its output in OUT.
run() {
	OUT=$(bash -c "$1" 2>&1)
}

# The health of everything, right after the start: amoCRM was set up, so
# the Integrations page is green (every webhook listed once).
cmd=$(printed "curl -s $URL/api/integrations/all")
like "$cmd" "api/integrations/all" "printed: the health curl"
is "$(curl -s -o "$DEMO/all.json" -w '%{http_code}' "$URL/api/integrations/all")" 200 \
	"/api/integrations/all is 200 right after scripts/start"
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(w["endpoint"] + ":" + str(w["registered"]) for w in d["amocrm"]["details"]["webhooks"]))' "$DEMO/all.json")" \
	"funnel-sale:True sales-webhook:True" "both webhooks registered, each listed once"
like "$(cat "$DEMO/log/amocrm-setup.log")" '2 webhooks added or updated, 0 problems' "amosync-ctl amocrm setup ran against the stand-in"

# The sample delivery: an Express sale of 5 000 ₸, as printed.
cmd=$(printed "curl -s -X POST '$URL/api/amocrm/funnel-sale'")
like "$cmd" "funnel-sale" "printed: the sample delivery"
like "$(grep -F 'Post a sample amoCRM webhook' "$DEMO/start.out")" 'an Express Course sale' "the output calls it an Express sale"
run "$cmd"
like "$OUT" '"success":true.*"leads_queued":1' "the sample delivery is kept"
# The two psql commands it prints, as printed: the first once the
# processor applied the delivery (a moment after the answer).
cmd=$(printed "psql" | sed -n 1p)
landed() { run "$cmd"; printf '%s' "$OUT" | grep -q ' 5000\.00 '; }
wait_for 10 landed
like "$OUT" ' 5000\.00 \| fb_kenesary +\| tripwire_test_1 ' "psql: an Express sale of 5 000 in express_course_sales, its UTM tags"
like "$OUT" "$(TZ=Asia/Almaty date +%Y-%m-%d)" "dated today (in the business time zone)"
cmd=$(printed "psql" | sed -n 2p)
stored() { run "$cmd"; printf '%s' "$OUT" | grep -q ' 5000 | '; }
wait_for 30 stored
ok $? "psql: the sale in all_sales_tracking, 5 000, once the worker enriched it"
like "$OUT" 'Kenesary' "attributed to Kenesary by its utm_source"
is "$(stack_psql "$DEMO" landing -tAc "SELECT count(*) FROM main_product_sales WHERE deal_id = 31000003")" 0 \
	"not a Flagship sale"

# The stand-ins' Telegram messages and the landing sync, as printed.
cmd=$(printed "curl -s -X POST $URL/api/admin/landing/sync-amocrm")
run "$cmd"
like "$OUT" '"success":true' "the printed landing sync (a script's POST) succeeds"
cmd=$(printed "curl -s '$URL/api/landing/leads")
run "$cmd"
like "$OUT" '"success":true' "the printed landing leads curl succeeds"
cmd=$(printed "curl -s http://127.0.0.1:" | grep '__control/messages')
run "$cmd"
like "$OUT" '"text":' "the stand-in's Telegram got the announcement"
cmd=$(printed "curl -s $URL/metrics")
run "$cmd"
like "$OUT" '^# HELP amosync_' "the printed metrics curl"

# docs/api/traffic.md's ad-spend upload, as printed there (the host is the
# demo's).
block=$(awk '/^## POST \/api\/traffic\/ad-spend/ { on = 1 } on && /^```sh/ { inb = 1; next } inb && /^```/ { exit } inb' \
	"$top_srcdir/docs/api/traffic.md" | grep -v '^#' | sed "s|http://127.0.0.1:8080|$URL|g")
like "$block" 'ad-spend' "docs/api/traffic.md: the ad-spend example"
run "$block"
like "$OUT" '^\{"success":true,"stored":2' "the ad-spend CSV example stores its two rows"

# No program says it does not know a variable of the stack's.
is "$(grep -l 'unknown variable' "$DEMO"/log/*.log 2>/dev/null | wc -l)" 0 "no program warns about an unknown variable (AMOCRM_MOCK and the others are known)"

# scripts/stop: nothing of the stack keeps running.
demo_env "$top_srcdir/scripts/stop" >/dev/null 2>&1
ok $? "scripts/stop"
stopped=1
gone() { ! pgrep -f "$DEMO" >/dev/null; }
wait_for 20 gone
ok $? "nothing of the stack runs after scripts/stop"
pgrep -af "$DEMO" | sed 's/^/# left: /'

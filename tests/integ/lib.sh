# shellcheck shell=bash
# Integration-test harness: a real PostgreSQL cluster, real nginx and the
# real FastCGI programs, all on loopback in a fresh temporary directory.
# Source it from a test script, call integ_up, then use the helpers; TAP
# output goes to stdout. The directory is removed on success and kept on
# failure (its path is printed).

: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
# shellcheck source=../../scripts/stack.sh
. "$top_srcdir/scripts/stack.sh"

T_N=0
T_FAILED=0
STACK=""
# The webhooks' secret (AMOSYNC_WEBHOOK_SECRETS) every stack is started
# with; post() adds ?token= to webhook URLs, other callers use $HOOK_Q.
HOOK_TOKEN=integ-hook-secret-0123456789
HOOK_Q="?token=$HOOK_TOKEN"
export HOOK_TOKEN HOOK_Q

ok() {
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $T_N - $2"
	else
		echo "not ok $T_N - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

# like GOT REGEX DESCRIPTION
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want match: '$2'"
	fi
}

skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

integ_up() {
	local p
	for p in nginx psql curl python3 runuser; do
		command -v "$p" >/dev/null || skip_all "$p not installed"
	done
	STACK=$(mktemp -d "${TMPDIR:-/tmp}/amosync-integ.XXXXXX")
	chmod 755 "$STACK"
	trap integ_down EXIT
	PORT=$(stack_free_port)
	URL="http://127.0.0.1:$PORT"
	stack_env "$STACK" "$PORT"
	if [ -n "${INTEG_MOCKS:-}" ]; then
		stack_mocks_up "$STACK"
		stack_mocks_env "$STACK"
	fi
	echo "AMOSYNC_WEBHOOK_SECRETS=$HOOK_TOKEN" >>"$STACK/amosync.env"
	[ -z "${INTEG_ENV:-}" ] || printf '%s\n' "$INTEG_ENV" >>"$STACK/amosync.env"
	STACK_WORKERS=${INTEG_WORKERS:-0} AMOSYNC_PG_FSYNC=${INTEG_PG_FSYNC:-off} stack_up "$STACK" "$top_builddir" "$PORT" \
		>"$STACK/up.log" 2>&1 || {
		echo "Bail out! stack did not start: $(tail -n 3 "$STACK/up.log")"
		exit 1
	}
	if [ -n "${INTEG_POOLER:-}" ]; then
		integ_pooler_up >>"$STACK/up.log" 2>&1 || {
			echo "Bail out! pgbouncer did not start: $(tail -n 3 "$STACK/up.log")"
			exit 1
		}
		echo "# pooler mode: every program through pgbouncer in transaction mode"
	fi
}

# Pooler mode (INTEG_POOLER=1, the *.pooled pass of make check): a
# PgBouncer in transaction mode with two server connections per database
# between every program, the workers and PostgreSQL, so consecutive
# transactions of one client run on different server sessions. The
# migrations ran directly; the test's own sql() still goes direct.
integ_pooler_up() {
	local pgb=$STACK/pooler p n
	command -v pgbouncer >/dev/null || skip_all "pgbouncer not installed"
	PGB_PORT=$(stack_free_port)
	mkdir -p "$pgb"
	[ "$(id -u)" -eq 0 ] && chown postgres "$pgb"
	echo '"amosync" ""' >"$pgb/users.txt"
	cat >"$pgb/pgbouncer.ini" <<-INI
	[databases]
	traffic = host=$STACK/pgsock dbname=traffic user=amosync
	landing = host=$STACK/pgsock dbname=landing user=amosync
	tripwire = host=$STACK/pgsock dbname=tripwire user=amosync
	[pgbouncer]
	listen_addr =
	listen_port = $PGB_PORT
	unix_socket_dir = $pgb
	auth_type = trust
	auth_file = $pgb/users.txt
	pool_mode = transaction
	default_pool_size = 2
	max_client_conn = 500
	server_reset_query =
	server_login_retry = 1
	logfile = $pgb/pgbouncer.log
	pidfile = $pgb/pgbouncer.pid
	INI
	stack_as_pg pgbouncer -d "$pgb/pgbouncer.ini" || return 1
	wait_for 10 test -S "$pgb/.s.PGSQL.$PGB_PORT" || return 1
	cat >>"$STACK/amosync.env" <<-ENV
	TRAFFIC_DATABASE_URL=postgresql:///traffic?host=$pgb&port=$PGB_PORT&user=amosync
	LANDING_DATABASE_URL=postgresql:///landing?host=$pgb&port=$PGB_PORT&user=amosync
	TRIPWIRE_DATABASE_URL=postgresql:///tripwire?host=$pgb&port=$PGB_PORT&user=amosync
	ENV
	for p in $STACK_PROGRAMS; do
		stack_stop_program "$STACK" "$p"
		stack_start_program "$STACK" "$top_builddir" "$p"
	done
	n=${INTEG_WORKERS:-0}
	stack_stop_workers "$STACK"
	for p in $(seq "$n"); do
		stack_start_worker "$STACK" "$top_builddir" "$p"
	done
}

integ_pooler_down() {
	[ -f "$STACK/pooler/pgbouncer.pid" ] || return 0
	kill "$(cat "$STACK/pooler/pgbouncer.pid")" 2>/dev/null
	rm -f "$STACK/pooler/pgbouncer.pid"
}

# Fails the run if a sanitizer reported anything in a program's log.
integ_check_logs() {
	local bad
	bad=$(grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' \
		"$STACK"/log/*.log 2>/dev/null)
	is "$bad" "" "no sanitizer reports in program logs"
}

integ_down() {
	local status=$?
	[ -n "$STACK" ] || return
	stack_down "$STACK"
	integ_pooler_down
	integ_check_logs_after_stop
	echo "1..$T_N"
	if [ "$T_FAILED" -eq 0 ] && [ "$status" -eq 0 ]; then
		rm -rf "$STACK"
	else
		echo "# stack kept in $STACK"
	fi
}

# Leak reports appear when programs exit, so look again after the stop.
integ_check_logs_after_stop() {
	local bad
	bad=$(grep -l -E 'AddressSanitizer|LeakSanitizer|runtime error:' \
		"$STACK"/log/*.log 2>/dev/null)
	is "$bad" "" "no sanitizer reports after the programs stopped"
}

# post PATH CONTENT-TYPE DATA-OR-@FILE [curl args...]: sets STATUS, BODY.
# post and req send X-Requested-With as the dashboards do: the admin APIs
# refuse a change that a page of another site could send (route.h).
# A webhook PATH without a query gets ?token= the stack's secret.
# A webhook's answer says the delivery is kept, not applied (the inbox):
# post then waits until the processors have applied every queued
# delivery (inbox_wait) and sets DONE to what this one came to, as its
# webhook_requests row says: {"state", "outcome", "leads_processed",
# "leads_saved", "duplicates", "error"} ({} when it was spooled; a retry
# of a delivery still queued is {"outcome":"duplicate",...}).
# POST_NOWAIT=1 skips the wait (a test of the door alone).
post() {
	local path=$1 ctype=$2 data=$3 hookdb=
	shift 3
	case $path in
	/api/amocrm/funnel-sale | /webhook/amocrm/traffic) hookdb=landing ;;
	/api/amocrm/sales-webhook) hookdb=traffic ;;
	/api/amocrm/funnel-sale\?* | /webhook/amocrm/traffic\?*) hookdb=landing ;;
	/api/amocrm/sales-webhook\?*) hookdb=traffic ;;
	esac
	case $path in
	/api/amocrm/funnel-sale | /api/amocrm/sales-webhook | /webhook/amocrm/traffic)
		path=$path$HOOK_Q ;;
	esac
	BODY=$(curl -sS -o - -w '\n%{http_code}' -X POST "$URL$path" \
		-H "Content-Type: $ctype" -H 'X-Requested-With: amosync-test' \
		--data-binary "$data" "$@")
	STATUS=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
	DONE='{}'
	[ -n "$hookdb" ] && [ -z "${POST_NOWAIT:-}" ] || return 0
	inbox_wait
	DONE=$(hook_done "$hookdb" "$BODY")
}

# inbox_wait [SECONDS]: waits until no delivery is queued for its first
# try in either database (the processors applied them all); 1 on timeout.
inbox_wait() {
	wait_for "${1:-30}" inbox_empty
}
inbox_empty() {
	[ "$(sql landing "SELECT count(*) FROM webhook_requests WHERE state = 'queued' AND attempts = 0")" = 0 ] &&
		[ "$(sql traffic "SELECT count(*) FROM webhook_requests WHERE state = 'queued' AND attempts = 0")" = 0 ]
}

# hook_done DB ANSWER: what the delivery of a webhook ANSWER came to (DONE).
hook_done() {
	local id dup
	id=$(python3 -c 'import json,sys
try: print(json.loads(sys.argv[1]).get("webhookId") or "")
except Exception: print("")' "$2")
	dup=$(python3 -c 'import json,sys
try: print("1" if json.loads(sys.argv[1]).get("duplicate") else "")
except Exception: print("")' "$2")
	if [ -n "$dup" ]; then
		echo '{"state":"done","outcome":"duplicate","leads_saved":0,"duplicates":1}'
		return
	fi
	[ -n "$id" ] || { echo '{}'; return; }
	sql "$1" "SELECT coalesce((SELECT json_build_object('state', state, 'outcome', outcome, 'leads_processed', leads_processed, 'leads_saved', leads_saved, 'duplicates', leads_duplicate, 'error', error) FROM webhook_requests WHERE request_id = '$id' ORDER BY id DESC LIMIT 1), '{}')"
}

# req METHOD PATH [curl args...]: sets STATUS, BODY.
req() {
	local method=$1 path=$2
	shift 2
	BODY=$(curl -sS -o - -w '\n%{http_code}' -X "$method" "$URL$path" \
		-H 'X-Requested-With: amosync-test' "$@")
	STATUS=${BODY##*$'\n'}
	BODY=${BODY%$'\n'*}
}

# sql DB QUERY: one value per line, fields separated by |.
sql() {
	stack_psql "$STACK" "$1" -tA -c "$2"
}

# jget JSON KEY: a top-level value of a JSON object.
jget() {
	python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1" "$2"
}

fixture() {
	echo "@$top_srcdir/tests/fixtures/amo/$1"
}

# Mock control: amo_ctl/tg_ctl METHOD PATH [JSON] prints the answer.
amo_ctl() {
	curl -sS -X "$1" "$AMOCRM_MOCK$2" -H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}
tg_ctl() {
	curl -sS -X "$1" "$TELEGRAM_MOCK$2" -H 'Content-Type: application/json' ${3:+--data-binary "$3"}
}

# wait_for SECONDS COMMAND...: retries COMMAND until it succeeds.
wait_for() {
	local limit=$1 i
	shift
	for i in $(seq $((limit * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# Number of messages the Telegram mock delivered.
tg_count() {
	tg_ctl GET /__control/messages | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

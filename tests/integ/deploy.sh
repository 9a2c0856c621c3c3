#!/usr/bin/env bash
# The production install, step by step as README.md's "Production" section
# says, on a scratch copy of this machine: the README's code blocks are
# extracted and run as written (sudo, sudoedit, systemctl, apt-get, git
# and htpasswd are stand-ins below; everything else is the real command):
# a build of a copy of the tree installed into a scratch root mounted at
# the prefix, users and directories from sysusers.d and
# tmpfiles.d, the env file, --check, migrations, each unit's ExecStart run
# with the unit's user, group, umask, NoNewPrivileges, ProtectSystem,
# ProtectHome, PrivateTmp and ReadWritePaths (setpriv and a mount
# namespace per program), the nginx snippet included in Debian's stock
# server block and served by a stock nginx.conf (our own master, on a
# random loopback port), a real amoCRM delivery through it, admin auth,
# the spool replayed by the worker under its sandbox, systemd-analyze
# verify and security on the units.
#
# Everything happens in a private mount namespace: /etc is a copy, /run a
# fresh tmpfs, /usr/local the scratch root, /var/log/nginx and
# /var/lib/nginx scratch folders. The machine's own files, users and
# nginx are never touched.
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
if [ -z "${DEPLOY_NS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "1..0 # SKIP needs root (mounts, users)"; exit 0; }
	for p in unshare setpriv nginx htpasswd systemd-analyze systemd-sysusers \
		systemd-tmpfiles psql python3 curl runuser openssl autoreconf pg_dump; do
		command -v "$p" >/dev/null || { echo "1..0 # SKIP $p not installed"; exit 0; }
	done
	unshare --mount --propagation private true 2>/dev/null ||
		{ echo "1..0 # SKIP no mount namespaces here (unshare --mount)"; exit 0; }
	DEPLOY_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$top_srcdir/tests/integ/lib.sh"

# The sanitizers of a dev build ask for nothing a unit forbids, but
# LeakSanitizer's report at exit needs ptrace of its own threads.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

STACK=$(mktemp -d "${TMPDIR:-/tmp}/amosync-integ.XXXXXX")
chmod 755 "$STACK"
ROOT=$STACK/root
PIDS=""
cleanup() {
	local status=$? p
	# Each unit_start is a wrapper shell whose child is the program: stop
	# the program (its pool's workers die with it), then the wrapper.
	PIDS="$PIDS $(cat "$STACK/unit.pids" 2>/dev/null)"
	for p in $PIDS; do
		pkill -TERM -P "$p" 2>/dev/null
		kill -TERM "$p" 2>/dev/null
	done
	[ -f /run/nginx.pid ] && kill -QUIT "$(cat /run/nginx.pid)" 2>/dev/null
	for p in $PIDS; do
		for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		pkill -KILL -P "$p" 2>/dev/null
		kill -KILL "$p" 2>/dev/null
	done
	# Nothing the test started may outlive it (the programs run as amosync,
	# a user that exists only in this namespace's copy of /etc).
	if uid=$(id -u amosync 2>/dev/null); then
		for _ in $(seq 100); do pgrep -u "$uid" >/dev/null || break; sleep 0.05; done
		is "$(pgrep -u "$uid" | wc -l)" 0 "no process of the test's programs is left behind"
	fi
	stack_mocks_down "$STACK"
	stack_pg_down "$STACK"
	echo "1..$T_N"
	if [ "$T_FAILED" -eq 0 ] && [ "$status" -eq 0 ]; then
		rm -rf "$STACK"
	else
		echo "# stack kept in $STACK"
		tail -n 5 "$STACK"/log/*.log 2>/dev/null | sed 's/^/# /'
	fi
}
trap cleanup EXIT

# --- the scratch machine ------------------------------------------------
mkdir -p "$ROOT/usr/local" "$STACK/log" "$STACK/var-log-nginx" "$STACK/var-lib-nginx" "$STACK/backups"
cp -a /etc "$STACK/etc"
mount --bind "$STACK/etc" /etc
mount -t tmpfs -o mode=0755 tmpfs /run
mount --bind "$STACK/var-log-nginx" /var/log/nginx
mount --bind "$STACK/var-lib-nginx" /var/lib/nginx
mkdir -p /var/backups
mount --bind "$STACK/backups" /var/backups
# The prefix is the scratch root: make install writes there.
mount --bind "$ROOT/usr/local" /usr/local
# The database server as Debian's: superuser postgres, no amosync role or
# database yet (the README creates them); loopback TCP (a unit's
# PrivateTmp hides /tmp) with passwords, its socket for the superuser.
PGPORT=$(stack_free_port)
PGHOST=$STACK/pgsock
export PGPORT PGHOST
STACK_PG_SUPERUSER=postgres STACK_PG_DBS= AMOSYNC_PG_LISTEN=127.0.0.1 AMOSYNC_PG_FSYNC=off \
	stack_pg_up "$STACK" >"$STACK/log/up.log" 2>&1 || { echo "Bail out! PostgreSQL did not start"; exit 1; }
sed -i '1i host all all 127.0.0.1/32 scram-sha-256' "$STACK/pgdata/pg_hba.conf"
stack_as_pg "$(stack_pgbin)/pg_ctl" -D "$STACK/pgdata" reload >/dev/null
stack_mocks_up "$STACK"
PORT=$(stack_free_port)
URL="http://127.0.0.1:$PORT"
ADMIN_PW=admin-secret

# --- README.md's blocks, and the stand-ins of what a test cannot do -----
# readme_block NAME: the code block after "<!-- deploy.sh: NAME -->".
readme_block() {
	awk -v name="<!-- deploy.sh: $1 -->" '
		$0 == name { want = 1; next }
		want && /^```/ { if (inb) exit; inb = 1; next }
		inb { print }' "$top_srcdir/README.md"
}
# run_block NAME [DIR]: runs it in DIR (default the source copy) with
# bash -e, its output in log/readme-NAME.log; returns its status.
run_block() {
	local b
	b=$(readme_block "$1")
	[ -n "$b" ] || { echo "# README.md has no block $1"; return 1; }
	echo "# README block $1:"
	printf '%s\n' "$b" | sed 's/^/#   /'
	(cd "${2:-$SRC}" && set -e && eval "$b") >>"$STACK/log/readme-$1.log" 2>&1
}
# sudo [-u USER] CMD: the command as root, or as USER.
sudo() {
	if [ "$1" = -u ]; then
		local u=$2
		shift 2
		runuser -u "$u" -- "$@"
	else
		"$@"
	fi
}
# apt-get install -y PKG...: each package must be installed already.
apt-get() {
	local p bad=0
	for p in "$@"; do
		case $p in install | -*) continue ;; esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			{ echo "apt-get stand-in: $p is not installed"; bad=1; }
	done
	return $bad
}
# git pull: the copy is already the new version.
git() { [ "$1" = pull ] || command git "$@"; }
# htpasswd: the password is typed at a prompt; here it is given.
htpasswd() { command htpasswd -b "$@" "$ADMIN_PW"; }
# nginx: our own prefix (the stock modules-enabled/ names modules
# relative to it), the stock nginx.conf.
nginx() { command nginx -p "$STACK/nginx" -c /etc/nginx/nginx.conf "$@"; }
# sudoedit FILE: what the operator writes into the env file (README step
# 4), the stand-ins in place of amoCRM and Telegram.
sudoedit() {
	local db="postgresql://amosync:$DBPW@127.0.0.1:$PGPORT"
	sed -i -e "s|^TRAFFIC_DATABASE_URL=.*|TRAFFIC_DATABASE_URL=$db/traffic|" \
		-e "s|^LANDING_DATABASE_URL=.*|LANDING_DATABASE_URL=$db/landing|" \
		-e "s|^TRIPWIRE_DATABASE_URL=.*|TRIPWIRE_DATABASE_URL=$db/tripwire|" \
		-e "s|^AMOCRM_ACCESS_TOKEN=.*|AMOCRM_ACCESS_TOKEN=amocrm-test-token|" \
		-e "s|^TELEGRAM_BOT_TOKEN=.*|TELEGRAM_BOT_TOKEN=123456:TEST-telegram-token|" \
		-e "s|^TELEGRAM_CHAT_ID=.*|TELEGRAM_CHAT_ID=-1001234567890|" \
		-e "s|^AMOSYNC_PUBLIC_URL=.*|AMOSYNC_PUBLIC_URL=$URL|" \
		-e "s|^AMOSYNC_WEBHOOK_SECRETS=.*|AMOSYNC_WEBHOOK_SECRETS=$HOOK_TOKEN|" "$1"
	cat >>"$1" <<-ENV
	AMOCRM_BASE_URL=$AMOCRM_MOCK
	TELEGRAM_API_URL=$TELEGRAM_MOCK
	AMOSYNC_PROCS=2
	AMOSYNC_WORKER_POLL_MS=100
	ENV
}
# systemctl: the units as systemd would run them (unit_start below).
systemctl() {
	case "$*" in
	daemon-reload) ;;
	"enable --now amosync.target" | "start amosync.target") units_start ;;
	"stop amosync.target") units_stop ;;
	"reload nginx")
		if [ -f /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
			nginx -s reload
		else
			nginx
		fi ;;
	*) echo "systemctl stand-in: $* is not known"; return 1 ;;
	esac
}

# --- README: 1. build and install ---------------------------------------
# A copy of the tree as a clone has it (no configure, no build).
SRC=$STACK/src
mkdir -p "$SRC" "$STACK/nginx"
ln -s /usr/share/nginx/modules "$STACK/nginx/modules"
if command git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top_srcdir" && command git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$SRC"
else
	cp -a "$top_srcdir/." "$SRC"
	rm -rf "$SRC/build" "$SRC/.run"
fi
[ ! -e "$SRC/configure" ] || [ ! -d "$top_srcdir/.git" ]
ok $? "the copy has no configure, as a clone"
MAKEFLAGS=-j2 run_block build
ok $? "README: build and install (autoreconf -fi, configure, make, make install)"

units=/usr/local/lib/systemd/system
for f in $units/amosync@.service $units/amosync-worker.service $units/amosync.target \
	/usr/local/lib/tmpfiles.d/amosync.conf /usr/local/lib/sysusers.d/amosync.conf \
	/usr/local/etc/nginx/snippets/amosync-locations.conf \
	/usr/local/etc/nginx/snippets/amosync-fastcgi.conf \
	/usr/local/etc/nginx/snippets/amosync-admin-auth.conf \
	/usr/local/etc/nginx/conf.d/amosync-http.conf /usr/local/sbin/amosync-render-nginx \
	/usr/local/bin/amosync-ctl /usr/local/bin/amosync-migrate \
	/usr/local/share/doc/amosync/amosync.env.example /usr/local/share/man/man8/amosync.8; do
	[ -f "$f" ]
	ok $? "installed: $f"
done
is "$(sed -n 's/^ExecStart=//p' $units/amosync@.service)" \
	"/usr/local/libexec/amosync/%i -f /usr/local/etc/amosync/amosync.env -s /run/amosync/%i.sock" \
	"the endpoint unit's paths come from the prefix"

# --- README: 2. the user, the directories, the env file ------------------
run_block users
ok $? "README: users, directories, env file"
is "$(stat -c '%U:%G %a' /run/amosync)" "amosync:www-data 2750" "socket directory: set-group-id www-data"
is "$(stat -c '%U:%G %a' /usr/local/var/spool/amosync)" "amosync:amosync 750" "spool directory"
is "$(stat -c '%U:%G %a' /usr/local/etc/amosync)" "root:amosync 750" "configuration directory"
is "$(getent passwd amosync | cut -d: -f7)" /usr/sbin/nologin "amosync has no login"
env=/usr/local/etc/amosync/amosync.env
is "$(stat -c '%U:%G %a' "$env")" "root:amosync 640" "the env file: root:amosync 0640"

# --- README: 3. the role and the databases -------------------------------
run_block database
ok $? "README: the role and the three databases"
DBPW=$(sed -n "s/^amosync's database password: //p" "$STACK/log/readme-database.log")
like "$DBPW" '^[0-9a-f]{48}$' "a generated password"
is "$(psql -U postgres -d postgres -tAc "SELECT format('%s%s%s%s', rolsuper::int, rolcreatedb::int, rolcreaterole::int, rolcanlogin::int) FROM pg_roles WHERE rolname = 'amosync'")" \
	0001 "the role: login, no superuser, no createdb, no createrole"
is "$(psql -U postgres -d postgres -tAc "SELECT string_agg(datname, ' ' ORDER BY datname) FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = 'amosync'")" \
	"landing traffic tripwire" "it owns the three databases"
psql -U postgres -d postgres -qc "CREATE ROLE stranger LOGIN PASSWORD 'x'" 2>/dev/null
like "$(psql -U stranger -d traffic -c 'SELECT 1' 2>&1)" 'permission denied for database' "no other role may connect to them"

# --- the units, read as systemd would -----------------------------------
# unit_get FILE KEY: the values of KEY= in [Service], space-separated.
unit_get() {
	sed -n "/^\[Service\]/,/^\[/s/^$2=//p" "$1" | tr '\n' ' ' | sed 's/ $//'
}
# as_unit FILE INSTANCE CMD...: CMD with the unit's identity only.
as_unit() {
	local f=$1 inst=$2 user group supp um
	shift 2
	user=$(unit_get "$f" User)
	group=$(unit_get "$f" Group)
	um=$(unit_get "$f" UMask)
	# systemd: the user's groups (initgroups) and SupplementaryGroups=.
	supp=$(echo $(id -Gn "$user") $(unit_get "$f" SupplementaryGroups) | tr ' ' ',')
	# systemd starts a unit with a clean environment.
	(
		umask "${um:-0022}"
		exec setpriv --reuid="$user" --regid="$group" --groups="$supp" \
			--no-new-privs --inh-caps=-all --bounding-set=-all -- \
			env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			${ASAN_OPTIONS:+ASAN_OPTIONS=$ASAN_OPTIONS} \
			${UBSAN_OPTIONS:+UBSAN_OPTIONS=$UBSAN_OPTIONS} "$@"
	)
}
# unit_start FILE INSTANCE LOG: the unit's ExecStart, sandboxed like the
# unit: a mount namespace where everything is read-only but the API file
# systems and ReadWritePaths, with a private /tmp and /var/tmp and no
# /home or /root; then the unit's user, groups, umask, no new privileges.
unit_start() {
	local f=$1 inst=$2 log=$3 exec rw ps pt ph
	exec=$(unit_get "$f" ExecStart | sed "s/%i/$inst/g")
	rw=$(unit_get "$f" ReadWritePaths)
	ps=$(unit_get "$f" ProtectSystem)
	pt=$(unit_get "$f" PrivateTmp)
	ph=$(unit_get "$f" ProtectHome)
	[ "$(unit_get "$f" NoNewPrivileges)" = yes ] || return 1
	unshare --mount --propagation private -- bash -c '
		set -e
		. "$DEPLOY_LIB"
		f=$1 inst=$2 rw=$3 ps=$4 pt=$5 ph=$6
		shift 6
		for p in $rw; do mount --bind "$p" "$p"; done
		if [ "$ps" = strict ]; then
			for m in $(awk "{ print \$5 }" /proc/self/mountinfo | sort -u); do
				case "$m" in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
				case " $rw " in *" $m "*) continue ;; esac
				mount -o remount,bind,ro "$m" 2>/dev/null || true
			done
		fi
		if [ "$pt" = yes ]; then
			mount -t tmpfs -o mode=1777 tmpfs /tmp
			mount -t tmpfs -o mode=1777 tmpfs /var/tmp
		fi
		if [ "$ph" = yes ]; then
			mount -t tmpfs -o ro,mode=0755 tmpfs /home
			mount -t tmpfs -o ro,mode=0700 tmpfs /root
		fi
		as_unit "$f" "$inst" "$@"
	' unit "$f" "$inst" "$rw" "$ps" "$pt" "$ph" $exec </dev/null >>"$log" 2>&1 &
	PIDS="$PIDS $!"
	LAST_PID=$!
	# In a file too: README blocks start units in a subshell.
	echo "$!" >>"$STACK/unit.pids"
	echo "$!" >"$STACK/unit-${inst:-worker}.pid"
}
# The two functions, for the namespaced shell of unit_start.
DEPLOY_LIB=$STACK/unit-lib.sh
{ declare -f unit_get; declare -f as_unit; } >"$DEPLOY_LIB"
export DEPLOY_LIB

EP=$units/amosync@.service
WK=$units/amosync-worker.service


ENDPOINTS=$(sed -n 's/^Wants=//p' $units/amosync.target | tr ' ' '\n' | sed -n 's/^amosync@\(.*\)\.service$/\1/p')
# units_start, units_stop: what systemctl start and stop amosync.target do.
units_start() {
	local e
	for e in $ENDPOINTS; do
		unit_start "$EP" "$e" "$STACK/log/$e.log"
	done
	unit_start "$WK" "" "$STACK/log/worker.log"
	for e in $ENDPOINTS; do
		wait_for 20 test -S "/run/amosync/$e.sock" || return 1
	done
}
units_stop() {
	local p
	for p in $(cat "$STACK/unit.pids" 2>/dev/null); do
		pkill -TERM -P "$p" 2>/dev/null || true
	done
	# README blocks run under set -e: a slow stop is said, not fatal.
	for p in $(cat "$STACK/unit.pids" 2>/dev/null); do
		wait_for 40 sh -c "! kill -0 $p 2>/dev/null" || echo "unit wrapper $p still running"
	done
	rm -f /run/amosync/*.sock
}

# --- README: 4. configure, check, migrate -------------------------------
run_block configure
ok $? "README: sudoedit, --check, amosync-migrate --check, amosync-migrate"
like "$(cat "$STACK/log/readme-configure.log")" 'worker: configuration is good' "README: the worker's --check is good"
like "$(cat "$STACK/log/readme-configure.log")" 'traffic: ([0-9]+) of \1 migrations to apply' "README: amosync-migrate --check lists every migration of an empty database"
is "$(psql -U amosync -d traffic -tAc 'SELECT count(*) > 0 FROM amosync_migrations')" t "README: the databases are migrated"

# More of --check, as the units' user.
check() {
	CHECK=$(as_unit "$WK" "" env "$@" /usr/local/bin/amosync-worker -f "$env" --check 2>&1)
	CHECK_STATUS=$?
	echo "# --check $*: exit $CHECK_STATUS"
	printf '%s\n' "$CHECK" | sed 's/^/#   /'
}
check
is "$CHECK_STATUS" 0 "--check: the filled-in configuration is good"
like "$CHECK" 'TRAFFIC_DATABASE_URL: connected to the traffic database' "--check: connected to the traffic database"
check AMOSYNC_MAX_BODY=abc
is "$CHECK_STATUS" 1 "--check: AMOSYNC_MAX_BODY=abc fails"
like "$CHECK" 'AMOSYNC_MAX_BODY="abc": must be a whole number' "--check: AMOSYNC_MAX_BODY=abc named"
check AMOSYNC_MAX_BODY=010
is "$CHECK_STATUS" 1 "--check: AMOSYNC_MAX_BODY=010 fails"
like "$CHECK" 'AMOSYNC_MAX_BODY="010": must be a whole number from 1024' "--check: AMOSYNC_MAX_BODY=010 named"
check AMOSYNC_MAX_BODY=-1
is "$CHECK_STATUS" 1 "--check: AMOSYNC_MAX_BODY=-1 fails"
like "$CHECK" 'AMOSYNC_MAX_BODY="-1": must be' "--check: AMOSYNC_MAX_BODY=-1 named"
check AMOSYNC_WEBHOOK_SECRETS=short
is "$CHECK_STATUS" 1 "--check: a 5-character AMOSYNC_WEBHOOK_SECRETS fails"
like "$CHECK" 'AMOSYNC_WEBHOOK_SECRETS: secret 1 must be 16..256 characters' "--check: the secret's problem named"
printf '%s' "$CHECK" | grep -q 'short'
is $? 1 "--check: the secret is not printed"
check "AMOSYNC_WEBHOOK_SECRETS=with spaces in the secret"
is "$CHECK_STATUS" 1 "--check: a secret with spaces fails"
check TELEGRAM_REPORTS_ENABLED=yes
is "$CHECK_STATUS" 1 "--check: TELEGRAM_REPORTS_ENABLED=yes fails"
like "$CHECK" 'TELEGRAM_REPORTS_ENABLED="yes": must be true or false' "--check: yes named"
# An endpoint with a bad secret says why once and exits, not a loop of
# restarted workers.
out=$(as_unit "$EP" funnel-sale timeout -s TERM 10 env AMOSYNC_WEBHOOK_SECRETS=short \
	/usr/local/libexec/amosync/funnel-sale -f "$env" -s "$STACK/bad.sock" 2>&1)
is "$?" 1 "an endpoint with a bad secret exits 1 at once"
is "$(printf '%s\n' "$out" | grep -c 'AMOSYNC_WEBHOOK_SECRETS')" 1 "and says why once"
MCHECK=$(as_unit "$WK" "" /usr/local/bin/amosync-migrate -f "$env" --check 2>&1)
is "$?" 0 "amosync-migrate --check after the migration: 0"
like "$MCHECK" 'traffic: 0 of [0-9]+ migrations to apply, 0 function files new or changed \(up to date\)' "amosync-migrate --check: up to date"
check AMOSYNC_TIMEZONE=Asia/Almatyy
is "$CHECK_STATUS" 1 "--check: a bad time zone fails"
like "$CHECK" 'AMOSYNC_TIMEZONE="Asia/Almatyy": must be a time zone' "--check: a bad time zone named"
check AMOSYNC_MAX_BDY=2048
is "$CHECK_STATUS" 1 "--check: a misspelt variable fails"
like "$CHECK" 'unknown variable AMOSYNC_MAX_BDY \(a typo\? did you mean AMOSYNC_MAX_BODY\?\)' "--check: a misspelt variable named, with the right one"
# The same typo in the env file.
CHECK=$(cp -p "$env" "$env.typo" && echo AMOSYNC_MAX_BDY=2048 >>"$env.typo" &&
	as_unit "$WK" "" /usr/local/bin/amosync-worker -f "$env.typo" --check 2>&1)
is "$?" 1 "--check: a misspelt variable in the env file fails"
like "$CHECK" "amosync.env.typo:[0-9]+: unknown variable AMOSYNC_MAX_BDY \\(a typo\\? did you mean AMOSYNC_MAX_BODY\\?\\)" "--check: named with its file and line"
rm -f "$env.typo"
check "TRAFFIC_DATABASE_URL=postgresql://amosync:wrong@127.0.0.1:$PGPORT/traffic"
is "$CHECK_STATUS" 1 "--check: a wrong database password fails"
like "$CHECK" 'TRAFFIC_DATABASE_URL: could not connect to the traffic database: .*password authentication failed' "--check: a wrong database password named, with libpq's reason"
printf '%s' "$CHECK" | grep -q 'wrong@'
is $? 1 "--check: the password is not printed"
# A wrong password at start: said once, loudly, with libpq's reason, then
# retried with backoff (not twice a second).
as_unit "$WK" "" timeout -s TERM 4 env "TRAFFIC_DATABASE_URL=postgresql://amosync:wrong@127.0.0.1:$PGPORT/traffic" \
	/usr/local/bin/amosync-worker -f "$env" >"$STACK/log/worker-badpw.log" 2>&1
is "$(grep -c 'could not connect to the traffic database' "$STACK/log/worker-badpw.log")" 1 "start with a wrong password: logged once in 4 s"
like "$(cat "$STACK/log/worker-badpw.log")" 'error: could not connect to the traffic database: .*password authentication failed.*retrying with backoff' "loudly, with libpq's reason"
is "$(setpriv --reuid=www-data --regid=www-data --clear-groups cat "$env" 2>&1 >/dev/null | grep -c 'Permission denied')" 1 "nginx's user cannot read the env file"
for p in funnel-sale traffic; do
	is "$(/usr/local/libexec/amosync/$p --version)" "$p (amosync) $(sed -n 's/^PACKAGE_VERSION = //p' "$top_builddir/Makefile")" "$p --version"
done
like "$(/usr/local/bin/amosync-worker --help)" '^usage: amosync-worker \[-f envfile\]$' "worker usage: no -s"


# --- README: 5. nginx ----------------------------------------------------
is "$(stat -c %F /usr/local/etc/nginx/amosync.htpasswd 2>/dev/null)" "" "no password file before the step"
cp -a /usr/local/etc/nginx "$STACK/nginx-installed"
run_block nginx
ok $? "README: conf.d link, amosync-render-nginx, the password file"
is "$(stat -c '%U:%G %a' /usr/local/etc/nginx/amosync.htpasswd)" "root:www-data 640" "the password file: root:www-data 0640"
for f in snippets/amosync-locations.conf snippets/amosync-log.conf snippets/amosync-fastcgi.conf \
	snippets/amosync-ui-headers.conf snippets/amosync-site-headers.conf snippets/amosync-admin-auth.conf \
	conf.d/amosync-http.conf; do
	cmp -s "$STACK/nginx-installed/$f" "/usr/local/etc/nginx/$f"
	ok $? "amosync-render-nginx renders $f as make install did"
done
# amosync's http { } file only names things: no directive of its own
# changes another site's answers.
is "$(grep -E '^[a-z_]+' /usr/local/etc/nginx/conf.d/amosync-http.conf | awk '{ print $1 }' | sort -u | tr '\n' ' ')" \
	"limit_req_zone log_format map " "amosync-http.conf: only a map, log formats and rate-limit zones"

# The line the operator adds to Debian's stock server block.
cp /etc/nginx/sites-available/default "$STACK/default.stock"
sed -i -e "s/^\tlisten 80 default_server;/\tlisten 127.0.0.1:$PORT default_server;/" \
	-e '/^\tlisten \[::\]:80 default_server;/d' \
	-e 's|^\tserver_name _;|\tserver_name _;\n\tinclude /usr/local/etc/nginx/snippets/amosync-locations.conf;|' \
	/etc/nginx/sites-available/default
is "$(diff "$STACK/default.stock" /etc/nginx/sites-available/default | grep -c '^>')" 2 "the stock server block, one line added and the port changed"
rm -f /etc/nginx/sites-enabled/*
ln -s /etc/nginx/sites-available/default /etc/nginx/sites-enabled/default

# An existing TLS site, as many are: HSTS, its own access log, a regex
# rule for static files that would win over a plain prefix location.
SHOP_PORT=$(stack_free_port)
SHOP="https://127.0.0.1:$SHOP_PORT"
mkdir -p "$STACK/www"
echo "body { color: #123456 }" >"$STACK/www/site.css"
echo "<h1>shop</h1>" >"$STACK/www/index.html"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=shop.example \
	-keyout "$STACK/shop.key" -out "$STACK/shop.crt" 2>/dev/null
cat >/etc/nginx/sites-available/shop <<SITE
server {
	listen 127.0.0.1:$SHOP_PORT ssl;
	server_name shop.example;
	ssl_certificate $STACK/shop.crt;
	ssl_certificate_key $STACK/shop.key;
	add_header Strict-Transport-Security "max-age=63072000" always;
	access_log /var/log/nginx/shop.access.log;
	root $STACK/www;

	location ~* \.(css|js|png)\$ {
		expires 30d;
	}
	location / {
		try_files \$uri \$uri/ =404;
	}

	include /usr/local/etc/nginx/snippets/amosync-locations.conf;
}
SITE
ln -s /etc/nginx/sites-available/shop /etc/nginx/sites-enabled/shop
# The site's add_header lines, for the dashboards' locations
# (docs/install.md).
echo 'add_header Strict-Transport-Security "max-age=63072000" always;' \
	>>/usr/local/etc/nginx/snippets/amosync-site-headers.conf
# The installed renderer, with the install's paths: an allowlist from the
# env file reaches the webhook guard.
echo "AMOSYNC_WEBHOOK_ALLOW=127.0.0.1,10.0.0.0/8" >>"$env"
/usr/local/sbin/amosync-render-nginx >"$STACK/log/render.log" 2>&1
ok $? "amosync-render-nginx (no arguments: the install's paths)"
is "$(grep -E '^(allow|deny)' /usr/local/etc/nginx/snippets/amosync-webhook-guard.conf | tr '\n' ' ')" \
	"allow 127.0.0.1; allow 10.0.0.0/8; deny all; " "AMOSYNC_WEBHOOK_ALLOW of the env file is in the guard"

run_block reload
ok $? "README: nginx -t and reload (stock nginx.conf, workers as www-data)"

# --- README: 6. amoCRM and start -----------------------------------------
run_block start
ok $? "README: amosync-ctl amocrm setup (--dry-run, then for real), systemctl enable --now"
like "$(cat "$STACK/log/readme-start.log")" 'webhook funnel-sale: http://127.0.0.1:[0-9]+/api/amocrm/funnel-sale\?token=\*\*\*: not registered: would add it' "README: the dry run says what it would add"
like "$(cat "$STACK/log/readme-start.log")" 'webhook sales-webhook: .*: added \(status_lead\)' "README: setup added the webhooks"
is "$(curl -sS -H 'Authorization: Bearer amocrm-test-token' "$AMOCRM_MOCK/api/v4/webhooks" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["_embedded"]["webhooks"]))')" 2 \
	"amoCRM has our two webhooks"
is "$(echo $(printf '%s\n' $ENDPOINTS | sort))" "$(echo $(printf '%s\n' $STACK_PROGRAMS | sort))" "amosync.target wants every program of the stack"
grep -q '^Wants=.*amosync-worker.service' $units/amosync.target
ok $? "and the worker"
started=0
for e in $ENDPOINTS; do
	wait_for 20 test -S "/run/amosync/$e.sock" && started=$((started + 1))
done
is "$started" "$(echo $STACK_PROGRAMS | wc -w)" "every endpoint's ExecStart runs under its sandbox and opens its socket"
is "$(stat -c '%U:%G %a' /run/amosync/funnel-sale.sock)" "amosync:www-data 660" "sockets: amosync, group www-data, 0660"
wpid=$(pgrep -u amosync -x amosync-worker | head -n 1)
is "$(id -u amosync) $(id -g amosync) $(id -g amosync)" \
	"$(awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } /^Groups:/ { $1 = ""; gs = $0 } END { print u, g gs }' "/proc/$wpid/status")" \
	"the worker runs as amosync, group amosync, no other group"
grep -q 'could not open env file' "$STACK"/log/*.log
is $? 1 "every program read its configuration"

# Inside the existing TLS site.
shop() { # shop PATH [CURL ARGS...]: headers and body of the site's answer
	curl -sSk -D "$STACK/shop.headers" -o "$STACK/shop.body" -w '%{http_code}' "$SHOP$1" "${@:2}"
}
is "$(shop /site.css)" 200 "the site's own static rule still serves its CSS"
grep -qi '^Expires:' "$STACK/shop.headers"
ok $? "through its regex location (expires)"
is "$(shop /amosync-ui/css/app.css -u admin:admin-secret)" 200 "the dashboards' CSS inside the site: 200, not the site's 404"
cmp -s "$STACK/shop.body" /usr/local/share/amosync/ui/css/app.css
ok $? "and it is amosync's file"
grep -qi '^Content-Security-Policy:' "$STACK/shop.headers"
ok $? "with the dashboards' CSP"
grep -qi '^Strict-Transport-Security: max-age=63072000' "$STACK/shop.headers"
ok $? "and the site's HSTS"
is "$(shop /amosync-ui/vendor/chart.js/chart.min.js -u admin:admin-secret)" 200 "Chart.js inside the site: 200"
is "$(shop /traffic/admin -u admin:admin-secret)" 200 "the Traffic Dashboard inside the site: 200"
grep -qi '^Strict-Transport-Security:' "$STACK/shop.headers"
ok $? "the dashboard page keeps the site's HSTS"
is "$(shop /api/health)" 200 "/api/health inside the site: 200"
grep -qi '^Strict-Transport-Security:' "$STACK/shop.headers"
ok $? "the API keeps the site's HSTS without any extra line"
is "$(shop /api/admin/outbox)" 401 "admin API inside the site without a password: 401"
shop /api/admin/outbox -u admin:admin-secret >/dev/null
grep -c '"GET /api/health ' /var/log/nginx/amosync.access.log >/dev/null
ok $? "amosync's requests are in amosync's log"
is "$(grep -c -e amosync-ui -e /api/ /var/log/nginx/shop.access.log)" 0 "and not in the site's log"
is "$(grep -c 'GET /site.css' /var/log/nginx/shop.access.log)" 1 "the site's log keeps the site's requests"
# Debian's python3-selenium (/usr/local is the scratch root here).
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
	SHOT=$top_builddir/tests/integ/deploy-site.png
	out=$(URL=$SHOP AUTH=admin:admin-secret SHOT=$SHOT HOME=$STACK \
		/usr/bin/python3 "$top_srcdir/tests/integ/site_browser.py" 2>"$STACK/log/site-browser.log")
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok 0 "Chromium: ${line#ok - }" ;;
		"not ok - "*) ok 1 "Chromium: ${line#not ok - }" ;;
		*) echo "$line" ;;
		esac
	done <<<"$out"
	echo "# screenshot of the dashboard inside the site: $SHOT"
else
	echo "# Chromium, chromedriver or selenium missing: the browser check is left out"
fi


# A real amoCRM delivery, through nginx, to the sandboxed programs.
FORM=application/x-www-form-urlencoded
post /api/amocrm/funnel-sale $FORM "$(fixture status_express_142.txt)"
is "$STATUS" 200 "funnel-sale: a real amoCRM delivery answered 200"
like "$BODY" '"leads_queued":1' "funnel-sale: kept"
landed() { [ "$(stack_psql "$STACK" landing -tAc "SELECT count(*) FROM express_course_sales")" = 1 ]; }
wait_for 10 landed
is "$(stack_psql "$STACK" landing -tAc "SELECT count(*) FROM express_course_sales")" 1 "the sale is in the landing database (applied by the processors)"
req=$(sed -n 's/.*"POST \/api\/amocrm\/funnel-sale[^"]*" 200 .* req=\([0-9a-f]*\)$/\1/p' /var/log/nginx/amosync.access.log | tail -n 1)
like "$req" '^[0-9a-f]{32}$' "the access log has the request id (log_format amosync)"
grep -q "req=$req" "$STACK/log/funnel-sale.log"
ok $? "and the program's log has the same req="

# The worker announces a sale of the sales webhook (enriched from amoCRM).
amo_ctl POST /__control/leads '{"leads":[{"id":8100,"name":"Deploy","price":5000,"status_id":142,"pipeline_id":10350882,"created_at":1764300000,"updated_at":1764300000,"custom_fields_values":null,"account_id":29000001,"_embedded":{"tags":[],"companies":[],"contacts":[{"id":9100,"is_main":true}]}}],"contacts":[{"id":9100,"name":"Deploy Contact","custom_fields_values":[],"account_id":29000001}]}' >/dev/null
sale() {
	python3 "$top_srcdir/tests/integ/amobody.py" "{\"leads\":[{\"id\":$1,\"name\":\"Deploy $1\",\"status_id\":142,\"old_status_id\":81854618,\"pipeline_id\":10350882,\"price\":\"5000\",\"updated_at\":1764300000,\"fields\":[[434731,\"utm_source\",\"fb_kenesary\"]]}]}"
}
post /api/amocrm/sales-webhook $FORM "$(sale 8100)"
is "$STATUS" 200 "sales-webhook: 200"
announced() { [ "$(tg_count)" -ge "$1" ]; }
wait_for 30 announced 1
ok $? "the sandboxed worker announced the sale in Telegram"

# Admin authentication.
req GET /api/admin/outbox
is "$STATUS" 401 "admin without a password: 401"
req GET /api/admin/outbox -u admin:wrong
is "$STATUS" 401 "admin with a wrong password: 401"
req GET /api/admin/outbox -u admin:admin-secret
is "$STATUS" 200 "admin with the password: 200 (nginx's workers read the password file)"
# A script's POST (curl: no Origin, no Sec-Fetch-Site, no body) passes the
# cross-site rule that refuses another site's page.
is "$(curl -sS -o /dev/null -w '%{http_code}' -u admin:admin-secret -X POST "$URL/api/admin/landing/sync-amocrm")" 200 \
	"curl -X POST /api/admin/landing/sync-amocrm with the admin password: 200"
is "$(curl -sS -o /dev/null -w '%{http_code}' -u admin:admin-secret -A 'Mozilla/5.0' -X POST "$URL/api/admin/landing/sync-amocrm")" 403 \
	"the same POST from a browser without its own Origin: 403"

# The database goes away: the webhook is spooled; the endpoint is stopped,
# so only the worker, under its sandbox, can replay it when it is back.
stack_pg_down "$STACK"
post /api/amocrm/sales-webhook $FORM "$(sale 8200)"
is "$STATUS" 200 "database down: webhook accepted"
is "$(ls /usr/local/var/spool/amosync | grep -c '^sales-webhook-')" 1 "database down: spooled in the unit's spool directory"
sw=$(cat "$STACK/unit-sales-webhook.pid")
pkill -TERM -P "$sw"
wait_for 10 sh -c "! kill -0 $sw 2>/dev/null"
sleep 2
AMOSYNC_PG_LISTEN=127.0.0.1 AMOSYNC_PG_FSYNC=off stack_pg_up "$STACK" >>"$STACK/log/up.log" 2>&1
stored() { [ "$(stack_psql "$STACK" traffic -tAc "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8200'" 2>/dev/null)" = 1 ]; }
wait_for 40 stored
ok $? "database back: the worker replayed the spool; the sale is stored"
sleep 1
is "$(ls -A /usr/local/var/spool/amosync)" "" "the spool is empty"
is "$(stack_psql "$STACK" traffic -tAc "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '8200'")" 1 "the spooled sale is stored once"
is "$(grep -c 'error: could not connect to the traffic database' "$STACK/log/worker.log")" 1 "the worker logged the database's absence loudly once"
like "$(grep 'could not connect to the traffic database' "$STACK/log/worker.log" | head -n 1)" 'retrying with backoff' "with libpq's reason and the backoff"
grep -q 'connected to the traffic database again' "$STACK/log/worker.log"
ok $? "and its return"

# --- README: backup, restore, upgrade -----------------------------------
sales=$(stack_psql "$STACK" traffic -tAc "SELECT count(*) FROM all_sales_tracking")
run_block backup
ok $? "README: backup"
for f in traffic landing tripwire; do
	[ -s "/var/backups/amosync/$f.dump" ]
	ok $? "backup: $f.dump"
done
tar -tzf /var/backups/amosync/files.tar.gz | grep -q '^usr/local/etc/amosync/amosync.env$'
ok $? "backup: the env file is in files.tar.gz"
# What a restore must undo: a lost sale, a lost configuration.
stack_psql "$STACK" traffic -qc "DELETE FROM all_sales_tracking WHERE lead_id = '8200'"
mv "$env" "$STACK/env.moved"
run_block restore
ok $? "README: restore"
is "$(stack_psql "$STACK" traffic -tAc "SELECT count(*) FROM all_sales_tracking")" "$sales" "restore: every sale is back"
cmp -s "$env" "$STACK/env.moved"
ok $? "restore: the env file is back"
is "$(stat -c '%U:%G %a' "$env")" "root:amosync 640" "restore: with its owner and mode"
is "$(stack_psql "$STACK" traffic -tAc "SELECT tableowner FROM pg_tables WHERE tablename = 'all_sales_tracking'")" amosync \
	"restore: the tables belong to amosync"
req GET /api/admin/outbox -u admin:admin-secret
is "$STATUS" 200 "restore: amosync answers again"

run_block upgrade
ok $? "README: upgrade (build, migrate --check, stop, install, migrate, render, start)"
like "$(cat "$STACK/log/readme-upgrade.log")" 'traffic: 0 of [0-9]+ migrations to apply' "upgrade: the dry run says what will be applied"
post /api/amocrm/funnel-sale $FORM "$(fixture status_express_142.txt)"
is "$STATUS" 200 "upgrade: a delivery after the upgrade answered 200"

# systemd's own checks of the installed units.
mkdir -p "$STACK/units"
cp $EP "$STACK/units/amosync@funnel-sale.service"
cp $WK $units/amosync.target "$STACK/units/"
for u in amosync@funnel-sale.service amosync-worker.service amosync.target; do
	out=$(systemd-analyze verify "$STACK/units/$u" 2>&1)
	is "$?:$out" "0:" "systemd-analyze verify $u"
done
for u in amosync@funnel-sale.service amosync-worker.service; do
	score=$(systemd-analyze security --offline=true "$STACK/units/$u" 2>&1 |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p')
	echo "# systemd-analyze security $u: $score"
	ok "$(awk -v s="$score" 'BEGIN { print (s != "" && s < 4.0) ? 0 : 1 }')" "systemd-analyze security $u: $score < 4.0"
done

# The package's purge (debian/amosync.postrm) with a site that still
# includes the snippet: dpkg deletes the snippets (conffiles), postrm
# leaves an empty one in their place, and nginx still starts.
sed -i '/amosync-locations.conf/d' /etc/nginx/sites-available/default
mkdir -p /etc/nginx/snippets
cp /usr/local/etc/nginx/snippets/amosync-*.conf /etc/nginx/snippets/
sed -i 's|/usr/local/etc/nginx/snippets/|/etc/nginx/snippets/|' /etc/nginx/snippets/amosync-locations.conf \
	/etc/nginx/sites-available/shop
nginx -t >>"$STACK/log/nginx-t.log" 2>&1
ok $? "nginx -t: the site includes the package's snippet"
rm -f /etc/nginx/snippets/amosync-*.conf /etc/nginx/conf.d/amosync-http.conf
sh "$top_srcdir/debian/amosync.postrm" purge
ok $? "postrm purge"
nginx -t >>"$STACK/log/nginx-t.log" 2>&1
ok $? "nginx -t after the purge: the site's include finds an empty snippet"
like "$(cat /etc/nginx/snippets/amosync-locations.conf)" 'amosync was purged' "which says what to do"

bad=$(grep -l -E 'AddressSanitizer|runtime error:' "$STACK"/log/*.log 2>/dev/null)
is "$bad" "" "no sanitizer reports in program logs"

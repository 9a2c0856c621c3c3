# shellcheck shell=bash
# amosync local stack: functions shared by scripts/start, scripts/test and
# the integration tests (tests/integ/lib.sh). Source it; do not run it.
#
# A stack lives in one directory ($1 of stack_up):
#   pgdata/ pgsock/   PostgreSQL cluster, unix socket only
#   run/              FastCGI sockets, pid files, rate-limit state
#   spool/            webhooks waiting for the database
#   nginx/            rendered nginx configuration, logs, temp files
#   amosync.env       the configuration every program reads (-f)
#   log/              one log file per program

STACK_PROGRAMS="funnel-sale sales-webhook admin-outbox test-sale-notification traffic sales-reports utm-analytics admin-landing landing integrations"
# Workers the stack runs (amosync-worker), AMOSYNC_WORKERS to change.
STACK_WORKERS=${AMOSYNC_WORKERS:-1}

stack_die() {
	echo "amosync: $*" >&2
	exit 1
}

# Packages a fresh Debian 12 needs to build, run and test amosync.
# libjs-chart.js: the dashboards' charts (served by nginx from
# /usr/share/javascript/chart.js); chromium, chromium-driver and
# python3-selenium: the dashboards' browser test (tests/integ/ui.sh).
STACK_PACKAGES="build-essential autoconf automake pkg-config libfcgi-dev
libjson-c-dev libcurl4-openssl-dev libpq-dev postgresql nginx-light
python3 curl ca-certificates pgbouncer
python3-prometheus-client libjs-chart.js chromium chromium-driver python3-selenium apache2-utils systemd debhelper fakeroot man-db"

# Installs whatever is missing, with apt-get (root) or sudo apt-get.
stack_deps() {
	local missing="" p sudo=""
	for p in $STACK_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null ||
			stack_die "need root or sudo to install:$missing"
		sudo="sudo"
	fi
	echo "amosync: installing$missing" >&2
	# Debian's postgresql package would start a system cluster on 5432;
	# the stack runs its own, so keep the package's one from starting.
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq >&2 || stack_die "apt-get update failed"
	# shellcheck disable=SC2086
	$sudo apt-get install -y -qq --no-install-recommends $missing >&2 ||
		stack_die "apt-get install failed"
}

# Builds into $1 (default build/) with the dev configuration unless
# AMOSYNC_CONFIGURE_FLAGS says otherwise.
stack_build() {
	local src build flags
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	build=${1:-$src/build}
	flags=${AMOSYNC_CONFIGURE_FLAGS:---enable-dev}
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >&2) ||
		stack_die "autoreconf failed"
	# An in-tree ./configure (an earlier manual build) makes every build
	# directory refuse to configure ("source directory already
	# configured"): clean the source tree's build, as automake asks.
	if [ -f "$src/config.status" ]; then
		echo "amosync: $src was configured in the source tree; running 'make distclean' there so that the build in $build can work" >&2
		make -C "$src" distclean >/dev/null 2>&1 || rm -f "$src/config.status"
	fi
	mkdir -p "$build"
	if [ ! -f "$build/Makefile" ]; then
		# shellcheck disable=SC2086
		(cd "$build" && "$src/configure" $flags >&2) ||
			stack_die "configure failed (see $build/config.log)"
	fi
	make -C "$build" -j"$(nproc)" >&2 || stack_die "build failed"
}

stack_pgbin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] || stack_die "PostgreSQL server binaries not found"
	echo "$d"
}

# Runs a command as the cluster's owner: postgres when we are root
# (initdb refuses root), ourselves otherwise.
stack_as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# stack_port_busy PORT: true if something listens on 127.0.0.1:PORT.
stack_port_busy() {
	! python3 -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',int(sys.argv[1])))" "$1" 2>/dev/null
}

stack_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Creates (if needed) and starts the cluster in $1/pgdata, with the
# databases of STACK_PG_DBS (default traffic landing tripwire), whose
# superuser is STACK_PG_SUPERUSER (default amosync).
stack_pg_up() {
	local dir=$1 bin
	bin=$(stack_pgbin)
	mkdir -p "$dir/pgsock" "$dir/log"
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$dir/pgsock"
		chmod 755 "$dir"
		stack_as_pg test -w "$dir/pgsock" ||
			stack_die "user postgres cannot write to $dir (a parent directory is private); set AMOSYNC_STACK_DIR to a directory it can reach"
		touch "$dir/log/postgres.log" && chown postgres "$dir/log/postgres.log"
	fi
	if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
		mkdir -p "$dir/pgdata"
		[ "$(id -u)" -eq 0 ] && chown postgres "$dir/pgdata"
		stack_as_pg "$bin/initdb" -D "$dir/pgdata" -U "${STACK_PG_SUPERUSER:-amosync}" \
			--auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null ||
			stack_die "initdb failed"
	fi
	if ! stack_as_pg "$bin/pg_ctl" -D "$dir/pgdata" status >/dev/null 2>&1; then
		stack_as_pg "$bin/pg_ctl" -D "$dir/pgdata" -w -t 30 \
			-l "$dir/log/postgres.log" \
			-o "-k $dir/pgsock -c listen_addresses=${AMOSYNC_PG_LISTEN:-} -c fsync=${AMOSYNC_PG_FSYNC:-on}" \
			start >/dev/null || stack_die "PostgreSQL did not start (see $dir/log/postgres.log)"
	fi
	local db
	for db in ${STACK_PG_DBS-traffic landing tripwire}; do
		stack_psql "$dir" postgres -tAc \
			"SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
			stack_psql "$dir" postgres -qc "CREATE DATABASE $db" ||
			stack_die "could not create database $db"
	done
}

stack_pg_down() {
	local dir=$1
	[ -f "$dir/pgdata/PG_VERSION" ] || return 0
	stack_as_pg "$(stack_pgbin)/pg_ctl" -D "$dir/pgdata" -m fast -w \
		stop >/dev/null 2>&1 || true
}

# stack_psql DIR DB psql-args...
stack_psql() {
	local dir=$1 db=$2
	shift 2
	psql -X -v ON_ERROR_STOP=1 -h "$dir/pgsock" -U amosync -d "$db" "$@"
}

stack_url() {
	echo "postgresql:///$2?host=$1/pgsock&user=amosync"
}

# Writes $1/amosync.env for a stack whose nginx listens on $2.
stack_env() {
	local dir=$1 port=$2
	mkdir -p "$dir/run" "$dir/spool"
	cat >"$dir/amosync.env" <<-ENV
	# Generated by scripts/stack.sh for the local stack; environment
	# variables override these values.
	TRAFFIC_DATABASE_URL=$(stack_url "$dir" traffic)
	LANDING_DATABASE_URL=$(stack_url "$dir" landing)
	TRIPWIRE_DATABASE_URL=$(stack_url "$dir" tripwire)
	AMOSYNC_RUN_DIR=$dir/run
	AMOSYNC_SPOOL_DIR=$dir/spool
	AMOSYNC_SOCKET_MODE=0660
	AMOSYNC_PORT=$port
	AMOSYNC_PUBLIC_URL=http://127.0.0.1:$port
	ENV
}

stack_migrate() {
	local dir=$1 build=$2 src
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	"$build/tools/amosync-migrate" -f "$dir/amosync.env" -d "$src/sql" \
		traffic landing 2>>"$dir/log/migrate.log" ||
		stack_die "migration failed (see $dir/log/migrate.log)"
}

# Starts one FastCGI program unless it is running.
stack_start_program() {
	local dir=$1 build=$2 name=$3 pidf sock i
	pidf=$dir/run/$name.pid
	sock=$dir/run/$name.sock
	if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
		return 0
	fi
	rm -f "$sock"
	"$build/cgi-bin/$name" -f "$dir/amosync.env" -s "$sock" \
		</dev/null >>"$dir/log/$name.log" 2>&1 &
	echo $! >"$pidf"
	for i in $(seq 100); do
		[ -S "$sock" ] && return 0
		kill -0 "$(cat "$pidf")" 2>/dev/null ||
			stack_die "$name exited (see $dir/log/$name.log)"
		sleep 0.05
	done
	stack_die "$name did not open $sock"
}

stack_stop_program() {
	local dir=$1 name=$2 pidf pid i
	pidf=$dir/run/$name.pid
	[ -f "$pidf" ] || return 0
	pid=$(cat "$pidf")
	if kill -TERM "$pid" 2>/dev/null; then
		for i in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidf"
}

# Starts worker number $3 unless it is running.
stack_start_worker() {
	local dir=$1 build=$2 n=$3 pidf
	pidf=$dir/run/worker-$n.pid
	if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
		return 0
	fi
	"$build/tools/amosync-worker" -f "$dir/amosync.env" \
		</dev/null >>"$dir/log/worker-$n.log" 2>&1 &
	echo $! >"$pidf"
}

stack_stop_workers() {
	local dir=$1 f
	for f in "$dir"/run/worker-*.pid; do
		[ -f "$f" ] || continue
		stack_stop_program "$dir" "$(basename "$f" .pid)"
	done
}

# Starts the loopback stand-ins for amoCRM, Telegram and the Facebook
# Graph API and points the stack's configuration at them (tests, and the
# demo without real tokens).
stack_mocks_up() {
	local dir=$1 src i
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mkdir -p "$dir/mock" "$dir/log" "$dir/run"
	python3 "$src/tests/mock/amocrm_mock.py" --port 0 \
		--token amocrm-test-token --data "$src/tests/mock/amocrm-data.json" \
		--state-file "$dir/mock/amocrm-state.json" \
		>"$dir/mock/amocrm.port" 2>>"$dir/log/amocrm-mock.log" &
	echo $! >"$dir/run/amocrm-mock.pid"
	python3 "$src/tests/mock/telegram_mock.py" --port 0 \
		--token 123456:TEST-telegram-token \
		--state-file "$dir/mock/telegram-state.json" \
		>"$dir/mock/telegram.port" 2>>"$dir/log/telegram-mock.log" &
	echo $! >"$dir/run/telegram-mock.pid"
	python3 "$src/tests/mock/fb_mock.py" --port 0 \
		--token fb-test-token --state-file "$dir/mock/fb-state.json" \
		>"$dir/mock/fb.port" 2>>"$dir/log/fb-mock.log" &
	echo $! >"$dir/run/fb-mock.pid"
	for i in $(seq 100); do
		[ -s "$dir/mock/amocrm.port" ] && [ -s "$dir/mock/telegram.port" ] &&
			[ -s "$dir/mock/fb.port" ] && break
		sleep 0.05
	done
	AMOCRM_MOCK="http://127.0.0.1:$(head -n 1 "$dir/mock/amocrm.port")"
	TELEGRAM_MOCK="http://127.0.0.1:$(head -n 1 "$dir/mock/telegram.port")"
	FB_MOCK="http://127.0.0.1:$(head -n 1 "$dir/mock/fb.port")"
	[ "$AMOCRM_MOCK" != "http://127.0.0.1:" ] && [ "$TELEGRAM_MOCK" != "http://127.0.0.1:" ] &&
		[ "$FB_MOCK" != "http://127.0.0.1:" ] ||
		stack_die "mock servers did not start (see $dir/log/*-mock.log)"
	export AMOCRM_MOCK TELEGRAM_MOCK FB_MOCK
}

stack_mocks_down() {
	local dir=$1 f
	for f in "$dir/run/amocrm-mock.pid" "$dir/run/telegram-mock.pid" "$dir/run/fb-mock.pid"; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null
		rm -f "$f"
	done
}

# Appends the mock endpoints and test tokens to the stack's env file.
stack_mocks_env() {
	local dir=$1
	cat >>"$dir/amosync.env" <<-ENV
	AMOCRM_BASE_URL=$AMOCRM_MOCK
	AMOCRM_ACCESS_TOKEN=amocrm-test-token
	TELEGRAM_API_URL=$TELEGRAM_MOCK
	TELEGRAM_BOT_TOKEN=123456:TEST-telegram-token
	TELEGRAM_CHAT_ID=-1001234567890
	FB_API_URL=$FB_MOCK
	FB_ACCESS_TOKEN=fb-test-token
	ENV
}

# Renders the nginx configuration into $1/nginx and starts nginx.
stack_nginx_up() {
	local dir=$1 port=$2 src user=""
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	mkdir -p "$dir/nginx/tmp"
	[ "$(id -u)" -eq 0 ] && user="user root;"
	# The local stack leaves admin URLs open unless a test sets auth.
	[ -f "$dir/nginx/amosync-admin-auth.conf" ] ||
		echo "# no admin authentication in the local stack" \
			>"$dir/nginx/amosync-admin-auth.conf"
	# The production renderer, from the stack's configuration.
	AMOSYNC_NGINX_HOOK_LOG=$dir/nginx/access.log AMOSYNC_NGINX_LOG=$dir/nginx/access.log \
		AMOSYNC_UI_DIR=$src/ui \
		sh "$src/scripts/render-nginx" "$dir/run" "$dir/nginx" \
		"$dir/amosync.env" >/dev/null || stack_die "could not render nginx files"
	sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir/nginx|g" \
		-e "s|@USER@|$user|g" -e "s|@CONFDIR@|$dir/nginx|g" \
		"$src/nginx/dev.conf.in" >"$dir/nginx/nginx.conf"
	if [ -f "$dir/nginx/nginx.pid" ] && kill -0 "$(cat "$dir/nginx/nginx.pid")" 2>/dev/null; then
		nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -s reload
		return 0
	fi
	nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" ||
		stack_die "nginx did not start (see $dir/nginx/error.log)"
}

stack_nginx_down() {
	local dir=$1
	[ -f "$dir/nginx/nginx.pid" ] || return 0
	nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -e "$dir/nginx/error.log" -s quit 2>/dev/null || true
	local i
	for i in $(seq 50); do
		[ -f "$dir/nginx/nginx.pid" ] || break
		sleep 0.05
	done
}

# stack_up DIR BUILD PORT: database, migrations, programs, nginx.
stack_up() {
	local dir=$1 build=$2 port=$3 p
	mkdir -p "$dir/log"
	stack_pg_up "$dir"
	[ -f "$dir/amosync.env" ] || stack_env "$dir" "$port"
	stack_migrate "$dir" "$build"
	for p in $STACK_PROGRAMS; do
		stack_start_program "$dir" "$build" "$p"
	done
	for p in $(seq "$STACK_WORKERS"); do
		[ "$p" -gt 0 ] && stack_start_worker "$dir" "$build" "$p"
	done
	stack_nginx_up "$dir" "$port"
}

stack_down() {
	local dir=$1 p
	stack_nginx_down "$dir"
	for p in $STACK_PROGRAMS; do
		stack_stop_program "$dir" "$p"
	done
	stack_stop_workers "$dir"
	stack_mocks_down "$dir"
	stack_pg_down "$dir"
}

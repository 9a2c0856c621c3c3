# The two baselines of the webhook benchmarks (make bench-http, make
# bench-burst), behind the stack's own nginx: tests/bench/baseline (a C
# FastCGI peer: 8 processes, one INSERT ... ON CONFLICT per request) at
# /bench/baseline, and tests/bench/express-peer.js (the original system's
# stack: Express and node-postgres, BENCH_EXPRESS_WORKERS cluster workers,
# one INSERT ... ON CONFLICT per request) at /bench/express, each storing
# into its own table of the landing database (bench_baseline,
# bench_express: deal_id, body). Source after tests/integ/lib.sh:
# peers_install before integ_up, peers_up after it, peers_down in the
# caller's exit trap. Also the helpers both benchmarks share: ms and
# peers_warn_asan.

# The Express peer's cluster: one worker per CPU, node's own rule and its
# best here. Node does not block on the database as a FastCGI process
# does: on 2 CPUs, 8 workers (the C programs' 8) answer a third of what 1
# or 2 do, and the yardstick would flatter amosync.
BENCH_EXPRESS_WORKERS=${BENCH_EXPRESS_WORKERS:-$(nproc)}
EXPRESS_DIR=$top_builddir/tests/bench/express-peer

peers_install() {
	command -v wrk >/dev/null || STACK_PACKAGES=wrk stack_deps
	{ command -v node && command -v npm; } >/dev/null || STACK_PACKAGES="nodejs npm" stack_deps
	# Express and pg for the Express peer, into the build directory (never the
	# tree, never at run time of amosync): npm ci again when the lock changed.
	if ! cmp -s "$top_srcdir/tests/bench/express-peer.package-lock.json" \
		"$EXPRESS_DIR/package-lock.json" || [ ! -d "$EXPRESS_DIR/node_modules" ]; then
		mkdir -p "$EXPRESS_DIR"
		cp "$top_srcdir/tests/bench/express-peer.package.json" "$EXPRESS_DIR/package.json"
		cp "$top_srcdir/tests/bench/express-peer.package-lock.json" "$EXPRESS_DIR/package-lock.json"
		(cd "$EXPRESS_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2) || {
			echo "could not install express and pg with npm"
			exit 1
		}
	fi
}

peers_up() {
	# The baseline behind the same nginx, on the landing database.
	sql landing "CREATE TABLE IF NOT EXISTS bench_baseline (deal_id bigint PRIMARY KEY, body text)" >/dev/null
	"$top_builddir/tests/bench/baseline" -s "$STACK/run/baseline.sock" \
		-d "$(stack_url "$STACK" landing)" -n 8 2>>"$STACK/log/baseline.log" &
	BASELINE_PID=$!
	wait_for 5 test -S "$STACK/run/baseline.sock" || { echo "baseline did not start"; exit 1; }
	cat >>"$STACK/nginx/amosync-locations.conf" <<-CONF
	location = /bench/baseline {
		include $STACK/nginx/amosync-fastcgi.conf;
		fastcgi_pass unix:$STACK/run/baseline.sock;
	}
	CONF

	# The Express peer, on the landing database too, proxied over a unix
	# socket with keep-alive connections (what suits it best).
	sql landing "CREATE TABLE IF NOT EXISTS bench_express (deal_id bigint PRIMARY KEY, body text)" >/dev/null
	NODE_ENV=production NODE_PATH=$EXPRESS_DIR/node_modules \
		PGHOST=$STACK/pgsock PGDATABASE=landing PGUSER=amosync \
		node "$top_srcdir/tests/bench/express-peer.js" "$STACK/run/express.sock" \
		"$BENCH_EXPRESS_WORKERS" \
		>>"$STACK/log/express.log" 2>&1 &
	EXPRESS_PID=$!
	wait_for 10 grep -q 'workers on' "$STACK/log/express.log" || {
		echo "express peer did not start: $(tail -n 3 "$STACK/log/express.log")"
		exit 1
	}
	cat >>"$STACK/nginx/amosync-http.conf" <<-CONF
	upstream bench_express {
		server unix:$STACK/run/express.sock;
		keepalive 32;
	}
	CONF
	cat >>"$STACK/nginx/amosync-locations.conf" <<-CONF
	location = /bench/express {
		proxy_pass http://bench_express;
		proxy_http_version 1.1;
		proxy_set_header Connection "";
	}
	CONF
	nginx -p "$STACK/nginx" -c "$STACK/nginx/nginx.conf" -s reload
	sleep 0.5
}

# Stops the two peers (the caller's exit trap).
peers_down() {
	[ -n "${BASELINE_PID:-}" ] && kill "$BASELINE_PID" 2>/dev/null && wait "$BASELINE_PID"
	[ -n "${EXPRESS_PID:-}" ] && kill "$EXPRESS_PID" 2>/dev/null && wait "$EXPRESS_PID"
	return 0
}

# Says so when amosync was built with sanitizers: the figures would not
# be representative.
peers_warn_asan() {
	if grep -qa __asan_init "$top_builddir/cgi-bin/funnel-sale"; then
		echo "WARNING: built with AddressSanitizer (--enable-dev): figures are" \
			"not representative; use a plain ./configure build"
	fi
}

# ms VALUE-WITH-UNIT: wrk's "1.23ms", "850.00us", "1.02s" in milliseconds.
ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
		else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
		else print v }'
}

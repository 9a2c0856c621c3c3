#!/bin/sh
# Runs the amoCRM/Telegram client tests (tests/unit/clients-t.c) against the
# loopback mocks in tests/mock/: starts both mocks on free ports, exports
# AMOCRM_BASE_URL and TELEGRAM_API_URL (and the tokens the mocks expect),
# runs the test binary and passes its TAP output and exit status through.
#
#   tests/integ/clients.sh [path/to/clients-t]
#
# Skips when python3 or the binary is missing.

srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
bin=${1:-$builddir/tests/unit/clients-t}

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi
if [ ! -x "$bin" ]; then
	echo "1..0 # SKIP $bin not built"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/clients.XXXXXX") || exit 1
amo_pid=
tg_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	[ -n "$amo_pid" ] && kill "$amo_pid" 2>/dev/null
	[ -n "$tg_pid" ] && kill "$tg_pid" 2>/dev/null
	[ -n "$amo_pid" ] && wait "$amo_pid" 2>/dev/null
	[ -n "$tg_pid" ] && wait "$tg_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

AMOCRM_ACCESS_TOKEN=test-amocrm-token
TELEGRAM_BOT_TOKEN=123456:TEST-telegram-token

python3 "$srcdir/tests/mock/amocrm_mock.py" --port 0 \
    --token "$AMOCRM_ACCESS_TOKEN" --data "$srcdir/tests/mock/amocrm-data.json" \
    >"$tmp/amo.port" 2>"$tmp/amo.log" &
amo_pid=$!
python3 "$srcdir/tests/mock/telegram_mock.py" --port 0 \
    --token "$TELEGRAM_BOT_TOKEN" >"$tmp/tg.port" 2>"$tmp/tg.log" &
tg_pid=$!

# Each mock prints its port as its first line once it listens.
wait_port() {
	i=0
	while [ $i -lt 100 ]; do
		p=$(head -n 1 "$1" 2>/dev/null)
		if [ -n "$p" ]; then
			echo "$p"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
if ! amo_port=$(wait_port "$tmp/amo.port" "$amo_pid") ||
    ! tg_port=$(wait_port "$tmp/tg.port" "$tg_pid"); then
	echo "Bail out! a mock server did not start"
	cat "$tmp/amo.log" "$tmp/tg.log" >&2
	exit 1
fi

AMOCRM_BASE_URL=http://127.0.0.1:$amo_port
TELEGRAM_API_URL=http://127.0.0.1:$tg_port
export AMOCRM_BASE_URL TELEGRAM_API_URL AMOCRM_ACCESS_TOKEN TELEGRAM_BOT_TOKEN

"$bin"
rc=$?
if [ $rc -ne 0 ]; then
	echo "# mock logs:" >&2
	cat "$tmp/amo.log" "$tmp/tg.log" >&2
fi
exit $rc

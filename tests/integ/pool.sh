#!/usr/bin/env bash
# The process pool of every FastCGI program (io/proc, io/prog): workers
# that share one socket, a stalled database that never makes amoCRM wait
# past 2 s, a killed worker replaced, and a new build swapped in under
# load without a failed request. Runs funnel-sale against real nginx and
# PostgreSQL.
# The load below is one client address far above nginx's webhook rate
# limit (tests/integ/webhook-auth.sh tests that): a burst it never runs out of.
INTEG_ENV="AMOSYNC_PROCS=8
AMOSYNC_PROCESSORS=2
AMOSYNC_WEBHOOK_BURST=1000000"
. "$top_srcdir/tests/integ/lib.sh"
integ_up

FORM=application/x-www-form-urlencoded
URI=/api/amocrm/funnel-sale$HOOK_Q
landing() { sql landing "$1"; }
# The urlencoded body of an Express sale of deal $1, as amoCRM sends it.
sale() {
	printf 'leads%%5Bstatus%%5D%%5B0%%5D%%5Bid%%5D=%s&leads%%5Bstatus%%5D%%5B0%%5D%%5Bstatus_id%%5D=142&leads%%5Bstatus%%5D%%5B0%%5D%%5Bpipeline_id%%5D=10350882&leads%%5Bstatus%%5D%%5B0%%5D%%5Bprice%%5D=5000&account%%5Bid%%5D=29000001' "$1"
}
# Posts the sale of deal $1; prints "status seconds".
post_sale() {
	curl -sS -o /dev/null -w '%{http_code} %{time_total}\n' -X POST "$URL$URI" \
		-H "Content-Type: $FORM" --data-binary "$(sale "$1")"
}
# Posts distinct sales from deal $1 on for $2 seconds; "id status" lines.
load() {
	local id=$1 end=$((SECONDS + $2))
	while [ "$SECONDS" -lt "$end" ]; do
		echo "$id $(post_sale "$id" | cut -d' ' -f1)"
		id=$((id + 1))
	done
}
stored() { landing "SELECT count(*) FROM express_course_sales WHERE deal_id BETWEEN $1 AND $2"; }
children() { pgrep -P "$1" | wc -l; }
export -f sale post_sale
export URL URI FORM

master=$(cat "$STACK/run/funnel-sale.pid")

# 1. The pool: eight workers and two processors under one master.
wait_for 5 test "$(children "$master")" -eq 10
is "$(children "$master")" 10 "pool: 8 workers and the 2 processors"
post_sale 600000 >/dev/null
inbox_wait
is "$(stored 600000 600000)" 1 "pool: a sale through the pool is stored"

# 2. A stalled database. (a) express_course_sales locked for 10 s:
#    the door does not touch it (the delivery is kept in the inbox), so
#    forty distinct sales at concurrency 8 are each answered 200 at once;
#    the processor applies them once the lock is gone, exactly once.
# (b) The inbox itself (webhook_requests) locked for 10 s (longer if
#    the forty posts take longer on a slow machine: the lock is released
#    once they are all answered, never before): each process waits at
#    most 1.5 s for its first delivery and then spools the next ones
#    without trying for 2 s, so forty deliveries arriving at once are all
#    answered 200 within amoCRM's 2 s and stored exactly once after.
# stall TABLE FIRST: the forty sales from FIRST during a lock of TABLE.
stall() {
	local table=$1 first=$2 last=$(($2 + 39)) slowest locker locked_at
	landing "BEGIN; LOCK TABLE $table IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
	locker=$!
	locked_at=$(date +%s.%N)
	sleep 0.5
	seq "$first" "$last" | xargs -P 40 -I{} bash -c 'post_sale {}' >"$STACK/stall.txt"
	is "$(wc -l <"$STACK/stall.txt")" 40 "stall $table: forty answers"
	is "$(cut -d' ' -f1 "$STACK/stall.txt" | sort -u | tr '\n' ' ')" "200 " "stall $table: every answer 200"
	slowest=$(cut -d' ' -f2 "$STACK/stall.txt" | sort -n | tail -n 1)
	ok "$(awk -v t="$slowest" 'BEGIN { exit !(t < 2.0) }'; echo $?)" "stall $table: the slowest answer took ${slowest}s, under amoCRM's 2 s"
	is "$(stored "$first" "$last")" 0 "stall $table: nothing stored while the table is locked"
	# The stall ends after 10 s at the least: the locker's transaction is
	# cancelled, its lock gone.
	sleep "$(awk -v t="$locked_at" -v n="$(date +%s.%N)" 'BEGIN { d = 10 - (n - t); print (d > 0 ? d : 0) }')"
	landing "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()" >/dev/null
	wait "$locker"
	wait_for 30 test "$(stored "$first" "$last")" -eq 40
	inbox_wait
	is "$(stored "$first" "$last")" 40 "stall $table: all forty stored after the lock"
	is "$(landing "SELECT count(DISTINCT deal_id) FROM express_course_sales WHERE deal_id BETWEEN $first AND $last")" 40 "stall $table: each exactly once"
	wait_for 10 test "$(ls "$STACK/spool" | grep -c '^funnel-sale-')" -eq 0
	is "$(ls "$STACK/spool" | grep -c '^funnel-sale-')" 0 "stall $table: spool emptied"
}
stall express_course_sales 610001
is "$(landing "SELECT count(*) FROM webhook_requests WHERE lead_ids && '{610001,610040}'")" 2 "stall express_course_sales: kept in the inbox, not spooled"
stall webhook_requests 610101
like "$(cat "$STACK/log/funnel-sale.log")" 'replayed [0-9]+ spooled funnel-sale requests' "stall webhook_requests: the spool took them, the processor replayed it"

# 3. A worker killed with SIGKILL under load is replaced; only the request
#    it held may fail (502), and its re-post is stored once.
load 620000 6 >"$STACK/crash.txt" &
loader=$!
sleep 1.5
victim=$(pgrep -P "$master" | sort -n | head -n 1)
kill -KILL "$victim"
wait "$loader"
like "$(cat "$STACK/log/funnel-sale.log")" "worker $victim killed by signal 9" "crash: the master logged the death"
wait_for 5 test "$(children "$master")" -eq 10
is "$(children "$master")" 10 "crash: the worker was replaced"
failed=$(awk '$2 != 200' "$STACK/crash.txt" | wc -l)
ok "$([ "$failed" -le 1 ]; echo $?)" "crash: at most the one request the worker held failed ($failed)"
awk '$2 != 200 { print $1 }' "$STACK/crash.txt" | while read -r id; do
	post_sale "$id" >/dev/null
done
n=$(wc -l <"$STACK/crash.txt")
first=$(head -n 1 "$STACK/crash.txt" | cut -d' ' -f1)
last=$(tail -n 1 "$STACK/crash.txt" | cut -d' ' -f1)
ok "$([ "$n" -gt 20 ]; echo $?)" "crash: the load kept going ($n requests)"
inbox_wait
is "$(stored "$first" "$last")" "$n" "crash: every sale stored once, re-posts included"

# 4. A new build swapped in under load (SIGHUP): same master, the new
#    file, not one failed request, every sale stored once.
mkdir -p "$STACK/swap/cgi-bin"
cp "$top_builddir/cgi-bin/funnel-sale" "$STACK/swap/cgi-bin/"
stack_stop_program "$STACK" funnel-sale
stack_start_program "$STACK" "$STACK/swap" funnel-sale
master=$(cat "$STACK/run/funnel-sale.pid")
wait_for 5 test "$(children "$master")" -eq 10
load 630000 10 >"$STACK/swap1.txt" &
l1=$!
load 640000 10 >"$STACK/swap2.txt" &
l2=$!
sleep 3
# As make install does: a new file renamed over the old one.
cp "$top_builddir/cgi-bin/funnel-sale" "$STACK/swap/cgi-bin/funnel-sale.new"
mv -f "$STACK/swap/cgi-bin/funnel-sale.new" "$STACK/swap/cgi-bin/funnel-sale"
like "$(readlink "/proc/$master/exe")" 'deleted' "swap: before, the master runs the replaced file"
kill -HUP "$master"
wait "$l1" "$l2"
is "$(cat "$STACK/run/funnel-sale.pid")" "$master" "swap: same master pid (systemd keeps tracking it)"
like "$(readlink "/proc/$master/exe")" '^[^(]*funnel-sale$' "swap: after, the master runs the new file"
like "$(cat "$STACK/log/funnel-sale.log")" 'swapping in' "swap: logged"
cat "$STACK/swap1.txt" "$STACK/swap2.txt" >"$STACK/swap.txt"
n=$(wc -l <"$STACK/swap.txt")
ok "$([ "$n" -gt 20 ]; echo $?)" "swap: the load kept going ($n requests)"
is "$(awk '$2 != 200' "$STACK/swap.txt" | wc -l)" 0 "swap: zero failed requests"
inbox_wait
is "$(( $(stored 630000 639999) + $(stored 640000 649999) ))" "$n" "swap: every sale stored once"
wait_for 5 test "$(children "$master")" -eq 10
is "$(children "$master")" 10 "swap: a full pool again"

# 5. A program can listen on TCP too, so it can move to another host.
tport=$(stack_free_port)
"$top_builddir/cgi-bin/funnel-sale" -f "$STACK/amosync.env" -s "127.0.0.1:$tport" -n 1 \
	</dev/null >>"$STACK/log/funnel-sale-tcp.log" 2>&1 &
tcp=$!
wait_for 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tport" 2>/dev/null
ok $? "tcp: -s 127.0.0.1:port accepts connections"
kill -TERM "$tcp"
wait "$tcp"
is "$?" 0 "tcp: stops cleanly on SIGTERM"
like "$(cat "$STACK/log/funnel-sale-tcp.log")" "listening on 127.0.0.1:$tport" "tcp: logged where it listens"

integ_check_logs

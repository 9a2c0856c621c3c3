#!/usr/bin/env bash
# Migrations: applied once, recorded, safe to run again; seed data present.
. "$top_srcdir/tests/integ/lib.sh"
integ_up

is "$(sql landing "SELECT count(*) FROM amosync_migrations")" \
	"$(ls "$top_srcdir"/sql/landing/*.sql | wc -l)" "landing: every migration recorded"
is "$(sql traffic "SELECT count(*) FROM amosync_migrations")" \
	"$(ls "$top_srcdir"/sql/traffic/*.sql | wc -l)" "traffic: every migration recorded"
"$top_builddir/tools/amosync-migrate" -f "$STACK/amosync.env" -d "$top_srcdir/sql" traffic landing 2>"$STACK/log/migrate2.log"
ok $? "second run succeeds"
like "$(cat "$STACK/log/migrate2.log")" "landing: 0 applied" "second run applies nothing"
is "$(sql landing "SELECT pipeline_id || ':' || default_amount || ':' || target_table FROM pipelines WHERE target_table IS NOT NULL ORDER BY pipeline_id")" \
	"10350882:5000.00:express_course_sales
10418746:490000.00:main_product_sales" "pipelines seeded (R4)"
is "$(sql traffic "SELECT string_agg(name || emoji, ',' ORDER BY position) FROM traffic_teams")" \
	"Kenesary👑,Arystan🦁,Muha🚀,Traf4⚡" "four teams seeded"
# Two concurrent runs against a fresh database do not trip over each other.
stack_psql "$STACK" postgres -qc "CREATE DATABASE fresh"
env LANDING_DATABASE_URL="$(stack_url "$STACK" fresh)" "$top_builddir/tools/amosync-migrate" -d "$top_srcdir/sql" landing 2>/dev/null &
env LANDING_DATABASE_URL="$(stack_url "$STACK" fresh)" "$top_builddir/tools/amosync-migrate" -d "$top_srcdir/sql" landing 2>/dev/null
r2=$?
wait $!
r1=$?
is "$r1/$r2" "0/0" "two concurrent runs both succeed"
is "$(stack_psql "$STACK" fresh -tAc "SELECT count(*) FROM amosync_migrations")" \
	"$(ls "$top_srcdir"/sql/landing/*.sql | wc -l)" "concurrent runs: each migration once"

# --check: the dry run. Changes nothing; lists what a run would apply.
out=$("$top_builddir/tools/amosync-migrate" -f "$STACK/amosync.env" -d "$top_srcdir/sql" --check 2>&1)
is "$?" 0 "--check on migrated databases: 0"
like "$out" "traffic: 0 of [0-9]+ migrations to apply, 0 function files new or changed \(up to date\)" "--check: traffic up to date"
like "$out" "configuration is good" "--check: configuration is good"
stack_psql "$STACK" postgres -qc "CREATE DATABASE dry"
out=$(env LANDING_DATABASE_URL="$(stack_url "$STACK" dry)" "$top_builddir/tools/amosync-migrate" -d "$top_srcdir/sql" --check landing 2>&1)
is "$?" 0 "--check on an empty database: 0"
first=$(ls "$top_srcdir"/sql/landing/[0-9]*.sql | head -n 1 | xargs basename)
like "$out" "would apply $first" "--check: names the first migration a run would apply"
like "$out" "landing: $(ls "$top_srcdir"/sql/landing/[0-9]*.sql | wc -l) of $(ls "$top_srcdir"/sql/landing/[0-9]*.sql | wc -l) migrations to apply" "--check: counts them all"
is "$(stack_psql "$STACK" dry -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 "--check changed nothing"
out=$(env LANDING_DATABASE_URL="$(stack_url "$STACK" nosuchdb)" "$top_builddir/tools/amosync-migrate" -d "$top_srcdir/sql" --check landing 2>&1)
is "$?" 1 "--check: a database that does not exist: 1"
like "$out" "LANDING_DATABASE_URL: could not connect to the landing database: .*nosuchdb" "--check: names the variable and libpq's reason"
out=$(env AMOSYNC_WEBHOOK_SECRETS=short "$top_builddir/tools/amosync-migrate" -f "$STACK/amosync.env" -d "$top_srcdir/sql" --check 2>&1)
is "$?" 1 "--check: a bad AMOSYNC_WEBHOOK_SECRETS: 1, as every program"
like "$out" "AMOSYNC_WEBHOOK_SECRETS: secret 1 must be 16..256 characters" "--check: the secret's problem named, not the secret"

# The SQL floors (docs/sql.md). Numbered migrations are immutable and the
# functions and triggers live once, in sql/<db>/functions/, applied after
# them on every run.
M="$top_builddir/tools/amosync-migrate"
murl() { echo "TRAFFIC_DATABASE_URL=$(stack_url "$STACK" "$1") LANDING_DATABASE_URL=$(stack_url "$STACK" "$2")"; }
schema() { stack_psql "$STACK" "$1" -tA -f "$top_srcdir/tests/integ/schema.sql"; }
newdb() { stack_psql "$STACK" postgres -qc "SET client_min_messages = warning" -qc "DROP DATABASE IF EXISTS $1" -qc "CREATE DATABASE $1"; }

is "$(sql traffic "SELECT count(*) FROM amosync_functions")" \
	"$(ls "$top_srcdir"/sql/traffic/functions/*.sql "$top_srcdir"/sql/common/functions/*.sql | wc -l)" "traffic: every function file recorded (its own and the common ones)"
like "$(cat "$STACK/log/migrate2.log")" "traffic: [0-9]+ function files applied" "second run applies the function files again"
n=$(grep -lE '^CREATE (OR REPLACE )?(TRIGGER|VIEW)' "$top_srcdir"/sql/*/[0-9]*.sql | tr '\n' ' ')
is "$n" "" "numbered migrations define no trigger or view"
# A function an index is built on is part of its table (changing it means
# a new migration and a REINDEX): the only kind a numbered migration holds.
n=""
for f in $(grep -ohE '^CREATE (OR REPLACE )?FUNCTION [a-z0-9_]+' "$top_srcdir"/sql/*/[0-9]*.sql | awk '{print $NF}'); do
	[ "$(sql landing "SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%$f(%'")$(sql traffic "SELECT count(*) FROM pg_indexes WHERE indexdef LIKE '%$f(%'")" != "00" ] ||
		n="$n $f"
done
is "$n" "" "numbered migrations define no function but those an index is built on"
dup=$(cat "$top_srcdir"/sql/traffic/functions/*.sql "$top_srcdir"/sql/common/functions/*.sql | grep -oE '^CREATE OR REPLACE (FUNCTION|TRIGGER) [a-z0-9_]+' | sort | uniq -d)
is "$dup" "" "traffic: each function and trigger defined once"

# Two paths to one schema: a database migrated by the tree of this
# issue's start (git commit 84f7f7b, the last landed release before the
# SQL floors) and then by this tree, against one migrated from empty.
OLD=84f7f7b
if git -C "$top_srcdir" cat-file -e "$OLD^{commit}" 2>/dev/null; then
	mkdir -p "$STACK/old"
	git -C "$top_srcdir" archive "$OLD" sql | tar -x -C "$STACK/old"
	for d in up_t up_l new_t new_l; do newdb $d; done
	env $(murl up_t up_l) "$M" -d "$STACK/old/sql" traffic landing 2>"$STACK/log/migrate-old.log"
	ok $? "the old tree migrates an empty database"
	env $(murl up_t up_l) "$M" -d "$top_srcdir/sql" traffic landing 2>"$STACK/log/migrate-up.log"
	ok $? "this tree upgrades it (its edited migrations name their old checksums)"
	env $(murl new_t new_l) "$M" -d "$top_srcdir/sql" traffic landing 2>"$STACK/log/migrate-new.log"
	ok $? "this tree migrates an empty database"
	diff <(schema up_t) <(schema new_t) >"$STACK/log/schema-traffic.diff"
	ok $? "traffic: the upgraded schema equals the fresh one (functions, triggers, indexes, columns, constraints)"
	diff <(schema up_l) <(schema new_l) >"$STACK/log/schema-landing.diff"
	ok $? "landing: the upgraded schema equals the fresh one"
	sed 's/^/#   /' "$STACK/log/schema-traffic.diff" "$STACK/log/schema-landing.diff" | head -n 20
	like "$(schema new_t | grep -c '^fn ')" '^[1-9][0-9]+$' "the fresh traffic schema has its functions"
else
	ok 0 "# SKIP no git history with $OLD here: the two-path comparison needs the old tree"
fi

# An applied migration that was edited stops the run before anything else
# is applied, and names the file.
mkdir -p "$STACK/ed"
cp -r "$top_srcdir/sql" "$STACK/ed/"
echo "-- an edit" >>"$STACK/ed/sql/traffic/010-utm-stats.sql"
echo "CREATE TABLE migrate_probe (a int);" >"$STACK/ed/sql/traffic/999-probe.sql"
out=$("$M" -f "$STACK/amosync.env" -d "$STACK/ed/sql" traffic 2>&1)
ok $((! $?)) "an edited applied migration: the run fails"
like "$out" "010-utm-stats.sql changed since it was applied" "the edited file is named"
is "$(sql traffic "SELECT to_regclass('migrate_probe') IS NULL")" "t" "nothing after it was applied"
# A changed function file is applied on the next run.
cp "$top_srcdir/sql/traffic/010-utm-stats.sql" "$STACK/ed/sql/traffic/"
rm "$STACK/ed/sql/traffic/999-probe.sql"
sed -i 's/^-- Adds (sign 1) or takes away (sign -1) one sale of a day, team, source\.$/&\n-- (edited)/' \
	"$STACK/ed/sql/traffic/functions/sales_stats.sql"
out=$("$M" -f "$STACK/amosync.env" -d "$STACK/ed/sql" traffic 2>&1)
ok $? "the original file again: the run succeeds"
like "$out" "traffic: [0-9]+ function files applied, 1 changed" "one changed function file, applied"
is "$(sql traffic "SELECT count(*) FROM amosync_rebuilds")" "0" "no rebuild left waiting"
# docs/sql.md names every trigger a migrated database has.
miss=""
for t in $(sql traffic "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal") $(sql landing "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"); do
	case $t in *_updated_at) continue ;; esac
	grep -q "\`$t\`" "$top_srcdir/docs/sql.md" || miss="$miss $t"
done
is "$miss" "" "docs/sql.md lists every trigger"

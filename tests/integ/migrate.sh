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

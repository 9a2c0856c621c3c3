#!/usr/bin/env bash
# The README is the user's manual: every configuration variable and every
# URL nginx routes must be documented in it (or in docs/ it links to).
: "${top_srcdir:?run through make check}"
n=0
fail=0
docs="$top_srcdir/README.md $(ls "$top_srcdir"/docs/*.md 2>/dev/null)"
check() {
	n=$((n + 1))
	# shellcheck disable=SC2086
	if grep -qF -- "$1" $docs; then
		echo "ok $n - documented: $1"
	else
		echo "not ok $n - not documented: $1"
		fail=1
	fi
}
# The names of the configuration table: its only all-capital strings.
for v in $(grep -o '"[A-Z][A-Z0-9_]*"' "$top_srcdir/lib/base/cfg.c" | tr -d '"' | sort -u); do
	check "\`$v\`"
done
for loc in $(sed -n 's/^location [=^~ ]*\(\/[^ ]*\) {.*/\1/p' "$top_srcdir/nginx/amosync-locations.conf.in"); do
	check "$loc"
done
echo "1..$n"
exit $fail

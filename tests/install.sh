#!/usr/bin/env bash
# Every migration in sql/<db>/ is installed by make install: a migration
# left out of Makefile.am would be missing on a packaged host, and
# amosync-migrate would never apply it. So is every file of the dashboards
# (ui/). Installs into a temporary DESTDIR.
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
dest=$(mktemp -d "${TMPDIR:-/tmp}/amosync-install.XXXXXX")
trap 'rm -rf "$dest"' EXIT
n=0
fail=0
if ! make -s -C "$top_builddir" install DESTDIR="$dest" >"$dest.log" 2>&1; then
	echo "not ok 1 - make install"
	sed 's/^/# /' "$dest.log"
	rm -f "$dest.log"
	echo "1..1"
	exit 1
fi
rm -f "$dest.log"
n=$((n + 1))
echo "ok $n - make install"
installed=$(find "$dest" -path '*/sql/*' -name '*.sql' | sed 's|.*/sql/||' | sort)
for f in $(cd "$top_srcdir/sql" && ls -1 */*.sql | grep -v '^demo/' | sort); do
	n=$((n + 1))
	if printf '%s\n' "$installed" | grep -qxF "$f"; then
		echo "ok $n - installed: sql/$f"
	else
		echo "not ok $n - not installed: sql/$f (add it to nobase_dist_pkgdata_DATA)"
		fail=1
	fi
done
for p in funnel-sale sales-webhook test-sale-notification admin-outbox traffic sales-reports utm-analytics admin-landing landing integrations; do
	n=$((n + 1))
	if [ -n "$(find "$dest" -type f -name "$p" -perm -u+x)" ]; then
		echo "ok $n - installed: program $p"
	else
		echo "not ok $n - not installed: program $p"
		fail=1
	fi
done
# The dashboards' files, where scripts/render-nginx points nginx (UIDIR).
for f in $(cd "$top_srcdir" && find ui -type f | sort); do
	n=$((n + 1))
	if [ -n "$(find "$dest" -path "*/share/amosync/$f" -type f)" ]; then
		echo "ok $n - installed: $f"
	else
		echo "not ok $n - not installed: $f (add it to nobase_dist_pkgdata_DATA)"
		fail=1
	fi
done
echo "1..$n"
exit $fail

#!/usr/bin/env bash
# Replays every fuzz target's seed corpus through the dev build (ASan,
# UBSan), so make check exercises the fuzz targets without clang.
: "${top_srcdir:?run through make check}" "${top_builddir:?}"
status=0
n=0
for t in form amo attr jread spool flat jwt amoapi tgapi cfg secret; do
	bin=$top_builddir/tests/fuzz/$t-replay
	out=$("$bin" "$top_srcdir/tests/fuzz/corpus/$t" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ $rc -eq 0 ]; then
		echo "ok $n - $t corpus replay ($(echo "$out" | grep -c '^ok') inputs)"
	else
		echo "not ok $n - $t corpus replay"
		echo "$out" | sed 's/^/# /' | tail -n 20
		status=1
	fi
done
echo "1..$n"
exit $status

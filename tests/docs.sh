#!/usr/bin/env bash
# The manual stays true to the code: every configuration variable has its
# row in docs/configuration.md's table, every URL nginx routes is in the
# API reference (docs/api/) or the dashboards' page, the README stays a
# front page (at most 250 lines) that links every file of docs/, and every
# relative link of README.md and docs/ points to a file that exists (and,
# with #anchor, to one of its headings).
: "${top_srcdir:?run through make check}"
n=0
fail=0
result() { # result STATUS TEXT
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
doc=$top_srcdir/docs

# The names of the configuration table (lib/base/cfg.c, `.name = "..."`).
# A row is a table line that starts with the name.
vars=$(sed -n 's/.*\.name = "\([A-Z][A-Z0-9_]*\)".*/\1/p' "$top_srcdir/lib/base/cfg.c" | sort -u)
[ "$(echo "$vars" | wc -w)" -ge 50 ]
result $? "lib/base/cfg.c: $(echo "$vars" | wc -w) variables read from its table"
for v in $vars; do
	grep -qF -- "| \`$v\` |" "$doc/configuration.md"
	result $? "docs/configuration.md has a row for \`$v\`"
done

# Every location, in the page of its URL family.
for loc in $(sed -n 's/^location [=^~ ]*\(\/[^ ]*\) {.*/\1/p' "$top_srcdir/nginx/amosync-locations.conf.in"); do
	grep -qF -- "$loc" "$doc"/api/*.md "$doc/dashboards.md"
	result $? "docs/api/ or docs/dashboards.md documents $loc"
done

lines=$(wc -l <"$top_srcdir/README.md")
[ "$lines" -le 250 ]
result $? "README.md is a front page: $lines lines (at most 250)"

# Links: the README links each page of docs/, docs/api.md each page of
# docs/api/; every relative link resolves. One line per file checked;
# python3 prints the plan.
if ! python3 - "$top_srcdir" "$n" <<'PY'
import os, re, sys

top, n = sys.argv[1], int(sys.argv[2])
fail = 0


def result(ok, text):
    global n, fail
    n += 1
    print(("ok" if ok else "not ok"), n, "-", text)
    fail |= not ok


def prose(path):
    """The lines of a markdown file outside its code fences."""
    fence = False
    for line in open(path, encoding="utf-8"):
        if line.lstrip().startswith("```"):
            fence = not fence
        elif not fence:
            yield line


def anchors(path):
    """GitHub's heading ids: lower case, punctuation dropped, spaces to -."""
    seen, ids = {}, set()
    for line in prose(path):
        m = re.match(r"#{1,6} +(.*?)#*\s*$", line)
        if not m:
            continue
        slug = re.sub(r"[^\w\- ]", "", m.group(1).strip().lower()).replace(" ", "-")
        k = seen.get(slug, 0)
        seen[slug] = k + 1
        ids.add(slug if k == 0 else "%s-%d" % (slug, k))
    return ids


def links(path):
    for line in prose(path):
        line = re.sub(r"`[^`]*`", "", line)
        for target in re.findall(r"\]\(([^)\s]+)\)", line):
            if not re.match(r"[a-z]+:", target):
                yield target


docs = os.path.join(top, "docs")
pages = ["README.md"] + ["docs/" + f for f in sorted(os.listdir(docs)) if f.endswith(".md")]
pages += ["docs/api/" + f for f in sorted(os.listdir(os.path.join(docs, "api"))) if f.endswith(".md")]
linked = {}
for page in pages:
    path = os.path.join(top, page)
    bad = []
    for target in links(path):
        file, _, frag = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(path), file)) if file else path
        linked.setdefault(page, set()).add(os.path.relpath(dest, top))
        if not os.path.isfile(dest):
            bad.append(target + " (no such file)")
        elif frag and dest.endswith(".md") and frag not in anchors(dest):
            bad.append(target + " (no such heading)")
    result(not bad, "links of %s resolve%s" % (page, "".join("\n# broken: " + b for b in bad)))
for page in pages[1:]:
    index = "docs/api.md" if page.startswith("docs/api/") else "README.md"
    result(page in linked.get(index, ()), "%s links %s" % (index, page))
print("1..%d" % n)
sys.exit(fail)
PY
then
	fail=1
fi
exit $fail

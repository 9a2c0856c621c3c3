#!/usr/bin/env python3
"""The include graph of lib/ has floors: an include only goes down.

Each folder of lib/ stands on a floor (docs/architecture.md). A file may
include its own folder's headers and those of folders on lower floors,
never a sibling on its own floor and never anything above. Includes
inside one folder must not form a cycle. cgi-bin/ programs include only
lib/api and lib/io. The api/ boundary is closed both ways: no lib/api/*.c
calls libpq (PQ*: the use cases below it own the SQL and hand back
typed values or write through a writer), and no file below api/
includes io/route.h or io/web.h (HTTP is api/'s), but the HTTP layer of
io/ that defines them (io/web, io/route, io/prog). Prints TAP; exits 1
on the first broken rule found in each file.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done, top  # noqa: E402

FLOORS = {
    "base": 1,
    "io": 2,
    "amocrm": 3, "telegram": 3, "attr": 3, "fb": 3,
    "sales": 4, "landing": 4, "report": 4, "teams": 4, "health": 4,
    "api": 5,
}
# Programs: what each may include.
PROGRAMS = {"cgi-bin": {"api", "io"}, "tools": set(FLOORS)}

INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# A call of libpq: PQexec(, PQntuples (, PQclear(...
PQ_CALL = re.compile(r"\bPQ[a-zA-Z]+\s*\(")
# The HTTP headers of io/, and the io/ modules that are the HTTP layer
# itself (they define or serve them); every other file below api/ must
# not include them.
HTTP_HEADERS = {"io/route.h", "io/web.h"}
HTTP_LAYER = {"io/web.c", "io/web.h", "io/route.c", "io/route.h",
              "io/prog.c", "io/prog.h"}

lib = os.path.join(top, "lib")


def includes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return INC.findall(f.read())


# Every folder of lib/ must have a floor.
folders = sorted(d for d in os.listdir(lib) if os.path.isdir(os.path.join(lib, d)))
for d in folders:
    check(d in FLOORS, "lib/%s/ has a floor" % d,
          "add it to FLOORS here and to docs/architecture.md")
loose = sorted(f for f in os.listdir(lib) if f.endswith((".c", ".h")))
check(not loose, "no module outside a floor folder", " ".join(loose))

graph = {}
for d in folders:
    for name in sorted(os.listdir(os.path.join(lib, d))):
        if not name.endswith((".c", ".h")):
            continue
        rel = "%s/%s" % (d, name)
        bad = []
        for inc in includes(os.path.join(lib, rel)):
            if "/" not in inc:
                bad.append("%s (include with the folder)" % inc)
                continue
            to = inc.split("/")[0]
            if to not in FLOORS:
                bad.append("%s (not a lib/ floor)" % inc)
            elif to != d and FLOORS.get(to, 99) >= FLOORS.get(d, 0):
                bad.append("%s (floor %d -> floor %d)" % (inc, FLOORS.get(d, 0), FLOORS[to]))
            elif to == d:
                graph.setdefault(rel, []).append(inc)
        check(not bad, "lib/%s includes only lower floors" % rel, "; ".join(bad))

# No libpq call in api/: handlers parse, call a use case, write JSON.
adir = os.path.join(lib, "api")
for name in sorted(os.listdir(adir)):
    if not name.endswith(".c"):
        continue
    with open(os.path.join(adir, name), encoding="utf-8", errors="replace") as f:
        text = f.read()
    calls = sorted(set(m.group(0).rstrip("( \t") for m in PQ_CALL.finditer(text)))
    check(not calls, "lib/api/%s calls no PQ* function" % name,
          "%s: move the SQL into a use case below api/" % ", ".join(calls))

# No HTTP below api/: floors 1-4 never include io/route.h or io/web.h.
for d in folders:
    if FLOORS.get(d, 99) >= FLOORS["api"]:
        continue
    for name in sorted(os.listdir(os.path.join(lib, d))):
        rel = "%s/%s" % (d, name)
        if not name.endswith((".c", ".h")) or rel in HTTP_LAYER:
            continue
        bad = sorted(set(includes(os.path.join(lib, rel))) & HTTP_HEADERS)
        check(not bad, "lib/%s knows no HTTP" % rel,
              "%s: only api/ speaks HTTP" % ", ".join(bad))

for prog, allowed in PROGRAMS.items():
    pdir = os.path.join(top, prog)
    for name in sorted(os.listdir(pdir)):
        if not name.endswith(".c"):
            continue
        bad = [i for i in includes(os.path.join(pdir, name))
               if "/" in i and i.split("/")[0] not in allowed]
        check(not bad, "%s/%s includes only %s" % (prog, name, ", ".join(sorted(allowed))),
              "; ".join(bad))


# No cycle among the files of one folder (header -> header, or a .c
# whose header includes it back).
def unit(f):
    return f[:-2]


edges = {}
for f, incs in graph.items():
    for i in incs:
        if unit(i) != unit(f):
            edges.setdefault(unit(f), set()).add(unit(i))
state = {}
cycle = []


def visit(u, stack):
    state[u] = 1
    stack.append(u)
    for v in sorted(edges.get(u, ())):
        if state.get(v) == 1:
            cycle.append(" -> ".join(stack[stack.index(v):] + [v]))
        elif v not in state:
            visit(v, stack)
    stack.pop()
    state[u] = 2


for u in sorted(edges):
    if u not in state:
        visit(u, [])
check(not cycle, "no include cycle inside a floor", "; ".join(cycle))

# Two hops from a URL to its code, named alike: each nginx location passes
# to the socket <name>.sock of cgi-bin/<name>.c, which starts api_<name>,
# defined (.name = "<name>") in lib/api/<name>.c; docs/architecture.md
# lists the location.
conf = open(os.path.join(top, "nginx", "amosync-locations.conf.in")).read()
arch = open(os.path.join(top, "docs", "architecture.md")).read()

# The floors table of docs/architecture.md says what FLOORS says: each row
# "| n | `folder/` ... |" names exactly the folders of floor n.
doc_floors = {}
for num, folders_cell in re.findall(r"^\|\s*(\d)\s*\|([^|]*)\|", arch, re.M):
    for d in re.findall(r"`([a-z]+)/`", folders_cell):
        doc_floors[d] = int(num)
check(doc_floors == {d: f for d, f in FLOORS.items()},
      "docs/architecture.md's floors table matches FLOORS",
      "doc: %s; FLOORS: %s" % (sorted(doc_floors.items()), sorted(FLOORS.items())))
for loc, body in re.findall(r"^location\s+(?:=\s+)?(\S+)\s*\{(.*?)^\}", conf, re.M | re.S):
    m = re.search(r"fastcgi_pass unix:@SOCKDIR@/([a-z0-9-]+)\.sock;", body)
    if not m:
        continue
    name = m.group(1)
    ident = name.replace("-", "_")
    prog = os.path.join(top, "cgi-bin", name + ".c")
    api = os.path.join(lib, "api", ident + ".c")
    bad = []
    if not os.path.exists(prog) or ("&api_%s)" % ident) not in open(prog).read():
        bad.append("cgi-bin/%s.c does not start api_%s" % (name, ident))
    if not os.path.exists(api) or ('.name = "%s"' % name) not in open(api).read():
        bad.append('lib/api/%s.c does not define .name = "%s"' % (ident, name))
    if ("`%s`" % loc) not in arch and ("`= %s`" % loc) not in arch:
        bad.append("docs/architecture.md does not list %s" % loc)
    check(not bad, "%s -> %s -> lib/api/%s.c" % (loc, name, ident), "; ".join(bad))

done()

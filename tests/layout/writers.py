#!/usr/bin/env python3
"""One writer per table, as docs/architecture.md says.

Reads the table "One writer per table" of docs/architecture.md (rows
"| `table` (db) | writer … |") and the code: every C file of lib/ and
tools/ and every repeatable SQL file (sql/*/functions/*.sql) that writes
a table (INSERT INTO, UPDATE, DELETE FROM, TRUNCATE on one line). Checks
that each table written has a row, that the row names every file that
writes it, that at most one C module of lib/ writes it, and that every
row's table is written somewhere (no stale rows). Prints TAP.
"""
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import check, done, top  # noqa: E402

WRITE = re.compile(r"\b(?:INSERT INTO|UPDATE|DELETE FROM|TRUNCATE(?: TABLE)?)\s+([a-z_][a-z0-9_]*)")
ROW = re.compile(r"^\|([^|]*`[a-z_0-9]+`[^|]*)\|(.*)\|\s*$")
# Words after UPDATE/DELETE FROM that are not tables.
NOT_TABLES = {"set", "of", "only"}


def writes(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if path.endswith(".sql"):
        text = "\n".join(l for l in text.split("\n") if not l.lstrip().startswith("--"))
    return {t for t in WRITE.findall(text) if t not in NOT_TABLES}


def module(rel):
    """A module: one file, or the files of a folder that share an internal
    header (landing/leads.c, leads_match.c, leads_queue.c with
    landing/leads_int.h)."""
    folder, name = rel.split("/", 1)
    prefix = name[:-2].split("_", 1)[0]
    if os.path.exists(os.path.join(top, "lib", folder, prefix + "_int.h")):
        return "%s/%s" % (folder, prefix)
    return rel[:-2]


written = {}
for path in sorted(glob.glob(os.path.join(top, "lib", "*", "*.c")) +
                   glob.glob(os.path.join(top, "tools", "*.c"))):
    rel = os.path.relpath(path, os.path.join(top, "lib") if "/lib/" in path else top)
    for t in writes(path):
        written.setdefault(t, set()).add(rel)
for path in sorted(glob.glob(os.path.join(top, "sql", "*", "functions", "*.sql"))):
    rel = os.path.relpath(path, top)
    for t in writes(path):
        written.setdefault(t, set()).add(rel)

arch = open(os.path.join(top, "docs", "architecture.md"), encoding="utf-8").read()
section = arch.split("## One writer per table", 1)
check(len(section) == 2, "docs/architecture.md has the section \"One writer per table\"")
rows = {}
if len(section) == 2:
    body = section[1].split("\n## ", 1)[0]
    for line in body.split("\n"):
        m = ROW.match(line)
        if m:
            for t in re.findall(r"`([a-z_0-9]+)`", m.group(1)):
                rows[t] = rows.get(t, "") + m.group(2)
check(len(rows) >= 10, "the section lists the tables (%d rows)" % len(rows))

for t in sorted(written):
    files = sorted(written[t])
    row = rows.get(t)
    if row is None:
        check(False, "%s has a row" % t, "written by " + ", ".join(files))
        continue
    missing = [f for f in files if f not in row and f.replace("sql/", "", 1) not in row]
    check(not missing, "%s: the row names its writers" % t,
          "not named: " + ", ".join(missing))
    clib = sorted({module(f) for f in files if f.endswith(".c") and not f.startswith("tools/")})
    check(len(clib) <= 1, "%s: one C module of lib/ writes it" % t, ", ".join(clib))
for t in sorted(rows):
    check(t in written or "migration" in rows[t], "%s: the row's table is written somewhere" % t,
          "no INSERT, UPDATE or DELETE of it in lib/, tools/ or sql/*/functions/")

done()

"""TAP output for the layout checks (floors.py, writers.py)."""
import os
import sys

top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(__file__), "..", "..")
_n = 0
_failed = 0


def check(good, what, detail=""):
    """Prints one TAP line; detail explains a failure."""
    global _n, _failed
    _n += 1
    print(("ok" if good else "not ok") + " %d - %s" % (_n, what))
    if not good:
        _failed += 1
        if detail:
            print("#   " + detail)


def done():
    """Prints the plan and exits 1 if any check failed."""
    print("1..%d" % _n)
    sys.exit(1 if _failed else 0)

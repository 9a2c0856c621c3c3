#!/usr/bin/env python3
"""A generated data set for tests/integ/report.sh and the figures the
reports must give, computed here from the raw rows, independently of the
SQL under test.

  reportdata.py gen SEED N DATA.json            -> SQL on stdout
  reportdata.py stats DATA.json START END       expected sales-stats
  reportdata.py stats-got BODY                  the answer, same shape
  reportdata.py history DATA.json TEAM START END  expected history
  reportdata.py history-got BODY...             pages of the answer

Days are calendar days of Asia/Almaty; START/END may be "" (unbounded).
"""
import datetime
import json
import random
import sys
import zoneinfo
from decimal import Decimal, ROUND_HALF_UP

TZ = zoneinfo.ZoneInfo("Asia/Almaty")
TEAMS = ["Kenesary", "Arystan", "Muha", "Traf4", None]
EMOJI = {"Kenesary": "👑", "Arystan": "🦁", "Muha": "🚀", "Traf4": "⚡"}
NAMES = ["Иван Петров", "Смит, Джон", 'Say "hi"', "=1+1", "Айгүл", "plain"]


def q(v):
    if v is None:
        return "NULL"
    return "'" + str(v).replace("'", "''") + "'"


def money(v):
    return Decimal(v).quantize(Decimal("0.01"), ROUND_HALF_UP)


def day(ts):
    return datetime.datetime.fromisoformat(ts).astimezone(TZ).date().isoformat()


def gen(seed, n, path):
    rnd = random.Random(seed)
    t0 = datetime.datetime(2025, 9, 25, tzinfo=datetime.timezone.utc)
    span = int((datetime.datetime(2026, 1, 5, tzinfo=datetime.timezone.utc) - t0).total_seconds())
    rows = []
    for i in range(n):
        at = t0 + datetime.timedelta(seconds=rnd.randrange(span))
        rows.append({
            "lead_id": str(900000 + i),
            "lead_name": rnd.choice(NAMES) + " #%d" % i,
            "team": rnd.choice(TEAMS),
            "amount": str(rnd.choice([Decimal(5000), Decimal(490000), Decimal("12345.50"), Decimal("0.01")])),
            "utm_source": rnd.choice(["fb_kenesary", "facebook", "instagram", None, "google"]),
            "utm_campaign": rnd.choice(["spring", "Запуск", None, "pb_agency"]),
            "utm_medium": rnd.choice(["cpc", None]),
            "sale_date": at.isoformat(),
        })
    # Day boundaries in Almaty (UTC+5): the first is 1 December there.
    rows.append({"lead_id": "990001", "lead_name": "boundary late", "team": "Muha",
                 "amount": "777", "utm_source": "fb_muha", "utm_campaign": None,
                 "utm_medium": None, "sale_date": "2025-11-30T19:30:00+00:00"})
    rows.append({"lead_id": "990002", "lead_name": "boundary early", "team": "Muha",
                 "amount": "333", "utm_source": "fb_muha", "utm_campaign": None,
                 "utm_medium": None, "sale_date": "2025-10-31T19:10:00+00:00"})
    with open(path, "w") as f:
        json.dump(rows, f, ensure_ascii=False)
    out = ["INSERT INTO all_sales_tracking (lead_id, lead_name, targetologist,"
           " sale_amount, utm_source, utm_campaign, utm_medium, sale_date,"
           " pipeline_id, status_id) VALUES"]
    vals = []
    for r in rows:
        vals.append("(%s, %s, %s, %s, %s, %s, %s, %s, '10350882', '142')" % (
            q(r["lead_id"]), q(r["lead_name"]), q(r["team"]), r["amount"],
            q(r["utm_source"]), q(r["utm_campaign"]), q(r["utm_medium"]), q(r["sale_date"])))
    print(out[0] + "\n" + ",\n".join(vals) + ";")


def load(path, start, end, team=None):
    rows = json.load(open(path))
    out = []
    for r in rows:
        d = day(r["sale_date"])
        if start and d < start or end and d > end:
            continue
        if team is not None and (r["team"] or "Unknown") != team:
            continue
        out.append(r)
    return out


def stats(path, start, end):
    acc = {}
    for r in load(path, start, end):
        t = r["team"] or "Unknown"
        n, rev = acc.get(t, (0, Decimal(0)))
        acc[t] = (n + 1, rev + Decimal(r["amount"]))
    keyed = sorted(acc.items(), key=lambda kv: (-kv[1][0], -kv[1][1], kv[0]))
    return "|".join("%s:%d:%s:%s:%s" % (t, n, money(rev), money(rev / n), EMOJI.get(t, "🎯"))
                    for t, (n, rev) in keyed)


def stats_got(body):
    d = json.loads(body)
    return "|".join("%s:%d:%s:%s:%s" % (s["targetologist"], s["sales_count"],
                                        money(str(s["total_revenue"])), money(str(s["avg_sale"])), s["emoji"])
                    for s in d["stats"])


def history(path, team, start, end):
    rows = load(path, start, end, team or None)
    rows.sort(key=lambda r: datetime.datetime.fromisoformat(r["sale_date"]), reverse=True)
    total = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    avg = money(total / len(rows)) if rows else money(0)
    return "%d:%s:%s:%s" % (len(rows), money(total), avg, ",".join(r["lead_id"] for r in rows))


def history_got(bodies):
    ids = []
    st = None
    for b in bodies:
        d = json.loads(b)
        st = d["stats"]
        ids += [s["lead_id"] for s in d["sales"]]
    return "%d:%s:%s:%s" % (st["total_sales"], money(str(st["total_revenue"])),
                            money(str(st["avg_sale"])), ",".join(ids))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif cmd == "stats":
        print(stats(sys.argv[2], sys.argv[3], sys.argv[4]))
    elif cmd == "stats-got":
        print(stats_got(sys.argv[2]))
    elif cmd == "history":
        print(history(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]))
    elif cmd == "history-got":
        print(history_got(sys.argv[2:]))

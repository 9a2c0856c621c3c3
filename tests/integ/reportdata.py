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
import statistics
import sys
import zoneinfo
from decimal import Decimal, ROUND_HALF_UP

TZ = zoneinfo.ZoneInfo("Asia/Almaty")
TEAMS = ["Kenesary", "Arystan", "Muha", "Traf4", None]
EMOJI = {"Kenesary": "👑", "Arystan": "🦁", "Muha": "🚀", "Traf4": "⚡"}
# No sale in this week (Monday to Sunday, Almaty): dynamics must show it.
EMPTY_WEEK = ("2025-12-15", "2025-12-21")
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
        while EMPTY_WEEK[0] <= day(at.isoformat()) <= EMPTY_WEEK[1]:
            at = t0 + datetime.timedelta(seconds=rnd.randrange(span))
        rows.append({
            "lead_id": str(900000 + i),
            "lead_name": rnd.choice(NAMES) + " #%d" % i,
            "team": rnd.choice(TEAMS),
            "amount": str(rnd.choice([Decimal(5000), Decimal(490000), Decimal("12345.50"), Decimal("0.01")])),
            "utm_source": rnd.choice(["fb_kenesary", "facebook", "instagram", None, "google"]),
            "utm_campaign": rnd.choice(["spring", "Запуск", None, "pb_agency"]),
            "utm_medium": rnd.choice(["cpc", None]),
            "product": rnd.choice(["Express Course", "Flagship Course", None]),
            "sale_date": at.isoformat(),
        })
    # Day boundaries in Almaty (UTC+5): the first is 1 December there.
    rows.append({"lead_id": "990001", "lead_name": "boundary late", "team": "Muha",
                 "amount": "777", "utm_source": "fb_muha", "utm_campaign": None,
                 "utm_medium": None, "product": None, "sale_date": "2025-11-30T19:30:00+00:00"})
    rows.append({"lead_id": "990002", "lead_name": "boundary early", "team": "Muha",
                 "amount": "333", "utm_source": "fb_muha", "utm_campaign": None,
                 "utm_medium": None, "product": None, "sale_date": "2025-10-31T19:10:00+00:00"})
    with open(path, "w") as f:
        json.dump(rows, f, ensure_ascii=False)
    out = ["INSERT INTO all_sales_tracking (lead_id, lead_name, targetologist,"
           " sale_amount, utm_source, utm_campaign, utm_medium, sale_date,"
           " pipeline_id, status_id, product_name) VALUES"]
    vals = []
    for r in rows:
        vals.append("(%s, %s, %s, %s, %s, %s, %s, %s, '10350882', '142', %s)" % (
            q(r["lead_id"]), q(r["lead_name"]), q(r["team"]), r["amount"],
            q(r["utm_source"]), q(r["utm_campaign"]), q(r["utm_medium"]), q(r["sale_date"]),
            q(r["product"])))
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


def trunc(d, gran):
    d = datetime.date.fromisoformat(d)
    if gran == "week":
        return d - datetime.timedelta(days=d.weekday())
    if gran == "month":
        return d.replace(day=1)
    return d


def step(d, gran):
    if gran == "day":
        return d + datetime.timedelta(days=1)
    if gran == "week":
        return d + datetime.timedelta(days=7)
    return (d.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def group_of(r, group):
    if group == "targetologist":
        return r["team"] or "Unknown"
    if group == "product":
        return r["product"] or "Unknown"
    return r["utm_source"] or "No UTM Source"


def dynamics(path, gran, group, start, end):
    rows = load(path, start, end)
    buckets = []
    b = trunc(start, gran)
    while b <= datetime.date.fromisoformat(end):
        buckets.append(b)
        b = step(b, gran)
    groups = {group_of(r, group) for r in rows}
    if group == "targetologist":
        groups |= {"Kenesary", "Arystan", "Muha", "Traf4"}
    acc = {(b, g): (0, Decimal(0)) for b in buckets for g in groups}
    for r in rows:
        k = (trunc(day(r["sale_date"]), gran), group_of(r, group))
        n, rev = acc[k]
        acc[k] = (n + 1, rev + Decimal(r["amount"]))
    return " ".join(str(b) for b in buckets) + "/" + \
        ";".join("%s|%s|%d|%s" % (b, g, n, money(rev)) for (b, g), (n, rev) in sorted(acc.items()))


def dynamics_got(body):
    d = json.loads(body, parse_float=str)
    rows = sorted(((x["bucket"], x["group"]), (x["sales_count"], money(str(x["revenue"]))))
                  for x in d["dynamics"])
    return " ".join(d["buckets"]) + "/" + \
        ";".join("%s|%s|%d|%s" % (b, g, n, rev) for (b, g), (n, rev) in rows)


STAGES = [81854574, 81856842, 82174958, 81854578, 81854582, 82174962,
          81854586, 81854614, 81854618, 142]
RANK = {s: i + 1 for i, s in enumerate(STAGES)}


def funnel_gen(seed, path):
    """Lead events of the Express pipeline (and noise), as SQL; the
    events and the teams of sold leads go to path."""
    rnd = random.Random(seed)
    t0 = datetime.datetime(2025, 10, 28, tzinfo=datetime.timezone.utc)
    events = []  # (lead, pipeline, status, old_status, at)
    def walk(lead, path_ranks, end, at):
        old = 0
        for rk in path_ranks:
            st = STAGES[rk - 1]
            events.append((lead, 10350882, st, old, at))
            old = st
            at += datetime.timedelta(minutes=rnd.randrange(1, 3000))
        if end:
            events.append((lead, 10350882, end, old, at))
    # The named cases: back a stage and on again; a skip to a win; a loss.
    walk(500001, [1, 2, 3, 2, 3, 4], None, datetime.datetime(2025, 11, 5, tzinfo=datetime.timezone.utc))
    walk(500002, [1, 4], 142, datetime.datetime(2025, 11, 6, tzinfo=datetime.timezone.utc))
    walk(500003, [2], 143, datetime.datetime(2025, 11, 7, tzinfo=datetime.timezone.utc))
    for lead in range(500100, 500400):
        rk = rnd.choice([1, 1, 1, 2])
        ranks = [rk]
        while rnd.random() < 0.75 and rk < 9:
            r = rnd.random()
            rk = max(1, rk - 1) if r < 0.1 else min(9, rk + (2 if r > 0.8 else 1))
            ranks.append(rk)
        end = rnd.choice([None, None, 142, 143])
        walk(lead, ranks, end, t0 + datetime.timedelta(minutes=rnd.randrange(60 * 24 * 40)))
    # Another pipeline: never counted.
    events.append((500500, 10418746, 142, 0, datetime.datetime(2025, 11, 10, tzinfo=datetime.timezone.utc)))
    teams = {}
    for (lead, pipe, st, old, at) in events:
        if st == 142 and pipe == 10350882:
            teams[str(lead)] = rnd.choice(["Kenesary", "Arystan", None])
    json.dump({"events": [[l, p, s, o, a.isoformat()] for (l, p, s, o, a) in events], "teams": teams},
              open(path, "w"))
    print("INSERT INTO lead_events (lead_id, action, pipeline_id, old_pipeline_id,"
          " status_id, old_status_id, lead_updated_at, event_at) VALUES")
    print(",\n".join("(%d, 'status', %d, %d, %d, %d, %d, %s)" % (
        l, p, p, s, o, int(a.timestamp()), q(a.isoformat())) for (l, p, s, o, a) in events) + ";")
    print("INSERT INTO all_sales_tracking (lead_id, sale_amount, targetologist, sale_date) VALUES")
    print(",\n".join("(%s, 5000, %s, '2024-01-01T00:00:00Z')" % (q(l), q(t)) for l, t in teams.items()) + ";")


def funnel(path, start, end, team):
    d = json.load(open(path))
    ev = [e for e in d["events"] if e[1] == 10350882 and start <= day(e[4]) <= end
          and (not team or (str(e[0]) in d["teams"] and (d["teams"][str(e[0])] or "Unknown") == team))]
    leads = {e[0] for e in ev}
    maxrk = {}
    entered = {}
    for l, p, s, o, a in ev:
        for st in (s, o):
            if st in RANK:
                maxrk[l] = max(maxrk.get(l, 0), RANK[st])
        if s in RANK:
            t = datetime.datetime.fromisoformat(a)
            k = (l, RANK[s])
            entered[k] = min(entered.get(k, t), t)
    won = {e[0] for e in ev if e[2] == 142}
    lost = {e[0] for e in ev if e[2] == 143}
    out = ["%d %d %d" % (len(leads), len(won), len(lost))]
    first = prev = None
    for k in range(1, len(STAGES) + 1):
        reached = {l for l, m in maxrk.items() if m >= k}
        n = len(reached)
        gaps = [(entered[(l, k)] - entered[(l, k - 1)]).total_seconds() for l in leads
                if (l, k) in entered and (l, k - 1) in entered and entered[(l, k)] >= entered[(l, k - 1)]]
        med = str(Decimal(statistics.median(gaps)).quantize(Decimal(1), ROUND_HALF_UP)) if gaps else "None"
        cp = None if k == 1 or not prev else money(Decimal(100) * n / prev)
        cf = money(Decimal(100) * n / first) if first else None
        if k == 1:
            first = n
            cf = money(100) if n else None
        out.append("%d:%d:%s:%s:%s:%d:%d" % (STAGES[k - 1], n, cp, cf, med, len(reached & won), len(reached & lost)))
        prev = n
    return " ".join(out)


def funnel_got(body):
    d = json.loads(body, parse_float=str)
    out = ["%d %d %d" % (d["leads"], d["won"], d["lost"])]
    for s in d["stages"]:
        cp = s["conversion_from_previous"]
        cf = s["conversion_from_first"]
        out.append("%d:%d:%s:%s:%s:%d:%d" % (s["status_id"], s["leads"],
                   None if cp is None else money(str(cp)), None if cf is None else money(str(cf)),
                   s["median_seconds_from_previous"], s["won"], s["lost"]))
    return " ".join(out)


def agg(rows, key):
    acc = {}
    for r in rows:
        k = key(r)
        n, rev = acc.get(k, (0, Decimal(0)))
        acc[k] = (n + 1, rev + Decimal(r["amount"]))
    return acc


def fmt_groups(acc):
    return ";".join("%s=%d/%s" % ("|".join(str(x) for x in k) if isinstance(k, tuple) else k, n, money(rev))
                    for k, (n, rev) in sorted(acc.items(), key=lambda kv: str(kv[0])))


def utm_overview(path, start, end):
    rows = load(path, start, end)
    n = len(rows)
    rev = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    nout = sum(1 for r in rows if not r["utm_source"] and not r["utm_campaign"])
    cov = str(money(Decimal(100) * (n - nout) / n)) if n else "0"
    out = ["%d|%s|%s|%d|%s" % (n, money(rev), money(rev / n) if n else money(0), nout, cov)]
    out.append(fmt_groups(agg(rows, lambda r: r["utm_source"] or "No UTM Source")))
    out.append(fmt_groups(agg(rows, lambda r: (r["utm_campaign"] or "No Campaign", r["utm_source"] or "No UTM Source"))))
    out.append(fmt_groups(agg(rows, lambda r: r["utm_medium"] or "No Medium")))
    out.append(fmt_groups(agg(rows, lambda r: r["team"] or "Unknown")))
    return " ".join(out)


def utm_overview_got(body):
    d = json.loads(body, parse_float=str)
    s = d["summary"]
    out = ["%d|%s|%s|%d|%s" % (s["total_sales"], money(str(s["total_revenue"])), money(str(s["avg_sale"])),
                               s["sales_without_utm"], s["utm_coverage"])]
    for lst, key in (("by_source", "source"), ("by_campaign", "campaign"), ("by_medium", "medium"),
                     ("by_targetologist", "targetologist")):
        revs = [Decimal(str(x["revenue"])) for x in d[lst]]
        if revs != sorted(revs, reverse=True):
            out.append("NOT-SORTED-" + lst)
        acc = {((x[key], x["source"]) if key == "campaign" else x[key]): (x["sales"], Decimal(str(x["revenue"])))
               for x in d[lst]}
        out.append(fmt_groups(acc))
    return " ".join(out)


def utm_sources(path, start, end):
    rows = [r for r in load(path, start, end) if r["utm_source"]]
    acc = agg(rows, lambda r: r["utm_source"])
    camps = {k: len({r["utm_campaign"] for r in rows if r["utm_source"] == k and r["utm_campaign"]}) for k in acc}
    return ";".join("%s=%d/%s/%s/%d" % (k, n, money(rev), money(rev / n), camps[k])
                    for k, (n, rev) in sorted(acc.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0])))


def utm_sources_got(body):
    d = json.loads(body, parse_float=str)
    return ";".join("%s=%d/%s/%s/%d" % (x["utm_source"], x["sales_count"], money(str(x["total_revenue"])),
                                         money(str(x["avg_sale"])), x["campaigns"]) for x in d["sources"])


def utm_campaigns(path, start, end, source):
    rows = [r for r in load(path, start, end) if r["utm_campaign"] and (not source or r["utm_source"] == source)]
    return fmt_groups(agg(rows, lambda r: (r["utm_campaign"], r["utm_source"], r["utm_medium"])))


def utm_campaigns_got(body):
    d = json.loads(body, parse_float=str)
    revs = [Decimal(str(x["total_revenue"])) for x in d["campaigns"]]
    return ("" if revs == sorted(revs, reverse=True) else "NOT-SORTED ") + fmt_groups(
        {(x["utm_campaign"], x["utm_source"], x["utm_medium"]): (x["sales_count"], Decimal(str(x["total_revenue"])))
         for x in d["campaigns"]})


def utm_without(path, start, end):
    rows = [r for r in load(path, start, end) if not r["utm_source"] and not r["utm_campaign"]]
    return "%d %s" % (len(rows), ",".join(sorted(r["lead_id"] for r in rows)))


def utm_without_got(body):
    d = json.loads(body)
    return "%d %s" % (d["count"], ",".join(sorted(x["lead_id"] for x in d["sales"])))


def utm_daily(path, start, end, source):
    rows = [r for r in load(path, start, end) if r["utm_source"] == source]
    return fmt_groups(agg(rows, lambda r: (day(r["sale_date"]), r["utm_source"], r["utm_campaign"])))


def utm_daily_got(body):
    d = json.loads(body, parse_float=str)
    dates = [x["date"] for x in d["daily_stats"]]
    return ("" if dates == sorted(dates, reverse=True) else "NOT-SORTED ") + fmt_groups(
        {(x["date"], x["utm_source"], x["utm_campaign"]): (x["sales_count"], Decimal(str(x["daily_revenue"])))
         for x in d["daily_stats"]})


def utm_search(path, start, end, campaign, team):
    rows = [r for r in load(path, start, end, team or None)
            if r["utm_campaign"] and campaign.lower() in r["utm_campaign"].lower()]
    rev = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    return "%d|%s|%s %s" % (len(rows), money(rev), money(rev / len(rows)) if rows else money(0),
                            ",".join(sorted(r["lead_id"] for r in rows)))


def utm_search_got(body):
    d = json.loads(body, parse_float=str)
    return "%d|%s|%s %s" % (d["count"], money(str(d["total_revenue"])), money(str(d["avg_sale"])),
                            ",".join(sorted(x["lead_id"] for x in d["sales"])))


def utm_source(path, start, end, source):
    rows = [r for r in load(path, start, end) if r["utm_source"] == source]
    rows.sort(key=lambda r: r["sale_date"], reverse=True)
    rev = sum((Decimal(r["amount"]) for r in rows), Decimal(0))
    return "%d|%s|%s %s %s" % (len(rows), money(rev), money(rev / len(rows)),
                               fmt_groups(agg(rows, lambda r: r["utm_campaign"] or "No Campaign")),
                               ",".join(r["lead_id"] for r in rows[:20]))


def utm_source_got(body):
    d = json.loads(body, parse_float=str)
    s = d["summary"]
    return "%d|%s|%s %s %s" % (s["total_sales"], money(str(s["total_revenue"])), money(str(s["avg_sale"])),
                               fmt_groups({x["campaign"]: (x["sales"], Decimal(str(x["revenue"]))) for x in d["campaigns"]}),
                               ",".join(x["lead_id"] for x in d["recent_sales"]))


TEAM_NAMES = ["Kenesary", "Arystan", "Muha", "Traf4"]


def spend_rows(csvpath, default_rate):
    """The rows of an uploaded CSV file, read with Python's own reader."""
    import csv
    import io
    text = open(csvpath, "rb").read().decode("utf-8-sig")
    out = []
    for r in csv.DictReader(io.StringIO(text, newline="")):
        team = next(t for t in TEAM_NAMES if t.lower() == r["team"].lower())
        cur = (r.get("currency") or "KZT").upper()
        rate = Decimal(r.get("usd_to_kzt_rate") or default_rate) if cur == "USD" else Decimal(1)
        out.append({"team": team, "date": r["date"], "campaign": r.get("campaign") or "",
                    "amount": money(r["amount"]), "currency": cur,
                    "kzt": money(Decimal(r["amount"]) * rate)})
    return out


def spend_list(csvpath, default_rate):
    return ";".join("%s|%s|%s|%s|%s|%s" % (r["date"], r["team"], r["campaign"], r["amount"], r["currency"], r["kzt"])
                    for r in sorted(spend_rows(csvpath, default_rate), key=lambda r: (r["date"], r["team"], r["campaign"])))


def spend_list_got(body):
    d = json.loads(body, parse_float=str)
    return ";".join("%s|%s|%s|%s|%s|%s" % (x["date"], x["team"], x["campaign"] or "", money(str(x["amount"])),
                                          x["currency"], money(str(x["amount_kzt"])))
                    for x in sorted(d["ad_spend"], key=lambda x: (x["date"], x["team"], x["campaign"] or "")))


def roi(path, csvpath, default_rate, start, end):
    spend = {}
    for r in spend_rows(csvpath, default_rate):
        if start <= r["date"] <= end:
            spend[r["team"]] = spend.get(r["team"], Decimal(0)) + r["kzt"]
    sales = agg(load(path, start, end), lambda r: r["team"] or "Unknown")
    out = []
    for t in sorted(set(TEAM_NAMES) | set(sales) | set(spend)):
        sp = spend.get(t, Decimal(0))
        n, rev = sales.get(t, (0, Decimal(0)))
        q4 = lambda v: v.quantize(Decimal("0.0001"), ROUND_HALF_UP)
        out.append("%s|%s|%s|%d|%s|%s|%s" % (t, money(sp), money(rev), n,
                   q4((rev - sp) / sp) if sp else None, q4(rev / sp) if sp else None,
                   money(sp / n) if sp and n else None))
    return ";".join(out)


def roi_got(body):
    d = json.loads(body, parse_float=str)
    spends = [Decimal(str(x["spend"])) for x in d["teams"]]
    f = lambda v, q: None if v is None else Decimal(str(v)).quantize(Decimal(q))
    return ("" if spends == sorted(spends, reverse=True) else "NOT-SORTED ") + ";".join(
        "%s|%s|%s|%d|%s|%s|%s" % (x["team"], money(str(x["spend"])), money(str(x["revenue"])), x["sales"],
                                  f(x["roi"], "0.0001"), f(x["roas"], "0.0001"), f(x["cost_per_sale"], "0.01"))
        for x in sorted(d["teams"], key=lambda x: x["team"]))


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
    elif cmd == "dynamics":
        print(dynamics(*sys.argv[2:7]))
    elif cmd == "dynamics-got":
        print(dynamics_got(sys.argv[2]))
    elif cmd in ("spend-list", "spend-list-got", "roi", "roi-got"):
        print(globals()[cmd.replace("-", "_")](*sys.argv[2:]))
    elif cmd.startswith("utm-"):
        print(globals()[cmd.replace("-", "_")](*sys.argv[2:]))
    elif cmd == "funnel-gen":
        funnel_gen(int(sys.argv[2]), sys.argv[3])
    elif cmd == "funnel":
        print(funnel(*sys.argv[2:6]))
    elif cmd == "funnel-got":
        print(funnel_got(sys.argv[2]))

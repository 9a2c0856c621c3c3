#!/usr/bin/env python3
"""Generated data for tests/integ/roi-campaigns.sh, and the figures the
campaign report must show, computed here independently of its SQL.

    roicampaigns.py gen DIR     writes DIR/traffic.sql, DIR/landing.sql,
                                DIR/expected.json
    roicampaigns.py check DIR ANSWER.json DAILY.json
                                prints one TAP-ish line per mismatch and
                                a last line "mismatches N rows M"
"""

import datetime
import decimal
import json
import os
import random
import sys

D = decimal.Decimal
START, END = datetime.date(2026, 3, 1), datetime.date(2026, 3, 14)
TZ = datetime.timezone(datetime.timedelta(hours=5))  # Asia/Almaty


def q(s):
    return "NULL" if s is None else "'" + str(s).replace("'", "''") + "'"


def r2(x, places="0.01"):
    return x.quantize(D(places), rounding=decimal.ROUND_HALF_UP)


def gen(d):
    rnd = random.Random(2025)
    teams = {"Kenesary": ["K Запуск", "k_retarget", "K_Lookalike", "K silent"],
             "Arystan": ["A_webinar", "A Запуск", "a_stories"]}
    spend, sales, leads = [], [], []
    ids = {}
    days = [(START + datetime.timedelta(days=i))
            for i in range(-3, (END - START).days + 4)]  # some outside
    for ti, (team, camps) in enumerate(teams.items()):
        for ci, name in enumerate(camps):
            cid = "23850%d%02d" % (ti, ci)
            ids[cid] = name
            for day in days:
                if rnd.random() < 0.2:
                    continue
                amount = r2(D(rnd.uniform(3000, 90000)))
                spend.append({"team": team, "day": day, "campaign": name,
                              "campaign_id": cid, "source": "facebook",
                              "amount": amount})
    # Manual rows: one shadowing an imported day, one of its own campaign.
    shadow = next(s for s in spend if s["campaign"] == "k_retarget" and
                  START <= s["day"] <= END)
    spend.append({"team": "Kenesary", "day": shadow["day"],
                  "campaign": "k_retarget", "campaign_id": None,
                  "source": "manual", "amount": D("1000.00")})
    for day in days[3:10]:
        spend.append({"team": "Kenesary", "day": day,
                      "campaign": "offline_promo", "campaign_id": None,
                      "source": "manual", "amount": D("5000.00")})
    # Sales: by name in any case, by campaign id, campaigns without spend,
    # none, a team without spend; some unverified (not counted).
    utms = []
    for team, camps in teams.items():
        for name in camps[:-1] if team == "Kenesary" else camps:
            utms += [(team, name), (team, name.upper()),
                     (team, " " + name.lower())]
        utms.append((team, "nospend_" + team.lower()))
    utms.append(("Kenesary", "238500%02d" % 0))  # the id of "K Запуск"
    utms.append(("Arystan", "238501%02d" % 1))   # the id of "A Запуск"
    utms.append(("Kenesary", None))
    utms.append((None, "A_webinar"))
    n = 0
    for day in days:
        for team, utm in utms:
            if rnd.random() < 0.55:
                continue
            n += 1
            amount = rnd.choice([D(5000), D(490000), D(rnd.randint(1, 90)
                                                      * 1000)])
            hour = rnd.randint(0, 23)
            ts = datetime.datetime(day.year, day.month, day.day, hour,
                                   rnd.randint(0, 59), tzinfo=TZ)
            sales.append({"lead": "roi-%d" % n, "team": team, "utm": utm,
                          "amount": amount, "ts": ts,
                          "verification": rnd.choice(
                              ["verified", "pending", "verified",
                               "unverified"])})
    lead_utms = ["K Запуск", "k_RETARGET", "K_Lookalike", "A_webinar",
                 "a_stories", "238501%02d" % 2, "nothing_here",
                 "offline_promo", None]
    for day in days:
        for utm in lead_utms:
            for _ in range(rnd.randint(0, 3)):
                ts = datetime.datetime(day.year, day.month, day.day,
                                       rnd.randint(0, 23), rnd.randint(0, 59),
                                       tzinfo=TZ)
                leads.append({"utm": utm, "ts": ts})

    with open(os.path.join(d, "traffic.sql"), "w") as f:
        for s in spend:
            f.write(
                "INSERT INTO ad_spend (team_id, spend_date, campaign, amount,"
                " currency, amount_kzt, uploaded_by, source, account_id,"
                " campaign_id) SELECT id, %s, %s, %s, 'KZT', %s, 'test',"
                " %s, %s, %s FROM traffic_teams WHERE name = %s;\n" % (
                    q(s["day"]), q(s["campaign"]), s["amount"], s["amount"],
                    q(s["source"]),
                    q("1000%d" % (1 if s["team"] == "Kenesary" else 2))
                    if s["source"] == "facebook" else "NULL",
                    q(s["campaign_id"]), q(s["team"])))
        for s in sales:
            f.write(
                "INSERT INTO all_sales_tracking (lead_id, sale_amount,"
                " utm_campaign, targetologist, sale_date, verification)"
                " VALUES (%s, %s, %s, %s, %s, %s);\n" % (
                    q(s["lead"]), s["amount"], q(s["utm"]), q(s["team"]),
                    q(s["ts"].isoformat()), q(s["verification"])))
    with open(os.path.join(d, "landing.sql"), "w") as f:
        for i, lead in enumerate(leads):
            f.write(
                "INSERT INTO landing_leads (name, email, utm_campaign,"
                " created_at) VALUES ('roi %d', 'roi%d@example.kz', %s, %s);\n"
                % (i, i, q(lead["utm"]), q(lead["ts"].isoformat())))

    # The expected figures, from the rows above.
    def in_period(day):
        return START <= day <= END

    manual = {(s["team"], s["day"], s["campaign"]) for s in spend
              if s["source"] == "manual"}
    idkey = {cid: name.lower() for cid, name in ids.items()}
    rows = {}

    def row(team, key):
        return rows.setdefault((team, key), {
            "spend": D(0), "sales": 0, "revenue": D(0), "leads": 0})

    for s in spend:
        if not in_period(s["day"]):
            continue
        if (s["source"] == "facebook" and
                (s["team"], s["day"], s["campaign"]) in manual):
            continue
        row(s["team"], s["campaign"].lower())["spend"] += s["amount"]
    for s in sales:
        if s["verification"] == "unverified":
            continue
        if not in_period(s["ts"].astimezone(TZ).date()):
            continue
        utm = (s["utm"] or "").strip()
        key = idkey.get(utm, utm.lower())
        r = row(s["team"] or "Unknown", key)
        r["sales"] += 1
        r["revenue"] += s["amount"]
    lead_n = {}
    for lead in leads:
        if not in_period(lead["ts"].astimezone(TZ).date()):
            continue
        utm = (lead["utm"] or "").strip().lower()
        if not utm:
            continue
        key = idkey.get(utm, utm)
        lead_n[key] = lead_n.get(key, 0) + 1
    out = []
    for (team, key), r in sorted(rows.items()):
        sp, rev = r["spend"], r["revenue"]
        n = lead_n.get(key, 0) if key else 0
        out.append({
            "team": team, "key": key, "spend": str(sp), "leads": n,
            "sales": r["sales"], "revenue": str(rev),
            "cpl": str(r2(sp / n)) if sp > 0 and n > 0 else None,
            "cps": str(r2(sp / r["sales"])) if sp > 0 and r["sales"] else None,
            "romi": str(r2((rev - sp) * 100 / sp)) if sp > 0 else None,
            "roas": str(r2(rev / sp, "0.0001")) if sp > 0 else None,
            "unmatched": ("no_sales" if sp > 0 and r["sales"] == 0 else
                          "no_spend" if sp == 0 and r["sales"] > 0 else None),
        })
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump({"start": START.isoformat(), "end": END.isoformat(),
                   "rows": out,
                   "spend": str(sum(D(x["spend"]) for x in out)),
                   "revenue": str(sum(D(x["revenue"]) for x in out))},
                  f, ensure_ascii=False)


def num(v):
    return None if v is None else D(str(v))


def check(d, answer, daily):
    exp = json.load(open(os.path.join(d, "expected.json")))
    got = json.load(open(answer))["campaigns"]
    bad = 0
    byk = {}
    for g in got:
        k = (g["team"], (g["campaign"] or "").strip().lower())
        if k in byk:
            print("# duplicate row %r" % (k,))
            bad += 1
        byk[k] = g
    for e in exp["rows"]:
        g = byk.pop((e["team"], e["key"]), None)
        if g is None:
            print("# missing row %s / %s" % (e["team"], e["key"]))
            bad += 1
            continue
        for f in ("spend", "leads", "sales", "revenue", "cpl", "cps",
                  "romi", "roas"):
            if num(g[f]) != num(e[f]):
                print("# %s / %s: %s got %s want %s" % (
                    e["team"], e["key"], f, g[f], e[f]))
                bad += 1
        if g["unmatched"] != e["unmatched"]:
            print("# %s / %s: unmatched got %s want %s" % (
                e["team"], e["key"], g["unmatched"], e["unmatched"]))
            bad += 1
    for k in byk:
        print("# unexpected row %r" % (k,))
        bad += 1
    days = json.load(open(daily))["days"]
    ds = sum(D(str(x["spend"])) for x in days)
    dr = sum(D(str(x["revenue"])) for x in days)
    if ds != D(exp["spend"]) or dr != D(exp["revenue"]):
        print("# daily sums: spend %s/%s revenue %s/%s" % (
            ds, exp["spend"], dr, exp["revenue"]))
        bad += 1
    print("mismatches %d rows %d days %d" % (bad, len(exp["rows"]), len(days)))


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3], sys.argv[4])

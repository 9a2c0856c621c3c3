#!/usr/bin/env python3
"""Generated data for the dashboards' browser test (tests/integ/ui.sh):
sales of the last 100 days (relative to now, so the Overview's "30 days"
has data), their lead events for the funnel, ad spend, landing leads, and
one dead outbox letter. Every figure the test checks is read back from
the APIs or the database, never from here.

  uidata.py traffic SEED  -> SQL for the traffic database on stdout
  uidata.py landing SEED  -> SQL for the landing database on stdout
"""
import datetime
import random
import sys

TEAMS = ["Kenesary", "Arystan", "Muha", "Traf4", None]
SOURCES = ["fb_kenesary", "fb_arystan", "fb_muha", "instagram", "google", None]
CAMPAIGNS = ["spring", "Запуск", "pb_agency", None]
# An attacker controls UTM values (they come from ad links).
XSS = "<img src=x onerror=alert(1)>"
EXPRESS = 10350882
STAGES = [81854574, 81856842, 82174958, 81854578, 81854582, 82174962,
          81854586, 81854614, 81854618, 142]


def q(v):
    if v is None:
        return "NULL"
    return "'" + str(v).replace("'", "''") + "'"


def traffic(seed):
    rnd = random.Random(seed)
    now = datetime.datetime.now(datetime.timezone.utc)
    sales, events = [], []
    for i in range(400):
        at = now - datetime.timedelta(seconds=rnd.randrange(100 * 86400))
        team = rnd.choice(TEAMS)
        src = rnd.choice(SOURCES)
        pipe, product, amount = rnd.choice([
            (EXPRESS, "Express Course", "5000"),
            (EXPRESS, "Express Course", "5000"),
            (10418746, "Flagship Course", "490000")])
        sales.append("(%s, %s, %s, %s, %s, %s, %s, %s, %s, '%d', '142', %s, %s)" % (
            q(800000 + i), q("Сделка %d" % i), q(team), amount, q(src),
            q(rnd.choice(CAMPAIGNS)), q(rnd.choice(["cpc", None])),
            q(at.isoformat()), q("Клиент %d" % i), pipe, q(product),
            q("high" if team else "low")))
    # One sale whose UTM source and campaign are markup.
    at = now - datetime.timedelta(hours=3)
    sales.append("(%s, %s, %s, 5000, %s, %s, NULL, %s, %s, '%d', '142', 'Express Course', 'low')" % (
        q(899999), q("XSS " + XSS), q(None), q(XSS), q(XSS), q(at.isoformat()),
        q(XSS), EXPRESS))
    # Funnel: 300 leads of the Express pipeline walk some stages (the
    # first 300 sales are those leads: their details show the events).
    for lead in range(300):
        t = now - datetime.timedelta(seconds=rnd.randrange(60 * 86400))
        old = 0
        depth = min(len(STAGES), 1 + int(rnd.expovariate(0.35)))
        for k in range(depth):
            st = STAGES[k]
            events.append("(%d, 'status', %d, %d, %d, %d, %d, %s)" % (
                800000 + lead, EXPRESS, EXPRESS if old else 0, st, old,
                int(t.timestamp()), q(t.isoformat())))
            old = st
            t += datetime.timedelta(hours=rnd.randrange(1, 72))
    out = ["BEGIN;",
           "INSERT INTO all_sales_tracking (lead_id, lead_name, targetologist,"
           " sale_amount, utm_source, utm_campaign, utm_medium, sale_date,"
           " contact_name, pipeline_id, status_id, product_name,"
           " attribution_confidence) VALUES\n" + ",\n".join(sales) + ";",
           "INSERT INTO lead_events (lead_id, action, pipeline_id,"
           " old_pipeline_id, status_id, old_status_id, lead_updated_at,"
           " event_at) VALUES\n" + ",\n".join(events) + ";"]
    # Ad spend per team and day of the last 40 days.
    out.append("INSERT INTO ad_spend (team_id, spend_date, campaign, amount,"
               " currency, amount_kzt, uploaded_by)"
               " SELECT t.id, (now() AT TIME ZONE 'Asia/Almaty')::date - d, '',"
               " 20000 + d * 100, 'KZT', 20000 + d * 100, 'uidata'"
               " FROM traffic_teams t, generate_series(0, 39) AS d"
               " ON CONFLICT DO NOTHING;")
    # A dead letter for the Integrations page's retry button: a test
    # announcement the worker delivers to the Telegram stand-in once
    # requeued.
    out.append("INSERT INTO outbox_jobs (kind, payload, dedup_key, state,"
               " attempts, last_error) VALUES ('announce',"
               " '{\"test\": true, \"targetologist\": \"Muha\","
               " \"contact_name\": \"Мёртвое письмо\", \"sale_amount\": \"5000\","
               " \"product_name\": \"Express Course\"}', 'ui-test-dead-1', 'dead', 8,"
               " 'telegram: 400 Bad Request: chat not found');")
    out.append("COMMIT;")
    print("\n".join(out))


def landing(seed):
    rnd = random.Random(seed)
    rows = []
    for i in range(40):
        src = rnd.choice(["expresscourse", "proftest_kenesary", "proftest_arystan", "TF4"])
        email = "lead%d@example.kz" % i if i % 3 else None
        phone = "+7 701 %03d %02d %02d" % (i, i % 100, (i * 7) % 100)
        hours = rnd.randrange(1, 24 * 20)
        es = i % 4 == 1
        rows.append("(%s, %s, %s, %s, %s, %s, %s, now() - interval '%d hours')" % (
            q("Лид %d" % i), q(email), q(phone), q(src),
            q(rnd.choice(["fb_kenesary", "instagram", None])),
            q(rnd.choice(["spring", None])), "true" if es else "false", hours))
    rows.append("(%s, %s, %s, 'expresscourse', %s, %s, false, now() - interval '1 hour')" % (
        q("XSS " + XSS), q("xss@example.kz"), q("+7 702 000 00 00"), q(XSS), q(XSS)))
    print("INSERT INTO landing_leads (name, email, phone, source, utm_source,"
          " utm_campaign, email_sent, created_at) VALUES\n" + ",\n".join(rows) + ";")


if __name__ == "__main__":
    {"traffic": traffic, "landing": landing}[sys.argv[1]](int(sys.argv[2]))

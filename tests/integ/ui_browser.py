#!/usr/bin/env python3
"""The dashboards in a real headless Chromium (selenium + chromedriver),
driven by tests/integ/ui.sh against the real stack it started.

Prints one line per check: "ok - DESCRIPTION" or "not ok - DESCRIPTION"
followed by "#" lines of detail; ui.sh turns them into TAP. Screenshots of
every page at 1366x768 and 390 px wide go to $SHOTS.

Environment: URL (nginx), SHOTS (directory), PSQL (a psql command line
without -d), AMOCRM_MOCK, TELEGRAM_MOCK (the stand-ins' URLs).
"""
import csv
import datetime
import io
import json
import os
import subprocess
import sys
import time
import traceback
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import (NoAlertPresentException,
                                        TimeoutException,
                                        UnexpectedAlertPresentException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

URL = os.environ["URL"]
# The webhooks' secret of the stack (?token=, tests/integ/lib.sh).
HOOK_Q = os.environ.get("HOOK_Q", "")
SHOTS = os.environ["SHOTS"]
PSQL = os.environ["PSQL"].split()
XSS = "<img src=x onerror=alert(1)>"
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}

failures = 0


def report(good, what, detail=None):
    global failures
    print(("ok - " if good else "not ok - ") + what, flush=True)
    if not good:
        failures += 1
        if detail:
            for line in str(detail).splitlines()[:12]:
                print("#   " + line, flush=True)


def check(what, got, want):
    report(got == want, what, "got:  %r\nwant: %r" % (got, want))


def sql(db, query):
    out = subprocess.run(PSQL + ["-d", db, "-tA", "-c", query], check=True,
                         capture_output=True, text=True).stdout
    return out.strip()


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})

    def parse(b):
        try:
            return json.loads(b or b"{}")
        except ValueError:  # nginx's own HTML error page
            return {"raw": b.decode("utf-8", "replace")}
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, parse(r.read())
    except urllib.error.HTTPError as e:
        return e.code, parse(e.read())


def api(path):
    return http("GET", URL + path)[1]


def driver():
    o = webdriver.ChromeOptions()
    o.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--disable-gpu", "--window-size=1366,768", "--lang=ru-RU",
              "--disable-extensions", "--no-first-run"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    d.set_page_load_timeout(60)
    return d


def console_errors(d, allow=()):
    """SEVERE console entries (errors, uncaught exceptions, CSP
    violations, failed loads) since the last call, less allowed ones."""
    out = []
    for e in d.get_log("browser"):
        if e.get("level") != "SEVERE":
            continue
        if any(a in e.get("message", "") for a in allow):
            continue
        out.append(e["message"])
    return out


def viewport(d, name):
    w, h = SIZES[name]
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": w, "height": h, "deviceScaleFactor": 1, "mobile": name == "phone"})


def shot(d, name):
    """A full-page PNG (up to 3000 px tall) of what the page shows."""
    import base64
    m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = m.get("cssContentSize") or m["contentSize"]
    w = SIZES["phone"][0] if name.endswith("-phone") else SIZES["desktop"][0]
    h = min(int(size["height"]), 3000)
    png = d.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": w, "height": max(h, 300), "scale": 1}})
    with open(os.path.join(SHOTS, name + ".png"), "wb") as f:
        f.write(base64.b64decode(png["data"]))


def wait(d, cond, timeout=20):
    return WebDriverWait(d, timeout).until(cond)


def css(d, sel):
    return d.find_element(By.CSS_SELECTOR, sel)


def text_of(d, sel):
    return css(d, sel).text


def idle(d, timeout=20):
    """Waits until no .loading placeholder is left on the page."""
    wait(d, lambda x: x.execute_script(
        "return document.body.dataset.ready === '1' && !document.querySelector('.loading')"), timeout)


def no_alert(d):
    try:
        a = d.switch_to.alert
        t = a.text
        a.dismiss()
        return "alert: " + t
    except NoAlertPresentException:
        return None


def tab(d, name, ready_sel, allow=()):
    """Opens a tab of the Traffic Dashboard (hash navigation, no reload),
    waits for it and checks the console."""
    d.execute_script("location.hash = arguments[0]", name)
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, ready_sel)))
    idle(d)
    errs = console_errors(d, allow)
    report(not errs and no_alert(d) is None, "%s: loads without console errors" % name, "\n".join(errs))


def screenshots(d, page, tabs):
    """Both sizes of every tab of page (one load, then hash changes)."""
    for size in ("desktop", "phone"):
        viewport(d, size)
        for name, sel in tabs:
            if name:
                d.execute_script("location.hash = arguments[0]", name)
                wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, sel)))
                idle(d)
                time.sleep(0.3)
            shot(d, "%s%s-%s" % (page, "-" + name if name else "", size))
    viewport(d, "desktop")


# --- the checks ---------------------------------------------------------

def empty_db(d):
    """Every page with the empty database: no console error, empty
    states shown. Then the generated data is loaded."""
    d.get(URL + "/traffic/admin#overview")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#kpi-revenue")))
    idle(d)
    check("empty database: overview shows zero sales", css(d, "#kpi-sales").get_attribute("data-value"), "0")
    errs = console_errors(d)
    for name, sel in TRAFFIC_TABS[1:]:
        d.execute_script("location.hash = arguments[0]", name)
        wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, sel)))
        idle(d)
        errs += console_errors(d, allow=("/api/integrations/",))
    d.get(URL + "/integrator/admin/leads")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#leads-table")))
    idle(d)
    errs += console_errors(d)
    report(not errs and no_alert(d) is None, "empty database: every page loads without console errors", "\n".join(errs))
    report("Лидов нет" in text_of(d, "#leads-table"), "empty database: the leads table says it is empty")
    subprocess.run(PSQL + ["-q", "-d", "traffic", "-v", "ON_ERROR_STOP=1", "-f", os.environ["TRAFFIC_SQL"]],
                   check=True, capture_output=True)
    subprocess.run(PSQL + ["-q", "-d", "landing", "-v", "ON_ERROR_STOP=1", "-f", os.environ["LANDING_SQL"]],
                   check=True, capture_output=True)
    check("data: 401 sales loaded", sql("traffic", "SELECT count(*) FROM all_sales_tracking"), "401")


def overview(d):
    d.get(URL + "/traffic/admin#overview")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#kpi-revenue")))
    idle(d)
    errs = console_errors(d)
    report(not errs, "overview: loads without console errors", "\n".join(errs))
    # The page's own period (30 days) equals the API's for the same days.
    start = d.find_element(By.ID, "period-start").get_attribute("value")
    end = d.find_element(By.ID, "period-end").get_attribute("value")
    st = api("/api/amocrm/sales-stats?start=%s&end=%s" % (start, end))["stats"]
    sales = sum(int(s["sales_count"]) for s in st)
    revenue = sum(float(s["total_revenue"]) for s in st)
    report(sales > 0, "overview: the generated data has sales in the last 30 days (%d)" % sales)
    check("overview: KPI sales = sales-stats' sum for %s..%s" % (start, end),
          css(d, "#kpi-sales").get_attribute("data-value"), str(sales))
    check("overview: KPI revenue = sales-stats' sum",
          float(css(d, "#kpi-revenue").get_attribute("data-value")), revenue)
    shown = text_of(d, "#kpi-revenue .value").replace("\u00a0", " ").replace("\u202f", " ")
    want = "{:,}".format(round(revenue)).replace(",", " ") + " ₸"
    check("overview: revenue shown as '1 234 567 ₸'", shown, want)
    cov = api("/api/utm-analytics/overview?start=%s&end=%s" % (start, end))["summary"]["utm_coverage"]
    check("overview: KPI share with UTM = utm-analytics' coverage",
          float(css(d, "#kpi-utm").get_attribute("data-value")), float(cov))
    cards = {c.get_attribute("data-team"): (c.get_attribute("data-sales"), c.get_attribute("data-revenue"))
             for c in d.find_elements(By.CSS_SELECTOR, "#team-cards .team-card")}
    want = {s["targetologist"]: str(s["sales_count"]) for s in st}
    check("overview: a card per team of the period, sales as the API's",
          {k: v[0] for k, v in cards.items() if k in want}, want)
    report(d.execute_script("return !!(window.Chart && Chart.getChart(document.getElementById('dynamics-chart')))"),
           "overview: the dynamics chart is drawn by Chart.js")
    # Another preset: 7 days, figures follow.
    d.find_element(By.CSS_SELECTOR, "#period button[data-preset='7']").click()
    wait(d, lambda x: x.find_element(By.ID, "period-start").get_attribute("value") != start)
    idle(d)
    start7 = d.find_element(By.ID, "period-start").get_attribute("value")
    st7 = api("/api/amocrm/sales-stats?start=%s&end=%s" % (start7, end))["stats"]
    wait(d, lambda x: x.find_element(By.ID, "kpi-sales").get_attribute("data-value") == str(sum(int(s["sales_count"]) for s in st7)), 10)
    report(True, "overview: 7 days: KPI sales follows the period")
    d.find_element(By.CSS_SELECTOR, "#period button[data-preset='30']").click()
    idle(d)


def inbox(d):
    """The header's "в обработке: N": deliveries kept and not applied yet."""
    # A delivery that waits (its next try an hour away, so the processor
    # leaves it), inserted as the door would keep it.
    sql("traffic", "INSERT INTO webhook_requests (endpoint, http_status, outcome, state,"
        " body_hash, lead_ids, attempts, next_at, raw_body) VALUES ('sales-webhook', 200,"
        " 'queued', 'queued', '\\x00', '{999999001}', 1, now() + interval '1 hour', '\\x00')")
    try:
        for page, ready in (("/traffic/admin#overview", "#kpi-revenue"), ("/integrator/admin/leads", "#leads-table")):
            d.get(URL + page)
            wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, ready)))
            wait(d, lambda x: x.find_element(By.ID, "inbox").get_attribute("data-queued") == "1", 15)
            check("inbox: %s shows what waits" % page, text_of(d, "#inbox"), "в обработке: 1")
            report(css(d, "#inbox").is_displayed(), "inbox: %s: the line is visible" % page)
    finally:
        sql("traffic", "DELETE FROM webhook_requests WHERE lead_ids = '{999999001}'")
    d.get(URL + "/traffic/admin#overview")
    wait(d, lambda x: x.find_element(By.ID, "inbox").get_attribute("data-queued") == "0", 15)
    report(not css(d, "#inbox").is_displayed(), "inbox: nothing waits: the line is hidden")


def accept_confirm(d):
    wait(d, EC.alert_is_present(), 10)
    d.switch_to.alert.accept()


def toast_text(d, needle, timeout=15):
    wait(d, lambda x: x.execute_script(
        "return [...document.querySelectorAll('#toasts .toast')].some(t => t.textContent.includes(arguments[0]))",
        needle), timeout)


def teams(d):
    tab(d, "teams", "#teams-list table")
    wait(d, lambda x: len(x.find_elements(By.CSS_SELECTOR, "#rules-table")) == 1)
    # A team, created through the form.
    d.find_element(By.ID, "new-team").click()
    f = css(d, "#team-editor")
    f.find_element(By.NAME, "name").send_keys("Алтын")
    em = f.find_element(By.NAME, "emoji")
    em.clear()
    em.send_keys("★")
    f.find_element(By.NAME, "utm_source").send_keys("altyn_ads")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    toast_text(d, "создана")
    check("teams: the team created through the form is stored",
          sql("traffic", "SELECT emoji || ' ' || utm_source FROM traffic_teams WHERE name = 'Алтын'"), "★ altyn_ads")
    # Its rule, created in the rules box (the new team is selected).
    wait(d, lambda x: "Алтын" in x.find_element(By.CSS_SELECTOR, "#rules h3").text)
    f = css(d, "#rule-editor")
    f.find_element(By.NAME, "pattern").send_keys("altyn")
    Select(f.find_element(By.NAME, "kind")).select_by_value("token")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    toast_text(d, "добавлено")
    check("teams: the rule created through the form is stored",
          sql("traffic", "SELECT r.pattern || '/' || r.kind FROM attribution_rules r JOIN traffic_teams t ON t.id = r.team_id WHERE t.name = 'Алтын'"),
          "altyn/token")
    # The preview box: typing a campaign shows the new team and its rule.
    box = css(d, "#preview")
    box.find_element(By.NAME, "utm_campaign").send_keys("spring_altyn_2026")
    wait(d, lambda x: x.find_element(By.ID, "preview-result").get_attribute("data-team") == "Алтын")
    r = css(d, "#preview-result")
    check("teams: the preview decides by the new rule (team/confidence/rule)",
          (r.get_attribute("data-team"), r.get_attribute("data-confidence"), r.get_attribute("data-rule")),
          ("Алтын", "medium", "altyn"))
    # ... and so does a new webhook's sale.
    body = subprocess.run([sys.executable, os.path.join(os.environ["TOP_SRCDIR"], "tests/integ/amobody.py"),
                           json.dumps({"leads": [{"id": 955001, "status_id": 142, "pipeline_id": 10350882,
                                                  "price": "5000", "updated_at": int(time.time()),
                                                  "fields": [[434729, "utm_campaign", "spring_altyn_2026"]]}]})],
                          check=True, capture_output=True, text=True).stdout.strip()
    st, _ = http("POST", URL + "/api/amocrm/funnel-sale" + HOOK_Q, body.encode(),
                 {"Content-Type": "application/x-www-form-urlencoded"})
    check("teams: the webhook's sale is stored (200)", st, 200)
    # The webhook answers once the delivery is kept; its processor applies it.
    for _ in range(100):
        if sql("landing", "SELECT count(*) FROM express_course_sales WHERE deal_id = 955001") == "1":
            break
        time.sleep(0.1)
    check("teams: a new webhook's sale goes to the new team",
          sql("landing", "SELECT targetologist FROM express_course_sales WHERE deal_id = 955001"), "Алтын")
    # Re-attribution: a dry run shows the counts and changes nothing.
    before = sql("traffic", "SELECT string_agg(coalesce(targetologist, '-') || ':' || n, ',' ORDER BY targetologist) FROM (SELECT targetologist, count(*) n FROM all_sales_tracking GROUP BY 1) x")
    frm = d.find_element(By.CSS_SELECTOR, "#reattribute input[name=from]").get_attribute("value")
    to = d.find_element(By.CSS_SELECTOR, "#reattribute input[name=to]").get_attribute("value")
    d.find_element(By.ID, "reattr-dry").click()
    wait(d, lambda x: x.find_element(By.ID, "reattr-result").get_attribute("data-changed") is not None)
    out = css(d, "#reattr-result")
    _, want = http("POST", URL + "/api/traffic/attribution/reattribute",
                   json.dumps({"from": frm, "to": to, "dry_run": True}).encode(),
                   {"Content-Type": "application/json"})
    check("teams: the dry run shows the API's counts (examined/changed)",
          (out.get_attribute("data-examined"), out.get_attribute("data-changed")),
          (str(want["examined"]), str(want["changed"])))
    report(int(want["changed"]) > 0, "teams: the dry run finds sales to change (%s)" % want["changed"])
    after = sql("traffic", "SELECT string_agg(coalesce(targetologist, '-') || ':' || n, ',' ORDER BY targetologist) FROM (SELECT targetologist, count(*) n FROM all_sales_tracking GROUP BY 1) x")
    check("teams: the dry run changed no sale", after, before)
    # Applying it changes them; a second dry run finds nothing left.
    d.find_element(By.ID, "reattr-apply").click()
    accept_confirm(d)
    wait(d, lambda x: x.find_element(By.ID, "reattr-result").get_attribute("data-applied") == "1")
    check("teams: applied: the page shows the changed count",
          css(d, "#reattr-result").get_attribute("data-changed"), str(want["changed"]))
    applied = sql("traffic", "SELECT string_agg(coalesce(targetologist, '-') || ':' || n, ',' ORDER BY targetologist) FROM (SELECT targetologist, count(*) n FROM all_sales_tracking GROUP BY 1) x")
    report(applied != before, "teams: applying changed the sales' teams", "before: %s\nafter:  %s" % (before, applied))
    _, again = http("POST", URL + "/api/traffic/attribution/reattribute",
                    json.dumps({"from": frm, "to": to, "dry_run": True}).encode(),
                    {"Content-Type": "application/json"})
    check("teams: after applying, a new dry run changes nothing", again["changed"], 0)
    # Reorder, edit and delete through the page.
    ken = sql("traffic", "SELECT id FROM traffic_teams WHERE name = 'Kenesary'")
    first = lambda: sql("traffic", "SELECT pattern FROM attribution_rules WHERE team_id = '%s' ORDER BY position, id LIMIT 1" % ken)
    was = first()
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, "#teams-list tbody tr") if "Kenesary" in r.text)
    row.find_element(By.CSS_SELECTOR, "button[data-act=rules]").click()
    wait(d, lambda x: "Kenesary" in x.find_element(By.CSS_SELECTOR, "#rules h3").text)
    css(d, "#rules-table tbody tr:first-child button[aria-label='Ниже']").click()
    wait(d, lambda x: first() != was, 10)
    report(True, "teams: moving the first rule down reorders the rules (%s -> %s)" % (was, first()))
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, "#teams-list tbody tr") if "Алтын" in r.text)
    row.find_element(By.CSS_SELECTOR, "button[data-act=edit]").click()
    f = css(d, "#team-editor")
    chat = f.find_element(By.NAME, "telegram_chat_id")
    chat.clear()
    chat.send_keys("-1009876543210")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    toast_text(d, "сохранена")
    check("teams: editing the team stores its Telegram chat",
          sql("traffic", "SELECT telegram_chat_id FROM traffic_teams WHERE name = 'Алтын'"), "-1009876543210")
    row = next(r for r in d.find_elements(By.CSS_SELECTOR, "#teams-list tbody tr") if "Алтын" in r.text)
    row.find_element(By.CSS_SELECTOR, "button[data-act=rules]").click()
    wait(d, lambda x: "Алтын" in x.find_element(By.CSS_SELECTOR, "#rules h3").text)
    css(d, "#rules-table tbody tr:first-child button.danger").click()
    accept_confirm(d)
    toast_text(d, "удалено")
    check("teams: deleting the rule through the page removes it",
          sql("traffic", "SELECT count(*) FROM attribution_rules r JOIN traffic_teams t ON t.id = r.team_id WHERE t.name = 'Алтын'"), "0")
    # The audit log lists the changes made here.
    d.execute_script("location.hash = 'overview'")
    tab(d, "teams", "#audit table")
    wait(d, lambda x: "Алтын" in x.find_element(By.ID, "audit").text)
    report(True, "teams: the audit log shows the new team")
    for sel, want, what in (("#teams-table a.csv", int(sql("traffic", "SELECT count(*) FROM traffic_teams")), "teams"),
                            ("#audit-table a.csv", int(sql("traffic", "SELECT least(count(*), 500) FROM attribution_audit")), "audit log")):
        with urllib.request.urlopen(css(d, sel).get_attribute("href"), timeout=30) as r:
            rows = list(csv.reader(io.StringIO(r.read().decode("utf-8-sig"))))
            check("teams: the %s's CSV link is the API's ?format=csv, a row each" % what,
                  (r.headers.get("Content-Type").split(";")[0], len(rows) - 1), ("text/csv", want))
    errs = console_errors(d)
    report(not errs, "teams: no console errors after the changes", "\n".join(errs))


def hook_sale(lead, price, source):
    """A won Express deal through the sales webhook, waited for until its
    row exists (the webhook may answer before it does); the lead is in the
    amoCRM stand-in first, so the worker verifies the sale."""
    now = int(time.time())
    http("POST", os.environ["AMOCRM_MOCK"] + "/__control/leads", json.dumps({
        "leads": [{"id": lead, "name": "Сделка %d" % lead, "price": price, "status_id": 142,
                   "pipeline_id": 10350882, "created_at": now, "updated_at": now, "account_id": 29000001,
                   "custom_fields_values": [{"field_id": 434731, "field_name": "utm_source",
                                             "field_code": "UTM_SOURCE", "field_type": "tracking_data",
                                             "values": [{"value": source}]}],
                   "_embedded": {"tags": [], "companies": [], "contacts": [{"id": lead, "is_main": True}]}}],
        "contacts": [{"id": lead, "name": "Клиент %d" % lead, "custom_fields_values": None,
                      "account_id": 29000001}]}).encode(), {"Content-Type": "application/json"})
    body = subprocess.run([sys.executable, os.path.join(os.environ["TOP_SRCDIR"], "tests/integ/amobody.py"),
                           json.dumps({"leads": [{"id": lead, "status_id": 142, "pipeline_id": 10350882,
                                                  "price": str(price), "updated_at": now,
                                                  "fields": [[434731, "utm_source", source]]}]})],
                          check=True, capture_output=True, text=True).stdout.strip()
    st, _ = http("POST", URL + "/api/amocrm/sales-webhook" + HOOK_Q, body.encode(),
                 {"Content-Type": "application/x-www-form-urlencoded"})
    for _ in range(100):
        if sql("traffic", "SELECT count(*) FROM all_sales_tracking WHERE lead_id = '%d'" % lead) == "1":
            break
        time.sleep(0.1)
    return st


def worklist(d):
    """The sales without a team: the Overview's share links to the Team
    Constructor's panel, which lists the value; a rule made from it shows
    its dry run's counts, and applying it empties the row."""
    src = "ui_unknown_src"
    check("worklist: an unknown source's sale is stored (200)", hook_sale(956001, 9900000, src), 200)
    hook_sale(956002, 1000, XSS)
    check("worklist: the sale has no team",
          sql("traffic", "SELECT coalesce(targetologist, '-') FROM all_sales_tracking WHERE lead_id = '956001'"), "-")
    d.get(URL + "/traffic/admin#overview")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#kpi-unattr")))
    idle(d)
    start = d.find_element(By.ID, "period-start").get_attribute("value")
    end = d.find_element(By.ID, "period-end").get_attribute("value")
    tot = api("/api/traffic/attribution/unattributed?start=%s&end=%s&limit=1" % (start, end))["totals"]
    check("worklist: the Overview shows the API's share of revenue without a team",
          float(css(d, "#kpi-unattr").get_attribute("data-value")), float(tot["share"]))
    report(float(tot["share"]) > 0, "worklist: the share is above zero (%s %%)" % tot["share"])
    css(d, "#kpi-unattr").click()
    wait(d, lambda x: x.execute_script("return location.hash") == "#teams?unattributed")
    row_sel = "#unattr-table tbody tr[data-value='%s']" % src
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, row_sel)))
    idle(d)
    errs = console_errors(d)
    report(not errs and no_alert(d) is None, "worklist: the panel loads without console errors", "\n".join(errs))
    check("worklist: the panel has the Overview's period",
          (css(d, "#unattr-from").get_attribute("value"), css(d, "#unattr-to").get_attribute("value")), (start, end))
    row = css(d, row_sel)
    money = row.find_elements(By.CSS_SELECTOR, "td")[3].text.replace("\u00a0", " ").replace("\u202f", " ")
    check("worklist: the panel lists the value with its revenue", money, "9 900 000 ₸")
    check("worklist: the XSS value is text in the panel", no_markup(d, "#unattr-table td"), (True, 0, None))
    # The prefilled rule: exact on the source, the value as its pattern.
    row.find_element(By.CSS_SELECTOR, "button[data-act=make-rule]").click()
    f = wait(d, EC.presence_of_element_located((By.ID, "unattr-rule")))
    check("worklist: the rule is prefilled from the value (pattern/kind/fields)",
          (f.find_element(By.NAME, "pattern").get_attribute("value"),
           Select(f.find_element(By.NAME, "kind")).first_selected_option.get_attribute("value"),
           [c.get_attribute("value") for c in f.find_elements(By.CSS_SELECTOR, "input[name=field]") if c.is_selected()]),
          (src, "exact", ["source"]))
    muha = sql("traffic", "SELECT id FROM traffic_teams WHERE name = 'Muha'")
    Select(f.find_element(By.NAME, "team")).select_by_value(muha)
    a0 = sql("traffic", "SELECT count(*) FROM attribution_audit")
    css(d, "#unattr-dry").click()
    wait(d, lambda x: x.find_element(By.ID, "unattr-dry-result").get_attribute("data-changed") is not None)
    out = css(d, "#unattr-dry-result")
    _, want = http("POST", URL + "/api/traffic/teams/%s/rules" % muha,
                   json.dumps({"pattern": src, "kind": "exact", "fields": ["source"], "from": start, "to": end,
                               "dry_run": True}).encode(),
                   {"Content-Type": "application/json", "X-Requested-With": "amosync-test"})
    check("worklist: the dry run shows the API's counts (changed/revenue)",
          (out.get_attribute("data-changed"), float(out.get_attribute("data-revenue"))),
          (str(want["reattribution"]["changed"]), float(want["reattribution"]["revenue"])))
    # The period's other drifts (the Team Constructor's checks deleted a
    # rule) are in it too; from no team to Muha, only this sale.
    check("worklist: the dry run moves the one sale, 9 900 000, from no team to Muha",
          [(c["count"], float(c["revenue"])) for c in want["reattribution"]["changes"]
           if c["from"] is None and c["to"] == "Muha"], [(1, 9900000.0)])
    check("worklist: the dry run stored nothing (sale, rules, audit)",
          (sql("traffic", "SELECT coalesce(targetologist, '-') FROM all_sales_tracking WHERE lead_id = '956001'"),
           sql("traffic", "SELECT count(*) FROM attribution_rules WHERE pattern = '%s'" % src),
           sql("traffic", "SELECT count(*) FROM attribution_audit")), ("-", "0", a0))
    css(d, "#unattr-apply").click()
    wait(d, lambda x: x.find_element(By.ID, "unattr-dry-result").get_attribute("data-applied") == "1")
    check("worklist: applied: the page shows the dry run's count",
          css(d, "#unattr-dry-result").get_attribute("data-changed"), str(want["reattribution"]["changed"]))
    check("worklist: the sale is Muha's now",
          sql("traffic", "SELECT targetologist FROM all_sales_tracking WHERE lead_id = '956001'"), "Muha")
    wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, row_sel), 10)
    report(True, "worklist: applying the rule empties the row")
    check("worklist: the rule and the re-attribution are audited",
          sql("traffic", "SELECT string_agg(action || ':' || entity, ',' ORDER BY id) FROM attribution_audit WHERE id > (SELECT max(id) - 2 FROM attribution_audit)"),
          "create:rule,reattribute:sales")
    errs = console_errors(d)
    report(not errs, "worklist: no console errors after the changes", "\n".join(errs))


def pipelines(d):
    """Воронки и продукты: the catalogue the worker synced from the amoCRM
    stand-in, the Flagship's stages in amoCRM's order, its product and
    list price edited through the form (stored, copied to the landing
    database, audited, the price shown rounded half up), a sync on demand."""
    synced = lambda: sql("traffic", "SELECT count(*) FROM pipeline_stages WHERE pipeline_id = 10418746") != "0"
    wait(d, lambda x: synced(), 30)
    d.execute_script("location.hash = 'overview'")
    tab(d, "pipelines", "#pipelines-table tbody tr")
    row = lambda: next(r for r in d.find_elements(By.CSS_SELECTOR, "#pipelines-table tbody tr") if "10418746" in r.text)
    row().find_element(By.CSS_SELECTOR, "button[data-act=stages]").click()
    wait(d, lambda x: "Flagship" in x.find_element(By.CSS_SELECTOR, "#pipeline-stages h3").text)
    shown = [r.find_elements(By.TAG_NAME, "td")[1].text for r in d.find_elements(By.CSS_SELECTOR, "#stages-table tbody tr")]
    want = [x["name"] for p in api("/api/traffic/pipelines")["pipelines"] if p["id"] == 10418746 for x in p["stages"]]
    check("pipelines: the Flagship's stages in amoCRM's order", shown, want)
    check("pipelines: ... the stand-in's, unsorted first, 142 and 143 last",
          (shown[0], shown[-2:]), ("Неразобранное", ["Успешно реализовано", "Закрыто и не реализовано"]))
    row().find_element(By.CSS_SELECTOR, "button[data-act=edit]").click()
    f = css(d, "#pipeline-editor")
    name = f.find_element(By.NAME, "product_name")
    name.clear()
    name.send_keys("Флагман " + XSS)
    price = f.find_element(By.NAME, "list_price")
    price.clear()
    price.send_keys("512345.5")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    toast_text(d, "Флагман")
    check("pipelines: the product and list price set through the form are stored",
          sql("traffic", "SELECT product_name || '/' || default_amount FROM pipelines WHERE pipeline_id = 10418746"),
          "Флагман " + XSS + "/512345.50")
    check("pipelines: ... and copied to the landing database",
          sql("landing", "SELECT product_name || '/' || default_amount FROM pipelines WHERE pipeline_id = 10418746"),
          "Флагман " + XSS + "/512345.50")
    sp = lambda t: t.replace("\u00a0", " ").replace("\u202f", " ")
    wait(d, lambda x: "512 346 ₸" in sp(row().text))
    report(True, "pipelines: the table shows the new price rounded half up (512 345,5 -> 512 346 ₸)")
    check("pipelines: the product name is text, no markup", no_markup(d, "#pipelines-table td"), (True, 0, None))
    check("pipelines: the change is audited, by whom, before and after",
          sql("traffic", "SELECT action || '/' || entity || '/' || entity_id || '/' || (before->>'product_name') || '/' || (after->>'default_amount') "
                         "FROM attribution_audit WHERE entity = 'pipeline' AND action = 'update' ORDER BY id DESC LIMIT 1"),
          "update/pipeline/10418746/Flagship Course/512345.50")
    wait(d, lambda x: any("512 346 ₸" in sp(r.text) and "изменение" in r.text
                          for r in x.find_elements(By.CSS_SELECTOR, "#pipelines-audit-table tbody tr")))
    report(True, "pipelines: the audit row is on the page (цена: 490 000 ₸ -> 512 346 ₸)")
    # A stage renamed in amoCRM, synced from the page.
    http("POST", os.environ["AMOCRM_MOCK"] + "/__control/pipelines",
         json.dumps({"stage": {"pipeline_id": 10418746, "id": 82400003, "name": "Квалификация (звонок)"}}).encode(),
         {"Content-Type": "application/json"})
    css(d, "#pipelines-sync-now").click()
    toast_text(d, "Синхронизировано")
    row().find_element(By.CSS_SELECTOR, "button[data-act=stages]").click()
    wait(d, lambda x: "Квалификация (звонок)" in x.find_element(By.ID, "stages-table").text)
    report(True, "pipelines: a stage renamed in amoCRM shows after the sync button")
    errs = console_errors(d)
    report(not errs, "pipelines: no console errors after the changes", "\n".join(errs))


def csv_matches(d, sel, what):
    """The CSV link of table sel gives as many rows as the table shows."""
    with urllib.request.urlopen(css(d, sel + " a.csv").get_attribute("href"), timeout=30) as r:
        ctype = r.headers.get("Content-Type").split(";")[0]
        rows = list(csv.reader(io.StringIO(r.read().decode("utf-8-sig"))))
    shown = text_of(d, sel + " .pager span").split(" из ")[-1].replace("\u00a0", "").replace(" ", "")
    check("%s: the CSV link is the API's ?format=csv with the table's rows" % what,
          (ctype, str(len(rows) - 1)), ("text/csv", shown))


def no_markup(d, where):
    """The XSS value is on the page as text, and made no element."""
    found = d.execute_script(
        "return [...document.querySelectorAll(arguments[0])].some(e => e.textContent.includes(arguments[1]))",
        where, XSS)
    imgs = d.execute_script("return document.querySelectorAll('img').length")
    return found, imgs, no_alert(d)


def sales(d):
    tab(d, "sales", "#sales-table tbody tr")
    start = d.find_element(By.ID, "period-start").get_attribute("value")
    end = d.find_element(By.ID, "period-end").get_attribute("value")
    h = api("/api/amocrm/sales-history?start=%s&end=%s&limit=1000" % (start, end))
    info = text_of(d, "#sales-table .pager span")
    check("sales: the table holds the API's sales of the period",
          info.split(" из ")[-1].replace("\u00a0", " ").replace(" ", ""), str(len(h["sales"])))
    check("sales: a UTM value <img src=x onerror=alert(1)> is shown as text, no element, no alert",
          no_markup(d, "#sales-table td"), (True, 0, None))
    href = css(d, "#sales-table a.csv").get_attribute("href")
    st, ctype = None, None
    with urllib.request.urlopen(href, timeout=30) as r:
        st, ctype, body = r.status, r.headers.get("Content-Type"), r.read().decode("utf-8-sig")
    check("sales: the CSV link is the API's ?format=csv (200 text/csv, a row per sale)",
          (st, ctype.split(";")[0], body.count("\n") - 1), (200, "text/csv", int(h["stats"]["total_sales"])))
    # A filter over the loaded rows, then a sale's details with its events.
    Select(d.find_element(By.NAME, "product")).select_by_visible_text("Flagship Course")
    want = sum(1 for x in h["sales"] if x["product_name"] == "Flagship Course")
    wait(d, lambda x: text_of(x, "#sales-table .pager span").split(" из ")[-1].replace("\u00a0", "").replace(" ", "") == str(want), 10)
    report(True, "sales: the product filter keeps the %d Flagship sales" % want)
    Select(d.find_element(By.NAME, "product")).select_by_index(0)
    lead = next(x for x in h["sales"] if 800000 <= int(x["lead_id"]) < 800300)
    ev = api("/api/traffic/leads/%s/events" % lead["lead_id"])["events"]
    f = d.find_element(By.CSS_SELECTOR, "#sales-table input.filter")
    f.send_keys(lead["lead_id"])
    wait(d, lambda x: len(x.find_elements(By.CSS_SELECTOR, "#sales-table tbody tr.clickable")) == 1)
    css(d, "#sales-table tbody tr.clickable td").click()
    wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, "#sale-detail .loading") and
         x.find_elements(By.CSS_SELECTOR, "#sale-events .timeline, #sale-events .empty"))
    check("sales: the details show the lead's events timeline",
          len(d.find_elements(By.CSS_SELECTOR, "#sale-events .timeline li")), len(ev))
    report(len(ev) > 0, "sales: the sale has events (%d)" % len(ev))
    report(text_of(d, "#sale-rule") not in ("", "…"), "sales: the details name the deciding rule: " + text_of(d, "#sale-rule"))
    f.clear()


def utm(d):
    tab(d, "utm", "#utm-sources tbody tr")
    check("utm: the XSS source is text in the sources table", no_markup(d, "#utm-sources td"), (True, 0, None))
    for sel in ("#utm-sources", "#utm-campaigns", "#utm-without"):
        csv_matches(d, sel, "utm " + sel)
    rows = d.find_elements(By.CSS_SELECTOR, "#utm-sources tbody tr.clickable")
    xss = [r for r in rows if XSS in r.text]
    if not xss:
        d.find_element(By.CSS_SELECTOR, "#utm-sources input.filter").send_keys("img")
        xss = [r for r in d.find_elements(By.CSS_SELECTOR, "#utm-sources tbody tr.clickable") if XSS in r.text]
    xss[0].find_element(By.CSS_SELECTOR, "td").click()
    wait(d, EC.presence_of_element_located((By.ID, "source-card")))
    check("utm: the source's details open for the XSS source, as text", no_markup(d, "#source-card code"), (True, 0, None))
    box = css(d, "#utm-search")
    box.find_element(By.NAME, "utm_source").send_keys("fb_muha")
    box.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(d, lambda x: "Найдено:" in x.find_element(By.ID, "utm-search").find_element(By.XPATH, "..").text)
    got = {t.text for t in d.find_elements(By.CSS_SELECTOR, "#utm-found tbody td:nth-child(3)")}
    report(got == {"fb_muha"}, "utm: the search finds fb_muha's sales only", repr(got))
    errs = console_errors(d)
    report(not errs, "utm: no console errors", "\n".join(errs))


def funnel(d):
    tab(d, "funnel", "#funnel-table tbody tr")
    start = d.find_element(By.ID, "period-start").get_attribute("value")
    end = d.find_element(By.ID, "period-end").get_attribute("value")
    f = api("/api/traffic/funnel?pipeline_id=10350882&start=%s&end=%s" % (start, end))
    rows = d.find_elements(By.CSS_SELECTOR, "#funnel-table tbody tr")
    check("funnel: a row per stage", len(rows), len(f["stages"]))
    first = rows[0].find_elements(By.TAG_NAME, "td")
    check("funnel: the first stage's leads are the API's",
          first[2].text.replace("\u00a0", "").replace(" ", ""), str(f["stages"][0]["leads"]))
    report(f["leads"] > 0, "funnel: the generated events fill the funnel (%d leads)" % f["leads"])
    report(d.execute_script("return !!Chart.getChart(document.getElementById('funnel-chart'))"), "funnel: the chart is drawn")
    csv_matches(d, "#funnel-table", "funnel")
    # Every synced pipeline of the catalogue can be chosen: the Flagship's
    # stages are amoCRM's (the worker synced them from the stand-in).
    wait(d, lambda x: sql("traffic", "SELECT count(*) FROM pipeline_stages WHERE pipeline_id = 10418746") != "0", 30)
    d.execute_script("location.hash = 'overview'")
    tab(d, "funnel", "#funnel-table tbody tr")
    opts = [o.get_attribute("value") for o in css(d, "select[name=pipeline]").find_elements(By.TAG_NAME, "option")]
    check("funnel: the catalogue's pipelines to choose from", len(opts), int(sql("traffic", "SELECT count(*) FROM pipelines")))
    Select(css(d, "select[name=pipeline]")).select_by_value("10418746")
    fl = api("/api/traffic/funnel?pipeline_id=10418746&start=%s&end=%s" % (start, end))
    names = lambda: d.execute_script(
        "return [...document.querySelectorAll('#funnel-table tbody tr')].map(r => r.cells[1] ? r.cells[1].textContent : '')")
    wait(d, lambda x: names() == [st["name"] for st in fl["stages"]])
    report(names()[-1] == "Успешно реализовано", "funnel: the Flagship's stages from amoCRM, in its order, ending with 142")
    Select(css(d, "select[name=pipeline]")).select_by_value("10350882")
    wait(d, lambda x: len(names()) == len(f["stages"]))


def roi(d):
    tab(d, "roi", "#roi-table tbody tr")
    csv_matches(d, "#roi-table", "roi")
    csv_matches(d, "#spend-table", "roi spend")
    f = css(d, "#spend-form")
    Select(f.find_element(By.NAME, "team")).select_by_value("Muha")
    f.find_element(By.NAME, "amount").send_keys("12345")
    f.find_element(By.NAME, "campaign").send_keys("ui-test")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    toast_text(d, "Расход")
    check("roi: a spend entered in the form is stored",
          sql("traffic", "SELECT amount FROM ad_spend s JOIN traffic_teams t ON t.id = s.team_id WHERE t.name = 'Muha' AND campaign = 'ui-test'"),
          "12345.00")
    path = os.path.join(SHOTS, "..", "spend-upload.csv")
    with open(path, "w") as fh:
        fh.write("team,date,amount,currency,campaign,usd_to_kzt_rate\n"
                 "Arystan,2026-01-05,1000,KZT,ui-csv,\nTraf4,2026-01-05,2,USD,ui-csv,480\n")
    css(d, "#spend-upload input[type=file]").send_keys(os.path.abspath(path))
    css(d, "#spend-upload button[type=submit]").click()
    wait(d, lambda x: "Загружено строк: 2" in x.find_element(By.ID, "spend-upload").find_element(By.XPATH, "..").text, 15)
    check("roi: a CSV upload stores its rows",
          sql("traffic", "SELECT count(*) FROM ad_spend WHERE campaign = 'ui-csv'"), "2")
    os.remove(path)
    errs = console_errors(d)
    report(not errs, "roi: no console errors", "\n".join(errs))


def roi_facebook(d):
    """The ROI page with spend imported from Facebook (the Graph API
    stand-in): "Загрузить расходы" queues the import the worker runs; the
    spend source, the per-campaign table and the daily chart show it."""
    tab(d, "roi", "#roi-table tbody tr")
    start = d.find_element(By.ID, "period-start").get_attribute("value")
    end = datetime.date.fromisoformat(d.find_element(By.ID, "period-end").get_attribute("value"))
    rows = [{"date": (end - datetime.timedelta(days=i)).isoformat(), "campaign_id": "77%d" % c,
             "campaign_name": "fb_ui_%d" % c, "spend": "%d.50" % (10000 * (c + 1) + i), "impressions": 100,
             "clicks": 5} for i in range(5) for c in range(2)]
    status, _ = http("POST", os.environ["FB_MOCK"] + "/__control/accounts",
                     json.dumps({"accounts": {"5001": {"currency": "KZT", "rows": rows}}}).encode(),
                     {"Content-Type": "application/json"})
    check("roi facebook: the stand-in holds a Facebook ad account", status, 200)
    sql("traffic", "UPDATE traffic_teams SET fb_ad_account_id = 'act_5001' WHERE name = 'Kenesary'")
    btn = css(d, "#backfill")
    check("roi facebook: the backfill button", btn.text, "Загрузить расходы")
    btn.click()
    wait(d, lambda x: "Поставлено в очередь импортов: 1" in text_of(x, "#backfill-msg"), 15)
    deadline = time.time() + 30
    while time.time() < deadline and sql("traffic", "SELECT count(*) FROM fb_import_runs WHERE status = 'ok'") != "1":
        time.sleep(0.3)
    check("roi facebook: the worker imported the account",
          sql("traffic", "SELECT count(*) || ' ' || sum(amount_kzt) FROM ad_spend WHERE source = 'facebook'"),
          "10 %.2f" % sum(float(r["spend"]) for r in rows))
    d.execute_script("location.hash = arguments[0]", "overview")
    tab(d, "roi", "#campaign-table tbody tr")
    wait(d, lambda x: "готово" in text_of(x, "#imports-table"), 15)
    camp = text_of(d, "#campaign-table")
    report("fb_ui_0" in camp and "fb_ui_1" in camp and "Facebook" in camp,
           "roi facebook: the campaign table shows the imported campaigns and their source")
    csv_matches(d, "#campaign-table", "roi campaigns")
    daily = api("/api/traffic/roi/daily?start=%s&end=%s" % (start, end.isoformat()))
    drawn = d.execute_script(
        "const c = window.Chart && Chart.getChart(document.getElementById('roi-daily-chart'));"
        "return c ? [c.data.labels.length, c.data.datasets[0].data.reduce((a, b) => a + b, 0)] : null;")
    check("roi facebook: the daily chart draws every day's spend",
          drawn and [drawn[0], round(drawn[1], 2)],
          [len(daily["days"]), round(sum(float(x["spend"]) for x in daily["days"]), 2)])
    fbsum = sum(float(x["spend_facebook"]) for x in daily["days"])
    check("roi facebook: the spend source shows Facebook's part",
          text_of(d, "#spend-facebook").replace("\u00a0", " ").replace("\u202f", " "),
          "{:,}".format(round(fbsum)).replace(",", " ") + " ₸")
    # Map an utm_campaign to an imported campaign from the page.
    f = css(d, "#campaign-map-form")
    f.find_element(By.NAME, "utm_campaign").send_keys("fb-ui-old-name")
    f.find_element(By.NAME, "campaign").send_keys("fb_ui_0")
    f.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    toast_text(d, "Сопоставление сохранено")
    wait(d, lambda x: "fb-ui-old-name → fb_ui_0" in text_of(x, "#campaign-map"), 10)
    check("roi facebook: a mapping made on the page is stored",
          sql("traffic", "SELECT utm_campaign || '>' || campaign FROM campaign_map"), "fb-ui-old-name>fb_ui_0")
    css(d, "#campaign-map button[data-delete]").click()
    wait(d, lambda x: "fb-ui-old-name" not in text_of(x, "#campaign-map"), 10)
    check("roi facebook: ... and deleted", sql("traffic", "SELECT count(*) FROM campaign_map"), "0")
    errs = console_errors(d)
    report(not errs, "roi facebook: no console errors", "\n".join(errs))


def integrations(d):
    d.execute_script("location.hash = arguments[0]", "integrations")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#dead-letters tbody tr")))
    idle(d)
    missing = d.find_elements(By.ID, "health-missing")
    # /api/integrations/all answers 503 when something is unhealthy: the
    # browser logs that answer, the page shows it; its status is checked here.
    errs = console_errors(d, allow=("/api/integrations/",))
    report(not errs, "integrations: loads without console errors", "\n".join(errs))
    if missing:
        print("ok - integrations: health of amoCRM, Telegram, databases, spool, outbox "
              "# SKIP /api/integrations/all answers 404 (issue 11's API is not in this build)", flush=True)
    else:
        status, h = http("GET", URL + "/api/integrations/all")
        report(status in (200, 503), "integrations: /api/integrations/all answers 200 or 503 (%d)" % status)
        check("integrations: the banner shows the overall status",
              css(d, "#health-overall").get_attribute("data-status"), h["overall"]["status"])
        cards = {c.get_attribute("data-service"): c.get_attribute("data-status")
                 for c in d.find_elements(By.CSS_SELECTOR, "#health-cards [data-service]")}
        check("integrations: a card per check with the API's status",
              cards, {k: v["status"] for k, v in h.items() if isinstance(v, dict) and k not in ("overall",) and "status" in v})
    job = sql("traffic", "SELECT id FROM outbox_jobs WHERE dedup_key = 'ui-test-dead-1'")
    btn = css(d, "#dead-letters button[data-retry='%s']" % job)
    btn.click()
    toast_text(d, "снова в очереди")
    deadline = time.time() + 30
    while time.time() < deadline and sql("traffic", "SELECT state FROM outbox_jobs WHERE id = %s" % job) != "done":
        time.sleep(0.3)
    check("integrations: the dead letter retried from the page is delivered by the worker",
          sql("traffic", "SELECT state FROM outbox_jobs WHERE id = %s" % job), "done")
    with urllib.request.urlopen(os.environ["TELEGRAM_MOCK"] + "/__control/messages", timeout=10) as r:
        msgs = json.loads(r.read())
    report(any("Мёртвое письмо" in m.get("text", "") for m in msgs), "integrations: ... and Telegram got its message")
    wait(d, lambda x: not x.find_elements(By.CSS_SELECTOR, "#dead-letters button[data-retry='%s']" % job), 10)
    report(True, "integrations: the letter left the dead letters list")
    # A rejected webhook's raw body is shown as text.
    st, _ = http("GET", URL + "/api/integrations/webhook-requests?outcome=rejected&limit=1")
    if st == 404:
        print("ok - integrations: rejected webhook requests with their raw body "
              "# SKIP /api/integrations/webhook-requests answers 404 (issue 11's API is not in this build)", flush=True)
        return
    marker = "<script>window.pwned=1</script>ui-marker"
    http("POST", URL + "/api/amocrm/funnel-sale" + HOOK_Q, ("leads%5Bstatus%5D%5B0%5D%5Bid%5D=abc&x=" +
         urllib.parse.quote(marker)).encode(), {"Content-Type": "application/x-www-form-urlencoded"})
    css(d, "#health-refresh").click()
    wait(d, lambda x: "ui-marker" in x.execute_script(
        "return document.getElementById('rejected').textContent"), 15)
    check("integrations: the rejected request's body is text, no script ran",
          (d.execute_script("return window.pwned === undefined"), no_alert(d)), (True, None))
    idle(d)
    time.sleep(0.5)
    errs = console_errors(d, allow=("/api/integrations/",))
    report(not errs, "integrations: no console errors after the refresh", "\n".join(errs))


def leads(d):
    d.get(URL + "/integrator/admin/leads")
    wait(d, EC.presence_of_element_located((By.CSS_SELECTOR, "#leads-table tbody tr.clickable")))
    idle(d)
    errs = console_errors(d)
    report(not errs and no_alert(d) is None, "leads: loads without console errors", "\n".join(errs))
    st = api("/api/landing/leads/stats")["totals"]
    check("leads: the stats header shows the API's totals",
          (css(d, "#stat-leads").get_attribute("data-value"), css(d, "#stat-email").get_attribute("data-value")),
          (str(st["leads"]), str(st["email_sent"])))
    check("leads: a name and UTM <img src=x onerror=alert(1)> are text", no_markup(d, "#leads-table td"), (True, 0, None))
    csv_matches(d, "#leads-table", "leads")
    # The sync button: amoCRM has a lead whose contact has lead1's e-mail.
    body = json.dumps({"leads": [{"id": 9300001, "name": "Сделка UI", "price": 5000, "status_id": 81856842,
                                  "pipeline_id": 10350882, "created_at": int(time.time()) - 60,
                                  "updated_at": int(time.time()) - 60, "custom_fields_values": None,
                                  "account_id": 29000001,
                                  "_embedded": {"tags": [], "companies": [], "contacts": [{"id": 9400001, "is_main": True}]}}],
                       "contacts": [{"id": 9400001, "name": "Контакт UI", "custom_fields_values": [
                           {"field_id": 1003, "field_name": "Email", "field_code": "EMAIL", "field_type": "multitext",
                            "values": [{"value": "LEAD1@example.kz", "enum_code": "WORK"}]}]}]}).encode()
    http("POST", os.environ["AMOCRM_MOCK"] + "/__control/leads", body, {"Content-Type": "application/json"})
    css(d, "#sync-button").click()
    wait(d, EC.presence_of_element_located((By.ID, "sync-summary")), 60)
    s = css(d, "#sync-summary")
    check("leads: the sync runs against the stand-in amoCRM and shows its counts (new links)",
          s.get_attribute("data-updated"), "1")
    check("leads: ... the matched lead now has the amoCRM lead id",
          sql("landing", "SELECT amocrm_lead_id FROM landing_leads WHERE email = 'lead1@example.kz'"), "9300001")
    wait(d, lambda x: len(x.find_elements(By.CSS_SELECTOR, "#runs-table tbody tr")) >= 1 and
         "вручную" in x.find_element(By.ID, "runs-table").text, 10)
    report(True, "leads: the run is in the history")
    # A sync already running (another admin's, slowed down in amoCRM):
    # the button's 409 is shown as such.
    import threading
    http("POST", os.environ["AMOCRM_MOCK"] + "/__control/fail",
         json.dumps({"path_prefix": "/api/v4/leads", "status": 0, "delay_ms": 4000, "count": 1}).encode(),
         {"Content-Type": "application/json"})
    other = threading.Thread(target=http, args=("POST", URL + "/api/admin/landing/sync-amocrm", b"{}",
                                                 {"Content-Type": "application/json"}))
    other.start()
    time.sleep(1)
    css(d, "#sync-button").click()
    wait(d, EC.presence_of_element_located((By.ID, "sync-running")), 20)
    report("уже идёт" in text_of(d, "#sync-running"), "leads: a sync already running (409) is shown as such")
    other.join(30)
    console_errors(d, allow=("sync-amocrm",))
    # Push one lead to amoCRM and watch its status change.
    lid = sql("landing", "SELECT id FROM landing_leads WHERE email = 'lead2@example.kz'")
    q = css(d, "#leads-filter input[name=q]")
    q.send_keys("lead2@example.kz")
    css(d, "#leads-filter button[type=submit]").click()
    wait(d, lambda x: len(x.find_elements(By.CSS_SELECTOR, "#leads-table button[data-push='%s']" % lid)) == 1)
    css(d, "#leads-table button[data-push='%s']" % lid).click()
    wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "#push-progress li[data-lead='%s'] [data-status='synced']" % lid), 40)
    report(True, "leads: a lead pushed to amoCRM shows its new status (synced)")
    report(sql("landing", "SELECT amocrm_lead_id IS NOT NULL FROM landing_leads WHERE id = '%s'" % lid) == "t",
           "leads: ... and has its amoCRM lead id")
    wait(d, lambda x: x.find_elements(By.CSS_SELECTOR, "#leads-table [data-status='synced']"), 10)
    report(True, "leads: the table row shows the new status")
    q.clear()
    css(d, "#leads-filter button[type=submit]").click()
    idle(d)
    errs = console_errors(d)
    report(not errs, "leads: no console errors after the actions", "\n".join(errs))


TRAFFIC_TABS = [("overview", "#kpi-revenue"), ("sales", "#sales-table"), ("utm", "#utm-sources"),
                ("funnel", "#funnel-table"), ("roi", "#roi-table"), ("integrations", "#dead-letters"),
                ("teams", "#audit table"), ("pipelines", "#pipelines-table")]


def screens(d):
    d.get(URL + "/traffic/admin#overview")
    idle(d)
    screenshots(d, "traffic", TRAFFIC_TABS)
    d.get(URL + "/integrator/admin/leads")
    idle(d)
    screenshots(d, "leads", [(None, "#leads-table")])
    n = len([f for f in os.listdir(SHOTS) if f.endswith(".png") and not f.startswith("failed-")])
    check("screenshots: every page at 1366x768 and 390 px", n, 2 * (len(TRAFFIC_TABS) + 1))


def main():
    os.makedirs(SHOTS, exist_ok=True)
    d = driver()
    try:
        for name, fn in CHECKS:
            try:
                fn(d)
            except UnexpectedAlertPresentException as e:
                report(False, "%s: an alert opened (script injection?)" % name, str(e))
            except Exception as e:  # a broken page must not hide the others
                report(False, "%s: ran to the end" % name, traceback.format_exc())
                try:
                    shot(d, "failed-" + name)
                except Exception:
                    pass
    finally:
        d.quit()
    return 1 if failures else 0


CHECKS = [
    ("empty", empty_db),
    ("overview", overview),
    ("inbox", inbox),
    ("sales", sales),
    ("utm", utm),
    ("funnel", funnel),
    ("roi", roi),
    ("roi facebook", roi_facebook),
    ("integrations", integrations),
    ("teams", teams),
    ("worklist", worklist),
    ("pipelines", pipelines),
    ("leads", leads),
    ("screens", screens),
]

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The Traffic Dashboard inside an existing TLS site, in a real headless
Chromium (selenium + chromedriver), driven by tests/integ/deploy.sh.

The site has its own regex rule for static files and HSTS; the dashboard
must load its CSS and scripts through amosync's locations anyway and
leave "Загрузка…" behind. Prints TAP-like lines ("ok - ..." or "not ok -
...") that deploy.sh counts, and saves a screenshot to SHOT.

Environment: URL (https://127.0.0.1:PORT), AUTH (user:password of the
admin locations), SHOT (the PNG's path).
"""
import base64
import os
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["URL"]
AUTH = os.environ["AUTH"]
SHOT = os.environ["SHOT"]
failures = 0


def check(cond, what, detail=""):
    global failures
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        failures += 1
        for line in str(detail).splitlines():
            print("# " + line)


o = webdriver.ChromeOptions()
o.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
          "--disable-gpu", "--window-size=1366,768", "--lang=ru-RU",
          "--disable-extensions", "--no-first-run",
          # The test site's certificate is self-signed.
          "--ignore-certificate-errors"):
    o.add_argument(a)
o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
try:
    d.set_page_load_timeout(60)
    # The admin password, as a browser sends it after the prompt.
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {
        "Authorization": "Basic " + base64.b64encode(AUTH.encode()).decode()}})
    d.get(URL + "/traffic/admin")
    try:
        WebDriverWait(d, 30).until(lambda x: x.execute_script(
            "return document.body.dataset.ready === '1' && "
            "!document.querySelector('.loading')"))
        ready = True
    except Exception as e:  # a timeout: the page hangs on "Загрузка…"
        ready = False
        err = e
    check(ready, "the dashboard leaves \"Загрузка…\" behind inside the site",
          "" if ready else err)
    styled = d.execute_script(
        "return [...document.styleSheets].some(s => s.href && "
        "s.href.includes('/amosync-ui/css/') && s.cssRules.length > 0)")
    check(styled, "its stylesheet came through amosync's location, not the "
          "site's regex rule")
    chart = d.execute_script("return typeof window.Chart")
    check(chart == "function", "Chart.js loaded from /amosync-ui/vendor/",
          chart)
    body = d.execute_script("return document.body.innerText")
    check("Загрузка" not in body, "no \"Загрузка…\" left on the page",
          body[:500])
    severe = [e["message"] for e in d.get_log("browser")
              if e.get("level") == "SEVERE"]
    check(not severe, "no console error, failed load or CSP violation",
          "\n".join(severe))
    m = d.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = m.get("cssContentSize") or m["contentSize"]
    png = d.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": 1366,
                 "height": max(min(int(size["height"]), 3000), 300),
                 "scale": 1}})
    with open(SHOT, "wb") as f:
        f.write(base64.b64decode(png["data"]))
    check(os.path.getsize(SHOT) > 10000, "screenshot saved: " + SHOT)

    # The Integrations page's «Настроить amoCRM»: the dry run of amoCRM's
    # setup, shown in the page (amoCRM was set up by the README's step 6,
    # so nothing is left to change).
    d.get(URL + "/traffic/admin#integrations")
    from selenium.webdriver.common.by import By
    try:
        WebDriverWait(d, 30).until(lambda x: x.find_elements(By.ID, "amocrm-setup"))
        d.find_element(By.ID, "amocrm-setup").click()
        WebDriverWait(d, 30).until(lambda x: x.find_elements(
            By.CSS_SELECTOR, "#amocrm-setup-plan .card, #amocrm-setup-plan .error"))
        plan = d.find_element(By.ID, "amocrm-setup-plan")
        text = plan.text
        card = plan.find_elements(By.CSS_SELECTOR, ".card")
        changes = card[0].get_attribute("data-changes") if card else None
    except Exception as e:  # the button or its answer never came
        text, changes = str(e), None
    check(changes == "0" and "Вебхук funnel-sale" in text and
          "зарегистрирован" in text,
          "the Integrations page's «Настроить amoCRM» shows the plan: "
          "both webhooks registered, nothing to change", text)
    shot2 = SHOT.replace(".png", "-integrations.png")
    png = d.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    with open(shot2, "wb") as f:
        f.write(base64.b64decode(png["data"]))
finally:
    d.quit()
sys.exit(1 if failures else 0)

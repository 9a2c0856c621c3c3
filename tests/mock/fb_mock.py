#!/usr/bin/env python3
"""A loopback stand-in for the Facebook Graph API (Marketing API), for tests.

    python3 fb_mock.py --port P [--token T] [--version v24.0]
                       [--page-size N] [--state-file F] [--verbose]

Listens on 127.0.0.1. With --port 0 the chosen port is printed as the
first line of stdout. It behaves like the parts of the Graph API amosync
uses (lib/fb/api.h):

  GET /<version>/act_<id>/insights?level=campaign&time_increment=1
      &fields=campaign_id,campaign_name,spend,impressions,clicks,
              account_currency,date_start
      &time_range={"since":"YYYY-MM-DD","until":"YYYY-MM-DD"}
      &limit=N[&after=CURSOR]
                     one row per campaign and day with spend in the
                     range, as strings like Facebook's ("12.34"), day by
                     day, campaign by campaign; pages of min(limit,
                     page size) rows with paging.cursors.{before,after}
                     and paging.next (absent on the last page); a day or
                     campaign without spend has no row
  GET /<version>/debug_token?input_token=T
                     {"data": {"is_valid", "type": "SYSTEM_USER",
                     "expires_at" (0: never), "scopes": ["ads_read"], ...}}

A call needs the token, as "Authorization: Bearer T" or
?access_token=T; otherwise error 190 (HTTP 400), as Facebook answers.
Errors have Facebook's shape
  {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}
and every answer carries the usage headers x-app-usage,
x-ad-account-usage (insights) and x-business-use-case-usage (insights),
with the percentages set by /__control/config "usage".

Control (JSON bodies):

  POST /__control/accounts  {"accounts": {"<id>": {"currency": "USD",
                             "rows": [{"date", "campaign_id",
                             "campaign_name", "spend", "impressions",
                             "clicks"}]}}, "replace": false}
                            adds (or with replace, sets) accounts and
                            their rows; a row of the same account, date
                            and campaign replaces the old one
  POST /__control/revise    [{"account", "date", "campaign_id", "spend",
                             "after_calls": 1}]: once the account's
                            insights were read after_calls times (first
                            pages), that row's spend becomes "spend":
                            Facebook revising a day
  POST /__control/fail      {"code": 190|17|613|4|32|80004|200|10|...,
                             "subcode", "status" (HTTP; default 400, or a
                             5xx with code 1/2), "count" (default 1),
                             "account" (only that one), "path" ("insights"
                             or "debug_token"; default any),
                             "estimated_minutes" (x-business-use-case-
                             usage's estimated_time_to_regain_access),
                             "delay_ms"} or a list of them: the next count
                            matching calls are answered with that error
  POST /__control/config    {"page_size": N, "token": "...",
                             "delay_ms": N (every insights call),
                             "usage": {"pct": 95, "count": N} (the next N
                             insights answers report pct in every usage
                             header),
                             "expires_at": unix time, "scopes": [...]}
  GET  /__control/requests  [{"method", "path", "account", "after",
                             "since", "until", "auth" ("header"|"query"|
                             null), "auth_ok", "start", "end", "status"}]
                            (never the token itself)
  GET  /__control/stats     {"max_concurrent": {"<account>": n},
                             "calls": {"<account>": first pages served}}
  POST /__control/reset     forget requests, faults, revisions and stats;
                            {"data": true} also forgets the accounts

--state-file F: accounts, revisions and the request log are written to F
after every change (for a test to read after the mock stopped).
"""

import argparse
import base64
import json
import os
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Facebook's own answers for the errors amosync maps (lib/fb/api.c).
ERRORS = {
    1: ("An unknown error occurred", "OAuthException", 500),
    2: ("An unexpected error has occurred. Please retry your request "
        "later.", "OAuthException", 503),
    4: ("Application request limit reached", "OAuthException", 400),
    10: ("(#10) Application does not have permission for this action",
         "OAuthException", 400),
    17: ("(#17) User request limit reached", "OAuthException", 400),
    32: ("Page request limit reached", "OAuthException", 400),
    190: ("Error validating access token: Session has expired on "
          "Monday, 07-Dec-26 10:00:00 PST.", "OAuthException", 400),
    200: ("(#200) Ad account owner has NOT grant ads_management or "
          "ads_read permission", "OAuthException", 403),
    613: ("(#613) Calls to this api have exceeded the rate limit.",
          "OAuthException", 400),
    80004: ("There have been too many calls to this ad-account. Wait a "
            "bit and try again.", "OAuthException", 400),
}


def cursor(n):
    return base64.b64encode(("off:%d" % n).encode()).decode().rstrip("=")


def uncursor(c):
    try:
        s = base64.b64decode(c + "=" * (-len(c) % 4)).decode()
        if s.startswith("off:"):
            return int(s[4:])
    except (ValueError, UnicodeDecodeError):
        pass
    return None


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.token = args.token
        self.version = args.version
        self.page_size = args.page_size
        self.state_file = args.state_file
        self.accounts = {}
        self.revisions = []
        self.faults = []
        self.requests = []
        self.delay_ms = 0
        self.usage_pct = 0
        self.usage_count = 0
        self.expires_at = 0
        self.scopes = ["ads_read"]
        self.inflight = {}
        self.max_concurrent = {}
        self.calls = {}

    def save(self):
        if not self.state_file:
            return
        with open(self.state_file + ".tmp", "w") as f:
            json.dump({"accounts": self.accounts,
                       "revisions": self.revisions,
                       "requests": self.requests}, f)
        os.replace(self.state_file + ".tmp", self.state_file)

    def take_fault(self, path_kind, account):
        for f in self.faults:
            if f["count"] <= 0:
                continue
            if f.get("path") and f["path"] != path_kind:
                continue
            if f.get("account") and str(f["account"]) != account:
                continue
            f["count"] -= 1
            return dict(f)
        return None

    def usage(self):
        if self.usage_count > 0:
            self.usage_count -= 1
            return self.usage_pct
        return 3


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, obj=None, headers=None):
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, subcode=None, status=None, headers=None,
              message=None):
        msg, typ, http = ERRORS.get(code, ("An error occurred",
                                           "OAuthException", 400))
        err = {"message": message or msg, "type": typ, "code": code,
               "fbtrace_id": "AmockTrace%d" % int(time.time() * 1000)}
        if subcode is not None:
            err["error_subcode"] = subcode
        if code in (17, 4, 32, 613) or 80000 <= code <= 80014:
            err["is_transient"] = True
        self.send(status or http, {"error": err}, headers)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def usage_headers(self, st, account, pct, regain=0):
        h = {"x-app-usage": json.dumps({"call_count": pct,
                                        "total_cputime": max(pct - 2, 0),
                                        "total_time": max(pct - 1, 0)})}
        if account:
            h["x-ad-account-usage"] = json.dumps({
                "acc_id_util_pct": float(pct), "reset_time_duration": 0,
                "ads_api_access_tier": "standard_access"})
            h["x-business-use-case-usage"] = json.dumps({
                "1200000000000001": [{
                    "type": "ads_insights", "call_count": pct,
                    "total_cputime": max(pct - 2, 0),
                    "total_time": max(pct - 1, 0),
                    "estimated_time_to_regain_access": regain}]})
        return h

    def dispatch(self, method):
        u = urllib.parse.urlsplit(self.path)
        st = self.server.state
        if u.path.startswith("/__control/"):
            return self.control(method, u.path, self.body())
        self.body()
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        auth_h = self.headers.get("Authorization")
        qtok = q.get("access_token", [None])[0]
        m = re.fullmatch(r"/(v\d+\.\d+)/act_(\d+)/insights", u.path)
        account = m.group(2) if m else None
        kind = "insights" if m else (
            "debug_token" if re.fullmatch(r"/v\d+\.\d+/debug_token", u.path)
            else "other")
        rng = {}
        try:
            rng = json.loads(q.get("time_range", ["{}"])[0])
        except ValueError:
            pass
        rec = {"method": method, "path": u.path, "account": account,
               "after": q.get("after", [None])[0],
               "since": rng.get("since"), "until": rng.get("until"),
               "auth": "header" if auth_h else ("query" if qtok else None),
               "start": time.time()}
        with st.lock:
            rec["auth_ok"] = (auth_h == "Bearer " + st.token or
                              qtok == st.token)
            st.requests.append(rec)
            fault = st.take_fault(kind, account or "")
            delay = st.delay_ms if kind == "insights" else 0
            if account:
                n = st.inflight.get(account, 0) + 1
                st.inflight[account] = n
                st.max_concurrent[account] = max(
                    st.max_concurrent.get(account, 0), n)
        try:
            status = self.answer(st, kind, account, q, rec, fault, delay)
        finally:
            with st.lock:
                rec["end"] = time.time()
                rec["status"] = status if isinstance(status, int) else 0
                if account:
                    st.inflight[account] -= 1
                st.save()

    def answer(self, st, kind, account, q, rec, fault, delay):
        if fault and fault.get("delay_ms"):
            time.sleep(fault["delay_ms"] / 1000.0)
        if delay:
            time.sleep(delay / 1000.0)
        with st.lock:
            pct = st.usage() if kind == "insights" else 3
        if fault and fault.get("code"):
            code = int(fault["code"])
            regain = int(fault.get("estimated_minutes", 0))
            hdr = self.usage_headers(st, account, 100 if regain or code in
                                     (4, 17, 32, 613) or code >= 80000
                                     else pct, regain)
            status = fault.get("status") or ERRORS.get(code, ("", "", 400))[2]
            self.error(code, fault.get("subcode"), status, hdr)
            return status
        if not rec["auth_ok"]:
            self.error(190, 463 if rec["auth"] else None, 400,
                       message=None if rec["auth"] else
                       "An active access token must be used to query "
                       "information about the current user.")
            return 400
        ver = self.path.split("/")[1]
        if ver != st.version:
            self.error(2635, None, 400, message="You are calling a "
                       "deprecated version of the Ads API. Please update "
                       "to the latest version: %s." % st.version)
            return 400
        if kind == "debug_token":
            return self.debug_token(st, q, pct)
        if kind == "insights":
            return self.insights(st, account, q, rec, pct)
        self.error(100, 33, 400, message="Unsupported get request.")
        return 400

    def debug_token(self, st, q, pct):
        tok = q.get("input_token", [""])[0]
        ok = tok == st.token
        data = {"app_id": "900000000000001", "type": "SYSTEM_USER",
                "application": "amosync", "data_access_expires_at": 0,
                "expires_at": st.expires_at if ok else 0, "is_valid": ok,
                "issued_at": 1760000000, "scopes": st.scopes if ok else [],
                "user_id": "100000000000001"}
        if not ok:
            data["error"] = {"code": 190, "message": "Invalid OAuth access "
                             "token.", "subcode": 463}
        self.send(200, {"data": data}, self.usage_headers(st, None, pct))
        return 200

    def insights(self, st, account, q, rec, pct):
        fields = q.get("fields", [""])[0].split(",")
        if (q.get("level", [""])[0] != "campaign" or
                q.get("time_increment", [""])[0] != "1" or
                rec["since"] is None or rec["until"] is None):
            self.error(100, None, 400, message="(#100) Invalid parameter")
            return 400
        with st.lock:
            acct = st.accounts.get(account)
            if acct is None:
                self.error(100, 33, 400, message="Unsupported get request. "
                           "Object with ID 'act_%s' does not exist" % account)
                return 400
            if rec["after"] is None:
                st.calls[account] = st.calls.get(account, 0) + 1
                for r in st.revisions:
                    if (str(r["account"]) == account and not r.get("done")
                            and st.calls[account] > int(
                                r.get("after_calls", 1))):
                        for row in acct["rows"]:
                            if (row["date"] == r["date"] and
                                    str(row["campaign_id"]) ==
                                    str(r["campaign_id"])):
                                row["spend"] = str(r["spend"])
                        r["done"] = True
            rows = sorted((r for r in acct["rows"]
                           if rec["since"] <= r["date"] <= rec["until"]
                           and float(r["spend"]) > 0),
                          key=lambda r: (r["date"], str(r["campaign_id"])))
            cur = acct.get("currency", "USD")
            size = min(int(q.get("limit", ["25"])[0] or 25),
                       st.page_size or 1000)
        off = 0
        if rec["after"] is not None:
            off = uncursor(rec["after"])
            if off is None:
                self.error(100, None, 400, message="(#100) Invalid cursor")
                return 400
        page = rows[off:off + size]
        data = []
        for r in page:
            o = {"campaign_id": str(r["campaign_id"]),
                 "campaign_name": r["campaign_name"],
                 "spend": "%.2f" % float(r["spend"]),
                 "impressions": str(r.get("impressions", 0)),
                 "clicks": str(r.get("clicks", 0)),
                 "account_currency": cur,
                 "date_start": r["date"], "date_stop": r["date"]}
            data.append({k: v for k, v in o.items()
                         if k in fields or k == "date_stop"})
        out = {"data": data}
        if data:
            out["paging"] = {"cursors": {"before": cursor(off),
                                         "after": cursor(off + len(page))}}
            if off + len(page) < len(rows):
                nq = dict((k, v[0]) for k, v in q.items()
                          if k != "access_token")
                nq["after"] = cursor(off + len(page))
                out["paging"]["next"] = (
                    "http://127.0.0.1:%d%s?%s" % (
                        self.server.server_port, self.path.split("?")[0],
                        urllib.parse.urlencode(nq)))
        self.send(200, out, self.usage_headers(st, account, pct))
        return 200

    def control(self, method, path, raw):
        st = self.server.state
        try:
            arg = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self.send(400, {"error": "bad JSON"})
        if method == "GET" and path == "/__control/requests":
            with st.lock:
                reqs = list(st.requests)
            return self.send(200, reqs)
        if method == "GET" and path == "/__control/stats":
            with st.lock:
                out = {"max_concurrent": dict(st.max_concurrent),
                       "calls": dict(st.calls)}
            return self.send(200, out)
        if method != "POST":
            return self.send(405, {"error": "POST"})
        with st.lock:
            if path == "/__control/accounts":
                if arg.get("replace"):
                    st.accounts = {}
                for aid, a in (arg.get("accounts") or {}).items():
                    aid = str(aid).replace("act_", "")
                    cur = st.accounts.setdefault(
                        aid, {"currency": "USD", "rows": []})
                    if "currency" in a:
                        cur["currency"] = a["currency"]
                    for row in a.get("rows", []):
                        cur["rows"] = [
                            r for r in cur["rows"]
                            if not (r["date"] == row["date"] and
                                    str(r["campaign_id"]) ==
                                    str(row["campaign_id"]))]
                        cur["rows"].append(dict(row))
            elif path == "/__control/revise":
                for r in arg if isinstance(arg, list) else [arg]:
                    r = dict(r)
                    r["account"] = str(r["account"]).replace("act_", "")
                    st.revisions.append(r)
            elif path == "/__control/fail":
                for f in arg if isinstance(arg, list) else [arg]:
                    f = dict(f)
                    f["count"] = int(f.get("count", 1))
                    if f.get("account"):
                        f["account"] = str(f["account"]).replace("act_", "")
                    st.faults.append(f)
            elif path == "/__control/config":
                if "page_size" in arg:
                    st.page_size = int(arg["page_size"] or 0)
                if "token" in arg:
                    st.token = arg["token"]
                if "delay_ms" in arg:
                    st.delay_ms = int(arg["delay_ms"])
                if "usage" in arg:
                    st.usage_pct = int(arg["usage"].get("pct", 0))
                    st.usage_count = int(arg["usage"].get("count", 1))
                if "expires_at" in arg:
                    st.expires_at = int(arg["expires_at"])
                if "scopes" in arg:
                    st.scopes = list(arg["scopes"])
            elif path == "/__control/reset":
                st.requests, st.faults, st.revisions = [], [], []
                st.max_concurrent, st.calls = {}, {}
                if arg.get("data"):
                    st.accounts = {}
            else:
                return self.send(404, {"error": "no such control"})
            st.save()
        self.send(200, {"ok": True})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", default="fb-test-token")
    ap.add_argument("--version", default="v24.0")
    ap.add_argument("--page-size", type=int, default=0,
                    help="serve at most N rows per page (0: limit)")
    ap.add_argument("--state-file")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.state = State(args)
    srv.verbose = args.verbose
    print(srv.server_port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    srv.server_close()


if __name__ == "__main__":
    main()

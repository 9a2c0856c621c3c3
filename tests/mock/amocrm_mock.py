#!/usr/bin/env python3
"""A loopback stand-in for the amoCRM API v4, for tests.

    python3 amocrm_mock.py --port P [--token T] [--data F.json]
                           [--state-file F] [--page-cap N] [--verbose]

Listens on 127.0.0.1. With --port 0 the chosen port is printed as the
first line of stdout. It behaves like the parts of amoCRM amosync uses
(docs/amocrm.md section 4):

  GET /api/v4/account
  GET /api/v4/leads/{id}[?with=contacts]      204 when there is no such lead
  GET /api/v4/contacts/{id}                   204 when there is no such contact
  GET /api/v4/leads?limit=&page=&with=contacts&order[created_at]=desc
                   &filter[pipeline_id]=      HAL pages, _links.next.href
                                              back to this server, no next
                                              on the last page, 204 when empty
  GET /api/v4/contacts?filter[id][]=&query=&limit=&page=
                                              the same paging; query finds
                                              phone digits, e-mail or name
  GET /api/v4/leads?filter[updated_at][from]=&filter[updated_at][to]=
                   &order[updated_at]=asc     leads changed in that window
  GET /api/v4/webhooks                        the account's webhooks, each
                                              {id, destination, disabled,
                                              settings, ...}; 204 when none
  POST /api/v4/webhooks {"destination", "settings": [...]}
                                              subscribes a URL to events;
                                              an existing destination is
                                              updated (its settings
                                              replaced), not added twice;
                                              200 and the webhook; 400
                                              (validation-errors) for a
                                              missing or non-http(s) URL,
                                              an unknown event or a 101st
                                              webhook
  GET /api/v4/leads/custom_fields?page=&limit=
                                              the leads' custom fields
                                              (HAL pages of at most 50,
                                              _embedded.custom_fields:
                                              id, name, code, type, ...);
                                              the UTM tracking fields of
                                              the seed unless --data has
                                              "lead_fields"
  GET /api/v4/leads/pipelines                 the data's "pipelines", each
                                              with _embedded.statuses (id,
                                              name, sort, type, ...), 142
                                              and 143 among them
  POST /api/v4/leads/complex                  <= 50 leads, each with one
                                              contact (linked by id or
                                              created); the body is kept
                                              in the request log

Every API request needs "Authorization: Bearer <token>" (401 problem+json
otherwise). Data comes from --data ({"account": {...}, "leads": [...],
"contacts": [...], "pipelines": [...]}, amoCRM's own shapes; a lead's _embedded.contacts is
shown only with with=contacts) and can be changed at run time:

  POST /__control/leads     {"leads": [...], "contacts": [...],
                             "generate": {"count", "pipeline_id",
                             "status_id", "start_id", "contact_start_id",
                             "created_at"}, "replace": false}
  POST /__control/fail      {"path_prefix", "method", "status", "count",
                             "retry_after", "retry_after_header",
                             "delay_ms", "body", "content_type"} or a list:
                            the next `count` (default 1) matching requests
                            are answered so (status 0 = only delayed)
  POST /__control/config    {"page_cap": N, "token": "..."}
  POST /__control/webhooks  {"webhooks": [{"destination", "disabled"}]}
                            replaces the account's webhook list
  POST /__control/fields    {"lead_fields": [{"id", "name", "code",
                            "type"}]} replaces the leads' custom fields
  POST /__control/pipelines {"pipelines": [...]} replaces the pipelines;
                            {"stage": {"pipeline_id", "id", "name",
                            "sort", "delete"}} renames, moves, adds or
                            removes one stage
  GET  /__control/requests  [{"method", "path", "query", "auth", "auth_ok",
                              "time", "body" (not for GET)}]  (never the
                              header's value)
  POST /__control/reset     forget requests and faults; {"data": true}
                            also empties leads and contacts

--state-file F: the data and the request log are loaded from F at start
(when it exists) and written to it after every request.
"""

import argparse
import copy
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE_MAX = 250
# amoCRM's most webhooks per account, and the events a webhook may name.
WEBHOOKS_MAX = 100
WEBHOOK_EVENTS = {
    "%s_%s" % (verb, entity)
    for entity in ("lead", "contact", "company", "customer", "task")
    for verb in ("add", "update", "delete", "restore", "responsible", "note")
} | {"status_lead", "add_talk", "update_talk", "add_chat_template_review"}

# The leads' custom fields of the seed: the tracking fields amoCRM creates
# for UTM tags (ids as in the seed's leads and amosync's defaults) and two
# of the account's own.
DEFAULT_LEAD_FIELDS = [
    {"id": 434725, "name": "utm_content", "code": "UTM_CONTENT"},
    {"id": 434727, "name": "utm_medium", "code": "UTM_MEDIUM"},
    {"id": 434729, "name": "utm_campaign", "code": "UTM_CAMPAIGN"},
    {"id": 434731, "name": "utm_source", "code": "UTM_SOURCE"},
    {"id": 434733, "name": "utm_term", "code": "UTM_TERM"},
    {"id": 434735, "name": "utm_referrer", "code": "UTM_REFERRER"},
    {"id": 434761, "name": "fbclid", "code": "FBCLID"},
    {"id": 555001, "name": "Количество мест", "code": None,
     "type": "numeric"},
    {"id": 555002, "name": "Тариф", "code": None, "type": "select"},
]

DEFAULT_ACCOUNT = {
    "id": 29000001,
    "name": "amosync test account",
    "subdomain": "amosynctest",
    "created_at": 1600000000,
    "created_by": 0,
    "updated_at": 1700000000,
    "updated_by": 0,
    "current_user_id": 9000001,
    "country": "KZ",
    "currency": "KZT",
    "currency_symbol": "\u20b8",
    "customers_mode": "disabled",
    "is_unsorted_on": True,
    "is_loss_reason_enabled": True,
    "is_helpbot_enabled": False,
    "is_technical_account": False,
    "contact_name_display_order": 1,
}

PROBLEM = {
    400: ("Bad Request", "Request validation failed"),
    401: ("Unauthorized", "Invalid user name or password"),
    402: ("Payment Required", "Payment required"),
    403: ("Forbidden", "Access denied"),
    404: ("Not Found", "Not found"),
    405: ("Method Not Allowed", "Method not allowed"),
    422: ("Unprocessable Entity", "Unprocessable entity"),
    429: ("Too Many Requests", "Too many requests"),
    500: ("ErrInternalServer", "Internal server error"),
    502: ("Bad Gateway", "Bad gateway"),
    503: ("Service Unavailable", "Service unavailable"),
    504: ("Gateway Timeout", "Gateway timeout"),
}


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.token = args.token
        self.page_cap = args.page_cap
        self.state_file = args.state_file
        self.account = dict(DEFAULT_ACCOUNT)
        self.leads = {}
        self.contacts = {}
        self.faults = []
        self.requests = []
        self.webhooks = []
        self.lead_fields = copy.deepcopy(DEFAULT_LEAD_FIELDS)
        self.pipelines = []
        if args.data:
            with open(args.data, encoding="utf-8") as f:
                self.load(json.load(f))
        if self.state_file and os.path.exists(self.state_file):
            with open(self.state_file, encoding="utf-8") as f:
                st = json.load(f)
            self.load(st)
            self.requests = st.get("requests", [])

    def load(self, d):
        if "account" in d:
            self.account = d["account"]
        for lead in d.get("leads", []):
            self.leads[int(lead["id"])] = lead
        for c in d.get("contacts", []):
            self.contacts[int(c["id"])] = c
        if "webhooks" in d:
            self.webhooks = list(d["webhooks"])
        if "lead_fields" in d:
            self.lead_fields = list(d["lead_fields"])
        if "pipelines" in d:
            self.pipelines = d["pipelines"]

    def stage(self, arg):
        """Changes one stage ({"pipeline_id", "id", "name", "sort"}, any
        of name and sort), adds it when new, or removes it ("delete")."""
        for p in self.pipelines:
            if p["id"] != int(arg["pipeline_id"]):
                continue
            sts = p.setdefault("_embedded", {}).setdefault("statuses", [])
            for s in sts:
                if s["id"] == int(arg["id"]):
                    if arg.get("delete"):
                        sts.remove(s)
                        return True
                    for k in ("name", "sort"):
                        if k in arg:
                            s[k] = arg[k]
                    return True
            sts.append({"id": int(arg["id"]), "name": arg.get("name", ""),
                        "sort": int(arg.get("sort", 500)),
                        "is_editable": True, "pipeline_id": p["id"],
                        "color": "#99ccff", "type": 0,
                        "account_id": 29000001})
            return True
        return False

    def save(self):
        if not self.state_file:
            return
        d = {
            "account": self.account,
            "leads": list(self.leads.values()),
            "contacts": list(self.contacts.values()),
            "webhooks": self.webhooks,
            "lead_fields": self.lead_fields,
            "pipelines": self.pipelines,
            "requests": self.requests,
        }
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(d, f, ensure_ascii=False)
        os.replace(tmp, self.state_file)

    def take_fault(self, method, path):
        for f in self.faults:
            if not path.startswith(f.get("path_prefix", "/")):
                continue
            if f.get("method") and f["method"].upper() != method:
                continue
            f["count"] -= 1
            if f["count"] <= 0:
                self.faults.remove(f)
            return f
        return None


def generate(g):
    n = int(g.get("count", 1))
    pipeline = int(g.get("pipeline_id", 10350882))
    status = int(g.get("status_id", 142))
    lid = int(g.get("start_id", 50000000))
    cid = int(g.get("contact_start_id", 60000000))
    t0 = int(g.get("created_at", 1700000000))
    leads, contacts = [], []
    for i in range(n):
        leads.append({
            "id": lid + i,
            "name": "Generated lead %d" % (i + 1),
            "price": 5000,
            "responsible_user_id": 9000001,
            "group_id": 0,
            "status_id": status,
            "pipeline_id": pipeline,
            "created_at": t0 + i,
            "updated_at": t0 + i,
            "custom_fields_values": None,
            "account_id": 29000001,
            "_embedded": {"tags": [], "companies": [],
                          "contacts": [{"id": cid + i, "is_main": True}]},
        })
        contacts.append({
            "id": cid + i,
            "name": "Contact %d" % (i + 1),
            "custom_fields_values": [
                {"field_id": 1001, "field_name": "Phone",
                 "field_code": "PHONE", "field_type": "multitext",
                 "values": [{"value": "+7 (700) 000-%04d" % i,
                             "enum_id": 1, "enum_code": "MOB"}]},
                {"field_id": 1003, "field_name": "Email",
                 "field_code": "EMAIL", "field_type": "multitext",
                 "values": [{"value": "user%d@example.kz" % i,
                             "enum_id": 2, "enum_code": "WORK"}]},
            ],
        })
    return leads, contacts


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "amocrm-mock/1"

    # --- plumbing -------------------------------------------------------
    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("amocrm-mock: " + fmt % args + "\n")

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, obj=None, ctype="application/hal+json",
             raw=None, headers=None):
        data = b""
        if raw is not None:
            data = raw.encode() if isinstance(raw, str) else raw
        elif obj is not None:
            data = json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype + "; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if status != 204 and self.command != "HEAD":
            self.wfile.write(data)

    def problem(self, status, detail=None, extra=None):
        title, d = PROBLEM.get(status, ("Error", "Error"))
        obj = {"title": title, "type": "https://httpstatus.es/%d" % status,
               "status": status, "detail": detail or d}
        if extra:
            obj.update(extra)
        self.send(status, obj, "application/problem+json")

    def base(self):
        return "http://" + (self.headers.get("Host") or
                            "127.0.0.1:%d" % self.server.server_port)

    # --- dispatch -------------------------------------------------------
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        u = urllib.parse.urlsplit(self.path)
        st = self.server.state
        if u.path.startswith("/__control/"):
            return self.control(method, u.path, self.body())
        raw = self.body()
        auth = self.headers.get("Authorization")
        with st.lock:
            rec = {
                "method": method, "path": u.path, "query": u.query,
                "auth": auth is not None,
                "auth_ok": auth == "Bearer " + st.token,
                "time": time.time(),
            }
            if method != "GET":
                rec["body"] = raw.decode("utf-8", "replace")
            st.requests.append(rec)
            fault = st.take_fault(method, u.path)
            st.save()
        if fault:
            if fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000.0)
            if fault.get("status"):
                return self.fail(fault)
        if auth != "Bearer " + st.token:
            return self.problem(401)
        if method == "POST" and u.path == "/api/v4/leads/complex":
            return self.complex(raw)
        if method == "POST" and u.path == "/api/v4/webhooks":
            return self.webhook_add(raw)
        if method != "GET":
            return self.problem(405)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        m = re.fullmatch(r"/api/v4/leads/(\d+)", u.path)
        if m:
            return self.lead(int(m.group(1)), q)
        m = re.fullmatch(r"/api/v4/contacts/(\d+)", u.path)
        if m:
            return self.contact(int(m.group(1)))
        if u.path == "/api/v4/leads":
            return self.leads(u, q)
        if u.path == "/api/v4/contacts":
            return self.contacts_list(u, q)
        if u.path == "/api/v4/leads/pipelines":
            return self.pipelines()
        if u.path == "/api/v4/leads/custom_fields":
            return self.lead_fields(u, q)
        if u.path == "/api/v4/webhooks":
            return self.webhooks()
        if u.path == "/api/v4/account":
            with st.lock:
                acct = dict(st.account)
            acct["_links"] = {"self": {"href": self.base() +
                                       "/api/v4/account"}}
            return self.send(200, acct)
        return self.problem(404)

    def fail(self, f):
        status = int(f["status"])
        headers = {}
        if f.get("retry_after_header") and f.get("retry_after") is not None:
            headers["Retry-After"] = str(f["retry_after"])
        if "body" in f:
            body = f["body"]
            if not isinstance(body, str):
                body = json.dumps(body)
            self.send(status, raw=body,
                      ctype=f.get("content_type", "application/problem+json"),
                      headers=headers)
            return
        if status == 204:
            return self.send(204)
        title, detail = PROBLEM.get(status, ("Error", "Error"))
        obj = {"title": title, "type": "https://httpstatus.es/%d" % status,
               "status": status, "detail": f.get("detail", detail)}
        if status == 429 and f.get("retry_after") is not None:
            obj["retry_after"] = f["retry_after"]
        if status >= 500:
            obj["trace_id"] = "mock-trace"
        self.send(status, obj, "application/problem+json", headers=headers)

    # --- API ------------------------------------------------------------
    def render_lead(self, lead, with_contacts):
        out = copy.deepcopy(lead)
        emb = out.get("_embedded") or {}
        contacts = emb.pop("contacts", [])
        emb.setdefault("tags", [])
        emb.setdefault("companies", [])
        if with_contacts:
            emb["contacts"] = [
                {"id": c["id"], "is_main": bool(c.get("is_main")),
                 "_links": {"self": {"href": self.base() +
                                     "/api/v4/contacts/%d" % c["id"]}}}
                for c in contacts]
        out["_embedded"] = emb
        out.setdefault("custom_fields_values", None)
        out["_links"] = {"self": {"href": self.base() +
                                  "/api/v4/leads/%d" % out["id"]}}
        return out

    def lead(self, lid, q):
        st = self.server.state
        with st.lock:
            lead = st.leads.get(lid)
        if lead is None:
            return self.send(204)
        withs = ",".join(q.get("with", [])).split(",")
        self.send(200, self.render_lead(lead, "contacts" in withs))

    def contact(self, cid):
        st = self.server.state
        with st.lock:
            c = copy.deepcopy(st.contacts.get(cid))
        if c is None:
            return self.send(204)
        c.setdefault("custom_fields_values", None)
        c["_links"] = {"self": {"href": self.base() +
                                "/api/v4/contacts/%d" % cid}}
        c.setdefault("_embedded", {"tags": [], "companies": []})
        self.send(200, c)

    def leads(self, u, q):
        st = self.server.state

        def one(name, default=None):
            v = q.get(name)
            return v[0] if v else default

        try:
            limit = int(one("limit", "50"))
            page = int(one("page", "1"))
        except ValueError:
            return self.problem(400, "limit and page must be integers")
        if limit < 1 or page < 1:
            return self.problem(400, "limit and page must be positive")
        per = min(limit, PAGE_MAX)
        with st.lock:
            if st.page_cap:
                per = min(per, st.page_cap)
            items = list(st.leads.values())
        pipes = q.get("filter[pipeline_id]", []) + \
            q.get("filter[pipeline_id][]", [])
        if pipes:
            want = {int(p) for p in pipes if p.strip()}
            items = [x for x in items if int(x.get("pipeline_id", 0)) in want]
        for bound, cmp in (("from", lambda v, b: v >= b),
                           ("to", lambda v, b: v <= b)):
            v = one("filter[updated_at][%s]" % bound)
            if v is not None:
                try:
                    b = int(v)
                except ValueError:
                    return self.problem(400, "updated_at must be an integer")
                items = [x for x in items
                         if cmp(int(x.get("updated_at", 0)), b)]
        key, desc = "id", False
        for k in ("created_at", "updated_at", "id"):
            v = one("order[%s]" % k)
            if v is not None:
                key, desc = k, v.lower() == "desc"
                break
        items.sort(key=lambda x: (x.get(key, 0), x["id"]), reverse=desc)
        chunk = items[(page - 1) * per:page * per]
        if not chunk:
            return self.send(204)
        withs = ",".join(q.get("with", [])).split(",")
        pairs = urllib.parse.parse_qsl(u.query, keep_blank_values=True)

        def href(p):
            qs = [(k, v) for k, v in pairs if k != "page"] + [("page", p)]
            return self.base() + u.path + "?" + urllib.parse.urlencode(qs)

        links = {"self": {"href": href(page)}}
        if page * per < len(items):
            links["next"] = {"href": href(page + 1)}
        if page > 1:
            links["prev"] = {"href": href(page - 1)}
        self.send(200, {
            "_page": page,
            "_links": links,
            "_embedded": {"leads": [self.render_lead(x, "contacts" in withs)
                                    for x in chunk]},
        })

    def render_contact(self, c):
        c = copy.deepcopy(c)
        c.setdefault("custom_fields_values", None)
        c["_links"] = {"self": {"href": self.base() +
                                "/api/v4/contacts/%d" % c["id"]}}
        c.setdefault("_embedded", {"tags": [], "companies": []})
        return c

    def contacts_list(self, u, q):
        """GET /api/v4/contacts: filter[id][] (or filter[id]) and query
        (digits of a phone, or text of an e-mail or a name), paginated
        like leads, 204 when nothing is found."""
        st = self.server.state

        def one(name, default=None):
            v = q.get(name)
            return v[0] if v else default

        try:
            limit = int(one("limit", "50"))
            page = int(one("page", "1"))
        except ValueError:
            return self.problem(400, "limit and page must be integers")
        if limit < 1 or page < 1:
            return self.problem(400, "limit and page must be positive")
        if limit > PAGE_MAX:
            return self.problem(422, "Limit of 250 per page")
        ids = q.get("filter[id][]", []) + q.get("filter[id]", [])
        with st.lock:
            items = sorted(st.contacts.values(), key=lambda c: c["id"])
        if ids:
            want = {int(i) for i in ids if i.strip()}
            items = [c for c in items if int(c["id"]) in want]
        query = one("query")
        if query:
            digits = re.sub(r"\D", "", query)
            ql = query.strip().lower()

            def values(c, code):
                out = []
                for f in c.get("custom_fields_values") or []:
                    if f.get("field_code") == code:
                        out += [str(v.get("value", "")) for v in
                                f.get("values") or []]
                return out

            def hit(c):
                if len(digits) >= 5 and any(
                        digits in re.sub(r"\D", "", p)
                        for p in values(c, "PHONE")):
                    return True
                if any(ql in e.lower() for e in values(c, "EMAIL")):
                    return True
                return ql in (c.get("name") or "").lower()
            items = [c for c in items if hit(c)]
        chunk = items[(page - 1) * limit:page * limit]
        if not chunk:
            return self.send(204)
        pairs = urllib.parse.parse_qsl(u.query, keep_blank_values=True)

        def href(p):
            qs = [(k, v) for k, v in pairs if k != "page"] + [("page", p)]
            return self.base() + u.path + "?" + urllib.parse.urlencode(qs)

        links = {"self": {"href": href(page)}}
        if page * limit < len(items):
            links["next"] = {"href": href(page + 1)}
        self.send(200, {
            "_page": page,
            "_links": links,
            "_embedded": {"contacts": [self.render_contact(c)
                                       for c in chunk]},
        })

    def webhooks(self):
        """GET /api/v4/webhooks: the account's webhooks as amoCRM lists
        them, with the disabled flag it sets after failures."""
        st = self.server.state
        with st.lock:
            hooks = copy.deepcopy(st.webhooks)
        if not hooks:
            return self.send(204)
        out = [self.webhook_model(i, h) for i, h in enumerate(hooks)]
        self.send(200, {"_total_items": len(out),
                        "_links": {"self": {"href": self.base() +
                                            "/api/v4/webhooks"}},
                        "_embedded": {"webhooks": out}})

    def webhook_model(self, i, h):
        return {"id": h.get("id", 1000 + i),
                "destination": h["destination"],
                "created_at": h.get("created_at", 1700000000),
                "updated_at": h.get("updated_at", 1700000000),
                "account_id": 29000001, "created_by": 9000001,
                "sort": i + 1, "disabled": bool(h.get("disabled")),
                "settings": h.get("settings", ["status_lead"])}

    def webhook_add(self, raw):
        """POST /api/v4/webhooks: subscribes destination to settings.
        amoCRM keeps one webhook per destination: posting it again
        replaces its settings."""
        st = self.server.state
        try:
            body = json.loads(raw)
        except ValueError:
            return self.problem(400)
        errors = []
        if not isinstance(body, dict):
            return self.problem(400)
        dest = body.get("destination")
        settings = body.get("settings")
        if not isinstance(dest, str) or not re.match(r"https?://[^/?#]+",
                                                     dest):
            errors.append({"path": "destination",
                           "detail": "This value is not a valid URL."})
        if (not isinstance(settings, list) or not settings or
                any(e not in WEBHOOK_EVENTS for e in settings)):
            errors.append({"path": "settings",
                           "detail": "This value is not valid."})
        with st.lock:
            i = next((k for k, h in enumerate(st.webhooks)
                      if h["destination"] == dest), None)
            if not errors and i is None and \
                    len(st.webhooks) >= WEBHOOKS_MAX:
                errors.append({"path": "destination",
                               "detail": "Webhooks limit exceeded."})
            if errors:
                return self.problem(400, "Request validation failed", {"validation-errors": [
                    {"request_id": "0", "errors": errors}]})
            now = int(time.time())
            if i is None:
                ids = [h.get("id", 1000 + k)
                       for k, h in enumerate(st.webhooks)]
                st.webhooks.append({"id": max(ids + [1000]) + 1,
                                    "destination": dest,
                                    "created_at": now})
                i = len(st.webhooks) - 1
            h = st.webhooks[i]
            h["settings"] = list(dict.fromkeys(settings))
            h["updated_at"] = now
            out = self.webhook_model(i, h)
            st.save()
        self.send(200, out)

    def lead_fields(self, u, q):
        """GET /api/v4/leads/custom_fields: pages of 50 at most."""
        st = self.server.state
        try:
            page = int(q.get("page", ["1"])[0])
            limit = min(int(q.get("limit", ["50"])[0]), 50)
        except ValueError:
            return self.problem(400)
        if page < 1 or limit < 1:
            return self.problem(400)
        with st.lock:
            fields = copy.deepcopy(st.lead_fields)
        chunk = fields[(page - 1) * limit:page * limit]
        if not chunk:
            return self.send(204)
        out = []
        for k, f in enumerate(chunk):
            out.append({"id": f["id"], "name": f["name"],
                        "type": f.get("type", "tracking_data"),
                        "account_id": 29000001, "code": f.get("code"),
                        "sort": 500 + k, "is_api_only": False,
                        "enums": None, "group_id": None,
                        "required_statuses": [], "is_deletable": True,
                        "is_predefined": f.get("code") is not None,
                        "entity_type": "leads", "remind": None,
                        "_links": {"self": {"href": self.base() +
                                   "/api/v4/leads/custom_fields/%d" %
                                   f["id"]}}})

        def href(p):
            return (self.base() + "/api/v4/leads/custom_fields?page=%d"
                    "&limit=%d" % (p, limit))
        links = {"self": {"href": href(page)}}
        if page * limit < len(fields):
            links["next"] = {"href": href(page + 1)}
        self.send(200, {"_total_items": len(chunk), "_page": page,
                        "_page_count": (len(fields) + limit - 1) // limit,
                        "_links": links,
                        "_embedded": {"custom_fields": out}})

    def pipelines(self):
        """GET /api/v4/leads/pipelines: the account's pipelines (the data's
        "pipelines", amoCRM's shape), each with its stages in
        _embedded.statuses, 142 and 143 among them; 204 when none."""
        st = self.server.state
        with st.lock:
            pipes = json.loads(json.dumps(st.pipelines))
        if not pipes:
            return self.send(204)
        for p in pipes:
            p.setdefault("_links", {"self": {"href": self.base() +
                                             "/api/v4/leads/pipelines/%d"
                                             % p["id"]}})
        self.send(200, {"_total_items": len(pipes),
                        "_links": {"self": {"href": self.base() +
                                            "/api/v4/leads/pipelines"}},
                        "_embedded": {"pipelines": pipes}})

    def complex(self, raw):
        """POST /api/v4/leads/complex: at most 50 leads, each with one
        contact, linked by id (it must exist) or created with its custom
        fields. Answers [{id, contact_id, company_id, request_id, merged}]."""
        st = self.server.state
        try:
            items = json.loads(raw)
        except ValueError:
            return self.problem(400, "Request body is not valid JSON")
        if not isinstance(items, list) or not items:
            return self.problem(400, "Expected a non-empty array")
        if len(items) > 50:
            return self.problem(400, "Maximum 50 leads per request")
        out = []
        with st.lock:
            for item in items:
                cs = (item.get("_embedded") or {}).get("contacts") or []
                if len(cs) > 1:
                    return self.problem(400, "One contact per lead")
                cid = None
                if cs and cs[0].get("id"):
                    cid = int(cs[0]["id"])
                    if cid not in st.contacts:
                        return self.problem(400, "No contact %d" % cid)
                elif cs:
                    cid = max(list(st.contacts) + [70000000]) + 1
                    c = dict(cs[0])
                    c["id"] = cid
                    st.contacts[cid] = c
                lid = max(list(st.leads) + [80000000]) + 1
                now = int(time.time())
                st.leads[lid] = {
                    "id": lid, "name": item.get("name"),
                    "price": item.get("price", 0),
                    "status_id": item.get("status_id", 0),
                    "pipeline_id": item.get("pipeline_id", 0),
                    "created_at": now, "updated_at": now,
                    "custom_fields_values":
                        item.get("custom_fields_values") or None,
                    "account_id": 29000001,
                    "_embedded": {"tags": [], "companies": [],
                                  "contacts": ([{"id": cid, "is_main": True}]
                                               if cid else [])},
                }
                out.append({"id": lid, "contact_id": cid, "company_id": None,
                            "request_id": [str(item.get("request_id", ""))],
                            "merged": False})
            st.save()
        self.send(200, out)

    # --- control --------------------------------------------------------
    def control(self, method, path, raw):
        st = self.server.state
        try:
            arg = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self.send(400, {"error": "bad JSON"}, "application/json")
        if method == "GET" and path == "/__control/requests":
            with st.lock:
                reqs = list(st.requests)
            return self.send(200, reqs, "application/json")
        if method != "POST":
            return self.send(405, {"error": "POST"}, "application/json")
        with st.lock:
            if path == "/__control/leads":
                if arg.get("replace"):
                    st.leads, st.contacts = {}, {}
                st.load(arg)
                if arg.get("generate"):
                    leads, contacts = generate(arg["generate"])
                    st.load({"leads": leads, "contacts": contacts})
            elif path == "/__control/fail":
                for f in arg if isinstance(arg, list) else [arg]:
                    f = dict(f)
                    f["count"] = int(f.get("count", 1))
                    st.faults.append(f)
            elif path == "/__control/config":
                if "page_cap" in arg:
                    st.page_cap = int(arg["page_cap"] or 0)
                if "token" in arg:
                    st.token = arg["token"]
            elif path == "/__control/webhooks":
                st.webhooks = list(arg.get("webhooks", []))
            elif path == "/__control/fields":
                st.lead_fields = list(arg.get("lead_fields", []))
            elif path == "/__control/pipelines":
                if "pipelines" in arg:
                    st.pipelines = list(arg["pipelines"])
                if "stage" in arg and not st.stage(arg["stage"]):
                    return self.send(404, {"error": "no such pipeline"},
                                     "application/json")
            elif path == "/__control/reset":
                st.requests, st.faults = [], []
                if arg.get("data"):
                    st.leads, st.contacts = {}, {}
            else:
                return self.send(404, {"error": "no such control"},
                                 "application/json")
            st.save()
        self.send(200, {"ok": True}, "application/json")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", default="test-amocrm-token")
    ap.add_argument("--data")
    ap.add_argument("--state-file")
    ap.add_argument("--page-cap", type=int, default=0,
                    help="serve at most N leads per page (0: limit)")
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

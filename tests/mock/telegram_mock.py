#!/usr/bin/env python3
"""A loopback stand-in for the Telegram Bot API, for tests.

    python3 telegram_mock.py --port P [--token T] [--state-file F] [--verbose]

Listens on 127.0.0.1. With --port 0 the chosen port is printed as the
first line of stdout. It answers like Telegram
(docs/amocrm.md section 5):

  POST|GET /bot<token>/getMe
  POST|GET /bot<token>/sendMessage   JSON, urlencoded or query parameters
  POST|GET /bot<token>/getChat       {id, type, title}; a fault with
                                     method "getchat" and the chat's
                                     chat_id makes it fail (400, 403)

with the envelope {"ok", "result"} / {"ok": false, "error_code",
"description", "parameters"}. A wrong token gets 401 Unauthorized, an
unknown method 404. sendMessage checks what Telegram checks: chat_id and
text present, text at most 4096 UTF-16 units after entity parsing, and
with parse_mode HTML only Telegram's tags, properly nested, and only
&lt; &gt; &amp; &quot; and numeric entities.

Rate limits like Telegram's: sendMessage to one chat more than
--chat-per-minute times (default 20) in any 60 s, or more than
--per-second times (default 30) in any second for the bot, is answered
429 "Too Many Requests: retry after N" with parameters.retry_after N,
the seconds until a message would be accepted; the message is not
delivered. 0 turns a limit off. Refusals are counted in
/__control/stats.

Control API:
  POST /__control/fail      {"status", "count", "retry_after", "chat_id",
                             "migrate_to_chat_id", "delay_ms",
                             "description", "method", "raw_body"} or a
                            list: the next `count` (default 1) matching
                            calls are answered so. A migrate fault
                            (status 400 implied) skips calls already
                            addressed to the new chat.
  GET  /__control/messages  [{"message_id", "chat_id", "text",
                              "parse_mode", "link_preview_options",
                              "date"}]
  GET  /__control/requests  [{"method", "path" (token shown as ***),
                              "token_ok", "time"}]
  GET  /__control/stats     {"messages", "rate_limited", "by_chat":
                              {chat: messages}}
  POST /__control/config    {"chat_per_minute": N, "per_second": N}
  POST /__control/reset     forget messages, requests, faults and the
                            rate windows

--state-file F: messages and requests are loaded from F at start (when it
exists) and written to it after every call.
"""

import argparse
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TEXT_MAX = 4096
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji"}
NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
BOT = {"id": 7000000001, "is_bot": True, "first_name": "amosync test",
       "username": "amosync_test_bot", "can_join_groups": True,
       "can_read_all_group_messages": False,
       "supports_inline_queries": False, "can_connect_to_business": False,
       "has_main_web_app": False}


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


def parse_html(text):
    """Returns (plain text, None) or (None, error description)."""
    out, stack, i = [], [], 0
    tag = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^<>]*)>")
    ent = re.compile(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]+);")
    while i < len(text):
        c = text[i]
        if c == "<":
            m = tag.match(text, i)
            if not m:
                return None, ("can't parse entities: Unexpected end of "
                              "name token at byte offset %d" % i)
            name = m.group(2).lower()
            if name not in TAGS:
                return None, ("can't parse entities: Unsupported start tag "
                              "\"%s\" at byte offset %d" % (name, i))
            if m.group(1):
                if not stack or stack[-1] != name:
                    return None, ("can't parse entities: Unmatched end tag "
                                  "at byte offset %d, expected \"</%s>\", "
                                  "found \"</%s>\"" %
                                  (i, stack[-1] if stack else "", name))
                stack.pop()
            else:
                stack.append(name)
            i = m.end()
        elif c == "&":
            m = ent.match(text, i)
            if not m:
                out.append("&")
                i += 1
                continue
            e = m.group(1)
            if e.startswith("#x"):
                out.append(chr(int(e[2:], 16)))
            elif e.startswith("#"):
                out.append(chr(int(e[1:])))
            elif e in NAMED:
                out.append(NAMED[e])
            else:
                return None, ("can't parse entities: Unsupported HTML "
                              "entity \"&%s;\" at byte offset %d" % (e, i))
            i = m.end()
        else:
            out.append(c)
            i += 1
    if stack:
        return None, ("can't parse entities: Can't find end tag "
                      "corresponding to start tag \"%s\"" % stack[-1])
    return "".join(out), None


class State:
    def __init__(self, args):
        self.lock = threading.Lock()
        self.token = args.token
        self.state_file = args.state_file
        self.messages, self.requests, self.faults = [], [], []
        self.next_id = {}
        self.chat_per_minute = args.chat_per_minute
        self.per_second = args.per_second
        self.sent_at = {}       # chat -> [times of accepted messages]
        self.all_sent_at = []   # times of all accepted messages
        self.rate_limited = 0
        if self.state_file and os.path.exists(self.state_file):
            with open(self.state_file, encoding="utf-8") as f:
                st = json.load(f)
            self.messages = st.get("messages", [])
            self.requests = st.get("requests", [])
            for m in self.messages:
                k = str(m["chat_id"])
                self.next_id[k] = max(self.next_id.get(k, 1),
                                      m["message_id"] + 1)

    def save(self):
        if not self.state_file:
            return
        tmp = self.state_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"messages": self.messages, "requests": self.requests},
                      f, ensure_ascii=False)
        os.replace(tmp, self.state_file)

    def rate_wait(self, chat, now):
        """Seconds until chat may get a message (0: now); under lock."""
        k = str(chat)
        w = [t for t in self.sent_at.get(k, []) if t > now - 60]
        self.sent_at[k] = w
        self.all_sent_at = [t for t in self.all_sent_at if t > now - 1]
        wait = 0
        if self.chat_per_minute and len(w) >= self.chat_per_minute:
            wait = max(wait, w[-self.chat_per_minute] + 60 - now)
        if self.per_second and len(self.all_sent_at) >= self.per_second:
            wait = max(wait, self.all_sent_at[-self.per_second] + 1 - now)
        return wait

    def take_fault(self, method, chat_id):
        for f in self.faults:
            if f.get("method") and f["method"].lower() != method.lower():
                continue
            if f.get("chat_id") is not None and \
                    str(f["chat_id"]) != str(chat_id):
                continue
            mig = f.get("migrate_to_chat_id")
            if mig is not None and str(chat_id) == str(mig):
                continue
            f["count"] -= 1
            if f["count"] <= 0:
                self.faults.remove(f)
            return f
        return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "telegram-mock/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            # The request line holds the token: never print it.
            line = re.sub(r"/bot[^/ ]*", "/bot***", fmt % args)
            sys.stderr.write("telegram-mock: " + line + "\n")

    def send(self, status, obj=None, raw=None, ctype="application/json"):
        data = raw.encode() if raw is not None else \
            json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, code, desc, params=None):
        obj = {"ok": False, "error_code": code, "description": desc}
        if params:
            obj["parameters"] = params
        self.send(code, obj)

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def params(self, u, raw):
        p = {k: v[0] for k, v in
             urllib.parse.parse_qs(u.query, keep_blank_values=True).items()}
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if raw and ctype.strip() == "application/json":
            obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
            p.update(obj)
        elif raw:
            p.update({k: v[0] for k, v in urllib.parse.parse_qs(
                raw.decode("utf-8"), keep_blank_values=True).items()})
        return p

    def dispatch(self, method):
        u = urllib.parse.urlsplit(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n > 0 else b""
        if u.path.startswith("/__control/"):
            return self.control(method, u.path, raw)
        st = self.server.state
        m = re.fullmatch(r"/bot([^/]*)/([A-Za-z]+)", u.path)
        if not m:
            return self.error(404, "Not Found")
        token_ok = m.group(1) == st.token
        api = m.group(2).lower()
        try:
            p = self.params(u, raw)
        except (ValueError, UnicodeDecodeError):
            return self.error(400, "Bad Request: can't parse JSON")
        with st.lock:
            st.requests.append({"method": api, "http": method,
                                "path": "/bot***/" + m.group(2),
                                "token_ok": token_ok, "time": time.time()})
            fault = None
            if token_ok:
                fault = st.take_fault(api, p.get("chat_id"))
            st.save()
        if not token_ok:
            return self.error(401, "Unauthorized")
        if fault:
            if fault.get("delay_ms"):
                time.sleep(fault["delay_ms"] / 1000.0)
            if fault.get("status") or \
                    fault.get("migrate_to_chat_id") is not None:
                return self.fail(fault)
        if api == "getme":
            return self.send(200, {"ok": True, "result": BOT})
        if api == "sendmessage":
            return self.send_message(p)
        if api == "getchat":
            cid = str(p.get("chat_id") or "")
            if not cid:
                return self.error(400, "Bad Request: chat_id is empty")
            return self.send(200, {"ok": True, "result": {
                "id": int(cid) if cid.lstrip("-").isdigit() else 0,
                "type": "supergroup", "title": "chat " + cid}})
        return self.error(404, "Not Found")

    def fail(self, f):
        status = int(f.get("status") or 400)
        if "raw_body" in f:
            return self.send(status, raw=f["raw_body"], ctype="text/html")
        params = {}
        if f.get("migrate_to_chat_id") is not None:
            params["migrate_to_chat_id"] = int(f["migrate_to_chat_id"])
            desc = "Bad Request: group chat was upgraded to a supergroup chat"
        elif status == 429:
            ra = int(f.get("retry_after", 5))
            params["retry_after"] = ra
            desc = "Too Many Requests: retry after %d" % ra
        elif status == 403:
            desc = "Forbidden: bot was kicked from the supergroup chat"
        elif status == 400:
            desc = "Bad Request: chat not found"
        elif status == 401:
            desc = "Unauthorized"
        else:
            desc = "Internal Server Error"
        self.error(status, f.get("description", desc), params or None)

    def send_message(self, p):
        st = self.server.state
        chat = p.get("chat_id")
        text = p.get("text")
        if chat is None or chat == "":
            return self.error(400, "Bad Request: chat_id is empty")
        if not isinstance(text, str) or text == "":
            return self.error(400, "Bad Request: message text is empty")
        mode = p.get("parse_mode")
        plain = text
        if mode == "HTML":
            plain, err = parse_html(text)
            if err:
                return self.error(400, "Bad Request: " + err)
        elif mode not in (None, ""):
            return self.error(400, "Bad Request: unsupported parse_mode")
        if utf16_len(plain.strip()) == 0:
            return self.error(400, "Bad Request: message text is empty")
        if utf16_len(plain) > TEXT_MAX:
            return self.error(400, "Bad Request: message is too long")
        lpo = p.get("link_preview_options")
        if isinstance(lpo, str):
            try:
                lpo = json.loads(lpo)
            except ValueError:
                return self.error(400, "Bad Request: can't parse "
                                  "link_preview_options JSON object")
        now = int(time.time())
        with st.lock:
            t = time.time()
            wait = st.rate_wait(chat, t)
            if wait > 0:
                st.rate_limited += 1
            else:
                st.sent_at.setdefault(str(chat), []).append(t)
                st.all_sent_at.append(t)
        if wait > 0:
            ra = max(1, int(wait + 0.999))
            return self.error(429, "Too Many Requests: retry after %d" % ra,
                              {"retry_after": ra})
        with st.lock:
            k = str(chat)
            mid = st.next_id.get(k, 1)
            st.next_id[k] = mid + 1
            st.messages.append({"message_id": mid, "chat_id": chat,
                                "text": text, "parse_mode": mode,
                                "link_preview_options": lpo, "date": now})
            st.save()
        try:
            cid = int(chat)
            ctype = "supergroup" if cid < 0 else "private"
        except (TypeError, ValueError):
            cid, ctype = -1001000000000, "channel"
        self.send(200, {"ok": True, "result": {
            "message_id": mid,
            "from": {k: BOT[k] for k in ("id", "is_bot", "first_name",
                                         "username")},
            "chat": {"id": cid, "type": ctype},
            "date": now,
            "text": plain,
        }})

    def control(self, method, path, raw):
        st = self.server.state
        try:
            arg = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return self.send(400, {"error": "bad JSON"})
        if method == "GET" and path == "/__control/messages":
            with st.lock:
                return self.send(200, list(st.messages))
        if method == "GET" and path == "/__control/requests":
            with st.lock:
                return self.send(200, list(st.requests))
        if method == "GET" and path == "/__control/stats":
            with st.lock:
                by = {}
                for m in st.messages:
                    by[str(m["chat_id"])] = by.get(str(m["chat_id"]), 0) + 1
                return self.send(200, {"messages": len(st.messages),
                                       "rate_limited": st.rate_limited,
                                       "by_chat": by})
        if method != "POST":
            return self.send(405, {"error": "POST"})
        with st.lock:
            if path == "/__control/fail":
                for f in arg if isinstance(arg, list) else [arg]:
                    f = dict(f)
                    f["count"] = int(f.get("count", 1))
                    st.faults.append(f)
            elif path == "/__control/reset":
                st.messages, st.requests, st.faults = [], [], []
                st.next_id = {}
                st.sent_at, st.all_sent_at, st.rate_limited = {}, [], 0
            elif path == "/__control/config":
                if "chat_per_minute" in arg:
                    st.chat_per_minute = int(arg["chat_per_minute"])
                if "per_second" in arg:
                    st.per_second = int(arg["per_second"])
            else:
                return self.send(404, {"error": "no such control"})
            st.save()
        self.send(200, {"ok": True})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", default="123456:TEST-telegram-token")
    ap.add_argument("--state-file")
    ap.add_argument("--chat-per-minute", type=int, default=20)
    ap.add_argument("--per-second", type=int, default=30)
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

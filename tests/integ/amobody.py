#!/usr/bin/env python3
"""Writes an amoCRM webhook body exactly as amoCRM puts it on the wire
(PHP http_build_query: brackets as %5B/%5D, UTF-8 %XX, '+' for spaces).

usage: amobody.py SPEC-JSON   (or - : the spec on standard input)
SPEC: {"action": "status", "account_last": false,
       "leads": [{"id": 1, "pipeline_id": 10350882, "status_id": 142,
                  "price": "5000", "name": "...",
                  "fields": [[434731, "utm_source", "fb_kenesary"], ...]}]}
A field is [id, name, value] (value null = a field with no values).
"""
import json
import sys
from urllib.parse import quote_plus


def pairs(spec):
    out = []
    action = spec.get("action", "status")
    for n, lead in enumerate(spec["leads"]):
        base = "leads[%s][%d]" % (action, n)
        for key in ("id", "name", "status_id", "old_status_id", "price",
                    "responsible_user_id", "last_modified", "pipeline_id",
                    "old_pipeline_id", "account_id", "created_at",
                    "updated_at"):
            if key in lead:
                out.append(("%s[%s]" % (base, key), str(lead[key])))
        for i, f in enumerate(lead.get("fields", [])):
            fid, name, value = f
            out.append(("%s[custom_fields][%d][id]" % (base, i), str(fid)))
            out.append(("%s[custom_fields][%d][name]" % (base, i), name))
            if value is not None:
                out.append(("%s[custom_fields][%d][values][0][value]"
                            % (base, i), value))
    account = [("account[subdomain]", "onaiagencykz"),
               ("account[id]", "31234567")]
    return out + account if spec.get("account_last") else account + out


def main():
    spec = json.loads(sys.stdin.read() if sys.argv[1] == "-" else sys.argv[1])
    body = "&".join(quote_plus(k, safe="") + "=" + quote_plus(v, safe="")
                    for k, v in pairs(spec))
    sys.stdout.write(body)


if __name__ == "__main__":
    main()

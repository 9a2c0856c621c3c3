#!/usr/bin/env python3
"""Load for the fault suite (tests/integ/fault-*.sh): posts one amoCRM
won-lead delivery per deal id to a webhook URL with a few threads, and
writes "deal status seconds" per request (status 0: no answer).

usage: faultload.py URL FIRST COUNT THREADS OUT [PIPELINE]
       faultload.py --amo-leads FIRST COUNT [PIPELINE]   (prints the JSON
       for the amoCRM stand-in's /__control/leads: the same deals, won,
       5,000 KZT, utm_source fb_kenesary)
"""
import json
import sys
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import quote_plus

UTM = "fb_kenesary"


def body(deal, pipeline):
    p = "leads%5Bstatus%5D%5B0%5D%5B"
    pairs = [("id", deal), ("status_id", 142), ("old_status_id", 81854618),
             ("pipeline_id", pipeline), ("price", 5000)]
    out = ["%s%s%%5D=%s" % (p, k, quote_plus(str(v))) for k, v in pairs]
    f = p + "custom_fields%5D%5B0%5D%5B"
    out.append(f + "id%5D=434731")
    out.append(f + "name%5D=utm_source")
    out.append(f + "values%5D%5B0%5D%5Bvalue%5D=" + UTM)
    out.append("account%5Bid%5D=29000001&account%5Bsubdomain%5D=onaiacademy")
    return "&".join(out).encode()


def amo_leads(first, count, pipeline):
    leads = []
    for d in range(first, first + count):
        leads.append({"id": d, "name": "Fault %d" % d, "price": 5000,
                      "status_id": 142, "pipeline_id": pipeline,
                      "created_at": 1764200000, "updated_at": 1764300000,
                      "closed_at": 1764300000, "custom_fields_values": [
                          {"field_id": 434731, "field_name": "utm_source",
                           "field_code": "UTM_SOURCE",
                           "field_type": "tracking_data",
                           "values": [{"value": UTM}]}]})
    return {"leads": leads}


def main():
    if sys.argv[1] == "--amo-leads":
        pipeline = int(sys.argv[4]) if len(sys.argv) > 4 else 10350882
        json.dump(amo_leads(int(sys.argv[2]), int(sys.argv[3]), pipeline),
                  sys.stdout)
        return
    url, first, count, threads, out = sys.argv[1:6]
    pipeline = int(sys.argv[6]) if len(sys.argv) > 6 else 10350882
    first, count, threads = int(first), int(count), int(threads)
    todo = list(range(first, first + count))
    lock = threading.Lock()
    rows = []

    def work():
        while True:
            with lock:
                if not todo:
                    return
                deal = todo.pop(0)
            req = urllib.request.Request(url, data=body(deal, pipeline),
                                         method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            t = time.monotonic()
            try:
                with urllib.request.urlopen(req, timeout=40) as r:
                    r.read()
                    st = r.status
            except urllib.error.HTTPError as e:
                st = e.code
            except Exception:
                st = 0
            with lock:
                rows.append("%d %d %.3f" % (deal, st, time.monotonic() - t))

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    with open(out, "w") as f:
        f.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()

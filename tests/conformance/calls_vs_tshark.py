#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Every call tshark sees in a capture must be in the agent's records, with the
same Call-ID and final status.

A call is a Call-ID with an INVITE.  Its final status, from tshark's SIP
fields: the first 2xx answer to an INVITE if there is one (the call was
answered, whatever later re-INVITEs got), else the last final (>= 300) answer
to an INVITE (after a 401/407 the retried INVITE's answer counts), else 0.

Usage: calls_vs_tshark.py --tshark-fields FILE --calls-json FILE
  FILE of `tshark -r CAP -Y sip -T fields -E separator=/t -E occurrence=f
           -e sip.Call-ID -e sip.Method -e sip.Status-Code -e sip.CSeq.method`
Exit 0 when every call matches, 1 otherwise, 2 on unreadable input.
"""
import argparse
import json
import sys


def tshark_calls(path):
    calls = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 4 or not parts[0]:
                continue
            cid, method, status, cseq_method = parts[:4]
            c = calls.setdefault(cid, {"invite": False, "ok": 0, "fail": 0})
            if method == "INVITE":
                c["invite"] = True
            if status and cseq_method == "INVITE":
                code = int(status)
                if 200 <= code < 300 and not c["ok"]:
                    c["ok"] = code
                elif code >= 300:
                    c["fail"] = code
    return {cid: (c["ok"] or c["fail"]) for cid, c in calls.items() if c["invite"]}


def agent_calls(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    o = json.loads(line)
                except ValueError as e:
                    raise SystemExit("calls_vs_tshark: %s:%d: %s" % (path, n, e))
                out.setdefault(o["call_id"], []).append(o)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tshark-fields", required=True)
    ap.add_argument("--calls-json", required=True)
    a = ap.parse_args()
    want = tshark_calls(a.tshark_fields)
    got = agent_calls(a.calls_json)
    bad = 0
    for cid, status in sorted(want.items()):
        recs = got.get(cid, [])
        if len(recs) != 1:
            print("MISSING %s: tshark final %d, agent has %d records" % (cid, status, len(recs)))
            bad += 1
        elif recs[0]["final_status"] != status:
            print("DIFFER %s: tshark final %d, agent %d (%s)" % (cid, status, recs[0]["final_status"],
                                                                 recs[0]["state"]))
            bad += 1
        else:
            print("ok %s: final %d (%s)" % (cid, status, recs[0]["state"]))
    for cid in sorted(set(got) - set(want)):
        print("extra %s: the agent followed a call tshark does not list" % cid)
    print("%d of %d calls match" % (len(want) - bad, len(want)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

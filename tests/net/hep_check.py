#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""hep_check.py - the checks of test_hep.sh on what collectors received.

  sip ORACLE.tsv GOT.tsv TOL_US
      Every SIP message of ORACLE (tshark on the monitored link) is in GOT
      exactly once, and GOT has nothing else: the same payload bytes, source
      and destination addresses and ports, its time within TOL_US
      microseconds (0: exact).  A .tsv line: epoch seconds (9 decimals),
      src, dst, sport, dport, payload hex (tshark -T fields); a .jsonl file
      (hep_collector.py decode) is read for its SIP messages instead.
  headers DECODED.jsonl ID KEY NODE
      Every message carries agent ID, key and node name; its chunks start
      in the order captagent's and sngrep's receivers read in place; a SIP
      message's correlation ID is the Call-ID of its payload; types 5 and 34
      are JSON objects; a report has a correlation ID and, when its JSON has
      a MOS, a MOS chunk of MOS x 100.
  reports DECODED.jsonl CALLS.json INTERVAL
      Each valid stream of each record has exactly one FINAL report, with
      the call's Call-ID, the stream's addresses, ports and SSRC, and the
      record's packets, lost and jitter (exactly); and before it a PERIODIC
      report for every INTERVAL seconds of the stream but one (0: none
      expected).
  same A.jsonl B.jsonl [--resumed-after EPOCH]
      B (a TCP collector) holds messages of A (UDP), each the same bytes; with
      --resumed-after EPOCH, B holds some message made after EPOCH (it was
      restarted and the agent reached it again; 0: some message at all);
      without, B is A exactly.
  hostile DECODED.jsonl CALLS.json META.json
      hep_frames.py's calls: reports have exactly their keys; a UTF-8
      Call-ID is the JSON's CORRELATION_ID exactly; one that is not UTF-8
      is the record's printable form there; the correlation chunk is the
      Call-ID's bytes (the printable key for reports of one over 1 KiB).

Exit 0 when everything holds, 1 otherwise (each failure on a line).
"""
import binascii
import collections
import json
import re
import sys
from decimal import Decimal

FIXED = [1, 2, 7, 8, 9, 10, 11, 12]
REPORT_KEYS = {"CORRELATION_ID", "RTP_SIP_CALL_ID", "REPORT_TS", "TYPE", "SRC_IP", "SRC_PORT", "DST_IP",
               "DST_PORT", "SSRC", "CODEC_PT", "CODEC_NAME", "CLOCK", "DIR", "TOTAL_PK", "EXPECTED_PK",
               "PACKET_LOSS", "TL_BYTE", "OUT_ORDER", "JITTER", "MAX_JITTER", "MEAN_JITTER", "DELTA",
               "MAX_DELTA"}
MOS_KEYS = {"MOS", "MEAN_MOS", "RFACTOR"}
failures = []


def fail(msg):
    failures.append(msg)
    print("  " + msg)


def load_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def hep_us(d):
    return d["ts_sec"] * 1000000 + d["ts_usec"]


def sip_rows(path):
    """(us, src, dst, sport, dport, payload hex) of each SIP message."""
    rows = []
    if path.endswith(".jsonl"):
        for d in load_jsonl(path):
            if d["proto_type"] == 1:
                rows.append((hep_us(d), d["src"], d["dst"], d["sport"], d["dport"], d["payload_hex"]))
        return rows
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 6 or not p[5]:
                continue
            us = int(Decimal(p[0]) * 1000000)
            rows.append((us, p[1], p[2], int(p[3]), int(p[4]), p[5].replace(":", "").lower()))
    return rows


def cmd_sip(oracle, got, tol):
    want = sip_rows(oracle)
    have = collections.defaultdict(list)
    for r in sip_rows(got):
        have[r[1:]].append(r[0])
    worst = 0
    for r in want:
        times = have.get(r[1:])
        if not times:
            fail("SIP %s:%d -> %s:%d at %d us (%s...) not received" % (r[1], r[3], r[2], r[4], r[0],
                                                                     binascii.unhexlify(r[5])[:40]))
            continue
        best = min(times, key=lambda t: abs(t - r[0]))
        times.remove(best)
        worst = max(worst, abs(best - r[0]))
        if abs(best - r[0]) > tol:
            fail("SIP %s:%d -> %s:%d: time %d us against %d us" % (r[1], r[3], r[2], r[4], best, r[0]))
    extra = sum(len(v) for v in have.values())
    if extra:
        fail("%d SIP messages received that the oracle does not have" % extra)
    if not want:
        fail("the oracle has no SIP message")
    print("  %d SIP messages, each once, same bytes, addresses and ports; largest time difference %d us"
          % (len(want), worst))


CALL_ID = re.compile(rb"^(?:Call-ID|i)[ \t]*:[ \t]*(.*?)[ \t]*\r?$", re.I | re.M)


def cmd_headers(path, capture_id, key, node):
    n = collections.Counter()
    for d in load_jsonl(path):
        t = d["proto_type"]
        n[t] += 1
        what = "type %d message %s:%d" % (t, d["src"], d["sport"])
        if d["capture_id"] != capture_id or d.get("auth") != key or d.get("node") != node:
            fail("%s: agent ID %s, key %r, node %r" % (what, d["capture_id"], d.get("auth"), d.get("node")))
        order = d["order"]
        if order[:8] != FIXED or order[8] not in (3, 5) or order[9] != order[8] + 1 or \
                order[10:12] != [14, 15]:
            fail("%s: chunk order %s" % (what, order))
        payload = binascii.unhexlify(d["payload_hex"])
        if t == 1:
            m = CALL_ID.search(payload)
            if not m or d.get("correlation_hex") != binascii.hexlify(m.group(1)).decode():
                fail("%s: correlation %r, Call-ID %r" % (what, d.get("correlation"), m and m.group(1)))
            continue
        if t not in (5, 34):
            fail("%s: unexpected type" % what)
            continue
        try:
            j = json.loads(payload)
        except ValueError as e:
            fail("%s: payload is not JSON: %s" % (what, e))
            continue
        if not isinstance(j, dict):
            fail("%s: payload is not a JSON object" % what)
            continue
        if t == 34:
            if not d.get("correlation_hex"):
                fail("%s: no correlation ID" % what)
            if "MOS" in j and d.get("mos") != round(j["MOS"] * 100):
                fail("%s: MOS chunk %s, JSON MOS %s" % (what, d.get("mos"), j["MOS"]))
            if j.get("TYPE") not in ("PERIODIC", "FINAL"):
                fail("%s: TYPE %r" % (what, j.get("TYPE")))
    print("  %d SIP, %d RTCP, %d report messages: agent ID, key, node name, chunk order, Call-IDs, JSON, MOS chunk"
          % (n[1], n[5], n[34]))


def addr_port(s):
    host, port = s.rsplit(":", 1)
    return host.strip("[]"), int(port)


def cmd_reports(path, calls, interval):
    reports = collections.defaultdict(list)
    for d in load_jsonl(path):
        if d["proto_type"] != 34:
            continue
        j = json.loads(binascii.unhexlify(d["payload_hex"]))
        reports[(j["SSRC"], j["SRC_IP"], j["SRC_PORT"], j["DST_IP"], j["DST_PORT"])].append((d, j))
    nstreams = 0
    with open(calls) as f:
        for line in f:
            c = json.loads(line)
            for s in c["streams"]:
                if not s["valid"]:
                    continue
                nstreams += 1
                src, dst = addr_port(s["src"]), addr_port(s["dst"])
                key = (s["ssrc"], src[0], src[1], dst[0], dst[1])
                got = reports.pop(key, [])
                final = [j for d, j in got if j["TYPE"] == "FINAL"]
                periodic = [j for d, j in got if j["TYPE"] == "PERIODIC"]
                what = "call %s stream %s" % (c["call_id"][:40], s["ssrc"])
                if len(final) != 1:
                    fail("%s: %d FINAL reports" % (what, len(final)))
                    continue
                j = final[0]
                for rk, sk in (("TOTAL_PK", "packets"), ("PACKET_LOSS", "lost"), ("JITTER", "jitter_ms"),
                               ("MAX_JITTER", "max_jitter_ms"), ("MOS", "mos")):
                    if j.get(rk) != s[sk]:
                        fail("%s: %s %r, the record's %s %r" % (what, rk, j.get(rk), sk, s[sk]))
                # A Call-ID the record escapes (a backslash, bytes outside ASCII) is the hostile check's.
                if "\\" not in c["call_id"] and any(d.get("correlation") != c["call_id"] or
                                                    jj["CORRELATION_ID"] != c["call_id"] for d, jj in got):
                    fail("%s: correlation IDs %s" % (what, sorted({d.get("correlation") for d, jj in got})))
                # One at each multiple of the interval from the INVITE while the call is up: a stream of
                # d seconds sees at least d / interval - 1 of them.
                want = int((s["last_seen"] - s["first_seen"]) / interval) - 1 if interval else 0
                if len(periodic) < want:
                    fail("%s: %d PERIODIC reports over %.1f s, at least %d expected" %
                         (what, len(periodic), s["last_seen"] - s["first_seen"], want))
                if periodic and max(p["REPORT_TS"] for p in periodic) > j["REPORT_TS"]:
                    fail("%s: a PERIODIC report after the FINAL one" % what)
    if reports:
        fail("reports of no recorded stream: %s" % list(reports)[:3])
    if not nstreams:
        fail("no valid stream in the records")
    print("  %d streams: one FINAL report each with its record's packets, lost, jitter, max jitter and MOS"
          % nstreams)


def cmd_same(a, b, after):
    ma = collections.Counter(d["payload_hex"] + "/" + str(d["proto_type"]) + "/" + str(hep_us(d)) for d in load_jsonl(a))
    mb = collections.Counter(d["payload_hex"] + "/" + str(d["proto_type"]) + "/" + str(hep_us(d)) for d in load_jsonl(b))
    if mb - ma:
        fail("%d messages at the TCP collector that the UDP one did not get" % sum((mb - ma).values()))
    if after is None:
        if ma != mb:
            fail("the collectors differ: %d messages only over UDP" % sum((ma - mb).values()))
        print("  %d messages, the same at both collectors" % sum(ma.values()))
        return
    if not after:
        if not mb:
            fail("nothing reached the collector")
        print("  %d of %d messages at the collector, each the UDP collector's" % (sum(mb.values()), sum(ma.values())))
        return
    late = [d for d in load_jsonl(b) if hep_us(d) > after * 1000000]
    if not late:
        fail("nothing made after %.3f reached the collector restarted then" % after)
    print("  %d of %d messages at the restarted collector, %d of them made after it came back"
          % (sum(mb.values()), sum(ma.values()), len(late)))


def cmd_hostile(path, calls, meta_path):
    meta = {k: binascii.unhexlify(v) for k, v in json.load(open(meta_path)).items()}
    printable = {}
    with open(calls) as f:
        for line in f:
            c = json.loads(line)
            printable[c["call_id"]] = c
    seen = collections.Counter()
    for d in load_jsonl(path):
        corr = binascii.unhexlify(d.get("correlation_hex", ""))
        name = next((k for k, v in meta.items() if v == corr), None)
        if d["proto_type"] in (5, 34) and name is None:
            # Over 1 KiB: the call's printable key stands for it.
            name = "long" if corr.decode("ascii", "replace") in printable and len(corr) < 300 else None
        if name is None:
            fail("type %d message with correlation %r..." % (d["proto_type"], corr[:40]))
            continue
        seen[(name, d["proto_type"])] += 1
        if d["proto_type"] == 1:
            continue
        j = json.loads(binascii.unhexlify(d["payload_hex"]))
        if d["proto_type"] == 5:
            continue
        keys = set(j)
        if keys != REPORT_KEYS | MOS_KEYS:
            fail("%s: report keys %s" % (name, sorted(keys ^ (REPORT_KEYS | MOS_KEYS))))
        want = meta[name]
        try:
            text = want.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if name == "long":
            if j["CORRELATION_ID"] != corr.decode() or len(corr) >= 300:
                fail("long: CORRELATION_ID %r..., correlation chunk %r..." % (j["CORRELATION_ID"][:40], corr[:40]))
        elif text is not None:
            if j["CORRELATION_ID"] != text or j["RTP_SIP_CALL_ID"] != text:
                fail("%s: CORRELATION_ID %r, Call-ID %r" % (name, j["CORRELATION_ID"], text))
        elif j["CORRELATION_ID"] not in printable:
            fail("%s: CORRELATION_ID %r is not the record's call_id" % (name, j["CORRELATION_ID"]))
        if j["TOTAL_PK"] not in (98, 100) or j["TYPE"] != "FINAL":
            fail("%s: TOTAL_PK %r TYPE %r" % (name, j["TOTAL_PK"], j["TYPE"]))
    for name in meta:
        if seen[(name, 1)] != 5 or seen[(name, 5)] != 1 or seen[(name, 34)] != 2:
            fail("%s: %d SIP, %d RTCP, %d reports (5, 1, 2 expected)" % (name, seen[(name, 1)], seen[(name, 5)],
                                                                        seen[(name, 34)]))
    print("  %d calls with hostile Call-IDs: every message attributed, reports with exactly their keys, "
          "Call-IDs inside their strings" % len(meta))


def main():
    a = sys.argv[1:]
    if not a:
        print(__doc__, file=sys.stderr)
        return 2
    if a[0] == "sip":
        cmd_sip(a[1], a[2], int(a[3]))
    elif a[0] == "headers":
        cmd_headers(a[1], int(a[2]), a[3], a[4])
    elif a[0] == "reports":
        cmd_reports(a[1], a[2], float(a[3]))
    elif a[0] == "same":
        cmd_same(a[1], a[2], float(a[4]) if len(a) > 4 and a[3] == "--resumed-after" else None)
    elif a[0] == "hostile":
        cmd_hostile(a[1], a[2], a[3])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

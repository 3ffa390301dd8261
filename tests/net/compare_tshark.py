#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the agent's per-stream RTP figures with tshark's, the oracle.

Inputs:
  --tshark FILE      the text of `tshark -r CAP -q -z rtp,streams` ('-': stdin)
  --calls-json FILE  the agent's --calls-json output, one call object per line

For every stream tshark lists there must be exactly one agent stream with the
same source, destination and SSRC, with equal packet and loss counts, and
mean jitter, max jitter and max delta within the given tolerances (both tools
timestamp the same packets at slightly different points of the receive path,
so only the timing figures get a tolerance).  Agent streams tshark does not
list are reported but are not an error.

--min-completed N additionally requires N calls with state "completed" and
final_status 200.

Exit status: 0 when everything matches, 1 on any mismatch (or when tshark
found no stream), 2 on unreadable input.
"""

import argparse
import ipaddress
import json
import re
import sys

# Trailing numeric columns of a row, after "Lost": the "(x%)" part of Lost,
# then min/mean/max delta and min/mean/max jitter.  "Problems?" is "X" or empty.
_PCT = re.compile(r"^\((-?[0-9.]+|nan|inf)%\)$")


class InputError(Exception):
    pass


def parse_tshark_streams(text):
    """Rows of the rtp,streams table as dicts.

    Whitespace splitting from both ends rather than fixed columns: the Payload
    column may hold names with spaces ("DVI4 8k", "Exp. from Xerox PARC") and
    the widths change with the content.
    """
    rows = []
    in_table = False
    for lineno, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s.startswith("=") and "RTP Streams" in s:
            in_table = True
            continue
        if not in_table or not s:
            continue
        if s.startswith("="):
            break
        if s.startswith("Start time"):
            continue
        tok = s.split()
        problem = tok[-1] == "X"
        if problem:
            tok = tok[:-1]
        # 7 leading + payload (>= 1) + pkts + lost + pct + 6 timing columns
        if len(tok) < 17 or not _PCT.match(tok[-7]):
            raise InputError(f"tshark line {lineno}: cannot parse: {line!r}")
        try:
            row = {
                "src": join_addr(tok[2], tok[3]),
                "dst": join_addr(tok[4], tok[5]),
                "ssrc": int(tok[6], 16),
                "payload": " ".join(tok[7:-9]),
                "packets": int(tok[-9]),
                "lost": int(tok[-8]),
                "min_delta_ms": float(tok[-6]),
                "mean_delta_ms": float(tok[-5]),
                "max_delta_ms": float(tok[-4]),
                "min_jitter_ms": float(tok[-3]),
                "mean_jitter_ms": float(tok[-2]),
                "max_jitter_ms": float(tok[-1]),
                "problem": problem,
            }
        except ValueError as e:
            raise InputError(f"tshark line {lineno}: {e}: {line!r}") from e
        rows.append(row)
    if not in_table:
        raise InputError("no '=== RTP Streams ===' table in the tshark output")
    return rows


def join_addr(ip, port):
    """Canonical "ip:port" ("[v6]:port" for IPv6), as a comparison key."""
    addr = ipaddress.ip_address(ip)
    if addr.version == 6:
        if addr.ipv4_mapped:
            addr = addr.ipv4_mapped
        else:
            return f"[{addr.compressed}]:{int(port)}"
    return f"{addr}:{int(port)}"


def split_addr(text):
    """Parse the agent's "ip:port" / "[v6]:port" into the canonical form."""
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)|([0-9.]+):(\d+)", text)
    if not m:
        raise InputError(f"bad address {text!r}")
    ip, port = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    return join_addr(ip, port)


def read_calls(path):
    calls = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                call = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{lineno}: {e}") from e
            if not isinstance(call, dict):
                raise InputError(f"{path}:{lineno}: not a JSON object")
            calls.append(call)
    return calls


def agent_streams(calls):
    """Map (src, dst, ssrc) -> list of (call_id, stream dict)."""
    index = {}
    for call in calls:
        for st in call.get("streams") or []:
            try:
                ssrc = st["ssrc"]
                ssrc = int(ssrc, 16) if isinstance(ssrc, str) else int(ssrc)
                key = (split_addr(st["src"]), split_addr(st["dst"]), ssrc)
            except (KeyError, ValueError, TypeError) as e:
                raise InputError(f"call {call.get('call_id')!r}: bad stream {st!r}: {e}") from e
            index.setdefault(key, []).append((call.get("call_id"), st))
    return index


def num(st, name):
    v = st.get(name)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise InputError(f"stream field {name!r} is {v!r}, not a number")
    return v


def compare_streams(rows, index, jitter_tol, delta_tol, rel_tol=0.0):
    """Print one line per tshark stream; return the number of mismatches."""
    bad = 0
    seen = set()
    for r in rows:
        key = (r["src"], r["dst"], r["ssrc"])
        seen.add(key)
        name = f"{r['src']} -> {r['dst']} ssrc 0x{r['ssrc']:08x} ({r['payload']})"
        matches = index.get(key, [])
        if len(matches) != 1:
            print(f"MISMATCH {name}: {len(matches)} agent streams, want 1")
            bad += 1
            continue
        call_id, st = matches[0]
        try:
            got = {f: num(st, f) for f in
                   ("packets", "lost", "mean_jitter_ms", "max_jitter_ms", "max_delta_ms")}
        except InputError as e:
            print(f"MISMATCH {name}: {e}")
            bad += 1
            continue
        errs = []
        for f in ("packets", "lost"):
            if got[f] != r[f]:
                errs.append(f"{f} {got[f]} != {r[f]}")
        for f, tol in (("mean_jitter_ms", jitter_tol), ("max_jitter_ms", jitter_tol),
                       ("max_delta_ms", delta_tol)):
            # tshark prints 3 decimals: half a unit of its last digit is rounding, not error.
            allowed = max(tol, rel_tol * abs(r[f])) + 0.0005
            if abs(got[f] - r[f]) > allowed + 1e-9:
                errs.append(f"{f} |{got[f]:.3f} - {r[f]:.3f}| > {allowed:.4f}")
        print(f"{'MISMATCH' if errs else 'ok'} {name} call {call_id}: "
              f"pkts {got['packets']}/{r['packets']} lost {got['lost']}/{r['lost']} "
              f"mean_jitter {got['mean_jitter_ms']:.3f}/{r['mean_jitter_ms']:.3f} "
              f"max_jitter {got['max_jitter_ms']:.3f}/{r['max_jitter_ms']:.3f} "
              f"max_delta {got['max_delta_ms']:.3f}/{r['max_delta_ms']:.3f} ms (agent/tshark)"
              + (": " + "; ".join(errs) if errs else ""))
        bad += bool(errs)
    for key in sorted(set(index) - seen, key=str):
        print(f"note: agent stream {key[0]} -> {key[1]} ssrc 0x{key[2]:08x} not in tshark's table")
    return bad


def check_completed(calls, want):
    ok = [c for c in calls if c.get("state") == "completed" and c.get("final_status") == 200]
    print(f"{'ok' if len(ok) >= want else 'MISMATCH'} {len(ok)} of {len(calls)} calls "
          f"completed with 200, want >= {want}")
    return 0 if len(ok) >= want else 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tshark", metavar="FILE",
                    help="output of `tshark -q -z rtp,streams` ('-' for stdin)")
    ap.add_argument("--calls-json", metavar="FILE", required=True,
                    help="the agent's --calls-json file")
    ap.add_argument("--jitter-tol", type=float, default=0.05, metavar="MS",
                    help="allowed difference of mean and max jitter (default %(default)s ms)")
    ap.add_argument("--delta-tol", type=float, default=0.1, metavar="MS",
                    help="allowed difference of max delta (default %(default)s ms)")
    ap.add_argument("--rel-tol", type=float, default=0.0, metavar="FRACTION",
                    help="also allow this fraction of tshark's figure, when larger (default 0)")
    ap.add_argument("--sip-endpoints", metavar="FILE",
                    help="only streams with an end in this list of 'ip port' lines "
                         "(the media endpoints SIP's SDP announced) must match")
    ap.add_argument("--min-completed", type=int, default=0, metavar="N",
                    help="require N calls completed with final status 200")
    args = ap.parse_args(argv)
    if args.tshark is None and args.min_completed == 0:
        ap.error("nothing to check: give --tshark and/or --min-completed")

    try:
        calls = read_calls(args.calls_json)
        bad = 0
        if args.tshark is not None:
            if args.tshark == "-":
                text = sys.stdin.read()
            else:
                with open(args.tshark, encoding="utf-8") as f:
                    text = f.read()
            rows = parse_tshark_streams(text)
            if args.sip_endpoints:
                eps = set()
                with open(args.sip_endpoints, encoding="utf-8") as f:
                    for line in f:
                        try:
                            eps.add(join_addr(*line.split()[:2]))
                        except (TypeError, ValueError):
                            pass	# a field tshark could not decode: no endpoint

                def sip_signalled(r):
                    return r["src"] in eps or r["dst"] in eps
                for r in rows:
                    if not sip_signalled(r):
                        print(f"skip {r['src']} -> {r['dst']} ssrc 0x{r['ssrc']:08x}: "
                              "no end announced by SIP (another protocol signalled it)")
                rows = [r for r in rows if sip_signalled(r)]
            if not rows:
                print("MISMATCH tshark found no RTP stream")
                bad += 1
            bad += compare_streams(rows, agent_streams(calls), args.jitter_tol, args.delta_tol,
                                   args.rel_tol)
        if args.min_completed:
            bad += check_completed(calls, args.min_completed)
    except (OSError, InputError) as e:
        print(f"compare_tshark: {e}", file=sys.stderr)
        return 2
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

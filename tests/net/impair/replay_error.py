#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""How far a replay's timing is from the capture it replayed.

Inputs are two `tshark -q -z rtp,streams` outputs: one of the original
capture, one of what the receiving interface saw during the replay.  For each
stream (same source, destination and SSRC) prints the received figures beside
the original's and their difference, then one line with the largest absolute
difference of mean jitter, max jitter and max delta over all streams:

  replay-error mean_jitter 0.004 max_jitter 0.011 max_delta 0.090 ms

Packets and lost must be equal (a replay neither loses nor adds RTP on a veth):
a difference is printed and makes the exit status 1.  --sip-endpoints limits
the streams as in compare_tshark.py.  Exit: 0, 1 (counts differ or a stream is
missing), 2 (unreadable input).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from compare_tshark import InputError, join_addr, parse_tshark_streams  # noqa: E402

TIMING = ("mean_jitter_ms", "max_jitter_ms", "max_delta_ms")


def read_rows(path, eps):
    with open(path, encoding="utf-8") as f:
        rows = parse_tshark_streams(f.read())
    if eps is not None:
        rows = [r for r in rows if r["src"] in eps or r["dst"] in eps]
    return {(r["src"], r["dst"], r["ssrc"]): r for r in rows}


def read_endpoints(path):
    eps = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                eps.add(join_addr(*line.split()[:2]))
            except (TypeError, ValueError):
                pass
    return eps


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--original", required=True, metavar="FILE")
    ap.add_argument("--received", required=True, metavar="FILE")
    ap.add_argument("--sip-endpoints", metavar="FILE")
    args = ap.parse_args(argv)
    try:
        eps = read_endpoints(args.sip_endpoints) if args.sip_endpoints else None
        orig = read_rows(args.original, eps)
        recv = read_rows(args.received, eps)
    except (OSError, InputError) as e:
        print(f"replay_error: {e}", file=sys.stderr)
        return 2
    bad = 0
    worst = dict.fromkeys(TIMING, 0.0)
    for key in sorted(set(orig) | set(recv), key=str):
        name = f"{key[0]} -> {key[1]} ssrc 0x{key[2]:08x}"
        if key not in orig or key not in recv:
            print(f"MISMATCH {name}: only in the {'original' if key in orig else 'received'} capture")
            bad += 1
            continue
        o, r = orig[key], recv[key]
        errs = [f"{f} {r[f]} != {o[f]}" for f in ("packets", "lost") if r[f] != o[f]]
        diffs = []
        for f in TIMING:
            d = r[f] - o[f]
            worst[f] = max(worst[f], abs(d))
            diffs.append(f"{f[:-3]} {r[f]:.3f}/{o[f]:.3f} ({d:+.3f})")
        print(f"{'MISMATCH' if errs else 'replay'} {name}: pkts {r['packets']}/{o['packets']} "
              f"lost {r['lost']}/{o['lost']} " + " ".join(diffs) + " ms (received/original)"
              + (": " + "; ".join(errs) if errs else ""))
        bad += bool(errs)
    if not orig:
        print("MISMATCH no stream in the original capture")
        bad += 1
    print("replay-error " + " ".join(f"{f[:-3]} {worst[f]:.3f}" for f in TIMING) + " ms")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Drop, duplicate and delay chosen packets of one RTP stream in a capture.

The stream is the RTP (version 2) flowing to --dst IP:PORT with payload type
--pt; its first packet is index 0 and the capture must hold it complete and in
order (consecutive sequence numbers), or the expected figures below would not
be exact.  Operations, by index in that stream (comma-separated lists):

  --drop I          packet I is removed
  --dup I:J         a copy of packet I is sent 1 ms after packet J (J >= I)
  --delay I:J       packet I is held back and sent 1 ms after packet J (J > I)

Every other frame (SIP, other streams) keeps its place and time.  The output
capture is sorted by time, so tcpreplay sends it in that order.

--expect FILE receives the figures a receiver must report for the stream, as
JSON.  They come from the definitions, replayed over the new packet order with
unbounded memory, not from any implementation's window:
  packets       frames of the stream in the output (duplicates included)
  lost          RFC 3550 A.3: (highest - first + 1) - packets
  duplicates    packets whose sequence number was already received
  out_of_order  packets that arrive behind the highest sequence number so far
                and were not received before
and the list of sequence numbers in sending order ("order").  The script
refuses operations that make the figures ambiguous: touching the first or last
packet, dropping a packet it also duplicates or delays, a duplicate more than
63 packets after its original (where a 64-packet duplicate window may call it
late), two operations moving the same packet, or 1 ms that would overtake the
next frame of the stream.
Exit: 0, 1 (stream not found or not clean), 2 (bad operations).
"""

import argparse
import json
import sys

from scapy.all import IP, UDP, Raw, rdpcap, wrpcap  # noqa: F401 (Raw: payload bytes)

SHIFT = 0.001


def pairs(text):
    out = []
    for item in filter(None, (text or "").split(",")):
        i, j = item.split(":")
        out.append((int(i), int(j)))
    return out


def rtp_fields(pkt, dst_ip, dst_port, pt):
    if IP not in pkt or UDP not in pkt:
        return None
    if pkt[IP].dst != dst_ip or pkt[UDP].dport != dst_port:
        return None
    b = bytes(pkt[UDP].payload)
    if len(b) < 12 or b[0] >> 6 != 2 or (b[1] & 0x7F) != pt:
        return None
    return {"seq": int.from_bytes(b[2:4], "big"), "ssrc": int.from_bytes(b[8:12], "big")}


def expected(order):
    seen = set()
    highest = None
    dup = late = 0
    for seq in order:	# no 16-bit wrap inside the stream: checked by the caller
        if seq in seen:
            dup += 1
        elif highest is not None and seq < highest:
            late += 1
        seen.add(seq)
        highest = seq if highest is None else max(highest, seq)
    exp = max(order) - min(order) + 1
    return {"packets": len(order), "lost": exp - len(order), "duplicates": dup,
            "out_of_order": late, "order": order}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--dst", required=True, metavar="IP:PORT")
    ap.add_argument("--pt", type=int, required=True)
    ap.add_argument("--drop", default="")
    ap.add_argument("--dup", default="")
    ap.add_argument("--delay", default="")
    args = ap.parse_args(argv)
    dst_ip, dst_port = args.dst.rsplit(":", 1)
    dst_port = int(dst_port)

    frames = rdpcap(args.inp)
    stream = []		# (frame index, seq)
    ssrc = None
    for k, pkt in enumerate(frames):
        f = rtp_fields(pkt, dst_ip, dst_port, args.pt)
        if f is None:
            continue
        if ssrc is None:
            ssrc = f["ssrc"]
        if f["ssrc"] == ssrc:
            stream.append((k, f["seq"]))
    if len(stream) < 2:
        print(f"impair_rtp: no RTP stream to {args.dst} with PT {args.pt}", file=sys.stderr)
        return 1
    seqs = [s for _, s in stream]
    if seqs != list(range(seqs[0], seqs[0] + len(seqs))) or seqs[-1] > 0xFFFF:
        print(f"impair_rtp: stream 0x{ssrc:08x} is not {len(seqs)} consecutive sequence "
              "numbers without wrap in the capture: expected figures would not be exact",
              file=sys.stderr)
        return 1
    n = len(stream)

    drops = {int(x) for x in filter(None, args.drop.split(","))}
    dups, delays = pairs(args.dup), pairs(args.delay)
    moved = [i for i, _ in delays]
    touched = sorted(drops) + [i for i, j in dups + delays] + [j for _, j in dups + delays]
    problems = []
    if any(i <= 0 or i >= n - 1 for i in touched):
        problems.append(f"an index outside 1..{n - 2} (first and last packet stay)")
    if drops & ({i for i, _ in dups + delays} | {j for _, j in dups + delays}):
        problems.append("a dropped packet is also duplicated, delayed or an anchor")
    if len(set(moved)) != len(moved):
        problems.append("a packet delayed twice")
    if any(j < i or j - i > 63 for i, j in dups):
        problems.append("a duplicate before its original or more than 63 packets after it")
    if any(j <= i for i, j in delays):
        problems.append("a delay that does not move the packet later")
    if set(moved) & {j for _, j in dups + delays}:
        problems.append("a delayed packet used as an anchor")
    for i, j in dups + delays:
        if j + 1 < n and float(frames[stream[j + 1][0]].time - frames[stream[j][0]].time) <= 2 * SHIFT:
            problems.append(f"packet {j + 1} follows {j} within {2 * SHIFT * 1000:.0f} ms")
    if problems:
        print("impair_rtp: " + "; ".join(problems), file=sys.stderr)
        return 2

    out = []	# (time, tiebreak, frame)
    drop_frames = {stream[i][0] for i in drops}
    moved_frames = {stream[i][0]: j for i, j in delays}
    for k, pkt in enumerate(frames):
        if k in drop_frames:
            continue
        t = pkt.time
        if k in moved_frames:
            t = frames[stream[moved_frames[k]][0]].time + SHIFT
        out.append((t, k, pkt))
    for m, (i, j) in enumerate(dups):
        src = frames[stream[i][0]]
        copy = src.copy()
        # Two copies after one anchor would share the time: 1 us apart.
        t = frames[stream[j][0]].time + SHIFT + m * 1e-6
        copy.time = t
        out.append((t, len(frames) + m, copy))
    out.sort(key=lambda x: (x[0], x[1]))
    for t, _, pkt in out:
        pkt.time = t
    wrpcap(args.out, [p for _, _, p in out])

    order = []
    for _, _, pkt in out:
        f = rtp_fields(pkt, dst_ip, dst_port, args.pt)
        if f is not None and f["ssrc"] == ssrc:
            order.append(f["seq"])
    exp = expected(order)
    exp.update({"ssrc": f"0x{ssrc:08x}", "dst": args.dst, "original_packets": n,
                "first_seq": seqs[0],
                "dropped": sorted(seqs[i] for i in drops),
                "duplicated": [[seqs[i], seqs[j]] for i, j in dups],
                "delayed": [[seqs[i], seqs[j]] for i, j in delays]})
    with open(args.expect, "w", encoding="utf-8") as f:
        json.dump(exp, f)
        f.write("\n")
    print(f"stream 0x{ssrc:08x} to {args.dst}: {n} packets, seq {seqs[0]}-{seqs[-1]}; "
          f"dropped {exp['dropped']}; duplicated (seq, sent after) {exp['duplicated']}; "
          f"delayed (seq, sent after) {exp['delayed']}")
    print(f"expected: packets {exp['packets']} lost {exp['lost']} duplicates "
          f"{exp['duplicates']} out_of_order {exp['out_of_order']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

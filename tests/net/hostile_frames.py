#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Send classes of hostile frames to an interface that sipxdp watches, and
record what every class did to the agent's counters.

Run inside the sending namespace of test_hostile.sh.  Frames are built with
scapy and written to the veth through scapy's layer-2 socket (what sendp
uses), one class at a time.  After each class the script waits for a text
file written after the class was sent (the agent rewrites it every interval),
and records the change of every counter.  Each class carries its own
expectations, in terms of the frames it sent, so that the shell test checks
them class by class and a failure names the class:

    [metric, op, value]    op: eq | le | ge (on the change over the class),
                               abs_eq | abs_le | abs_ge (on the value after it)

The metric names are the text file's, plus two sums:
    sip_messages   sum of every sipxdp_sip_messages_total series
    sip_accounted  sip_messages + sipxdp_sip_parse_errors_total + sipxdp_sip_not_sip_total:
                   every datagram or TCP-framed message user space is handed
                   ends in exactly one of the three (user/calls.c calls_on_sip)

"malformed" is the number of frames that are malformed at L2-L4 by
construction (truncated or inconsistent headers the XDP program can see
without state); the class expects sipxdp_xdp_malformed_packets_total to grow
by exactly that much.  Frames the kernel refuses to send (shorter than an
Ethernet header) are not sent, and counted apart as "refused".

Usage: hostile_frames.py --iface IF --dst-mac MAC --textfile PROM
                         --agent-pid PID --out RESULT.json [--rfc4475 DIR]
"""
import argparse
import glob
import json
import os
import socket
import sys
import logging
import time

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)	# no "No route found" for ARP frames
from scapy.all import (ARP, IP, TCP, UDP, Dot1Q, Ether, IPv6, IPv6ExtHdrDestOpt,  # noqa: E402
                       IPv6ExtHdrFragment, Raw, fragment)

SRC4, DST4 = "10.99.0.1", "10.99.0.2"
SRC6, DST6 = "fd00:99::1", "fd00:99::2"
SIP = 5060
MEDIA_IP, MEDIA_PORT = SRC4, 40000	# the endpoint the INVITE's SDP announces
PEER_PORT = 50000

X = "sipxdp_xdp_"
PACKETS = X + "packets_total"
MALFORMED = X + "malformed_packets_total"
SIP_PKTS = X + "sip_packets_total"
NON_IP = X + "non_ip_packets_total"
FRAGS = X + "ip_fragments_total"
SIP_FRAGS = X + "sip_fragments_total"
UNCLAIMED = X + "fragments_unclaimed_total"
TCP_SEGS = X + "sip_tcp_segments_total"
EXT6 = X + "ipv6_ext_unparsed_total"
NON_RTP = X + "non_rtp_media_packets_total"
RTCP = X + "rtcp_packets_total"
RTP = "sipxdp_rtp_packets_total"
INSERT_FAIL = X + "stream_insert_failures_total"
PARSE_ERR = "sipxdp_sip_parse_errors_total"
DGRAMS = "sipxdp_ipfrag_datagrams_total"
OVERLAPS = "sipxdp_ipfrag_overlaps_total"
TCP_MSGS = "sipxdp_tcp_sip_messages_total"
BAD_EVENTS = "sipxdp_events_bad_total"
INVALID_EVENTS = "sipxdp_sip_events_invalid_total"


def sip_text(first, callid, cseq, body=""):
    body = body.replace("\n", "\r\n")
    h = [first,
         "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s" % (SRC4, callid),
         "From: <sip:alice@example.com>;tag=a1",
         "To: <sip:bob@example.com>",
         "Call-ID: %s@hostile" % callid,
         "CSeq: %s" % cseq,
         "Max-Forwards: 70"]
    if body:
        h.append("Content-Type: application/sdp")
    h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n" + body).encode()


def options(callid, pad=0):
    """An OPTIONS request, with a body of pad bytes to make it longer."""
    body = "x" * pad
    return sip_text("OPTIONS sip:bob@example.com SIP/2.0", callid, "1 OPTIONS").replace(
        b"Content-Length: 0", b"Content-Length: %d" % pad) + body.encode()


def sdp(ip, port):
    return ("v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\nm=audio %d RTP/AVP 0\n"
            "a=rtpmap:0 PCMU/8000\na=sendrecv\n") % (ip, ip, port)


class Sender:
    def __init__(self, args):
        self.a = args
        self.eth = Ether(src="02:00:00:99:00:01", dst=args.dst_mac)
        # A plain AF_PACKET socket, as sendp uses, but without scapy's habit of padding a frame
        # the kernel refuses as too short: a runt must stay a runt, or be refused.
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.sock.bind((args.iface, 0))
        self.results = []
        self.before = self.wait_fresh(time.time())
        self.ip_id = 1

    def next_id(self):
        self.ip_id += 1
        return self.ip_id

    # --- metrics -------------------------------------------------------

    def read(self):
        m, msgs = {}, 0.0
        with open(self.a.textfile) as f:
            for line in f:
                if not line.strip() or line.startswith("#"):
                    continue
                name, value = line.rsplit(None, 1)
                if name.startswith("sipxdp_sip_messages_total{"):
                    msgs += float(value)
                elif "{" not in name:
                    m[name] = float(value)
        m["sip_messages"] = msgs
        m["sip_accounted"] = msgs + m.get(PARSE_ERR, 0) + m.get("sipxdp_sip_not_sip_total", 0)
        return m

    def alive(self):
        try:
            os.kill(self.a.agent_pid, 0)
            return True
        except OSError:
            return False

    def wait_fresh(self, after, timeout=6.0):
        """Metrics from a text file written after `after` (Unix seconds)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if os.stat(self.a.textfile).st_mtime > after:
                    return self.read()
            except FileNotFoundError:
                pass
            if not self.alive():
                raise SystemExit("hostile_frames: the agent (pid %d) is gone" % self.a.agent_pid)
            time.sleep(0.05)
        raise SystemExit("hostile_frames: %s not rewritten within %.0f s" % (self.a.textfile, timeout))

    # --- one class -----------------------------------------------------

    def run(self, name, frames, malformed=0, expect=(), repeat=1, note="", bad_events_ok=False):
        """Send frames (scapy packets or bytes) `repeat` times; record the counters' change."""
        sent = refused = 0
        for _ in range(repeat):
            for fr in frames:
                b = bytes(fr)
                try:
                    self.sock.send(b)
                    sent += 1
                except OSError:
                    refused += 1	# shorter than the link header: af_packet says EINVAL
        # 150 ms for the veth NAPI poll and the agent's ring reader, then a fresh file.
        after = self.wait_fresh(time.time() + 0.15)
        delta = {k: after[k] - self.before.get(k, 0) for k in after}
        malformed *= repeat
        exp = [[PACKETS, "eq", sent], [MALFORMED, "eq", malformed]]
        if not bad_events_ok:	# what the kernel hands up must be readable
            exp += [[BAD_EVENTS, "eq", 0], [INVALID_EVENTS, "eq", 0]]
        for metric, op, value in expect:
            exp.append([metric, op, sent if value == "frames" else value])
        self.results.append({"name": name, "frames": sent, "refused": refused,
                             "malformed": malformed, "note": note, "expect": exp,
                             "delta": delta, "after": after, "alive": self.alive()})
        self.before = after
        print("  %-28s %5d frames %4d malformed by construction  %s" % (name, sent, malformed, note),
              flush=True)
        if not self.alive():
            self.save()
            raise SystemExit("hostile_frames: the agent died during class %s" % name)

    def save(self):
        with open(self.a.out, "w") as f:
            json.dump(self.results, f, indent=1)


def udp4(sport, dport, payload=b"", **ip):
    ip = {"src": SRC4, "dst": DST4, **ip}
    return IP(**ip) / UDP(sport=sport, dport=dport) / Raw(payload)


def classes(s, rfc_dir):
    E = s.eth
    msg = options("hostile-probe")

    # RFC 4475 torture messages over UDP, the long one as IP fragments (the veth MTU is 1500).
    if rfc_dir:
        files = sorted(glob.glob(os.path.join(rfc_dir, "*.dat")))
        frames, nfrag = [], 0
        for i, f in enumerate(files):
            p = IP(src=SRC4, dst=DST4, id=s.next_id()) / UDP(sport=SIP, dport=SIP) / Raw(open(f, "rb").read())
            if len(p) > 1500:
                nfrag += 1
                frames += [E / q for q in fragment(p, fragsize=1400)]
            else:
                frames.append(E / p)
        s.run("rfc4475_udp", frames, expect=[
            [SIP_PKTS, "eq", "frames"], ["sip_accounted", "eq", len(files)], [DGRAMS, "eq", nfrag]],
            note="%d messages, %d of them fragmented" % (len(files), nfrag))

    # A real INVITE with SDP: the media endpoint the RTP garbage below goes to.
    inv = sip_text("INVITE sip:bob@example.com SIP/2.0", "media", "1 INVITE", sdp(MEDIA_IP, MEDIA_PORT))
    s.run("invite_with_sdp", [E / udp4(SIP, SIP, inv)], expect=[
        [SIP_PKTS, "eq", 1], ["sip_messages", "eq", 1], [PARSE_ERR, "eq", 0],
        ["sipxdp_media_endpoints", "abs_ge", 1]])

    # RTP-looking packets whose CSRC list or header extension runs past the payload, and other
    # non-RTP, to and from the learned endpoint.  None may become a stream.
    def rtp(b0, pt=0, tail=b""):
        return bytes([b0, pt]) + (1).to_bytes(2, "big") + (160).to_bytes(4, "big") + \
            (0xDEADBEEF).to_bytes(4, "big") + tail
    garbage = [
        rtp(0x8F, tail=b"\0" * 20),			# CC=15: 60 bytes of CSRC, 20 there
        rtp(0x90, tail=b"\xbe\xde\xff\xff" + b"\0" * 8),	# extension of 65535 words
        rtp(0x9F, tail=b"\0" * 60),			# CC=15 and X: no room for the extension header
        rtp(0x90, tail=b"\xbe\xde"),			# extension header cut in half
        rtp(0x80)[:8],					# shorter than an RTP header
        rtp(0x40, tail=b"\0" * 160),			# version 1
    ]
    frames = [E / udp4(PEER_PORT, MEDIA_PORT, g, src=DST4, dst=MEDIA_IP) for g in garbage]
    frames += [E / udp4(MEDIA_PORT, PEER_PORT + 2, g, src=MEDIA_IP, dst="10.99.0.3") for g in garbage[:3]]
    s.run("rtp_overruns_to_endpoint", frames, repeat=4, expect=[
        [NON_RTP, "eq", "frames"], [RTP, "eq", 0], [RTCP, "eq", 0], [INSERT_FAIL, "eq", 0],
        ["sipxdp_rtp_streams", "abs_eq", 0]],
        note="6 kinds to the endpoint, 3 from it")

    # Bogus IHL: below 5, and beyond the frame.
    frames = [E / udp4(SIP, SIP, msg, ihl=0), E / udp4(SIP, SIP, msg, ihl=4),
              E / IP(src=SRC4, dst=DST4, ihl=15, proto=17) / UDP(sport=SIP, dport=SIP) / Raw(b"SIP/")]
    s.run("ipv4_ihl_bogus", frames, malformed=3, repeat=5, expect=[[SIP_PKTS, "eq", 0]],
          note="IHL 0, 4, and 15 in a 36-byte packet")

    # IP total length: shorter than the header, longer than the frame.
    s.run("ipv4_totlen_below_header", [E / udp4(SIP, SIP, msg, len=10), E / udp4(SIP, SIP, msg, len=19)],
          malformed=2, repeat=5, expect=[[SIP_PKTS, "eq", 0]])
    s.run("ipv4_totlen_past_frame", [E / udp4(SIP, SIP, msg, len=1500), E / udp4(SIP, SIP, msg, len=65535)],
          malformed=2, repeat=5, expect=[[SIP_PKTS, "eq", 0]],
          note="UDP length agrees with the frame; IP says 1500 and 65535")

    # UDP length: past the frame, below 8.
    frames = [E / IP(src=SRC4, dst=DST4) / UDP(sport=SIP, dport=SIP, len=ul) / Raw(msg)
              for ul in (len(msg) + 9, 65535)]
    frames += [E / IP(src=SRC4, dst=DST4) / UDP(sport=SIP, dport=SIP, len=ul) / Raw(msg) for ul in (0, 4, 7)]
    s.run("udp_len_lying", frames, malformed=5, repeat=5, expect=[[SIP_PKTS, "eq", 0]],
          note="UDP length past the frame (2), below 8 (3)")

    # Truncated VLAN tags: QinQ cut inside the second tag, one tag cut, IP missing after QinQ.
    qinq = bytes(E)[:12] + b"\x88\xa8" + b"\x00\x0a\x81\x00"
    frames = [qinq + b"\x00\x14", bytes(E)[:12] + b"\x81\x00\x00", qinq + b"\x00\x14\x08\x00"]
    s.run("vlan_truncated", frames, malformed=3, repeat=5)

    # Zero-length and tiny fragments: a first fragment too short for the UDP header is
    # malformed; a later one cannot be judged without state (it is unclaimed or handed up).
    frag6 = lambda m, off, payload, ident: (E / IPv6(src=SRC6, dst=DST6) /  # noqa: E731
                                            IPv6ExtHdrFragment(m=m, offset=off, id=ident, nh=17) / Raw(payload))
    frames = [E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", id=s.next_id()),
              E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", id=s.next_id()) / Raw(b"\x13\xc4\x13\xc4"),
              frag6(1, 0, b"", 0x1001), frag6(1, 0, b"\x13\xc4\x13\xc4", 0x1002)]
    s.run("frag_first_empty_or_tiny", frames, malformed=4, repeat=5, expect=[[FRAGS, "eq", "frames"]],
          note="IPv4 and IPv6, 0 and 4 bytes")
    frames = [E / IP(src=SRC4, dst=DST4, proto=17, frag=8, id=s.next_id()), frag6(0, 8, b"", 0x1003)]
    s.run("frag_later_empty_unclaimed", frames, repeat=5, expect=[[UNCLAIMED, "eq", "frames"]])

    # Zero-length fragments of claimed SIP datagrams: the first fragment (104 bytes, SIP port),
    # then zero-length fragments at its end, with MF and as the last one.
    frames = []
    for _ in range(2):
        i4, i6 = s.next_id(), s.next_id() + 0x2000
        first = (UDP(sport=SIP, dport=SIP, len=8 + len(msg)) / Raw(msg))
        fb = bytes(first)[:104]
        frames += [E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", id=i4) / Raw(fb),
                   E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", frag=13, id=i4),
                   E / IP(src=SRC4, dst=DST4, proto=17, frag=13, id=i4),
                   frag6(1, 0, fb, i6), frag6(1, 13, b"", i6), frag6(0, 13, b"", i6)]
    s.run("frag_empty_of_sip_datagram", frames, expect=[[SIP_FRAGS, "eq", "frames"]], bad_events_ok=True,
          note="empty fragments may be refused as bad events")

    # A last fragment carrying fewer than 8 bytes is valid (only non-final fragments must be
    # multiples of 8): a SIP datagram of 8k + 3 bytes, cut after 8k, must reassemble.
    frames = []
    for v6 in (0, 1):
        pad = 0
        while True:
            body = options("tail-%d" % v6, pad=pad)
            udp = bytes(UDP(sport=SIP, dport=SIP, len=8 + len(body)) / Raw(body))
            if len(udp) % 8 == 3:
                break
            pad += 1
        cut, ident = len(udp) - 3, s.next_id()
        if v6:
            frames += [frag6(1, 0, udp[:cut], ident), frag6(0, cut // 8, udp[cut:], ident)]
        else:
            frames += [E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", id=ident) / Raw(udp[:cut]),
                       E / IP(src=SRC4, dst=DST4, proto=17, frag=cut // 8, id=ident) / Raw(udp[cut:])]
    s.run("frag_last_under_8_bytes", frames, expect=[
        [SIP_FRAGS, "eq", "frames"], [DGRAMS, "eq", 2], ["sip_messages", "eq", 2]],
        note="IPv4 and IPv6, last fragment 3 bytes")

    # Overlapping fragments of a SIP datagram.  "agree": the overlap repeats the same bytes, so
    # the datagram completes (the control).  "conflict": the second fragment brings different
    # bytes for [128, 256), so the datagram must be dropped.
    def overlapping(v6, conflict):
        body = options("overlap-%d-%d" % (v6, conflict), pad=200)
        udp = bytes(UDP(sport=SIP, dport=SIP, len=8 + len(body)) / Raw(body))
        a, b, c = udp[0:256], bytearray(udp[128:384]), udp[384:]
        if conflict:
            b[0:128] = b"Z" * 128
        ident = s.next_id()
        if v6:
            return [frag6(1, 0, a, ident), frag6(1, 16, bytes(b), ident), frag6(0, 48, c, ident)]
        # UDP checksum left as scapy computed it over the genuine bytes.
        return [E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", id=ident) / Raw(a),
                E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", frag=16, id=ident) / Raw(bytes(b)),
                E / IP(src=SRC4, dst=DST4, proto=17, frag=48, id=ident) / Raw(c)]
    s.run("frag_overlap_agree", overlapping(0, False) + overlapping(1, False), expect=[
        [SIP_FRAGS, "eq", "frames"], [DGRAMS, "eq", 2], [OVERLAPS, "eq", 0], ["sip_messages", "eq", 2]])
    s.run("frag_overlap_conflict", overlapping(0, True) + overlapping(1, True), expect=[
        [SIP_FRAGS, "eq", "frames"], [OVERLAPS, "eq", 2], [DGRAMS, "eq", 0], ["sip_accounted", "eq", 0]])

    # TCP to 5060 with a data offset below 5 and past the segment.
    frames = [E / IP(src=SRC4, dst=DST4) / TCP(sport=41000, dport=SIP, dataofs=d, flags="PA") / Raw(b"INVITE")
              for d in (0, 4)]
    frames += [E / IP(src=SRC4, dst=DST4) / TCP(sport=41000, dport=SIP, dataofs=15, flags="PA") / Raw(b"INVITE"),
               E / IP(src=SRC4, dst=DST4) / TCP(sport=41000, dport=SIP, dataofs=6, flags="S")]
    s.run("tcp_doff_bogus", frames, malformed=4, repeat=5, expect=[[TCP_SEGS, "eq", 0]],
          note="data offset 0, 4, 15 (26-byte segment), 6 (20-byte segment)")

    # A TCP INVITE with garbage retransmitted over its first half and segments far out of the
    # window: the first copy of each byte wins, so exactly the INVITE comes out.
    inv = sip_text("INVITE sip:bob@example.com SIP/2.0", "tcp-garbage", "1 INVITE", sdp(SRC4, 40100))
    half = 200

    def seg(seq, flags="PA", data=b"", sport=42000):
        return E / IP(src=SRC4, dst=DST4) / TCP(sport=sport, dport=SIP, seq=seq & 0xffffffff, ack=1,
                                                 flags=flags) / Raw(data)
    isn = 1000
    frames = [seg(isn, "S"), seg(isn + 1, data=inv[:half]),
              seg(isn + 1, data=b"\xff" * half),			# same bytes again, different
              seg(isn + 1 + 0x7fff0000, data=b"REGISTER garbage " * 20),	# far ahead
              seg(isn + 1 - 0x40000000, data=b"\x00" * 300),		# far behind
              seg(isn + 1 + half, data=inv[half:]),
              seg(isn + 1 + half, data=b"BYE " * 10)]			# retransmission, different
    s.run("tcp_garbage_retransmissions", frames, expect=[
        [TCP_SEGS, "eq", "frames"], [TCP_MSGS, "eq", 1], ["sip_messages", "eq", 1], [PARSE_ERR, "eq", 0]])

    # Hostile TCP without a right answer: overlapping longer garbage, sequence numbers wrapping
    # through 2^32, data after FIN, data with RST, SYN in the middle.  Only survival and bounds.
    isn = 0xffffff00
    ok = options("tcp-wrap")
    frames = [seg(isn, "S", sport=43000), seg(isn + 1, data=ok[:100], sport=43000),
              seg(isn + 51, data=b"\x00garbage" * 20, sport=43000),	# half old, half new
              seg(isn + 1 + 100, data=ok[100:], sport=43000),
              seg(isn + 1 + len(ok), "FA", sport=43000),
              seg(isn + 2 + len(ok), data=ok, sport=43000),		# after the FIN
              seg(isn + 5000, "S", data=b"SYN with data", sport=43000),
              seg(isn + 6000, "R", data=ok, sport=43000),
              seg(12345, data=b"\r\n" * 200, sport=43001),		# keep-alives only
              seg(777, data=b"SIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n", sport=43002)]
    s.run("tcp_hostile_stream", frames, expect=[[TCP_SEGS, "eq", "frames"], [TCP_MSGS, "le", 3]])

    # Non-IP EtherTypes, some behind VLAN tags or PPPoE.
    mac = bytes(E)[:12]
    frames = [E / ARP(psrc=SRC4, pdst=DST4),
              mac + b"\x88\xcc" + b"\x02\x07\x04" + b"\0" * 40,		# LLDP
              mac + b"\x90\x00" + b"\0" * 46,				# loopback
              mac + b"\x00\x26" + b"\x42\x42\x03" + b"\0" * 35,		# 802.3 length, STP LLC
              mac + b"\x88\x63" + b"\x11\x09\x00\x00\x00\x00" + b"\0" * 40,	# PPPoE discovery
              mac + b"\x88\x64" + b"\x11\x00\x00\x01\x00\x02\xc0\x21" + b"\0" * 38,	# PPPoE LCP
              E / Dot1Q(vlan=5) / ARP(psrc=SRC4, pdst=DST4),
              mac + b"\x88\xa8\x00\x05\x81\x00\x00\x06\x88\xcc" + b"\0" * 40]
    s.run("non_ip", frames, repeat=3, expect=[[NON_IP, "eq", "frames"]])

    # Runts: below the Ethernet header (the veth refuses them: counted as refused), then every
    # length that cuts the IPv4, IPv6 or VLAN header.
    full4 = bytes(E / udp4(SIP, SIP, msg))
    full6 = bytes(E / IPv6(src=SRC6, dst=DST6) / UDP(sport=SIP, dport=SIP) / Raw(msg))
    vlan = bytes(E / Dot1Q(vlan=7) / IP(src=SRC4, dst=DST4))
    frames = [full4[:n] for n in range(1, 14)]
    frames += [full4[:n] for n in range(14, 42)] + [full6[:n] for n in range(14, 62)] + \
        [vlan[:n] for n in range(14, 18)]
    s.run("runts", frames, malformed=28 + 48 + 4, note="1-13 bytes refused by the veth")

    # IPv6 extension header chains.  The program walks IPV6_EXT_MAX_DEPTH (6) headers: a chain
    # of 5 or 6 before UDP must be parsed; 7 and 12 are counted as unparsed.
    def chain(n, payload=msg):
        p = IPv6(src=SRC6, dst=DST6)
        for _ in range(n):
            p = p / IPv6ExtHdrDestOpt()
        return E / p / UDP(sport=SIP, dport=SIP) / Raw(payload)
    s.run("ipv6_ext_chain_long", [chain(7), chain(12)], repeat=5, expect=[
        [EXT6, "eq", "frames"], [SIP_PKTS, "eq", 0]])
    s.run("ipv6_ext_chain_5", [chain(5)], repeat=3, expect=[[SIP_PKTS, "eq", "frames"], [EXT6, "eq", 0]],
          note="within the walk: handed up as SIP")
    s.run("ipv6_ext_chain_6", [chain(6)], repeat=3, expect=[[SIP_PKTS, "eq", "frames"], [EXT6, "eq", 0]],
          note="exactly IPV6_EXT_MAX_DEPTH: handed up as SIP")

    # IPv6 extension header lengths running past the packet.
    hbh = lambda nh, hlen, extra: E / IPv6(src=SRC6, dst=DST6, nh=0) / Raw(  # noqa: E731
        bytes([nh, hlen]) + b"\x01\x04\0\0\0\0" + extra)
    frames = [hbh(17, 255, b""),				# 2048 bytes claimed, 8 there, UDP next
              hbh(60, 255, b"\0" * 8),			# claimed past the end, another header next
              hbh(17, 10, bytes(UDP(sport=SIP, dport=SIP) / Raw(b"OPTIONS"))),	# 88 claimed, 23 there
              E / IPv6(src=SRC6, dst=DST6) / IPv6ExtHdrDestOpt(nh=60) / Raw(b"\x11\x20\0\0")]  # 2nd: 264 of 4
    s.run("ipv6_ext_len_past_packet", frames, malformed=4, repeat=5, expect=[[SIP_PKTS, "eq", 0]])

    # Fragment storm: many first fragments of SIP datagrams, every one a distinct id, never
    # completed.  Last, since it fills the reassembly memory until the timeout.
    frames, body = [], options("storm", pad=300)
    udp = bytes(UDP(sport=SIP, dport=SIP, len=8 + len(body)) / Raw(body))[:104]
    for _ in range(s.a.storm):
        frames.append(bytes(E / IP(src=SRC4, dst=DST4, proto=17, flags="MF", id=s.next_id() & 0xffff) /
                            Raw(udp)))
    s.run("frag_storm", frames, expect=[
        [FRAGS, "eq", "frames"], [SIP_FRAGS, "le", "frames"], [DGRAMS, "eq", 0], ["sip_accounted", "eq", 0],
        ["sipxdp_ipfrag_memory_bytes", "abs_le", 16 << 20]],
        note="distinct ids, SIP port, 104 bytes each")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--iface", required=True)
    ap.add_argument("--dst-mac", required=True)
    ap.add_argument("--textfile", required=True)
    ap.add_argument("--agent-pid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--rfc4475", default="")
    ap.add_argument("--storm", type=int, default=2000)
    a = ap.parse_args()
    s = Sender(a)
    try:
        classes(s, a.rfc4475 if a.rfc4475 and os.path.isdir(a.rfc4475) else "")
    finally:
        s.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write a capture of SIP calls that end in every way the call table knows.

  busy      INVITE, 100, 486, ACK                          -> failed, 486
  cancel    INVITE, 180, CANCEL, 200 (CANCEL), 487, ACK    -> cancelled, 487
  lossy     INVITE, 200, ACK, RTP seq 1..100 without 10-12
            and with 50 twice, BYE, 200                    -> completed, lost 2, 1 duplicate
  silent    INVITE, nothing more; an OPTIONS 20 s later
            moves the clock past --setup-timeout 5          -> timed_out
  open      INVITE, 200, ACK, 50 RTP, no BYE; its Call-ID
            holds a quote and a backslash                  -> active at exit

Usage: gen_calls.py OUT.pcap
"""
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # noqa: E402

A, B = "192.0.2.10", "192.0.2.20"
packets = []
t = [1700000000.0]


def at(dt):
    t[0] += dt
    return t[0]


def sip(src, dst, text, dt=0.01):
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst) / \
        UDP(sport=5060, dport=5060) / Raw(text.replace("\n", "\r\n").encode())
    p.time = at(dt)
    packets.append(p)


def sdp(ip, port):
    return ("v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\nm=audio %d RTP/AVP 0 101\n"
            "a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=sendrecv\n") % (ip, ip, port)


def msg(first, callid, cseq, body="", tag_to=True):
    h = [first,
         "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s-%d" % (A, abs(hash(callid)) % 100000, cseq[0]),
         "From: <sip:alice@example.com>;tag=a1",
         "To: <sip:bob@example.com>" + (";tag=b1" if tag_to else ""),
         "Call-ID: " + callid,
         "CSeq: %d %s" % cseq,
         "Max-Forwards: 70"]
    if body:
        h.append("Content-Type: application/sdp")
    h.append("Content-Length: %d" % len(body.replace("\n", "\r\n")))
    return "\n".join(h) + "\n\n" + body


def call(callid, answer, rtp=0, lose=(), dup=(), bye=True, port=(30000, 40000)):
    inv = "INVITE sip:bob@example.com SIP/2.0"
    sip(A, B, msg(inv, callid, (1, "INVITE"), sdp(A, port[0]), tag_to=False))
    if answer == 486:
        sip(B, A, msg("SIP/2.0 100 Trying", callid, (1, "INVITE"), tag_to=False))
        sip(B, A, msg("SIP/2.0 486 Busy Here", callid, (1, "INVITE")))
        sip(A, B, msg("ACK sip:bob@example.com SIP/2.0", callid, (1, "ACK")))
        return
    if answer == 487:
        sip(B, A, msg("SIP/2.0 180 Ringing", callid, (1, "INVITE")))
        sip(A, B, msg("CANCEL sip:bob@example.com SIP/2.0", callid, (1, "CANCEL"), tag_to=False), 1)
        sip(B, A, msg("SIP/2.0 200 OK", callid, (1, "CANCEL")))
        sip(B, A, msg("SIP/2.0 487 Request Terminated", callid, (1, "INVITE")))
        sip(A, B, msg("ACK sip:bob@example.com SIP/2.0", callid, (1, "ACK")))
        return
    if answer is None:
        return
    sip(B, A, msg("SIP/2.0 200 OK", callid, (1, "INVITE"), sdp(B, port[1])))
    sip(A, B, msg("ACK sip:bob@example.com SIP/2.0", callid, (2, "ACK")))
    seqs = [s for s in range(1, rtp + 1) if s not in lose]
    for s in list(seqs):
        if s in dup:
            seqs.insert(seqs.index(s) + 1, s)
    for s in seqs:
        hdr = bytes([0x80, 0]) + s.to_bytes(2, "big") + (s * 160).to_bytes(4, "big") + \
            (0x1234ABCD).to_bytes(4, "big")
        p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=A, dst=B) / \
            UDP(sport=port[0], dport=port[1]) / Raw(hdr + b"\xff" * 160)
        p.time = at(0.020)
        packets.append(p)
    if bye:
        sip(A, B, msg("BYE sip:bob@example.com SIP/2.0", callid, (3, "BYE")), 0.05)
        sip(B, A, msg("SIP/2.0 200 OK", callid, (3, "BYE")))


call("busy@test", 486)
call("cancel@test", 487)
call("lossy@test", 200, rtp=100, lose=(10, 11, 12), dup=(50,))
call("silent@test", None)
sip(A, B, msg("OPTIONS sip:bob@example.com SIP/2.0", "ping@test", (1, "OPTIONS")), 20)
call('open"quote\\back@test', 200, rtp=50, bye=False, port=(30002, 40002))
wrpcap(sys.argv[1], packets)

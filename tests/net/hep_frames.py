#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write a capture of three calls with hostile Call-IDs, for --read --hep.

Each call: INVITE (SDP, PCMA), 200 (SDP), ACK, 100 RTP packets each way
(20 ms apart, two lost on the caller's), an RTCP receiver report from the
callee's RTCP port, BYE, 200.  The Call-IDs:

  inject   quotes, braces and backslashes that would close the JSON string
           and add keys ("TOTAL_PK":0, "TYPE":"PERIODIC"), DEL, a C1 byte as
           UTF-8, a <script> tag, and UTF-8 text: valid UTF-8, so the
           reports' CORRELATION_ID must be exactly these bytes
  binary   bytes that are not UTF-8 (0xff, 0xfe, 0xc3 alone) between quotes:
           JSON cannot hold them; the correlation chunk carries them as they
           are, the JSON the call's printable form
  long     2,000 bytes of quotes and backslashes: over the 1 KiB a call
           keeps as sent, so the reports carry the printable key; the SIP
           messages carry it whole

The Call-IDs go to META (JSON, hex) for the checks.

Usage: hep_frames.py OUT.pcap META.json
"""
import binascii
import json
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap  # noqa: E402

A, B = "192.0.2.10", "192.0.2.20"
CALLS = {
    "inject": b'x"},{"TOTAL_PK":0,"TYPE":"PERIODIC","a":"\\\\\\"\x7f\xc2\x85</script>caf\xc3\xa9@h',
    "binary": b'"\xff\xfe\xc3"-bin@h',
    "long": (b'"\\' * 1000),
}
packets = []
clock = [1700000000.0]


def at(dt):
    clock[0] += dt
    return clock[0]


def frame(src, dst, sport, dport, payload, dt):
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst) / \
        UDP(sport=sport, dport=dport) / Raw(payload)
    p.time = at(dt)
    packets.append(p)


def sdp(ip, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 8\r\n"
            "a=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n" % (ip, ip, port)).encode()


def sip(src, dst, first, callid, cseq, to_tag, body=b""):
    h = [first.encode(),
         b"Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%d" % (src.encode(), cseq[0] * 7 + len(callid)),
         b"From: <sip:alice@example.com>;tag=a1",
         b"To: <sip:bob@example.com>" + (b";tag=b1" if to_tag else b""),
         b"Call-ID: " + callid,
         b"CSeq: %d %s" % (cseq[0], cseq[1].encode()),
         b"Max-Forwards: 70"]
    if body:
        h.append(b"Content-Type: application/sdp")
    h.append(b"Content-Length: %d" % len(body))
    frame(src, dst, 5060, 5060, b"\r\n".join(h) + b"\r\n\r\n" + body, 0.01)


def rtp(src, dst, sport, dport, ssrc, seq, dt):
    hdr = bytes([0x80, 8]) + seq.to_bytes(2, "big") + (seq * 160).to_bytes(4, "big") + ssrc.to_bytes(4, "big")
    frame(src, dst, sport, dport, hdr + b"\xd5" * 160, dt)


def rtcp_rr(sender, about):
    return bytes([0x81, 201, 0, 7]) + sender.to_bytes(4, "big") + about.to_bytes(4, "big") + \
        bytes([0, 0, 0, 2]) + (100).to_bytes(4, "big") + (40).to_bytes(4, "big") + bytes(8)


def call(n, callid):
    pa, pb = 40000 + 10 * n, 6000 + 10 * n
    sa, sb = 0xa0000 + n, 0xb0000 + n
    sip(A, B, "INVITE sip:bob@example.com SIP/2.0", callid, (1, "INVITE"), False, sdp(A, pa))
    sip(B, A, "SIP/2.0 200 OK", callid, (1, "INVITE"), True, sdp(B, pb))
    sip(A, B, "ACK sip:bob@example.com SIP/2.0", callid, (1, "ACK"), True)
    for seq in range(1, 101):
        if seq not in (30, 31):
            rtp(A, B, pa, pb, sa, seq, 0.010)
        rtp(B, A, pb, pa, sb, seq, 0.010)
    frame(B, A, pb + 1, pa + 1, rtcp_rr(sb, sa), 0.001)
    sip(A, B, "BYE sip:bob@example.com SIP/2.0", callid, (2, "BYE"), True)
    sip(B, A, "SIP/2.0 200 OK", callid, (2, "BYE"), True)


def main():
    for n, (name, callid) in enumerate(CALLS.items()):
        call(n, callid)
    # Time moves past the grace period, so that every call is written out by then.
    frame(A, B, 5060, 5060, b"\r\n\r\n", 10.0)
    wrpcap(sys.argv[1], packets)
    with open(sys.argv[2], "w") as f:
        json.dump({k: binascii.hexlify(v).decode() for k, v in CALLS.items()}, f)


if __name__ == "__main__":
    main()

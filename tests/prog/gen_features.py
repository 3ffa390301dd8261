#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Write captures of call features the call table must follow.

features mode (gen_features.py features OUT.pcap):
  reinvite   caller re-INVITEs from a new media port; the callee hangs up
  hold       a re-INVITE with a=sendonly
  early      183 with SDP and early media before the 200 OK
  fork       two forks ring, both answer (two To tags)
  multipart  the INVITE's SDP inside multipart/mixed beside an ISUP part
  auth       407, then the same call retried with credentials, answered
evict mode (gen_features.py evict OUT.pcap): three unanswered INVITEs, for
  --max-calls 2: the third evicts the first.
"""
import sys

from scapy.all import Ether, IP, UDP, Raw, wrpcap

A, B, NAT = "192.0.2.10", "192.0.2.20", "198.51.100.7"
packets = []
t = [1700000000.0]


def at(dt):
    t[0] += dt
    return t[0]


def frame(src, dst, sport, dport, payload, dt):
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=src, dst=dst) / \
        UDP(sport=sport, dport=dport) / Raw(payload)
    p.time = at(dt)
    packets.append(p)


def sdp(ip, port, extra=""):
    return ("v=0\no=- 1 1 IN IP4 %s\ns=-\nc=IN IP4 %s\nt=0 0\nm=audio %d RTP/AVP 8\n"
            "a=rtpmap:8 PCMA/8000\n%s") % (ip, ip, port, extra)


class Call:
    def __init__(self, cid):
        self.cid = cid
        self.ftag, self.ttag = "caller1", None

    def send(self, first, cseq, by_caller=True, body="", ctype="application/sdp", to_tag=None,
             dt=0.01):
        src, dst = (A, B) if by_caller else (B, A)
        request = not first.startswith("SIP/2.0")
        # From/To follow the request's direction: a callee's request swaps them.
        caller_from = by_caller if request else not by_caller
        ttag = to_tag if to_tag is not None else self.ttag
        fr = "<sip:alice@example.com>;tag=%s" % self.ftag
        to = "<sip:bob@example.com>" + (";tag=%s" % ttag if ttag else "")
        if not caller_from:
            fr, to = to, fr
        body = body.replace("\n", "\r\n")
        h = [first, "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%s-%s" % (src, self.cid, cseq.replace(" ", "")),
             "From: " + fr, "To: " + to, "Call-ID: " + self.cid, "CSeq: " + cseq, "Max-Forwards: 70"]
        if body:
            h.append("Content-Type: " + ctype)
        h.append("Content-Length: %d" % len(body))
        frame(src, dst, 5060, 5060, ("\r\n".join(h) + "\r\n\r\n").encode() + body.encode(), dt)


def rtp(src, dst, sport, dport, n, ssrc, start_seq=1):
    for i in range(n):
        s = start_seq + i
        hdr = bytes([0x80, 8]) + s.to_bytes(2, "big") + (s * 160).to_bytes(4, "big") + ssrc.to_bytes(4, "big")
        frame(src, dst, sport, dport, hdr + b"\xd5" * 160, 0.02)


def features():
    c = Call("reinvite@test")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=sdp(A, 30010))
    c.ttag = "callee1"
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp(B, 40010))
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK")
    rtp(A, B, 30010, 40010, 20, 0x1111)
    c.send("INVITE sip:bob@example.com SIP/2.0", "2 INVITE", body=sdp(A, 30012))
    c.send("SIP/2.0 200 OK", "2 INVITE", by_caller=False, body=sdp(B, 40010))
    c.send("ACK sip:bob@example.com SIP/2.0", "2 ACK")
    rtp(A, B, 30012, 40010, 20, 0x2222)
    c.send("BYE sip:alice@example.com SIP/2.0", "1 BYE", by_caller=False)
    c.send("SIP/2.0 200 OK", "1 BYE")

    c = Call("hold@test")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=sdp(A, 30020))
    c.ttag = "callee2"
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp(B, 40020))
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK")
    c.send("INVITE sip:bob@example.com SIP/2.0", "2 INVITE", body=sdp(A, 30020, "a=sendonly\n"))
    c.send("SIP/2.0 200 OK", "2 INVITE", by_caller=False, body=sdp(B, 40020, "a=recvonly\n"))
    c.send("ACK sip:bob@example.com SIP/2.0", "2 ACK")
    c.send("BYE sip:bob@example.com SIP/2.0", "3 BYE")
    c.send("SIP/2.0 200 OK", "3 BYE", by_caller=False)

    c = Call("early@test")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=sdp(A, 30030))
    c.ttag = "callee3"
    c.send("SIP/2.0 183 Session Progress", "1 INVITE", by_caller=False, body=sdp(B, 40030), dt=0.25)
    rtp(B, A, 40030, 30030, 10, 0x3333)
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp(B, 40030))
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK")
    rtp(B, A, 40030, 30030, 10, 0x3333, start_seq=11)
    c.send("BYE sip:bob@example.com SIP/2.0", "2 BYE")
    c.send("SIP/2.0 200 OK", "2 BYE", by_caller=False)

    c = Call("fork@test")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=sdp(A, 30040))
    c.send("SIP/2.0 180 Ringing", "1 INVITE", by_caller=False, to_tag="forkA")
    c.send("SIP/2.0 180 Ringing", "1 INVITE", by_caller=False, to_tag="forkB")
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp(B, 40040), to_tag="forkA")
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp("192.0.2.21", 40042), to_tag="forkB")
    c.ttag = "forkA"
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK")
    c.send("BYE sip:bob@example.com SIP/2.0", "2 BYE")
    c.send("SIP/2.0 200 OK", "2 BYE", by_caller=False)

    c = Call("multipart@test")
    body = ("--unique-boundary-1\nContent-Type: application/sdp\n\n" + sdp(A, 30050) +
            "\n--unique-boundary-1\nContent-Type: application/ISUP;version=itu-t92+\n\n"
            "\x01\x00\x49\x00\n--unique-boundary-1--\n")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=body,
           ctype="multipart/mixed;boundary=unique-boundary-1")
    c.ttag = "callee5"
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp(B, 40050))
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK")
    rtp(B, A, 40050, 30050, 15, 0x5555)
    c.send("BYE sip:bob@example.com SIP/2.0", "2 BYE")
    c.send("SIP/2.0 200 OK", "2 BYE", by_caller=False)

    c = Call("auth@test")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=sdp(A, 30060))
    c.send("SIP/2.0 407 Proxy Authentication Required", "1 INVITE", by_caller=False, to_tag="px")
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK", to_tag="px")
    # The user types a password: the retry comes 40 s later, well past the grace period.
    c.send("INVITE sip:bob@example.com SIP/2.0", "2 INVITE", body=sdp(A, 30060), dt=40)
    c.ttag = "callee6"
    c.send("SIP/2.0 200 OK", "2 INVITE", by_caller=False, body=sdp(B, 40060))
    # A retransmission of the first transaction's 407, late: it must not end the call.
    c.send("SIP/2.0 407 Proxy Authentication Required", "1 INVITE", by_caller=False, to_tag="px")
    c.send("ACK sip:bob@example.com SIP/2.0", "2 ACK")
    rtp(A, B, 30060, 40060, 25, 0x6666)
    c.send("BYE sip:bob@example.com SIP/2.0", "3 BYE")
    c.send("SIP/2.0 200 OK", "3 BYE", by_caller=False)


def ntp(t):
    return int((t + 2208988800) * (1 << 32)) & 0xFFFFFFFFFFFFFFFF


def rtcp_sr(ssrc, t, rtp_ts, packets, octets):
    return bytes([0x80, 200]) + (6).to_bytes(2, "big") + ssrc.to_bytes(4, "big") + \
        ntp(t).to_bytes(8, "big") + rtp_ts.to_bytes(4, "big") + packets.to_bytes(4, "big") + \
        octets.to_bytes(4, "big")


def rtcp_rr(ssrc, about, fraction, cum, jitter, lsr, dlsr):
    return bytes([0x81, 201]) + (7).to_bytes(2, "big") + ssrc.to_bytes(4, "big") + \
        about.to_bytes(4, "big") + bytes([fraction]) + (cum & 0xFFFFFF).to_bytes(3, "big") + \
        (1000).to_bytes(4, "big") + jitter.to_bytes(4, "big") + lsr.to_bytes(4, "big") + \
        dlsr.to_bytes(4, "big")


def event(src, dst, sport, dport, ssrc, seq, ts, digit, duration, end):
    hdr = bytes([0x80, 101]) + seq.to_bytes(2, "big") + ts.to_bytes(4, "big") + ssrc.to_bytes(4, "big")
    frame(src, dst, sport, dport, hdr + bytes([digit, 0x8a if end else 0x0a]) + duration.to_bytes(2, "big"), 0.02)


def media():
    """RTCP with a known round trip, DTMF "1#", and RTP that beats its SDP."""
    sdp_te = lambda ip, port: sdp(ip, port, "a=rtpmap:101 telephone-event/8000\n").replace(
        "RTP/AVP 8", "RTP/AVP 8 101")
    c = Call("media@test")
    c.send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE", body=sdp_te(A, 30070))
    c.ttag = "callee7"
    # The caller is behind NAT: its RTP comes from an address no SDP names, and its first
    # 3 packets pass the monitor before the 200 OK that announces where they go.
    rtp(NAT, B, 50000, 40070, 3, 0x7777)
    c.send("SIP/2.0 200 OK", "1 INVITE", by_caller=False, body=sdp_te(B, 40070), dt=0.001)
    c.send("ACK sip:bob@example.com SIP/2.0", "1 ACK")
    rtp(NAT, B, 50000, 40070, 47, 0x7777, start_seq=4)
    # DTMF "1" then "#": each end packet three times, as RFC 4733 senders do.
    seq = 51
    for digit, ts in ((1, 8000), (11, 16000)):
        for n, end in ((1, False), (2, False), (3, True), (3, True), (3, True)):
            event(NAT, B, 50000, 40070, 0x7777, seq, ts, digit, 160 * n, end)
            seq += 1
    # RTCP: the caller's SR, the callee's RR answering it 50 ms after it passed, held 30 ms.
    t_sr = t[0] + 0.02
    frame(A, B, 30071, 40071, rtcp_sr(0x7777, t_sr, 8000, 50, 8000), 0.02)
    lsr = (ntp(t_sr) >> 16) & 0xFFFFFFFF
    frame(B, A, 40071, 30071, rtcp_rr(0x8888, 0x7777, 64, 3, 80, lsr, int(0.030 * 65536)), 0.05)
    c.send("BYE sip:bob@example.com SIP/2.0", "2 BYE")
    c.send("SIP/2.0 200 OK", "2 BYE", by_caller=False)


def evict():
    for n in range(3):
        Call("evict%d@test" % n).send("INVITE sip:bob@example.com SIP/2.0", "1 INVITE",
                                      body=sdp(A, 31000 + 2 * n), dt=1)


{"features": features, "evict": evict, "media": media}[sys.argv[1]]()
wrpcap(sys.argv[2], packets)

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A minimal SIP caller and callee over real UDP sockets, for test_egress.sh.

  egress_peer.py callee IP          answer one INVITE with 200 OK + SDP, then BYE's 200
  egress_peer.py caller IP PEER N   INVITE, ACK, N RTP packets (20 ms apart), BYE
"""
import socket
import sys
import time


def sdp(ip, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n") % (ip, ip, port)


def msg(first, cseq, ftag, ttag, body=""):
    h = [first, "Via: SIP/2.0/UDP 0.0.0.0:5060;branch=z9hG4bK-eg-%s" % cseq.replace(" ", ""),
         "From: <sip:a@x>;tag=%s" % ftag, "To: <sip:b@x>" + (";tag=" + ttag if ttag else ""),
         "Call-ID: egress@test", "CSeq: " + cseq]
    if body:
        h.append("Content-Type: application/sdp")
    h.append("Content-Length: %d" % len(body))
    return ("\r\n".join(h) + "\r\n\r\n" + body).encode()


def callee(ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 5060))
    s.settimeout(30)
    while True:
        data, peer = s.recvfrom(65535)
        line = data.split(b"\r\n", 1)[0]
        if line.startswith(b"INVITE"):
            s.sendto(msg("SIP/2.0 200 OK", "1 INVITE", "a1", "b1", sdp(ip, 40000)), peer)
        elif line.startswith(b"BYE"):
            s.sendto(msg("SIP/2.0 200 OK", "2 BYE", "a1", "b1"), peer)
            return


def caller(ip, peer, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 5060))
    s.settimeout(5)
    s.sendto(msg("INVITE sip:b@x SIP/2.0", "1 INVITE", "a1", None, sdp(ip, 30000)), (peer, 5060))
    s.recvfrom(65535)
    s.sendto(msg("ACK sip:b@x SIP/2.0", "1 ACK", "a1", "b1"), (peer, 5060))
    r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    r.bind((ip, 30000))
    for i in range(n):
        r.sendto(bytes([0x80, 0]) + (i + 1).to_bytes(2, "big") + (i * 160).to_bytes(4, "big") +
                 (0xE6E55).to_bytes(4, "big") + b"\xff" * 160, (peer, 40000))
        time.sleep(0.02)
    s.sendto(msg("BYE sip:b@x SIP/2.0", "2 BYE", "a1", "b1"), (peer, 5060))
    s.recvfrom(65535)


if sys.argv[1] == "callee":
    callee(sys.argv[2])
else:
    caller(sys.argv[2], sys.argv[3], int(sys.argv[4]))

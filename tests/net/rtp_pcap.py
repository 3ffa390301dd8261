#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rtp_pcap.py OUT SECONDS - one RTP stream for sipp's play_pcap_audio:
G.711 A-law (PT 8), 20 ms packets of 160 bytes, sequence numbers and
timestamps continuous from the first packet to the last, one SSRC.  sipp
sends the payloads at the pcap's times to the call's media address.  Its
own (test_restart.sh): sipp's g711a.pcap lasts 8 s, and playing it three
times would send its sequence numbers three times."""
import sys

from scapy.all import IP, UDP, Ether, Raw, wrpcap  # noqa: E402

out, seconds = sys.argv[1], float(sys.argv[2])
n = int(seconds * 50)
frames = []
for i in range(n):
    rtp = bytes([0x80, 0x08]) + (1000 + i).to_bytes(2, "big") + (160 * i).to_bytes(4, "big") + \
        (0x5EED1234).to_bytes(4, "big") + bytes([0xD5]) * 160
    f = Ether() / IP(src="192.0.2.1", dst="192.0.2.2") / UDP(sport=6000, dport=6000) / Raw(rtp)
    f.time = 1700000000 + i * 0.02
    frames.append(f)
wrpcap(out, frames)

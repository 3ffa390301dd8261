#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""hep_collector.py - a HEP collector of the test's own, and a decoder.

The decoder is written from the HEP3 specification (rev. 37, the chunk
table user/hep.h quotes), not from the agent's encoder: "HEP3", a 16-bit
total length, then chunks of vendor (16), type (16), length (16, its
6-byte header included) and value, in network order.  It refuses what does
not add up: a wrong magic, a total that is not the message's length, a
chunk shorter than its header or longer than what is left, a fixed-size
chunk of another size, a chunk twice.

  listen --out FILE [--udp ADDR:PORT] [--tcp ADDR:PORT] [--stall]
      receive until SIGTERM; every message appended to FILE as one line of
      hex (UDP: a datagram; TCP: the stream cut by each message's own
      length).  --stall: accept TCP connections and never read them.
  decode FILE
      one JSON object a message, on stdout; exit 1 on a malformed one.
"""
import binascii
import ipaddress
import json
import os
import selectors
import signal
import socket
import struct
import sys

# type: (name, value size or None for octets)
CHUNKS = {
    0x0001: ('family', 1), 0x0002: ('ip_proto', 1),
    0x0003: ('src4', 4), 0x0004: ('dst4', 4), 0x0005: ('src6', 16), 0x0006: ('dst6', 16),
    0x0007: ('sport', 2), 0x0008: ('dport', 2), 0x0009: ('ts_sec', 4), 0x000a: ('ts_usec', 4),
    0x000b: ('proto_type', 1), 0x000c: ('capture_id', 4), 0x000e: ('auth', None),
    0x000f: ('payload', None), 0x0011: ('correlation', None), 0x0013: ('node', None),
    0x0020: ('mos', 2),
}


class Malformed(Exception):
    pass


def decode(msg):
    """One HEP3 message (bytes) to a dict; Malformed if it is not one."""
    if len(msg) < 6 or msg[:4] != b'HEP3':
        raise Malformed('no HEP3 magic')
    total = struct.unpack('!H', msg[4:6])[0]
    if total != len(msg):
        raise Malformed('total length %d, message %d bytes' % (total, len(msg)))
    out = {'order': []}
    off = 6
    while off < len(msg):
        if len(msg) - off < 6:
            raise Malformed('chunk header cut at %d' % off)
        vendor, ctype, clen = struct.unpack('!HHH', msg[off:off + 6])
        if clen < 6 or clen > len(msg) - off:
            raise Malformed('chunk %#x length %d at %d of %d' % (ctype, clen, off, len(msg)))
        val = msg[off + 6:off + clen]
        off += clen
        out['order'].append(ctype)
        if vendor != 0:
            continue
        if ctype not in CHUNKS:
            out.setdefault('unknown', []).append(ctype)
            continue
        name, size = CHUNKS[ctype]
        if name in out:
            raise Malformed('chunk %#x twice' % ctype)
        if size is not None and len(val) != size:
            raise Malformed('chunk %#x is %d bytes, not %d' % (ctype, len(val), size))
        if size is None:
            out[name] = val
        elif size == 1:
            out[name] = val[0]
        elif size == 2:
            out[name] = struct.unpack('!H', val)[0]
        elif size == 4 and name in ('src4', 'dst4'):
            out[name] = str(ipaddress.IPv4Address(val))
        elif size == 4:
            out[name] = struct.unpack('!I', val)[0]
        else:
            out[name] = str(ipaddress.IPv6Address(val))
    for k in ('family', 'ip_proto', 'sport', 'dport', 'ts_sec', 'ts_usec', 'proto_type', 'capture_id', 'payload'):
        if k not in out:
            raise Malformed('no %s chunk' % k)
    v4 = 'src4' in out and 'dst4' in out
    v6 = 'src6' in out and 'dst6' in out
    if out['family'] == 2 and not v4 or out['family'] == 10 and not v6 or out['family'] not in (2, 10):
        raise Malformed('family %d with addresses %s' % (out['family'], sorted(k for k in out if k[:3] in ('src', 'dst'))))
    out['src'] = out.pop('src4', None) or out.pop('src6')
    out['dst'] = out.pop('dst4', None) or out.pop('dst6')
    return out


def as_json(d):
    """bytes as {"hex": ...} and, when they are UTF-8, "text" too."""
    r = {}
    for k, v in d.items():
        if isinstance(v, bytes):
            r[k + '_hex'] = binascii.hexlify(v).decode()
            try:
                r[k] = v.decode('utf-8')
            except UnicodeDecodeError:
                r[k] = None
        else:
            r[k] = v
    return r


def read_messages(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                yield binascii.unhexlify(line)


def cmd_decode(path):
    bad = 0
    for msg in read_messages(path):
        try:
            print(json.dumps(as_json(decode(msg)), sort_keys=True))
        except Malformed as e:
            print('malformed: %s: %s' % (e, binascii.hexlify(msg[:64]).decode()), file=sys.stderr)
            bad += 1
    return 1 if bad else 0


def addr(s):
    host, port = s.rsplit(':', 1)
    host = host.strip('[]')
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    return fam, (host, int(port))


def cmd_listen(args):
    out_path, udp, tcp, stall = None, None, None, False
    i = 0
    while i < len(args):
        if args[i] == '--out':
            out_path = args[i + 1]; i += 2
        elif args[i] == '--udp':
            udp = args[i + 1]; i += 2
        elif args[i] == '--tcp':
            tcp = args[i + 1]; i += 2
        elif args[i] == '--stall':
            stall = True; i += 1
        else:
            raise SystemExit('unknown argument ' + args[i])
    out = open(out_path, 'a', buffering=1)
    sel = selectors.DefaultSelector()
    held = []      # --stall: connections kept open, never read
    bufs = {}
    if udp:
        fam, a = addr(udp)
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        u.bind(a)
        sel.register(u, selectors.EVENT_READ, 'udp')
    if tcp:
        fam, a = addr(tcp)
        t = socket.socket(fam, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if stall:
            t.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        t.bind(a)
        t.listen(16)
        sel.register(t, selectors.EVENT_READ, 'listen')
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print('listening', flush=True)
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if key.data == 'udp':
                msg = s.recv(65536)
                out.write(binascii.hexlify(msg).decode() + '\n')
            elif key.data == 'listen':
                c, _ = s.accept()
                if stall:
                    held.append(c)
                    continue
                bufs[c] = b''
                sel.register(c, selectors.EVENT_READ, 'conn')
            else:
                data = s.recv(65536)
                if not data:
                    sel.unregister(s)
                    s.close()
                    del bufs[s]
                    continue
                b = bufs[s] + data
                while len(b) >= 6:
                    n = struct.unpack('!H', b[4:6])[0] if b[:4] == b'HEP3' else 0
                    if n < 6:
                        out.write('bad-stream ' + binascii.hexlify(b[:32]).decode() + '\n')
                        b = b''
                        break
                    if len(b) < n:
                        break
                    out.write(binascii.hexlify(b[:n]).decode() + '\n')
                    b = b[n:]
                bufs[s] = b


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'decode':
        sys.exit(cmd_decode(sys.argv[2]))
    if len(sys.argv) >= 2 and sys.argv[1] == 'listen':
        cmd_listen(sys.argv[2:])
        sys.exit(0)
    print(__doc__, file=sys.stderr)
    sys.exit(2)

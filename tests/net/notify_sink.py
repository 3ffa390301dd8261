#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""notify_sink.py SOCKET LOG [FILE] - what systemd would be told.

Binds SOCKET (an AF_UNIX datagram socket, as systemd's NOTIFY_SOCKET) and
appends each line of each datagram to LOG as "SECONDS LINE" (monotonic
time).  When a datagram says READY=1 it also writes "FILE-PRESENT yes|no":
whether FILE existed at that moment (the first outputs are due before
READY).  Runs until killed.
"""
import os
import socket
import sys
import time


def main():
    path, log = sys.argv[1], sys.argv[2]
    watch = sys.argv[3] if len(sys.argv) > 3 else None
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o777)   # the agent sends as the user it becomes
    with open(log, "a", buffering=1) as out:
        while True:
            data = s.recv(4096)
            now = time.monotonic()
            for line in data.decode("utf-8", "replace").splitlines():
                out.write("%.3f %s\n" % (now, line))
                if line == "READY=1" and watch:
                    out.write("%.3f FILE-PRESENT %s\n" % (now, "yes" if os.path.exists(watch) else "no"))


if __name__ == "__main__":
    main()

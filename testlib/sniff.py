"""Which of some markers cross a node's network interfaces in clear text (tests).

Run inside a lab container (`python3 - MARKER... < sniff.py`, as root: it needs CAP_NET_RAW):
it reads every frame on every interface for a few seconds and prints, one per line, each
marker found in a frame's bytes. Nothing is parsed: a marker in any header or payload counts.
"""

from __future__ import annotations

import socket
import sys
import time

ETH_P_ALL = 0x0003


def seen(markers: list[bytes], seconds: float) -> set[bytes]:
    found: set[bytes] = set()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.settimeout(0.2)
    end = time.monotonic() + seconds
    while time.monotonic() < end and len(found) < len(markers):
        try:
            frame = sock.recv(65535)
        except socket.timeout:
            continue
        found.update(m for m in markers if m in frame)
    return found


if __name__ == "__main__":
    seconds, *wanted = sys.argv[1:]
    print("listening", flush=True)
    for marker in sorted(seen([m.encode() for m in wanted], float(seconds))):
        print(marker.decode(), flush=True)

#!/usr/bin/python3
"""Restart one systemd unit and wait until its health URL answers 200.

    glance-ha-restart UNIT URL [TIMEOUT]

The glance role's handlers run it one node at a time (throttle 1), so the next node's
service is restarted only once this one serves again: never two nodes down at once. (Two
handlers, restart then wait, would restart every node before waiting for any.) Exit
status 0 when healthy, 1 when the URL did not answer 200 within TIMEOUT seconds (120).

Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    unit, url = argv[0], argv[1]
    timeout = float(argv[2]) if len(argv) == 3 else 120.0
    # Unit files or drop-ins may have changed with the configuration.
    subprocess.run(["systemctl", "daemon-reload"], check=True)
    subprocess.run(["systemctl", "restart", unit], check=True)
    deadline = time.monotonic() + timeout
    while not healthy(url):
        if time.monotonic() > deadline:
            print(f"{unit} restarted, but {url} did not answer 200 within {timeout:.0f} s")
            return 1
        time.sleep(0.5)
    print(f"{unit} restarted and healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

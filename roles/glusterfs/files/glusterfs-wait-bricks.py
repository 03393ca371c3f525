#!/usr/bin/python3
"""Wait until a brick of a GlusterFS volume is online: run before the volume's mount at boot.

    glusterfs-wait-bricks VOLUME [TIMEOUT]

When every server boots at once, glusterd starts the bricks only once it sees a quorum of
its peers; a mount attempted before that fails for good ("All subvolumes are down": the
mount unit fails and systemd does not retry a mount). Exit 0 as soon as one brick is
online, or after TIMEOUT seconds (120): the mount then tries anyway and says why it fails.

Installed by the glusterfs role of glance-ha.
"""

from __future__ import annotations

import subprocess
import sys
import time
import xml.etree.ElementTree as ET


def online_bricks(xml_text: str) -> int:
    """Bricks `gluster volume status VOLUME --xml` reports online (self-heal daemons aside)."""
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError:
        return 0
    return sum(1 for node in root.iter("node")
               if node.findtext("path", "").startswith("/") and node.findtext("status") == "1")


def main(argv: list[str]) -> int:
    volume = argv[1]
    deadline = time.monotonic() + (float(argv[2]) if len(argv) > 2 else 120.0)
    while time.monotonic() < deadline:
        run = subprocess.run(["gluster", "--mode=script", "volume", "status", volume, "--xml"],
                             capture_output=True, text=True, timeout=30, check=False)
        if online_bricks(run.stdout):
            return 0
        time.sleep(1)
    print(f"no brick of volume {volume} online: mounting anyway", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Losing a GlusterFS server: the others keep serving, and it heals on return (test 4).

Destructive: it stops the first node's container, so it runs after the read-only checks.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

from testlib.cluster import BRICK, MOUNT, VOLUME, docker, node_names, wait_for


def _pending_heal_entries(node) -> int:
    root = ET.fromstring(node.check_output(f"gluster --mode=script --xml volume heal {VOLUME} info"))
    bricks = list(root.iter("brick"))
    # A brick that is not connected reports no count: that is not healed either.
    counts = [b.findtext("numberOfEntries") for b in bricks]
    assert all(c not in (None, "-") for c in counts), counts
    return sum(int(c) for c in counts)


def test_cluster_survives_a_lost_server_and_heals(nodes):
    first, others = nodes[0], nodes[1:]
    first_name = node_names()[0]
    before = f"before-{uuid.uuid4().hex}"
    during = f"during-{uuid.uuid4().hex}"
    first.run_test(f"head -c 1048576 /dev/urandom > {MOUNT}/{before}")

    docker("stop", first_name)
    try:
        # Writes and reads through the surviving mounts still succeed.
        others[0].run_test(f"head -c 2097152 /dev/urandom > {MOUNT}/{during}")
        digest = others[0].check_output(f"sha256sum {MOUNT}/{during}").split()[0]
        for node in others:
            assert node.check_output(f"sha256sum {MOUNT}/{during}").split()[0] == digest
            assert node.file(f"{MOUNT}/{before}").size == 1048576
    finally:
        docker("start", first_name)

    # The node boots by itself: glusterd, its brick and the mount unit come back.
    wait_for(lambda: first.service("var-lib-glance-images.mount").is_running,
             "the mount unit on the restarted node")
    wait_for(lambda: first.check_output(
        f"gluster --mode=script volume status {VOLUME} --xml").count("<status>1</status>") >= len(nodes),
             "every brick online again")
    # Index heal is what the self-heal daemon does on reconnect; asking for it
    # only saves waiting for its next crawl.
    others[0].run_test(f"gluster --mode=script volume heal {VOLUME}")
    wait_for(lambda: _pending_heal_entries(others[0]) == 0, "heal to complete", timeout=300)

    assert first.check_output(f"sha256sum {BRICK}/{during}").split()[0] == digest
    assert first.check_output(f"sha256sum {MOUNT}/{during}").split()[0] == digest
    first.run_test(f"rm -f {MOUNT}/{before} {MOUNT}/{during}")

"""GlusterFS volume and native mount on every controller (issue 2, tests 1-3)."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET

import pytest

from testlib.cluster import BRICK, GLANCE_UID, INVENTORY, MOUNT, VOLUME, ipv4, wait_for


# Per-node tests run on the controllers only (not on the lab Keystone).
testinfra_hosts = [f"ansible://controllers?ansible_inventory={INVENTORY}"]
pytestmark = pytest.mark.every_release


def test_mount_is_native_glusterfs(host):
    mount = host.mount_point(MOUNT)
    assert mount.exists
    assert mount.filesystem == "fuse.glusterfs"
    assert mount.device.endswith(f":/{VOLUME}")


def test_mount_root_owned_by_pinned_glance_ids(host):
    root = host.file(MOUNT)
    assert root.uid == GLANCE_UID
    assert root.gid == GLANCE_UID


def test_mount_unit_active_and_enabled(host):
    unit = host.service("var-lib-glance-images.mount")
    assert unit.is_running
    assert unit.is_enabled
    text = host.file("/etc/systemd/system/var-lib-glance-images.mount").content_string
    assert "Type=glusterfs" in text
    assert "backup-volfile-servers=" in text


def test_write_on_first_read_on_last_and_on_every_brick(nodes):
    first, last = nodes[0], nodes[-1]
    name = f"probe-{uuid.uuid4().hex}"
    first.run_test(f"head -c 4194304 /dev/urandom > {MOUNT}/{name}")
    digest = first.check_output(f"sha256sum {MOUNT}/{name}").split()[0]
    assert last.check_output(f"sha256sum {MOUNT}/{name}").split()[0] == digest
    for node in nodes:
        assert node.check_output(f"sha256sum {BRICK}/{name}").split()[0] == digest
    first.run_test(f"rm {MOUNT}/{name}")
    # The FUSE client may serve a cached entry for a second (entry-timeout).
    wait_for(lambda: not last.file(f"{MOUNT}/{name}").exists, "the removal to show on the last node",
             timeout=10, interval=0.5)


def _volume_xml(node):
    return ET.fromstring(node.check_output(f"gluster --mode=script --xml volume info {VOLUME}"))


def test_volume_replica_owner_and_auth(nodes):
    vol = _volume_xml(nodes[0]).find("volInfo/volumes/volume")
    assert vol.findtext("typeStr") == "Replicate"
    assert vol.findtext("statusStr") == "Started"
    assert int(vol.findtext("replicaCount")) == len(nodes)
    assert int(vol.findtext("brickCount")) == len(nodes)
    options = {o.findtext("name"): o.findtext("value") for o in vol.iter("option")}
    assert options["storage.owner-uid"] == str(GLANCE_UID)
    assert options["storage.owner-gid"] == str(GLANCE_UID)
    addresses = sorted(ipv4(n) for n in nodes)
    assert sorted(options["auth.allow"].split(",")) == addresses
    # Quorum set explicitly: a write needs a majority of the bricks, a glusterd without a
    # majority of the pool stops its bricks.
    assert options["cluster.quorum-type"] == "auto"
    assert options["cluster.server-quorum-type"] == "server"
    assert sorted(b.text for b in vol.iter("brick")) == [f"{a}:{BRICK}" for a in addresses]


def test_every_peer_connected(nodes):
    for node in nodes:
        root = ET.fromstring(node.check_output("gluster --mode=script --xml pool list"))
        peers = list(root.iter("peer"))
        assert len(peers) == len(nodes)
        assert all(p.findtext("connected") == "1" for p in peers)


def test_bare_mount_point_is_closed(host):
    """Under the mount, the root file system's directory admits nobody but root."""
    # A bind mount of / shows what lies under the FUSE mount without unmounting it.
    out = host.check_output(
        "d=$(mktemp -d) && mount --bind / $d && stat -c '%u:%g:%a' $d" + MOUNT
        + "; umount $d; rmdir $d")
    assert out == "0:0:0"


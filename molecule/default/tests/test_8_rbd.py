"""glance's rbd store on the lab's real Ceph (issue 17): one monitor, one manager and three
OSDs on the Ceph host, pool `images`, and `client.glance` with the documented caps. An image
sent to the rbd store through the VIP is an RBD image with glance's snapshot, its direct_url
names the cluster, the pool and the image (no key), every controller serves the same bytes,
and deleting it removes the RBD image. copy-image puts a file-store image into rbd too.
The refusals of impossible rbd settings are in test_5_playbook's read-only batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid

import pytest

from testlib.cluster import ceph_host, copy_image, glance, glance_vip, lab_vars, rbd_images, show_table

POOL = lab_vars()["glance_rbd_pool"]


@pytest.fixture(scope="module")
def ceph():
    return ceph_host()


def test_glance_key_is_private_and_out_of_glance_api_conf(nodes):
    key = lab_vars()["glance_rbd_key"]
    for node in nodes:
        keyring = node.file("/etc/ceph/ceph.client.glance.keyring")
        assert (keyring.user, keyring.group, keyring.mode) == ("root", "glance", 0o640)
        assert key in keyring.content_string
        assert key not in node.file("/etc/glance/glance-api.conf").content_string
        assert key not in node.file("/etc/ceph/ceph.conf").content_string


def test_glance_user_has_the_documented_caps_only(ceph):
    caps = ceph.check_output("ceph auth get client.glance | grep caps")
    assert sorted(line.split(None, 1)[1].strip() for line in caps.splitlines()) == sorted([
        'mgr = "profile rbd pool=images"', 'mon = "profile rbd"', 'osd = "profile rbd pool=images"'])


def test_upload_to_rbd_through_the_vip(nodes, os_env, api, ceph, tmp_path):
    """16 MiB with --store rbd through the VIP: an RBD image with glance's snapshot, direct_url
    rbd://FSID/POOL/IMAGE/snap, the same bytes from every controller; gone from Ceph on delete."""
    path = tmp_path / "to-rbd.raw"
    path.write_bytes(os.urandom(16 << 20))
    want = hashlib.sha256(path.read_bytes()).hexdigest()
    run = glance_vip(os_env, "image-create", "--name", "to-rbd", "--disk-format", "raw",
                     "--container-format", "bare", "--store", "rbd", "--file", str(path))
    image_id = show_table(run.stdout)["id"]
    try:
        # The API's JSON: glanceclient's table wraps a value as long as this URL.
        fields = api.show(image_id)
        assert (fields["status"], fields["stores"]) == ("active", "rbd")
        assert fields["direct_url"] == f"rbd://{lab_vars()['lab_ceph_fsid']}/{POOL}/{image_id}/snap"
        assert image_id in rbd_images()
        snaps = json.loads(ceph.check_output(f"rbd snap ls --format json {POOL}/{image_id}"))
        assert [snap["name"] for snap in snaps] == ["snap"]
        assert json.loads(ceph.check_output(f"rbd info --format json {POOL}/{image_id}"))["size"] == 16 << 20
        for node in nodes:
            out = tmp_path / f"back-{node.backend.host}.raw"
            glance(os_env, node, "image-download", "--file", str(out), image_id)
            assert hashlib.sha256(out.read_bytes()).hexdigest() == want, node.backend.host
    finally:
        glance_vip(os_env, "image-delete", image_id, check=False)
    assert image_id not in rbd_images()


def test_copy_image_into_rbd(api, os_env, ceph):
    data = os.urandom(2 << 20)
    image_id = api.upload(f"copy-rbd-{uuid.uuid4().hex[:8]}", data)
    try:
        copy_image(api, os_env, image_id, "rbd")
        assert image_id in rbd_images()
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
    finally:
        api.delete(image_id)
    assert image_id not in rbd_images()

"""glance in multi-store mode: the default store (file, on GlusterFS) plus the lab's real
Swift and the read-only http store are enabled on every controller; an image sent to the
swift store through the VIP lands in Swift, is named by reference only, and downloads the
same.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import requests
import yaml

from testlib.cluster import PROJECT, glance_vip, lab_vars, show_table, swift_session

SWIFT_CONF = "/etc/glance/glance-swift.conf"
GLANCE = yaml.safe_load((PROJECT / "roles" / "glance" / "defaults" / "main.yml").read_text())


@pytest.fixture(scope="module")
def swift():
    """(storage URL, auth headers) of glance's account in the lab Swift, as glance logs in."""
    return swift_session()


def test_every_store_is_listed_and_file_is_the_default(image_url, os_session):
    stores = requests.get(f"{image_url}/v2/info/stores", timeout=10,
                          headers={"X-Auth-Token": os_session.get_token()}).json()["stores"]
    by_id = {s["id"]: s for s in stores}
    assert set(by_id) == {"file", "swift", "http", "rbd"}
    # The API sends these flags as the strings "true"/absent.
    assert by_id["file"].get("default") == "true"
    assert "default" not in by_id["swift"] and by_id["http"].get("read-only") == "true"


def test_swift_credentials_live_in_a_private_reference_file(nodes):
    key = lab_vars()["lab_swift_password"]
    for node in nodes:
        ref = node.file(SWIFT_CONF)
        assert (ref.user, ref.group, ref.mode) == ("root", "glance", 0o640)
        assert key in ref.content_string
        assert key not in node.file("/etc/glance/glance-api.conf").content_string
        assert node.check_output("grep -h '^default_store' /etc/glance/glance-api.conf") == "default_store = file"


def test_upload_to_swift_through_the_vip(os_env, os_session, image_url, swift, tmp_path):
    """--store swift through the VIP: the object is in Swift's container, direct_url names the
    reference (no key), the bytes come back the same; deleting the image removes the object."""
    path = tmp_path / "to-swift.raw"
    path.write_bytes(os.urandom(8 << 20))
    run = glance_vip(os_env, "image-create", "--name", "to-swift", "--disk-format", "raw",
                     "--container-format", "bare", "--store", "swift", "--file", str(path))
    image_id = show_table(run.stdout)["id"]
    storage, auth = swift
    obj = f"{storage}/{GLANCE['glance_swift_container']}/{image_id}"
    try:
        fields = show_table(glance_vip(os_env, "image-show", image_id).stdout)
        assert fields["status"] == "active"
        assert fields["stores"] == "swift"
        assert fields["direct_url"] == f"swift+config://{GLANCE['glance_swift_reference']}/" \
                                       f"{GLANCE['glance_swift_container']}/{image_id}"
        image = requests.get(f"{image_url}/v2/images/{image_id}", timeout=10,
                             headers={"X-Auth-Token": os_session.get_token()}).text
        assert lab_vars()["lab_swift_password"] not in image
        head = requests.head(obj, headers=auth, timeout=10)
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == 8 << 20
        out = tmp_path / "back.raw"
        glance_vip(os_env, "image-download", "--file", str(out), image_id)
        assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(path.read_bytes()).digest()
    finally:
        glance_vip(os_env, "image-delete", image_id, check=False)
    assert requests.head(obj, headers=auth, timeout=10).status_code == 404

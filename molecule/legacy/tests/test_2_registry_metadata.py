"""An image uploaded through the VIP is stored on the GlusterFS volume and its metadata,
written by glance-api through glance-registry into the shared database, is what every
node's registry answers on its own API."""

from __future__ import annotations

import hashlib
import os

import pytest
import requests

from testlib.cluster import BRICK, MOUNT, api_url

SIZE = 16 << 20


@pytest.fixture(scope="module")
def token(os_session) -> str:
    return os_session.get_token()


@pytest.fixture(scope="module")
def uploaded(image_url, token):
    data = os.urandom(SIZE)
    headers = {"X-Auth-Token": token}
    created = requests.post(f"{image_url}/v2/images", headers=headers, timeout=30, json={
        "name": "legacy-16m", "disk_format": "raw", "container_format": "bare"})
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    put = requests.put(f"{image_url}/v2/images/{image_id}/file", data=data, timeout=300,
                       headers=dict(headers, **{"Content-Type": "application/octet-stream"}))
    assert put.status_code == 204, put.text
    yield image_id, data
    requests.delete(f"{image_url}/v2/images/{image_id}", headers=headers, timeout=60)


def test_download_through_the_vip_returns_the_same_bytes(image_url, token, uploaded):
    image_id, data = uploaded
    got = requests.get(f"{image_url}/v2/images/{image_id}/file", headers={"X-Auth-Token": token},
                       timeout=300)
    assert got.status_code == 200
    assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(data).hexdigest()
    image = requests.get(f"{image_url}/v2/images/{image_id}", headers={"X-Auth-Token": token},
                         timeout=30).json()
    assert image["status"] == "active" and image["size"] == SIZE
    assert image["direct_url"] == f"file://{MOUNT}/{image_id}"


def test_every_nodes_registry_serves_the_metadata(nodes, token, uploaded):
    """Whichever node took the upload, the two others' registries answer for it too."""
    image_id, data = uploaded
    for node in nodes:
        got = requests.get(f"{api_url(node, 9191)}/images/detail", timeout=30,
                           headers={"X-Auth-Token": token}, params={"name": "legacy-16m"})
        assert got.status_code == 200, (node.backend.host, got.text)
        image = {i["id"]: i for i in got.json()["images"]}[image_id]
        assert image["status"] == "active"
        assert image["size"] == SIZE
        assert image["checksum"] == hashlib.md5(data).hexdigest()  # noqa: S324 (glance's own checksum)


def test_registry_refuses_a_request_without_a_token(nodes):
    got = requests.get(f"{api_url(nodes[0], 9191)}/images/detail", timeout=30)
    assert got.status_code == 401


def test_the_image_file_is_on_every_brick(nodes, uploaded):
    image_id, data = uploaded
    for node in nodes:
        assert node.file(f"{BRICK}/{image_id}").size == SIZE
        assert node.check_output(f"sha256sum {BRICK}/{image_id}").split()[0] == hashlib.sha256(data).hexdigest()

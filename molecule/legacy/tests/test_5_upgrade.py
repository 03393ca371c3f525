"""In-place upgrade of the legacy track from 19.0.4 (Train) to 20.2.0 (Ussuri): a new venv
beside the old one, the database migrated, the services restarted on it one node at a
time; every image keeps its bytes, and 20.2.0 uploads through the registry (the
atomic_props patch)."""

from __future__ import annotations

import hashlib
import os

import pytest
import requests

from glance_ha_cluster import INVENTORY, playbook

OLD, NEW = "19.0.4", "20.2.0"


@pytest.fixture(scope="module")
def api(image_url, os_session):
    return image_url, {"X-Auth-Token": os_session.get_token()}


def upload(api, name: str, data: bytes) -> str:
    url, headers = api
    created = requests.post(f"{url}/v2/images", headers=headers, timeout=30, json={
        "name": name, "disk_format": "raw", "container_format": "bare"})
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    put = requests.put(f"{url}/v2/images/{image_id}/file", data=data, timeout=300,
                       headers=dict(headers, **{"Content-Type": "application/octet-stream"}))
    assert put.status_code == 204, put.text
    return image_id


def sha256(api, image_id: str) -> str:
    url, headers = api
    got = requests.get(f"{url}/v2/images/{image_id}/file", headers=headers, timeout=300)
    assert got.status_code == 200, got.text
    return hashlib.sha256(got.content).hexdigest()


def test_upgrade_keeps_every_image(nodes, api):
    images = {}
    for size in (4 << 20, 16 << 20):
        data = os.urandom(size)
        images[upload(api, f"before-upgrade-{size >> 20}m", data)] = hashlib.sha256(data).hexdigest()
    run = playbook("site.yml", "-e", f"glance_venv_version={NEW}", inventory=INVENTORY)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    for node in nodes:
        for unit in ("glance-api", "glance-registry"):
            assert node.service(unit).is_running
            assert f"/opt/glance-{NEW}/bin/{unit} " in node.check_output(f"systemctl show -P ExecStart {unit}")
        # The old venv stays for a rollback.
        assert node.file(f"/opt/glance-{OLD}/bin/glance-api").exists
    version = nodes[0].check_output(f"runuser -u glance -- /opt/glance-{NEW}/bin/glance-manage "
                                    "--config-file /etc/glance/glance-api.conf db_version")
    assert version.strip().startswith("ussuri"), version
    for image_id, digest in images.items():
        assert sha256(api, image_id) == digest
    data = os.urandom(2 << 20)
    new_id = upload(api, "after-upgrade", data)
    images[new_id] = hashlib.sha256(data).hexdigest()
    assert sha256(api, new_id) == images[new_id]
    url, headers = api
    for image_id in images:
        requests.delete(f"{url}/v2/images/{image_id}", headers=headers, timeout=60)

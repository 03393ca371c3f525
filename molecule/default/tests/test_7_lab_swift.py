"""The lab's Swift (storage host, role lab_swift) is a real object store glance can use:
the controllers reach its proxy, tempauth hands out a token for glance's account, and an
object written through the API reads back the same. Issue 5 builds glance's swift store
on it.
"""

from __future__ import annotations

import hashlib
import os
import uuid

import pytest
import yaml

from testlib.cluster import INVENTORY, PROJECT, get_on, ipv4, lab_vars

testinfra_hosts = [f"ansible://storage_lab?ansible_inventory={INVENTORY}"]

DEFAULTS = yaml.safe_load((PROJECT / "roles" / "lab_swift" / "defaults" / "main.yml").read_text())


@pytest.fixture(scope="module")
def proxy(host) -> str:
    return f"http://{ipv4(host)}:{DEFAULTS['lab_swift_proxy_port']}"


def test_servers_run_with_secrets_closed(host):
    for unit in ("memcached", "swift-proxy", "swift-account", "swift-container", "swift-object"):
        assert host.service(unit).is_running, unit
        assert host.service(unit).is_enabled, unit
    for conf in ("swift.conf", "proxy-server.conf"):
        f = host.file(f"/etc/swift/{conf}")
        assert (f.user, f.group, f.mode) == ("root", "swift", 0o640), conf


def test_controllers_reach_the_proxy(nodes, proxy):
    for node in nodes:
        assert get_on(node, f"{proxy}/healthcheck")[0] == 200, node.backend.host


def test_object_round_trip_with_a_tempauth_token(host, proxy):
    """Log in as glance's account (auth v1, account:user), write, read, delete an object."""
    import requests

    user = f"{DEFAULTS['lab_swift_account']}:{DEFAULTS['lab_swift_user']}"
    login = requests.get(f"{proxy}/auth/v1.0", timeout=10,
                         headers={"X-Auth-User": user, "X-Auth-Key": lab_vars()["lab_swift_password"]})
    assert login.status_code == 200, login.text
    token, storage = login.headers["X-Auth-Token"], login.headers["X-Storage-Url"]
    assert storage.endswith(f"/v1/AUTH_{DEFAULTS['lab_swift_account']}")
    auth = {"X-Auth-Token": token}
    container = f"probe-{uuid.uuid4().hex[:8]}"
    body = os.urandom(1 << 20)
    assert requests.put(f"{storage}/{container}", headers=auth, timeout=10).status_code in (201, 202)
    put = requests.put(f"{storage}/{container}/obj", headers=auth, data=body, timeout=30)
    assert put.status_code == 201, put.text
    assert put.headers["Etag"] == hashlib.md5(body).hexdigest()
    got = requests.get(f"{storage}/{container}/obj", headers=auth, timeout=30)
    assert got.status_code == 200 and got.content == body
    listing = requests.get(f"{storage}/{container}?format=json", headers=auth, timeout=10).json()
    assert [o["name"] for o in listing] == ["obj"]
    assert requests.delete(f"{storage}/{container}/obj", headers=auth, timeout=10).status_code == 204
    assert requests.delete(f"{storage}/{container}", headers=auth, timeout=10).status_code == 204


def test_a_wrong_password_is_refused(proxy):
    import requests

    user = f"{DEFAULTS['lab_swift_account']}:{DEFAULTS['lab_swift_user']}"
    login = requests.get(f"{proxy}/auth/v1.0", headers={"X-Auth-User": user, "X-Auth-Key": "wrong"}, timeout=10)
    assert login.status_code == 401

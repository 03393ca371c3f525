"""glance-api on every controller: service, config, Keystone, shared store (issue 3, tests 1-2)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid

import pytest

from testlib.cluster import INVENTORY, BRICK, GLANCE_UID, MOUNT, backend_tls, get_on, glance, healthcheck, ipv4, show_table


# Per-node tests run on the controllers only (not on the lab Keystone).
testinfra_hosts = [f"ansible://controllers?ansible_inventory={INVENTORY}"]
pytestmark = pytest.mark.every_release


def test_glance_api_serves_on_its_address_only(host):
    """The management address, or 127.0.0.1 behind the node's TLS proxy (test_6_backend_tls)."""
    assert host.service("glance-api").is_running
    assert host.service("glance-api").is_enabled
    address = "127.0.0.1" if backend_tls(host.backend.host) else ipv4(host)
    assert host.check_output("grep -h '^bind_host' /etc/glance/glance-api.conf") == f"bind_host = {address}"
    assert host.socket(f"tcp://{address}:9292").is_listening
    assert not host.socket("tcp://0.0.0.0:9292").is_listening
    assert healthcheck(host) == 200


# Per Debian release: glance's package, and the API version its /versions document calls
# CURRENT (measured: Zed 25.1.0 says 2.15, Epoxy 30.0.0 2.17).
RELEASES = {"bookworm": ("2:25.1.0", "v2.15"), "trixie": ("2:30.0.0", "v2.17")}


def test_the_release_s_glance_serves_its_api_version(host):
    package, api = RELEASES[host.system_info.codename]
    assert host.package("glance-api").version.startswith(package + "-")
    address = "127.0.0.1" if backend_tls(host.backend.host) else ipv4(host)
    status, body = get_on(host, f"http://{address}:9292/versions")
    assert status == 200, body
    versions = json.loads(body)
    assert [v["id"] for v in versions["versions"] if v["status"] == "CURRENT"] == [api]


def test_seed_grep_prints_the_store(host):
    out = host.check_output("grep -h '^default_store' /etc/glance/glance-api.conf")
    assert out.strip() == "default_store = file"


def test_config_files_are_private(host):
    for path in ("/etc/glance/glance-api.conf", "/etc/glance/glance-api-paste.ini"):
        conf = host.file(path)
        assert (conf.user, conf.group, conf.mode) == ("root", "glance", 0o640), path


def test_glance_user_has_the_pinned_ids(host):
    user = host.user("glance")
    assert (user.uid, user.gid) == (GLANCE_UID, GLANCE_UID)


def test_registry_is_not_deployed(host):
    assert not host.service("glance-registry").is_running
    # On no address: a registry binds the node's own, HAProxy's frontend the VIP.
    assert [s for s in host.socket.get_listening_sockets() if s.endswith(":9191")] == []


@pytest.fixture(scope="module")
def uploaded_image(nodes, os_env, tmp_path_factory):
    """A 32 MiB image of random bytes, uploaded through the first node."""
    payload = os.urandom(32 * 1024 * 1024)
    path = tmp_path_factory.mktemp("img") / "random.raw"
    path.write_bytes(payload)
    name = f"ha-{uuid.uuid4().hex[:8]}"
    created = show_table(glance(os_env, nodes[0], "image-create", "--name", name, "--disk-format", "raw",
                                "--container-format", "bare", "--file", str(path)).stdout)
    yield created["id"], hashlib.sha256(payload).hexdigest(), hashlib.md5(payload).hexdigest(), len(payload)
    glance(os_env, nodes[0], "image-delete", created["id"], check=False)


def test_upload_through_one_node_download_through_the_others(nodes, os_env, uploaded_image, tmp_path):
    image_id, sha256, _, _ = uploaded_image
    for node in nodes[1:]:
        out = tmp_path / f"{ipv4(node)}.raw"
        glance(os_env, node, "image-download", "--file", str(out), image_id)
        assert hashlib.sha256(out.read_bytes()).hexdigest() == sha256


def test_image_is_stored_once_on_the_replicated_volume(nodes, uploaded_image):
    image_id, sha256, _, size = uploaded_image
    for node in nodes:
        assert node.file(f"{BRICK}/{image_id}").size == size
        assert node.check_output(f"sha256sum {BRICK}/{image_id}").split()[0] == sha256
        assert node.file(f"{MOUNT}/{image_id}").user == "glance"


def test_seed_image_show_fields(nodes, os_env, uploaded_image):
    image_id, _, md5, size = uploaded_image
    for node in nodes:
        fields = show_table(glance(os_env, node, "image-show", image_id).stdout)
        assert fields["status"] == "active"
        assert fields["checksum"] == md5
        assert int(fields["size"]) == size
        assert fields["direct_url"] == f"file:///var/lib/glance/images/{image_id}"
        for seed_field in ("container_format", "created_at", "disk_format", "id", "min_disk", "min_ram",
                           "name", "owner", "protected", "tags", "updated_at", "virtual_size", "visibility"):
            assert seed_field in fields, seed_field


def test_image_list_is_the_same_everywhere(nodes, os_env, uploaded_image):
    image_id = uploaded_image[0]
    for node in nodes:
        assert re.search(image_id, glance(os_env, node, "image-list").stdout)

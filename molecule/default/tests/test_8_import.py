"""Interoperable image import on a cluster (issue 17): data staged through one controller is
imported through another (the staging store is a directory of its own on the shared volume,
and each glance-api names itself with worker_self_reference_url); web-download fetches from
the lab's web server, which the allow-list passes, and from nowhere else; copy-image copies
an image into a second store. After each import the staging directory holds nothing of it.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import uuid

import pytest

from testlib.cluster import copy_image, glance, glance_vip, ipv4, show_table, storage_host, wait_for

pytestmark = pytest.mark.every_release

CONF = "/etc/glance/glance-api.conf"
LOG = "/var/log/glance/glance-api.log"


def _option(node, section: str, option: str) -> str:
    conf = configparser.ConfigParser(interpolation=None, strict=False)
    conf.read_string(node.file(CONF).content_string)
    return conf[section][option]


def _proxied_to(node, url: str) -> int:
    """How many requests this node's glance-api has proxied to the node at `url`."""
    return int(node.run(f"grep -c 'Proxying POST request to host {url} ' {LOG}").stdout.strip() or 0)


@pytest.fixture(scope="module")
def staging(nodes) -> str:
    """The staging directory glance-api.conf names (one path for every controller)."""
    return _option(nodes[0], "os_glance_staging_store", "filesystem_store_datadir")


def _staged(node, staging: str) -> list[str]:
    """What the staging directory holds, read on that node."""
    return node.check_output(f"ls -A {staging}").split()


def _active(api, image_id: str) -> dict:
    wait_for(lambda: api.show(image_id)["status"] == "active", f"image {image_id} active", timeout=120, interval=1)
    return api.show(image_id)


def _created(env, node=None) -> str:
    args = ("image-create", "--name", f"import-{uuid.uuid4().hex[:8]}", "--disk-format", "raw",
            "--container-format", "bare")
    run = glance(env, node, *args, stdin=False) if node is not None else glance_vip(env, *args, stdin=False)
    return show_table(run.stdout)["id"]


def test_each_controller_names_itself_for_proxied_imports(nodes):
    for node in nodes:
        url = _option(node, "DEFAULT", "worker_self_reference_url")
        assert url.split("://", 1)[1] == f"{ipv4(node)}:9292", url


def test_data_staged_through_one_controller_imports_through_another(nodes, os_env, api, staging, tmp_path):
    first, second = nodes[0], nodes[1]
    data = os.urandom(4 << 20)
    path = tmp_path / "staged.raw"
    path.write_bytes(data)
    image_id = _created(os_env, first)
    try:
        glance(os_env, first, "image-stage", "--file", str(path), image_id, stdin=False)
        # On the shared volume: the other controller sees the staged data as it is.
        assert second.file(f"{staging}/{image_id}").size == len(data)
        # The import through the second is proxied to the first, which staged the image
        # (over its TLS proxy when the backends use TLS: the cluster CA is trusted).
        first_url = _option(first, "DEFAULT", "worker_self_reference_url")
        proxied = _proxied_to(second, first_url)
        glance(os_env, second, "image-import", "--import-method", "glance-direct", image_id, stdin=False)
        assert _proxied_to(second, first_url) == proxied + 1
        image = _active(api, image_id)
        assert image["stores"] == "file"
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
        for node in nodes:
            assert image_id not in _staged(node, staging), node.backend.host
    finally:
        api.delete(image_id)


def test_image_create_via_import_through_the_vip(nodes, os_env, api, staging, tmp_path):
    data = os.urandom(2 << 20)
    path = tmp_path / "direct.raw"
    path.write_bytes(data)
    run = glance_vip(os_env, "image-create-via-import", "--import-method", "glance-direct", "--file", str(path),
                     "--name", f"via-import-{uuid.uuid4().hex[:8]}", "--disk-format", "raw",
                     "--container-format", "bare", stdin=False)
    image_id = show_table(run.stdout)["id"]
    try:
        _active(api, image_id)
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
        assert image_id not in _staged(nodes[0], staging)
    finally:
        api.delete(image_id)


def test_web_download_from_the_allowed_web_server(nodes, os_env, api, staging, tmp_path):
    storage = storage_host()
    data = os.urandom(3 << 20)
    name = f"web-{uuid.uuid4().hex[:8]}.raw"
    path = tmp_path / name
    path.write_bytes(data)
    copied = storage.ansible("ansible.builtin.copy", f"src={path} dest=/srv/images/{name} mode=0644", check=False)
    assert copied.get("changed"), copied
    image_id = _created(os_env)
    try:
        glance_vip(os_env, "image-import", "--import-method", "web-download", "--uri",
                   f"http://{ipv4(storage)}/{name}", image_id, stdin=False)
        _active(api, image_id)
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
        assert image_id not in _staged(nodes[0], staging)
    finally:
        api.delete(image_id)
        storage.run(f"rm -f /srv/images/{name}")


def test_web_download_from_another_host_is_refused(nodes, os_env, api):
    """A controller's own address is not on the allow-list: refused before any fetch."""
    image_id = _created(os_env)
    try:
        run = glance_vip(os_env, "image-import", "--import-method", "web-download", "--uri",
                         f"http://{ipv4(nodes[0])}/anything.raw", image_id, check=False, stdin=False)
        assert run.returncode != 0, run.stdout
        assert "400" in run.stdout + run.stderr, run.stdout + run.stderr
        assert api.show(image_id)["status"] == "queued"
    finally:
        api.delete(image_id)


def test_copy_image_into_a_second_store(nodes, os_env, api, staging):
    data = os.urandom(2 << 20)
    image_id = api.upload(f"copy-{uuid.uuid4().hex[:8]}", data)
    try:
        copy_image(api, os_env, image_id, "swift")
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
        for node in nodes:
            assert image_id not in _staged(node, staging), node.backend.host
    finally:
        api.delete(image_id)

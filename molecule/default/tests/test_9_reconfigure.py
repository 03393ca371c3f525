"""Day 2: playbooks/reconfigure-store.yml switches the default store of the running cluster
(file -> rbd -> s3 -> file, each with migration), one drained controller at a time, while
clients keep working; the read-only http store serves images registered by URL; bad input stops in
preflight with nothing changed on any node.

The tests run in order and share the cluster's state (module-scoped images).
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid

import pytest
import requests

from testlib.cluster import (MOUNT, flat, incident_report, ipv4, lab_vars, node_state, rbd_images, recap,
                             storage_host, swift_session)
from testlib.day2 import PLAYBOOK, Api, default_store_line, reconfigure, under_load
from testlib.playbooks import why_failed
from testlib.sampler import Sampler


def _switch_under_load(api, images, nodes, store: str, *extra: str):
    """The switch to `store` with migration, under 20 requests a second: none failed, each
    controller drained and put back once, every image copied, verified and still the same.
    The stream downloads an image of the file store (the GlusterFS volume) whatever the switch:
    glance_store's s3 driver builds a boto3 client for every read, and 1-2 downloads a second
    out of s3 on top of the migration's copies overloaded the lab's 2 cores
    (docs/benchmarks.md); what the switch must not fail is the roll and the copies."""
    since = nodes[0].check_output("date '+%F %T'")
    stores_before = {image_id: set(api.show(image_id)["stores"].split(",")) for image_id in images}
    run, stream, uploads = under_load(api, images, "-e", f"glance_default_store={store}",
                                      "-e", "glance_store_migrate=true", *extra, rate=20, stream_store="file")
    try:
        assert run.returncode == 0, why_failed(run)
        out = flat(run.stdout)
        assert out.count("TASK [haproxy : Drain the server on every load balancer]") == len(nodes)
        assert out.count("TASK [haproxy : Put the server back in service on every load balancer]") == len(nodes)
        assert f"image(s) copied into {store} and verified" in out
        assert len(stream.results) > 200
        assert stream.failed == [], (stream.summary() + repr(stream.failed[:5])
                                     + "\n" + incident_report(nodes, since))
        assert uploads.errors == [] and len(uploads.done) >= 2, uploads.errors
        for node in nodes:
            assert default_store_line(node) == f"default_store = {store}"
        for image_id, digest in images.items():
            assert set(api.show(image_id)["stores"].split(",")) == stores_before[image_id] | {store}, image_id
            assert api.sha256(image_id) == digest
        for image_id, digest in uploads.done:
            assert api.sha256(image_id) == digest
    finally:
        uploads.remove()


def test_file_to_rbd_with_migration_under_load_fails_no_request(api, images, nodes):
    # Three copies at once (the role's default is one): out of GlusterFS into Ceph, the lab's
    # controllers take them under this load; out of s3 (a boto3 client made for every read)
    # they did not (docs/benchmarks.md).
    _switch_under_load(api, images, nodes, "rbd", "-e", "glance_store_migrate_parallel=3")
    assert set(images) <= set(rbd_images())
    for image_id in images:
        assert set(api.show(image_id)["stores"].split(",")) == {"file", "rbd"}


def test_new_uploads_land_in_rbd(api, images):
    """Kept (in `images`): the image that only rbd holds goes with the switches below."""
    data = os.urandom(2 << 20)
    image_id = api.upload("after-rbd", data)
    images[image_id] = hashlib.sha256(data).hexdigest()
    image = api.show(image_id)
    assert image["stores"] == "rbd"
    assert image["direct_url"] == f"rbd://{lab_vars()['lab_ceph_fsid']}/{lab_vars()['glance_rbd_pool']}/{image_id}/snap"
    assert image_id in rbd_images()
    assert api.sha256(image_id) == images[image_id]


@pytest.fixture(scope="module")
def member(os_env, os_session, image_url):
    """A non-admin user (role member) of the admin project, where the images are."""
    keystone = os_env["OS_AUTH_URL"].rstrip("/")  # .../v3
    headers = {"X-Auth-Token": os_session.get_token()}
    project = os_session.get_project_id()
    role = requests.get(f"{keystone}/roles?name=member", headers=headers, timeout=10).json()["roles"][0]
    name, password = f"reconf-member-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex
    user = requests.post(f"{keystone}/users", headers=headers, timeout=10, json={
        "user": {"name": name, "password": password, "domain_id": "default"}}).json()["user"]
    requests.put(f"{keystone}/projects/{project}/users/{user['id']}/roles/{role['id']}",
                 headers=headers, timeout=10).raise_for_status()
    token = requests.post(f"{keystone}/auth/tokens", timeout=10, json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "id": user["id"], "password": password}}},
        "scope": {"project": {"id": project}}}}).headers["X-Subject-Token"]
    yield Api(image_url, token)
    requests.delete(f"{keystone}/users/{user['id']}", headers=headers, timeout=10)


class Processes:
    """Sampled every 100 ms on a node from start() until finish(): every process's command
    line, and the processes that carry an OS_PASSWORD in their environment."""

    # The marker is written split in two: this command line itself is in the ps output.
    SAMPLE = ("ps -eo args; echo '== env''iron'; for f in $(grep -l -a OS_PASSWORD= /proc/[0-9]*/environ); do "
              "tr '\\0' ' ' < ${f%/environ}/cmdline; echo; done 2>/dev/null; true")

    def __init__(self, node: str):
        self.seen, self.with_password = set(), set()
        self.sampler = Sampler(node, self.SAMPLE, 0.1, self.take)

    def take(self, _stamp: float, out: str) -> None:
        args, _, environ = out.partition("== environ")
        self.seen.update(args.splitlines())
        self.with_password.update(line for line in environ.splitlines() if line.strip())

    def start(self) -> None:
        self.sampler.start()

    def finish(self) -> None:
        self.sampler.stop()


def test_rbd_to_s3_with_migration_and_the_same_target_again_changes_nothing(api, images, member, nodes):
    # The migration runs once, on the first controller, with a Keystone admin's credentials.
    stores_before = {image_id: set(api.show(image_id)["stores"].split(",")) for image_id in images}
    watch = Processes(nodes[0].backend.host)
    watch.start()
    try:
        run = reconfigure("-e", "glance_default_store=s3", "-e", "glance_store_migrate=true")
    finally:
        watch.finish()
    assert run.returncode == 0, why_failed(run)
    secret = lab_vars()["lab_keystone_admin_password"]
    assert any("glance-ha-migrate-images" in line for line in watch.seen), sorted(watch.seen)[:50]
    assert not [line for line in watch.seen if secret in line]
    assert watch.with_password == set()
    assert secret not in run.stdout + run.stderr
    assert "image(s) copied into s3 and verified" in flat(run.stdout)
    for node in nodes:
        assert default_store_line(node) == "default_store = s3"
    listed = requests.get(f"{api.url}/v2/images?limit=1000&status=active", headers=api.headers,
                          timeout=30).json()["images"]
    assert listed and all("s3" in i["stores"].split(",") for i in listed), \
        [(i["id"], i["stores"]) for i in listed]
    for image_id, digest in images.items():
        assert set(api.show(image_id)["stores"].split(",")) == stores_before[image_id] | {"s3"}, image_id
        assert api.sha256(image_id) == digest
    # The same target again copies nothing and changes nothing on any node.
    before = [node_state(n) for n in nodes]
    again = reconfigure("-e", "glance_default_store=s3", "-e", "glance_store_migrate=true")
    assert again.returncode == 0, why_failed(again)
    assert all(c["changed"] == 0 for c in recap(again.stdout).values()), recap(again.stdout)
    assert "0 image(s) copied into s3" in flat(again.stdout)
    assert [node_state(n) for n in nodes] == before


def test_migration_can_drop_the_old_locations_after_verifying(api):
    """An image only in Swift: copied into s3, verified, then its Swift location (and object) removed."""
    data = os.urandom(3 << 20)
    image_id = api.upload("swift-only", data, store="swift")
    storage, auth = swift_session()
    try:
        assert api.show(image_id)["stores"] == "swift"
        run = reconfigure("-e", "glance_default_store=s3", "-e", "glance_store_migrate=true",
                          "-e", "glance_store_migrate_remove_old=true")
        assert run.returncode == 0, why_failed(run)
        assert "1 image(s) copied into s3 and verified" in flat(run.stdout)
        assert "1 old location(s) removed" in flat(run.stdout)
        assert api.show(image_id)["stores"] == "s3"
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
        assert requests.head(f"{storage}/glance/{image_id}", headers=auth, timeout=10).status_code == 404
    finally:
        api.delete(image_id)


def test_s3_keys_reach_no_user_but_admins(api, member, images):
    secret = lab_vars()["lab_s3_secret_key"]
    data = os.urandom(1 << 20)
    image_id = api.upload("in-s3", data)
    try:
        admin_view = api.show(image_id)
        assert admin_view["stores"] == "s3"
        # The seed's inspection (image-show, direct_url) still works for the operator.
        assert admin_view["direct_url"].startswith(f"s3://{lab_vars()['lab_s3_access_key']}:")
        for some_id in [image_id, *images]:
            got = requests.get(f"{member.url}/v2/images/{some_id}", headers=member.headers, timeout=30)
            assert got.status_code == 200
            assert secret not in got.text and lab_vars()["lab_s3_access_key"] not in got.text
        member_view = requests.get(f"{member.url}/v2/images/{image_id}", headers=member.headers,
                                   timeout=30).json()
        assert member_view["direct_url"].startswith("s3://***@")
        listed = requests.get(f"{member.url}/v2/images?limit=1000", headers=member.headers, timeout=30).text
        assert secret not in listed
        assert member.sha256(image_id) == hashlib.sha256(data).hexdigest()
    finally:
        api.delete(image_id)


def test_back_to_file_with_migration_under_load(api, images, nodes):
    """The image only rbd held (and s3, by now) is copied back into the file store."""
    _switch_under_load(api, images, nodes, "file")
    stores = requests.get(f"{api.url}/v2/info/stores", headers=api.headers, timeout=10).json()["stores"]
    by_id = {s["id"]: s for s in stores}
    assert set(by_id) == {"file", "swift", "s3", "http", "rbd"}
    assert by_id["file"].get("default") == "true"
    data = os.urandom(1 << 20)
    image_id = api.upload("back-in-file", data)
    try:
        assert api.show(image_id)["stores"] == "file"
        for node in nodes:  # on the GlusterFS volume, seen from every controller
            assert node.file(f"{MOUNT}/{image_id}").size == len(data)
        for old_id, digest in images.items():
            assert api.sha256(old_id) == digest
    finally:
        api.delete(image_id)


def test_http_image_registered_by_url(api, tmp_path):
    storage = storage_host()
    data = os.urandom(3 << 20)
    name = f"http-{uuid.uuid4().hex[:8]}.raw"
    path = tmp_path / name
    path.write_bytes(data)
    copied = storage.ansible("ansible.builtin.copy", f"src={path} dest=/srv/images/{name} mode=0644",
                             check=False)
    assert copied.get("changed"), copied
    created = requests.post(f"{api.url}/v2/images", headers=api.headers, timeout=30, json={
        "name": "by-url", "disk_format": "raw", "container_format": "bare"})
    created.raise_for_status()
    image_id = created.json()["id"]
    try:
        url = f"http://{ipv4(storage)}/{name}"
        patched = requests.patch(
            f"{api.url}/v2/images/{image_id}", timeout=60,
            headers=dict(api.headers, **{"Content-Type": "application/openstack-images-v2.1-json-patch"}),
            data=json.dumps([{"op": "add", "path": "/locations/-", "value": {"url": url, "metadata": {}}}]))
        assert patched.status_code == 200, patched.text
        image = api.show(image_id)
        assert image["status"] == "active" and image["stores"] == "http"
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
    finally:
        api.delete(image_id)
        storage.run(f"rm -f /srv/images/{name}")


BAD = {
    "http as the default": (["-e", "glance_default_store=http"], ["read-only"]),
    "unknown store": (["-e", "glance_default_store=cinder"], ["glance_default_store", "cinder"]),
    "swift without auth address": (["-e", "glance_default_store=swift", "-e", "glance_swift_auth_address="],
                                   ["glance_swift_auth_address"]),
    "s3 with wrong keys": (["-e", "glance_default_store=s3", "-e", "glance_s3_secret_key=wrong-secret"],
                           ["cannot use the s3 store", "nothing was changed"]),
    "rbd with another key": (["-e", "glance_default_store=rbd", "-e", "glance_rbd_key=AQDeiRRr2lqADhAAmfsqHhzAAiw8ky4aqwLBiQ=="],
                             ["cannot use the rbd store", "nothing was changed"]),
    # Nothing listens on port 9 of the storage host.
    "unreachable endpoint": (["-e", "glance_default_store=swift", "-e",
                              "glance_swift_auth_address=http://{storage}:9/auth/v1.0"],
                             ["cannot use the swift store", "nothing was changed"]),
}
CHECK = "reconfigure: check mode"


def declare_read_only_runs():
    """--check --diff to swift and every bad input: in the session's batch (testlib.cluster.read_only),
    on the cluster as converged (file the default store, as after the chain above)."""
    storage = ipv4(storage_host())
    runs = {f"reconfigure: {case}": [PLAYBOOK, *(e.replace("{storage}", storage) for e in extra)]
            for case, (extra, _) in BAD.items()}
    return {**runs, CHECK: [PLAYBOOK, "-e", "glance_default_store=swift", "--check", "--diff"]}


def test_check_mode_reports_the_change_and_changes_nothing(nodes, read_only):
    run = read_only.runs[CHECK]
    assert run.returncode == 0, why_failed(run)
    assert all(recap(run.stdout)[n]["changed"] > 0 for n in recap(run.stdout)), recap(run.stdout)
    assert read_only.after == read_only.before
    for node in nodes:
        assert default_store_line(node) == "default_store = file"


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_stops_in_preflight_with_nothing_changed(case, read_only):
    run = read_only.runs[f"reconfigure: {case}"]
    assert run.returncode != 0, run.stdout[-3000:]
    out = flat(run.stdout + run.stderr)
    for phrase in BAD[case][1]:
        assert phrase in out, out[-3000:]
    assert "TASK [haproxy : Drain" not in out
    assert read_only.after == read_only.before

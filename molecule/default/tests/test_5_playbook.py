"""site.yml as an operator runs it: impossible settings are refused by preflight before any
host is touched (test 6), and --check --diff on a converged cluster changes nothing."""

from __future__ import annotations

import json
import re

import pytest
import testinfra
import yaml

from testlib.cluster import (LAB_SECRETS, PROJECT, docker, flat, lab_vars, node_names, playbook, recap, scenario_label,
                             wait_for)
from testlib.playbooks import why_failed

BARE = "glance-ha-mol-bare"


def _bare_run() -> list[str]:
    """`docker run` of a lab node as roles/lab_nodes describes one, from the bare image. On the
    engine's default network: nothing it runs reaches another node (or a lab's network)."""
    role = PROJECT / "roles" / "lab_nodes"
    spec = yaml.safe_load((role / "vars" / "main.yml").read_text())["lab_nodes_container"]
    image = yaml.safe_load((role / "defaults" / "main.yml").read_text())["lab_nodes_image"]
    args = ["run", "-d", "--name", BARE, "--cgroupns", spec["cgroupns_mode"], "--stop-signal", spec["stop_signal"],
            "--label", scenario_label()]
    args += [a for cap in spec["capabilities"] for a in ("--cap-add", cap)]
    args += [a for opt in spec["security_opts"] for a in ("--security-opt", opt)]
    args += [a for dev in spec["devices"] for a in ("--device", dev)]
    args += [a for vol in spec["volumes"] for a in ("-v", vol)]
    args += [a for tmp in spec["tmpfs"] for a in ("--tmpfs", tmp)]
    args += [a for key, val in spec["sysctls"].items() for a in ("--sysctl", f"{key}={val}")]
    return args + [image, spec["command"]]


@pytest.fixture(scope="module")
def bare_node():
    """A fresh controller from the bare image, never converged."""
    docker("rm", "-f", BARE, check=False)
    docker(*_bare_run())
    host = testinfra.get_host(f"docker://{BARE}")
    wait_for(lambda: host.run("systemctl is-system-running").stdout.strip() in ("running", "degraded"),
             "the bare node to boot", timeout=60, interval=1)
    yield host
    docker("rm", "-f", BARE, check=False)


def _inventory(tmp_path, names: list[str], controllers: bool = True):
    """An inventory whose hosts all are the bare container, under several names: as
    controllers (and so GlusterFS servers), or as GlusterFS servers only."""
    hosts = {n: {"ansible_host": BARE} for n in names}
    children = ({"controllers": {"hosts": hosts}, "glusterfs_servers": {"children": {"controllers": None}}}
                if controllers else {"controllers": {"hosts": {}}, "glusterfs_servers": {"hosts": hosts}})
    # The lab group_vars name the Keystone and storage hosts by their lab_ipv4 (site.yml does
    # not run on them): documentation addresses, no run here reaches them.
    children["identity_lab"] = {"hosts": {"keystone-stand-in": {"ansible_host": BARE, "lab_ipv4": "192.0.2.30"}}}
    children["storage_lab"] = {"hosts": {"storage-stand-in": {"ansible_host": BARE, "lab_ipv4": "192.0.2.40"}}}
    inv = {"all": {"children": {"lab_containers": {
        "vars": {"ansible_connection": "docker", "ansible_python_interpreter": "/usr/bin/python3"},
        "children": children}}}}
    (tmp_path / "group_vars").symlink_to(PROJECT / "inventory" / "lab" / "group_vars")
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump(inv))
    return path


def _assert_refused(run, *phrases: str):
    out = run.stdout + run.stderr
    assert run.returncode != 0, out
    for phrase in phrases:
        assert phrase in flat(out), out
    counts = recap(run.stdout)
    assert counts, out
    assert all(r["changed"] == 0 for r in counts.values()), counts
    assert any(r["failed"] > 0 for r in counts.values()), counts


def _assert_untouched(node):
    assert node.run("dpkg-query -W -f '${Status}' glusterfs-server").stdout.find("installed") < 0
    assert not node.file("/srv/gluster").exists
    assert not node.file("/var/lib/glance").exists
    assert not node.file("/etc/systemd/system/var-lib-glance-images.mount").exists


def test_single_controller_is_refused(bare_node, tmp_path):
    run = playbook("site.yml", inventory=_inventory(tmp_path, ["solo"]))
    _assert_refused(run, "A single brick has no redundancy", "glusterfs_allow_single_brick")
    _assert_untouched(bare_node)


def test_two_controllers_without_arbiter_are_refused(bare_node, tmp_path):
    run = playbook("site.yml", inventory=_inventory(tmp_path, ["pair-a", "pair-b"]))
    _assert_refused(run, "Replica 2 without an arbiter", "glusterfs_allow_replica2")
    _assert_untouched(bare_node)


def test_four_galera_members_are_refused(bare_node, tmp_path):
    """4 members: a 2/2 split leaves no Primary side."""
    run = playbook("site.yml", inventory=_inventory(tmp_path, ["quad-a", "quad-b", "quad-c", "quad-d"]))
    _assert_refused(run, "Galera needs an odd number of members", "has 4 host(s)")
    _assert_untouched(bare_node)


def test_empty_controllers_group_is_refused(bare_node, tmp_path):
    run = playbook("site.yml", "-e", "glusterfs_allow_single_brick=true",
                   inventory=_inventory(tmp_path, ["storage-only"], controllers=False))
    _assert_refused(run, "The inventory group 'controllers' is empty")
    _assert_untouched(bare_node)


# Runs on the converged cluster that change nothing: the refusals below (each refused in
# preflight), the status playbook, the release check and --check --diff. Read-only, they go
# in the session's batch (testlib.cluster.read_only); every one stays a test of its own,
# asserting on its own run.
# A well-formed Ceph key that is not client.glance's.
OTHER_CEPH_KEY = "AQDeiRRr2lqADhAAmfsqHhzAAiw8ky4aqwLBiQ=="
BAD_BRICK_DIRS = ["srv/bricks", "/srv/../etc/bricks", "/var/lib/glance/images/b", "/", "/srv/bricks/",
                  "/srv/my bricks"]
REFUSED = {
    **{f"brick-dir-{d}": ({"glusterfs_brick_dir": d}, ["glusterfs_brick_dir", "is not usable"])
       for d in BAD_BRICK_DIRS},
    "unknown-store": ({"glance_default_store": "cinder"}, ["glance_default_store", "file, swift, s3, rbd, http"]),
    "http-default": ({"glance_default_store": "http"}, ["http store is read-only"]),
    "no-db-password": ({"glance_database_password": ""}, ["glance_database_password"]),
    # A line break would end the ini value; oslo.config strips spaces around one.
    "newline-in-service-password": ({"glance_service_password": "first\nsecond"},
                                    ["glance_service_password has a line break"]),
    "space-around-db-password": ({"glance_database_password": " spaced "},
                                 ["glance_database_password has a line break or leading/trailing spaces"]),
    "newline-in-stats-password": ({"haproxy_stats_password": "a\nb"}, ["haproxy_stats_password must be set, on one line"]),
    "uid-mismatch": ({"glusterfs_owner_uid": 1234}, ["GlusterFS volume", "is owned by 1234"]),
    # The volume's owner follows glance_uid; the deployed user does not.
    "uid-changed": ({"glance_uid": 42416, "glance_gid": 42417},
                    ["is 42415:42415 but the inventory asks for 42416:42417", "back to 42415/42415"]),
    # Read through oslo.config before the file is written (glance-ha-config-check): a type
    # glance refuses and a raw `$` reference (the crash loop of a password with `$x`).
    "glance-cannot-read": ({"glance_api_conf_overrides": {"DEFAULT": {"workers": "many"},
                                                          "keystone_authtoken": {"password": "a$x"}}},
                           ["glance-api cannot use [DEFAULT] workers: invalid literal for int()",
                            "[keystone_authtoken] password: a '$' oslo.config reads as a reference"]),
    "registry-on-zed": ({"glance_registry_enabled": True}, ["removed upstream in Victoria", "glance 21.0.0"]),
    "swift-without-auth-address": ({"glance_swift_auth_address": ""},
                                   ["swift store is enabled", "set glance_swift_auth_address"]),
    # rbd: the settings, then Ceph itself asked from every controller.
    "rbd-without-key": ({"glance_rbd_key": ""}, ["rbd store is enabled", "glance_rbd_key (vault"]),
    "rbd-wrong-key": ({"glance_rbd_key": OTHER_CEPH_KEY}, ["cannot use the rbd store", "(13) Permission denied"]),
    "rbd-missing-user": ({"glance_rbd_user": "nobody"}, ["cannot use the rbd store", "client.nobody must exist"]),
    "rbd-missing-pool": ({"glance_rbd_pool": "nopool"}, ["cannot use the rbd store", "(2) No such file or directory",
                                                          "nopool: it must exist"]),
    # The VIP and the load balancer's checks.
    "vip-outside-subnet": ({"glance_ha_vip_address": "192.0.2.10"},
                           ["is not in the controllers' subnet", "10.213.20.0/24"]),
    "vip-is-node-address": ({"glance_ha_vip_address": "10.213.20.12"}, ["is a controller's own address"]),
    "vip-not-an-address": ({"glance_ha_vip_address": "10.213.20.300"},
                           ["set glance_ha_vip_address to an unused IPv4 address"]),
    "check-interval-0": ({"haproxy_check_inter": 0}, ["haproxy_check_inter 0", "must be greater than 0"]),
    # keepalived's check speaks plain HTTP itself.
    "vip-check-over-https": ({"keepalived_check_url": "https://127.0.0.1:9300/haproxy-alive"},
                             ["keepalived_check_url 'https://127.0.0.1:9300/haproxy-alive' must be http://address:port/path"]),
    "subsecond-vrrp2": ({"keepalived_vrrp_version": 2, "keepalived_advert_int": 0.5},
                        ["at least 1 s with VRRP version 2"]),
    "holder-bonus-with-preemption": ({"keepalived_preempt": True},
                                     ["keepalived_holder_bonus (50) 0 when keepalived_preempt is true"]),
    "vip-cert-without-key": ({"pki_vip_cert": "-----BEGIN CERTIFICATE-----"},
                             ["Give pki_vip_cert, pki_vip_key and pki_vip_ca together"]),
}


READ_ONLY = {
    "release-check": ["site.yml", "--tags", "preflight"],
    # The scenario's idempotence run. -vvv: every module's arguments printed; no secret may
    # be among them.
    "second-run": ["site.yml", "--diff", "-vvv"],
    "status": ["playbooks/status.yml"],
}


# Switching how the load balancers reach glance under --limit: the controllers left out
# would keep reaching the switched ones the old way.
SWITCH_LIMITED = "backend-tls-switch-limited"


# Refused by a check of glance's own play, not in preflight: that play alone (--tags glance),
# as an operator changing glance's options would run it. The plays before it only read on
# a converged cluster (the whole run: 37 s against 20 s on the lab).
GLANCE_PLAY_ONLY = {"glance-cannot-read"}


def declare_read_only_runs():
    refused = {case: ["site.yml", *(["--tags", "glance"] if case in GLANCE_PLAY_ONLY else []), "-e", json.dumps(extra)]
               for case, (extra, _) in REFUSED.items()}
    refused[SWITCH_LIMITED] = ["site.yml", "--limit", node_names()[0], "-e", json.dumps({"glance_ha_backend_tls": False})]
    # The release check, short, gathers the facts for the batch.
    return {**READ_ONLY, **refused}


@pytest.mark.parametrize("case", list(REFUSED))
def test_impossible_settings_are_refused_with_nothing_changed(case, read_only):
    _assert_refused(read_only.runs[case], *REFUSED[case][1])
    assert read_only.after == read_only.before
    # A failed task prints its item: none may carry a secret (glance-cannot-read fails in a
    # loop over the configuration files).
    out = read_only.runs[case].stdout + read_only.runs[case].stderr
    for key in ("glance_database_password", "glance_service_password", "haproxy_stats_password"):
        assert lab_vars()[key] not in out, key


def test_switching_the_way_to_glance_on_one_controller_only_is_refused(read_only):
    _assert_refused(read_only.runs[SWITCH_LIMITED], "glance_ha_backend_tls is now False",
                    "are left out (--limit): every load balancer changes how it reaches them")


def test_status_playbook_prints_the_cluster(read_only):
    """playbooks/status.yml: the VIP holder, every HAProxy's view, Galera, GlusterFS, health."""
    run = read_only.runs["status"]
    out = run.stdout
    assert run.returncode == 0, why_failed(run)
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap(out).values()), out
    names = node_names()
    holder = re.search(r"VIP 10\.213\.20\.10 held by: (\S+)", out)
    assert holder and holder.group(1) in names, out
    for name in names:
        row = next((line for line in out.splitlines() if line.strip().startswith(name + " ")), "")
        assert " 200 " in row and " 3 synced " in row and " fuse.glusterfs " in row, row or out
        for backend in names:
            assert f"api/{backend}=UP" in row, row
    assert "Number of entries in heal pending: 0" in out, out


def test_release_check_reports_registry_absent(read_only):
    run = read_only.runs["release-check"]
    assert run.returncode == 0, why_failed(run)
    assert "glance-registry: not deployed" in flat(run.stdout)
    assert "removed upstream in Victoria" in flat(run.stdout)
    assert all(r["changed"] == 0 for r in recap(run.stdout).values())


def test_a_second_run_on_the_converged_cluster_changes_nothing_and_prints_no_secret(read_only):
    """site.yml again on the converged (and by now once rebooted) cluster: no change, no
    failure, every controller's files and services as before (check mode on a running
    cluster: test_9_rolling and test_9_reconfigure)."""
    run = read_only.runs["second-run"]
    assert run.returncode == 0, why_failed(run)
    counts = recap(run.stdout)
    assert set(counts) >= set(node_names()), run.stdout
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in counts.values()), counts
    assert read_only.after == read_only.before
    # --diff shows file contents, -vvv every module's arguments: none of the secrets may appear.
    secrets = lab_vars()
    for key in LAB_SECRETS:
        assert secrets[key] not in run.stdout + run.stderr, key

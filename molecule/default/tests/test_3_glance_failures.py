"""A node whose image store or database goes away (issue 3, tests 3-4).

Each test breaks one thing on one node, checks that the node leaves service and that
the others keep serving, then repairs it and checks that the node comes back.
"""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest

from testlib.cluster import (MOUNT, all_up, glance, haproxy_servers, healthcheck, incident_report, lab_vars,
                             show_table, wait_for)
from testlib.loadgen import Stream
from testlib.network import port_blocked

MOUNT_UNIT = "var-lib-glance-images.mount"
GALERA_GROUP_PORT = 4567


def _others_serve(nodes, os_env, broken):
    for node in nodes:
        if node is not broken:
            assert healthcheck(node) == 200
            glance(os_env, node, "image-list")


def _bare_dir_untouched(node):
    """With the volume unmounted, the mount point is the root file system's own directory."""
    assert node.check_output(f"stat -c '%u:%g:%a' {MOUNT}") == "0:0:0"
    assert node.check_output(f"ls -A {MOUNT}") == ""
    assert node.run(f"runuser -u glance -- touch {MOUNT}/written-while-unmounted").rc != 0


def test_stopping_the_mount_stops_glance_on_that_node_only(nodes, os_env):
    broken = nodes[1]
    broken.run_test(f"systemctl stop {MOUNT_UNIT}")
    try:
        wait_for(lambda: healthcheck(broken, timeout=1) != 200, "node 2 to leave service", timeout=10,
                 interval=0.5)
        assert not broken.service("glance-api").is_running
        # The store probe, which writes on the volume, stops first: it cannot hold the umount.
        assert not broken.service("glance-ha-store-check").is_running
        _bare_dir_untouched(broken)
        _others_serve(nodes, os_env, broken)
    finally:
        broken.run_test(f"systemctl start {MOUNT_UNIT}")
    # The mount pulls glance-api back up (Wants= drop-in): no operator step needed.
    wait_for(lambda: healthcheck(broken) == 200, "node 2 to serve again", timeout=120)
    assert broken.mount_point(MOUNT).filesystem == "fuse.glusterfs"
    assert broken.service("glance-ha-store-check").is_running


def test_a_dead_fuse_client_fails_the_healthcheck(nodes, os_env):
    """The mount stays in the table but every access fails (ENOTCONN): systemd cannot
    see that, the store probe does, and /healthcheck answers 503."""
    broken = nodes[1]
    try:
        # [-] keeps pkill from matching the shell that runs it.
        broken.run_test("pkill -9 -f -- '[-]-process-name fuse.*/var/lib/glance/images'")
        wait_for(lambda: healthcheck(broken, timeout=1) == 503, "node 2's healthcheck to fail",
                 timeout=15, interval=0.5)
        # The flag file says why, for the operator reading it.
        assert broken.check_output("cat /run/glance-ha-store/unusable")
        _others_serve(nodes, os_env, broken)
    finally:
        broken.run_test(f"systemctl restart {MOUNT_UNIT}")
    wait_for(lambda: healthcheck(broken) == 200, "node 2 to serve again", timeout=120)


def _cluster_size(node) -> int:
    out = node.check_output("mysql -N -B -e \"SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'\"")
    return int(out.split()[1])


@pytest.mark.every_release
def test_galera_spans_every_controller(nodes):
    for node in nodes:
        assert _cluster_size(node) == len(nodes)
        out = node.check_output("mysql -N -B -e \"SHOW GLOBAL STATUS LIKE 'wsrep_local_state_comment'\"")
        assert out.split()[1] == "Synced"
        # Reads wait for the writes committed before them on any member (causal reads).
        out = node.check_output("mysql -N -B -e \"SHOW GLOBAL VARIABLES LIKE 'wsrep_sync_wait'\"")
        assert out.split()[1] == "1"
        # The lab's longer group-communication timeouts (inventory/lab) reached the provider.
        out = node.check_output("mysql -N -B -e \"SHOW GLOBAL VARIABLES LIKE 'wsrep_provider_options'\"")
        # "key = value; key = value; ..." (some values are empty).
        pairs = (o.partition("=") for o in out.split("\t", 1)[1].split(";"))
        options = {key.strip(): value.strip() for key, _, value in pairs if key.strip()}
        for key, value in lab_vars()["galera_provider_options_overrides"].items():
            assert options[key] == value, (key, options.get(key))


def test_glance_keeps_working_while_a_database_member_is_down(nodes, os_env):
    down = nodes[0]
    down.run_test("systemctl stop mariadb")
    created = []
    try:
        wait_for(lambda: _cluster_size(nodes[1]) == len(nodes) - 1, "the cluster to shrink", timeout=30)
        for node in nodes[1:]:
            name = f"db-outage-{uuid.uuid4().hex[:8]}"
            image = show_table(glance(os_env, node, "image-create", "--name", name, "--disk-format", "raw",
                                      "--container-format", "bare").stdout)
            created.append(image["id"])
            for other in nodes[1:]:
                assert image["id"] in glance(os_env, other, "image-list").stdout
    finally:
        down.run_test("systemctl start mariadb")
    wait_for(lambda: all(_cluster_size(n) == len(nodes) for n in nodes), "node 1 to rejoin", timeout=120)
    # The rejoined member has what was written while it was away.
    for image_id in created:
        assert image_id in down.check_output(f"mysql -N -B glance -e \"SELECT id FROM images WHERE id='{image_id}'\"")
        glance(os_env, nodes[1], "image-delete", image_id)


def test_a_member_cut_from_the_primary_component_takes_its_node_out_of_service(nodes, image_url, os_session):
    """Galera's group traffic of one member cut (its port dropped both ways; MariaDB 11.8 no
    longer lets gmcast.isolate be set at run time): its member leaves the Primary
    component, the store check fails the node's /healthcheck and every HAProxy takes it out;
    from then on listings (each a database read) through the VIP all succeed; with the traffic
    back it rejoins and returns by itself.
    Not asserted: the requests of the first seconds. Until the others declare the silent member
    gone (evs.suspect_timeout, 10 s in the lab: docs/lab.md) the whole group waits, and reads
    with them (wsrep_sync_wait): that stall is the node-loss latency the suspect timeout sets."""
    cut = nodes[1]
    name = cut.backend.host
    stream = Stream(image_url, ["/v2/images?limit=5"], rate=10, token=os_session.get_token())
    since = cut.check_output("date '+%F %T'")
    out_at = []
    block = contextlib.ExitStack()

    def out_everywhere():
        return all(haproxy_servers(n)[("glance_api", name)]["status"].startswith("DOWN") for n in nodes)

    def cut_off():
        block.enter_context(port_blocked(name, GALERA_GROUP_PORT))
        wait_for(out_everywhere, f"{name} out of every HAProxy", timeout=30, interval=0.2)
        out_at.append(time.monotonic() - stream.t0)

    try:
        stream.run(35, events={3: cut_off})
        assert "Galera member" in cut.check_output("cat /run/glance-ha-store/unusable")
        assert healthcheck(cut, timeout=2) == 503
    finally:
        block.close()
    after = [r for r in stream.results if r.start > out_at[0] + 1]
    print(f"{stream.summary()}; node out everywhere {out_at[0] - 3:.1f} s after the cut")
    assert len(after) >= 100, stream.summary()
    failed = [r for r in after if not r.ok]
    assert not failed, f"{[vars(r) for r in failed[:5]]}\n{stream.summary()}\n" + incident_report(nodes, since)
    wait_for(lambda: _cluster_size(cut) == len(nodes) and healthcheck(cut) == 200, f"{name} back", timeout=120)
    wait_for(lambda: all_up(nodes), f"{name} UP in every HAProxy", timeout=60, interval=1)

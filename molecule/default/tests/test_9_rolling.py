"""Every change site.yml makes to a running cluster rolls: a glance option, a Galera option,
an HAProxy and a keepalived setting, TLS from the load balancers to glance (off, and on
again: each node served its old way until its restart, then the new way), and the three
secrets (database, glance's Keystone user, HAProxy stats) rotated to values with
`@ : / % # $ ' "` and spaces, in one run under 20 requests a second through the VIP, and
changed back. glance serving every request after its restart with the new database URL and
service password shows both reached the database and Keystone first; the database and the
service password move to the second account and Keystone user, and the first ones are
dropped after the roll (and back): Keystone revokes a user's tokens when its password
changes, which failed requests on the controllers not yet restarted. Each
controller is drained on every HAProxy before its services restart and is UP again on all
of them before the next one goes out (the restart times from systemd placed among HAProxy
snapshots; a node listed twice while its way switches serves while one of them does); no
request fails.

Runs after the store changes (test_9_reconfigure) and leaves the cluster as converged; its
--check --diff runs in the session's batch of runs that change nothing, on the converged cluster.
"""

from __future__ import annotations

import json

import pytest
import requests

from testlib.cluster import (INVENTORY, all_up, flat, glance_conf, haproxy_servers, incident_report, ipv4, lab_vars,
                             node_names, playbook, recap, vip_holders, wait_for)
from testlib.day2 import under_load
from testlib.haproxy import StateWatch
from testlib.openstack import admin_session
from testlib.playbooks import why_failed

CHANGED = {
    "glance_api_conf_overrides": {"DEFAULT": {"limit_param_default": 26}},
    "galera_cnf_overrides": {"mysqld": {"wsrep_slave_threads": 2}},
    "haproxy_timeout_client": "6m",
    "keepalived_check_interval": 2,
    # The way from the load balancers to glance: TLS off (the lab's is on), and back.
    "glance_ha_backend_tls": False,
}
# The lab's secrets (inventory/lab/group_vars/all.yml) and their rotated values.
ODD = "p@ss:w/rd%#$x 'q\" "
SECRETS = {"glance_database_password": ODD + "db", "glance_service_password": ODD + "svc",
           "haproxy_stats_password": ODD + "stats"}
# What each change leaves in the files, and which services restart for it.
LINES = {
    "/etc/glance/glance-api.conf": "limit_param_default = 26",
    "/etc/mysql/mariadb.conf.d/70-glance-ha-galera.cnf": "wsrep_slave_threads = 2",
    "/etc/haproxy/haproxy.cfg": "timeout client 6m",
}
RESTARTED = ("glance-api", "mariadb")


def stats_page(nodes, password: str) -> list[int]:
    """What each node's HAProxy stats page answers to that password."""
    return [requests.get(f"https://{ipv4(n)}:1936/", auth=("admin", password), timeout=5).status_code for n in nodes]


def service_login(os_env, user: str, password: str) -> int:
    """What Keystone answers that user of glance's pair logging in with that password."""
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"}, "password": password}}},
        "scope": {"project": {"name": "service", "domain": {"name": "Default"}}}}}
    return requests.post(f"{os_env['OS_AUTH_URL'].rstrip('/')}/auth/tokens", json=body, timeout=10).status_code


def db_accounts(node) -> set[str]:
    """glance's database accounts for the controllers (glance@localhost is the store check's)."""
    sql = "SELECT DISTINCT User FROM mysql.user WHERE User LIKE 'glance%' AND Host <> 'localhost'"
    return set(node.check_output(f'mariadb -N -B -e "{sql}"').split())


def connects_as(node) -> str:
    """The account in the controller's [database] connection URL."""
    # Split by hand, not urlsplit: the role's URL keeps a '/' of the password as it is.
    return glance_conf(node, "database", "connection").split("://", 1)[1].split(":", 1)[0]


def logs_in_as(node) -> str:
    """The Keystone user in the controller's [keystone_authtoken]."""
    return glance_conf(node, "keystone_authtoken", "username")


def backend_way(node) -> tuple[str, bool, str]:
    """glance-api's address, whether its TLS proxy runs, how every HAProxy reaches the node."""
    bind = node.check_output("grep -h '^bind_host' /etc/glance/glance-api.conf").split("=")[1].strip()
    lines = node.check_output(f"grep -h 'server {node.backend.host} ' /etc/haproxy/haproxy.cfg")
    return bind, node.service("glance-ha-tls-proxy").is_running, "tls" if " ssl verify required " in lines else "plain"


def site(*extra: str):
    return playbook("site.yml", *extra, inventory=INVENTORY)


def started(node, unit: str) -> float:
    """When the unit's main process started, on the kernel's monotonic clock (seconds)."""
    return int(node.check_output(f"systemctl show -P ExecMainStartTimestampMonotonic {unit}")) / 1e6


def rolled(api, images, nodes, vip, os_env, extra: list[str]):
    """site.yml with `extra` under load, HAProxy watched: the run, the stream, and what changed.
    Each upload comes with a new token, which glance validates with Keystone, not from its
    cache: a controller not yet restarted must still be able to, after a service password
    change (Keystone revokes the tokens of a user whose password changes)."""
    before = {(n.backend.host, u): started(n, u) for n in nodes for u in RESTARTED}
    holder = vip_holders(nodes, vip)
    watch = StateWatch(node_names(), "glance_api")
    watch.start()
    try:
        run, stream, uploads = under_load(
            api, images, *extra, rate=20, runner=site,
            new_token=lambda: admin_session(os_env["OS_AUTH_URL"], os_env["OS_PASSWORD"]).get_token())
    finally:
        watch.finish()
    after = {(n.backend.host, u): started(n, u) for n in nodes for u in RESTARTED}
    return run, stream, uploads, watch, before, after, holder


def assert_rolled(run, stream, uploads, watch, before, after, nodes, since):
    assert run.returncode == 0, why_failed(run)
    assert len(stream.results) > 300
    assert stream.failed == [], stream.summary() + repr(stream.failed[:5]) + "\n" + incident_report(nodes, since)
    assert uploads.errors == [], uploads.errors
    # Never two controllers out of service at once, on any load balancer.
    assert watch.most_out_at_once() == 1, watch.crowded()[:10]
    for node in nodes:
        name = node.backend.host
        windows = watch.out_windows(name)
        for unit in RESTARTED:
            assert after[(name, unit)] > before[(name, unit)], f"{unit} on {name} did not restart"
            # Restarted while drained: inside one of the spans its server was out of service
            # (the snapshot before the drain may be up to one round of reads earlier).
            moment = after[(name, unit)]
            assert any(first - 1.0 <= moment <= last for first, last in windows), (name, unit, moment, windows)


@pytest.fixture(scope="module")
def since(nodes):
    return nodes[0].check_output("date '+%F %T'")


def pair_of(first: str) -> tuple[str, str]:
    """That name of a pair (roles/glance: <user>, <user>_b), and the other one."""
    return first, {"glance": "glance_b", "glance_b": "glance"}[first]


@pytest.fixture(scope="module")
def accounts(nodes):
    """The account glance connects as before the change, and the other one of the pair."""
    return pair_of(connects_as(nodes[0]))


@pytest.fixture(scope="module")
def users(nodes):
    """The Keystone user glance logs in as before the change, and the other one of the pair."""
    return pair_of(logs_in_as(nodes[0]))


CHECK = "rolling: check mode of every change"


def declare_read_only_runs():
    """--check --diff of the change below, in the session's batch (testlib.cluster.read_only)."""
    return {CHECK: ["site.yml", "--check", "--diff", "-e", json.dumps(CHANGED | SECRETS)]}


def test_check_mode_reports_every_change_and_makes_none(nodes, read_only, accounts, users):
    """--check --diff of the change below: the run passes (nothing restarts, so the health
    waits must not look for glance where the new way will have it) and reports changes,
    while every node keeps its files, its services, its way and its database account."""
    run = read_only.runs[CHECK]
    assert run.returncode == 0, why_failed(run)
    assert all(recap(run.stdout)[n.backend.host]["changed"] > 0 for n in nodes), recap(run.stdout)
    assert read_only.after == read_only.before
    for node in nodes:
        for path, line in LINES.items():
            assert line not in node.file(path).content_string, (node.backend.host, path)
        assert backend_way(node) == ("127.0.0.1", True, "tls"), node.backend.host
    assert {connects_as(n) for n in nodes} == {accounts[0]}
    assert {logs_in_as(n) for n in nodes} == {users[0]}


def test_a_changed_setting_of_every_service_rolls_with_no_failed_request(api, images, nodes, vip, since, os_env,
                                                                         accounts, users):
    run, stream, uploads, watch, before, after, holder = rolled(
        api, images, nodes, vip, os_env, ["-e", json.dumps(CHANGED | SECRETS)])
    try:
        assert_rolled(run, stream, uploads, watch, before, after, nodes, since)
        for node in nodes:
            for path, line in LINES.items():
                assert line in node.file(path).content_string, (node.backend.host, path)
            assert "interval 2" in node.file("/etc/keepalived/keepalived.conf").content_string
            assert backend_way(node) == (ipv4(node), False, "plain"), node.backend.host
        # Each new password went to the second account or user; the old one is gone with its password.
        assert [connects_as(n) for n in nodes] == [accounts[1]] * len(nodes)
        assert db_accounts(nodes[0]) == {accounts[1]}
        assert [logs_in_as(n) for n in nodes] == [users[1]] * len(nodes)
        assert service_login(os_env, users[1], SECRETS["glance_service_password"]) == 201
        assert service_login(os_env, users[0], lab_vars()["glance_service_password"]) == 401
        assert stats_page(nodes, SECRETS["haproxy_stats_password"]) == [200] * len(nodes)
        assert stats_page(nodes, lab_vars()["haproxy_stats_password"]) == [401] * len(nodes)
        # HAProxy and keepalived reloaded in place: the VIP did not move.
        assert vip_holders(nodes, vip) == holder
        out = flat(run.stdout)
        assert out.count("TASK [haproxy : Drain the server on every load balancer]") == 2 * len(nodes)
    finally:
        uploads.remove()


def test_and_back_the_same_way(api, images, nodes, vip, since, os_env, accounts, users):
    run, stream, uploads, watch, before, after, _ = rolled(api, images, nodes, vip, os_env, [])
    try:
        assert_rolled(run, stream, uploads, watch, before, after, nodes, since)
        for node in nodes:
            for path, line in LINES.items():
                assert line not in node.file(path).content_string, (node.backend.host, path)
            assert backend_way(node) == ("127.0.0.1", True, "tls"), node.backend.host
        assert stats_page(nodes, lab_vars()["haproxy_stats_password"]) == [200] * len(nodes)
        assert [logs_in_as(n) for n in nodes] == [users[0]] * len(nodes)
        assert service_login(os_env, users[0], lab_vars()["glance_service_password"]) == 201
        assert service_login(os_env, users[1], SECRETS["glance_service_password"]) == 401
        assert [connects_as(n) for n in nodes] == [accounts[0]] * len(nodes)
        assert db_accounts(nodes[0]) == {accounts[0]}
    finally:
        uploads.remove()


# A value glance reads (the configuration check passes it) but cannot start with: an
# address that is not the node's (192.0.2.0/24 is documentation-only).
BAD = {"glance_api_conf_overrides": {"DEFAULT": {"bind_host": "192.0.2.1"}},
       # Short waits: the failure is certain, the test need not wait the defaults out.
       "glance_restart_timeout": 20, "haproxy_enable_timeout": 10}


def test_a_bad_value_costs_one_drained_controller_not_the_cluster(api, images, nodes, vip, since):
    """A value glance-api cannot start with: the roll stops at the first controller, which
    stays out of service (its checks fail); the others are not restarted and serve every
    request meanwhile. The good value rolled again repairs it."""
    first, rest = nodes[0], nodes[1:]
    before = {n.backend.host: started(n, "glance-api") for n in rest}
    # The glance play alone (--tags glance): the value is glance's, the other plays would
    # only read (40 s of each run).
    run, stream, uploads = under_load(api, images, "--tags", "glance", "-e", json.dumps(BAD), rate=10, runner=site)
    try:
        assert run.returncode != 0, run.stdout[-3000:]
        out = flat(run.stdout)
        assert "the roll stopped there" in out and f"{first.backend.host} stays drained" in out, out[-3000:]
        assert stream.failed == [], stream.summary() + repr(stream.failed[:5]) + "\n" + incident_report(nodes, since)
        assert uploads.errors == [], uploads.errors
        assert "bind_host = 192.0.2.1" in first.file("/etc/glance/glance-api.conf").content_string
        for node in rest:
            assert started(node, "glance-api") == before[node.backend.host], f"{node.backend.host} restarted"
        assert all(haproxy_servers(n)[("glance_api", first.backend.host)]["status"] != "UP" for n in nodes)
    finally:
        uploads.remove()
    repaired = site("--tags", "glance")
    assert repaired.returncode == 0, why_failed(repaired)
    wait_for(lambda: all_up(nodes), "every glance-api UP again", timeout=60, interval=1)

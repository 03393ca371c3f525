"""Legacy track: glance-api and glance-registry from a versioned venv on every controller,
glance-api reading metadata through the registry, HAProxy checking every registry."""

from __future__ import annotations

import pytest
import requests

from testlib import tls
from testlib.cluster import api_url, haproxy_servers, legacy_releases, node_names, registry_requests, wait_for

VERSION = legacy_releases()[0]  # test_5 upgrades it


@pytest.mark.parametrize("unit", ["glance-registry", "glance-api"])
def test_services_run_from_the_venv(nodes, unit):
    for node in nodes:
        service = node.service(unit)
        assert service.is_running and service.is_enabled, (node.backend.host, unit)
        exec_start = node.check_output(f"systemctl show -P ExecStart {unit}")
        assert f"/opt/glance-{VERSION}/bin/{unit} " in exec_start


def test_registry_healthcheck_answers_on_every_node(nodes):
    for node in nodes:
        assert requests.get(f"{api_url(node, 9191)}/healthcheck", timeout=5).status_code == 200


def test_seed_inspection_prints_the_store(nodes):
    for node in nodes:
        assert node.check_output("grep -h '^default_store' /etc/glance/glance-api.conf") == "default_store = file"


def test_glance_api_uses_the_registry_through_the_vip(nodes, vip, image_url, os_session):
    """Every image call reaches a registry through HAProxy: the registry backends' request
    counters grow by at least the number of calls (they stay put if glance-api read the
    database itself)."""
    headers = {"X-Auth-Token": os_session.get_token()}
    before = registry_requests(nodes)
    created = requests.post(f"{image_url}/v2/images", headers=headers, timeout=30, json={
        "name": "registry-count", "disk_format": "raw", "container_format": "bare"})
    assert created.status_code == 201, created.text
    image_id = created.json()["id"]
    calls = 20
    try:
        for _ in range(calls):
            assert requests.get(f"{image_url}/v2/images/{image_id}", headers=headers, timeout=30).ok
    finally:
        requests.delete(f"{image_url}/v2/images/{image_id}", headers=headers, timeout=60)
    assert registry_requests(nodes) - before >= calls + 2
    for node in nodes:
        conf = node.file("/etc/glance/glance-api.conf")
        assert conf.contains("^data_api = glance.db.registry.api$")
        assert conf.contains(f"^registry_host = {vip}$")
        # Legacy store form (multi-store is experimental in these releases).
        assert conf.contains("^stores = file,swift,http$") and not conf.contains("^enabled_backends")
        assert conf.mode == 0o640 and conf.user == "root" and conf.group == "glance"


def test_every_load_balancer_checks_every_registry(nodes):
    names = node_names()
    for node in nodes:
        servers = wait_for(lambda: (s := haproxy_servers(node)) and all(
            s.get(("glance_registry", n), {}).get("status") == "UP" for n in names) and s,
            "every registry UP", timeout=60, interval=1)
        for name in names:
            assert "L7OK" in servers[("glance_registry", name)]["check_status"]


def test_python_311_compatibility_layer_is_loaded(nodes):
    venv = f"/opt/glance-{VERSION}"
    for node in nodes:
        # The aliases the old libraries use exist in the venv's interpreter only.
        node.run_expect([0], f"{venv}/bin/python -c 'import collections, inspect; "
                             "collections.MutableMapping; inspect.getargspec; inspect.formatargspec'")
        assert node.run("/usr/bin/python3 -c 'import collections; collections.MutableMapping'").rc != 0
        # glance-manage parses its commands on Python 3.11 (the patched legacy parsers).
        out = node.check_output(f"runuser -u glance -- {venv}/bin/glance-manage "
                                "--config-file /etc/glance/glance-api.conf db_version")
        assert out.strip()


def test_the_registry_on_the_vip_is_https_and_glance_api_verifies_it(nodes, vip, tmp_path):
    """glance-api's registry client speaks https to the VIP and checks its certificate
    against the VIP's CA; the calls of the test above went that way."""
    ca = tmp_path / "vip-ca.pem"
    ca.write_text(nodes[0].check_output(f"cat {tls.VIP_CA}") + "\n")
    run = tls.s_client(vip, 9191, "-CAfile", str(ca), "-verify_ip", vip)
    assert "Verify return code: 0 (ok)" in run.stdout, run.stdout[-2000:] + run.stderr
    for node in nodes:
        conf = node.check_output("grep -E '^registry_client_(protocol|ca_file)' /etc/glance/glance-api.conf")
        assert sorted(conf.splitlines()) == [f"registry_client_ca_file = {tls.VIP_CA}", "registry_client_protocol = https"]

"""TLS from the load balancers to every glance-api (roles tls_proxy, haproxy, glance;
glance_ha_backend_tls): glance-api answers on 127.0.0.1 only, the node's proxy serves TLS
1.2 or later on the management address with the node's certificate of the cluster CA, and
plain HTTP gets no answer there. Every load balancer verifies the node's name: a node whose
proxy serves another controller's certificate (same CA, wrong name) is DOWN on all of them,
and UP again once its own is back. Switching a live cluster either way: test_9_rolling."""

from __future__ import annotations

import re

import pytest
import requests

from testlib import tls
from testlib.cluster import all_up, haproxy_servers, ipv4, wait_for
from testlib.tls import s_client

BUNDLE = f"{tls.PKI}/node-bundle.pem"
PROXY = "glance-ha-tls-proxy"


@pytest.fixture(scope="module")
def cluster_ca(nodes, tmp_path_factory):
    return tls.fetched(nodes[0], tls.CLUSTER_CA, tmp_path_factory.mktemp("ca"))


def test_glance_api_answers_on_loopback_and_its_proxy_on_the_management_address(nodes, cluster_ca):
    for node in nodes:
        name = node.backend.host
        assert node.check_output("grep -h '^bind_host' /etc/glance/glance-api.conf") == "bind_host = 127.0.0.1"
        local = node.check_output("python3 -c \"import urllib.request as u; "
                                  "print(u.urlopen('http://127.0.0.1:9292/healthcheck', timeout=5).status)\"")
        assert local == "200", name
        assert node.service(PROXY).is_running and node.service(PROXY).is_enabled, name
        answer = requests.get(f"https://{ipv4(node)}:9292/healthcheck", verify=cluster_ca, timeout=5)
        assert answer.status_code == 200, (name, answer.status_code)


def test_each_node_serves_tls_12_or_later_with_a_certificate_naming_it(nodes, cluster_ca):
    for node in nodes:
        run = s_client(ipv4(node), 9292, "-CAfile", cluster_ca, "-verify_hostname", node.backend.host)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr
        assert "Verify return code: 0 (ok)" in run.stdout
        assert re.search(r"New, TLSv1\.[23], Cipher is", run.stdout), run.stdout[-2000:]
        old = s_client(ipv4(node), 9292, "-CAfile", cluster_ca, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        assert old.returncode != 0, old.stdout[-2000:]


def test_a_client_without_the_cluster_ca_is_refused(nodes):
    run = s_client(ipv4(nodes[0]), 9292, "-CAfile", tls.PUBLIC_CAS)
    assert run.returncode != 0 and "verify error" in run.stdout + run.stderr, run.stdout[-2000:]


def test_plain_http_gets_no_answer_on_the_management_address(nodes):
    for node in nodes:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{ipv4(node)}:9292/healthcheck", timeout=5)


def statuses(nodes, server: str) -> list[str]:
    return [haproxy_servers(lb)[("glance_api", server)]["status"] for lb in nodes]


def test_a_node_serving_another_nodes_certificate_is_down_on_every_load_balancer(nodes, cluster_ca):
    """Signed by the same CA, so only the name check can refuse it."""
    target, other = nodes[-1], nodes[0]
    name = target.backend.host
    target.check_output(f"cp -p {BUNDLE} {BUNDLE}.test-saved")
    try:
        target.check_output(f"cat > {BUNDLE} <<'EOF'\n{other.check_output(f'cat {BUNDLE}')}\nEOF")
        target.check_output(f"systemctl reload {PROXY}")
        wrong = s_client(ipv4(target), 9292, "-CAfile", cluster_ca, "-verify_hostname", name)
        assert wrong.returncode != 0, wrong.stdout[-2000:]
        wait_for(lambda: statuses(nodes, name) == ["DOWN"] * len(nodes), f"{name} DOWN on every load balancer",
                 timeout=60, interval=1)
    finally:
        target.check_output(f"mv {BUNDLE}.test-saved {BUNDLE} && systemctl reload {PROXY}")
    wait_for(lambda: all_up(nodes), "every glance-api UP again", timeout=60, interval=1)

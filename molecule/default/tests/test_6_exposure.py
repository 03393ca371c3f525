"""Least exposure on every controller: each service listens on the management address (the
glance-api frontends on the VIP, glance-api itself on 127.0.0.1 behind its TLS proxy), no
process but the GlusterFS bricks on a wildcard address (README, "What listens where"); the
HAProxy stats page and its Prometheus exporter answer only with the stats account, and the
exporter lists every glance-api server."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import requests

from testlib.cluster import LAB_SECRETS, PROJECT, backend_tls, ipv4, lab_vars, node_names

WILDCARDS = ("0.0.0.0", "*", "[::]", "::")
# GlusterFS 10 and 11.1 hand their bricks the bind address under a name the server
# translator ignores (upstream issue 4428, fixed in 11.2): they listen on every address.
ALLOWED_ON_WILDCARD = ("glusterfsd",)
# Docker's embedded DNS (the lab's containers only).
DOCKER_DNS = "127.0.0.11"


def listeners(node) -> list[tuple[str, str, str, str]]:
    """(protocol, address, port, process names) of each listening TCP and bound UDP socket."""
    found = []
    for proto, flag in (("tcp", "-ltnpH"), ("udp", "-lunpH")):
        for line in node.check_output(f"ss {flag}").splitlines():
            fields = line.split()
            address, _, port = fields[3].rpartition(":")
            found.append((proto, address, port, " ".join(re.findall(r'\(\("([^"]+)"', line))))
    return found


def test_nothing_listens_on_every_address_but_the_bricks(nodes):
    for node in nodes:
        entries = listeners(node)
        assert any(port == "24007" for _, _, port, _ in entries), entries  # ss saw the services
        wild = [e for e in entries if e[1] in WILDCARDS]
        assert all(e[3] in ALLOWED_ON_WILDCARD for e in wild), (node.backend.host, wild)
        others = {e[1] for e in entries if e[1] not in WILDCARDS}
        assert others <= {ipv4(node), "127.0.0.1", DOCKER_DNS, *vips(entries)}, (node.backend.host, entries)


def vips(entries) -> set[str]:
    return {address for _, address, port, _ in entries if port == "9292"} - {""}


def test_the_api_listens_on_the_vip_and_the_node_address_only(nodes, vip):
    """With backend TLS, glance-api itself on 127.0.0.1 behind its proxy (test_6_backend_tls)."""
    for node in nodes:
        addresses = {address for proto, address, port, _ in listeners(node) if proto == "tcp" and port == "9292"}
        loopback = {"127.0.0.1"} if backend_tls(node.backend.host) else set()
        assert addresses == {vip, ipv4(node)} | loopback, (node.backend.host, addresses)


def test_galera_and_glusterd_listen_on_the_management_address(nodes):
    for node in nodes:
        bound = {port: address for proto, address, port, _ in listeners(node) if proto == "tcp"}
        for port in ("3306", "4567", "24007"):
            assert bound.get(port) == ipv4(node), (node.backend.host, port, bound)


def test_metrics_answer_the_stats_account_only_and_list_every_api_server(nodes):
    password = lab_vars()["haproxy_stats_password"]
    for node in nodes:
        url = f"https://{ipv4(node)}:1936/metrics"
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, auth=("admin", password + "x"), timeout=5).status_code == 401
        answer = requests.get(url, auth=("admin", password), timeout=5)
        assert answer.status_code == 200
        up = set(re.findall(r'haproxy_server_status\{proxy="glance_api",server="([^"]+)",state="UP"\} 1', answer.text))
        assert set(node_names()) <= up, sorted(up)


def test_no_secret_in_the_journals_or_the_fact_cache(nodes):
    """What the services and Ansible logged on the nodes, and the facts Ansible keeps on the
    deploy host, hold none of the lab's secrets (the -vvv output: test_5)."""
    secrets = [lab_vars()[key] for key in LAB_SECRETS]
    patterns = " ".join(f"-e {shlex.quote(secret)}" for secret in secrets)
    for node in nodes:
        found = node.run(f"journalctl --no-pager -o cat | grep -F -o {patterns} | sort -u")
        assert found.stdout.strip() == "", (node.backend.host, found.stdout)
    cache = Path(os.environ.get("ANSIBLE_CACHE_PLUGIN_CONNECTION", PROJECT / ".cache" / "facts"))
    files = [f for f in cache.rglob("*") if f.is_file()]
    assert files, f"no fact cache in {cache}"
    for path in files:
        text = path.read_text(errors="replace")
        assert not [key for key, secret in zip(LAB_SECRETS, secrets) if secret in text], path

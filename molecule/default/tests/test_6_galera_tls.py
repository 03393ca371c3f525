"""Galera over TLS (role galera): replication, IST and SST encrypted with the node certificates
and verified against the cluster CA, TLS only (no plain member accepted); a row written on one
member does not cross the network in clear text; a member wiped of its state re-joins by a
mariabackup state transfer over TLS."""

from __future__ import annotations

import re
import shlex
import subprocess
import uuid

from testlib import PROJECT, tls
from testlib.cluster import ipv4, wait_for

SNIFFER = PROJECT / "testlib" / "sniff.py"


def sql(node, query: str) -> str:
    return node.check_output(f"mariadb -N -B -e {shlex.quote(query)}")


def provider_options(node) -> dict[str, str]:
    raw = sql(node, "SHOW VARIABLES LIKE 'wsrep_provider_options'").split("\t", 1)[1]
    return dict(tuple(part.strip() for part in item.split("=", 1)) for item in raw.split(";") if "=" in item)


def synced(nodes) -> bool:
    query = "SHOW STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment')"
    return all(dict(line.split("\t") for line in sql(n, query).splitlines())
               == {"wsrep_cluster_size": str(len(nodes)), "wsrep_local_state_comment": "Synced"} for n in nodes)


def test_every_member_replicates_over_tls_only(nodes):
    for node in nodes:
        options = provider_options(node)
        assert options["socket.ssl"] == "YES", options
        assert options["socket.dynamic"] == "no", options
        assert options["socket.ssl_ca"] == tls.CLUSTER_CA, options
        assert sql(node, "SELECT @@wsrep_sst_method") == "mariabackup"


def test_a_row_crosses_the_network_encrypted(nodes):
    """A sniffer on a second member reads every frame while the first one inserts a row; a
    marker sent in clear text to the same member at the same time proves it sees them."""
    writer, reader = nodes[0], nodes[1]
    row, clear = f"glance-ha-row-{uuid.uuid4().hex}", f"glance-ha-clear-{uuid.uuid4().hex}"
    with SNIFFER.open() as script:
        sniffer = subprocess.Popen(["docker", "exec", "-i", reader.backend.host, "python3", "-", "10", row, clear],
                                   stdin=script, stdout=subprocess.PIPE, text=True)
    try:
        assert sniffer.stdout.readline().strip() == "listening"
        sql(writer, "CREATE DATABASE IF NOT EXISTS glance_ha_probe")
        sql(writer, "CREATE TABLE IF NOT EXISTS glance_ha_probe.rows (v VARCHAR(80)) ENGINE=InnoDB")
        sql(writer, f"INSERT INTO glance_ha_probe.rows VALUES ('{row}')")
        writer.check_output(
            f"python3 -c \"import socket; s = socket.create_connection(('{ipv4(reader)}', 3306)); "
            f"s.recv(200); s.sendall(b'{clear}'); s.close()\"")
        found = set(sniffer.communicate(timeout=30)[0].split()) - {"listening"}
        replicated = sql(reader, "SELECT v FROM glance_ha_probe.rows")
    finally:
        sniffer.kill()
        sql(writer, "DROP DATABASE IF EXISTS glance_ha_probe")
    assert clear in found, "the sniffer saw nothing, not even the clear-text marker"
    assert row in replicated
    assert row not in found, "the row crossed the network in clear text"


def test_a_wiped_member_rejoins_by_an_encrypted_state_transfer(nodes):
    node = nodes[-1]
    since = node.check_output("date '+%Y-%m-%d %H:%M:%S'")
    node.check_output("systemctl stop mariadb && rm -f /var/lib/mysql/grastate.dat && systemctl start mariadb")
    wait_for(lambda: synced(nodes), "every member Synced again", timeout=300)
    journal = node.check_output(f"journalctl -u mariadb --since '{since}' --no-pager")
    assert "mariabackup SST started on joiner" in journal, journal[-3000:]
    assert "Using openssl based encryption with socat" in journal, journal[-3000:]
    assert re.search(rf"State transfer to \S+ \({re.escape(node.backend.host)}\) complete", journal), journal[-3000:]

"""Idempotence of the venv install. molecule's idempotence step (a second converge of the
whole site.yml, after converge and before these tests) must report no change at all;
this shows that it also left the venv as the first converge installed it: nothing was
reinstalled, and the services it started are the ones still running."""

from __future__ import annotations

VERSION = "19.0.4"
VENV = f"/opt/glance-{VERSION}"


def test_second_converge_reinstalled_nothing(nodes):
    for node in nodes:
        installed = {
            path: float(node.check_output(f"stat -c %Y {path}"))
            for path in (f"{VENV}/bin/python3", f"{VENV}/lib/python3.11/site-packages/glance-{VERSION}.dist-info",
                         f"{VENV}/lib/python3.11/site-packages/PyMySQL-0.9.3.dist-info")
        }
        for unit in ("glance-api", "glance-registry"):
            started = int(node.check_output(f"date -d \"$(systemctl show -P ActiveEnterTimestamp {unit})\" +%s"))
            # Installed before the service last started: neither the idempotence run nor
            # anything later touched the venv or restarted the service on it.
            assert all(mtime <= started for mtime in installed.values()), (node.backend.host, unit, installed, started)
        assert node.check_output("systemctl show -P NRestarts glance-api") == "0"

"""Idempotence of the legacy track (the scenario's idempotence step): the whole site.yml run
once more on the converged cluster reports no change on any host, and it left the venv as
the first converge installed it and the services running as they were: nothing was
reinstalled or restarted. Each piece below changes when the venv is rebuilt (new inodes and mtimes) or a
service restarts (new main PID, new start time)."""

from __future__ import annotations

from testlib.cluster import INVENTORY, legacy_releases, playbook, recap
from testlib.playbooks import why_failed

VERSION = legacy_releases()[0]  # test_5 upgrades it
VENV = f"/opt/glance-{VERSION}"
INSTALLED = [f"{VENV}/bin/python3", f"{VENV}/lib/python3.11/site-packages/glance-{VERSION}.dist-info",
             f"{VENV}/lib/python3.11/site-packages/PyMySQL-0.9.3.dist-info"]
UNITS = ["glance-api", "glance-registry"]


def state(node) -> dict:
    files = {path: node.check_output(f"stat -c '%i %Y' {path}") for path in INSTALLED}
    units = {unit: node.check_output(f"systemctl show -P MainPID -P ActiveEnterTimestampMonotonic {unit}")
             for unit in UNITS}
    return {"files": files, "units": units}


def test_another_converge_reinstalls_and_restarts_nothing(nodes):
    before = {n.backend.host: state(n) for n in nodes}
    run = playbook("site.yml", inventory=INVENTORY)
    assert run.returncode == 0, why_failed(run)
    counts = recap(run.stdout)
    assert counts and all(c["changed"] == 0 for c in counts.values()), counts
    assert {n.backend.host: state(n) for n in nodes} == before

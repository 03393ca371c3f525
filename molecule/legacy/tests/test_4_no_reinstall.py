"""A second converge of the glance role changes nothing: the venv is not reinstalled
and no service restarts."""

from __future__ import annotations

from glance_ha_cluster import INVENTORY, playbook

VERSION = "19.0.4"


def venv_state(node) -> dict:
    venv = f"/opt/glance-{VERSION}"
    return {
        "dist-info": node.check_output(f"stat -c %Y.%i {venv}/lib/python3.11/site-packages/glance-{VERSION}.dist-info"),
        "python": node.check_output(f"stat -c %Y.%i {venv}/bin/python3"),
        **{unit: node.check_output(f"systemctl show -P ActiveEnterTimestampMonotonic {unit}")
           for unit in ("glance-api", "glance-registry")},
    }


def test_second_converge_changes_and_reinstalls_nothing(nodes):
    before = [venv_state(n) for n in nodes]
    run = playbook("site.yml", "--limit", "controllers", "--tags", "glance", inventory=INVENTORY)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    recap = run.stdout.split("PLAY RECAP", 1)[1]
    for line in recap.splitlines():
        if " : " in line:
            assert " changed=0 " in line, line
    assert [venv_state(n) for n in nodes] == before

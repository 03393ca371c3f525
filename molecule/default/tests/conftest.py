"""Shared helpers for the default scenario's cluster-level tests.

testinfra's `host` fixture runs a test once per node; the cluster tests below need
named nodes (write on one, read on another), the docker CLI (to stop a node) and
ansible-playbook (to show what preflight refuses).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner

PROJECT = Path(__file__).resolve().parents[3]
MOUNT = "/var/lib/glance/images"
VOLUME = "glance"
BRICK = "/srv/gluster/bricks/glance"
GLANCE_UID = 42415
INVENTORY = os.environ.get("MOLECULE_INVENTORY_FILE", "")


def node_names() -> list[str]:
    """The scenario's controllers, in platform order."""
    return sorted(AnsibleRunner(INVENTORY).get_hosts("controllers"))


@pytest.fixture(scope="session")
def nodes():
    names = node_names()
    return [testinfra.get_host(f"ansible://{n}?ansible_inventory={INVENTORY}") for n in names]


def wait_for(check, what: str, timeout: float = 180, interval: float = 2):
    """Poll `check` until it returns a truthy value; fail with `what` after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except AssertionError as err:  # a check may assert to explain itself
            last = err
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {what} (last: {last!r})")


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True)


def playbook(*args: str, inventory: Path) -> subprocess.CompletedProcess:
    """Run one of the project's playbooks the way an operator would."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0")
    return subprocess.run(["ansible-playbook", "-i", str(inventory), *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=900)


def ipv4(node) -> str:
    """The node's address on the scenario network (its only interface)."""
    return next(a for a in node.interface("eth0").addresses if "." in a)

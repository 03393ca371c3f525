#!/usr/bin/env python3
"""Full converge of bare controllers as a ratio to a bare `apt-get install` of the same
packages in the same kind of fresh containers, and the second (no-change) converge.

    .venv/bin/python benchmarks/bench_converge.py

Both runs use 3 controllers and the lab Keystone made by the lab_nodes role from the
bare node image, on their own network (glance-ha-bench, 10.213.30.0/24), so a running
lab or scenario is not touched. The apt baseline installs, on every node at once, the
packages site.yml installs there (--no-install-recommends, as the roles do); the
containers are then replaced by fresh ones for the converge.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from labctl import BIN, PROJECT, sh

CONTROLLERS = [f"glance-ha-bench-{i}" for i in (1, 2, 3)]
KEYSTONE = "glance-ha-bench-keystone"
# What the roles install (their defaults), by node kind.
PACKAGES = {
    "controller": ["glusterfs-server", "glusterfs-client", "mariadb-server", "galera-4", "rsync", "socat",
                   "glance-api", "python3-pymysql", "haproxy", "keepalived", "curl"],
    "keystone": ["keystone", "mariadb-server", "python3-pymysql"],
}


def inventory(tmp: Path) -> Path:
    hosts = {n: {"lab_ipv4": f"10.213.30.1{i}"} for i, n in enumerate(CONTROLLERS, 1)}
    inv = {"all": {"children": {
        "lab_containers": {"vars": {"ansible_connection": "docker",
                                    "ansible_python_interpreter": "/usr/bin/python3"},
                           "children": {"controllers": {"hosts": hosts},
                                        "identity_lab": {"hosts": {KEYSTONE: {"lab_ipv4": "10.213.30.30"}}}}},
        "glusterfs_servers": {"children": {"controllers": None}}}}}
    (tmp / "group_vars").symlink_to(PROJECT / "inventory" / "lab" / "group_vars")
    (tmp / "hosts.yml").write_text(yaml.safe_dump(inv))
    return tmp / "hosts.yml"


def playbook(inv: Path, *args: str) -> float:
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(inv.parent / "facts"))
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    t0 = time.monotonic()
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inv), *args], cwd=PROJECT, env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stdout[-4000:] + run.stderr[-2000:])
    return time.monotonic() - t0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        inv = inventory(Path(tmp))
        net = ["-e", "lab_nodes_network=glance-ha-bench", "-e", "lab_nodes_subnet=10.213.30.0/24",
               "-e", "lab_nodes_label=bench"]
        make = lambda state: playbook(inv, *net, "-e", f"lab_nodes_state={state}",  # noqa: E731
                                      str(PROJECT / "benchmarks" / "nodes.yml"))
        make("absent")
        make("present")
        print("-- apt-get install on fresh nodes", file=sys.stderr, flush=True)

        def apt(node: str) -> None:
            pkgs = PACKAGES["keystone" if node == KEYSTONE else "controller"]
            sh("docker", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", node, "bash", "-c",
               f"apt-get update -q && apt-get install -y -q --no-install-recommends {' '.join(pkgs)}",
               timeout=3600)

        t0 = time.monotonic()
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(apt, CONTROLLERS + [KEYSTONE]))
        apt_s = time.monotonic() - t0
        make("absent")
        make("present")
        print("-- site.yml on fresh nodes", file=sys.stderr, flush=True)
        first = playbook(inv, "site.yml")
        second = playbook(inv, "site.yml")
        make("absent")

    print("\nsite.yml on 3 bare controllers + lab Keystone vs apt-get install of the same packages")
    print(f"apt-get install (all nodes at once): {apt_s:7.1f} s")
    print(f"first converge:                      {first:7.1f} s   ratio {first / apt_s:.2f}")
    print(f"second converge (no change):         {second:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

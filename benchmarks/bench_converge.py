#!/usr/bin/env python3
"""Full converge of bare controllers as a ratio to a bare `apt-get install` of the same
packages in the same kind of fresh containers, and the second (no-change) converge.

    .venv/bin/python benchmarks/bench_converge.py

Both runs use 3 controllers from the bare node image and the lab Keystone from its image
with Keystone's packages preinstalled (roles/lab_host: its install is not under test), on
their own network (glance-ha-bench, 10.213.30.0/24), so a running lab or scenario is not
touched. The apt baseline installs, on the 3 controllers at once, the packages site.yml
installs there, read from the roles' defaults (--no-install-recommends, as the roles do);
the containers are then replaced by fresh ones for the converge: the lab Keystone is
configured first (playbooks/lab-services.yml, timed on its own: a cloud gives glance its
Keystone), then site.yml is timed on the controllers. Each run prints its time with the
strategy ansible.cfg names (Mitogen) and, with --compare-linear, the no-change run again
with Ansible's stock linear strategy.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from labctl import BIN, PROJECT, dexec, sh

CONTROLLERS = [f"glance-ha-bench-{i}" for i in (1, 2, 3)]
KEYSTONE = "glance-ha-bench-keystone"
KEYSTONE_IMAGE = "glance-ha/node:bookworm-keystone"


def role_packages(role: str, variable: str) -> list[str]:
    return yaml.safe_load((PROJECT / "roles" / role / "defaults" / "main.yml").read_text())[variable]


# What the roles install on a controller (their defaults).
CONTROLLER_PACKAGES = [p for role, var in [("glusterfs", "glusterfs_packages"), ("galera", "galera_packages"),
                                           ("glance", "glance_packages"), ("haproxy", "haproxy_packages"),
                                           ("keepalived", "keepalived_packages")]
                       for p in role_packages(role, var)]


def inventory(tmp: Path) -> Path:
    hosts = {n: {"lab_ipv4": f"10.213.30.1{i}"} for i, n in enumerate(CONTROLLERS, 1)}
    inv = {"all": {"children": {
        "lab_containers": {"vars": {"ansible_connection": "docker",
                                    "ansible_python_interpreter": "/usr/bin/python3"},
                           "children": {"controllers": {"hosts": hosts},
                                        "identity_lab": {"hosts": {KEYSTONE: {"lab_ipv4": "10.213.30.30",
                                                                               "lab_image": KEYSTONE_IMAGE}}}}},
        "glusterfs_servers": {"children": {"controllers": None}}}}}
    (tmp / "group_vars").symlink_to(PROJECT / "inventory" / "lab" / "group_vars")
    (tmp / "hosts.yml").write_text(yaml.safe_dump(inv))
    return tmp / "hosts.yml"


def playbook(inv: Path, *args: str, env: dict | None = None) -> float:
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}",
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(inv.parent / "facts"), **(env or {}))
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    t0 = time.monotonic()
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", str(inv), *args], cwd=PROJECT, env=env,
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(run.stdout[-4000:] + run.stderr[-2000:])
    return time.monotonic() - t0


def apt_transactions(node: str) -> list[tuple[float, str]]:
    """(seconds, what) of each apt transaction the node's /var/log/apt/history.log records."""
    out, start = [], None
    for line in dexec(node, "cat /var/log/apt/history.log", check=False).splitlines():
        key, _, value = line.partition(": ")
        if key in ("Start-Date", "End-Date"):
            stamp = time.mktime(time.strptime(value.strip(), "%Y-%m-%d  %H:%M:%S"))
            if key == "Start-Date":
                start, what = stamp, ""
            elif start is not None:
                out.append((stamp - start, what))
        elif key == "Commandline":
            words = [w for w in value.split() if not w.startswith("-") and "::" not in w]
            what = f"{len(words) - 2} packages: " + " ".join(words[2:])[:60]  # apt-get install ...
    return out


def print_apt(title: str) -> None:
    """Where the install time went on the first controller: each apt transaction's seconds."""
    print(f"-- {title}: apt transactions on {CONTROLLERS[0]}", file=sys.stderr)
    for seconds, what in apt_transactions(CONTROLLERS[0]):
        print(f"   {seconds:6.0f} s  {what}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare-linear", action="store_true",
                        help="run the no-change converge again with Ansible's stock linear strategy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inv = inventory(Path(tmp))
        net = ["-e", "lab_nodes_network=glance-ha-bench", "-e", "lab_nodes_subnet=10.213.30.0/24",
               "-e", "lab_nodes_label=bench"]
        make = lambda state: playbook(inv, *net, "-e", f"lab_nodes_state={state}",  # noqa: E731
                                      str(PROJECT / "playbooks" / "lab-nodes.yml"))
        make("absent")
        make("present")
        print("-- apt-get install on fresh nodes", file=sys.stderr, flush=True)

        def apt(node: str) -> None:
            sh("docker", "exec", "-e", "DEBIAN_FRONTEND=noninteractive", node, "bash", "-c",
               f"apt-get update -q && apt-get install -y -q --no-install-recommends {' '.join(CONTROLLER_PACKAGES)}",
               timeout=3600)

        t0 = time.monotonic()
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(apt, CONTROLLERS))
        apt_s = time.monotonic() - t0
        print_apt("apt-get baseline")
        make("absent")
        make("present")
        print("-- lab services, then site.yml on fresh nodes", file=sys.stderr, flush=True)
        lab = playbook(inv, "playbooks/lab-services.yml")
        first = playbook(inv, "site.yml")
        print_apt("first converge")
        second = playbook(inv, "site.yml")
        linear = playbook(inv, "site.yml", env={"ANSIBLE_STRATEGY": "linear"}) if args.compare_linear else None
        make("absent")

    print("\nsite.yml on 3 bare controllers vs apt-get install of the controllers' packages")
    print(f"apt-get install (all nodes at once): {apt_s:7.1f} s")
    print(f"lab Keystone (lab-services.yml):     {lab:7.1f} s   (before site.yml, not in the ratio)")
    print(f"first converge:                      {first:7.1f} s   ratio {first / apt_s:.2f}")
    print(f"second converge (no change):         {second:7.1f} s")
    if linear is not None:
        print(f"no change, stock linear strategy:    {linear:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

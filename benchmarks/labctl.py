"""What the benchmarks need of a running lab (make lab, or a molecule scenario kept up):
its nodes, the VIP, a Keystone session, docker exec, and re-rendering a role's config,
on top of the project's test library (testlib/: HAProxy stats, the glance client, the load
generator), which this module puts on the path for the benchmark scripts.

Nothing here is a test: the benchmark scripts print figures, the molecule tests assert.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from testlib import haproxy, tls, vip  # noqa: E402
from testlib.openstack import Api, admin_session, image_endpoint  # noqa: E402

# ansible-* of the venv the script runs from.
BIN = Path(sys.executable).parent
LAB_VARS = yaml.safe_load((PROJECT / "inventory" / "lab" / "group_vars" / "all.yml").read_text())


def sh(*args: str, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True, timeout=timeout)


def bench_args(doc: str, **options: float | int | str) -> argparse.Namespace:
    """A benchmark's parsed command line: its docstring as help, the lab's inventory (-i), and
    one option per keyword (`fail_at=10.0` is `--fail-at`, typed as its default)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-i", "--inventory", default="inventory/lab/hosts.yml", help="the lab's inventory")
    for name, default in options.items():
        ap.add_argument("--" + name.replace("_", "-"), type=type(default), default=default,
                        help=f"default {default}")
    return ap.parse_args()


def dexec(node: str, cmd: str, check: bool = True) -> str:
    """Run a shell command in a lab container; its stdout."""
    return sh("docker", "exec", node, "bash", "-c", cmd, check=check).stdout


class Lab:
    def __init__(self, inventory: str):
        self.inventory = inventory
        graph = json.loads(sh(str(BIN / "ansible-inventory"), "-i", inventory, "--list").stdout)
        self.controllers = sorted(graph["controllers"]["hosts"])
        self.keystone = graph["identity_lab"]["hosts"][0]
        self.addresses = {n: dexec(n, "hostname -I").split()[0] for n in self.controllers + [self.keystone]}
        tls.trust(lambda path: dexec(self.controllers[0], f"cat {path}"), Path(tempfile.mkdtemp(prefix="glance-ha-bench-")))
        self.session = admin_session(f"http://{self.addresses[self.keystone]}:5000/v3",
                                     LAB_VARS["lab_keystone_admin_password"])
        self.image_url = image_endpoint(self.session)
        self.vip = urlsplit(self.image_url).hostname

    def token(self) -> str:
        return self.session.get_token()

    def holder(self) -> str | None:
        for n in self.controllers:
            if vip.holds(dexec(n, vip.ADDRESSES, check=False), self.vip):
                return n
        return None

    def show_stat(self, node: str, check: bool = True) -> list[dict[str, str]]:
        """HAProxy's `show stat` on a node: one dict of CSV fields per proxy/server row."""
        return haproxy.rows(dexec(node, haproxy.SHOW_STAT, check=check))

    def servers(self, node: str) -> dict[tuple[str, str], str]:
        """Status of each checked server (the last-resort backups left out)."""
        return {key: row["status"] for key, row in haproxy.server_status(dexec(node, haproxy.SHOW_STAT, check=False)).items()}

    def wait_whole(self, timeout: float = 300) -> None:
        """Until every running node's HAProxy sees every glance-api UP and one node holds the VIP."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                views = [self.servers(n) for n in self.controllers]
                if all(v and all(s == "UP" for s in v.values()) for v in views) and self.holder():
                    return
            except subprocess.CalledProcessError:
                pass
            time.sleep(1)
        raise RuntimeError("the lab did not become whole again")

    def converge(self, tags: str, extra_vars: dict | None = None) -> None:
        """Re-render part of the deployment (e.g. another HAProxy profile) with site.yml."""
        env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}")
        env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
        args = [str(BIN / "ansible-playbook"), "-i", self.inventory, "site.yml", "--tags", tags]
        if extra_vars:
            args += ["-e", json.dumps(extra_vars)]
        run = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=1200)
        if run.returncode != 0:
            raise RuntimeError(run.stdout[-3000:] + run.stderr[-2000:])

    def under_profiles(self, names: str, profiles: dict, tags: str, measure, settle, cleanup=None) -> None:
        """measure(name) under each named settings profile in turn (site.yml --tags `tags` with
        the profile's variables, then settle()); at the end, however it ends, cleanup() and the
        project's own settings back."""
        try:
            for name in names.split(","):
                print(f"-- rendering profile {name}", file=sys.stderr, flush=True)
                self.converge(tags, profiles[name] or None)
                settle()
                measure(name)
        finally:
            print("-- restoring this project's settings", file=sys.stderr, flush=True)
            if cleanup:
                cleanup()
            self.converge(tags)
            settle()

    def journal_first(self, node: str, pattern: str, since: float) -> float | None:
        """Wall-clock time of the first journal line matching `pattern` after `since`."""
        out = dexec(node, f"journalctl -o short-unix --since @{since - 1:.0f} --no-pager | grep -E {pattern!r}",
                    check=False)
        for line in out.splitlines():
            stamp = float(line.split()[0])
            if stamp >= since:
                return stamp
        return None

    def small_image(self, name: str = "bench-small", size: int = 65536) -> str:
        """Create (or reuse) a small active image; its id."""
        api = Api(self.image_url, self.token())
        return api.find_active(name) or api.upload(name, os.urandom(size))

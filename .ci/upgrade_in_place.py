#!/usr/bin/env python3
"""Upgrade in place: a lab converged by an older commit of this project, then this checkout's
site.yml on it, must change nothing (a restructuring keeps every rendered file, unit and
package as it was). Exit 0 when both the --check run and the real run report changed=0 and
failed=0 on every host; otherwise the changed tasks are printed and the exit is 1.

    make upgrade-check BASE=<commit>      # default BASE: the commit before HEAD

The old commit converges the lab from its own worktree (.cache/upgrade-base, its own `make
lab`), this checkout runs site.yml against it, and the lab is destroyed at the end (--keep
leaves it up). Slow (a whole lab converge), so not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from testlib.playbooks import recap  # noqa: E402


def stage(name: str, *args: str, cwd: Path = PROJECT, check: bool = True) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    print(f"== stage {name}: start", flush=True)
    run = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    print(f"== stage {name}: {time.monotonic() - t0:.0f} s (exit {run.returncode})", flush=True)
    if check and run.returncode != 0:
        sys.exit(f"{name} failed:\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}")
    return run


def changes(name: str, run: subprocess.CompletedProcess) -> int:
    """Print the run's recap and its changed or failed tasks; how many hosts changed or failed."""
    hosts = recap(run.stdout)
    bad = {h: r for h, r in hosts.items() if r.get("changed") or r.get("failed") or r.get("unreachable")}
    print(f"{name}: " + ", ".join(f"{h} changed={r['changed']} failed={r['failed']}" for h, r in sorted(hosts.items())))
    task = ""
    for line in run.stdout.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith(("changed:", "fatal:", "failed:")):
            print(f"  {task}\n    {line}")
    return len(bad) if hosts else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", nargs="?", default="HEAD~1", help="the older commit (default HEAD~1)")
    parser.add_argument("--keep", action="store_true", help="leave the lab up at the end")
    args = parser.parse_args()
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    os.environ.update(env)
    worktree = PROJECT / ".cache" / "upgrade-base"
    base = stage("resolve", "git", "rev-parse", "--short", args.base).stdout.strip()
    if worktree.exists():
        stage("worktree-remove", "git", "worktree", "remove", "--force", str(worktree), check=False)
        shutil.rmtree(worktree, ignore_errors=True)
    stage("worktree-prune", "git", "worktree", "prune")
    stage("worktree", "git", "worktree", "add", "--detach", str(worktree), base)
    try:
        # From bare containers: a lab left up by anything else is not the old commit's.
        stage("lab-destroy-before", "make", "lab-destroy", check=False)
        stage(f"lab-at-{base}", "make", "lab", cwd=worktree)
        playbook = str(PROJECT / ".venv" / "bin" / "ansible-playbook")
        check = stage("site-check", playbook, "site.yml", "--check", "--diff", check=False)
        real = stage("site", playbook, "site.yml", check=False)
        bad = changes("site.yml --check --diff", check) + changes("site.yml", real)
    finally:
        if not args.keep:
            stage("lab-destroy", "make", "lab-destroy", check=False)
        stage("worktree-remove", "git", "worktree", "remove", "--force", str(worktree), check=False)
    print(f"upgrade in place from {base}: {'0 changed' if not bad else 'CHANGES (above)'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

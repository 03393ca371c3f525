#!/usr/bin/env python3
"""Time of a full rolling store reconfiguration on the running lab, and client errors during it.

    .venv/bin/python benchmarks/bench_reconfigure.py [-i inventory/lab/hosts.yml] [--stores swift,file]

For each target store in turn: a client sends `--rate` requests per second to the VIP
(image downloads, image-show, image list) while playbooks/reconfigure-store.yml switches
the default store; printed: the playbook's wall time, the time of its rolling part (first
drain to last put-back), requests, failed requests and the longest gap between two
successful answers. The last target should be the lab's own default (file).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

from labctl import BIN, PROJECT, Lab, bench_args
from testlib.loadgen import Stream, gap

def run_playbook(inventory: str, target: str) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}",
               ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_tasks", ANSIBLE_NOCOLOR="1")
    t0 = time.monotonic()
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", inventory, "playbooks/reconfigure-store.yml",
                          "-e", f"glance_default_store={target}"],
                         cwd=PROJECT, env=env, capture_output=True, text=True, timeout=3600)
    return run, time.monotonic() - t0


def rolling_seconds(output: str) -> float | None:
    """From the first drain to the last put-back, by profile_tasks' elapsed counters."""
    elapsed = []
    for block in output.split("TASK [")[1:]:
        title = block.split("]", 1)[0]
        match = re.search(r"\(\d+:\d+:[\d.]+\)\s+(\d+):(\d+):([\d.]+)", block)
        if match:
            h, m, s = match.groups()
            elapsed.append((title, int(h) * 3600 + int(m) * 60 + float(s)))
    drains = [t for title, t in elapsed if title.startswith("haproxy : Drain the server")]
    backs = [i for i, (title, _) in enumerate(elapsed) if title.startswith("haproxy : Put the server back")]
    if not drains or not backs or backs[-1] + 1 >= len(elapsed):
        return None
    # The counter printed at a task's start; the task after the last put-back ends it.
    return elapsed[backs[-1] + 1][1] - drains[0]


def main() -> int:
    args = bench_args(__doc__, stores="swift,file", rate=20.0)

    lab = Lab(args.inventory)
    image = lab.small_image("bench-reconfigure", 4 << 20)
    paths = [f"/v2/images/{image}/file", f"/v2/images/{image}", "/v2/images"]
    rows = []
    for target in args.stores.split(","):
        lab.wait_whole()
        stream = Stream(lab.image_url, paths, rate=args.rate, token=lab.token())
        loader = threading.Thread(target=stream.run, args=(7200,), daemon=True)
        loader.start()
        time.sleep(2)
        run, wall = run_playbook(args.inventory, target)
        time.sleep(2)
        stream.stop()
        loader.join()
        if run.returncode != 0:
            print(run.stdout[-3000:], run.stderr[-2000:], file=sys.stderr)
            return 1
        rows.append((target, wall, rolling_seconds(run.stdout), len(stream.results), len(stream.failed),
                     gap(stream.results)))
        print(f"-- to {target}: {wall:.1f} s; {stream.summary()}", file=sys.stderr, flush=True)

    print(f"\nRolling store reconfiguration of {len(lab.controllers)} controllers, "
          f"{args.rate:g} req/s to the VIP meanwhile")
    print(f"{'to':>6} {'playbook':>9} {'rolling':>8} {'requests':>8} {'failed':>7} {'max gap':>8}")
    for target, wall, rolling, total, failed, g in rows:
        roll = f"{rolling:.1f}s" if rolling is not None else "?"
        print(f"{target:>6} {wall:>8.1f}s {roll:>8} {total:>8} {failed:>7} {g:>7.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

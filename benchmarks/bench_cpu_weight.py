#!/usr/bin/env python3
"""Latency through the VIP while a playbook runs, with dockerd's cgroup at the CPU weight
of one nice-0 process (1024, dockerd's default) and at the lab's weight (roles/lab_host,
`lab_host_docker_cpu_shares`), alternated in one run. Needs root and cgroup v1.

    .venv/bin/python benchmarks/bench_cpu_weight.py [-i inventory/lab/hosts.yml] [--rounds 2]

Each round: a client streams `--rate` GETs a second (a 1 MiB download, image-show, image
list) to the VIP while a no-change `site.yml --tags glance` runs as the tests run their
playbooks (`nice -n 10`, the nodes' interpreters at 10 as well). Printed per round: the
weight, the playbook's time, requests, failed (no answer within 5 s or not 2xx), median,
90th percentile and longest answer, and the run-queue wait per time slice of the
controllers' glance-api processes (/proc/<pid>/task/*/schedstat); last, the ratio of the
medians. The weight the lab had is put back at the end.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from pathlib import Path

import yaml

from labctl import BIN, PROJECT, Lab, bench_args
from testlib.loadgen import Stream

SHARES = Path("/sys/fs/cgroup/cpu/docker/cpu.shares")


def lab_weight() -> int:
    return yaml.safe_load((PROJECT / "roles" / "lab_host" / "defaults" / "main.yml").read_text())[
        "lab_host_docker_cpu_shares"]


def glance_api_schedstat() -> tuple[int, int]:
    """(run-queue wait in ns, time slices) summed over every glance-api thread on this host."""
    wait = slices = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if b"glance-api" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            for task in os.listdir(f"/proc/{pid}/task"):
                _, waited, count = Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()
                wait, slices = wait + int(waited), slices + int(count)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return wait, slices


def no_change_run(inventory: str) -> float:
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), PATH=f"{BIN}:{os.environ['PATH']}",
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/nice -n 10 /usr/bin/python3", ANSIBLE_NOCOLOR="1")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    t0 = time.monotonic()
    run = subprocess.run(["nice", "-n", "10", str(BIN / "ansible-playbook"), "-i", inventory, "site.yml",
                          "--tags", "glance"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        raise RuntimeError(run.stdout[-3000:] + run.stderr[-2000:])
    return time.monotonic() - t0


def main() -> int:
    args = bench_args(__doc__, rounds=2, rate=5.0)
    if not SHARES.exists():
        print(f"{SHARES} does not exist: no cgroup v1 CPU controller, or no container runs")
        return 1

    lab = Lab(args.inventory)
    image = lab.small_image("bench-cpu-weight", 1 << 20)
    paths = [f"/v2/images/{image}/file", f"/v2/images/{image}", "/v2/images"]
    before = int(SHARES.read_text())
    medians: dict[int, list[float]] = {}
    print(f"{'weight':>7} {'playbook':>9} {'requests':>9} {'failed':>7} {'median':>8} {'p90':>7} {'max':>7}"
          f" {'glance-api wait/slice':>22}")
    try:
        for _ in range(args.rounds):
            for weight in (1024, lab_weight()):
                SHARES.write_text(str(weight))
                lab.wait_whole()
                stream = Stream(lab.image_url, paths, rate=args.rate, token=lab.token())
                loader = threading.Thread(target=stream.run, args=(3600,), daemon=True)
                loader.start()
                time.sleep(2)
                wait0, slices0 = glance_api_schedstat()
                wall = no_change_run(args.inventory)
                wait1, slices1 = glance_api_schedstat()
                time.sleep(2)
                stream.stop()
                loader.join()
                durations = sorted(r.duration for r in stream.results)
                median = statistics.median(durations)
                medians.setdefault(weight, []).append(median)
                per_slice = (wait1 - wait0) / 1e6 / max(slices1 - slices0, 1)
                print(f"{weight:>7} {wall:>8.1f}s {len(durations):>9} {len(stream.failed):>7}"
                      f" {median:>7.2f}s {durations[int(len(durations) * .9)]:>6.2f}s {durations[-1]:>6.2f}s"
                      f" {per_slice:>19.1f} ms", flush=True)
    finally:
        SHARES.write_text(str(before))
    low, high = (statistics.median(medians[w]) for w in (1024, lab_weight()))
    print(f"median answer at weight 1024 / at weight {lab_weight()}: {low / high:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

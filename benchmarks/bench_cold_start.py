#!/usr/bin/env python3
"""What a restart of every glance service costs the first clients: the same request stream
before (warm workers) and right after glance-api (and glance-registry, where deployed) was
restarted on every controller, in one run.

    .venv/bin/python benchmarks/bench_cold_start.py [-i inventory/lab/hosts.yml]

A freshly started glance worker logs its service user in to Keystone and checks each new
client token once: Keystone's password hashing (bcrypt, lab_keystone_password_hash_rounds
in the lab) is what these logins cost. Printed per phase: requests, failed (error, non-2xx
or no answer within 5 s), median and slowest request, CPU seconds the Keystone host's
processes used; then the time one password login takes.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from labctl import LAB_VARS, Lab, dexec, bench_args
from testlib import role_python
from testlib.loadgen import Stream

# CPU seconds of every process running on a host (utime + stime, in clock ticks of 1/100 s).
CPU = "cat /proc/[0-9]*/stat 2>/dev/null | awk '{s += $14 + $15} END {print s / 100}'"


def login_seconds(lab: Lab, samples: int = 5) -> float:
    # The user of glance's pair (roles/glance: <user>, <user>_b) the controllers log in as now.
    user = role_python("glance/filter_plugins/glance_conf.py").glance_conf_value(
        dexec(lab.controllers[0], "cat /etc/glance/glance-api.conf"), "keystone_authtoken", "username")
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"name": "Default"},
        "password": LAB_VARS["glance_service_password"]}}}}}
    url = f"http://{lab.addresses[lab.keystone]}:5000/v3/auth/tokens"
    times = []
    for _ in range(samples):
        t0 = time.monotonic()
        requests.post(url, json=body, timeout=30).raise_for_status()
        times.append(time.monotonic() - t0)
    return statistics.median(times)


def phase(lab: Lab, name: str, paths: list[str], args) -> None:
    cpu0 = float(dexec(lab.keystone, CPU))
    stream = Stream(lab.image_url, paths, rate=args.rate, token=lab.token()).run(args.duration)
    cpu = float(dexec(lab.keystone, CPU)) - cpu0
    print(f"{name:>26}: {stream.summary()}; Keystone host CPU {cpu:.1f} s", flush=True)


def main() -> int:
    args = bench_args(__doc__, rate=10.0, duration=15.0)
    lab = Lab(args.inventory)
    image = lab.small_image("bench-cold", 1 << 20)
    paths = [f"/v2/images/{image}", "/v2/images", f"/v2/images/{image}/file"]
    units = "glance-api"
    if "glance-registry.service" in dexec(lab.controllers[0], "systemctl list-unit-files glance-registry.service",
                                          check=False):
        units += " glance-registry"
    print(f"{len(lab.controllers)} controllers, {args.rate:g} req/s for {args.duration:g} s, restarted: {units}")
    phase(lab, "warm", paths, args)
    with ThreadPoolExecutor() as pool:
        list(pool.map(lambda node: dexec(node, f"systemctl restart {units}"), lab.controllers))
    lab.wait_whole()
    phase(lab, "right after the restart", paths, args)
    print(f"one password login to Keystone: {login_seconds(lab) * 1000:.0f} ms (median of 5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

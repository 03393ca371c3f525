#!/usr/bin/env python3
"""1 GiB image upload and download through the VIP, each as a ratio to the same bytes
written (`dd`, no fsync: glance's file store does not fsync) and read (`cat`) on the
GlusterFS mount of the node that served the transfer.

    .venv/bin/python benchmarks/bench_transfer.py [-i inventory/lab/hosts.yml] [--size-mib 1024]

Page caches are dropped (host-wide, the containers share the kernel) before every
measurement, so no read is served from memory by an earlier one.
"""

from __future__ import annotations

import os
import re
import sys
import time

import requests

from labctl import Lab, dexec, sh, bench_args
from testlib import haproxy

MOUNT = "/var/lib/glance/images"


def drop_caches() -> None:
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def data_sessions(lab: Lab, node: str) -> dict[str, int]:
    return {r["svname"]: int(r["stot"]) for r in haproxy.checked_servers(lab.show_stat(node))
            if r["pxname"] == "glance_api_data"}


def served_by(lab: Lab, before: dict[str, int], holder: str) -> str:
    after = data_sessions(lab, holder)
    return max(after, key=lambda n: after[n] - before.get(n, 0))


def dd_seconds(out: str) -> float:
    return float(re.search(r"copied, ([\d.]+) s", out).group(1))


def main() -> int:
    args = bench_args(__doc__, size_mib=1024)
    size = args.size_mib << 20

    lab = Lab(args.inventory)
    holder = lab.holder()
    src = f"/tmp/glance-ha-bench-{args.size_mib}m.raw"
    if not os.path.exists(src) or os.path.getsize(src) != size:
        with open(src, "wb") as f:
            for _ in range(args.size_mib):
                f.write(os.urandom(1 << 20))
    headers = {"X-Auth-Token": lab.token()}
    image = requests.post(f"{lab.image_url}/v2/images", headers=headers, timeout=30,
                          json={"name": "bench-transfer", "disk_format": "raw", "container_format": "bare"}).json()
    try:
        before = data_sessions(lab, holder)
        drop_caches()
        t0 = time.monotonic()
        with open(src, "rb") as f:
            requests.put(f"{lab.image_url}/v2/images/{image['id']}/file", data=f, timeout=3600,
                         headers=dict(headers, **{"Content-Type": "application/octet-stream"})).raise_for_status()
        upload = time.monotonic() - t0
        node = served_by(lab, before, holder)

        drop_caches()
        t0 = time.monotonic()
        got = 0
        with requests.get(f"{lab.image_url}/v2/images/{image['id']}/file", headers=headers, stream=True,
                          timeout=3600) as resp:
            resp.raise_for_status()
            for chunk in resp.iter_content(1 << 20):
                got += len(chunk)
        download = time.monotonic() - t0
        assert got == size, got

        # The same bytes, directly on the serving node's mount.
        sh("docker", "cp", src, f"{node}:/root/bench.raw")
        drop_caches()
        dexec(node, "cat /root/bench.raw > /dev/null")  # source in memory: dd measures the mount only
        dd = dd_seconds(dexec(node, f"dd if=/root/bench.raw of={MOUNT}/bench-dd bs=4M 2>&1"))
        drop_caches()
        cat_t = int(dexec(node, f"s=$(date +%s%N); cat {MOUNT}/{image['id']} > /dev/null; "
                                "echo $(( ($(date +%s%N) - s) / 1000 ))")) / 1e6
        dexec(node, f"rm -f {MOUNT}/bench-dd /root/bench.raw")
    finally:
        requests.delete(f"{lab.image_url}/v2/images/{image['id']}", headers=headers, timeout=60)

    mb = size / 1e6
    print(f"\n{args.size_mib} MiB through the VIP ({lab.vip}, HAProxy on {holder}), served by {node}")
    print(f"{'':<10} {'VIP':>10} {'on mount':>10} {'ratio':>6}")
    print(f"{'upload':<10} {mb / upload:>7.1f} MB/s {mb / dd:>6.1f} MB/s {dd / upload:>6.2f}   (dd, no fsync)")
    print(f"{'download':<10} {mb / download:>7.1f} MB/s {mb / cat_t:>6.1f} MB/s {cat_t / download:>6.2f}   (cat)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""VIP gap when its holder dies, for VRRP advertisement intervals rendered in turn into
the same running lab, and spurious VIP moves while every node is busy.

    .venv/bin/python benchmarks/bench_vip.py [-i inventory/lab/hosts.yml] [--adverts 1,0.1,0.03,0.01]

For each interval: a client sends `--rate` GET /healthcheck per second to the VIP; at
`--fail-at` s the holder's container is killed (`docker kill`: power loss, no goodbye
advert) and later restarted. Printed: the gap (first to last failed request of the
outage), failed requests. Then, `--busy` s with every controller's CPUs saturated
(busy loops, twice the core count per node): VIP moves seen in the journals (any move
there is spurious, nobody failed).
"""

from __future__ import annotations

import sys
import time

from labctl import Lab, dexec, sh, bench_args
from testlib.loadgen import Stream, gap

BURN = "for i in $(seq $(( $(nproc) * 2 ))); do timeout {s} sh -c 'while :; do :; done' & done; wait"


def vrrp_moves(lab: Lab, since: float) -> int:
    count = 0
    for node in lab.controllers:
        out = dexec(node, f"journalctl -u keepalived -o short-unix --since @{since:.0f} --no-pager "
                          "| grep -c 'Entering MASTER STATE'", check=False).strip()
        count += int(out or 0)
    return count


def main() -> int:
    args = bench_args(__doc__, adverts="1,0.1,0.03,0.01", rate=50.0, duration=15.0, fail_at=5.0, busy=60.0)

    lab = Lab(args.inventory)
    rows = []
    try:
        for advert in args.adverts.split(","):
            version = 2 if float(advert) >= 1 else 3
            print(f"-- keepalived advert_int {advert} (VRRPv{version})", file=sys.stderr, flush=True)
            lab.converge("keepalived-config", {"keepalived_advert_int": float(advert),
                                               "keepalived_vrrp_version": version})
            lab.wait_whole()
            holder = lab.holder()
            stream = Stream(lab.image_url, ["/healthcheck"], rate=args.rate)
            stream.run(args.duration, events={args.fail_at: lambda h=holder: sh("docker", "kill", h)})
            sh("docker", "start", holder)
            lab.wait_whole()
            # Spurious moves: nodes busy, nobody failed.
            t0 = time.time()
            for node in lab.controllers:
                sh("docker", "exec", "-d", node, "bash", "-c", BURN.format(s=int(args.busy)))
            time.sleep(args.busy + 2)
            moves = vrrp_moves(lab, t0)
            rows.append((advert, version, len(stream.results), len(stream.failed), gap(stream.results), moves))
            print(f"   {stream.summary()}; gap {gap(stream.results):.3f} s; moves while busy: {moves}",
                  file=sys.stderr, flush=True)
    finally:
        print("-- restoring this project's settings", file=sys.stderr, flush=True)
        lab.converge("keepalived-config")
        lab.wait_whole()

    print(f"\nVIP holder killed under {args.rate:g} req/s to the VIP; then {args.busy:g} s with all CPUs busy")
    print(f"{'advert_int':>10} {'VRRP':>5} {'requests':>8} {'failed':>7} {'gap':>8} {'moves while busy':>17}")
    for advert, version, total, failed, g, moves in rows:
        print(f"{advert:>10} {'v' + str(version):>5} {total:>8} {failed:>7} {g:>7.3f}s {moves:>17}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

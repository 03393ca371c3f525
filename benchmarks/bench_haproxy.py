#!/usr/bin/env python3
"""Client-visible errors and detection time when a glance-api dies, for three HAProxy
setting profiles rendered in turn into the same running lab.

    .venv/bin/python benchmarks/bench_haproxy.py [-i inventory/lab/hosts.yml]

For each profile and each failure (kill: glance-api SIGKILLed; hang: the node's
container frozen with `docker pause`), a client sends `--rate` image GETs and small
downloads per second through the VIP for `--duration` s; the failure hits a node that
does not hold the VIP at `--fail-at` s. Printed: failed requests, DOWN after (from the
failure to the holder's HAProxy logging the server DOWN), slowest request.
The lab gets this project's settings back at the end.
"""

from __future__ import annotations

import sys
import time

from labctl import Lab, dexec, sh, bench_args
from testlib.loadgen import Stream

def published(balance: str, every_ms: int, rise: int, fall: int) -> dict:
    """Another project's published glance backend: its balancing and check timing, the
    check timeout equal to the interval, retries on connection failures only (no L7
    retries), no redispatch, no last-resort server."""
    return {
        "haproxy_balance": balance, "haproxy_check_inter": every_ms, "haproxy_check_fastinter": every_ms,
        "haproxy_check_downinter": every_ms, "haproxy_check_rise": rise, "haproxy_check_fall": fall,
        "haproxy_check_timeout": every_ms, "haproxy_retry_on": "conn-failure", "haproxy_timeout_connect": 5000,
        "haproxy_api_timeout_server": "60s", "haproxy_data_timeout_server": "60s",
        "haproxy_defaults_overrides": {"option redispatch": 0}, "haproxy_last_resort": False,
    }


PROFILES = {
    # This project's defaults (roles/haproxy/defaults/main.yml): nothing overridden.
    "glance-ha": {},
    # OpenStack-Ansible's: source balancing, 12 s checks, rise 3 fall 3.
    "openstack-ansible": published("source", 12000, 3, 3),
    # kolla-ansible's: 2 s checks, rise 2 fall 5.
    "kolla-ansible": published("roundrobin", 2000, 2, 5),
}


def fail(mode: str, node: str) -> None:
    if mode == "kill":
        dexec(node, "systemctl kill --signal=SIGKILL glance-api")
    else:
        sh("docker", "pause", node)


def heal(mode: str, node: str) -> None:
    if mode == "hang":
        sh("docker", "unpause", node)
    dexec(node, "systemctl restart glance-api")


def main() -> int:
    args = bench_args(
        __doc__, profiles=",".join(PROFILES), modes="kill,hang", rate=20.0, duration=40.0, fail_at=10.0)

    lab = Lab(args.inventory)
    image = lab.small_image()
    rows = []

    def measure(profile: str) -> None:
        for mode in args.modes.split(","):
            lab.wait_whole()
            holder = lab.holder()
            victim = next(n for n in lab.controllers if n != holder)
            stamp = {}

            def failure(mode=mode, victim=victim, stamp=stamp):
                stamp["t"] = time.time()
                fail(mode, victim)

            stream = Stream(lab.image_url, [f"/v2/images/{image}", f"/v2/images/{image}/file"],
                            rate=args.rate, token=lab.token(), timeout=120)
            stream.run(args.duration, events={args.fail_at: failure})
            time.sleep(1)
            down = lab.journal_first(holder, f"glance_api/{victim} is DOWN", stamp["t"])
            heal(mode, victim)
            slowest = max(r.duration for r in stream.results)
            rows.append((profile, mode, len(stream.results), len(stream.failed),
                         f"{down - stamp['t']:.2f} s" if down else "never", f"{slowest:.2f} s"))
            print(f"   {profile} {mode}: {stream.summary()}", file=sys.stderr, flush=True)

    lab.under_profiles(args.profiles, PROFILES, "haproxy-config", measure, lab.wait_whole)

    print(f"\nglance-api failure under {args.rate:g} req/s through the VIP "
          f"({args.duration:g} s, failure at {args.fail_at:g} s)")
    print(f"{'profile':<20} {'failure':<8} {'requests':>8} {'failed':>7} {'DOWN after':>11} {'slowest':>9}")
    for row in rows:
        print(f"{row[0]:<20} {row[1]:<8} {row[2]:>8} {row[3]:>7} {row[4]:>11} {row[5]:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Node-loss latency against what short failure timeouts cost, for timeout profiles
rendered in turn into the same running lab.

    .venv/bin/python benchmarks/bench_node_loss.py [-i inventory/lab/hosts.yml]

A profile sets GlusterFS's `network.ping-timeout` (how long the volume's clients wait for a
silent brick), Galera's `evs.suspect_timeout` (how long the group waits for a silent member;
reads wait with it, wsrep_sync_wait) and HAProxy's API server timeout (after which an
idempotent request is sent to another server). For each profile, under `--rate` requests
a second through the VIP (image GET, listing, 64 KiB download), each event in turn:

- hang: a controller that does not hold the VIP frozen (`docker pause`) for `--outage` s;
- cut: the same controller's network cut (its interface set down inside the container;
  `docker network disconnect` would rename it on reconnect) for `--outage` s;
- stall: every controller frozen at once for `--stall` s, then thawed: nothing failed, the
  machine stopped (the lab's 4-6 s stalls, docs/lab.md). What a short timeout costs: a
  Galera member declared gone, a GlusterFS client that drops a brick, failed requests.

Printed per profile and event: requests; failed (error or non-2xx; the client waits
`--client-timeout`, 30 s, to see how long a stall really lasts); over 5 s (the project's
load-test bound, failed ones included); slowest; lines showing a timeout fired (Galera
members suspected or leaving the Primary component in the journal, GlusterFS clients
dropping a brick in their log). The lab gets this project's settings back at the end.
"""

from __future__ import annotations

import json
import sys
import time

from labctl import Lab, dexec, sh, bench_args
from testlib.loadgen import Stream
from testlib.network import Route

PROFILES = {
    # The roles' defaults with the lab inventory (Galera at 10 s: docs/lab.md).
    "10s": {},
    "5s": {"glusterfs_ping_timeout": 5, "galera_provider_options_overrides": {"evs.suspect_timeout": "PT5S"},
           "haproxy_api_timeout_server": "6s"},
    "3s": {"glusterfs_ping_timeout": 3, "galera_provider_options_overrides": {"evs.suspect_timeout": "PT3S"},
           "haproxy_api_timeout_server": "4s"},
}
# What a fired timeout leaves in a controller's journal.
FIRED = {
    "galera": "mariadbd.*(non-primary|suspecting node|declaring .* stable)",
    "gluster": "has not responded in the last|disconnected from",
}


def fired(lab: Lab, since: float) -> dict[str, int]:
    """Lines logged since `since` on every controller that show each timeout fired: Galera's
    in the journal, the GlusterFS clients' in their own log (stamped in UTC)."""
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(since))
    sources = {
        "galera": f"journalctl -o short-unix --since @{since:.0f} --no-pager",
        "gluster": f"awk -v t='[{stamp}' 'substr($0, 1, 20) >= t' /var/log/glusterfs/var-lib-glance-images.log",
    }
    counts = {}
    for kind, pattern in FIRED.items():
        counts[kind] = sum(int(dexec(node, f"{sources[kind]} | grep -cE {pattern!r}", check=False).strip() or 0)
                           for node in lab.controllers)
    return counts


def whole(lab: Lab) -> None:
    """Every glance-api UP everywhere, Galera 3 members, nothing to heal."""
    lab.wait_whole()
    # An index heal now: the self-heal daemon's own crawl may be 10 min away (cluster.heal-timeout).
    dexec(lab.controllers[0], "gluster volume heal glance", check=False)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        sizes = [dexec(n, "mariadb -N -B -e \"SHOW STATUS LIKE 'wsrep_cluster_size'\"", check=False).split()[-1:]
                 for n in lab.controllers]
        # The store checks rewrite their probe files (/.glance-ha) every second: always in flight.
        heal = dexec(lab.controllers[0], "gluster volume heal glance info | grep '^/' | grep -vc '^/.glance-ha'",
                     check=False).strip()
        if all(s == [str(len(lab.controllers))] for s in sizes) and heal == "0":
            return
        time.sleep(2)
    raise RuntimeError("Galera or GlusterFS did not become whole again")


def main() -> int:
    args = bench_args(
        __doc__, profiles=",".join(PROFILES), events="hang,cut,stall", rate=20.0, outage=20.0, stall=5.0, client_timeout=30.0)

    lab = Lab(args.inventory)
    image = lab.small_image()
    paths = [f"/v2/images/{image}", "/v2/images?limit=5", f"/v2/images/{image}/file"]
    routes = {n: Route.of(n) for n in lab.controllers}
    rows = []

    def measure(profile: str) -> None:
        for event in args.events.split(","):
            whole(lab)
            victim = next(n for n in lab.controllers if n != lab.holder())
            route = routes[victim]
            frozen = lab.controllers if event == "stall" else [victim]
            length = args.stall if event == "stall" else args.outage
            since = time.time()

            def start(event=event, frozen=frozen, route=route):
                if event == "cut":
                    route.cut()
                else:
                    sh("docker", "pause", *frozen)

            def end(event=event, frozen=frozen, route=route):
                if event == "cut":
                    route.reconnect()
                else:
                    sh("docker", "unpause", *frozen)

            stream = Stream(lab.image_url, paths, rate=args.rate, token=lab.token(), timeout=args.client_timeout)
            stream.run(length + 25, events={5: start, 5 + length: end})
            time.sleep(2)
            counts = fired(lab, since)
            slowest = max(r.duration for r in stream.results)
            over = sum(1 for r in stream.results if r.duration > 5 or not r.ok)
            rows.append((profile, event, len(stream.results), len(stream.failed), over, f"{slowest:.2f} s",
                         counts["galera"], counts["gluster"]))
            kinds = {}
            for r in stream.results:
                if r.duration > 5 or not r.ok:
                    kind = "download" if r.path.endswith("/file") else "list" if "?" in r.path else "show"
                    kinds[kind] = kinds.get(kind, 0) + 1
            print(f"   {profile} {event}: {stream.summary()} {counts}; over 5 s or failed by request: {kinds}",
                  file=sys.stderr, flush=True)

    def cleanup() -> None:
        sh("docker", "unpause", *lab.controllers, check=False)
        for route in routes.values():  # a cut an interruption left in place
            route.reconnect(check=False)

    lab.under_profiles(args.profiles, PROFILES, "glusterfs-volume,galera,haproxy", measure, lambda: whole(lab), cleanup)

    print(f"\nNode loss under {args.rate:g} req/s through the VIP (client timeout {args.client_timeout:g} s; outage {args.outage:g} s, "
          f"stall {args.stall:g} s; profiles: {PROFILES})")
    print(f"{'profile':<8} {'event':<6} {'requests':>8} {'failed':>7} {'over 5 s':>9} {'slowest':>9} "
          f"{'galera lines':>13} {'gluster lines':>14}")
    for row in rows:
        print(f"{row[0]:<8} {row[1]:<6} {row[2]:>8} {row[3]:>7} {row[4]:>9} {row[5]:>9} {row[6]:>13} {row[7]:>14}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

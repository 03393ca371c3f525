"""HAProxy's `show stat` through the haproxy role's parser (module_utils/haproxy_stat.py): one
parser of it in the project (the role's drain, its read_stat, playbooks/status.yml, the tests)."""

from __future__ import annotations

import functools

from testlib import role_python
from testlib.sampler import Sampler

_parser = role_python("haproxy/module_utils/haproxy_stat.py")

# `echo 'show stat' | socat ...` on a node: its output goes to rows().
SHOW_STAT = "echo 'show stat' | socat stdio /run/haproxy/admin.sock"
rows = _parser.haproxy_stat_rows
checked_servers = _parser.haproxy_checked_servers


def by_name(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The rows by (proxy, server or FRONTEND/BACKEND)."""
    return {(row["pxname"], row["svname"]): row for row in rows(text)}


def server_status(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The checked servers' rows by (proxy, server)."""
    return {(row["pxname"], row["svname"]): row for row in checked_servers(rows(text))}


class StateWatch:
    """Reads `show stat` of every load balancer (container names), `every` seconds apart,
    from start() until finish(), and keeps each snapshot of one backend: (time, load
    balancer, {server: status}), in time order. The time is the kernel's CLOCK_MONOTONIC
    (testlib.sampler), the clock of systemd's *TimestampMonotonic properties in the
    containers too: a restart can be placed among the snapshots."""

    def __init__(self, lbs: list[str], backend: str, every: float = 0.3):
        self.lbs, self.backend, self.every = lbs, backend, every
        self.snapshots: list[tuple[float, str, dict[str, str]]] = []
        self._samplers: list[Sampler] = []

    def start(self) -> None:
        self._samplers = [Sampler(lb, SHOW_STAT, self.every, functools.partial(self._take, lb)) for lb in self.lbs]
        for sampler in self._samplers:
            sampler.start()

    def _take(self, lb: str, stamp: float, out: str) -> None:
        servers = self.by_node({sv: row for (px, sv), row in server_status(out).items() if px == self.backend})
        if servers:
            self.snapshots.append((stamp, lb, servers))

    def finish(self) -> None:
        for sampler in self._samplers:
            sampler.stop()
        self.snapshots.sort(key=lambda snap: snap[0])

    def by_node(self, rows: dict[str, dict[str, str]]) -> dict[str, str]:
        """Each node's status on one load balancer. While the way to the nodes switches
        (plain or TLS), HAProxy lists a node twice, as <node> and <node>-<way>, one of them
        without requests (weight 0): the node serves while one of them is UP with weight."""
        nodes: dict[str, str] = {}
        for name, row in rows.items():
            node = max((lb for lb in self.lbs if name == lb or name.startswith(lb + "-")), key=len, default=name)
            if row["status"].startswith("UP") and row.get("weight") != "0":
                nodes[node] = row["status"]
            else:
                nodes.setdefault(node, "DRAIN" if row["status"].startswith("UP") else row["status"])
        return nodes

    @staticmethod
    def out(status: str) -> bool:
        """Out of service: DOWN, DRAIN, MAINT... ("UP 1/2", a check failed once, still serves)."""
        return not status.startswith("UP")

    def most_out_at_once(self) -> int:
        """The most servers one load balancer had out of service in one snapshot."""
        return max((sum(map(self.out, servers.values())) for _, _, servers in self.snapshots), default=0)

    def crowded(self) -> list[tuple[float, str, dict[str, str]]]:
        """The snapshots with more than one server out of UP (for a failure message)."""
        return [snap for snap in self.snapshots if sum(map(self.out, snap[2].values())) > 1]

    def out_windows(self, server: str) -> list[tuple[float, float]]:
        """The spans in which some load balancer had `server` out of UP: (first, last snapshot
        showing it out)."""
        windows: list[tuple[float, float]] = []
        latest: dict[str, str] = {}
        out_since = last_out = None
        for when, lb, servers in self.snapshots:
            latest[lb] = servers.get(server, "UP")
            if self.out(latest[lb]):
                out_since = when if out_since is None else out_since
                last_out = when
            elif any(map(self.out, latest.values())):
                continue
            elif out_since is not None:
                windows.append((out_since, last_out))
                out_since = last_out = None
        if out_since is not None:
            windows.append((out_since, last_out))
        return windows

"""Cut a lab container off the network, or one port of it, and connect it again (tests and
benchmarks).

The interface is set down inside the container: `docker network disconnect` would give it a
new name on reconnect. Setting it down drops the default route, which `reconnect` restores.
One port is dropped by the host's iptables in the container's network namespace: the nodes
carry no firewall of their own, and the rules go with the namespace.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass


def _exec(name: str, cmd: str, check: bool = True) -> str:
    return subprocess.run(["docker", "exec", name, "sh", "-c", cmd], check=check,
                          capture_output=True, text=True).stdout


@dataclass(frozen=True)
class Route:
    name: str  # the container
    dev: str
    gateway: str

    @classmethod
    def of(cls, name: str) -> "Route":
        fields = _exec(name, "ip -o -4 route show default").split()
        return cls(name, fields[fields.index("dev") + 1], fields[fields.index("via") + 1])

    def cut(self) -> None:
        _exec(self.name, f"ip link set {self.dev} down")

    def reconnect(self, check: bool = True) -> None:
        _exec(self.name, f"ip link set {self.dev} up && ip route replace default via {self.gateway} dev {self.dev}",
              check=check)


@contextlib.contextmanager
def port_blocked(name: str, port: int) -> Iterator[None]:
    """Every TCP segment to or from `port` of container `name` dropped, both ways, until the
    block ends: the peers' connections to it and its own stall as in a partition."""
    pid = subprocess.run(["docker", "inspect", "-f", "{{.State.Pid}}", name], check=True,
                         capture_output=True, text=True).stdout.strip()
    rules = [(chain, side) for chain in ("INPUT", "OUTPUT") for side in ("--dport", "--sport")]

    def iptables(action: str, chain: str, side: str, check: bool = True) -> None:
        subprocess.run(["nsenter", "-t", pid, "-n", "iptables", action, chain, "-p", "tcp", side, str(port),
                        "-j", "DROP"], check=check, capture_output=True)

    try:
        for chain, side in rules:
            iptables("-I", chain, side)
        yield
    finally:
        for chain, side in rules:
            iptables("-D", chain, side, check=False)

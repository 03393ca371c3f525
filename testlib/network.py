"""Cut a lab container off the network and connect it again (tests and benchmarks).

The interface is set down inside the container: `docker network disconnect` would give it a
new name on reconnect. Setting it down drops the default route, which `reconnect` restores.
"""

from __future__ import annotations

import subprocess
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

"""What ansible-playbook printed."""

from __future__ import annotations

import re


def recap(output: str) -> dict[str, dict[str, int]]:
    """ansible-playbook's PLAY RECAP: host -> {ok, changed, failed, ...}."""
    hosts = {}
    for line in output.split("PLAY RECAP", 1)[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(ok=.*)$", line)
        if match:
            hosts[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return hosts


def flat(text: str) -> str:
    """Ansible folds long messages over lines: compare with white space folded."""
    return " ".join(text.split())

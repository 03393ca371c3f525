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


# A failed task's lines: "fatal: [host]: FAILED! => {...}" (or "failed: [host] (item=...)"),
# each under the "TASK [...]" banner it belongs to.
_FAILED = re.compile(r"^(?:fatal|failed): \[[^\]]+\].*", re.M)
_TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<name>[^\]]+)\]", re.M)


def why_failed(run, tail: int = 3000) -> str:
    """A failed ansible-playbook run, for an assertion's message: each failed task's name and
    line (cut to 400 characters) first, then the end of its output. A CI log keeps only the
    first characters of an assertion; the end of a run's output starts in the middle of its
    recap, which does not say which task failed or why."""
    out = run.stdout or ""
    failed = []
    for match in _FAILED.finditer(out):
        tasks = list(_TASK.finditer(out, 0, match.start()))
        task = tasks[-1]["name"] if tasks else "?"
        failed.append(f"[{task}] {match.group(0)[:400]}")
    head = "; ".join(failed) if failed else f"exit {run.returncode}, no failed task printed"
    return f"{head}\n--- last lines:\n{out[-tail:]}{(run.stderr or '')[-2000:]}"

"""Record the moments this machine stopped running processes: a loop that sleeps 0.1 s
notes every wake-up that came late by more than --min seconds, and every second in which
tasks were all stalled on I/O for more than --min seconds, with what the kernel says the
time went to (CPU steal, iowait, I/O and CPU pressure stalls).

The lab's nodes share this kernel, so a late wake-up here at the moment the nodes'
services missed their own timers (Galera's "last inactive check", failed keepalived
checks) places the pause outside the containers. Run by the test sessions (a process of
its own, so the tests' threads cannot delay it); also usable alone:

    python3 testlib/stallwatch.py --min 0.5 --out stalls.txt
"""

from __future__ import annotations

import argparse
import sys
import time

TICK = 0.1


def _pressure(kind: str) -> dict[str, int]:
    """Total stall microseconds of /proc/pressure/<kind> ("some" and "full")."""
    try:
        with open(f"/proc/pressure/{kind}") as f:
            return {line.split()[0]: int(line.split()[-1].split("=")[1]) for line in f if line.strip()}
    except OSError:  # kernel without PSI
        return {}


def _steal_iowait() -> tuple[int, int]:
    """CPU steal and iowait, in jiffies over all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[8]), int(fields[5])


def _sample() -> dict:
    steal, iowait = _steal_iowait()
    return {"io": _pressure("io"), "cpu": _pressure("cpu"), "steal": steal, "iowait": iowait}


def _delta(a: dict, b: dict) -> str:
    hz = 100  # USER_HZ
    parts = [f"steal {(b['steal'] - a['steal']) / hz:.2f} s", f"iowait {(b['iowait'] - a['iowait']) / hz:.2f} s"]
    for kind in ("io", "cpu"):
        for level in ("some", "full"):
            if level in a[kind] and level in b[kind]:
                parts.append(f"{kind}-{level} {(b[kind][level] - a[kind][level]) / 1e6:.2f} s")
    return ", ".join(parts)


def _io_full(a: dict, b: dict) -> float:
    return (b["io"].get("full", 0) - a["io"].get("full", 0)) / 1e6


def watch(minimum: float, out) -> None:
    """Every late wake-up, and every second in which all non-idle tasks waited on I/O for
    more than `minimum` seconds together (a disk stall stops the nodes' writers, not this loop)."""
    tick = time.monotonic()
    second, at = _sample(), tick
    while True:
        time.sleep(TICK)
        now = time.monotonic()
        late = now - tick - TICK
        tick = now
        if late <= minimum and now - at < 1:
            continue
        sample = _sample()
        if late > minimum or _io_full(second, sample) > minimum:
            what = f"woke {late:.2f} s late" if late > minimum else "I/O stall"
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(time.time() - (now - at)))
            out.write(f"{stamp} {what} over {now - at:.2f} s ({_delta(second, sample)})\n")
            out.flush()
        second, at = sample, now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min", type=float, default=0.5, help="report wake-ups later than this (s)")
    parser.add_argument("--out", help="append to this file (default: stdout)")
    args = parser.parse_args()
    out = open(args.out, "a", buffering=1) if args.out else sys.stdout
    try:
        watch(args.min, out)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

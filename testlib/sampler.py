"""A shell command run over and over inside a lab container, read from one `docker exec`.

One `docker exec` per sample cost ~0.06 core for each sample a second (dockerd, containerd
and runc start a process each time): a watch of 3 load balancers 5 times a second took 0.42
of the lab's 2 cores, which the controllers under load share (docs/benchmarks.md). Here a
small loop inside the container runs the command and writes each output, stamped with the
kernel's monotonic clock (the host's and every container's: systemd's
*TimestampMonotonic properties read on the same clock), to the one exec's stdout.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable

# Runs in the container's python3 (every lab node has it). It ends when the host closes its
# stdin (the reader stopped) or its stdout (the reader is gone).
LOOP = r"""
import select, subprocess, sys, time
every, command = float(sys.argv[1]), sys.argv[2]
out = sys.stdout.buffer
while True:
    stamp = time.monotonic()
    data = subprocess.run(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    out.write(b"%r %d\n" % (stamp, len(data)) + data)
    out.flush()
    if select.select([sys.stdin], [], [], every)[0] and not sys.stdin.buffer.read1(1):
        break
"""


class Sampler(threading.Thread):
    """Calls `take(stamp, output)` for each run of `command` in `container`, `every` seconds
    apart (after each run), until stop() is called."""

    def __init__(self, container: str, command: str, every: float, take: Callable[[float, str], None]):
        super().__init__(daemon=True)
        self.take = take
        self.proc = subprocess.Popen(["docker", "exec", "-i", container, "python3", "-c", LOOP, str(every), command],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def run(self):
        stdout = self.proc.stdout
        while header := stdout.readline():
            stamp, size = header.split()
            self.take(float(stamp), stdout.read(int(size)).decode(errors="replace"))

    def stop(self, timeout: float = 30) -> None:
        """Ask the loop to end (it ends after its current sample) and wait for the last one."""
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.join(timeout)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()

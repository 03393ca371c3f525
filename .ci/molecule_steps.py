#!/usr/bin/env python3
"""Pass molecule's output through and time its steps.

    molecule test -s default 2>&1 | python3 .ci/molecule_steps.py default .ci/steps-default.txt .ci/failed-default.txt

molecule logs `[<scenario> > <step>] Executing` when a step starts and `Executed: ...` (or
`Failed`) when it ends, without times. Each step's seconds are printed on one line when the
output ends and written to the summary file with the verify step's seconds per test module and
its slowest tests, which .ci/run prints last (a CI log keeps its end), so where a scenario's
time went is read without scrolling through it; the names of the failed tests to a third file,
which .ci/run prints after every summary.

A test's seconds are those between its verdict line (pytest -v) and the one before it (or the
verify step's start): fixtures included, and known for the tests that ended when a run is
stopped by CI's guard, when pytest prints no durations table.
"""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

# "Executing" alone starts a step (verify also logs "Executing Testinfra tests found in ...").
STEP = re.compile(r"\[(?P<scenario>[\w-]+) > (?P<step>[\w-]+)\] (?:\x1b\[[0-9;]*m)*"
                  r"(?P<what>Executing(?:\x1b\[[0-9;]*m)*\s*$|Executed|Failed)")
KEPT = 15
# pytest -v's verdict of each test ("tests/test_x.py::test_y FAILED [ 50%]"): the names of the
# failed ones go last in the CI log, where a log cut in its middle still shows them.
VERDICT = re.compile(r"(?P<test>\S+\.py::\S.*?) (?P<verdict>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")
# pytest's FAILURES section: a "____ test_name[param] ____" line, then the test's lines, its
# assertion's starting with "E ". The first WHY of them (cut to WIDTH characters) are kept
# with the failed test's name, the start of the first (REASON characters) on its line: a CI
# log whose end is one scenario's long report still says why each other scenario failed.
HEADER = re.compile(r"^_{3,} (?P<name>\S+) _{3,}$")
WHY, WIDTH, REASON = 3, 300, 160
# testlib.cluster's scenario lock (scenarios side by side test one after the other, once none
# converges): the wait is the step's, not its first test's.
WAITED = re.compile(r"waited (?P<seconds>\d+) s for the other scenarios")


def timings(tests: list[tuple[str, float]]) -> list[str]:
    """Seconds per test module, the longest first, then the KEPT slowest tests."""
    modules: dict[str, float] = {}
    for test, seconds in tests:
        module = test.split("::")[0]
        modules[module] = modules.get(module, 0) + seconds
    rows = [f"   {round(s):5d} s  {m}" for m, s in sorted(modules.items(), key=lambda i: -i[1])]
    rows.append("   slowest tests:")
    rows += [f"   {round(s):5d} s  {t}" for t, s in sorted(tests, key=lambda i: -i[1])[:KEPT]]
    return rows


def failure(scenario: str, test: str, verdict: str, why: list[str]) -> str:
    """The failed test's line (its name and the start of its first assertion line: .ci/run
    prints these lines again after the stage times, the last lines a cut log keeps), then
    its other assertion lines."""
    first = " ".join(why[0][1:].split())[:REASON] if why else ""
    return (f"== molecule-{scenario} {verdict}: {test}" + (f" - {first}" if first else "") + "\n"
            + "".join(f"   {e}\n" for e in why[1:]))


def main(scenario: str, summary: Path, failures: Path) -> int:
    # CI's time guard interrupts the whole process group: the summary must still be written
    # once molecule has finished cleaning up and its output ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    steps: list[list] = []  # [step, start, end or None, outcome]
    tests: list[tuple[str, float]] = []
    failed: dict[str, str] = {}
    why: dict[str, list[str]] = {}
    current = None
    waited = 0
    last = time.monotonic()
    for line in sys.stdin:
        sys.stdout.write(line)
        sys.stdout.flush()
        header = HEADER.match(line.strip())
        if header:
            current = header["name"]
        elif current and line.startswith("E ") and len(why.setdefault(current, [])) < WHY:
            why[current].append(line.rstrip()[:WIDTH])
        wait = WAITED.search(line)
        if wait:
            waited, last = int(wait["seconds"]), time.monotonic()
        verdict = VERDICT.search(line)
        if verdict:
            now, test = time.monotonic(), verdict["test"].split("/tests/")[-1]
            tests.append((test, now - last))
            last = now
            if verdict["verdict"] in ("FAILED", "ERROR"):
                failed.setdefault(test, verdict["verdict"])
        match = STEP.search(line)
        if not match or match["scenario"] != scenario:
            continue
        now = time.monotonic()
        if match["what"].startswith("Executing"):
            steps.append([match["step"], now, None, "running"])
            last = now
        elif steps and steps[-1][0] == match["step"] and steps[-1][2] is None:
            steps[-1][2:] = [now, "ok" if match["what"] == "Executed" else "FAILED"]
    end = time.monotonic()
    parts = [f"{step} {round((stop or end) - start)} s" + ("" if outcome == "ok" else f" ({outcome})")
             + (f" ({waited} s of it waiting for the other scenarios)" if step == "verify" and waited else "")
             for step, start, stop, outcome in steps]
    text = f"== molecule-{scenario} steps: " + ", ".join(parts)
    print(text, flush=True)
    summary.write_text("\n".join([text] + (timings(tests) if tests else [])) + "\n")
    failures.write_text("".join(failure(scenario, test, verdict, why.get(test.split("::")[-1], []))
                                for test, verdict in failed.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))

#!/usr/bin/env python3
"""Derive the constraints the legacy (venv) track installs glance with on Python 3.11.

Upstream's upper-constraints of Train and Ussuri pin most libraries per Python version
(`name===x;python_version=='3.8'`); none of those markers matches 3.11, so used as they
are they would leave those libraries unpinned and pip would take today's releases, which
the old glance does not run with. This keeps, for every library, the pin of the newest
Python the release was tested on, drops the markers, and replaces the pins known not to
build or run on Python 3.11 (OVERRIDES, with the reason). Run it again after editing:

    python3 roles/glance/constraints/derive.py ../shared/data/openstack-requirements
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

RELEASES = {  # derived file -> upstream file
    "ussuri.txt": "upper-constraints-ussuri-eol.txt",
    "train.txt": "upper-constraints-train-eol.txt",
}
# Releases whose pins have no wheel for, or do not build on, Python 3.11 (C extensions
# written against older CPython APIs) or break at import there.
OVERRIDES = {
    "greenlet": "2.0.2",  # < 2.0 does not build on 3.11
    "eventlet": "0.33.3",  # older ones fail on 3.11's ssl and greenlet 2
    "cffi": "1.15.1",
    "msgpack": "1.0.4",
    "SQLAlchemy": "1.3.24",  # last 1.3: the API these glance releases use
    "lxml": "4.9.2",
    "psutil": "5.9.5",
    "PyYAML": "6.0.1",
    "wrapt": "1.14.1",
    "netifaces": "0.11.0",
    "simplejson": "3.19.1",
    "yappi": "1.4.0",
}
TRAIN_OVERRIDES = {
    "importlib-metadata": "1.6.0",  # 0.20 lacks what newer setuptools entry points need
    "zipp": "3.1.0",
}
LINE = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)===(?P<version>[^;\s]+)(?:;python_version=='(?P<py>[0-9.]+)')?$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def derive(text: str, overrides: dict[str, str]) -> dict[str, tuple[str, str]]:
    pins: dict[str, tuple[tuple[int, ...], str, str]] = {}
    for line in text.splitlines():
        match = LINE.match(line.strip())
        if not match:
            continue
        py = tuple(int(p) for p in (match["py"] or "99").split("."))
        if py[0] == 2:  # Python 2 pins never apply
            continue
        key = canonical(match["name"])
        # Unmarked pins win; else the newest Python's.
        if key not in pins or py > pins[key][0]:
            pins[key] = (py, match["name"], match["version"])
    result = {key: (name, version) for key, (_, name, version) in pins.items()}
    for name, version in overrides.items():
        result[canonical(name)] = (name, version)
    return result


def main(source: Path) -> None:
    here = Path(__file__).resolve().parent
    for derived, upstream in RELEASES.items():
        overrides = dict(OVERRIDES, **(TRAIN_OVERRIDES if derived == "train.txt" else {}))
        pins = derive((source / upstream).read_text(), overrides)
        lines = [f"# Derived from {upstream} by derive.py: markers resolved for Python 3.11,",
                 "# overrides: " + ", ".join(f"{k} {v}" for k, v in overrides.items()) + "."]
        lines += [f"{name}=={version}" for _, (name, version) in sorted(pins.items())]
        (here / derived).write_text("\n".join(lines) + "\n")
        print(f"{derived}: {len(pins)} pins")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

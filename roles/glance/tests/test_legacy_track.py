"""The legacy track's derived constraints and its Python 3.11 compatibility module."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROLE = Path(__file__).resolve().parents[1]
SHARED = ROLE.parents[2] / "shared" / "data" / "openstack-requirements"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


derive = load(ROLE / "constraints" / "derive.py", "derive_constraints")


def pins(release: str) -> dict[str, str]:
    lines = (ROLE / "constraints" / f"{release}.txt").read_text().splitlines()
    return {derive.canonical(n): v for n, v in (l.split("==") for l in lines if not l.startswith("#"))}


def test_newest_python_pin_wins_and_markers_go():
    text = "\n".join([
        "dnspython===1.16.0;python_version=='2.7'",
        "dnspython===1.15.0;python_version=='3.6'",
        "oslo.context===3.0.2;python_version=='3.7'",
        "oslo.context===3.0.3;python_version=='3.8'",
        "Routes===2.4.1",
        "greenlet===0.4.15",
    ])
    got = derive.derive(text, {"greenlet": "2.0.2"})
    assert got["dnspython"] == ("dnspython", "1.15.0")
    assert got["oslo-context"] == ("oslo.context", "3.0.3")
    assert got["routes"] == ("Routes", "2.4.1")
    assert got["greenlet"] == ("greenlet", "2.0.2")


@pytest.mark.parametrize("release", ["ussuri", "train"])
def test_committed_files_have_one_unmarked_pin_per_library(release):
    lines = [l for l in (ROLE / "constraints" / f"{release}.txt").read_text().splitlines()
             if not l.startswith("#")]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[^;\s]+", l) for l in lines)
    assert len({derive.canonical(l.split("==")[0]) for l in lines}) == len(lines)
    got = pins(release)
    for name, version in derive.OVERRIDES.items():
        assert got[derive.canonical(name)] == version
    # The releases' own pins of the libraries the compatibility layer exists for.
    assert got["dnspython"] == "1.15.0"


def test_committed_files_are_what_derive_writes(tmp_path):
    # A missing reference is a failure, not a skip: a skip would pass with nothing compared.
    assert SHARED.is_dir(), f"upstream constraints expected at {SHARED} (shared/ beside the checkout)"
    for derived, upstream in derive.RELEASES.items():
        overrides = dict(derive.OVERRIDES, **(derive.TRAIN_OVERRIDES if derived == "train.txt" else {}))
        expected = derive.derive((SHARED / upstream).read_text(), overrides)
        assert {k: v for k, (_, v) in expected.items()} == pins(derived.removesuffix(".txt"))


def test_compat_module_restores_what_311_removed():
    code = (
        "import collections, inspect, glance_ha_py311_compat\n"
        "assert collections.MutableMapping is __import__('collections.abc').abc.MutableMapping\n"
        "assert collections.Iterable is __import__('collections.abc').abc.Iterable\n"
        "def f(a, b=1, *args, **kw): pass\n"
        "spec = inspect.getargspec(f)\n"
        "assert spec == (['a', 'b'], 'args', 'kw', (1,)), spec\n"
        "assert inspect.formatargspec(*spec) == '(a, b=1, *args, **kw)', inspect.formatargspec(*spec)\n"
        "from fractions import gcd\n"
        "assert gcd(12, 18) == 6\n"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=ROLE / "files", capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_patches_explain_themselves():
    patches = sorted((ROLE / "files" / "patches").glob("*/*.patch"))
    assert {p.parent.name for p in patches} == {"19.0.4", "20.2.0"}
    for patch in patches:
        header = patch.read_text().split("--- a/", 1)[0]
        assert len(header.split()) > 10, f"{patch} has no explanation"

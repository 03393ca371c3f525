"""Unit tests of glance_ha_store (files/glance_ha_store.py) through glance-ha-store-probe:
a real file store of glance_store, opened from a glance-api.conf in both layouts the role
renders (multi-store `enabled_backends`, the legacy track's single `[glance_store]`).

Each case runs the probe in its own interpreter: glance_store keeps its backends in
oslo.config's global CONF, which one process can parse only once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import FILES

pytest.importorskip("glance_store")


def probe(conf: str, backend: str, tmp_path) -> tuple[int, dict]:
    path = tmp_path / "glance-api.conf"
    path.write_text(conf)
    run = subprocess.run([sys.executable, str(FILES / "glance-ha-store-probe.py"), "--config-file", str(path),
                          "--backend", backend], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, PYTHONPATH=str(FILES)))
    return run.returncode, json.loads(run.stdout.splitlines()[-1])


def multi(datadir) -> str:
    return (f"[DEFAULT]\nenabled_backends = file:file, other:file\n"
            f"[glance_store]\ndefault_backend = file\n"
            f"[file]\nfilesystem_store_datadir = {datadir}\n"
            f"[other]\nfilesystem_store_datadir = {datadir}/other\n")


def single(datadir) -> str:
    return f"[glance_store]\nstores = file,http\ndefault_store = file\nfilesystem_store_datadir = {datadir}\n"


@pytest.mark.parametrize("layout", [multi, single], ids=["enabled_backends", "legacy [glance_store]"])
def test_round_trip_leaves_the_store_as_it_was(layout, tmp_path):
    datadir = tmp_path / "images"
    datadir.mkdir()
    rc, out = probe(layout(datadir), "file", tmp_path)
    assert (rc, out["ok"], out["location"]) == (0, True, "file"), out
    # The probe object was written where glance-api writes, then deleted.
    assert [p for p in datadir.iterdir() if p.is_file()] == []


def test_a_backend_the_config_does_not_enable_is_an_error(tmp_path):
    rc, out = probe(multi(tmp_path), "swift", tmp_path)
    assert (rc, out["ok"]) == (1, False), out


def test_the_backend_id_selects_its_own_section(tmp_path):
    """`other` is opened with [other]'s directory (here a plain file: unusable), `file` with
    [file]'s: one fails, the other works, from the same config."""
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "other").write_text("not a directory")
    conf = multi(tmp_path / "images")
    assert probe(conf, "other", tmp_path)[0] == 1
    assert probe(conf, "file", tmp_path)[0] == 0


def test_an_unwritable_store_is_an_error_with_the_driver_s_words(tmp_path):
    datadir = tmp_path / "images"
    datadir.write_text("a file where the store's directory should be")
    rc, out = probe(single(datadir), "file", tmp_path)
    assert (rc, out["ok"]) == (1, False), out
    assert out["error"], out

"""Unit tests of glance-ha-store-probe's output (files/glance-ha-store-probe.py)."""

from __future__ import annotations

import json

from conftest import load_file

probe = load_file("glance-ha-store-probe.py", "store_probe")


def test_credentials_in_a_location_are_redacted():
    text = "could not reach s3://AKIA:s3cr3t@rgw:8080/glance/obj"
    assert probe.redact(text) == "could not reach s3://***@rgw:8080/glance/obj"


def test_an_unreadable_config_is_bad_usage(tmp_path, capsys):
    assert probe.main(["--config-file", str(tmp_path / "missing.conf"), "--backend", "file"]) == 2
    assert json.loads(capsys.readouterr().out)["ok"] is False

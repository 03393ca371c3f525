"""Unit tests of glance-ha-store-probe's output (files/glance-ha-store-probe.py)."""

from __future__ import annotations

import json
import sys
import types

from conftest import load_file

probe = load_file("glance-ha-store-probe.py", "store_probe")


def test_credentials_in_a_location_are_redacted():
    text = "could not reach s3://AKIA:s3cr3t@rgw:8080/glance/obj"
    assert probe.redact(text) == "could not reach s3://***@rgw:8080/glance/obj"


def test_an_unreadable_config_is_bad_usage(tmp_path, capsys):
    assert probe.main(["--config-file", str(tmp_path / "missing.conf"), "--backend", "file"]) == 2
    assert json.loads(capsys.readouterr().out)["ok"] is False


def _answering(monkeypatch, outcome):
    """round_trip answers `outcome`: an exception raises, a string is the scheme."""
    def fake(_config, _backend):
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(probe, "round_trip", fake)


def test_a_round_trip_prints_the_scheme(tmp_path, monkeypatch, capsys):
    conf = tmp_path / "glance-api.conf"
    conf.write_text("[DEFAULT]\n")
    _answering(monkeypatch, "s3")
    assert probe.main(["--config-file", str(conf), "--backend", "s3"]) == 0
    assert json.loads(capsys.readouterr().out) == {"backend": "s3", "ok": True, "location": "s3", "error": None}


def test_a_driver_error_is_the_answer_with_credentials_redacted(tmp_path, monkeypatch, capsys):
    conf = tmp_path / "glance-api.conf"
    conf.write_text("[DEFAULT]\n")
    _answering(monkeypatch, RuntimeError("403 Forbidden for s3://AKIA:s3cr3t@rgw:8080/glance"))
    assert probe.main(["--config-file", str(conf), "--backend", "s3"]) == 1
    answer = json.loads(capsys.readouterr().out)
    assert answer["ok"] is False and answer["error"] == "RuntimeError: 403 Forbidden for s3://***@rgw:8080/glance"


def test_the_swift_driver_retries_once(monkeypatch):
    """glance_store opens every swift connection as `swiftclient.Connection(...)`, without
    retries: the probe's own must count once, not swiftclient's 5 (31 s of waits)."""
    made = []

    class Connection:
        def __init__(self, authurl=None, retries=5, **kwargs):
            made.append(retries)

    monkeypatch.setitem(sys.modules, "swiftclient", types.SimpleNamespace(Connection=Connection))
    probe._fewer_swift_retries()
    sys.modules["swiftclient"].Connection(preauthurl="http://storage:8080/v1/AUTH_x", preauthtoken="t")
    assert made == [probe.SWIFT_RETRIES] == [1]

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


def _round_trips(monkeypatch, *outcomes):
    """round_trip answers `outcomes` in turn: an exception raises, a string is the scheme."""
    calls = list(outcomes)

    def fake(_config, _backend):
        outcome = calls.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(probe, "round_trip", fake)
    return calls


def test_a_bucket_another_controller_just_created_is_tried_again(tmp_path, monkeypatch, capsys):
    conf = tmp_path / "glance-api.conf"
    conf.write_text("[DEFAULT]\n")
    lost = RuntimeError("Failed to add bucket to S3: An error occurred (BucketAlreadyOwnedByYou) ...")
    left = _round_trips(monkeypatch, lost, "s3")
    assert probe.main(["--config-file", str(conf), "--backend", "s3"]) == 0
    assert left == [] and json.loads(capsys.readouterr().out)["ok"] is True


def test_other_errors_and_a_second_lost_race_are_the_answer(tmp_path, monkeypatch, capsys):
    conf = tmp_path / "glance-api.conf"
    conf.write_text("[DEFAULT]\n")
    left = _round_trips(monkeypatch, RuntimeError("403 Forbidden"), "s3")
    assert probe.main(["--config-file", str(conf), "--backend", "s3"]) == 1
    assert left == ["s3"]  # not tried again
    lost = RuntimeError("(BucketAlreadyOwnedByYou)")
    _round_trips(monkeypatch, lost, lost)
    assert probe.main(["--config-file", str(conf), "--backend", "s3"]) == 1
    assert [json.loads(line)["ok"] for line in capsys.readouterr().out.splitlines()] == [False, False]

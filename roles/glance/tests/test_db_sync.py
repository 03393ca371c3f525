"""Unit tests of glance-ha-db-sync (files/glance-ha-db-sync.py): glance-manage db_sync runs
unless the database and glance's migrations are where the last successful sync left them."""

from __future__ import annotations

import json
import sys
import types

import pytest

from conftest import load_file

db_sync = load_file("glance-ha-db-sync.py", "glance_ha_db_sync")

STATE = {"code": "25.1.0 0123456789abcdef", "revisions": ["wallaby_contract01"]}


@pytest.fixture
def sync(tmp_path, monkeypatch):
    """Runs the helper with `current` as what it reads; returns (exit status, whether the
    sync command ran, the stamp path)."""
    stamp = tmp_path / "state" / "db-sync.json"
    marker = tmp_path / "synced"

    def run(current, command_status=0):
        monkeypatch.setattr(db_sync, "state", lambda _conf: current)
        command = [sys.executable, "-c", f"open({str(marker)!r}, 'a').write('x'); raise SystemExit({command_status})"]
        marker.unlink(missing_ok=True)
        status = db_sync.main([str(stamp), "/etc/glance/glance-api.conf", "--", *command])
        return status, marker.exists(), stamp

    return run


def test_first_sync_runs_and_records_the_state(sync):
    status, ran, stamp = sync(STATE)
    assert (status, ran) == (0, True)
    assert json.loads(stamp.read_text()) == STATE


def test_sync_is_skipped_when_nothing_changed_since_the_last(sync, capsys):
    sync(STATE)
    capsys.readouterr()
    status, ran, _ = sync(STATE)
    assert (status, ran) == (0, False)
    assert "Database is up to date" in capsys.readouterr().out


def test_restored_older_database_is_synced(sync):
    sync(STATE)
    status, ran, _ = sync({**STATE, "revisions": ["ussuri_contract01"]})
    assert (status, ran) == (0, True)


def test_new_glance_migrations_are_synced(sync):
    sync(STATE)
    status, ran, _ = sync({**STATE, "code": "25.2.0 fedcba9876543210"})
    assert (status, ran) == (0, True)


def test_unreadable_database_is_synced_even_with_a_stamp(sync):
    sync(STATE)
    status, ran, _ = sync(None)
    assert (status, ran) == (0, True)


def test_failed_sync_leaves_no_stamp_and_its_status(sync):
    sync(STATE)
    status, ran, stamp = sync({**STATE, "revisions": ["ussuri_contract01"]}, command_status=3)
    assert (status, ran) == (3, True)
    assert not stamp.exists()
    status, ran, _ = sync(STATE)
    assert ran, "after a failed sync the next run must sync again"


def test_stalled_sync_is_stopped_with_its_stack_and_no_stamp(tmp_path, monkeypatch, capfd):
    """A sync that hangs (CI once waited 80 min on one) ends at --timeout, status 124, after
    printing where it waited; the database's part is printed when a client is installed."""
    monkeypatch.setattr(db_sync, "state", lambda _conf: STATE)
    monkeypatch.setattr(db_sync.shutil, "which", lambda _name: None)
    stamp = tmp_path / "db-sync.json"
    hang = [sys.executable, "-c", "import threading; threading.Event().wait()"]
    status = db_sync.main(["--timeout", "1", str(stamp), "/etc/glance/glance-api.conf", "--", *hang])
    err = capfd.readouterr().err
    assert status == 124
    assert not stamp.exists()
    assert "still running after 1 s" in err and "(no database client on this node)" in err
    assert "Current thread" in err and "wait" in err, err  # faulthandler's dump of the hung command


def test_database_url_is_decoded_as_glance_encodes_it(monkeypatch):
    seen = {}

    class Cursor:
        def __enter__(self):
            return self

        def __exit__(self, *_):
            return False

        def execute(self, query):
            seen["query"] = query

        def fetchall(self):
            return [("wallaby_contract01",)]

    class Connection:
        def cursor(self):
            return Cursor()

        def close(self):
            pass

    def connect(**kwargs):
        seen.update(kwargs)
        return Connection()

    monkeypatch.setitem(sys.modules, "pymysql", types.SimpleNamespace(connect=connect))
    url = "mysql+pymysql://glance:p%40ss%3Aw%2Frd%25%23%24x@10.0.0.5:3307/glance?charset=utf8"
    assert db_sync.schema_revisions(url) == ["wallaby_contract01"]
    assert (seen["user"], seen["password"], seen["host"], seen["port"], seen["database"]) == (
        "glance", "p@ss:w/rd%#$x", "10.0.0.5", 3307, "glance")
    assert "alembic_version" in seen["query"]


def test_non_mysql_database_is_not_read():
    assert db_sync.schema_revisions("sqlite:////var/lib/glance/glance.sqlite") is None


def test_code_identity_follows_the_migration_scripts(tmp_path, monkeypatch):
    package = tmp_path / "glance"
    versions = package / "db" / "sqlalchemy" / "alembic_migrations" / "versions"
    versions.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (versions / "zed_contract01.py").write_text("revision = 'zed_contract01'\n")
    dist = tmp_path / "glance-25.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: glance\nVersion: 25.1.0\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    before = db_sync.code_identity()
    assert before.startswith("25.1.0 ")
    (versions / "2023_1_contract01.py").write_text("revision = '2023_1_contract01'\n")
    assert db_sync.code_identity() != before

"""Unit tests of glance-ha-store-check (files/glance-ha-store-check.py) without a mount."""

from __future__ import annotations

import os
import threading

from conftest import load_file

store_check = load_file("glance-ha-store-check.py", "store_check")


def test_a_plain_directory_is_not_a_usable_store(tmp_path):
    reason = store_check.Prober(str(tmp_path)).check(timeout=2)
    assert reason is not None and "not a mount point" in reason


def test_a_mount_that_takes_writes_is_healthy(monkeypatch, tmp_path):
    monkeypatch.setattr(store_check.os.path, "ismount", lambda path: True)
    assert store_check.Prober(str(tmp_path)).check(timeout=2) is None
    assert (tmp_path / ".glance-ha").is_dir()


def test_a_hung_probe_counts_as_unusable_and_is_not_stacked(monkeypatch, tmp_path):
    release = threading.Event()
    started = []

    def hang(store, sweep_first=True):
        started.append(store)
        release.wait(10)

    monkeypatch.setattr(store_check, "probe", hang)
    prober = store_check.Prober(str(tmp_path))
    assert "hung" in prober.check(timeout=0.2)
    assert "still hanging" in prober.check(timeout=0.2)
    assert len(started) == 1
    release.set()


def test_flag_file_follows_the_verdict(tmp_path):
    flag = tmp_path / "unusable"
    store_check.set_flag(str(flag), "EROFS")
    assert flag.read_text() == "EROFS\n"
    store_check.set_flag(str(flag), None)
    assert not flag.exists()
    store_check.set_flag(str(flag), None)  # already healthy: nothing to remove


def test_once_mode_exit_code(tmp_path, capsys):
    assert store_check.main(["--store", str(tmp_path), "--flag", os.devnull, "--once"]) == 1
    assert "not a mount point" in capsys.readouterr().out


class FakeMember:
    """A database connection (PyMySQL's shape) answering `rows` to every query, or raising
    `error`; `opened` counts the logins of the Galera check made through `connect`."""

    def __init__(self, rows=(), error: Exception | None = None):
        self.rows, self.error, self.opened, self.closed = list(rows), error, 0, 0

    def connect(self, **kwargs):
        assert kwargs["unix_socket"] == "/run/mysqld/mysqld.sock"
        self.opened += 1
        return self

    def cursor(self):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def execute(self, query):
        if self.error:
            raise self.error

    def fetchall(self):
        return self.rows

    def close(self):
        self.closed += 1


def _member(fake: FakeMember):
    return store_check.Galera("/run/mysqld/mysqld.sock", timeout=2, connect=fake.connect)


def test_a_synced_primary_member_is_healthy_and_asked_over_one_login():
    fake = FakeMember([("wsrep_local_state_comment", "Synced"), ("wsrep_cluster_status", "Primary")])
    member = _member(fake)
    assert [member.check() for _ in range(3)] == [None] * 3
    assert fake.opened == 1


def test_a_member_out_of_the_primary_component_is_unusable():
    fake = FakeMember([("wsrep_cluster_status", "non-Primary"), ("wsrep_local_state_comment", "Initialized")])
    assert _member(fake).check() == "Galera member Initialized in a non-Primary component"


def test_a_database_that_does_not_answer_is_unusable_and_logged_into_again():
    fake = FakeMember([("wsrep_cluster_status", "Primary"), ("wsrep_local_state_comment", "Synced")],
                      error=OSError("Lost connection to MySQL server during query (timed out)"))
    member = _member(fake)
    assert "timed out" in member.check()
    assert fake.closed == 1 and member.conn is None
    fake.error = None  # the member is back: a new login, healthy at once
    assert member.check() is None
    assert fake.opened == 2


def test_a_refused_login_is_unusable():
    def refuse(**kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    assert "Connection refused" in store_check.Galera("/nonexistent", timeout=2, connect=refuse).check()


def test_a_donor_keeps_serving():
    fake = FakeMember([("wsrep_cluster_status", "Primary"), ("wsrep_local_state_comment", "Donor/Desynced")])
    assert _member(fake).check() is None


def test_every_probe_uses_a_fresh_name_and_leaves_none(monkeypatch, tmp_path):
    """A name reused while a brick is away ends in a gfid split-brain (EIO forever)."""
    monkeypatch.setattr(store_check.os.path, "ismount", lambda path: True)
    names = []
    real_open = open

    def spy(path, mode="r", *args, **kwargs):
        if "x" in mode:
            names.append(os.path.basename(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    for _ in range(3):
        store_check.probe(str(tmp_path))
    assert len(set(names)) == 3
    assert not list((tmp_path / ".glance-ha").iterdir())


def test_sweep_removes_only_this_nodes_leftovers(monkeypatch, tmp_path):
    monkeypatch.setattr(store_check.socket, "gethostname", lambda: "ctl-1")
    directory = tmp_path / ".glance-ha"
    directory.mkdir()
    mine = ["probe-ctl-1", "probe-ctl-1.tmp", "probe-ctl-1-" + "a" * 32]
    others = ["probe-ctl-10-" + "b" * 32, "probe-ctl-2", "probe-ctl-1-x"]
    for name in mine + others:
        (directory / name).write_text("x")
    store_check.sweep(str(directory), "probe-ctl-1")
    assert sorted(p.name for p in directory.iterdir()) == sorted(others)


def test_leftovers_are_swept_at_start_and_after_a_failed_probe_only(monkeypatch, tmp_path):
    """The directory listing is not part of every probe (one every 2 s on the FUSE mount)."""
    monkeypatch.setattr(store_check.os.path, "ismount", lambda path: True)
    sweeps = []
    real_sweep = store_check.sweep
    monkeypatch.setattr(store_check, "sweep", lambda *a: sweeps.append(a) or real_sweep(*a))
    directory = tmp_path / ".glance-ha"
    directory.mkdir()
    (directory / f"probe-{store_check.socket.gethostname()}").write_text("old fixed name")
    prober = store_check.Prober(str(tmp_path))
    assert prober.check(timeout=2) is None
    assert not list(directory.iterdir()) and len(sweeps) == 1
    assert prober.check(timeout=2) is None
    assert len(sweeps) == 1
    def read_only(fd):
        raise OSError(30, "Read-only file system")

    real_fsync = store_check.os.fsync
    monkeypatch.setattr(store_check.os, "fsync", read_only)
    assert "Read-only" in prober.check(timeout=2)
    monkeypatch.setattr(store_check.os, "fsync", real_fsync)
    assert prober.check(timeout=2) is None
    assert len(sweeps) == 2

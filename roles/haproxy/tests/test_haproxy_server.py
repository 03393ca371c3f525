"""Unit tests of the haproxy role's module (library/haproxy_server.py): its main() against a
fake admin socket that answers `show stat` from a list of snapshots and records the rest."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from ansible.module_utils import basic

ROLE = Path(__file__).resolve().parents[1]
HEADER = "# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,bck\n"


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stat(status: str, scur: int = 0) -> str:
    return (HEADER + f"glance_api,ctl-1,0,0,{scur},5,,50,{status},0\n"
            f"glance_api_data,ctl-1,0,0,{scur},5,,50,{status},0\nglance_api,ctl-2,0,0,0,5,,50,UP,0\n")


class FakeSocket:
    """ask() stand-in: `show stat` answered by the snapshots in turn (the last repeated)."""

    def __init__(self, *snapshots: str):
        self.snapshots, self.commands = list(snapshots), []

    def __call__(self, _path: str, command: str) -> str:
        if command == "show stat":
            return self.snapshots.pop(0) if len(self.snapshots) > 1 else self.snapshots[0]
        self.commands.append(command)
        return ""


def run(monkeypatch, capsys, fake, check: bool = False, **params) -> dict:
    # The role's module_utils, importable as Ansible makes it for the module.
    monkeypatch.setitem(sys.modules, "ansible.module_utils.haproxy_stat",
                        load(ROLE / "module_utils" / "haproxy_stat.py", "haproxy_stat"))
    module = load(ROLE / "library" / "haproxy_server.py", "haproxy_server")
    args = {"socket": "/run/haproxy/admin.sock", "server": "ctl-1", "backends": ["glance_api"],
            "_ansible_check_mode": check, **params}
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    monkeypatch.setattr(module, "ask", fake)
    monkeypatch.setattr(module.time, "sleep", lambda _s: None)
    with pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


def test_drain_sets_the_state_on_the_given_backends(monkeypatch, capsys):
    fake = FakeSocket(stat("UP"))
    result = run(monkeypatch, capsys, fake, state="drain")
    assert result["changed"] and result["carried"], result
    assert fake.commands == ["set server glance_api/ctl-1 state drain"]


def test_the_idle_wait_lasts_until_no_request_is_held_on_any_backend(monkeypatch, capsys):
    fake = FakeSocket(stat("DRAIN", 2), stat("DRAIN", 1), stat("DRAIN", 0))
    result = run(monkeypatch, capsys, fake, state="drain", wait_idle=True,
                 idle_backends=["glance_api", "glance_api_data"])
    assert not result["changed"] and result["status"] == "DRAIN" and fake.commands == [], result
    assert fake.snapshots == [stat("DRAIN", 0)]


def test_the_idle_wait_fails_after_its_timeout(monkeypatch, capsys):
    fake = FakeSocket(stat("DRAIN", 1))
    result = run(monkeypatch, capsys, fake, state="drain", wait_idle=True, idle_backends=["glance_api"], timeout=0)
    assert result["failed"] and "still holds requests" in result["msg"], result


def test_ready_waits_for_a_passing_check_then_puts_it_back_with_its_weight(monkeypatch, capsys):
    fake = FakeSocket(stat("DOWN"), stat("DOWN"), stat("DRAIN"), stat("UP"))
    result = run(monkeypatch, capsys, fake, state="ready", weight=1,
                 weight_backends=["glance_api", "glance_api_data"])
    assert result["changed"], result
    assert fake.commands == ["set server glance_api/ctl-1 state ready", "set weight glance_api/ctl-1 1",
                             "set weight glance_api_data/ctl-1 1"]


def test_a_load_balancer_without_the_server_is_left_alone(monkeypatch, capsys):
    fake = FakeSocket(HEADER + "glance_api,ctl-2,0,0,0,5,,50,UP,0\n")
    result = run(monkeypatch, capsys, fake, state="ready")
    assert not result["changed"] and not result["carried"] and fake.commands == [], result


def test_a_load_balancer_that_does_not_answer_is_left_alone(monkeypatch, capsys):
    def refused(_path, _command):
        raise ConnectionRefusedError("refused")

    result = run(monkeypatch, capsys, refused, state="drain")
    assert not result["changed"] and not result["carried"], result


def test_check_mode_reports_the_drain_and_sends_nothing(monkeypatch, capsys):
    fake = FakeSocket(stat("UP"))
    result = run(monkeypatch, capsys, fake, check=True, state="drain")
    assert result["changed"] and fake.commands == [], result


def test_a_setting_haproxy_refuses_fails_the_task(monkeypatch, capsys):
    def answer(_path, command):
        return stat("UP") if command == "show stat" else "No such server.\n"

    result = run(monkeypatch, capsys, answer, state="drain")
    assert result["failed"] and "No such server" in result["msg"], result

"""Unit tests of the glusterfs role's modules (library/gluster_peer.py, gluster_volume.py):
each runs its main() against a fake `gluster` that answers with recorded --xml outputs
(recorded/README.md) and records the commands it was given."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from ansible.module_utils import basic

LIBRARY = Path(__file__).resolve().parents[1] / "library"
RECORDED = Path(__file__).resolve().parent / "recorded"
BRICKS = [f"10.213.10.1{i}:/srv/gluster/bricks/glance" for i in (1, 2, 3)]
OPTIONS = {"storage.owner-uid": 42415, "network.ping-timeout": 10,
           "auth.allow": "10.213.10.11,10.213.10.12,10.213.10.13"}


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, LIBRARY / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeGluster:
    """run_command stand-in: `gluster ...` calls are answered by the first rule whose words
    start the call (a rule's answers are used in turn, the last one repeated); `hostname`
    answers as node 10.213.10.11."""

    def __init__(self, rules: dict[str, list[str]]):
        self.rules = {tuple(k.split()): list(v) for k, v in rules.items()}
        self.calls: list[list[str]] = []

    def __call__(self, argv, **_kwargs):  # set on the class: called without the module
        if argv[0] == "hostname":
            return (0, "10.213.10.11 \n", "") if "--all-ip-addresses" in argv else (0, "node-1\n", "")
        assert argv[:3] == ["gluster", "--mode=script", "--xml"], argv
        words = argv[3:]
        self.calls.append(words)
        for prefix, answers in self.rules.items():
            if tuple(words[:len(prefix)]) == prefix:
                answer = answers.pop(0) if len(answers) > 1 else answers[0]
                if answer.startswith("raw:"):
                    return 1, "", answer[4:]
                return 0, (RECORDED / f"{answer}.xml").read_text(), ""
        raise AssertionError(f"unexpected gluster call: {words}")

    def ran(self, *words: str) -> list[list[str]]:
        return [c for c in self.calls if c[:len(words)] == list(words)]


def run(monkeypatch, capsys, name: str, params: dict, fake: FakeGluster, check: bool = False) -> dict:
    module = load(name)
    args = dict(params, _ansible_check_mode=check)
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode())
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy")
    monkeypatch.setattr(basic.AnsibleModule, "run_command", fake)
    if hasattr(module, "time"):  # gluster_peer's wait for joining peers
        monkeypatch.setattr(module.time, "sleep", lambda _s: None)
    with pytest.raises(SystemExit):
        module.main()
    return json.loads(capsys.readouterr().out)


# --- gluster_volume ---------------------------------------------------------------------

def volume(monkeypatch, capsys, fake, check=False, **params):
    params = {"name": "glance", "bricks": BRICKS, "replica": 3, "force": True, "options": OPTIONS, **params}
    return run(monkeypatch, capsys, "gluster_volume", params, fake, check)


def test_a_missing_volume_is_created_with_replica_bricks_and_force_then_set_and_started(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["volume-list-empty", "volume-list-glance"],
                        "volume info glance": ["volume-info-created"], "volume create": ["ok"],
                        "volume set": ["ok"], "volume start": ["ok"]})
    result = volume(monkeypatch, capsys, fake)
    assert result["changed"] and result["created"] and result["started"], result
    assert fake.ran("volume", "create") == [["volume", "create", "glance", "replica", "3", *BRICKS, "force"]]
    assert sorted(c[3] for c in fake.ran("volume", "set")) == sorted(OPTIONS)
    # Options before the start: the bricks start with the owner ids and auth.allow in place.
    assert fake.calls.index(fake.ran("volume", "start")[0]) > max(fake.calls.index(c) for c in fake.ran("volume", "set"))


def test_the_arbiter_goes_into_the_create_command(monkeypatch, capsys):
    bricks = BRICKS[:2] + ["10.213.10.13:/srv/gluster/arbiter/glance"]
    fake = FakeGluster({"volume list": ["volume-list-empty", "volume-list-glance"],
                        "volume info glance": ["volume-info-created"], "volume create": ["ok"],
                        "volume set": ["ok"], "volume start": ["ok"]})
    volume(monkeypatch, capsys, fake, bricks=bricks, arbiter=1, force=False)
    assert fake.ran("volume", "create") == [["volume", "create", "glance", "replica", "3", "arbiter", "1", *bricks]]


def test_an_existing_arbiter_volume_in_its_own_order_is_accepted(monkeypatch, capsys):
    bricks = ["10.213.10.13:/srv/gluster/arbiter/glance", *BRICKS[:2]]
    fake = FakeGluster({"volume list": ["volume-list-glance"], "volume info glance": ["volume-info-arbiter"]})
    result = volume(monkeypatch, capsys, fake, bricks=bricks, arbiter=1, options={})
    assert not result.get("failed") and not result["changed"], result


def test_a_converged_volume_changes_nothing(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["volume-list-glance"], "volume info glance": ["volume-info-replica3"]})
    result = volume(monkeypatch, capsys, fake)
    assert not result["changed"] and result["options_set"] == {}, result
    assert not fake.ran("volume", "set") and not fake.ran("volume", "start")


def test_only_differing_options_are_set(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["volume-list-glance"], "volume info glance": ["volume-info-replica3"],
                        "volume set": ["ok"]})
    result = volume(monkeypatch, capsys, fake, options=dict(OPTIONS, **{"network.ping-timeout": 5}))
    assert result["changed"] and result["options_set"] == {"network.ping-timeout": "5"}, result
    assert fake.ran("volume", "set") == [["volume", "set", "glance", "network.ping-timeout", "5"]]


def test_other_bricks_are_refused_not_reshaped(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["volume-list-glance"], "volume info glance": ["volume-info-replica3"]})
    result = volume(monkeypatch, capsys, fake, bricks=BRICKS[:2] + ["10.213.10.14:/srv/gluster/bricks/glance"])
    assert result["failed"] and "exists with other bricks" in result["msg"], result
    assert result["existing_bricks"] == BRICKS
    assert [c[:2] for c in fake.calls] == [["volume", "list"], ["volume", "info"]]


def test_check_mode_reports_a_creation_and_runs_nothing_that_writes(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["volume-list-empty"]})
    result = volume(monkeypatch, capsys, fake, check=True)
    assert result["changed"] and result["created"], result
    assert fake.calls == [["volume", "list"]]


def test_check_mode_on_an_existing_volume_sets_no_option(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["volume-list-glance"], "volume info glance": ["volume-info-created"]})
    result = volume(monkeypatch, capsys, fake, check=True)
    assert result["changed"] and result["started"] and set(result["options_set"]) == set(OPTIONS), result
    assert not fake.ran("volume", "set") and not fake.ran("volume", "start")


def test_an_error_answer_with_exit_0_fails(monkeypatch, capsys):
    """gluster exits 0 with opRet -1: the module must read opRet."""
    fake = FakeGluster({"volume list": ["volume-list-empty"], "volume create": ["volume-create-exists"]})
    result = volume(monkeypatch, capsys, fake)
    assert result["failed"] and "Volume glance already exists" in result["msg"], result


def test_output_that_is_not_xml_fails_with_its_text(monkeypatch, capsys):
    fake = FakeGluster({"volume list": ["raw:Connection failed. Please check if gluster daemon is operational."]})
    result = volume(monkeypatch, capsys, fake)
    assert result["failed"] and "gluster daemon is operational" in result["msg"], result


# --- gluster_peer -----------------------------------------------------------------------

PEERS = ["10.213.10.11", "10.213.10.12", "10.213.10.13"]


def test_peers_already_in_the_pool_are_not_probed(monkeypatch, capsys):
    fake = FakeGluster({"pool list": ["pool-list-3"]})
    result = run(monkeypatch, capsys, "gluster_peer", {"peers": PEERS}, fake)
    assert not result["changed"] and result["probed"] == [], result
    assert not fake.ran("peer", "probe")


def test_missing_peers_are_probed_without_this_node_and_awaited(monkeypatch, capsys):
    fake = FakeGluster({"pool list": ["pool-list-alone", "pool-list-joining", "pool-list-3"], "peer probe": ["ok"]})
    result = run(monkeypatch, capsys, "gluster_peer", {"peers": PEERS}, fake)
    assert result["changed"] and result["probed"] == PEERS[1:], result
    assert fake.ran("peer", "probe") == [["peer", "probe", p] for p in PEERS[1:]]
    # Joining (state 5) is waited out until every peer is "Peer in Cluster".
    assert len(fake.ran("pool", "list")) == 3


def test_a_peer_that_never_joins_fails_after_the_timeout(monkeypatch, capsys):
    fake = FakeGluster({"pool list": ["pool-list-alone", "pool-list-joining"], "peer probe": ["ok"]})
    result = run(monkeypatch, capsys, "gluster_peer", {"peers": PEERS, "timeout": 0}, fake)
    assert result["failed"] and "10.213.10.13" in result["msg"] and "10.213.10.12" not in result["msg"], result


def test_check_mode_reports_the_probe_and_probes_nothing(monkeypatch, capsys):
    fake = FakeGluster({"pool list": ["pool-list-alone"]})
    result = run(monkeypatch, capsys, "gluster_peer", {"peers": PEERS}, fake, check=True)
    assert result["changed"] and result["probed"] == PEERS[1:], result
    assert not fake.ran("peer", "probe")


def test_without_probe_peers_are_only_awaited_from_this_node(monkeypatch, capsys):
    # This member knows no peer yet, then one still joining, then all in the cluster
    # (counted: a member may know the node that probed it by another name).
    fake = FakeGluster({"pool list": ["pool-list-alone", "pool-list-joining", "pool-list-3"]})
    result = run(monkeypatch, capsys, "gluster_peer", {"peers": PEERS, "probe": False}, fake)
    assert not result["changed"] and result["probed"] == [], result
    assert not fake.ran("peer", "probe")
    assert len(fake.ran("pool", "list")) == 3


def test_without_probe_a_peer_never_seen_fails_after_the_timeout(monkeypatch, capsys):
    fake = FakeGluster({"pool list": ["pool-list-alone"]})
    result = run(monkeypatch, capsys, "gluster_peer", {"peers": PEERS, "probe": False, "timeout": 0}, fake)
    assert result["failed"] and "sees 0 of its 2 peers" in result["msg"], result
    assert not fake.ran("peer", "probe")

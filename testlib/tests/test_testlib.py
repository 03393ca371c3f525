"""Unit tests of the test library's parsers (no lab needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from testlib import haproxy, sampler, vip  # noqa: E402
from testlib.playbooks import recap, why_failed  # noqa: E402

RECAP = """
PLAY RECAP *********************************************************************
ctl-1                      : ok=80   changed=0    unreachable=0    failed=0    skipped=23   rescued=0    ignored=0
ctl-2                      : ok=59   changed=2    unreachable=0    failed=1    skipped=22   rescued=0    ignored=0
"""


def test_recap_reads_every_host_and_counter():
    hosts = recap("TASK [x]\nchanged: [ctl-2]\n" + RECAP)
    assert set(hosts) == {"ctl-1", "ctl-2"}
    assert hosts["ctl-1"]["changed"] == 0 and hosts["ctl-2"]["changed"] == 2 and hosts["ctl-2"]["failed"] == 1


def test_recap_of_an_output_without_one_is_empty():
    assert recap("ERROR! the playbook could not be found") == {}


def test_why_failed_names_each_failed_task_first():
    out = ("TASK [glance : Wait for glance-api] ****\nok: [ctl-1]\nfatal: [ctl-2]: FAILED! => {\"msg\": \"timed out\"}\n"
           "RUNNING HANDLER [haproxy : Reload] ****\nfailed: [ctl-3] (item=x) => {\"rc\": 1}\n" + RECAP)
    why = why_failed(subprocess.CompletedProcess([], 2, out, "boom"))
    first = why.splitlines()[0]
    assert first.startswith("[glance : Wait for glance-api] fatal: [ctl-2]: FAILED!")
    assert "[haproxy : Reload] failed: [ctl-3] (item=x)" in first
    assert why.endswith("boom") and "PLAY RECAP" in why


def test_why_failed_of_a_run_without_a_failed_task_says_so():
    assert why_failed(subprocess.CompletedProcess([], 4, "ERROR! no inventory", "")).startswith("exit 4, no failed task")


def test_vip_holder_is_told_by_the_exact_address():
    out = "2: eth0    inet 10.0.0.11/24 brd 10.0.0.255 scope global eth0\n2: eth0    inet 10.0.0.100/32 scope global eth0"
    assert vip.holds(out, "10.0.0.100")
    assert not vip.holds(out, "10.0.0.10")


def test_server_status_uses_the_roles_parser():
    text = "# pxname,svname,status,bck\nglance_api,FRONTEND,OPEN,\nglance_api,ctl-1,UP,0\nglance_api,ctl-1-last-resort,no check,1\n"
    assert haproxy.server_status(text) == {("glance_api", "ctl-1"): {"pxname": "glance_api", "svname": "ctl-1",
                                                                      "status": "UP", "bck": "0"}}


def _watch(*snapshots):
    watch = haproxy.StateWatch(["lb-1", "lb-2"], "glance_api")
    watch.snapshots = list(snapshots)
    return watch


def test_out_windows_span_until_every_load_balancer_sees_the_server_up():
    watch = _watch(
        (1.0, "lb-1", {"a": "UP", "b": "UP"}),
        (1.1, "lb-2", {"a": "UP", "b": "UP"}),
        (2.0, "lb-1", {"a": "DRAIN", "b": "UP"}),
        (2.1, "lb-2", {"a": "DRAIN", "b": "UP"}),
        (3.0, "lb-1", {"a": "UP", "b": "UP"}),
        (3.1, "lb-2", {"a": "DOWN", "b": "UP"}),
        (4.0, "lb-1", {"a": "UP", "b": "UP"}),
        (4.1, "lb-2", {"a": "UP", "b": "DRAIN"}),
    )
    assert watch.out_windows("a") == [(2.0, 3.1)]
    assert watch.out_windows("b") == [(4.1, 4.1)]
    assert watch.most_out_at_once() == 1


def test_two_servers_out_in_one_snapshot_are_counted():
    watch = _watch((1.0, "lb-1", {"a": "DRAIN", "b": "DOWN", "c": "UP"}))
    assert watch.most_out_at_once() == 2


def test_a_server_whose_check_failed_once_still_serves():
    watch = _watch((1.0, "lb-1", {"a": "DOWN", "b": "UP 1/2", "c": "UP"}))
    assert watch.most_out_at_once() == 1


def test_a_node_listed_twice_while_its_way_switches_serves_while_one_server_does():
    watch = haproxy.StateWatch(["ctl-1", "ctl-10", "ctl-2"], "glance_api")
    rows = {"ctl-1": {"status": "DOWN", "weight": "1"}, "ctl-1-tls": {"status": "UP", "weight": "1"},
            "ctl-10": {"status": "UP", "weight": "1"}, "ctl-10-tls": {"status": "DOWN", "weight": "0"},
            "ctl-2": {"status": "DOWN", "weight": "1"}, "ctl-2-tls": {"status": "UP", "weight": "0"}}
    # ctl-2's TLS server passes its checks but takes no request yet: ctl-2 is out.
    assert watch.by_node(rows) == {"ctl-1": "UP", "ctl-10": "UP", "ctl-2": "DOWN"}


def test_legacy_releases_come_from_the_inventory_and_the_role():
    from testlib.cluster import legacy_releases

    deployed, newest, name = legacy_releases()
    # The scenario upgrades: the inventory's release must be one the role knows, and older.
    assert deployed != newest and name.isalpha() and name.islower()
    assert tuple(map(int, deployed.split("."))) < tuple(map(int, newest.split(".")))


def test_the_sampling_loop_frames_each_output_and_ends_when_its_reader_stops():
    proc = subprocess.Popen([sys.executable, "-c", sampler.LOOP, "0.05", "printf 'a\\nb'"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    stamps = []
    for _ in range(3):
        stamp, size = proc.stdout.readline().split()
        assert proc.stdout.read(int(size)) == b"a\nb"
        stamps.append(float(stamp))
    assert stamps == sorted(stamps) and stamps[-1] - stamps[0] >= 0.1
    proc.stdin.close()
    assert proc.wait(timeout=5) == 0

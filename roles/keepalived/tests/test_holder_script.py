"""The notify script that gives the settled VIP holder its priority bonus, rendered from the
role's template and run with sh; `ip` is a stub that reports the VIP present or absent."""

import subprocess
import time
from pathlib import Path

import jinja2
import pytest

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "glance-vip-holder.j2"
VIP = "10.213.20.10"


@pytest.fixture
def node(tmp_path):
    """A rendered script, its bonus file, and a switch for whether the node holds the VIP."""
    state = tmp_path / "state"
    script = tmp_path / "holder"
    script.write_text(jinja2.Template(TEMPLATE.read_text()).render(
        ansible_managed="test", keepalived_holder_file=str(tmp_path / "bonus"),
        keepalived_holder_bonus=50, keepalived_holder_settle=1, keepalived_vip_address=VIP))
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "ip").write_text(f"#!/bin/sh\n[ -e {state}/vip ] && echo '2: eth0 inet {VIP}/24'\nexit 0\n")
    (stub / "ip").chmod(0o755)

    class Node:
        bonus = tmp_path / "bonus"

        @staticmethod
        def holds_vip(present):
            (state / "vip").unlink(missing_ok=True)
            if present:
                (state / "vip").touch()

        @staticmethod
        def notify(new_state):
            return subprocess.Popen(["sh", str(script), "INSTANCE", "glance_vip", new_state],
                                    stdout=subprocess.PIPE, text=True,
                                    env={"PATH": f"{stub}:/usr/bin:/bin"})

    state.mkdir()
    return Node


def test_a_settled_holder_takes_the_bonus(node):
    node.holds_vip(True)
    run = node.notify("MASTER")
    assert run.communicate(timeout=10)[0].strip() == "bonus taken"
    assert node.bonus.read_text().strip() == "1"


def test_a_claimant_that_lost_the_vip_in_its_wait_takes_none(node):
    node.holds_vip(True)
    master = node.notify("MASTER")
    time.sleep(0.3)
    node.holds_vip(False)
    node.notify("BACKUP").wait(timeout=10)
    assert master.communicate(timeout=10)[0] == ""
    assert node.bonus.read_text().strip() == "0"


def test_a_wait_overtaken_by_a_later_claim_gives_no_bonus(node):
    """The CI failure of 2026-12-02: MASTER, BACKUP 0.3 s later, then every node paused; at the
    thaw the node claimed the VIP again for 50 ms, and the first MASTER run, its wait over,
    saw the VIP and wrote the bonus that outbid the settled holder. Only the newest run acts."""
    node.holds_vip(True)
    first = node.notify("MASTER")
    time.sleep(0.2)
    node.holds_vip(False)
    node.notify("BACKUP").wait(timeout=10)
    time.sleep(0.5)
    node.holds_vip(True)
    second = node.notify("MASTER")
    assert first.communicate(timeout=10)[0] == "", "a run overtaken by later state changes wrote the bonus"
    assert node.bonus.read_text().strip() == "0"
    # The newest claim gives up too before its wait is over: it must not take the bonus either.
    node.holds_vip(False)
    node.notify("BACKUP").wait(timeout=10)
    assert second.communicate(timeout=10)[0] == ""
    assert node.bonus.read_text().strip() == "0"

"""Unit tests of the Galera bootstrap decision (filter_plugins/galera.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "galera_filters", Path(__file__).resolve().parents[1] / "filter_plugins" / "galera.py")
galera = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(galera)

GRASTATE = """# GALERA saved state
version: 2.1
uuid:    9acf4d34-acdb-11e6-bcc3-d3e36276629f
seqno:   {seqno}
safe_to_bootstrap: {safe}
"""


def member(host, primary=False, seqno=None, safe=0, recovered=None):
    text = GRASTATE.format(seqno=seqno, safe=safe) if seqno is not None else None
    return {"host": host, "running_primary": primary, "grastate": galera.galera_grastate(text),
            "recovered_seqno": recovered}


def test_grastate_parses_keys_and_skips_comments():
    state = galera.galera_grastate(GRASTATE.format(seqno=42, safe=1))
    assert state == {"version": "2.1", "uuid": "9acf4d34-acdb-11e6-bcc3-d3e36276629f",
                     "seqno": "42", "safe_to_bootstrap": "1"}
    assert galera.galera_grastate(None) == {}


def test_running_cluster_is_left_alone():
    plan = galera.galera_bootstrap_plan([member("a", primary=True), member("b"), member("c")])
    assert plan["action"] == "none"


def test_new_cluster_bootstraps_from_the_first_member():
    plan = galera.galera_bootstrap_plan([member("a"), member("b"), member("c")])
    assert (plan["action"], plan["host"]) == ("bootstrap", "a")


def test_after_an_orderly_stop_the_last_member_to_leave_bootstraps():
    plan = galera.galera_bootstrap_plan([member("a", seqno=10), member("b", seqno=12, safe=1),
                                         member("c", seqno=11)])
    assert (plan["action"], plan["host"]) == ("bootstrap", "b")


def test_after_a_total_crash_the_most_advanced_recovered_member_bootstraps():
    plan = galera.galera_bootstrap_plan([member("a", seqno=-1, recovered=40), member("b", seqno=-1, recovered=42),
                                         member("c", seqno=-1, recovered=41)])
    assert (plan["action"], plan["host"]) == ("bootstrap", "b")
    assert "most advanced" in plan["reason"]


def test_an_unknown_position_refuses_and_names_the_positions():
    plan = galera.galera_bootstrap_plan([member("a", seqno=-1, recovered=40), member("b", seqno=-1),
                                         member("c", seqno=-1, recovered=41)])
    assert plan["action"] == "refuse"
    assert "b position unknown" in plan["reason"] and "galera_force_bootstrap_host" in plan["reason"]


def test_an_operator_can_force_the_bootstrap_member_when_positions_are_unknown():
    plan = galera.galera_bootstrap_plan([member("a", seqno=-1), member("b", seqno=-1)], force="b")
    assert (plan["action"], plan["host"]) == ("bootstrap", "b")


def test_a_forced_member_behind_another_is_refused():
    plan = galera.galera_bootstrap_plan([member("a", seqno=12, safe=1), member("b", seqno=10)], force="b")
    assert plan["action"] == "refuse" and "behind another member" in plan["reason"]


def test_recovered_position_is_read_from_galera_recovery():
    out = "WSREP: Recovered position 9acf4d34-acdb-11e6-bcc3-d3e36276629f:17\n--wsrep_start_position=9acf4d34-acdb-11e6-bcc3-d3e36276629f:17\n"
    assert galera.galera_recovered_seqno(out) == 17
    assert galera.galera_recovered_seqno("") is None

"""Unit tests of the show stat parser (module_utils/haproxy_stat.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_path = Path(__file__).resolve().parents[1] / "module_utils" / "haproxy_stat.py"
_spec = importlib.util.spec_from_file_location("haproxy_stat", _path)
haproxy_stat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(haproxy_stat)

STAT = """# pxname,svname,qcur,qmax,scur,smax,slim,stot,status,bck
glance_api,FRONTEND,,,3,9,4096,100,OPEN,
glance_api,ctl-1,0,0,2,5,,50,DRAIN,0
glance_api,ctl-2,0,0,0,5,,50,UP,0
glance_api,ctl-1-last-resort,0,0,4,5,,50,no check,1
glance_api_data,ctl-1,1,1,1,2,,10,DRAIN,0
glance_api_data,ctl-2,0,0,0,2,,10,UP,0
glance_registry,ctl-1,0,0,7,7,,10,UP,0
"""


GLANCE = ["glance_api", "glance_api_data"]


def test_load_counts_sessions_and_queue_of_the_given_backends_only():
    assert haproxy_stat.haproxy_server_load(STAT, "ctl-1", GLANCE) == 2 + 1 + 1
    assert haproxy_stat.haproxy_server_load(STAT, "ctl-2", GLANCE) == 0
    assert haproxy_stat.haproxy_server_load(STAT, "ctl-1", ["glance_registry"]) == 7


def test_status_is_the_given_backends():
    assert haproxy_stat.haproxy_server_status(STAT, "ctl-1", "glance_api") == "DRAIN"
    assert haproxy_stat.haproxy_server_status(STAT, "ctl-2", "glance_api") == "UP"


def test_an_unknown_server_is_an_error_not_idle():
    with pytest.raises(ValueError):
        haproxy_stat.haproxy_server_load(STAT, "ctl-9", GLANCE)
    with pytest.raises(ValueError):
        haproxy_stat.haproxy_server_status(STAT, "ctl-9", "glance_api")


def test_rows_are_every_proxy_and_server_by_field_name():
    rows = haproxy_stat.haproxy_stat_rows(STAT)
    assert len(rows) == 7
    assert rows[1]["pxname"] == "glance_api" and rows[1]["svname"] == "ctl-1" and rows[1]["status"] == "DRAIN"


def test_checked_servers_leave_out_frontends_and_last_resort_backups():
    names = [(r["pxname"], r["svname"]) for r in haproxy_stat.haproxy_checked_servers(haproxy_stat.haproxy_stat_rows(STAT))]
    assert ("glance_api", "FRONTEND") not in names
    assert ("glance_api", "ctl-1-last-resort") not in names
    assert ("glance_registry", "ctl-1") in names and len(names) == 5

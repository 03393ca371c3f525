"""Unit tests of glusterfs-wait-bricks (files/glusterfs-wait-bricks.py) on recorded answers."""

from __future__ import annotations

from importlib.machinery import SourceFileLoader
from importlib.util import module_from_spec, spec_from_loader
from pathlib import Path

HERE = Path(__file__).resolve().parent
_loader = SourceFileLoader("wait_bricks", str(HERE.parent / "files" / "glusterfs-wait-bricks.py"))
wait_bricks = module_from_spec(spec_from_loader("wait_bricks", _loader))
_loader.exec_module(wait_bricks)


def test_online_bricks_are_counted_without_the_self_heal_daemons():
    assert wait_bricks.online_bricks((HERE / "recorded" / "volume-status-online.xml").read_text()) == 3


def test_no_brick_online_and_no_answer_count_zero():
    assert wait_bricks.online_bricks((HERE / "recorded" / "volume-status-offline.xml").read_text()) == 0
    assert wait_bricks.online_bricks("") == 0
    assert wait_bricks.online_bricks("Quorum not met. Volume operation not allowed.") == 0

"""The scenarios' lock (plugins/callback/scenario_lock.py): a real ansible-playbook run with the
callback enabled holds the lock shared while it runs; molecule's destroy playbook and a run
without GLANCE_HA_SCENARIO_LOCK do not take it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def exclusive_refused_during(tmp_path: Path, name: str, named: bool) -> bool:
    """Run playbook `name` (GLANCE_HA_SCENARIO_LOCK set when `named`) whose one task asks for
    the lock exclusively without waiting: True when that was refused (the run itself held it)."""
    lock = tmp_path / "lock"
    play = tmp_path / name
    play.write_text(f"""- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Ask for the lock exclusively
      ansible.builtin.command: flock --nonblock --exclusive {lock} true
      register: asked
      changed_when: false
      failed_when: false
    - name: Print the answer
      ansible.builtin.debug:
        msg: "exclusive rc={{{{ asked.rc }}}}"
""")
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"),
               ANSIBLE_CALLBACK_PLUGINS=str(PROJECT / "plugins" / "callback"),
               ANSIBLE_CALLBACKS_ENABLED="scenario_lock")
    env.pop("GLANCE_HA_SCENARIO_LOCK", None)
    if named:
        env["GLANCE_HA_SCENARIO_LOCK"] = str(lock)
    run = subprocess.run([str(PLAYBOOK), "-i", "localhost,", str(play)], cwd=PROJECT, env=env,
                         capture_output=True, text=True, check=True)
    assert "exclusive rc=" in run.stdout, run.stdout
    return "exclusive rc=1" in run.stdout


def test_a_playbook_holds_the_lock_shared_while_it_runs(tmp_path):
    assert exclusive_refused_during(tmp_path, "converge.yml", named=True)


@pytest.mark.parametrize(("name", "named"), [("destroy.yml", True), ("converge.yml", False)])
def test_destroy_and_a_run_without_the_variable_leave_it_free(tmp_path, name, named):
    assert not exclusive_refused_during(tmp_path, name, named)

"""The strategy plugin's compile cache (plugins/strategy/linear_mitogen.py): the templates,
expressions and template files a run compiled are loaded by the next run and render as
they did; an entry that cannot be read is compiled again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"
PLAY = """- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    names: [a, b]
    path: 'c:\\\\new'
  tasks:
    - name: Render an expression, a template and a file
      ansible.builtin.debug:
        msg: "{{ {'joined': names | join('-') ~ '{{ 1 + 1 }}', 'when': names | length > 1, 'path': path,
                  'file': lookup('ansible.builtin.template', 'list.j2')} | to_json }}"
      when: names | length > 1
"""


def run(tmp_path: Path, cache: Path) -> dict:
    (tmp_path / "play.yml").write_text(PLAY)
    (tmp_path / "list.j2").write_text("{% for n in names %}[{{ n }}]{% endfor %}\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"), GLANCE_HA_JINJA_CACHE=str(cache),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    out = subprocess.run([str(PLAYBOOK), str(tmp_path / "play.yml")], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(json.loads(out)["plays"][0]["tasks"][0]["hosts"]["localhost"]["msg"])


def test_a_second_run_loads_what_the_first_compiled_and_renders_the_same(tmp_path):
    cache = tmp_path / "cache"
    first = run(tmp_path, cache)
    entries = sorted(p.name for p in cache.iterdir())
    assert entries and not [name for name in entries if name.startswith(".new-")]
    stamps = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    # The first run compiled everything (what it rendered is what Ansible renders), the second
    # loaded everything.
    assert first == {"joined": "a-b{{ 1 + 1 }}", "when": True, "path": "c:\\\\new", "file": "[a][b]\n"}
    assert run(tmp_path, cache) == first
    # Nothing compiled again: the same entries, none rewritten.
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == stamps


def test_an_unreadable_entry_is_compiled_again(tmp_path):
    cache = tmp_path / "cache"
    first = run(tmp_path, cache)
    for entry in cache.iterdir():
        entry.write_bytes(b"\x00")
    assert run(tmp_path, cache) == first

"""The fact cache (plugins/cache/private_jsonfile.py), as ansible.cfg sets it: a real
ansible run caches localhost's facts in a 0700 directory, in 0600 files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PLAYBOOK = Path(sys.executable).parent / "ansible-playbook"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def gather(directory: Path) -> None:
    play = directory.parent / "gather.yml"
    play.write_text("- hosts: localhost\n  connection: local\n  gather_facts: true\n  gather_subset: [min]\n")
    env = dict(os.environ, ANSIBLE_CONFIG=str(PROJECT / "ansible.cfg"),
               ANSIBLE_CACHE_PLUGIN_CONNECTION=str(directory))
    subprocess.run([str(PLAYBOOK), str(play)], cwd=PROJECT, env=env, check=True, capture_output=True, text=True)


def test_a_new_cache_directory_and_its_files_are_owner_only(tmp_path):
    directory = tmp_path / "facts"
    gather(directory)
    assert mode(directory) == 0o700
    files = list(directory.iterdir())
    assert files and all(mode(f) == 0o600 for f in files), [(f.name, oct(mode(f))) for f in files]


def test_an_existing_open_cache_is_closed_down(tmp_path):
    directory = tmp_path / "facts"
    directory.mkdir(mode=0o755)
    gather(directory)
    for path in [directory, *directory.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    gather(directory)
    assert mode(directory) == 0o700
    files = list(directory.iterdir())
    assert files and all(mode(f) == 0o600 for f in files), [(f.name, oct(mode(f))) for f in files]

"""Loads the role's helper scripts (files/, some with dashes in their names) as modules."""

from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import SourceFileLoader
from pathlib import Path

FILES = Path(__file__).resolve().parents[1] / "files"
# The helpers import the role's own modules (installed next to glance on the nodes).
sys.path.insert(0, str(FILES))


def load_file(name: str, module: str):
    loader = SourceFileLoader(module, str(FILES / name))
    spec = importlib.util.spec_from_loader(module, loader)
    loaded = importlib.util.module_from_spec(spec)
    loader.exec_module(loaded)
    return loaded

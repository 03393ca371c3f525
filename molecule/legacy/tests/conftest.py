"""The legacy scenario's tests use the default scenario's helpers and fixtures (loaded
from there, so both scenarios share one copy), and its day-2 helpers (module day2)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_DEFAULT_TESTS = Path(__file__).resolve().parents[2] / "default" / "tests"
sys.path.insert(0, str(_DEFAULT_TESTS))
_spec = importlib.util.spec_from_file_location("glance_ha_cluster", _DEFAULT_TESTS / "conftest.py")
_common = importlib.util.module_from_spec(_spec)
sys.modules["glance_ha_cluster"] = _common
_spec.loader.exec_module(_common)

# Fixtures and helpers, as if defined here (pytest collects fixtures from this module).
globals().update({k: v for k, v in vars(_common).items() if not k.startswith("__")})

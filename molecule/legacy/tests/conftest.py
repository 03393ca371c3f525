"""The scenario's fixtures and hooks: the project's test library (testlib/), shared by both
scenarios and the benchmarks. The tests import its helpers from testlib directly."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from testlib.cluster import *  # noqa: E402,F401,F403 - pytest collects fixtures and hooks from here

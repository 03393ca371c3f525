"""Hold the scenarios' lock shared for as long as this ansible-playbook runs.

CI runs molecule scenarios side by side: they converge together, and each one's tests take
the same lock exclusively (testlib.cluster), so no load test runs while another scenario
converges. In CI, bookworm's tests started while legacy still converged and its kill test
failed 236 of 600 requests before anything was killed (every glance-api too slow for its
health checks). The lock is taken when a playbook starts and released by the kernel when
the process ends, however it ends: no step can leave it held.

The lock file is named by GLANCE_HA_SCENARIO_LOCK (the molecule configuration sets it);
unset, the plugin does nothing. The tests' own playbook runs do not enable it (they run
under the exclusive lock their session holds), and molecule's destroy playbook does not wait
for it: removing a scenario's containers frees the machine for the tests that hold it.
"""

from __future__ import annotations

import fcntl
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
    name: scenario_lock
    type: aggregate
    short_description: Holds a shared flock on GLANCE_HA_SCENARIO_LOCK while the playbook runs.
    description:
        - Scenarios that converge side by side hold it shared; a scenario's tests take it
          exclusively, so they wait for every converge to end.
    author: glance-ha
    requirements:
        - enabled in callbacks_enabled
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "scenario_lock"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._lock = None

    def v2_playbook_on_start(self, playbook):
        path = os.environ.get("GLANCE_HA_SCENARIO_LOCK")
        if not path or self._lock is not None or os.path.basename(playbook._file_name) == "destroy.yml":
            return
        self._lock = open(path, "a")  # noqa: SIM115 - held until the process ends
        try:
            fcntl.flock(self._lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            t0 = time.monotonic()
            self._display.display(f"waiting for {path}: another scenario's tests are running")
            fcntl.flock(self._lock, fcntl.LOCK_SH)
            self._display.display(f"waited {time.monotonic() - t0:.0f} s for {path}")

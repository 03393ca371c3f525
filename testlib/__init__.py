"""The one library of the tests (both molecule scenarios) and of benchmarks/: what they
need of a running lab. Nothing here asserts on its own; the tests do, the benchmarks print.

- cluster: the scenarios' fixtures and helpers (nodes, waits, playbook runs, incident report)
- day2: the store-change playbook under load
- haproxy: HAProxy's `show stat`, read with the haproxy role's own parser
- openstack: Keystone session and a glance v2 client (upload, sha256, ...)
- playbooks: ansible-playbook's recap
- loadgen, stallwatch: the request stream and the machine-pause recorder
"""

import functools
import importlib.util
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]


@functools.cache
def role_python(path: str):
    """A role's Python file (e.g. "haproxy/module_utils/haproxy_stat.py") as a module: the
    tests and benchmarks read what the roles read with the roles' own code."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, PROJECT / "roles" / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

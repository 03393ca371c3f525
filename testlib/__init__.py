"""The one library of the tests (both molecule scenarios) and of benchmarks/: what they
need of a running lab. Nothing here asserts on its own; the tests do, the benchmarks print.

- cluster: the scenarios' fixtures and helpers (nodes, waits, playbook runs, incident report)
- day2: the store-change playbook under load
- haproxy: HAProxy's `show stat`, read with the haproxy role's own parser
- openstack: Keystone session and a glance v2 client (upload, sha256, ...)
- playbooks: ansible-playbook's recap
- loadgen, stallwatch: the request stream and the machine-pause recorder
"""

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]

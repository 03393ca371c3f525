"""HAProxy's `show stat` through the haproxy role's filter plugin: one parser of it in the
project (the role's drain, its read_stat, playbooks/status.yml, the tests, the benchmarks)."""

from __future__ import annotations

import importlib.util

from testlib import PROJECT

_spec = importlib.util.spec_from_file_location(
    "haproxy_stat", PROJECT / "roles" / "haproxy" / "filter_plugins" / "haproxy_stat.py")
_filters = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_filters)

# `echo 'show stat' | socat ...` on a node: its output goes to rows().
SHOW_STAT = "echo 'show stat' | socat stdio /run/haproxy/admin.sock"
rows = _filters.haproxy_stat_rows
checked_servers = _filters.haproxy_checked_servers


def by_name(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The rows by (proxy, server or FRONTEND/BACKEND)."""
    return {(row["pxname"], row["svname"]): row for row in rows(text)}


def server_status(text: str) -> dict[tuple[str, str], dict[str, str]]:
    """The checked servers' rows by (proxy, server)."""
    return {(row["pxname"], row["svname"]): row for row in checked_servers(rows(text))}

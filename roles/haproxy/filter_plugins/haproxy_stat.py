"""Filters reading HAProxy's `show stat` CSV: the parser in module_utils/haproxy_stat.py, which
the role's haproxy_server module imports as ansible.module_utils.haproxy_stat (a filter
plugin cannot import a role's module_utils by name, so it is loaded from its file)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "glance_ha_haproxy_stat", Path(__file__).resolve().parents[1] / "module_utils" / "haproxy_stat.py")
_parser = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_parser)

haproxy_stat_rows = _parser.haproxy_stat_rows
haproxy_checked_servers = _parser.haproxy_checked_servers


class FilterModule:
    def filters(self):
        return {
            "haproxy_stat_rows": haproxy_stat_rows,
            "haproxy_checked_servers": haproxy_checked_servers,
        }

"""Filters reading HAProxy's `show stat` CSV (from the admin socket) for one server."""

from __future__ import annotations

import csv
import io

BACKENDS = ("glance_api", "glance_api_data")


def _rows(show_stat: str, server: str) -> list[dict[str, str]]:
    text = show_stat.lstrip("# ")
    reader = csv.DictReader(io.StringIO(text))
    return [row for row in reader
            if row.get("pxname") in BACKENDS and row.get("svname") == server]


def haproxy_server_load(show_stat: str, server: str) -> int:
    """Requests the server holds or has queued, over the glance backends.

    Raises when the server is in none of them: a typo must not read as "idle".
    """
    rows = _rows(show_stat, server)
    if not rows:
        raise ValueError(f"server {server!r} is in none of the backends {BACKENDS}")
    return sum(int(row["scur"] or 0) + int(row["qcur"] or 0) for row in rows)


def haproxy_server_status(show_stat: str, server: str) -> str:
    """The server's status in the API backend (UP, DOWN, DRAIN, MAINT, ...)."""
    for row in _rows(show_stat, server):
        if row["pxname"] == BACKENDS[0]:
            return row["status"]
    raise ValueError(f"server {server!r} is not in backend {BACKENDS[0]}")


class FilterModule:
    def filters(self):
        return {
            "haproxy_server_load": haproxy_server_load,
            "haproxy_server_status": haproxy_server_status,
        }

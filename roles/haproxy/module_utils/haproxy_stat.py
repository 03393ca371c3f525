"""HAProxy's `show stat` CSV (from the admin socket): the one parser of it in the project.
The haproxy_server module imports it; filter_plugins/haproxy_stat.py hands it to templates
and playbooks (playbooks/status.yml); the tests and their library load this file."""

from __future__ import annotations

import csv
import io


def haproxy_stat_rows(show_stat: str) -> list[dict[str, str]]:
    """Every row of `show stat`: a dict of its CSV fields (pxname, svname, status, scur, ...)."""
    return [row for row in csv.DictReader(io.StringIO(show_stat.lstrip("# "))) if row.get("svname")]


def haproxy_checked_servers(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """The servers' rows, without the proxies' FRONTEND/BACKEND rows and the unchecked
    last-resort backups (whose status is always "no check")."""
    return [row for row in rows if row["svname"] not in ("FRONTEND", "BACKEND") and row.get("bck") != "1"]


def haproxy_server_rows(show_stat: str, server: str, backends: list[str]) -> list[dict[str, str]]:
    """The server's rows in those backends (none: they do not list it)."""
    return [row for row in haproxy_stat_rows(show_stat)
            if row.get("pxname") in backends and row.get("svname") == server]


def haproxy_server_load(show_stat: str, server: str, backends: list[str]) -> int:
    """Requests the server holds or has queued, over the given backends.

    Raises when the server is in none of them: a typo must not read as "idle".
    """
    rows = haproxy_server_rows(show_stat, server, backends)
    if not rows:
        raise ValueError(f"server {server!r} is in none of the backends {backends}")
    return sum(int(row["scur"] or 0) + int(row["qcur"] or 0) for row in rows)


def haproxy_server_status(show_stat: str, server: str, backend: str) -> str:
    """The server's status in that backend (UP, DOWN, DRAIN, MAINT, ...)."""
    for row in haproxy_server_rows(show_stat, server, [backend]):
        return row["status"]
    raise ValueError(f"server {server!r} is not in backend {backend}")

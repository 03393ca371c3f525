"""Writing values into haproxy.cfg, and the names of the backends it has."""

from __future__ import annotations


def haproxy_quote(value: str) -> str:
    """One haproxy.cfg word that reads back as `value`, whatever it holds: in single quotes
    HAProxy takes every character literally (no `$VAR` expansion, no `#` comment, spaces
    kept); a single quote itself closes the quotes, is escaped, and they reopen (the pieces
    of one word are joined, as in a shell)."""
    return "'" + str(value).replace("'", "'\\''") + "'"


def haproxy_data_backend(service: dict) -> str:
    """The backend of a service's image data (its requests matching data_path_regex)."""
    return f"{service['name']}_data"


def haproxy_backend_names(services: list[dict]) -> list[str]:
    """Every backend of these services: each one's own, then the data backends of those
    that have one (data_path_regex)."""
    return ([service["name"] for service in services]
            + [haproxy_data_backend(service) for service in services if "data_path_regex" in service])


class FilterModule:
    def filters(self):
        return {"haproxy_quote": haproxy_quote, "haproxy_data_backend": haproxy_data_backend,
                "haproxy_backend_names": haproxy_backend_names}

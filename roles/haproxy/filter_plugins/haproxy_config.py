"""Writing values into haproxy.cfg."""

from __future__ import annotations


def haproxy_quote(value: str) -> str:
    """One haproxy.cfg word that reads back as `value`, whatever it holds: in single quotes
    HAProxy takes every character literally (no `$VAR` expansion, no `#` comment, spaces
    kept); a single quote itself closes the quotes, is escaped, and they reopen (the pieces
    of one word are joined, as in a shell)."""
    return "'" + str(value).replace("'", "'\\''") + "'"


class FilterModule:
    def filters(self):
        return {"haproxy_quote": haproxy_quote}

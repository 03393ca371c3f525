"""Filters that turn the members' reports into one bootstrap decision.

Kept in Python because the rules (fresh cluster, safe_to_bootstrap, forced host,
refusal) read far better as code than as nested Jinja, and they are unit-tested.
"""

from __future__ import annotations

NULL_UUID = "00000000-0000-0000-0000-000000000000"


def galera_grastate(text: str | None) -> dict:
    """Parse grastate.dat ('key: value' lines, '#' comments) into a dict."""
    state = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and not key.startswith("#"):
            state[key.strip()] = value.strip()
    return state


def galera_bootstrap_plan(members: list[dict], force: str = "") -> dict:
    """Decide whether and where to bootstrap.

    members: one dict per member, sorted by name: host, running_primary (bool),
    grastate (dict from galera_grastate; empty when the file is absent).
    Returns {"action": "none"|"bootstrap"|"refuse", "host": str, "reason": str}.
    """
    if any(m["running_primary"] for m in members):
        return {"action": "none", "host": "", "reason": "a Primary component is running"}
    if force:
        return {"action": "bootstrap", "host": force, "reason": "galera_force_bootstrap_host"}

    def fresh(m):
        return m["grastate"].get("uuid", NULL_UUID) == NULL_UUID

    if all(fresh(m) for m in members):
        return {"action": "bootstrap", "host": members[0]["host"], "reason": "new cluster"}
    safe = [m for m in members if m["grastate"].get("safe_to_bootstrap") == "1"]
    if safe:
        return {"action": "bootstrap", "host": safe[0]["host"],
                "reason": "last member to leave (safe_to_bootstrap: 1)"}
    positions = ", ".join("%s seqno %s" % (m["host"], m["grastate"].get("seqno", "?")) for m in members)
    return {"action": "refuse", "host": "",
            "reason": "no member is marked safe_to_bootstrap (%s). After a crash of every member, "
                      "run `galera_recovery` on each, then set galera_force_bootstrap_host to the "
                      "member with the highest position and re-run." % positions}


class FilterModule:
    def filters(self):
        return {"galera_grastate": galera_grastate, "galera_bootstrap_plan": galera_bootstrap_plan}

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


def galera_recovered_seqno(output: str | None) -> int | None:
    """The seqno `galera_recovery` (mysqld --wsrep-recover) prints as
    `--wsrep_start_position=UUID:SEQNO`; None when it printed none."""
    for word in (output or "").split():
        if word.startswith("--wsrep_start_position="):
            _, _, seqno = word.partition("=")[2].rpartition(":")
            try:
                return int(seqno)
            except ValueError:
                return None
    return None


def _position(member: dict) -> int | None:
    """The member's last committed seqno: grastate's after a clean stop, the recovered one
    after a crash (grastate says -1); None when unknown."""
    for value in (member["grastate"].get("seqno"), member.get("recovered_seqno")):
        try:
            if value is not None and int(value) >= 0:
                return int(value)
        except (TypeError, ValueError):
            continue
    return None


def galera_bootstrap_plan(members: list[dict], force: str = "") -> dict:
    """Decide whether and where to bootstrap.

    members: one dict per member, sorted by name: host, running_primary (bool),
    grastate (dict from galera_grastate; empty when the file is absent), recovered_seqno
    (galera_recovered_seqno of a stopped member; None when not read).
    Returns {"action": "none"|"bootstrap"|"refuse", "host": str, "reason": str}.
    The member bootstrapped is the one holding every committed transaction: the one marked
    safe_to_bootstrap (the last to leave), else the highest position. A forced host is
    taken only when the positions are unknown or it is among the most advanced.
    """
    if any(m["running_primary"] for m in members):
        return {"action": "none", "host": "", "reason": "a Primary component is running"}

    def fresh(m):
        return m["grastate"].get("uuid", NULL_UUID) == NULL_UUID

    if all(fresh(m) for m in members) and not force:
        return {"action": "bootstrap", "host": members[0]["host"], "reason": "new cluster"}
    positions = {m["host"]: _position(m) for m in members}
    listed = ", ".join("%s %s" % (h, "seqno %d" % p if p is not None else "position unknown")
                       for h, p in positions.items())
    known = [p for p in positions.values() if p is not None]
    if force:
        if force not in positions:
            return {"action": "refuse", "host": "", "reason": "galera_force_bootstrap_host %s is no member" % force}
        if positions[force] is not None and known and positions[force] < max(known):
            return {"action": "refuse", "host": "",
                    "reason": "galera_force_bootstrap_host %s is behind another member (%s): it would "
                              "lose the transactions the others committed. Unset it: the most advanced "
                              "member is chosen." % (force, listed)}
        return {"action": "bootstrap", "host": force, "reason": "galera_force_bootstrap_host (%s)" % listed}
    safe = [m for m in members if m["grastate"].get("safe_to_bootstrap") == "1"]
    if safe:
        return {"action": "bootstrap", "host": safe[0]["host"],
                "reason": "last member to leave (safe_to_bootstrap: 1)"}
    if len(known) == len(members):
        best = max(known)
        host = next(h for h, p in positions.items() if p == best)
        return {"action": "bootstrap", "host": host, "reason": "most advanced position (%s)" % listed}
    return {"action": "refuse", "host": "",
            "reason": "the position of some member is unknown (%s): bootstrapping another one could "
                      "lose transactions only it holds. Bring it back (or its data), or set "
                      "galera_force_bootstrap_host to the member to start from and re-run." % listed}


class FilterModule:
    def filters(self):
        return {"galera_grastate": galera_grastate, "galera_bootstrap_plan": galera_bootstrap_plan,
                "galera_recovered_seqno": galera_recovered_seqno}

"""Address filters for the VIP: which interface carries a node's address, and whether
the VIP lies in that interface's subnet. Stdlib only (ansible.utils.ipaddr needs netaddr,
which the deploy host's venv does not carry)."""

from __future__ import annotations

import ipaddress


def interface_of(address, facts):
    """The interface holding IPv4 `address` in a host's gathered facts, as
    {'device', 'address', 'prefix', 'network'}; empty dict when none holds it."""
    for name in facts.get("interfaces", []):
        iface = facts.get(name.replace("-", "_"), {}) or {}
        entries = [iface.get("ipv4")] + list(iface.get("ipv4_secondaries", []))
        for entry in entries:
            if entry and entry.get("address") == address:
                net = ipaddress.IPv4Network(f"{entry['address']}/{entry['netmask']}", strict=False)
                return {"device": iface.get("device", name), "address": address,
                        "prefix": net.prefixlen, "network": str(net)}
    return {}


def in_network(address, network):
    """True when `address` is a host address of `network` (CIDR): not its network or
    broadcast address."""
    try:
        net = ipaddress.IPv4Network(network, strict=False)
        addr = ipaddress.IPv4Address(address)
    except (ValueError, TypeError):
        return False
    if net.prefixlen >= 31:
        return addr in net
    return addr in net and addr not in (net.network_address, net.broadcast_address)


def is_ipv4(address):
    """True when `address` is a dotted-quad IPv4 address."""
    try:
        ipaddress.IPv4Address(address)
    except (ValueError, TypeError):
        return False
    return True


class FilterModule:
    def filters(self):
        return {"interface_of": interface_of, "in_network": in_network, "is_ipv4": is_ipv4}

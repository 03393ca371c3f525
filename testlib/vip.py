"""Who holds the VIP: keepalived puts it on the holder's interface."""

from __future__ import annotations

# Run on a node; holds() reads its output.
ADDRESSES = "ip -4 -o addr show"


def holds(addresses: str, vip: str) -> bool:
    """Whether `ip -4 -o addr show` of a node lists the VIP."""
    return f" {vip}/" in addresses

"""Filters reading a rendered glance-api.conf."""

from __future__ import annotations

import configparser


def glance_enabled_backends(conf_text: str) -> list[str]:
    """Backend ids of `[DEFAULT] enabled_backends = id:type, ...` (empty when unset)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(conf_text)
    value = parser.defaults().get("enabled_backends", "")
    return [item.split(":", 1)[0].strip() for item in value.split(",") if item.strip()]


class FilterModule:
    def filters(self):
        return {"glance_enabled_backends": glance_enabled_backends}

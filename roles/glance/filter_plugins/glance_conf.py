"""Filters reading a rendered glance-api.conf."""

from __future__ import annotations

import configparser


def glance_enabled_backends(conf_text: str) -> list[str]:
    """The stores a glance-api.conf enables: the backend ids of `[DEFAULT] enabled_backends
    = id:type, ...` (multi-store), else the legacy `[glance_store] stores = file,swift`
    (empty when neither is set)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(conf_text)
    value = parser.defaults().get("enabled_backends", "")
    if value.strip():
        return [item.split(":", 1)[0].strip() for item in value.split(",") if item.strip()]
    legacy = parser.get("glance_store", "stores", fallback="")
    return [item.strip() for item in legacy.split(",") if item.strip()]


class FilterModule:
    def filters(self):
        return {"glance_enabled_backends": glance_enabled_backends}

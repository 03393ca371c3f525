"""Filters for glance's configuration files: writing the role's values, reading a rendered
glance-api.conf."""

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


def glance_conf_value(conf_text: str, section: str, option: str) -> str:
    """One option's value in a glance config file ('' when it is not set)."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(conf_text)
    return parser.get(section, option, fallback="").strip()


def glance_oslo_literal(sections: dict) -> dict:
    """The sections with every string value taken literally by oslo.config: it reads `$name`
    and `${name}` as references to other options (a password `p$x` fails with "no such
    option x"), and `$$` as one `$`. Applied to the role's own values (passwords, keys,
    URLs), not to the operator's *_overrides, which are written in oslo.config's syntax."""
    return {section: {key: value.replace("$", "$$") if isinstance(value, str) else value
                      for key, value in (options or {}).items()}
            for section, options in sections.items()}


class FilterModule:
    def filters(self):
        return {"glance_enabled_backends": glance_enabled_backends, "glance_conf_value": glance_conf_value,
                "glance_oslo_literal": glance_oslo_literal}

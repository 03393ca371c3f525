#!/usr/bin/python3
"""Reads a rendered glance configuration file through oslo.config, as the service would,
before it replaces the running one (the template task's `validate`, so before any restart):

    glance-ha-config-check api|registry FILE

Every value the file sets is read: an option glance registers for that service (its own,
keystonemiddleware's, glance_store's) with its type, so `workers = many` is an error; any
other one as a string, so a `$name` oslo.config cannot resolve (a password written with a
raw `$x`) is an error too. Prints one line per bad value (no secret value) and exits 1.
What only fails later (an address glance cannot bind) passes: the roll's health wait
catches that on the first controller.

Runs with glance's own interpreter. Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import configparser
import logging
import sys

from oslo_config import cfg

# glance's reserved stores (glance.common.config in multi-store releases): their sections
# are read like the enabled backends'.
RESERVED_STORES = {"os_glance_staging_store": "file", "os_glance_tasks_store": "file"}
# Names of values that are secrets when glance does not register them (keystoneauth's).
SECRET_WORDS = ("password", "secret", "token", "key")


def _glance_options(service: str) -> list:
    from glance import opts
    from keystonemiddleware import opts as ksm_opts
    listing = opts.list_api_opts() if service == "api" else opts.list_registry_opts()
    return listing + ksm_opts.list_auth_token_opts()


def _register_stores(conf: cfg.ConfigOpts) -> None:
    """glance_store's options: per backend (multi-store) or the [glance_store] section."""
    import glance_store
    backends = getattr(conf, "enabled_backends", None) if "enabled_backends" in conf else None
    if backends:
        from glance_store import multi_backend
        multi_backend.register_store_opts(conf, reserved_stores=RESERVED_STORES)
    else:
        glance_store.register_opts(conf)


def _sections(path: str) -> list[tuple[str, str]]:
    parser = configparser.RawConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(path)
    pairs = [("DEFAULT", key) for key in parser.defaults()]
    for section in parser.sections():
        pairs += [(section, key) for key in parser[section] if key not in parser.defaults()]
    return pairs


def _group(conf: cfg.ConfigOpts, section: str):
    return conf if section == "DEFAULT" else conf[section]


def check(service: str, path: str) -> list[str]:
    """The bad values of the file, one line each."""
    conf = cfg.ConfigOpts()
    for group, opts in _glance_options(service):
        conf.register_opts(opts, group=group)
    conf(args=[], project="glance", default_config_files=[path], default_config_dirs=[])
    _register_stores(conf)
    errors = []
    for section, key in _sections(path):
        name = key.replace("-", "_")
        group = None if section == "DEFAULT" else section
        try:
            conf.register_opt(cfg.StrOpt(name), group=group)
            secret = any(word in name for word in SECRET_WORDS)
        except cfg.DuplicateOptError:
            registered = conf._get_opt_info(name, group)["opt"]  # noqa: SLF001 - no public lookup
            secret = registered.secret
        try:
            getattr(_group(conf, section), name)
        except (cfg.Error, ValueError) as error:
            # ConfigFileValueError names the file's location object before the reason.
            why = type(error).__name__ if secret else str(error).split(" is not valid: ")[-1]
            if secret and isinstance(error, (cfg.TemplateSubstitutionError, cfg.NoSuchOptError)):
                why = "a '$' oslo.config reads as a reference (write '$$' for the character)"
            errors.append(f"[{section}] {key}: {why}")
    return errors


def main(argv: list[str]) -> int:
    # oslo.config logs deprecated options it reads; glance-api says so itself.
    logging.getLogger("oslo_config").setLevel(logging.ERROR)
    if len(argv) != 3 or argv[1] not in ("api", "registry"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    errors = check(argv[1], argv[2])
    for line in errors:
        print(f"glance-{argv[1]} cannot use {line}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

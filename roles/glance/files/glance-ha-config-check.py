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

Runs with glance's own interpreter, as root: the options' listing is kept per release in
CACHE_DIR. Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import configparser
import hashlib
import logging
import os
import pickle
import sys
from importlib import metadata
from pathlib import Path

from oslo_config import cfg

# glance's reserved stores (glance.common.config in multi-store releases): their sections
# are read like the enabled backends'.
RESERVED_STORES = {"os_glance_staging_store": "file", "os_glance_tasks_store": "file"}
# Names of values that are secrets when glance does not register them (keystoneauth's).
SECRET_WORDS = ("password", "secret", "token", "key")
# The options' listing, kept per release: importing glance (1.6-2.2 s of CPU) and every
# glance_store driver (os_brick, boto3: 0.6 s) to list them, while a roll renders
# glance-api.conf on every controller at once, kept a one-core machine's controllers busy for
# 20 s as they served clients. Root's alone (0700): a pickle is code.
CACHE_DIR = Path("/var/cache/glance-ha/config-check")
# The packages whose options are listed: a new release of one lists its options afresh.
LISTED = ("glance", "glance_store", "keystonemiddleware", "oslo.config")


def _listing(service: str) -> dict:
    """glance's options for the service with keystonemiddleware's; glance_store's, for the
    [glance_store] section and per driver (a multi-store backend's section)."""
    from glance import opts
    from glance_store import backend, multi_backend
    from keystonemiddleware import opts as ksm_opts
    listing = opts.list_api_opts() if service == "api" else opts.list_registry_opts()
    # Releases before multi-store list no drivers apart.
    drivers = getattr(multi_backend, "_list_driver_opts", None)
    return {"glance": listing + ksm_opts.list_auth_token_opts(), "stores": backend._list_opts(),  # noqa: SLF001
            "drivers": drivers() if drivers else None}


def _cache_file(service: str, cache_dir: Path) -> Path:
    """The listing's file: named after the service, the versions of LISTED and this script."""
    versions = "-".join(metadata.version(package) for package in LISTED)
    own = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    return cache_dir / f"{service}-{versions}-{own}.pickle"


def options(service: str, cache_dir: Path = CACHE_DIR, listing=_listing) -> dict:
    """`listing(service)`, read from the cache when this release's is there, else listed and
    kept (a listing of an older release of the service removed). Without a cache (no such
    package metadata, a read-only disk) it is listed each time."""
    try:
        path = _cache_file(service, cache_dir)
    except metadata.PackageNotFoundError:
        return listing(service)
    try:
        with path.open("rb") as cached:
            return pickle.load(cached)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        pass
    listed = listing(service)
    try:
        cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        for old in cache_dir.glob(f"{service}-*.pickle"):
            old.unlink()
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps(listed))
        partial.replace(path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass
    return listed


def _register_stores(conf: cfg.ConfigOpts, listed: dict) -> None:
    """glance_store's options: per backend (multi-store) or the [glance_store] section."""
    backends = getattr(conf, "enabled_backends", None) if "enabled_backends" in conf else None
    if backends:
        from glance_store import multi_backend
        if listed["drivers"] is not None:
            # glance_store's own registration, with the drivers' options listed already.
            multi_backend._list_driver_opts = lambda: listed["drivers"]  # noqa: SLF001
        multi_backend.register_store_opts(conf, reserved_stores=RESERVED_STORES)
    else:
        for group, opts in listed["stores"]:
            conf.register_opts(opts, group=group)


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
    listed = options(service)
    for group, opts in listed["glance"]:
        conf.register_opts(opts, group=group)
    conf(args=[], project="glance", default_config_files=[path], default_config_dirs=[])
    _register_stores(conf, listed)
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

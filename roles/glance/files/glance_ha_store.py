"""One glance store backend opened the way glance-api opens it, for the glance-ha helpers.

Both glance-ha-store-probe and glance-ha-migrate-images go through glance's own store
driver (glance_store) with a glance-api.conf, so they reach a store exactly as glance-api
would: same code, same credentials. Installed by the glance role of glance-ha into
glance-api's Python path.

A config with `[DEFAULT] enabled_backends` is opened as glance-api opens it in multi-store
mode (a backend is an id of that list); one without, as the legacy track's single
`[glance_store]` section (a backend is a store type of `stores`, e.g. swift).
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def open_backend(config_file: str, backend: str):
    """(store, locate) for one backend of the config; locate(url) -> a store location."""
    from glance_store import location as store_location
    from oslo_config import cfg

    # glance_store looks backends up in the global CONF.
    conf = cfg.CONF
    # glance registers this option itself (glance.common.config); the helpers need it too.
    conf.register_opt(cfg.DictOpt("enabled_backends"))
    conf(project="glance", args=["--config-file", config_file], default_config_files=[])
    if conf.enabled_backends:
        from glance_store import multi_backend

        multi_backend.register_store_opts(conf)
        multi_backend.create_multi_stores(conf)
        store = multi_backend.get_store_from_store_identifier(backend)

        def locate(url: str):
            return store_location.get_location_from_uri_and_backend(url, backend, conf=conf)

        return store, locate

    from glance_store import backend as single_backend

    single_backend.register_opts(conf)
    single_backend.create_stores(conf)
    # Every store registers its type as one of its URL schemes (file, swift, s3, rbd, http).
    store = single_backend.get_store_from_scheme(backend)

    def locate_single(url: str):
        return store_location.get_location_from_uri(url, conf=conf)

    return store, locate_single

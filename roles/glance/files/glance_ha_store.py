"""One glance store backend opened the way glance-api opens it, for the glance-ha helpers.

Both glance-ha-store-probe and glance-ha-migrate-images go through glance's own store
driver (glance_store) with a glance-api.conf, so they reach a store exactly as glance-api
would: same code, same credentials. Installed by the glance role of glance-ha into
glance-api's Python path.
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=None)
def open_backend(config_file: str, backend: str):
    """(store, locate) for one backend id of the config; locate(url) -> a store location."""
    from glance_store import location as store_location
    from glance_store import multi_backend
    from oslo_config import cfg

    # glance_store looks backends up in the global CONF.
    conf = cfg.CONF
    # glance registers this option itself (glance.common.config); the helpers need it too.
    conf.register_opt(cfg.DictOpt("enabled_backends"))
    conf(project="glance", args=["--config-file", config_file], default_config_files=[])
    multi_backend.register_store_opts(conf)
    multi_backend.create_multi_stores(conf)
    store = multi_backend.get_store_from_store_identifier(backend)

    def locate(url: str):
        return store_location.get_location_from_uri_and_backend(url, backend, conf=conf)

    return store, locate

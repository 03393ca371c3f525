"""Ansible's jsonfile fact cache, readable by its owner only.

The cache holds every controller's facts (addresses, interfaces, mounts, package state):
a reconnaissance map of the cluster. ansible-core's jsonfile writes each file 0644 in a
directory made with the umask; this one keeps the directory 0700 and the files 0600.
"""

from __future__ import annotations

DOCUMENTATION = """
    name: private_jsonfile
    short_description: JSON files per host, directory 0700 and files 0600.
    description:
        - The jsonfile cache, with its directory and files readable by their owner only.
    author: glance-ha
    options:
      _uri:
        required: True
        description: Directory the JSON files are written to (created 0700).
        env:
          - name: ANSIBLE_CACHE_PLUGIN_CONNECTION
        ini:
          - key: fact_caching_connection
            section: defaults
        type: path
      _prefix:
        description: Prefix of the file names.
        env:
          - name: ANSIBLE_CACHE_PLUGIN_PREFIX
        ini:
          - key: fact_caching_prefix
            section: defaults
      _timeout:
        default: 86400
        description: Seconds a host's cached facts stay valid.
        env:
          - name: ANSIBLE_CACHE_PLUGIN_TIMEOUT
        ini:
          - key: fact_caching_timeout
            section: defaults
        type: integer
"""

import os

from ansible.plugins.cache.jsonfile import CacheModule as JsonFileCacheModule


class CacheModule(JsonFileCacheModule):
    """jsonfile with owner-only permissions."""

    def validate_cache_connection(self) -> None:
        super().validate_cache_connection()
        # A cache an earlier jsonfile run left open is closed down too.
        os.chmod(self._cache_dir, 0o700)
        for entry in os.scandir(self._cache_dir):
            if entry.is_file(follow_symlinks=False):
                os.chmod(entry.path, 0o600)

    def set(self, key, value) -> None:
        super().set(key, value)
        try:
            os.chmod(self._get_cache_file_name(key), 0o600)
        except FileNotFoundError:
            # The parent could not write it (it warned); nothing to protect.
            pass

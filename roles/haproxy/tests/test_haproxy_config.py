"""Unit tests of filter_plugins/haproxy_config.py: haproxy_quote (a value with any character
reads back as one word) and the backends' names. HAProxy's quoting (single quotes literal, a
backslash escapes outside them, adjacent pieces joined) is the POSIX shell's, which shlex
implements."""

from __future__ import annotations

import importlib.util
import shlex
from pathlib import Path

import pytest

_path = Path(__file__).resolve().parents[1] / "filter_plugins" / "haproxy_config.py"
_spec = importlib.util.spec_from_file_location("haproxy_config", _path)
haproxy_config = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(haproxy_config)


@pytest.mark.parametrize("value", ["admin:p@ss:w/rd%#$x", "a b", "it's", "''", "$HOME ${X}", '"q"\\', "plain"])
def test_a_quoted_value_reads_back_as_one_word(value):
    quoted = haproxy_config.haproxy_quote(value)
    assert shlex.split(f"stats auth {quoted}", comments=True) == ["stats", "auth", value]


def test_every_backend_named_once_data_backends_after_the_services_own():
    services = [{"name": "glance_api", "data_path_regex": "^/v2/images/[^/]+/file$"}, {"name": "glance_registry"}]
    assert haproxy_config.haproxy_backend_names(services) == ["glance_api", "glance_registry", "glance_api_data"]
    assert haproxy_config.haproxy_data_backend(services[0]) == "glance_api_data"
    assert haproxy_config.haproxy_backend_names([]) == []

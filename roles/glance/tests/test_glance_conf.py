"""The role's values reach oslo.config literally (filter_plugins/glance_conf.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "glance_conf", Path(__file__).resolve().parents[1] / "filter_plugins" / "glance_conf.py")
conf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conf)

SECRETS = ["p@ss:w/rd%#$x-svc", "a$b${c}$$d", "it's \"quoted\" and spaced", "$", "plain"]


@pytest.mark.parametrize("secret", SECRETS)
def test_a_password_reads_back_as_written(tmp_path, secret):
    cfg = pytest.importorskip("oslo_config.cfg")
    sections = conf.glance_oslo_literal({"keystone_authtoken": {"password": secret, "port": 5}})
    path = tmp_path / "glance-api.conf"
    # As templates/glance.conf.j2 writes an option.
    path.write_text("[keystone_authtoken]\n" + "".join(f"{k} = {v}\n" for k, v in sections["keystone_authtoken"].items()))
    opts = cfg.ConfigOpts()
    opts.register_opts([cfg.StrOpt("password"), cfg.IntOpt("port")], group="keystone_authtoken")
    opts(args=[], default_config_files=[str(path)])
    assert opts.keystone_authtoken.password == secret
    assert opts.keystone_authtoken.port == 5


def test_unescaped_the_reference_breaks_oslo_config(tmp_path):
    """Why the filter exists: the value as is fails."""
    cfg = pytest.importorskip("oslo_config.cfg")
    path = tmp_path / "glance-api.conf"
    path.write_text("[keystone_authtoken]\npassword = p@ss:w/rd%#$x-svc\n")
    opts = cfg.ConfigOpts()
    opts.register_opts([cfg.StrOpt("password")], group="keystone_authtoken")
    opts(args=[], default_config_files=[str(path)])
    with pytest.raises(cfg.NoSuchOptError, match="no such option x"):
        _ = opts.keystone_authtoken.password



def test_an_option_is_read_from_a_rendered_config():
    text = "[DEFAULT]\nworkers = 2\n\n[keystone_authtoken]\nusername = glance_b\npassword = x\n"
    assert conf.glance_conf_value(text, "keystone_authtoken", "username") == "glance_b"
    assert conf.glance_conf_value(text, "keystone_authtoken", "project_name") == ""
    assert conf.glance_conf_value("[DEFAULT]\nworkers = 2\n", "keystone_authtoken", "username") == ""

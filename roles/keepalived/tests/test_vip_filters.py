"""Unit tests of the keepalived role's address filters."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "filter_plugins"))

from vip import in_network, interface_of, is_ipv4  # noqa: E402

FACTS = {
    "interfaces": ["lo", "eth0", "br-mgmt"],
    "lo": {"device": "lo", "ipv4": {"address": "127.0.0.1", "netmask": "255.0.0.0"}},
    "eth0": {"device": "eth0", "ipv4": {"address": "10.213.20.11", "netmask": "255.255.255.0"},
             "ipv4_secondaries": [{"address": "10.213.20.10", "netmask": "255.255.255.0"}]},
    "br_mgmt": {"device": "br-mgmt", "ipv4": {"address": "172.29.236.11", "netmask": "255.255.252.0"}},
}


def test_interface_of_primary_address():
    assert interface_of("10.213.20.11", FACTS) == {
        "device": "eth0", "address": "10.213.20.11", "prefix": 24, "network": "10.213.20.0/24"}


def test_interface_with_dash_in_name():
    assert interface_of("172.29.236.11", FACTS)["device"] == "br-mgmt"
    assert interface_of("172.29.236.11", FACTS)["network"] == "172.29.236.0/22"


def test_secondary_address_is_found():
    assert interface_of("10.213.20.10", FACTS)["device"] == "eth0"


def test_unknown_address():
    assert interface_of("192.0.2.1", FACTS) == {}
    assert interface_of("192.0.2.1", {}) == {}


def test_in_network():
    assert in_network("10.213.20.10", "10.213.20.0/24")
    assert not in_network("10.213.21.10", "10.213.20.0/24")
    assert not in_network("10.213.20.0", "10.213.20.0/24")
    assert not in_network("10.213.20.255", "10.213.20.0/24")
    assert not in_network("not-an-ip", "10.213.20.0/24")
    assert not in_network("10.213.20.10", "")


def test_is_ipv4():
    assert is_ipv4("10.0.0.1")
    assert not is_ipv4("10.0.0.256")
    assert not is_ipv4("")
    assert not is_ipv4(None)

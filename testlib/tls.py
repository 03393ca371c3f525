"""The clients of the tests and benchmarks trust the cluster's certificates: the VIP's (HTTPS
for glance) and the cluster CA's (the stats pages, the node certificates).

One bundle, the public CAs plus both, named by REQUESTS_CA_BUNDLE (requests, keystoneauth,
the OpenStack CLIs) and SSL_CERT_FILE (urllib, http.client, openssl): for this process and
every process it starts. A test that shows what a client without the CA meets names the
public CAs alone (`PUBLIC_CAS`).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Callable

import certifi

PKI = "/etc/glance-ha/pki"
VIP_CA = f"{PKI}/vip-ca.pem"
CLUSTER_CA = f"{PKI}/ca.pem"
PUBLIC_CAS = certifi.where()


def trust(read: Callable[[str], str], directory: Path) -> Path:
    """Write the bundle into `directory` from a node's files (`read(path)` -> text), point the
    environment at it and return its path."""
    bundle = directory / "glance-ha-trusted.pem"
    bundle.write_text(Path(PUBLIC_CAS).read_text() + "\n" + read(VIP_CA).strip() + "\n"
                      + read(CLUSTER_CA).strip() + "\n")
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(bundle)
    return bundle


def fetched(node, path: str, directory: Path) -> str:
    """A node's PEM file copied into `directory`, for a client told that file alone (a CA it
    verifies with); its path."""
    copy = directory / Path(path).name
    copy.write_text(node.check_output(f"cat {path}") + "\n")
    return str(copy)


def s_client(address: str, port: int, *args: str) -> subprocess.CompletedProcess:
    """`openssl s_client` to address:port, failing on any verification error (`args`: the CA
    file, -verify_ip, a protocol version...)."""
    return subprocess.run(["openssl", "s_client", "-connect", f"{address}:{port}", "-verify_return_error", *args],
                          input="", capture_output=True, text=True, timeout=30)

"""HTTPS on the VIP (roles haproxy, pki, glance): glance is served over TLS 1.2 or later with
a certificate that names the VIP, verified against the CA the nodes hold; a client without
that CA fails, plain HTTP gets no answer there, the catalog lists https for every interface,
and the seed's client given --os-cacert uploads, shows and downloads through it. The stats
page answers over TLS only, with a node certificate of the cluster CA."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
import requests

from testlib import tls
from testlib.tls import s_client
from testlib.cluster import glance_vip, ipv4, lab_vars, show_table


@pytest.fixture(scope="module")
def vip_ca(nodes, tmp_path_factory):
    return tls.fetched(nodes[0], tls.VIP_CA, tmp_path_factory.mktemp("ca"))


def test_the_vip_serves_tls_12_or_later_with_a_certificate_naming_it(vip, vip_ca):
    run = s_client(vip, 9292, "-CAfile", vip_ca, "-verify_ip", vip)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr
    assert "Verify return code: 0 (ok)" in run.stdout
    assert re.search(r"New, TLSv1\.[23], Cipher is", run.stdout), run.stdout[-2000:]


def test_a_client_without_the_ca_is_refused_the_connection(vip):
    run = s_client(vip, 9292, "-CAfile", tls.PUBLIC_CAS)
    assert run.returncode != 0 and "verify error" in run.stdout + run.stderr, run.stdout[-2000:]


def test_tls_11_is_refused(vip, vip_ca):
    run = s_client(vip, 9292, "-CAfile", vip_ca, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    assert run.returncode != 0, run.stdout[-2000:]


def test_plain_http_gets_no_answer_on_the_vip(vip):
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{vip}:9292/versions", timeout=5)


def test_the_catalog_lists_https_for_every_interface(os_env, os_session, vip):
    catalog = os_session.get(f"{os_env['OS_AUTH_URL']}/auth/catalog").json()["catalog"]
    endpoints = next(s["endpoints"] for s in catalog if s["type"] == "image")
    assert {(e["interface"], e["url"].rstrip("/")) for e in endpoints} == {
        (interface, f"https://{vip}:9292") for interface in ("public", "internal", "admin")}


def test_the_seed_client_with_the_ca_uploads_shows_and_downloads(os_env, vip_ca, tmp_path):
    env = {k: v for k, v in os_env.items() if k not in ("OS_CACERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    data = os.urandom(1 << 20)
    (tmp_path / "in.raw").write_bytes(data)
    refused = glance_vip(dict(env, REQUESTS_CA_BUNDLE=tls.PUBLIC_CAS), "image-list", check=False)
    assert refused.returncode != 0 and "CERTIFICATE_VERIFY_FAILED" in refused.stdout + refused.stderr, refused
    image_id = show_table(glance_vip(env, "--os-cacert", vip_ca, "image-create", "--name", "https-seed",
                                     "--disk-format", "raw", "--container-format", "bare",
                                     "--file", str(tmp_path / "in.raw")).stdout)["id"]
    try:
        fields = show_table(glance_vip(env, "--os-cacert", vip_ca, "image-show", image_id).stdout)
        assert fields["status"] == "active" and fields["direct_url"].endswith(image_id), fields
        glance_vip(env, "--os-cacert", vip_ca, "image-download", "--file", str(tmp_path / "out.raw"), image_id)
        assert hashlib.sha256((tmp_path / "out.raw").read_bytes()).hexdigest() == hashlib.sha256(data).hexdigest()
    finally:
        glance_vip(env, "--os-cacert", vip_ca, "image-delete", image_id, check=False)


def test_the_stats_page_answers_over_tls_only(nodes):
    password = lab_vars()["haproxy_stats_password"]
    for node in nodes:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{ipv4(node)}:1936/", auth=("admin", password), timeout=5)
        answer = requests.get(f"https://{ipv4(node)}:1936/", auth=("admin", password), timeout=5)
        assert answer.status_code == 200
        run = s_client(ipv4(node), 1936, "-CAfile", tls.PUBLIC_CAS)
        assert run.returncode != 0, "the stats page's certificate is not the cluster CA's"

"""The cluster's certificates (role pki): a CA kept on the deploy host, owner-only, signs each
node's certificate (its inventory name and management address, server and client use) and
the VIP's; each node holds the CA, its own certificate and key, the controllers the VIP's
bundle for HAProxy; and a node's key matches its certificate."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import jinja2
import yaml

from testlib.cluster import INVENTORY, PROJECT, ipv4, node_names, playbook, recap
from testlib.playbooks import why_failed

NODE_DIR = "/etc/glance-ha/pki"


def deploy_dir(vip: str) -> Path:
    """The role's pki_dir on the deploy host: its default (roles/pki/defaults, per VIP, under
    $HOME) rendered here, its one lookup an environment variable of this process."""
    def lookup(plugin: str, name: str) -> str:
        assert plugin == "ansible.builtin.env", f"pki_dir's default looks up {plugin}: render it here too"
        return os.environ[name]

    template = yaml.safe_load((PROJECT / "roles" / "pki" / "defaults" / "main.yml").read_text())["pki_dir"]
    return Path(jinja2.Environment().from_string(template).render(lookup=lookup, glance_ha_vip_address=vip))


def mode(node, path: str) -> int:
    return int(node.check_output(f"stat -c %a {path}"), 8)


def public_key(node, command: str) -> str:
    return node.check_output(f"{command} | openssl pkey -pubin -pubout")


def test_the_ca_stays_on_the_deploy_host_owner_only(vip):
    deploy = deploy_dir(vip)
    assert stat.S_IMODE(deploy.stat().st_mode) == 0o700
    keys = list(deploy.glob("*.key"))
    assert deploy / "ca.key" in keys and deploy / "vip.key" in keys
    assert all(stat.S_IMODE(k.stat().st_mode) == 0o600 for k in keys), keys


def test_each_node_holds_its_certificate_signed_by_the_ca(nodes):
    for node in nodes:
        name = node.backend.host
        assert "OK" in node.check_output(f"openssl verify -CAfile {NODE_DIR}/ca.pem {NODE_DIR}/node.pem")
        # -nameopt RFC2253: one way of printing the subject in OpenSSL 3.0 (Debian 12) and 3.5 (13).
        text = node.check_output(f"openssl x509 -in {NODE_DIR}/node.pem -noout -nameopt RFC2253 -subject"
                                 " -ext subjectAltName,extendedKeyUsage")
        assert f"subject=CN={name}\n" in text and f"IP Address:{ipv4(node)}" in text, text
        assert "TLS Web Server Authentication" in text and "TLS Web Client Authentication" in text, text
        assert mode(node, f"{NODE_DIR}/node.key") == 0o600
        assert public_key(node, f"openssl pkey -in {NODE_DIR}/node.key -pubout") == \
            public_key(node, f"openssl x509 -in {NODE_DIR}/node.pem -noout -pubkey")


def test_the_controllers_hold_the_vip_bundle_for_haproxy(nodes, vip):
    for node in nodes:
        bundle = f"{NODE_DIR}/vip.pem"
        assert mode(node, bundle) == 0o600
        text = node.check_output(f"openssl x509 -in {bundle} -noout -ext subjectAltName")
        assert f"IP Address:{vip}" in text, text
        assert "OK" in node.check_output(f"openssl verify -CAfile {NODE_DIR}/vip-ca.pem {bundle}")
        assert public_key(node, f"openssl pkey -in {bundle} -pubout") == \
            public_key(node, f"openssl x509 -in {bundle} -noout -pubkey")


def test_an_issue_runs_again_only_when_its_stamp_no_longer_matches(vip):
    """site.yml skips a certificate whose stamp (roles/pki: a hash of its settings and files)
    still matches; a stamp that differs (a changed setting, a deleted or replaced file) sends
    the certificate through the crypto modules again, which leave matching files as they are
    and stamp them anew: nothing changes either way."""
    deploy = deploy_dir(vip)
    name = node_names()[-1]
    stamp = deploy / f"{name}.issued"
    good = stamp.read_text()
    stamp.write_text("stale\n")
    try:
        run = playbook("site.yml", "--tags", "pki", inventory=INVENTORY)
    finally:
        again = stamp.read_text()
        stamp.write_text(good)
    assert run.returncode == 0, why_failed(run)
    assert all(r["changed"] == 0 and r["failed"] == 0 for r in recap(run.stdout).values()), recap(run.stdout)
    # The node's own issue ran (on the deploy host), every other one was skipped.
    for task in ("Create the key", "Write the request", "Sign the certificate"):
        section = run.stdout.split(f"TASK [pki : {task} - ", 1)[1].split("\nTASK [", 1)[0]
        ran = {line.split("[", 1)[1].split(" ", 1)[0].rstrip("]") for line in section.splitlines()
               if line.startswith("ok: [")}
        assert ran == {name}, (task, section)
    assert again == good

"""GlusterFS over TLS (role glusterfs): glusterd, the bricks and the mounts authenticate each
other with the pki certificates and encrypt what they send; the volume admits only the pool's
names. Image data written on one controller does not cross the network in clear text; a host
outside the pool (the lab's storage host) cannot mount the volume, neither plain nor with a
certificate of its own; the controllers' mounts serve again after every brick restarted."""

from __future__ import annotations

import shlex
import subprocess
import uuid

import yaml

from testlib import PROJECT
from testlib.cluster import MOUNT, VOLUME, all_up, ipv4, node_names, storage_host, wait_for

SNIFFER = PROJECT / "testlib" / "sniff.py"
SECURE_ACCESS = "/var/lib/glusterd/secure-access"


def tls_files(host) -> str:
    """GlusterFS's fixed TLS files on that host, without their suffix: in the directory its
    Debian release's GlusterFS reads (the role's vars file of that release)."""
    release = yaml.safe_load((PROJECT / "roles" / "glusterfs" / "vars" / f"{host.system_info.codename}.yml").read_text())
    return f"{release['glusterfs_tls_dir']}/glusterfs"

FOREIGN_MOUNT = "/mnt/glance-ha-foreign"


def volume_option(node, key: str) -> str:
    out = node.check_output(f"gluster --mode=script volume get {VOLUME} {key}")
    return out.splitlines()[-1].split()[-1]


def test_every_end_speaks_tls(nodes):
    for node in nodes:
        assert node.file(SECURE_ACCESS).exists, node.backend.host
        for name in ("pem", "key", "ca"):
            assert node.file(f"{tls_files(node)}.{name}").is_symlink, (node.backend.host, name)
    assert volume_option(nodes[0], "client.ssl") == "on"
    assert volume_option(nodes[0], "server.ssl") == "on"
    assert volume_option(nodes[0], "auth.ssl-allow").split(",") == sorted(node_names())


def test_image_data_crosses_the_network_encrypted(nodes):
    """A sniffer on a second controller reads every frame while the first one writes a file
    into the mount (the replica on the second one's brick gets it over the network); a marker
    sent in clear text to the second one at the same time proves the sniffer sees them."""
    writer, reader = nodes[0], nodes[1]
    data, clear = f"glance-ha-data-{uuid.uuid4().hex}", f"glance-ha-clear-{uuid.uuid4().hex}"
    name = f"{MOUNT}/tls-probe-{uuid.uuid4().hex}"
    with SNIFFER.open() as script:
        sniffer = subprocess.Popen(["docker", "exec", "-i", reader.backend.host, "python3", "-", "10", data, clear],
                                   stdin=script, stdout=subprocess.PIPE, text=True)
    try:
        assert sniffer.stdout.readline().strip() == "listening"
        writer.check_output(f"printf %s {data} > {name} && sync {name}")
        writer.check_output(
            f"python3 -c \"import socket; s = socket.create_connection(('{ipv4(reader)}', 24007)); "
            f"s.sendall(b'{clear}'); s.close()\"")
        found = set(sniffer.communicate(timeout=30)[0].split()) - {"listening"}
        replicated = reader.check_output(f"cat {name}")
    finally:
        sniffer.kill()
        writer.run(f"rm -f {name}")
    assert clear in found, "the sniffer saw nothing, not even the clear-text marker"
    assert replicated == data
    assert data not in found, "image data crossed the network in clear text"


def foreign_mount(host, server: str) -> subprocess.CompletedProcess:
    """A second mount of the volume on `host`, as the controllers mount it, then unmounted."""
    result = host.run(f"mkdir -p {FOREIGN_MOUNT} && timeout 60 mount -t glusterfs {server}:/{VOLUME} {FOREIGN_MOUNT}"
                      f" && ls {FOREIGN_MOUNT}")
    host.run(f"umount {FOREIGN_MOUNT} 2>/dev/null; true")
    return result


def test_a_host_outside_the_pool_cannot_mount_the_volume(nodes):
    host, server = storage_host(), ipv4(nodes[0])
    assert host.exists("mount.glusterfs") and host.file("/dev/fuse").exists
    # The same command on a controller mounts it: the refusals below are the host's identity.
    control = foreign_mount(nodes[0], server)
    assert control.rc == 0, control.stderr
    plain = foreign_mount(host, server)
    assert plain.rc != 0, plain.stdout
    # TLS with a certificate that no CA of the pool signed: refused too.
    files = tls_files(host)
    try:
        host.check_output(
            f"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 "
            f"-subj /CN={shlex.quote(node_names()[0])} -keyout {files}.key -out {files}.pem"
            f" && cp {files}.pem {files}.ca && mkdir -p /var/lib/glusterd && touch {SECURE_ACCESS}")
        with_tls = foreign_mount(host, server)
    finally:
        host.run(f"rm -f {files}.key {files}.pem {files}.ca {SECURE_ACCESS}")
    assert with_tls.rc != 0, with_tls.stdout


def test_the_mounts_serve_again_after_every_brick_restarted(nodes):
    for node in nodes:
        node.check_output("pkill -x glusterfsd; true")
    nodes[0].check_output(f"gluster --mode=script volume start {VOLUME} force")
    name = f"{MOUNT}/after-restart-{uuid.uuid4().hex}"
    wait_for(lambda: nodes[0].run(f"printf after > {name}").rc == 0, "a write through the first mount", timeout=60)
    try:
        for node in nodes:
            wait_for(lambda node=node: node.run(f"cat {name}").stdout == "after", f"a read on {node.backend.host}",
                     timeout=60)
    finally:
        nodes[0].run(f"rm -f {name}")
    # The image store checks may have seen the bricks gone: the next tests start from a whole cluster.
    wait_for(lambda: all_up(nodes), "every glance-api UP on every load balancer", timeout=120)

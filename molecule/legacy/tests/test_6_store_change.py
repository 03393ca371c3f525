"""Day 2 on the legacy track: playbooks/reconfigure-store.yml switches the single
[glance_store] section (stores/default_store) from file to swift, one drained controller
at a time, while a client streams GETs and uploads through the VIP: not one request
fails; images stay where they were and keep downloading. Runs after the upgrade, so on
20.2.0 (Ussuri). A migration (copy-image) is refused here: it needs multi-store glance.

The inventory still says 19.0.4 (test_5 upgraded with -e): every run here names the release
the cluster runs, as an operator's inventory would after the upgrade; a run that does not is
refused before any change.
"""

from __future__ import annotations

import hashlib
import os

from testlib.cluster import flat, incident_report, legacy_releases, recap

from testlib.day2 import default_store_line, reconfigure, under_load
from testlib.playbooks import why_failed


RUNNING = ("-e", f"glance_venv_version={legacy_releases()[1]}")  # test_5 upgraded to it


def test_a_run_that_would_change_the_release_is_refused(nodes):
    before = [n.check_output("sha256sum /etc/glance/glance-api.conf /etc/systemd/system/glance-api.service")
              for n in nodes]
    run = reconfigure("-e", "glance_default_store=swift")
    assert run.returncode != 0
    out = flat(run.stdout)
    assert f"runs glance-api from /opt/glance-{legacy_releases()[1]}/bin/glance-api" in out, out[-3000:]
    assert "This playbook only switches the store" in out
    assert [n.check_output("sha256sum /etc/glance/glance-api.conf /etc/systemd/system/glance-api.service")
            for n in nodes] == before


def test_file_to_swift_under_load_fails_no_request(api, images, nodes):
    since = nodes[0].check_output("date '+%F %T'")
    # Half the default scenario's rate: each request also crosses glance-registry (test_5).
    run, stream, uploads = under_load(api, images, *RUNNING, "-e", "glance_default_store=swift", rate=5)
    assert run.returncode == 0, why_failed(run)
    out = flat(run.stdout)
    assert out.count("TASK [haproxy : Drain the server on every load balancer]") == len(nodes)
    assert len(stream.results) > 100
    assert stream.failed == [], (stream.summary() + repr(stream.failed[:5]) + "\n"
                                 + incident_report(nodes, since))
    assert uploads.errors == [] and len(uploads.done) >= 2, uploads.errors
    for node in nodes:
        assert default_store_line(node) == "default_store = swift"
        # The legacy form: the stores the running config had stay enabled.
        stores = node.check_output("grep -h '^stores' /etc/glance/glance-api.conf")
        assert set(stores.split("=", 1)[1].strip().split(",")) >= {"file", "swift"}, stores
    for image_id, digest in list(images.items()) + uploads.done:
        assert api.sha256(image_id) == digest
    uploads.remove()


def test_new_uploads_land_in_swift(api):
    data = os.urandom(2 << 20)
    image_id = api.upload("legacy-after-switch", data)
    try:
        # The seed's inspection: direct_url names the store (credentials in the reference file).
        assert api.show(image_id)["direct_url"].startswith("swift+config://"), api.show(image_id)
        assert api.sha256(image_id) == hashlib.sha256(data).hexdigest()
    finally:
        api.delete(image_id)


def test_the_same_target_again_changes_nothing(nodes):
    run = reconfigure(*RUNNING, "-e", "glance_default_store=swift")
    assert run.returncode == 0, why_failed(run)
    assert all(c["changed"] == 0 for c in recap(run.stdout).values()), recap(run.stdout)


def test_a_migration_is_refused_before_any_change(nodes):
    before = [n.check_output("sha256sum /etc/glance/glance-api.conf") for n in nodes]
    run = reconfigure(*RUNNING, "-e", "glance_default_store=file", "-e", "glance_store_migrate=true")
    assert run.returncode != 0
    assert "needs glance's copy-image import" in flat(run.stdout)
    assert [n.check_output("sha256sum /etc/glance/glance-api.conf") for n in nodes] == before

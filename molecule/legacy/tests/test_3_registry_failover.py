"""glance-registry killed on one node under a steady load of image GETs through the VIP:
no request fails (HAProxy sends registry calls to the other registries), the killed
registry's backend goes DOWN on every load balancer and comes back UP once systemd has
restarted it."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from testlib.cluster import haproxy_servers, registry_requests, wait_for

from testlib.loadgen import Stream


@pytest.fixture(scope="module")
def image(image_url, os_session):
    token = os_session.get_token()
    headers = {"X-Auth-Token": token}
    created = requests.post(f"{image_url}/v2/images", headers=headers, timeout=30, json={
        "name": "legacy-load", "disk_format": "raw", "container_format": "bare"})
    image_id = created.json()["id"]
    requests.put(f"{image_url}/v2/images/{image_id}/file", data=os.urandom(1 << 20), timeout=120,
                 headers=dict(headers, **{"Content-Type": "application/octet-stream"})).raise_for_status()
    yield image_id, token
    requests.delete(f"{image_url}/v2/images/{image_id}", headers=headers, timeout=60)


class StatusWatch(threading.Thread):
    """Records every status a load balancer reports for one registry server, twice a second:
    a killed registry stays DOWN for seconds (systemd restarts it after 2 s, then it starts
    and must pass 2 checks), and each read is a `docker exec` (0.05 core at 1/s, on the
    machine that runs the lab and the load)."""

    def __init__(self, node, server: str):
        super().__init__(daemon=True)
        self.node, self.server, self.seen, self.stop = node, server, [], threading.Event()

    def run(self):
        while not self.stop.is_set():
            status = haproxy_servers(self.node).get(("glance_registry", self.server), {}).get("status")
            if not self.seen or self.seen[-1] != status:
                self.seen.append(status)
            time.sleep(0.5)


def test_killing_a_registry_fails_no_request(nodes, image_url, image):
    image_id, token = image
    victim, watcher_node = nodes[1], nodes[0]
    name = victim.backend.host
    paths = [f"/v2/images/{image_id}", "/v2/images", f"/v2/images/{image_id}/file"]
    # 5 requests/s, as the other legacy load tests: each API call makes registry calls through
    # the VIP, a TLS connection each, and the legacy track's capacity on the lab's 2 cores lies
    # between 5 (median 103 ms, max 0.27 s, nothing killed) and 10 requests/s (median 1-3.5 s,
    # 29-49 of 150 over 5 s, nothing killed; CI failed 202 of 300 so).
    stream = Stream(image_url, paths, rate=5, token=token)
    watch = StatusWatch(watcher_node, name)
    watch.start()
    kill = lambda: victim.run("systemctl kill --signal=SIGKILL glance-registry")  # noqa: E731
    before = registry_requests(nodes)
    stream.run(30, events={5.0: kill})
    # The load did go through the registries (every one of its calls reads image metadata).
    assert registry_requests(nodes) - before >= len(stream.results)
    wait_for(lambda: victim.service("glance-registry").is_running and watch.seen[-1] == "UP",
             "the killed registry back UP", timeout=60, interval=1)
    watch.stop.set()
    watch.join()
    assert len(stream.results) >= 125
    assert stream.failed == [], stream.summary() + repr(stream.failed[:5])
    # DOWN while it was dead, UP again after systemd restarted it.
    assert "DOWN" in watch.seen and watch.seen[-1] == "UP", watch.seen
    assert watch.seen.index("DOWN") < len(watch.seen) - 1
    restarts = victim.check_output("systemctl show -P NRestarts glance-registry")
    assert int(restarts) >= 1

"""Day-2 helpers both scenarios' store-change tests share: the reconfigure-store playbook,
a glance v2 client through the VIP, and a load of GETs and uploads to run it under."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
import uuid

import requests

from conftest import BENCHMARKS, INVENTORY, playbook

sys.path.insert(0, str(BENCHMARKS))
from loadgen import Stream  # noqa: E402

PLAYBOOK = "playbooks/reconfigure-store.yml"


def reconfigure(*extra: str):
    return playbook(PLAYBOOK, *extra, inventory=INVENTORY)


class Api:
    """glance v2 through the VIP with one token."""

    def __init__(self, url: str, token: str):
        self.url, self.headers = url, {"X-Auth-Token": token}

    def upload(self, name: str, data: bytes, store: str | None = None) -> str:
        created = requests.post(f"{self.url}/v2/images", headers=self.headers, timeout=30, json={
            "name": name, "disk_format": "raw", "container_format": "bare"})
        created.raise_for_status()
        image_id = created.json()["id"]
        headers = dict(self.headers, **{"Content-Type": "application/octet-stream"})
        if store:
            headers["X-Image-Meta-Store"] = store
        put = requests.put(f"{self.url}/v2/images/{image_id}/file", headers=headers, data=data,
                           timeout=300)
        put.raise_for_status()
        return image_id

    def show(self, image_id: str) -> dict:
        got = requests.get(f"{self.url}/v2/images/{image_id}", headers=self.headers, timeout=30)
        got.raise_for_status()
        return got.json()

    def sha256(self, image_id: str) -> str:
        got = requests.get(f"{self.url}/v2/images/{image_id}/file", headers=self.headers, timeout=300)
        got.raise_for_status()
        return hashlib.sha256(got.content).hexdigest()

    def delete(self, image_id: str) -> None:
        requests.delete(f"{self.url}/v2/images/{image_id}", headers=self.headers, timeout=60)


def default_store_line(node) -> str:
    return node.check_output("grep -h '^default_store' /etc/glance/glance-api.conf")


class Uploads(threading.Thread):
    """A few uploads through the VIP while the reconfiguration runs; every one must succeed."""

    def __init__(self, api: Api, every: float = 4.0):
        super().__init__(daemon=True)
        self.api, self.every, self.done, self.errors = api, every, [], []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            data = os.urandom(1 << 20)
            try:
                image_id = self.api.upload(f"during-{uuid.uuid4().hex[:8]}", data)
                self.done.append((image_id, hashlib.sha256(data).hexdigest()))
            except requests.RequestException as err:
                self.errors.append(repr(err))
            self.stop.wait(self.every)


def under_load(api: Api, images: dict, *extra: str, rate: float = 10):
    """Run the playbook while a client streams `rate` GETs a second (downloads included) and
    uploads.
    The stream downloads an image of its own, 1 MiB: on the lab, where the controllers share
    2 cores with this client, a 16 MiB download took up to 5 s with nothing else running
    (docs/benchmarks.md, "Load tests on a machine giving ~1.1 cores")."""
    streamed = api.upload("streamed", os.urandom(1 << 20))
    paths = [f"/v2/images/{streamed}/file", f"/v2/images/{streamed}"] + [f"/v2/images/{i}" for i in images]
    stream = Stream(api.url, paths + ["/v2/images"], rate=rate, token=api.headers["X-Auth-Token"])
    uploads = Uploads(api)
    loader = threading.Thread(target=stream.run, args=(3600,), daemon=True)
    loader.start()
    uploads.start()
    time.sleep(3)
    try:
        run = reconfigure(*extra)
    finally:
        time.sleep(3)
        stream.stop()
        uploads.stop.set()
        loader.join(timeout=300)
        uploads.join(timeout=300)
        api.delete(streamed)
    return run, stream, uploads

"""Day-2 helpers both scenarios' store-change tests share: the reconfigure-store playbook
and a load of GETs and uploads (through the VIP) to run it under."""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from testlib.cluster import INVENTORY, playbook
from testlib.loadgen import Stream
from testlib.openstack import Api

PLAYBOOK = "playbooks/reconfigure-store.yml"


def reconfigure(*extra: str):
    return playbook(PLAYBOOK, *extra, inventory=INVENTORY)


def default_store_line(node) -> str:
    return node.check_output("grep -h '^default_store' /etc/glance/glance-api.conf")


class Uploads(threading.Thread):
    """A few uploads through the VIP while the reconfiguration runs; every one must succeed.
    Every 8 s, not more often: a store switch's migration copies each upload a node took into
    the old store, and the test deletes them all afterwards (docs/benchmarks.md)."""

    def __init__(self, api: Api, every: float = 8.0, new_token=None):
        super().__init__(daemon=True)
        self.api, self.every, self.done, self.errors = api, every, [], []
        self.new_token = new_token
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            data = os.urandom(1 << 20)
            try:
                # A token of its own for each upload when asked: glance validates it with
                # Keystone then and there, not from its cache.
                api = Api(self.api.url, self.new_token()) if self.new_token else self.api
                image_id = api.upload(f"during-{uuid.uuid4().hex[:8]}", data)
                self.done.append((image_id, hashlib.sha256(data).hexdigest()))
            except requests.RequestException as err:
                self.errors.append(repr(err))
            self.stop.wait(self.every)

    def remove(self):
        """Delete what was uploaded, four at a time (an image in two stores takes ~1-3 s to delete)."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(self.api.delete, [image_id for image_id, _ in self.done]))


def under_load(api: Api, images: dict, *extra: str, rate: float = 10, runner=None,
               stream_store: str | None = None, new_token=None):
    """Run reconfigure-store (or `runner(*extra)`) while a client streams `rate` GETs a second
    (downloads included) and uploads (each with a token from `new_token()` if given).
    The stream downloads an image of its own, 1 MiB, held by `stream_store` (the default store
    if None): on the lab, where the controllers share 2 cores with this client, a 16 MiB
    download took up to 5 s with nothing else running (docs/benchmarks.md, "Load tests on a
    machine giving ~1.1 cores")."""
    streamed = api.upload("streamed", os.urandom(1 << 20), store=stream_store)
    paths = [f"/v2/images/{streamed}/file", f"/v2/images/{streamed}"] + [f"/v2/images/{i}" for i in images]
    stream = Stream(api.url, paths + ["/v2/images"], rate=rate, token=api.headers["X-Auth-Token"])
    uploads = Uploads(api, new_token=new_token)
    loader = threading.Thread(target=stream.run, args=(3600,), daemon=True)
    loader.start()
    uploads.start()
    time.sleep(3)
    try:
        run = (runner or reconfigure)(*extra)
    finally:
        time.sleep(3)
        stream.stop()
        uploads.stop.set()
        loader.join(timeout=300)
        uploads.join(timeout=300)
        api.delete(streamed)
    return run, stream, uploads

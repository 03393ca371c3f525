#!/usr/bin/python3
"""Copy every active image into one store, verify the copies, optionally drop old locations.

For each active image whose `stores` lacks the target: glance's `copy-image` import
(POST /v2/images/ID/import), wait until the target is listed, then read the new
location back with glance's own store driver (glance_store, this node's
glance-api.conf) and compare its hash with the image's os_hash_value (checksum for
images without one). Only a verified copy may have its other locations removed
(--remove-old). Images already in the target are left alone: a second run copies
nothing. --parallel images are copied at once: a copy is mostly glance's task waiting
on its own steps (one at a time, ~10 s an image on the lab under load), but the copies run
in the glance-api workers that serve the clients (docs/benchmarks.md).

Credentials of a Keystone admin (copy-image needs the admin role and a project):
OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
OS_PROJECT_DOMAIN_NAME, as one JSON object on standard input with --credentials-stdin
(how the role runs it: no secret on a command line or in a process environment), else
from the environment (by hand).

Prints one JSON report: {"target", "copied": [...], "present": [...], "failed": [...],
"removed_locations": N}. Exit status 0 when nothing failed, 1 otherwise, 2 on bad usage.

Installed by the glance role of glance-ha.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import ssl
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
import urllib.error
import urllib.request

CHUNK = 4 * 1024 * 1024
# Seconds between two looks at an image whose copy is under way.
POLL = 1.0


class Glance:
    """The few glance v2 calls the migration needs, with a Keystone token.

    A migration of many large images can outlast a token (Keystone's default lifetime is
    one hour): a call answered 401 gets a new token from `new_token` and is sent once more."""

    def __init__(self, url: str, new_token, context: ssl.SSLContext | None = None):
        self.url = url.rstrip("/")
        self.new_token = new_token
        self.context = context
        self.token = new_token()

    def call(self, method: str, path: str, body=None, content_type="application/json"):
        try:
            return self._send(method, path, body, content_type)
        except urllib.error.HTTPError as exc:
            if exc.code != 401:
                raise
        self.token = self.new_token()
        return self._send(method, path, body, content_type)

    def _send(self, method: str, path: str, body, content_type: str):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("X-Auth-Token", self.token)
        if data is not None:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=60, context=self.context) as response:
            text = response.read()
        return json.loads(text) if text else None

    def images(self) -> list[dict]:
        found, path = [], "/v2/images?limit=100&status=active"
        while path:
            page = self.call("GET", path)
            found += page["images"]
            path = page.get("next")
        return found

    def image(self, image_id: str) -> dict:
        return self.call("GET", f"/v2/images/{image_id}")


def keystone_token(environ) -> str:
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": environ["OS_USERNAME"], "password": environ["OS_PASSWORD"],
            "domain": {"name": environ.get("OS_USER_DOMAIN_NAME", "Default")}}}},
        "scope": {"project": {
            "name": environ["OS_PROJECT_NAME"],
            "domain": {"name": environ.get("OS_PROJECT_DOMAIN_NAME", "Default")}}}}}
    request = urllib.request.Request(
        environ["OS_AUTH_URL"].rstrip("/") + "/auth/tokens",
        data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.headers["X-Subject-Token"]


def stores_of(image: dict) -> list[str]:
    return [s for s in (image.get("stores") or "").split(",") if s]


def expected_hash(image: dict) -> tuple[str, str] | None:
    """(algorithm, hex digest) the image's data must have."""
    if image.get("os_hash_algo") and image.get("os_hash_value"):
        return image["os_hash_algo"], image["os_hash_value"]
    if image.get("checksum"):
        return "md5", image["checksum"]
    return None


@functools.cache
def _backend(config_file: str, backend: str):
    """The store and its locator, set up once: glance_store parses the config and creates
    every enabled store, seconds of work the copies need not repeat."""
    from glance_ha_store import open_backend

    return open_backend(config_file, backend)


# glance_store's global configuration and drivers are read by one copy at a time.
_STORE_LOCK = threading.Lock()


def read_hash(config_file: str, backend: str, url: str, algorithm: str) -> str:
    """Hash of the data at one location, read through glance's store driver."""
    with _STORE_LOCK:
        store, locate = _backend(config_file, backend)
        chunks, _size = store.get(locate(url))
        digest = hashlib.new(algorithm)
        for chunk in chunks:
            digest.update(chunk)
        return digest.hexdigest()


def plan(images: list[dict], target: str) -> tuple[list[dict], list[dict]]:
    """Images to copy into the target, and those already there."""
    to_copy = [i for i in images if target not in stores_of(i)]
    present = [i for i in images if target in stores_of(i)]
    return to_copy, present


def old_location_indexes(image: dict, target: str) -> list[int]:
    """Indexes of the locations outside the target, highest first (JSON-patch removal order)."""
    locations = image.get("locations") or []
    return sorted((n for n, loc in enumerate(locations)
                   if (loc.get("metadata") or {}).get("store") != target), reverse=True)


def wait_copied(glance: Glance, image_id: str, target: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        image = glance.image(image_id)
        if target in stores_of(image):
            return image
        failed = (image.get("os_glance_failed_import") or "").split(",")
        if target in failed:
            raise RuntimeError(f"glance reports the copy into {target} failed")
        if time.monotonic() > deadline:
            raise RuntimeError(f"not in {target} after {timeout:.0f} s")
        time.sleep(POLL)


def copy_one(glance: Glance, image: dict, args) -> tuple[dict, int]:
    """Copy one image into the target and verify it: its report entry (with "error" when it
    failed) and how many old locations were removed."""
    entry = {"id": image["id"], "name": image.get("name"), "size": image.get("size"),
             "from": stores_of(image)}
    removed = 0
    try:
        glance.call("POST", f"/v2/images/{image['id']}/import", {
            "method": {"name": "copy-image"}, "stores": [args.target],
            "all_stores_must_succeed": True})
        copied = wait_copied(glance, image["id"], args.target, args.timeout)
        want = expected_hash(copied)
        if want is None:
            raise RuntimeError("the image has no checksum to verify the copy against")
        urls = [loc["url"] for loc in copied.get("locations") or []
                if (loc.get("metadata") or {}).get("store") == args.target]
        if not urls:
            raise RuntimeError("no location in the target is visible (show_multiple_locations)")
        got = read_hash(args.config_file, args.target, urls[0], want[0])
        if got != want[1]:
            raise RuntimeError(f"{want[0]} of the copy differs: {got} != {want[1]}")
        entry["verified"] = want[0]
        if args.remove_old:
            for index in old_location_indexes(copied, args.target):
                glance.call("PATCH", f"/v2/images/{image['id']}",
                            [{"op": "remove", "path": f"/locations/{index}"}],
                            content_type="application/openstack-images-v2.1-json-patch")
                removed += 1
    except (RuntimeError, urllib.error.URLError, OSError) as exc:
        entry["error"] = str(exc)
    return entry, removed


def migrate(glance: Glance, args) -> dict:
    report = {"target": args.target, "copied": [], "present": [], "failed": [],
              "removed_locations": 0}
    to_copy, present = plan(glance.images(), args.target)
    report["present"] = [i["id"] for i in present]
    with ThreadPoolExecutor(max_workers=max(1, getattr(args, "parallel", 1))) as pool:
        done = list(pool.map(lambda image: copy_one(glance, image, args), to_copy))
    for entry, removed in done:
        report["failed" if "error" in entry else "copied"].append(entry)
        report["removed_locations"] += removed
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--glance-url", required=True, help="glance API, e.g. https://VIP:9292")
    parser.add_argument("--ca-file", help="CA the glance URL's certificate is verified with (https)")
    parser.add_argument("--config-file", default="/etc/glance/glance-api.conf")
    parser.add_argument("--target", required=True, help="backend id the images go to")
    parser.add_argument("--remove-old", action="store_true",
                        help="remove the other locations of each verified copy")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds one image's copy may take")
    parser.add_argument("--parallel", type=int, default=1, help="images copied at once")
    parser.add_argument("--credentials-stdin", action="store_true",
                        help="read the OS_* credentials as a JSON object from standard input")
    args = parser.parse_args(argv)
    credentials = json.load(sys.stdin) if args.credentials_stdin else dict(os.environ)
    missing = [k for k in ("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME")
               if not credentials.get(k)]
    if missing:
        print(json.dumps({"error": "missing credentials: " + ", ".join(missing)}))
        return 2
    context = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else None
    glance = Glance(args.glance_url, lambda: keystone_token(credentials), context)
    report = migrate(glance, args)
    print(json.dumps(report))
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""The lab's Keystone admin session and glance v2 through the VIP."""

from __future__ import annotations

import hashlib

import requests


def admin_session(auth_url: str, password: str):
    """A keystoneauth session of the lab admin: tokens and the catalog."""
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    auth = v3.Password(auth_url=auth_url, username="admin", password=password, project_name="admin",
                       user_domain_name="Default", project_domain_name="Default")
    return session.Session(auth=auth)


def image_endpoint(session) -> str:
    """glance's public endpoint from the Keystone catalog (the VIP), without a trailing /."""
    return session.get_endpoint(service_type="image", interface="public", region_name="RegionOne").rstrip("/")


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

    def find_active(self, name: str) -> str | None:
        """The id of an active image of that name, if there is one."""
        found = requests.get(f"{self.url}/v2/images", params={"name": name}, headers=self.headers, timeout=30)
        found.raise_for_status()
        return next((i["id"] for i in found.json()["images"] if i["status"] == "active"), None)

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

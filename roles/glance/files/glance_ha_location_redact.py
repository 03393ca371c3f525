"""WSGI filter for glance-api: no store credential in image locations shown to non-admins.

glance's s3 store keeps its access and secret key in every location URL
(s3://KEY:SECRET@host/bucket/id), and glance 25 shows locations and direct_url to
every reader of the image: its get_image_location policy is not checked when an
image is shown. This filter sits after keystonemiddleware's authtoken in the paste
pipeline and, for requests without the admin role, replaces the user-info part of
every URL in `direct_url` and `locations[].url` of image JSON with `***`.
Admins (operators, the seed's `image-show` inspection, the migration helper) see the
locations unchanged. Image data and every other path pass through untouched.

Installed by the glance role of glance-ha into glance-api's Python path.
"""

from __future__ import annotations

import json
import re

# /v2/images (list) and /v2/images/ID (show, update): the only image JSON with locations.
_PATHS = re.compile(r"^/v2/images(/[^/]+)?/?$")
_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@")


def redact_url(url: str) -> str:
    return _USERINFO.sub(r"\1***@", url) if isinstance(url, str) else url


def redact_image(image: dict) -> dict:
    if "direct_url" in image:
        image["direct_url"] = redact_url(image["direct_url"])
    for location in image.get("locations") or []:
        if isinstance(location, dict) and "url" in location:
            location["url"] = redact_url(location["url"])
    return image


def redact_body(body: bytes) -> bytes:
    try:
        doc = json.loads(body)
    except ValueError:
        return body
    if isinstance(doc, dict) and isinstance(doc.get("images"), list):
        doc["images"] = [redact_image(i) if isinstance(i, dict) else i for i in doc["images"]]
    elif isinstance(doc, dict):
        redact_image(doc)
    return json.dumps(doc, ensure_ascii=False).encode()


def is_admin(environ) -> bool:
    roles = environ.get("HTTP_X_ROLES", "")
    return "admin" in [r.strip().lower() for r in roles.split(",")]


class LocationRedact:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if is_admin(environ) or not _PATHS.match(environ.get("PATH_INFO", "")):
            return self.app(environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: captured.setdefault("written", []).append(data)

        result = self.app(environ, capture)
        try:
            body = b"".join(captured.pop("written", [])) + b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        headers = captured["headers"]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if content_type.startswith("application/json"):
            body = redact_body(body)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(captured["status"], headers)
        return [body]


def filter_factory(global_conf, **local_conf):
    return LocationRedact

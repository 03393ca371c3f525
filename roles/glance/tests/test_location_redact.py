"""Unit tests of the location-redacting WSGI filter (files/glance_ha_location_redact.py)."""

from __future__ import annotations

import json

from conftest import load_file

redact = load_file("glance_ha_location_redact.py", "redact")

IMAGE = {"id": "i1", "direct_url": "s3://KEY:SECRET@rgw:8333/glance/i1",
         "locations": [{"url": "s3://KEY:SECRET@rgw:8333/glance/i1", "metadata": {"store": "s3"}},
                       {"url": "file:///var/lib/glance/images/i1", "metadata": {"store": "file"}}]}


def call(path: str, roles: str, body: dict, content_type: str = "application/json"):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", "1")])
        return [json.dumps(body).encode()]

    seen = {}
    out = redact.LocationRedact(app)({"PATH_INFO": path, "HTTP_X_ROLES": roles},
                                     lambda status, headers: seen.update(headers=dict(headers)))
    data = b"".join(out)
    return data, seen["headers"]


def test_a_member_sees_no_credentials_in_show_and_list():
    for path, body in (("/v2/images/i1", IMAGE), ("/v2/images", {"images": [IMAGE]})):
        data, headers = call(path, "reader,member", json.loads(json.dumps(body)))
        assert b"SECRET" not in data and b"KEY" not in data
        assert b"s3://***@rgw:8333/glance/i1" in data and b"file:///var/lib/glance/images/i1" in data
        assert headers["Content-Length"] == str(len(data))


def test_an_admin_sees_the_locations_unchanged():
    data, _ = call("/v2/images/i1", "admin,member", IMAGE)
    assert json.loads(data) == IMAGE


def test_image_data_passes_untouched():
    data, headers = call("/v2/images/i1/file", "member", IMAGE, "application/octet-stream")
    assert json.loads(data) == IMAGE and headers["Content-Length"] == "1"

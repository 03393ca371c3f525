"""Unit tests of glance-ha-migrate-images' planning (files/glance-ha-migrate-images.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from conftest import load_file

migrate = load_file("glance-ha-migrate-images.py", "migrate_images")


def test_only_images_missing_the_target_are_copied():
    images = [{"id": "a", "stores": "file"}, {"id": "b", "stores": "file,s3"}, {"id": "c", "stores": ""}]
    to_copy, present = migrate.plan(images, "s3")
    assert [i["id"] for i in to_copy] == ["a", "c"] and [i["id"] for i in present] == ["b"]


def test_the_hash_to_verify_prefers_os_hash_value():
    assert migrate.expected_hash({"os_hash_algo": "sha512", "os_hash_value": "ab", "checksum": "cd"}) == ("sha512", "ab")
    assert migrate.expected_hash({"checksum": "cd"}) == ("md5", "cd")
    assert migrate.expected_hash({}) is None


def test_old_locations_are_removed_from_the_highest_index():
    image = {"locations": [{"metadata": {"store": "file"}}, {"metadata": {"store": "s3"}},
                           {"metadata": {"store": "swift"}}]}
    assert migrate.old_location_indexes(image, "s3") == [2, 0]


def test_enabled_backends_are_read_from_a_rendered_config():
    import importlib.util as iu

    path = Path(__file__).resolve().parents[1] / "filter_plugins" / "glance_conf.py"
    spec = iu.spec_from_file_location("glance_conf", path)
    conf = iu.module_from_spec(spec)
    spec.loader.exec_module(conf)
    text = "[DEFAULT]\nbind_port = 9292\nenabled_backends = file:file, s3:s3\n\n[glance_store]\ndefault_backend = s3\n"
    assert conf.glance_enabled_backends(text) == ["file", "s3"]
    assert conf.glance_enabled_backends("[DEFAULT]\nworkers = 2\n") == []
    # The legacy track's single-store form.
    legacy = "[DEFAULT]\nworkers = 2\n\n[glance_store]\nstores = file,swift, http\ndefault_store = file\n"
    assert conf.glance_enabled_backends(legacy) == ["file", "swift", "http"]


# --- the migration run, against a fake glance ---------------------------------------------

HASHES = {"img-ok": "aa", "img-bad": "bb"}


class FakeGlance(migrate.Glance):
    """glance as the migration sees it: copy-image lands the target location on the next
    GET, unless the image's `behaviour` says it fails, never lands or lands other bytes."""

    def __init__(self, images: dict[str, dict]):
        self.images_by_id, self.calls, self.copied = images, [], set()

    def call(self, method, path, body=None, content_type="application/json"):
        self.calls.append((method, path, body))
        image_id = path.split("/")[3] if path.startswith("/v2/images/") else None
        image = self.images_by_id.get(image_id)
        if method == "GET" and path.startswith("/v2/images?"):
            return {"images": [dict(i, stores=",".join(i["stores"])) for i in self.images_by_id.values()]}
        if method == "POST" and path.endswith("/import"):
            self.copied.add(image_id)
            return None
        if method == "GET":
            stores = list(image["stores"])
            locations = [{"url": f"{s}://{image_id}", "metadata": {"store": s}} for s in stores]
            behaviour = image.get("behaviour", "ok")
            if image_id in self.copied and behaviour != "never":
                if behaviour == "fails":
                    return dict(image, stores=",".join(stores), os_glance_failed_import=TARGET)
                stores.append(TARGET)
                locations.append({"url": f"{TARGET}://{image_id}", "metadata": {"store": TARGET}})
            return dict(image, stores=",".join(stores), locations=locations)
        if method == "PATCH":
            return None
        raise AssertionError((method, path))


TARGET = "s3"


def image(image_id, behaviour="ok", **extra):
    return {"id": image_id, "name": image_id, "stores": ["file"], "os_hash_algo": "sha512",
            "os_hash_value": "aa", "behaviour": behaviour, **extra}


def run_migration(monkeypatch, images, remove_old=True, parallel=1, fake=FakeGlance):
    glance = fake({i["id"]: i for i in images})
    # The copy's bytes as the store driver reads them: "aa" matches, anything else differs.
    monkeypatch.setattr(migrate, "read_hash", lambda _conf, _backend, url, _algo: HASHES.get(url.split("//")[1], "aa"))
    monkeypatch.setattr(migrate.time, "sleep", lambda _s: None)
    args = migrate.argparse.Namespace(target=TARGET, config_file="/dev/null", remove_old=remove_old, timeout=0,
                                      parallel=parallel)
    return glance, migrate.migrate(glance, args)


def patched(glance, image_id):
    return [c for c in glance.calls if c[0] == "PATCH" and image_id in c[1]]


def test_a_verified_copy_loses_its_old_locations(monkeypatch):
    glance, report = run_migration(monkeypatch, [image("img-ok")])
    assert [e["id"] for e in report["copied"]] == ["img-ok"] and report["failed"] == []
    assert report["copied"][0]["verified"] == "sha512"
    assert patched(glance, "img-ok") == [("PATCH", "/v2/images/img-ok", [{"op": "remove", "path": "/locations/0"}])]
    assert report["removed_locations"] == 1


def test_a_hash_mismatch_fails_and_keeps_every_location(monkeypatch):
    glance, report = run_migration(monkeypatch, [image("img-bad")])
    assert report["copied"] == [] and [e["id"] for e in report["failed"]] == ["img-bad"]
    assert "differs" in report["failed"][0]["error"]
    assert patched(glance, "img-bad") == [] and report["removed_locations"] == 0


def test_a_failed_import_is_reported_and_keeps_every_location(monkeypatch):
    glance, report = run_migration(monkeypatch, [image("img-x", behaviour="fails")])
    assert "copy into s3 failed" in report["failed"][0]["error"]
    assert patched(glance, "img-x") == []


def test_a_copy_that_never_lands_times_out(monkeypatch):
    glance, report = run_migration(monkeypatch, [image("img-y", behaviour="never")])
    assert "not in s3 after" in report["failed"][0]["error"]
    assert patched(glance, "img-y") == []


def test_an_image_without_a_hash_is_not_verified_nor_stripped(monkeypatch):
    glance, report = run_migration(monkeypatch, [image("img-z", os_hash_algo=None, os_hash_value=None)])
    assert "no checksum" in report["failed"][0]["error"]
    assert patched(glance, "img-z") == []


def test_one_failure_does_not_stop_the_others(monkeypatch):
    _glance, report = run_migration(monkeypatch, [image("img-bad"), image("img-ok")], remove_old=False)
    assert [e["id"] for e in report["failed"]] == ["img-bad"] and [e["id"] for e in report["copied"]] == ["img-ok"]
    assert report["removed_locations"] == 0


def test_images_are_copied_several_at_once(monkeypatch):
    """--parallel 3: three copies are under way together (one at a time, the first import
    would wait for the two others and fail)."""
    together = threading.Barrier(3, timeout=5)

    class Gated(FakeGlance):
        def call(self, method, path, body=None, content_type="application/json"):
            result = super().call(method, path, body, content_type)
            if method == "POST":
                together.wait()
            return result

    _glance, report = run_migration(monkeypatch, [image(f"img-{n}") for n in range(3)], parallel=3, fake=Gated)
    assert report["failed"] == [] and sorted(e["id"] for e in report["copied"]) == ["img-0", "img-1", "img-2"]
    assert report["removed_locations"] == 3


class FakeResponse:
    def __init__(self, body: bytes):
        self.body = body

    def read(self):
        return self.body

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        return False


def test_an_expired_token_is_renewed_once_and_the_call_sent_again(monkeypatch):
    tokens = iter(["t1", "t2", "t3"])
    sent = []

    def urlopen(request, timeout, context=None):
        sent.append(request.get_header("X-auth-token"))
        if len(sent) == 1:
            raise migrate.urllib.error.HTTPError(request.full_url, 401, "Unauthorized", {}, None)
        return FakeResponse(b'{"images": []}')

    monkeypatch.setattr(migrate.urllib.request, "urlopen", urlopen)
    glance = migrate.Glance("http://vip:9292", lambda: next(tokens))
    assert glance.call("GET", "/v2/images") == {"images": []}
    assert sent == ["t1", "t2"]


def test_a_refused_call_other_than_401_is_not_retried(monkeypatch):
    sent = []

    def urlopen(request, timeout, context=None):
        sent.append(request.full_url)
        raise migrate.urllib.error.HTTPError(request.full_url, 403, "Forbidden", {}, None)

    monkeypatch.setattr(migrate.urllib.request, "urlopen", urlopen)
    glance = migrate.Glance("http://vip:9292", lambda: "t1")
    with pytest.raises(migrate.urllib.error.HTTPError):
        glance.call("GET", "/v2/images")
    assert len(sent) == 1

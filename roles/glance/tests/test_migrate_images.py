"""Unit tests of glance-ha-migrate-images' planning (files/glance-ha-migrate-images.py)."""

from __future__ import annotations

from pathlib import Path

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

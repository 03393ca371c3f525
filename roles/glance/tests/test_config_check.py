"""Unit tests of glance-ha-config-check's option listing kept per release (files/glance-ha-config-check.py)."""

from __future__ import annotations

import stat

from conftest import load_file

check = load_file("glance-ha-config-check.py", "config_check")


class Listing:
    """A stand-in for glance's option listing: counts its calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, service):
        self.calls += 1
        return {"glance": [(None, [f"{service}-option"])], "stores": [], "drivers": None}


def _versions(monkeypatch, version):
    monkeypatch.setattr(check.metadata, "version", lambda package: version)


def test_a_release_is_listed_once_then_read_from_the_cache(tmp_path, monkeypatch):
    _versions(monkeypatch, "30.0.0")
    listing = Listing()
    first = check.options("api", tmp_path / "cache", listing)
    again = check.options("api", tmp_path / "cache", listing)
    assert first == again
    assert listing.calls == 1 and first["glance"] == [(None, ["api-option"])]
    assert stat.S_IMODE((tmp_path / "cache").stat().st_mode) == 0o700


def test_another_release_is_listed_afresh_and_replaces_the_old_listing(tmp_path, monkeypatch):
    listing = Listing()
    _versions(monkeypatch, "25.1.0")
    check.options("api", tmp_path, listing)
    _versions(monkeypatch, "30.0.0")
    check.options("api", tmp_path, listing)
    assert listing.calls == 2
    assert [p.name.split("-")[1] for p in tmp_path.glob("api-*.pickle")] == ["30.0.0"]


def test_each_service_has_its_own_listing(tmp_path, monkeypatch):
    _versions(monkeypatch, "20.2.0")
    listing = Listing()
    assert check.options("api", tmp_path, listing) != check.options("registry", tmp_path, listing)
    assert listing.calls == 2


def test_without_package_metadata_it_lists_every_time(tmp_path, monkeypatch):
    def missing(package):
        raise check.metadata.PackageNotFoundError(package)

    monkeypatch.setattr(check.metadata, "version", missing)
    listing = Listing()
    check.options("api", tmp_path, listing)
    check.options("api", tmp_path, listing)
    assert listing.calls == 2 and not list(tmp_path.iterdir())


def test_a_damaged_listing_is_listed_again(tmp_path, monkeypatch):
    _versions(monkeypatch, "30.0.0")
    listing = Listing()
    check.options("api", tmp_path, listing)
    next(tmp_path.glob("api-*.pickle")).write_bytes(b"not a pickle")
    assert check.options("api", tmp_path, listing)["glance"] == [(None, ["api-option"])]
    assert listing.calls == 2

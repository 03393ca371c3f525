"""Unit tests of glance-ha-restart (files/glance-ha-restart.py): the handlers' restart that
returns only once the service answers its healthcheck."""

from __future__ import annotations

import contextlib
import http.server
import threading

import pytest

from conftest import load_file

restart = load_file("glance-ha-restart.py", "glance_ha_restart")


class Quiet(http.server.BaseHTTPRequestHandler):
    def log_message(self, *_args):
        pass


@contextlib.contextmanager
def serving(handler):
    """`handler` served on a loopback port for the block; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture
def health():
    """A /healthcheck on loopback that answers the statuses in `answers` in turn (the last
    one repeated); the list of commands the helper ran."""

    class Handler(Quiet):
        answers = [503]

        def do_GET(self):  # noqa: N802 - http.server's name
            status = Handler.answers.pop(0) if len(Handler.answers) > 1 else Handler.answers[0]
            self.send_response(status)
            self.end_headers()

    with serving(Handler) as base:
        yield Handler, f"{base}/healthcheck"


@pytest.fixture
def ran(monkeypatch):
    commands = []
    monkeypatch.setattr(restart.subprocess, "run", lambda argv, check: commands.append(argv))
    monkeypatch.setattr(restart.time, "sleep", lambda _s: None)
    return commands


def test_returns_once_the_service_answers_200(health, ran):
    handler, url = health
    handler.answers = [503, 503, 200]
    assert restart.main(["glance-api", url, "30"]) == 0
    assert ran == [["systemctl", "daemon-reload"], ["systemctl", "restart", "glance-api"]]
    assert handler.answers == [200]  # it asked until the 200 came


def test_fails_when_the_service_never_answers_200(health, ran):
    handler, url = health
    handler.answers = [503]
    assert restart.main(["glance-api", url, "0"]) == 1


def test_nothing_listening_counts_as_unhealthy(ran):
    assert restart.main(["glance-api", "http://127.0.0.1:9/healthcheck", "0"]) == 1


@pytest.fixture
def glance_and_keystone():
    """One loopback server playing glance-api (/healthcheck, /v2/images) and Keystone
    (/v3/auth/tokens); records the listings' tokens."""

    class Handler(Quiet):
        listings: list[str] = []
        keystone_status = 201

        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(Handler.keystone_status)
            self.send_header("X-Subject-Token", "service-token")
            self.end_headers()

        def do_GET(self):  # noqa: N802
            if self.path.startswith("/v2/images"):
                Handler.listings.append(self.headers.get("X-Auth-Token"))
            self.send_response(200)
            self.end_headers()

    with serving(Handler) as base:
        yield Handler, base


def _config(tmp_path, base: str) -> str:
    path = tmp_path / "glance-api.conf"
    path.write_text(f"[DEFAULT]\nworkers = 2\n[keystone_authtoken]\nauth_url = {base}/v3\nusername = glance\n"
                    "password = secret\nproject_name = service\nuser_domain_name = Default\n")
    return str(path)


def test_warm_up_sends_each_worker_an_authenticated_listing(glance_and_keystone, ran, tmp_path, capsys):
    handler, base = glance_and_keystone
    assert restart.main(["glance-api", f"{base}/healthcheck", "30", "--warm-up", _config(tmp_path, base)]) == 0
    assert handler.listings == ["service-token"] * 4  # two per worker
    assert "warmed up: 4 listings answered [200, 200, 200, 200]" in capsys.readouterr().out


def test_a_failed_warm_up_is_reported_and_ends_nothing(glance_and_keystone, ran, tmp_path, capsys):
    handler, base = glance_and_keystone
    handler.keystone_status = 503
    assert restart.main(["glance-api", f"{base}/healthcheck", "30", "--warm-up", _config(tmp_path, base)]) == 0
    assert handler.listings == []
    assert "no warm-up: no token" in capsys.readouterr().out

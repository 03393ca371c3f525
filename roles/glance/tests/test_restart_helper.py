"""Unit tests of glance-ha-restart (files/glance-ha-restart.py): the handlers' restart that
returns only once the service answers its healthcheck."""

from __future__ import annotations

import http.server
import threading

import pytest

from conftest import load_file

restart = load_file("glance-ha-restart.py", "glance_ha_restart")


@pytest.fixture
def health():
    """A /healthcheck on loopback that answers the statuses in `answers` in turn (the last
    one repeated); the list of commands the helper ran."""

    class Handler(http.server.BaseHTTPRequestHandler):
        answers = [503]

        def do_GET(self):  # noqa: N802 - http.server's name
            status = Handler.answers.pop(0) if len(Handler.answers) > 1 else Handler.answers[0]
            self.send_response(status)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield Handler, f"http://127.0.0.1:{server.server_address[1]}/healthcheck"
    server.shutdown()


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

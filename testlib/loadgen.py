"""A steady request stream against glance, shared by the failover tests and benchmarks.

Requests are started on a fixed schedule (`rate` per second) from a thread pool, so
one slow or hung request does not delay the next: what a busy cloud's many clients
do. Every request's start time, duration and outcome is kept; `failed` counts the
ones that did not end in an expected status.
"""

from __future__ import annotations

import http.client
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    start: float  # seconds since the stream began
    duration: float
    path: str
    status: int | None  # None: no HTTP answer
    error: str = ""  # why there was no answer, or the start of a non-2xx answer's body

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Stream:
    base_url: str  # e.g. https://10.213.20.10:9292
    paths: list[str]  # cycled through, one per request
    rate: float = 20.0  # requests started per second
    token: str = ""  # X-Auth-Token, when the API needs one
    timeout: float = 5.0  # per request: the project counts no answer within 5 s as a failure
    results: list[Result] = field(default_factory=list)
    t0: float = 0.0  # time.monotonic() when run() began: Result.start counts from it
    _stop: threading.Event = field(default_factory=threading.Event)
    # One TLS context for every request of the stream: a new one per connection reads the
    # whole CA bundle again (CPU the lab's controllers share with this client).
    _tls: ssl.SSLContext | None = None

    def _one(self, path: str, t0: float) -> None:
        start = time.monotonic()
        url = urlsplit(self.base_url)
        status, error = None, ""
        try:
            if url.scheme == "https":
                conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=self.timeout, context=self._tls)
            else:
                conn = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
            headers = {"X-Auth-Token": self.token} if self.token else {}
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()  # a download counts only when every byte arrived
            status = resp.status
            if not 200 <= status < 300:
                # What the service said (glance's explanation of a 403, HAProxy's 503 page):
                # the status alone does not tell a policy's refusal from a stale registry.
                error = " ".join(body[:300].decode(errors="replace").split())
            conn.close()
        except (OSError, http.client.HTTPException) as err:
            error = f"{type(err).__name__}: {err}"
        self.results.append(Result(start - t0, time.monotonic() - start, path, status, error))

    def run(self, duration: float, events: dict[float, callable] | None = None) -> "Stream":
        """Send requests for `duration` seconds; call each of `events` (seconds after the
        start -> callable) from the scheduler, e.g. to kill a backend at t=10 s. An event that
        raised raises here, once every request has ended (a failed event is not a quiet one)."""
        events = dict(sorted((events or {}).items()))
        if urlsplit(self.base_url).scheme == "https" and self._tls is None:
            self._tls = ssl.create_default_context()
        fired = []
        t0 = self.t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(8, int(self.rate * 4))) as pool:
            n = 0
            while True:
                now = time.monotonic() - t0
                if now >= duration or self._stop.is_set():
                    break
                for at in [a for a in events if a <= now]:
                    fired.append(pool.submit(events.pop(at)))
                due = n / self.rate
                if due > now:
                    time.sleep(min(due - now, 0.05))
                    continue
                pool.submit(self._one, self.paths[n % len(self.paths)], t0)
                n += 1
        for event in fired:
            event.result()
        return self

    def stop(self) -> None:
        """End run() early, from another thread (the requests already sent still end)."""
        self._stop.set()

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if not r.ok]

    def summary(self) -> str:
        durations = sorted(r.duration for r in self.results) or [0.0]
        return (f"{len(self.results)} requests, {len(self.failed)} failed, "
                f"median {durations[len(durations) // 2] * 1000:.0f} ms, max {durations[-1]:.2f} s")


def gap(results: list[Result]) -> float:
    """Longest time (seconds) between two consecutive successful answers: how long the
    clients saw the service gone, whether their requests failed or hung meanwhile."""
    done = sorted(r.start + r.duration for r in results if r.ok)
    return max((b - a for a, b in zip(done, done[1:])), default=0.0)

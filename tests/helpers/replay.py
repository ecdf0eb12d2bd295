"""A local HTTP server replaying answers of several APIs, counting what each source costs.

One `pytest_httpserver.HTTPServer` on 127.0.0.1; each API is a *route* (a path or path regex,
a method, the source id it stands for, and a handler that builds the answer from the request).
Every request is logged with its source, status and the bytes of the answer, so a test can
assert how many requests a run made and how many bytes it fetched, per source.

Failures are *scripted*: `ReplayServer.script(source, answer, match=..., times=...)` serves
`answer` instead of the handler's for the next `times` matching requests (e.g. a 429 for page 2
of one indicator), then the handler answers again. That is how a test makes one request fail
and then checks that a resumed run asks only for what is missing.

Usage:

    with replay_server() as replay:
        replay.route("worldbank_indicators", re.compile(r"^/wb/v2/.*"), handler)
        replay.script("worldbank_indicators", json_answer([...]), match=lambda r: ...)
        ...
        assert replay.count("worldbank_indicators") == 4

or the pytest fixture `replay` (a shared server, reset for each test; import `replay` and
`replay_session` into the test module, or into a conftest.py).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

Handler = Callable[[Request], Response]
Matcher = Callable[[Request], bool]


class Sleeps(list):
    """A no-op `sleep` for HttpClient that records the waits it was asked for."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@dataclass(frozen=True)
class Served:
    """One request the replay server answered."""

    source: str
    method: str
    path: str  # path and query string, as sent (e.g. "/wb/v2/country/KHM/indicator/X?page=1")
    status: int
    bytes: int  # size of the answer body
    headers: dict[str, str]  # request headers
    body: bytes  # request body (POST form of Overpass)
    scripted: bool  # True when a scripted answer was served instead of the handler's


@dataclass
class _Script:
    answer: Response | Handler
    match: Matcher | None
    times: int


@dataclass
class ReplayServer:
    server: HTTPServer
    log: list[Served] = field(default_factory=list)
    _scripts: dict[str, list[_Script]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def route(
        self, source: str, path: str | re.Pattern[str], handler: Handler, method: str = "GET"
    ) -> None:
        """Answer requests for `path` (exact, or a compiled regex) with `handler`."""

        def serve(request: Request) -> Response:
            answer, scripted = self._scripted(source, request), True
            if answer is None:
                answer, scripted = handler(request), False
            body = answer.get_data()
            with self._lock:
                self.log.append(
                    Served(
                        source, request.method, request.full_path.rstrip("?"),
                        answer.status_code, len(body), dict(request.headers),
                        request.get_data(), scripted,
                    )
                )  # fmt: skip
            return answer

        self.server.expect_request(path, method=method).respond_with_handler(serve)

    def script(
        self,
        source: str,
        answer: Response | Handler,
        *,
        match: Matcher | None = None,
        times: int = 1,
    ) -> None:
        """Serve `answer` for the next `times` requests of `source` that `match` accepts."""
        with self._lock:
            self._scripts.setdefault(source, []).append(_Script(answer, match, times))

    def _scripted(self, source: str, request: Request) -> Response | None:
        with self._lock:
            for item in self._scripts.get(source, []):
                if item.times > 0 and (item.match is None or item.match(request)):
                    item.times -= 1
                    answer = item.answer
                    break
            else:
                return None
        return answer if isinstance(answer, Response) else answer(request)

    def unscript(self) -> None:
        """Drop every scripted answer not served yet."""
        with self._lock:
            self._scripts.clear()

    def requests(self, source: str | None = None) -> list[Served]:
        with self._lock:
            return [s for s in self.log if source is None or s.source == source]

    def count(self, source: str) -> int:
        return len(self.requests(source))

    def bytes_served(self, source: str) -> int:
        return sum(s.bytes for s in self.requests(source))

    def reset(self) -> None:
        """No routes, no scripted answers, empty log (a fresh server, without restarting it)."""
        self.server.clear()
        with self._lock:
            self._scripts.clear()
            self.log.clear()

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()


@contextmanager
def replay_server(threaded: bool = False) -> Iterator[ReplayServer]:
    """A fresh replay server on 127.0.0.1 (any free port), stopped on exit."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=threaded)
    server.start()
    try:
        yield ReplayServer(server)
    finally:
        server.clear()
        if server.is_running():
            server.stop()


@pytest.fixture(scope="session")
def replay_session() -> Iterator[ReplayServer]:
    """One replay server for the session (stopping a server costs ~0.5 s, so share one)."""
    with replay_server() as server:
        yield server


@pytest.fixture
def replay(replay_session: ReplayServer) -> Iterator[ReplayServer]:
    """The shared replay server with no routes, scripts or log: import both `replay` and
    `replay_session` into a test module (``from tests.helpers.replay import replay,
    replay_session``) to use it."""
    replay_session.reset()
    yield replay_session
    replay_session.reset()


def json_answer(
    obj: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json;charset=utf-8",
) -> Response:
    return Response(json.dumps(obj), status=status, headers=headers, content_type=content_type)


def html_answer(page: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(page, status=status, headers=headers, content_type="text/html; charset=utf-8")

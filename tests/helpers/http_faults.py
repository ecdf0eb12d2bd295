"""Answers that fail the way networks fail, for the HTTP client tests of every API client: the
connection dropped (before or in the middle of an answer) and an answer that comes too late.

The fixture `own_server` (tests/conftest.py) is a private server for slow handlers, so that their
late answers cannot disturb other tests.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.framework.http import SourceError
from tests.helpers.replay import Sleeps


def drop_connection(request: Request, raw: bytes = b"") -> Response:
    """Write `raw` straight to the client socket, then drop the connection (RST, no response):
    with nothing written, a connection reset; with a head promising more, a body cut short."""
    sock: socket.socket = request.environ["werkzeug.socket"]
    if raw:
        sock.sendall(raw)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.shutdown(socket.SHUT_RDWR)
    return Response("never sent")


def answer_late(body: str, seconds: float = 0.3) -> Callable[[Request], Response]:
    """A handler that answers `body` (as JSON) only after `seconds`, longer than the clients'
    test timeouts."""

    def late(request: Request) -> Response:
        time.sleep(seconds)
        return Response(body, content_type="application/json")

    return late


def timeout_failure(
    server: HTTPServer, path: str, body: str, fetch: Callable[[Sleeps], object]
) -> tuple[str, Sleeps]:
    """`path` answered too late; the message of the SourceError `fetch(sleeps)` raises (a client
    with a short timeout calling `path`) and the waits it asked for between attempts."""
    server.expect_request(path).respond_with_handler(answer_late(body))
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        fetch(sleeps)
    return str(err.value), sleeps

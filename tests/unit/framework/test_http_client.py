"""HttpClient against a real local HTTP server (pytest-httpserver): retries, limits, messages."""

from __future__ import annotations

import datetime
import socket
import time
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipelines.framework.http import (
    HttpClient,
    HttpResponse,
    RetryableResponse,
    SourceError,
    _retry_after,
)
from tests.helpers.http_faults import drop_connection, timeout_failure
from tests.helpers.replay import Handler, Sleeps


def make_http(sleeps: Sleeps, **kw) -> HttpClient:
    kw.setdefault("max_retries", 3)
    kw.setdefault("timeout_s", 5.0)
    return HttpClient(source="test_source", sleep=sleeps, **kw)


def test_get_returns_body_and_sends_user_agent(httpserver):
    httpserver.expect_request("/ok", headers={"Accept": "application/json"}).respond_with_json(
        {"a": 1}
    )
    sleeps = Sleeps()
    resp = make_http(sleeps).get(httpserver.url_for("/ok"))
    assert resp.status == 200
    assert resp.json("test_source") == {"a": 1}
    assert sleeps == []
    assert "ascn-city-indicators" in httpserver.log[0][0].headers["User-Agent"]


def test_5xx_then_success_backs_off_exponentially(httpserver):
    for _ in range(2):
        httpserver.expect_ordered_request("/flaky").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/flaky").respond_with_json({"ok": True})
    sleeps = Sleeps()
    resp = make_http(sleeps, backoff_s=1.0).get(httpserver.url_for("/flaky"))
    assert resp.json("test_source") == {"ok": True}
    assert sleeps == [1.0, 2.0]  # backoff_s * 2**attempt


def test_5xx_forever_gives_up_naming_source_url_and_status(httpserver):
    httpserver.expect_request("/down").respond_with_data("upstream down", status=502)
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        make_http(sleeps, max_retries=2).get(httpserver.url_for("/down"))
    msg = str(err.value)
    assert "[test_source]" in msg and "/down" in msg
    assert "gave up after 3 attempts" in msg and "HTTP 502" in msg and "upstream down" in msg
    assert err.value.status == 502
    assert len(sleeps) == 2


def test_429_honours_retry_after_seconds(httpserver):
    httpserver.expect_ordered_request("/limited").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request("/limited").respond_with_json([1])
    sleeps = Sleeps()
    make_http(sleeps, backoff_s=1.0).get(httpserver.url_for("/limited"))
    assert sleeps == [7.0]  # Retry-After (7) beats the 1 s back-off


def test_retry_after_beyond_max_wait_is_not_waited_for(httpserver):
    """A server asking for an hour: give up on the request now (a rerun resumes), not sleep."""
    httpserver.expect_request("/limited").respond_with_data(
        "", status=429, headers={"Retry-After": "3600"}
    )
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        make_http(sleeps, max_wait_s=300.0).get(httpserver.url_for("/limited"))
    assert sleeps == [] and len(httpserver.log) == 1
    assert "asks to wait 3600 s, longer than 300 s" in str(err.value)
    assert "HTTP 429: (empty body)" in str(err.value)
    assert err.value.status == 429 and not err.value.permanent  # the asset retry may resume


def test_retry_after_above_max_backoff_is_still_honoured(httpserver):
    httpserver.expect_ordered_request("/limited").respond_with_data(
        "", status=503, headers={"Retry-After": "90"}
    )
    httpserver.expect_ordered_request("/limited").respond_with_json([1])
    sleeps = Sleeps()
    make_http(sleeps, max_backoff_s=30.0, max_wait_s=300.0).get(httpserver.url_for("/limited"))
    assert sleeps == [90.0]  # the server's delay, not our back-off cap


def test_retry_after_header_forms():
    assert _retry_after("12") == 12.0
    assert _retry_after("-5") == 0.0
    assert _retry_after(None) is None
    assert _retry_after("not a date") is None  # falls back to the back-off, no crash
    future = format_datetime(
        datetime.datetime.fromtimestamp(time.time() + 100, tz=datetime.UTC), usegmt=True
    )
    assert 95 <= _retry_after(future) <= 101


def test_non_retryable_4xx_fails_at_once_with_status(httpserver):
    httpserver.expect_request("/missing").respond_with_data("no such thing", status=404)
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        make_http(sleeps).get(httpserver.url_for("/missing"))
    assert err.value.status == 404 and err.value.permanent
    assert "HTTP 404: no such thing" in str(err.value)
    assert sleeps == [] and len(httpserver.log) == 1


def test_timeout_is_retried_then_source_error(own_server):
    url = own_server.url_for("/slow")
    msg, sleeps = timeout_failure(
        own_server, "/slow", "late", lambda s: make_http(s, timeout_s=0.05, max_retries=1).get(url)
    )
    assert "gave up after 2 attempts" in msg
    assert "Timeout" in msg and "/slow" in msg
    assert len(sleeps) == 1


def broken_then_ok(server: HTTPServer, path: str, broken: Handler) -> tuple[object, Sleeps]:
    """`path` answered first by `broken`, then with {"ok": 1}: the JSON got, and the waits."""
    server.expect_ordered_request(path).respond_with_handler(broken)
    server.expect_ordered_request(path).respond_with_json({"ok": 1})
    sleeps = Sleeps()
    return make_http(sleeps).get(server.url_for(path)).json("test_source"), sleeps


def test_connection_reset_is_retried_then_succeeds(httpserver):
    json, sleeps = broken_then_ok(httpserver, "/reset", drop_connection)
    assert json == {"ok": 1} and len(sleeps) == 1


def test_connection_reset_forever_gives_up(httpserver):
    httpserver.expect_request("/reset").respond_with_handler(drop_connection)
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        make_http(sleeps, max_retries=2).get(httpserver.url_for("/reset"))
    assert "gave up after 3 attempts" in str(err.value) and "ConnectionError" in str(err.value)


def test_connection_refused_gives_up():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        make_http(sleeps, max_retries=1).get(f"http://127.0.0.1:{port}/x")
    assert f"127.0.0.1:{port}/x" in str(err.value)


def test_body_cut_short_is_retried(httpserver):
    """Content-Length promises more than is sent, then the connection closes."""

    def truncated(request: Request) -> Response:
        return drop_connection(request, b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"a": 1')

    json, sleeps = broken_then_ok(httpserver, "/cut", truncated)
    assert json == {"ok": 1} and len(sleeps) == 1


def test_invalid_json_names_the_url(httpserver):
    httpserver.expect_request("/bad").respond_with_data('{"a": [1, 2', content_type="text/json")
    resp = make_http(Sleeps()).get(httpserver.url_for("/bad"))
    with pytest.raises(SourceError) as err:
        resp.json("test_source")
    assert "/bad" in str(err.value) and "not valid JSON" in str(err.value)


def test_oversized_streamed_response_is_refused(httpserver):
    def chunked(request: Request) -> Response:
        return Response((b"x" * 1000 for _ in range(10)), direct_passthrough=True)

    httpserver.expect_request("/big").respond_with_handler(chunked)
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        make_http(sleeps, max_bytes=2500).get(httpserver.url_for("/big"))
    assert "2,500-byte limit" in str(err.value) and "/big" in str(err.value)
    assert sleeps == []  # not retried: it would be as big next time


def test_oversized_content_length_is_refused_before_reading(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"y" * 5000)
    with pytest.raises(SourceError) as err:
        make_http(Sleeps(), max_bytes=1000).get(httpserver.url_for("/big"))
    assert "5,000 bytes (Content-Length)" in str(err.value)


def test_validate_can_ask_for_a_retry(httpserver):
    httpserver.expect_ordered_request("/v").respond_with_json({"error": "try again"})
    httpserver.expect_ordered_request("/v").respond_with_json({"data": 1})

    def validate(resp: HttpResponse) -> None:
        if "error" in resp.json("test_source"):
            raise RetryableResponse("error body")

    sleeps = Sleeps()
    resp = make_http(sleeps).get(httpserver.url_for("/v"), validate=validate)
    assert resp.json("test_source") == {"data": 1}
    assert len(sleeps) == 1


def test_custom_retry_statuses_retry_400(httpserver):
    httpserver.expect_ordered_request("/q").respond_with_data("bad request", status=400)
    httpserver.expect_ordered_request("/q").respond_with_json([])
    sleeps = Sleeps()
    http = make_http(sleeps, retry_statuses=frozenset({400, 500}))
    assert http.get(httpserver.url_for("/q")).json("test_source") == []
    assert len(sleeps) == 1


def test_invalid_url_is_a_source_error():
    with pytest.raises(SourceError) as err:
        make_http(Sleeps()).get("http://")
    assert "request failed" in str(err.value)

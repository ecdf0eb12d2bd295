"""Error answers: full error text, rate-limit and too-busy pages recognised whatever the status.

Bodies in the shapes of the real servers (tests/helpers/answers.py says where each comes from),
served by a real local HTTP server to the real HttpClient.
"""

from __future__ import annotations

import pytest

from pipelines.framework.http import HttpClient, SourceError
from pipelines.framework.http_errors import error_text, stated_delay, throttle_kind
from tests.helpers.answers import (
    OVERPASS_RATE_LIMITED,
    OVERPASS_TOO_BUSY,
    osm3s_page,
    overpass_parse_error,
    overpass_rate_limited,
    overpass_too_busy,
    proxy_rate_limit_page,
)
from tests.helpers.replay import Sleeps, json_answer


def http(sleeps: Sleeps, **kw) -> HttpClient:
    kw.setdefault("max_retries", 2)
    return HttpClient(source="test_source", sleep=sleeps, timeout_s=5.0, **kw)


# ---- the text of an error ----------------------------------------------------------------
def test_overpass_page_gives_every_error_line_not_the_prolog():
    page = osm3s_page(
        'line 1: parse error: Unknown type "bbox"', "line 1: parse error: An empty query is not "
        "allowed",
    ).encode()  # fmt: skip
    assert page[:200].decode().startswith('<?xml version="1.0"')  # what the old message showed
    assert error_text(page) == (
        'line 1: parse error: Unknown type "bbox"; '
        "line 1: parse error: An empty query is not allowed"
    )


def test_json_error_bodies_give_their_message():
    wb = b'[{"message": [{"id": "120", "key": "Invalid value", "value": "The provided parameter'
    wb += b' value is not valid"}]}]'
    assert error_text(wb) == "id 120 Invalid value: The provided parameter value is not valid"
    gateway = b'{"statusCode": 401, "message": "Access denied due to missing subscription key."}'
    assert error_text(gateway) == "Access denied due to missing subscription key."
    remark = (
        b'{"elements": [], "remark": "runtime error: Query timed out in \\"query\\" at line 4"}'
    )
    assert error_text(remark) == 'runtime error: Query timed out in "query" at line 4'


def test_generic_html_page_gives_title_and_first_heading():
    page = proxy_rate_limit_page(retry_after_s=30).get_data()
    assert error_text(page) == (
        "429 Too Many Requests: Too Many Requests: You have sent too many requests. Please retry "
        "after 30 seconds."
    )
    assert error_text(b"") == "(empty body)"
    assert error_text(b"x" * 5000).endswith("…") and len(error_text(b"x" * 5000)) == 1000


def test_throttle_recognised_by_text_json_left_alone():
    assert throttle_kind(osm3s_page(OVERPASS_RATE_LIMITED).encode()) == "rate_limited"
    assert throttle_kind(osm3s_page(OVERPASS_TOO_BUSY).encode()) == "too_busy"
    assert throttle_kind(proxy_rate_limit_page().get_data()) == "rate_limited"
    assert throttle_kind(osm3s_page('line 1: parse error: Unknown type "bbox"').encode()) is None
    # A JSON answer whose *data* mention rate limits is the client's business, not a throttle.
    assert throttle_kind(b'{"title": "Too Many Requests: a study of rate limits"}') is None


def test_stated_delay_forms():
    assert stated_delay(b"<p>Please retry after 30 seconds.</p>") == 30.0
    assert stated_delay(b"Slot available after: 2020-11-21T12:46:05Z, in 20 seconds.") == 20.0
    assert stated_delay(b"try again in 5 s") == 5.0
    assert stated_delay(osm3s_page(OVERPASS_RATE_LIMITED).encode()) is None


# ---- the client ---------------------------------------------------------------------------
def test_rate_limit_page_with_http_200_is_retried_after_the_stated_delay(replay):
    replay.route("x", "/api", lambda r: json_answer({"ok": True}))
    replay.script("x", proxy_rate_limit_page(status=200, retry_after_s=30))
    sleeps = Sleeps()
    resp = http(sleeps, backoff_s=1.0).get(replay.url("/api"))
    assert resp.json("test_source") == {"ok": True}
    assert sleeps == [30.0]  # the page's "retry after 30 seconds", not "not valid JSON"
    assert [s.status for s in replay.requests("x")] == [200, 200]


def test_overpass_429_page_is_retried_and_names_its_error_line_when_giving_up(replay):
    replay.route("osm", "/interpreter", lambda r: overpass_rate_limited(), method="POST")
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        http(sleeps, max_retries=1).post(replay.url("/interpreter"), data={"data": "q"})
    msg = str(err.value)
    assert "gave up after 2 attempts: rate limited (HTTP 429: runtime error: open64" in msg
    assert "quota of your IP address" in msg and "<?xml" not in msg
    assert err.value.status == 429 and not err.value.permanent
    assert sleeps == [1.0]  # no Retry-After, no stated delay: the back-off


def test_too_busy_page_with_http_200_is_retried(replay):
    replay.route("osm", "/interpreter", lambda r: json_answer({"elements": []}), method="POST")
    replay.script("osm", overpass_too_busy(status=200))
    sleeps = Sleeps()
    resp = http(sleeps).post(replay.url("/interpreter"), data={"data": "q"})
    assert resp.json("osm") == {"elements": []} and replay.count("osm") == 2
    assert sleeps == [1.0]


def test_overpass_parse_error_is_permanent_with_every_error_line(replay):
    replay.route(
        "osm", "/interpreter", lambda r: overpass_parse_error(
            'line 1: parse error: Unknown type "bbox"',
            "line 1: parse error: An empty query is not allowed",
        ), method="POST",
    )  # fmt: skip
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        http(sleeps).post(replay.url("/interpreter"), data={"data": "bbox;"})
    assert replay.count("osm") == 1 and sleeps == []  # not retried
    assert err.value.permanent and err.value.status == 400
    assert str(err.value).endswith(
        'HTTP 400: line 1: parse error: Unknown type "bbox"; '
        "line 1: parse error: An empty query is not allowed"
    )


def test_json_4xx_message_is_in_the_error(replay):
    body = {"statusCode": 401, "message": "Access denied due to invalid subscription key."}
    replay.route("iati", "/select", lambda r: json_answer(body, status=401))
    with pytest.raises(SourceError) as err:
        http(Sleeps()).get(replay.url("/select"))
    assert "HTTP 401: Access denied due to invalid subscription key." in str(err.value)
    assert err.value.permanent

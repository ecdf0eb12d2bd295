"""Kept answers (AnswerStore) with the real HttpClient against a local server: reuse while
fresh, conditional requests and 304 when stale, nothing kept that was refused, retries per
request; and the settings behind them (ASCN_HTTP_MAX_AGE_HOURS, ASCN_CONTACT)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug import Request, Response

from pipelines.framework.answers import AnswerStore, request_key
from pipelines.framework.http import HttpClient, HttpResponse, SourceError, http_client, refuse
from pipelines.settings import Settings
from tests.helpers.replay import ReplayServer, Sleeps, json_answer

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def store(tmp_path: Path, clock: Clock, hours: float = 20) -> AnswerStore:
    return AnswerStore(tmp_path / "cache", timedelta(hours=hours), now=clock)


def client(answers: AnswerStore, **kw) -> HttpClient:
    kw.setdefault("max_retries", 2)
    return HttpClient("src", store=answers, sleep=Sleeps(), timeout_s=5.0, **kw)


def counting(replay: ReplayServer, path: str, body: dict, headers: dict | None = None) -> None:
    replay.route("src", path, lambda r: json_answer(body, headers=headers))


def test_fresh_answer_is_reused_without_a_request(replay, tmp_path):
    clock = Clock()
    counting(replay, "/a", {"a": 1})
    first = client(store(tmp_path, clock))
    assert first.get(replay.url("/a"), params={"page": 1}).json("src") == {"a": 1}
    clock.now = T0 + timedelta(hours=19, minutes=59)
    second = client(store(tmp_path, clock))  # a new client: the next try, same store
    resp = second.get(replay.url("/a"), params={"page": 1})
    assert resp.json("src") == {"a": 1} and resp.kept
    assert replay.count("src") == 1
    assert (second.traffic.requests, second.traffic.reused, second.traffic.bytes) == (0, 1, 0)
    # Another parameter is another request.
    second.get(replay.url("/a"), params={"page": 2})
    assert replay.count("src") == 2
    assert first.traffic.requests == 1 and first.traffic.bytes == len(b'{"a": 1}')


def test_kept_record_holds_request_hash_time_and_validators_never_headers(replay, tmp_path):
    clock = Clock()
    headers = {"ETag": '"v1"', "Last-Modified": "x"}
    replay.route("src", "/a", lambda r: json_answer({"a": 1}, headers=headers), method="POST")
    http = client(store(tmp_path, clock), headers={"Ocp-Apim-Subscription-Key": "SECRET"})
    http.post(replay.url("/a"), data={"data": "query"})
    key = request_key("POST", replay.url("/a"), None, {"data": "query"})
    record = json.loads((tmp_path / "cache" / "src" / f"{key}.json").read_text())
    assert record["method"] == "POST" and record["url"] == replay.url("/a")
    assert record["data"] == {"data": "query"} and record["status"] == 200
    # sha256 of the 8 bytes b'{"a": 1}', worked out with hashlib.sha256 in a shell.
    assert record["sha256"] == "f9d86028c6e0d64e225186f96acb69338b2c59764df79162107f5c4bb34d1310"
    assert record["size"] == 8 and record["fetched_at"] == T0.isoformat()
    assert record["headers"]["ETag"] == '"v1"' and record["headers"]["Last-Modified"] == "x"
    assert "SECRET" not in json.dumps(record)


def test_stale_answer_with_etag_is_revalidated_and_304_reuses_it(replay, tmp_path):
    clock = Clock()

    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return json_answer({"a": 1}, headers={"ETag": '"v1"', "Last-Modified": "Sat, 1 Nov"})

    replay.route("src", "/a", handler)
    client(store(tmp_path, clock)).get(replay.url("/a"))
    clock.now = T0 + timedelta(hours=21)  # stale
    http = client(store(tmp_path, clock))
    resp = http.get(replay.url("/a"))
    assert resp.json("src") == {"a": 1} and resp.kept
    sent = replay.requests("src")[1].headers
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Sat, 1 Nov"
    assert replay.requests("src")[1].status == 304
    assert (http.traffic.requests, http.traffic.not_modified, http.traffic.bytes) == (1, 1, 0)
    # Confirmed: fresh again for another 20 hours.
    clock.now = T0 + timedelta(hours=40)
    client(store(tmp_path, clock)).get(replay.url("/a"))
    assert replay.count("src") == 2


def test_stale_answer_without_validators_is_fetched_again(replay, tmp_path):
    clock = Clock()
    counting(replay, "/a", {"a": 1})
    client(store(tmp_path, clock)).get(replay.url("/a"))
    clock.now = T0 + timedelta(hours=20)  # exactly max age: stale
    client(store(tmp_path, clock)).get(replay.url("/a"))
    sent = replay.requests("src")[1].headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent
    assert replay.count("src") == 2


def test_max_age_zero_always_revalidates(replay, tmp_path):
    clock = Clock()
    counting(replay, "/a", {"a": 1})
    for _ in range(3):
        client(store(tmp_path, clock, hours=0)).get(replay.url("/a"))
    assert replay.count("src") == 3


def test_refused_answer_is_not_kept_and_a_retry_asks_again(replay, tmp_path):
    clock = Clock()

    def strict(resp: HttpResponse) -> None:
        if resp.json("src") != {"a": 1}:
            raise refuse("src", resp.url, "answer for something else")

    counting(replay, "/a", {"a": 2})
    with pytest.raises(SourceError) as err:
        client(store(tmp_path, clock)).get(replay.url("/a"), validate=strict)
    assert err.value.permanent and replay.count("src") == 1  # refused, not retried
    assert not list((tmp_path / "cache").rglob("*.body"))  # nothing kept
    with pytest.raises(SourceError):
        client(store(tmp_path, clock)).get(replay.url("/a"), validate=strict)
    assert replay.count("src") == 2  # asked again, not served from the store


def test_kept_answer_that_no_longer_passes_is_dropped_and_fetched(replay, tmp_path):
    clock = Clock()
    seen: list[bool] = []

    def strict(resp: HttpResponse) -> None:
        seen.append(resp.kept)
        if resp.kept:
            raise refuse("src", resp.url, "checks got stricter")

    counting(replay, "/a", {"a": 1})
    client(store(tmp_path, clock)).get(replay.url("/a"))
    resp = client(store(tmp_path, clock)).get(replay.url("/a"), validate=strict)
    assert not resp.kept and seen == [True, False] and replay.count("src") == 2


def test_damaged_body_is_ignored(replay, tmp_path):
    clock = Clock()
    counting(replay, "/a", {"a": 1})
    client(store(tmp_path, clock)).get(replay.url("/a"))
    (body,) = (tmp_path / "cache").rglob("*.body")
    body.write_bytes(b'{"a": 9}')  # the hash no longer matches
    resp = client(store(tmp_path, clock)).get(replay.url("/a"))
    assert resp.json("src") == {"a": 1} and replay.count("src") == 2


def test_retries_are_per_request_a_rerun_fetches_only_the_failed_one(replay, tmp_path):
    """Three pages; page 2 fails for good on the first try. The rerun asks for page 2 only."""
    clock = Clock()
    replay.route("src", "/p", lambda r: json_answer({"page": r.args["page"]}))
    replay.script("src", Response("down", status=503), match=lambda r: r.args["page"] == "2",
                  times=3)  # fmt: skip
    http = client(store(tmp_path, clock), max_retries=2)
    assert http.get(replay.url("/p"), params={"page": 1}).json("src") == {"page": "1"}
    with pytest.raises(SourceError):
        http.get(replay.url("/p"), params={"page": 2})
    assert replay.count("src") == 4  # page 1, page 2 three times
    replay.clear_log()
    rerun = client(store(tmp_path, clock))
    pages = [rerun.get(replay.url("/p"), params={"page": p}).json("src") for p in (1, 2, 3)]
    assert pages == [{"page": "1"}, {"page": "2"}, {"page": "3"}]
    assert [s.path for s in replay.requests("src")] == ["/p?page=2", "/p?page=3"]
    assert (rerun.traffic.reused, rerun.traffic.requests) == (1, 2)


def test_http_client_from_settings_names_contact_and_keeps_answers(replay, tmp_path, monkeypatch):
    monkeypatch.setenv("ASCN_OUTPUT_DIR", str(tmp_path / "out"))
    monkeypatch.setenv("ASCN_CONTACT", "data-team@example.org")
    monkeypatch.setenv("ASCN_HTTP_MAX_AGE_HOURS", "6")
    settings = Settings.from_env()
    assert settings.http_cache_dir == (tmp_path / "out" / "cache" / "http").resolve()
    http = http_client(settings, "src", sleep=Sleeps())
    assert http.store is not None and http.store.max_age == timedelta(hours=6)
    counting(replay, "/a", {"a": 1})
    http.get(replay.url("/a"))
    agent = replay.requests("src")[0].headers["User-Agent"]
    assert agent.startswith("ascn-city-indicators/")
    assert "contact: data-team@example.org" in agent
    assert list(settings.http_cache_dir.glob("src/*.body"))
    unset = http_client(replace(settings, contact=""), "src")
    assert "contact not configured (ASCN_CONTACT)" in unset.user_agent


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ASCN_HTTP_MAX_AGE_HOURS", "-1", "ASCN_HTTP_MAX_AGE_HOURS must be >= 0"),
        ("ASCN_HTTP_MAX_AGE_HOURS", "a day", "ASCN_HTTP_MAX_AGE_HOURS must be a number"),
        ("ASCN_CONTACT", "nobody", "ASCN_CONTACT must be an e-mail address or an http(s) URL"),
        ("ASCN_CONTACT", "a@b.org\r\nX-Evil: 1", "ASCN_CONTACT must be an e-mail address"),
    ],
)
def test_bad_http_settings_name_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=re.escape(message)):
        Settings.from_env()


def test_contact_url_is_accepted(monkeypatch):
    monkeypatch.setenv("ASCN_CONTACT", "https://example.org/ascn/contact")
    assert Settings.from_env().contact == "https://example.org/ascn/contact"

"""World Bank Indicators answers checked against their requests, and kept for a resumed run.

A real local server (tests/helpers/replay.py) answers in the API's shape
(tests/helpers/worldbank_replay.py); the records are the real SP.POP.TOTL records of
test_worldbank_client.py (World Bank, CC BY 4.0, lastupdated 2018-04-24), the wrong answers are
those records with one field changed, as a misrouted or cached answer would have them.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug import Request

from assets.population.worldbank_api import WorldBankClient
from pipelines.framework.answers import AnswerStore
from pipelines.framework.http import HttpClient, SourceError
from tests.helpers.answers import proxy_rate_limit_page, too_many_requests
from tests.helpers.replay import ReplayServer, Sleeps, json_answer
from tests.helpers.worldbank_replay import SOURCE, WorldBankReplay, page_answer
from tests.unit.population.test_worldbank_client import REAL, VINTAGE, rec

CODE = "SP.POP.TOTL"


def wb(replay: ReplayServer, records: list[dict] | None = None, **kw) -> WorldBankReplay:
    return WorldBankReplay(replay, series={CODE: records or REAL}, lastupdated=VINTAGE, **kw)


def client(
    api: WorldBankReplay, tmp_path: Path | None = None, per_page: int = 3, hours: float = 20, **kw
) -> WorldBankClient:
    kw.setdefault("max_retries", 1)
    store = AnswerStore(tmp_path / "cache", timedelta(hours=hours)) if tmp_path else None
    http = HttpClient(SOURCE, sleep=kw.pop("sleep", Sleeps()), store=store, **kw)
    return WorldBankClient(api.url(), http, per_page=per_page)


def page_of(request: Request) -> int:
    return int(request.args["page"])


def serve_once(replay: ReplayServer, body: list, page: int = 1) -> None:
    """Answer the request for `page` once with `body` (a wrong answer), then the real handler."""
    replay.script(SOURCE, json_answer(body), match=lambda r: page_of(r) == page)


def kept_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache").rglob("*.body"))


# ---- each mismatch is refused, naming the URL and the mismatch; nothing is kept -------------
def test_answer_for_another_indicator_is_refused(replay, tmp_path):
    api = wb(replay)
    other = [dict(r, indicator={"id": "SP.POP.GROW", "value": "Population growth (annual %)"})
             for r in REAL[:3]]  # fmt: skip
    serve_once(replay, page_answer(other, 1, 3, 6, VINTAGE))
    with pytest.raises(SourceError) as err:
        client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    msg = str(err.value)
    assert msg.endswith("answer for indicator SP.POP.GROW, asked SP.POP.TOTL")
    assert f"{api.url()}/country/BRN;KHM/indicator/SP.POP.TOTL?format=json&per_page=3&page=1" in msg
    assert err.value.permanent and replay.count(SOURCE) == 1  # refused, not retried
    assert kept_files(tmp_path) == []  # a refused answer is never kept


def test_answer_for_countries_not_asked_is_refused(replay, tmp_path):
    api = wb(replay)
    china = rec("CN", "China", "CHN", "2016", 1378665000)
    usa = rec("US", "United States", "USA", "2016", 323071755)
    serve_once(replay, page_answer([REAL[1], china, usa], 1, 3, 3, VINTAGE))
    with pytest.raises(SourceError) as err:
        client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    assert str(err.value).endswith(
        "SP.POP.TOTL: answer holds countries CHN, USA not asked for (asked BRN;KHM)"
    )
    assert err.value.permanent and kept_files(tmp_path) == []


def test_iso2_request_is_checked_against_country_id(replay):
    api = wb(replay)
    # Asked in ISO2: BN and KH match the records' `country.id` (their ISO3 codes BRN, KHM are
    # not compared with the ISO2 request), CN does not.
    series = client(api, per_page=10).fetch_indicator(CODE, ["BN", "KH"])
    assert sorted(set(series.records["country_iso3"])) == ["BRN", "KHM"]
    serve_once(replay, page_answer([REAL[1], rec("CN", "China", "CHN", "2016", 1)], 1, 10, 2))
    with pytest.raises(SourceError) as err:
        client(api, per_page=10).fetch_indicator(CODE, ["BN", "KH"])
    assert "answer holds countries CN not asked for (asked BN;KH)" in str(err.value)


def test_answer_for_another_page_is_refused(replay):
    api = wb(replay)
    serve_once(replay, page_answer(REAL[3:], 2, 3, 6, VINTAGE), page=1)
    with pytest.raises(SourceError) as err:
        client(api).fetch_indicator(CODE, ["BRN", "KHM"])
    assert str(err.value).endswith("SP.POP.TOTL: answer holds page 2, asked page 1")
    assert "page=1" in str(err.value) and err.value.permanent


def test_answer_with_another_page_size_is_refused(replay):
    api = wb(replay)
    serve_once(replay, page_answer(REAL, 1, 50, 6, VINTAGE))  # the server's default of 50
    with pytest.raises(SourceError) as err:
        client(api).fetch_indicator(CODE, ["BRN", "KHM"])
    assert "answer has per_page 50, asked 3" in str(err.value)


def test_answer_with_years_outside_the_date_is_refused(replay):
    api = wb(replay)
    serve_once(replay, page_answer([REAL[1], REAL[2]], 1, 3, 2, VINTAGE))  # 2016 and 2015
    with pytest.raises(SourceError) as err:
        client(api).fetch_indicator(CODE, ["BRN", "KHM"], date="2016:2017")
    assert "answer holds years 2015 outside the asked 2016:2017" in str(err.value)


def test_http_200_error_body_is_refused_with_its_message(replay, tmp_path):
    api = wb(replay)
    api.fail_all = json_answer(
        [{"message": [{"id": "120", "key": "Invalid value",
                       "value": "The provided parameter value is not valid"}]}]
    )  # fmt: skip
    with pytest.raises(SourceError) as err:
        client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    assert str(err.value).endswith(
        "SP.POP.TOTL: World Bank API error: id 120 Invalid value: "
        "The provided parameter value is not valid"
    )
    assert err.value.permanent and replay.count(SOURCE) == 1 and kept_files(tmp_path) == []


# ---- rate limits ---------------------------------------------------------------------------
def test_429_with_retry_after_waits_the_stated_time(replay):
    api = wb(replay)
    replay.script(SOURCE, too_many_requests(retry_after="11"))
    sleeps = Sleeps()
    series = client(api, sleep=sleeps).fetch_indicator(CODE, ["BRN", "KHM"])
    assert len(series.records) == 6 and sleeps == [11.0]
    assert [s.status for s in replay.requests(SOURCE)] == [429, 200, 200]


def test_rate_limit_html_page_with_200_is_retried_not_parse_error(replay):
    api = wb(replay)
    replay.script(SOURCE, proxy_rate_limit_page(status=200, retry_after_s=45))
    sleeps = Sleeps()
    series = client(api, sleep=sleeps).fetch_indicator(CODE, ["BRN", "KHM"])
    assert len(series.records) == 6 and sleeps == [45.0]


def test_rate_limit_page_forever_gives_up_transient_with_its_text(replay):
    api = wb(replay)
    api.fail_all = proxy_rate_limit_page(status=200, retry_after_s=45)
    with pytest.raises(SourceError) as err:
        client(api, max_retries=1).fetch_indicator(CODE, ["BRN", "KHM"])
    assert "gave up after 2 attempts: rate limited (HTTP 200: 429 Too Many Requests" in str(
        err.value
    )
    assert not err.value.permanent  # the asset retry may resume later


# ---- resumed runs --------------------------------------------------------------------------
def test_resumed_fetch_asks_only_for_the_page_that_failed(replay, tmp_path):
    api = wb(replay)
    down = json_answer({"error": "upstream"}, status=503)
    replay.script(SOURCE, down, match=lambda r: page_of(r) == 2, times=2)
    with pytest.raises(SourceError) as err:
        client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    assert "gave up after 2 attempts: HTTP 503: upstream" in str(err.value)
    assert api.asked() == [(CODE, 1), (CODE, 2), (CODE, 2)]
    replay.clear_log()
    resumed = client(api, tmp_path)
    series = resumed.fetch_indicator(CODE, ["BRN", "KHM"])
    assert api.asked() == [(CODE, 2)]  # page 1 comes from the kept answer
    assert len(series.records) == 6 and set(series.records["vintage"]) == {VINTAGE}
    assert (resumed.http.traffic.requests, resumed.http.traffic.reused) == (1, 1)


def test_pages_that_disagree_are_dropped_so_the_next_try_refetches_the_series(replay, tmp_path):
    api = wb(replay)
    newer = page_answer(REAL[3:], 2, 3, 6, "2018-05-30")
    serve_once(replay, newer, page=2)
    with pytest.raises(SourceError) as err:
        client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    assert "inconsistent paging: lastupdated '2018-04-24' on page 1, '2018-05-30' on page 2" in (
        str(err.value)
    )
    assert not err.value.permanent and kept_files(tmp_path) == []
    replay.clear_log()
    client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    assert api.asked() == [(CODE, 1), (CODE, 2)]


def test_stale_pages_are_revalidated_and_304_keeps_the_records(replay, tmp_path):
    api = wb(replay, validators=True)
    first = client(api, tmp_path, hours=0).fetch_indicator(CODE, ["BRN", "KHM"])
    replay.clear_log()
    again = client(api, tmp_path, hours=0)
    series = again.fetch_indicator(CODE, ["BRN", "KHM"])
    assert [s.status for s in replay.requests(SOURCE)] == [304, 304]
    assert all(s.headers.get("If-None-Match") for s in replay.requests(SOURCE))
    assert again.http.traffic.not_modified == 2 and again.http.traffic.bytes == 0
    assert series.records.equals(first.records)


def test_a_kept_answer_is_checked_again_before_reuse(replay, tmp_path):
    """A kept page for another country set is never reused for this request."""
    api = wb(replay)
    client(api, tmp_path).fetch_indicator(CODE, ["BRN", "KHM"])
    replay.clear_log()
    series = client(api, tmp_path).fetch_indicator(CODE, ["BRN"])  # another URL: fetched
    assert set(series.records["country_iso3"]) == {"BRN"} and api.asked() == [(CODE, 1)]


def test_null_value_is_a_flagged_null_never_zero(replay):
    records = copy.deepcopy(REAL)
    api = wb(replay, records)
    df = client(api, per_page=10).fetch_indicator(CODE, ["BRN", "KHM"]).records
    nulls = df[df["value_flag"] == "not_published"]
    assert sorted(zip(nulls["country_iso3"], nulls["year"], strict=True)) == [
        ("BRN", 2017), ("KHM", 2017)
    ]  # fmt: skip
    assert nulls["value"].isna().all() and (df["value"] != 0).all()

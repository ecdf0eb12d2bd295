"""The real nightly job in live mode: the World Bank Projects and IATI cases of issue 13, against
a local replay server (tests/helpers; nothing touches the internet).

The World Bank Projects replay serves the REAL recorded 2013 records of tests/fixtures in the v2
page shape; the cases add SYNTHETIC records (ids P9xxxxx) and SYNTHETIC IATI activities
(XX-SYNTHETIC-...): a record without `status` (published with status empty and a flag; the rest
published), an answer for another country than asked (refused, naming the URL and the
mismatch; the published file byte for byte as it was), an IATI activity whose actual start is
the placeholder 1900-01-01 (published without that date, with a flag), an IATI answer for other
countries or to another query (refused, published file unchanged). Every case is a next night
on the warehouse of one good first run (kept answers stale: ASCN_HTTP_MAX_AGE_HOURS=0).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import dagster as dg
import pytest
from werkzeug import Request, Response

from tests.helpers import overpass_replay as osm
from tests.helpers.pipeline import (
    failure_text,
    live_apis,
    live_env,
    query,
    run_nightly,
    sha256,
    trimmed_data_dir,
)
from tests.helpers.projects_replay import IATI_DOCS, IATI_KEY, IATI_PAGES, RECORDS
from tests.helpers.replay import Handler, Matcher, json_answer, replay_server

BTB = "khm-battambang"
WBP, IATI = "worldbank_projects", "iati"
# A SYNTHETIC record in the v2 shape with a geocoded location 0.36 km from Battambang's centre.
NO_STATUS = {
    "id": "P900401",
    "project_name": "SYNTHETIC project without a status",
    "countrycode": ["KH"],
    "boardapprovaldate": "2020-05-29T00:00:00Z",
    "idacommamt": "15,000,000",
    "locations": [{"geoLocId": "0001831797", "geoLocName": "SYNTHETIC town point",
                   "latitude": "13.10271", "longitude": "103.19822", "country": "KH"}],
}  # fmt: skip


def kh_page(extra: list[dict]) -> Handler:
    """The Cambodia page of the Projects API with `extra` records added."""

    def answer(request: Request) -> Response:
        records = [r for r in RECORDS if r["countrycode"] == "KH"] + extra
        body = {"rows": int(request.args.get("rows", "10")), "os": "0", "page": "1",
                "total": str(len(records)), "projects": {r["id"]: r for r in records}}  # fmt: skip
        return json_answer(body)

    return answer


def is_kh(request: Request) -> bool:
    return request.args.get("countrycode_exact") == "KH"


def iati_first_page(docs: list[dict], **echo: str) -> Handler:
    """The first cursor page of the IATI replay with `docs` instead of its own."""

    def answer(request: Request) -> Response:
        body = {
            "responseHeader": {"status": 0, "QTime": 3, "params": dict(request.args) | echo},
            "response": {"numFound": len(docs), "start": 0, "docs": docs},
            "nextCursorMark": IATI_PAGES["*"][1],
        }
        return Response(json.dumps(body), content_type="application/json")

    return answer


def is_first(request: Request) -> bool:
    return request.args.get("cursorMark") == "*"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("live_projects")
    with replay_server() as replay:
        live_apis(replay)
        data = trimmed_data_dir(base / "data", BTB + ",", osm.METRICS)
        env = live_env(base, replay, ASCN_DATA_DIR=str(data), IATI_API_KEY=IATI_KEY)
        with pytest.MonkeyPatch.context() as mp:
            result = run_nightly(mp, env)
        yield {"result": result, "replay": replay, "env": env,
               "db": base / "warehouse" / "ascn.duckdb"}  # fmt: skip


def next_night(live: dict, source: str, answer: Handler, match: Matcher) -> tuple:
    """Another run with `answer` served for `source`'s requests that `match`."""
    replay = live["replay"]
    replay.clear_log()
    replay.script(source, answer, match=match, times=10)
    try:
        with pytest.MonkeyPatch.context() as mp:
            result = run_nightly(mp, live["env"] | {"ASCN_HTTP_MAX_AGE_HOURS": "0"})
    finally:
        replay.unscript()
    return result, failure_text(result)


def check(result: dg.ExecuteJobResult, name: str) -> object:
    for event in result.all_events:
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            if event.event_specific_data.check_name == name:
                return event.event_specific_data
    raise AssertionError(f"check {name} was not evaluated")


@pytest.mark.slow
def test_first_live_run_publishes_the_projects(live):
    assert live["result"].success, failure_text(live["result"])
    got = query(live["db"], "select count(*) from marts.projects where source_id = 'iati'")
    assert got == [(2,)]  # the replay's two synthetic activities


@pytest.mark.slow
def test_record_without_status_is_published_with_a_flag(live):
    result, text = next_night(live, WBP, kh_page([NO_STATUS]), is_kh)
    assert result.success, text
    row = query(
        live["db"],
        "select status, status_display, record_flags, city_id, match_level, status_as_of "
        "from marts.projects where source_project_id = 'P900401'",
    )
    assert len(row) == 1
    status, display, flags, city, level, as_of = row[0]
    assert (status, display, flags) == (None, None, '["status_missing"]')
    assert (city, level) == (BTB, "site_in_city") and as_of is not None
    # every other record of the answers was published too (52 real records + the synthetic)
    assert query(
        live["db"], "select count(*) from marts.projects where source_id = 'worldbank_projects'"
    ) == [(53,)]
    assert check(result, "projects_ids_cities_amounts_status").passed  # not blocking
    flagged = check(result, "projects_flagged_records")
    assert not flagged.passed and flagged.severity == dg.AssetCheckSeverity.WARN


@pytest.mark.slow
def test_answer_for_another_country_is_refused_and_nothing_changes(live):
    before = sha256(live["db"])
    other = dict(NO_STATUS, id="P900402", status="Active", countrycode=["VN"])
    result, text = next_night(live, WBP, kh_page([other]), is_kh)
    assert not result.success
    assert f"[worldbank_projects] {live['env']['ASCN_WORLDBANK_PROJECTS_API_URL']}?" in text
    assert "countrycode_exact=KH" in text
    assert "requested countrycode_exact=KH, project 'P900402' has countrycode ['VN']" in text
    kh = [s for s in live["replay"].requests(WBP) if "countrycode_exact=KH" in s.path]
    assert len(kh) == 1  # a refused answer is not retried
    assert sha256(live["db"]) == before  # the published file is untouched


@pytest.mark.slow
def test_iati_placeholder_start_is_published_empty_with_a_flag(live):
    doc = dict(IATI_DOCS[0], iati_identifier="XX-SYNTHETIC-0900", id="synthetic-900",
               activity_date_type=["2", "3"],
               activity_date_iso_date=["1900-01-01T00:00:00Z", "2027-06-30T00:00:00Z"])  # fmt: skip
    result, text = next_night(live, IATI, iati_first_page([doc]), is_first)
    assert result.success, text
    row = query(
        live["db"],
        "select start_date, end_date, record_flags from marts.projects "
        "where source_project_id = 'XX-SYNTHETIC-0900'",
    )
    assert row == [(None, "2027-06-30", '["placeholder_date:2 1900-01-01"]')]


@pytest.mark.slow
@pytest.mark.parametrize("case", ["other_country", "other_query"])
def test_refused_iati_answer_keeps_the_published_file(live, case):
    before = sha256(live["db"])
    if case == "other_country":
        answer = iati_first_page([dict(IATI_DOCS[0], recipient_country_code=["JP"])])
        expected = "activity 'XX-SYNTHETIC-0001' has ['JP']; answer refused"
    else:
        answer = iati_first_page([IATI_DOCS[0]], q="recipient_country_code:(JP)")
        expected = "the answer echoes q='recipient_country_code:(JP)'; answer refused"
    result, text = next_night(live, IATI, answer, is_first)
    assert not result.success
    assert f"[iati] {live['env']['ASCN_IATI_API_URL']}/activity/select?" in text
    assert expected in text
    assert sha256(live["db"]) == before

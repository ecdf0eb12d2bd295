"""IatiClient and parse_activity_docs against a local server imitating the IATI Datastore (Solr).

All activity documents here are SYNTHETIC: built in code from the documented Solr response shape
(docs/DOMAIN.md §4.3: `response.docs[]`, multivalued fields as arrays, `nextCursorMark`). They
describe no real activity. The fake server implements Solr cursor paging: `cursorMark=*` starts,
each answer carries `nextCursorMark`, and the cursor comes back unchanged once the results end.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.projects.iati_api import FIELDS, IatiClient
from assets.projects.iati_docs import COLUMNS, parse_activity_docs
from pipelines.framework.http import HttpClient, SourceError
from tests.helpers.http_faults import drop_connection, timeout_failure
from tests.helpers.replay import Sleeps

PATH = "/datastore/activity/select"
KEY = "test-key-123"

# SYNTHETIC documents.
DOC_WATER = {
    "id": "0001",
    "iati_identifier": "XM-DAC-46004-SYNTH-0001",
    "title_narrative": ["Synthetic urban water supply project", "Projet synthétique"],
    "description_narrative": ["Synthetic description for tests."],
    "reporting_org_ref": "XM-DAC-46004",
    "reporting_org_narrative": ["Asian Development Bank"],
    "participating_org_ref": ["XM-DAC-46004", "KH-SYNTH-1"],
    "participating_org_narrative": ["Asian Development Bank", "Synthetic Ministry"],
    "recipient_country_code": ["KH"],
    "sector_code": ["14020", "43030"],
    "sector_vocabulary": ["1", "1"],
    "activity_status_code": "2",
    "activity_date_type": ["1", "2", "3"],
    "activity_date_iso_date": [
        "2020-01-01T00:00:00Z",
        "2020-03-15T00:00:00Z",
        "2025-12-31T00:00:00Z",
    ],
    "budget_value": [1000000.0, 2500000.5],
    "budget_value_currency": ["USD", "USD"],
    "default_currency": "USD",
    "location_name_narrative": ["Battambang"],
}
DOC_MIXED = {
    "id": "0002",
    "iati_identifier": "XM-DAC-701-8-SYNTH-0002",
    "title_narrative": "Synthetic single-string title",  # scalar instead of array: tolerated
    "reporting_org_ref": ["XM-DAC-701-8"],
    "participating_org_ref": ["XM-DAC-701-8"],
    "recipient_country_code": ["LA", "KH"],
    "activity_status_code": 4,
    "activity_date_type": ["2", "4"],
    "activity_date_iso_date": ["2015-06-01", "2019-06-30"],
    "budget_value": [100, 200],
    "budget_value_currency": ["EUR"],  # second line uses default_currency USD -> mixed
    "default_currency": "USD",
    "unknown_new_field": ["ignored"],
}
DOC_MINIMAL = {"id": "0003", "iati_identifier": "XM-DAC-46004-SYNTH-0003"}


def synthetic_doc(n: int) -> dict:
    return {
        "id": f"{n:04d}",
        "iati_identifier": f"SYNTH-{n:04d}",
        "title_narrative": [f"Synthetic activity {n}"],
        "recipient_country_code": ["KH"],
        "budget_value": [float(n)],
        "default_currency": "USD",
    }


def solr_page(docs: list[dict], next_cursor: str, num_found: int) -> dict:
    return {
        "responseHeader": {"status": 0, "QTime": 3, "params": {}},
        "response": {"numFound": num_found, "start": 0, "numFoundExact": True, "docs": docs},
        "nextCursorMark": next_cursor,
    }


class FakeSolr:
    """Cursor paging over `docs` (sorted by id); cursors are 'AoE<offset>'."""

    def __init__(self, docs: list[dict]):
        self.docs = sorted(docs, key=lambda d: d["id"])
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if request.headers.get("Ocp-Apim-Subscription-Key") != KEY:
            return Response(json.dumps({"statusCode": 401}), status=401)
        rows = int(request.args["rows"])
        cursor = request.args["cursorMark"]
        start = 0 if cursor == "*" else int(cursor[3:])
        chunk = self.docs[start : start + rows]
        nxt = f"AoE{start + len(chunk)}" if chunk else cursor
        body = solr_page(chunk, nxt, len(self.docs))
        return Response(json.dumps(body), mimetype="application/json")


def client(
    server: HTTPServer,
    sleeps: Sleeps | None = None,
    rows: int = 2,
    api_key: str | None = KEY,
    **http_kw,
):
    http_kw.setdefault("max_retries", 2)
    max_pages = http_kw.pop("max_pages", 500)
    sleep = sleeps if sleeps is not None else Sleeps()
    http = HttpClient("iati", sleep=sleep, **http_kw)
    return IatiClient(
        server.url_for("/datastore"), http, api_key=api_key, rows=rows, max_pages=max_pages
    )


def test_cursor_paging_and_normalisation(httpserver):
    solr = FakeSolr([DOC_WATER, DOC_MIXED, DOC_MINIMAL, synthetic_doc(4), synthetic_doc(5)])
    httpserver.expect_request(PATH).respond_with_handler(solr)
    df = client(httpserver).fetch_activities(["KH", "LA"])

    # 5 docs, 2 per page: '*' -> AoE2 -> AoE4 -> AoE5 -> AoE5 (same cursor: the end).
    assert [r.args["cursorMark"] for r in solr.requests] == ["*", "AoE2", "AoE4", "AoE5"]
    first = solr.requests[0]
    assert first.args["q"] == "recipient_country_code:(KH OR LA)"
    assert first.args["fl"] == ",".join(FIELDS)
    assert first.args["sort"] == "id asc" and first.args["rows"] == "2"
    assert first.headers["Ocp-Apim-Subscription-Key"] == KEY

    assert list(df.columns) == COLUMNS and len(df) == 5
    rows = df.set_index("iati_identifier")
    water = rows.loc["XM-DAC-46004-SYNTH-0001"]
    assert water["title"] == "Synthetic urban water supply project"
    assert water["description"] == "Synthetic description for tests."
    assert water["reporting_org_ref"] == "XM-DAC-46004"
    assert water["reporting_org_name"] == "Asian Development Bank"
    assert water["participating_orgs"] == ["Asian Development Bank", "Synthetic Ministry"]
    assert water["recipient_countries"] == ["KH"]
    assert water["sector_codes"] == ["14020", "43030"] and water["sector_vocabularies"] == ["1"]
    assert water["activity_status_code"] == 2
    assert water["start_date"] == dt.date(2020, 3, 15)  # actual start (2) beats planned (1)
    assert water["end_date"] == dt.date(2025, 12, 31)  # only a planned end (3)
    assert water["budget_value_sum"] == 3_500_000.5  # 1,000,000.0 + 2,500,000.5
    assert water["currency"] == "USD"
    assert water["location_names"] == ["Battambang"]

    mixed = rows.loc["XM-DAC-701-8-SYNTH-0002"]
    assert mixed["title"] == "Synthetic single-string title"
    assert mixed["reporting_org_ref"] == "XM-DAC-701-8"
    assert mixed["participating_orgs"] == ["XM-DAC-701-8"]  # no names: refs
    assert mixed["recipient_countries"] == ["LA", "KH"]
    assert mixed["activity_status_code"] == 4
    assert mixed["start_date"] == dt.date(2015, 6, 1) and mixed["end_date"] == dt.date(2019, 6, 30)
    assert math.isnan(mixed["budget_value_sum"]) and pd.isna(mixed["currency"])  # EUR + USD

    minimal = rows.loc["XM-DAC-46004-SYNTH-0003"]
    assert pd.isna(minimal["title"]) and minimal["sector_codes"] == []
    assert pd.isna(minimal["activity_status_code"])
    assert minimal["start_date"] is None and minimal["end_date"] is None
    assert math.isnan(minimal["budget_value_sum"]) and pd.isna(minimal["currency"])
    assert df["activity_status_code"].dtype == "Int64"

    assert rows.loc["SYNTH-0005", "budget_value_sum"] == 5.0


def test_reporting_orgs_are_added_to_the_query(httpserver):
    solr = FakeSolr([DOC_WATER])
    httpserver.expect_request(PATH).respond_with_handler(solr)
    client(httpserver).fetch_activities(["kh"], reporting_orgs=["XM-DAC-46004", "XM-DAC-701-8"])
    assert solr.requests[0].args["q"] == (
        'recipient_country_code:(KH) AND reporting_org_ref:("XM-DAC-46004" OR "XM-DAC-701-8")'
    )


def test_no_results_ends_at_once(httpserver):
    httpserver.expect_request(PATH).respond_with_json(solr_page([], "*", 0))
    df = client(httpserver).fetch_activities(["BN"])
    assert df.empty and list(df.columns) == COLUMNS and len(httpserver.log) == 1


@pytest.mark.parametrize("key", [None, ""])
def test_missing_api_key_fails_before_any_request(httpserver, key):
    with pytest.raises(SourceError) as err:
        client(httpserver, api_key=key).fetch_activities(["KH"])
    assert "IATI_API_KEY is not set" in str(err.value) and PATH in str(err.value)
    assert len(httpserver.log) == 0


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_is_a_clear_error(httpserver, status):
    httpserver.expect_request(PATH).respond_with_json(
        {
            "statusCode": status,
            "message": "Access denied due to invalid subscription key. "
            "Make sure to provide a valid key for an active subscription.",
        },
        status=status,
    )
    sleeps = Sleeps()
    with pytest.raises(SourceError) as err:
        client(httpserver, sleeps, api_key="wrong").fetch_activities(["KH"])
    msg = str(err.value)
    assert f"HTTP {status}" in msg and "IATI_API_KEY" in msg and PATH in msg
    assert "wrong" not in msg  # the key itself is never shown
    assert err.value.status == status and sleeps == [] and len(httpserver.log) == 1


def test_5xx_then_success(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_data("Bad Gateway", status=502)
    httpserver.expect_ordered_request(PATH).respond_with_json(solr_page([DOC_MINIMAL], "*", 1))
    sleeps = Sleeps()
    df = client(httpserver, sleeps).fetch_activities(["KH"])
    assert list(df["iati_identifier"]) == ["XM-DAC-46004-SYNTH-0003"] and sleeps == [1.0]


def test_429_honours_retry_after(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_json(
        {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 4 seconds."},
        status=429,
        headers={"Retry-After": "4"},
    )
    httpserver.expect_ordered_request(PATH).respond_with_json(solr_page([DOC_MINIMAL], "*", 1))
    sleeps = Sleeps()
    client(httpserver, sleeps).fetch_activities(["KH"])
    assert sleeps == [4.0]


def test_timeout_retried_then_source_error(own_server):
    msg, sleeps = timeout_failure(
        own_server, PATH, "{}",
        lambda s: client(own_server, s, timeout_s=0.05, max_retries=1).fetch_activities(["KH"]),
    )  # fmt: skip
    assert "gave up after 2 attempts" in msg and PATH in msg
    assert len(sleeps) == 1


def test_connection_reset_then_success(httpserver):
    httpserver.expect_ordered_request(PATH).respond_with_handler(drop_connection)
    httpserver.expect_ordered_request(PATH).respond_with_json(solr_page([DOC_MINIMAL], "*", 1))
    assert len(client(httpserver).fetch_activities(["KH"])) == 1


def test_truncated_json_names_url(httpserver):
    body = json.dumps(solr_page([DOC_WATER], "AoE1", 1))[:-25]
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/json")
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_activities(["KH"])
    assert "not valid JSON" in str(err.value) and PATH in str(err.value)


def test_oversized_response_refused(httpserver):
    httpserver.expect_request(PATH).respond_with_json(solr_page([DOC_WATER] * 20, "*", 20))
    with pytest.raises(SourceError) as err:
        client(httpserver, max_bytes=4096).fetch_activities(["KH"])
    assert "4,096-byte limit" in str(err.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"response": {"numFound": 1, "docs": [DOC_MINIMAL]}}, "no 'nextCursorMark'"),
        ({"response": {"numFound": 1}, "nextCursorMark": "*"}, "no 'response.docs'"),
        ({"result": [DOC_MINIMAL], "nextCursorMark": "*"}, "no 'response.docs'"),
        ([DOC_MINIMAL], "expected a Solr JSON object"),
    ],
)
def test_schema_drift_in_response(httpserver, body, expected):
    httpserver.expect_request(PATH).respond_with_json(body)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_activities(["KH"])
    assert expected in str(err.value) and PATH in str(err.value)


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"id": "x", "iati_id": "renamed"}, "missing field 'iati_identifier'"),
        (dict(DOC_MINIMAL, activity_status_code="Active"), "'activity_status_code' is not a code"),
        (
            dict(DOC_MINIMAL, activity_date_type=["1"], activity_date_iso_date=["31/12/2020"]),
            "'activity_date_iso_date' is not a date",
        ),
        (dict(DOC_MINIMAL, budget_value=["lots"]), "'budget_value' is not a number"),
        (
            dict(DOC_MINIMAL, activity_date_type=["1", "3"], activity_date_iso_date=["2020-01-01"]),
            "do not pair up",
        ),
    ],
)
def test_schema_drift_in_docs(doc, expected):
    with pytest.raises(SourceError) as err:
        parse_activity_docs([doc], "test://iati.json")
    assert expected in str(err.value) and "test://iati.json" in str(err.value)


def test_derived_date_fields_used_when_arrays_absent():
    doc = dict(
        DOC_MINIMAL,
        activity_date_start_planned="2021-01-01T00:00:00Z",
        activity_date_end_actual="2023-02-28T00:00:00Z",
    )
    row = parse_activity_docs([doc], "test://x").iloc[0]
    assert row["start_date"] == dt.date(2021, 1, 1) and row["end_date"] == dt.date(2023, 2, 28)


def test_offline_parser_keeps_each_activity_once():
    df = parse_activity_docs([DOC_WATER, DOC_MINIMAL, DOC_WATER], "test://bundle.json")
    assert list(df["iati_identifier"]) == [
        "XM-DAC-46004-SYNTH-0001",
        "XM-DAC-46004-SYNTH-0003",
    ]


def test_page_repeating_forever_is_stopped(httpserver):
    """The cursor moves on but the same documents come back every time."""
    calls = []

    def stuck(request: Request) -> Response:
        calls.append(request.args["cursorMark"])
        body = solr_page([DOC_WATER, DOC_MIXED], f"AoE{len(calls) * 2}", 10)
        return Response(json.dumps(body), mimetype="application/json")

    httpserver.expect_request(PATH).respond_with_handler(stuck)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_activities(["KH"])
    assert "page 2 repeats activities already received" in str(err.value)
    assert "cursorMark=AoE2" in str(err.value) and calls == ["*", "AoE2"]


def test_cursor_that_never_ends_is_stopped(httpserver):
    solr = FakeSolr([synthetic_doc(n) for n in range(1, 50)])
    httpserver.expect_request(PATH).respond_with_handler(solr)
    with pytest.raises(SourceError) as err:
        client(httpserver, max_pages=3).fetch_activities(["KH"])
    assert "more than 3 pages" in str(err.value) and len(solr.requests) == 3


def test_bad_query_values_rejected_before_any_request(httpserver):
    with pytest.raises(ValueError):
        client(httpserver).fetch_activities(["KHM"])
    with pytest.raises(ValueError):
        client(httpserver).fetch_activities(["KH"], reporting_orgs=['XM") OR (*:*'])
    assert len(httpserver.log) == 0

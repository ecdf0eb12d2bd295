"""WorldBankClient against a local HTTP server serving World Bank Indicators API v2 shapes.

The happy-path records are real SP.POP.TOTL records (lastupdated 2018-04-24) copied from a
recorded API response (World Bank, CC BY 4.0); failure bodies follow docs/DOMAIN.md §4.1.
"""

from __future__ import annotations

import copy
import json
import math

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.population.worldbank_api import WorldBankClient
from pipelines.framework.http import HttpClient, SourceError
from tests.helpers.http_faults import drop_connection, timeout_failure
from tests.helpers.replay import Sleeps

PATH = "/v2/country/BRN;KHM/indicator/SP.POP.TOTL"
VINTAGE = "2018-04-24"


def rec(country2: str, name: str, iso3: str, year: str, value) -> dict:
    return {
        "indicator": {"id": "SP.POP.TOTL", "value": "Population, total"},
        "country": {"id": country2, "value": name},
        "countryiso3code": iso3,
        "date": year,
        "value": value,
        "unit": "",
        "obs_status": "",
        "decimal": 0,
    }


# Real records (BRN and KHM, 2015-2017; 2017 not yet published in that vintage -> null).
REAL = [
    rec("BN", "Brunei Darussalam", "BRN", "2017", None),
    rec("BN", "Brunei Darussalam", "BRN", "2016", 423196),
    rec("BN", "Brunei Darussalam", "BRN", "2015", 417542),
    rec("KH", "Cambodia", "KHM", "2017", None),
    rec("KH", "Cambodia", "KHM", "2016", 15762370),
    rec("KH", "Cambodia", "KHM", "2015", 15517635),
]


def meta(page, pages, per_page, total, **extra) -> dict:
    m = {
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "total": total,
        "sourceid": "2",
        "lastupdated": VINTAGE,
    }
    m.update(extra)
    return m


def qs(page: int, per_page: int = 3, **extra) -> dict:
    return {"format": "json", "per_page": str(per_page), "page": str(page), **extra}


def client(server: HTTPServer, sleeps: Sleeps | None = None, per_page: int = 3, **http_kw):
    http_kw.setdefault("max_retries", 2)
    http = HttpClient(
        "worldbank_indicators", sleep=sleeps if sleeps is not None else Sleeps(), **http_kw
    )
    return WorldBankClient(server.url_for("/v2"), http, per_page=per_page)


def serve_two_pages(server: HTTPServer) -> None:
    server.expect_request(PATH, query_string=qs(1)).respond_with_json([meta(1, 2, 3, 6), REAL[:3]])
    # Page 2 with the numbers as strings, as some World Bank responses have them.
    server.expect_request(PATH, query_string=qs(2)).respond_with_json(
        [meta("2", "2", "3", "6"), REAL[3:]]
    )


def test_two_pages_real_records(httpserver):
    serve_two_pages(httpserver)
    series = client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert series.pages == 2 and series.total == 6 and series.lastupdated == VINTAGE
    assert series.url.endswith(f"{PATH}?format=json&per_page=3&page=1")
    df = series.records
    assert list(df.columns) == [
        "country_iso3", "indicator_code", "year", "value", "value_flag", "vintage"
    ]  # fmt: skip
    assert df["year"].dtype == "int64" and df["value"].dtype == "float64"
    got = {(r.country_iso3, r.year): r.value for r in df.itertuples()}
    assert got[("BRN", 2016)] == 423196.0
    assert got[("BRN", 2015)] == 417542.0
    assert got[("KHM", 2016)] == 15762370.0
    assert got[("KHM", 2015)] == 15517635.0
    assert math.isnan(got[("BRN", 2017)]) and math.isnan(got[("KHM", 2017)])
    # value null (not published in that vintage): a null with a flag, never a 0.
    flags = {(r.country_iso3, r.year): r.value_flag for r in df.itertuples()}
    assert flags[("BRN", 2017)] == flags[("KHM", 2017)] == "not_published"
    assert pd.isna(flags[("BRN", 2016)]) and pd.isna(flags[("KHM", 2015)])
    assert df["value_flag"].dtype == "string"
    assert set(df["indicator_code"]) == {"SP.POP.TOTL"} and set(df["vintage"]) == {VINTAGE}
    assert len(df) == 6


def test_date_is_passed_through(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1, date="2015:2016")).respond_with_json(
        [meta(1, 1, 3, 2), [REAL[1], REAL[2]]]
    )
    series = client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"], date="2015:2016")
    assert sorted(series.records["year"]) == [2015, 2016]
    assert series.url.endswith("&date=2015:2016")


def test_no_data_gives_empty_frame(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 0, "3", 0), None]
    )
    series = client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert series.records.empty and series.pages == 0
    assert list(series.records.columns) == [
        "country_iso3",
        "indicator_code",
        "year",
        "value",
        "value_flag",
        "vintage",
    ]


def test_aggregate_without_iso3_is_dropped_and_extra_fields_ignored(httpserver):
    aggregate = rec("Z4", "East Asia & Pacific", "", "2016", 2296786207)
    extra = dict(REAL[1], new_field="ignored")
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 2), [aggregate, extra]]
    )
    df = client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"]).records
    assert df.to_dict("records") == [
        {
            "country_iso3": "BRN",
            "indicator_code": "SP.POP.TOTL",
            "year": 2016,
            "value": 423196.0,
            "value_flag": None,  # to_dict gives None for a missing string
            "vintage": VINTAGE,
        }
    ]


def test_5xx_then_success(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_data(
        "Service Unavailable", status=503
    )
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 1), [REAL[1]]]
    )
    sleeps = Sleeps()
    df = client(httpserver, sleeps).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"]).records
    assert df["value"].tolist() == [423196.0]
    assert sleeps == [1.0]


def test_429_honours_retry_after(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_data(
        "Too Many Requests", status=429, headers={"Retry-After": "11"}
    )
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 1), [REAL[1]]]
    )
    sleeps = Sleeps()
    client(httpserver, sleeps).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert sleeps == [11.0]


def test_transient_400_then_success(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_data(
        "Bad Request", status=400
    )
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 1), [REAL[4]]]
    )
    sleeps = Sleeps()
    # A plain HttpClient (default retry statuses, no 400): the World Bank client adds 400.
    series = client(httpserver, sleeps).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert series.records["value"].tolist() == [15762370.0]
    assert len(sleeps) == 1


def test_persistent_400_gives_up(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_data("Bad Request", status=400)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "gave up after 3 attempts: HTTP 400" in str(err.value)
    assert PATH in str(err.value)


def test_http_200_error_body_fails_naming_indicator_and_url(httpserver):
    body = [
        {
            "message": [
                {
                    "id": "120",
                    "key": "Invalid value",
                    "value": "The provided parameter value is not valid",
                }
            ]
        }
    ]
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(body)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    msg = str(err.value)
    assert "SP.POP.TOTL" in msg and PATH in msg and "id 120" in msg and "Invalid value" in msg
    assert len(httpserver.log) == 1  # not retried


def test_http_200_transient_error_id_is_retried(httpserver):
    unavailable = [{"message": [{"id": "105", "key": "Service unavailable", "value": "try later"}]}]
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_json(unavailable)
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 1), [REAL[1]]]
    )
    sleeps = Sleeps()
    series = client(httpserver, sleeps).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert len(series.records) == 1 and len(sleeps) == 1


def test_timeout_retried_then_source_error(own_server):
    msg, sleeps = timeout_failure(
        own_server, PATH, "[]",
        lambda s: client(own_server, s, timeout_s=0.05, max_retries=1).fetch_indicator(
            "SP.POP.TOTL", ["BRN", "KHM"]
        ),
    )  # fmt: skip
    assert "gave up after 2 attempts" in msg and "Timeout" in msg
    assert PATH in msg and len(sleeps) == 1


def test_connection_reset_then_success(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_handler(
        drop_connection
    )
    httpserver.expect_ordered_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 1), [REAL[1]]]
    )
    series = client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert series.records["value"].tolist() == [423196.0]


def test_invalid_json_names_url(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_data(
        '[{"page":1,"pages":1,"per_page":3,"total":1', content_type="application/json"
    )
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "not valid JSON" in str(err.value) and PATH in str(err.value)


def test_oversized_response_refused(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json([meta(1, 1, 3, 6), REAL])
    with pytest.raises(SourceError) as err:
        client(httpserver, max_bytes=500).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "500-byte limit" in str(err.value) and PATH in str(err.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r.pop("countryiso3code"), "missing field 'countryiso3code'"),
        (
            lambda r: r.__setitem__("countryiso3", r.pop("countryiso3code")),
            "missing field 'countryiso3code'",
        ),
        (lambda r: r.pop("value"), "missing field 'value'"),
        (lambda r: r.__setitem__("value", "n/a"), "field 'value' is not a number: 'n/a'"),
        (lambda r: r.__setitem__("date", "2016Q1"), "field 'date' is not a year"),
    ],
)
def test_schema_drift_in_records_fails_naming_field(httpserver, mutate, expected):
    bad = copy.deepcopy(REAL[1])
    mutate(bad)
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json([meta(1, 1, 3, 1), [bad]])
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert expected in str(err.value) and "SP.POP.TOTL" in str(err.value)
    assert PATH in str(err.value)


def test_numeric_string_value_is_accepted(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 1, 3, 1), [dict(REAL[1], value="12.3", date=2016)]]
    )
    df = client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"]).records
    assert df["value"].tolist() == [12.3] and df["year"].tolist() == [2016]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([{"page": 1, "per_page": 3, "total": 1, "lastupdated": VINTAGE}, []], "'pages'"),
        ([meta(1, 1, 3, 1, lastupdated=None), [REAL[1]]], "'lastupdated'"),
        ([meta(1, "one", 3, 1), [REAL[1]]], "'pages' is not a number"),
        ({"page": 1, "data": []}, "expected a [metadata, records] array"),
    ],
)
def test_schema_drift_in_page_metadata(httpserver, body, expected):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(body)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert expected in str(err.value) and PATH in str(err.value)


def test_page_repeating_forever_is_stopped(httpserver):
    """The server returns page 1's rows for every page number (labelled with the page asked)."""

    def same_rows(request: Request) -> Response:
        page = int(request.args["page"])
        return Response(json.dumps([meta(page, 5, 3, 15), REAL[:3]]), mimetype="application/json")

    httpserver.expect_request(PATH).respond_with_handler(same_rows)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    msg = str(err.value)
    assert "page 2 repeats the rows of page 1" in msg and "page=2" in msg
    assert len(httpserver.log) == 2


def test_server_ignoring_page_parameter_is_stopped(httpserver):
    httpserver.expect_request(PATH).respond_with_json([meta(1, 2, 3, 6), REAL[:3]])
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "answer holds page 1, asked page 2" in str(err.value) and "page=2" in str(err.value)
    assert err.value.permanent and len(httpserver.log) == 2  # page 2 refused, not retried


def test_absurd_page_count_is_refused(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 10_000_000, 3, 30_000_000), REAL[:3]]
    )
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "10000000 pages" in str(err.value) and len(httpserver.log) == 1


def test_empty_page_before_total_is_an_error(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 2, 3, 6), REAL[:3]]
    )
    httpserver.expect_request(PATH, query_string=qs(2)).respond_with_json([meta(2, 2, 3, 6), []])
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "got 3 rows over 2 pages but the server reported total=6" in str(err.value)


def test_vintage_change_between_pages_is_an_error(httpserver):
    httpserver.expect_request(PATH, query_string=qs(1)).respond_with_json(
        [meta(1, 2, 3, 6), REAL[:3]]
    )
    httpserver.expect_request(PATH, query_string=qs(2)).respond_with_json(
        [meta(2, 2, 3, 6, lastupdated="2018-05-30"), REAL[3:]]
    )
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN", "KHM"])
    assert "inconsistent paging" in str(err.value) and "2018-05-30" in str(err.value)


def test_bad_arguments_rejected_before_any_request(httpserver):
    with pytest.raises(ValueError):
        client(httpserver).fetch_indicator("SP.POP.TOTL", [])
    with pytest.raises(ValueError):
        client(httpserver).fetch_indicator("SP.POP.TOTL", ["BRN;ALL"])
    assert len(httpserver.log) == 0


def test_callers_http_client_is_not_modified():
    http = HttpClient("worldbank_indicators")
    wb = WorldBankClient("http://127.0.0.1:1/v2", http)
    assert 400 in wb.http.retry_statuses and 400 not in http.retry_statuses

"""WorldBankProjectsClient and parse_projects_payload against a local HTTP server.

Happy-path bodies wrap the real World Bank project records in tests/fixtures (CC BY 4.0, see
tests/fixtures/README.md) in the API's page shape (docs/DOMAIN.md §4.2): `projects` keyed by id,
`os`/`page`/`total` as strings. `CURRENT` is the current-format record shown in docs/DOMAIN.md §4.2
(US closing date, amounts with thousands commas, country arrays).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.projects.worldbank_projects_api import FIELDS, WorldBankProjectsClient
from assets.projects.worldbank_records import COLUMNS, parse_projects_payload
from pipelines.framework.http import HttpClient, SourceError
from tests.helpers.http_faults import drop_connection, timeout_failure
from tests.helpers.replay import Sleeps

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "worldbank_projects_records_asean.json"
RECORDS = json.loads(FIXTURE.read_text(encoding="utf-8"))
PATH = "/api/v2/projects"

CURRENT = {
    "id": "P174379",
    "project_name": "Regional Connectivity and Development Project",
    "countryname": ["Republic of Azerbaijan"],
    "countrycode": ["AZ"],
    "countryshortname": "Azerbaijan",
    "regionname": "Europe and Central Asia",
    "status": "Active",
    "projectstatusdisplay": "Active",
    "lendinginstr": "Investment Project Financing",
    "totalamt": "65,000,000",
    "totalcommamt": "65,000,000",
    "lendprojectcost": "95,880,000",
    "curr_total_commitment": "65",
    "boardapprovaldate": "2021-05-20T00:00:00Z",
    "closingdate": "3/31/2026 12:00:00 AM",
    "borrower": "Ministry of Finance",
    "impagency": "State Roads Agency",
    "sector1": {"Name": "Rural and Inter-Urban Roads", "Percent": 93},
    "sector_namecode": [{"name": "Rural and Inter-Urban Roads", "code": "TI"}],
    "mjsector_namecode": [{"name": "Transportation", "code": "TX"}],
    "theme_list": [
        {"name": "Urban and Rural Development", "code": "70", "percent": "97", "theme2": []}
    ],
    "url": "https://projects.worldbank.org/en/projects-operations/project-detail/P174379",
}


def by_country(code: str) -> list[dict]:
    return [r for r in RECORDS if r["countrycode"] == code]


def page(records: list[dict], os: int, total: int, rows: int = 10) -> dict:
    return {
        "rows": rows,
        "os": str(os),
        "page": str(os // rows + 1),
        "total": str(total),
        "projects": {r["id"]: r for r in records},
    }


def qs(country: str, os: int, rows: int = 10) -> dict:
    return {
        "format": "json",
        "countrycode_exact": country,
        "fl": ",".join(FIELDS),
        "geocode": "on",
        "rows": str(rows),
        "os": str(os),
    }


def client(server: HTTPServer, sleeps: Sleeps | None = None, rows: int = 10, **http_kw):
    http_kw.setdefault("max_retries", 2)
    sleep = sleeps if sleeps is not None else Sleeps()
    http = HttpClient("worldbank_projects", sleep=sleep, **http_kw)
    return WorldBankProjectsClient(server.url_for(PATH), http, rows=rows)


def test_two_pages_of_real_records(httpserver):
    vn = by_country("VN")
    assert len(vn) == 17
    httpserver.expect_request(PATH, query_string=qs("VN", 0)).respond_with_json(
        page(vn[:10], 0, 17)
    )
    httpserver.expect_request(PATH, query_string=qs("VN", 10)).respond_with_json(
        page(vn[10:], 10, 17)
    )
    result = client(httpserver).fetch_projects(["VN"])
    assert [r["id"] for r in result.records] == [r["id"] for r in vn]
    assert result.records[0] == vn[0]  # raw, as received
    assert result.totals == {"VN": 17} and len(result.urls) == 2
    df = result.frame
    assert list(df.columns) == COLUMNS and len(df) == 17
    row = df.set_index("project_id").loc["P117394"]
    assert row["title"] == "Fostering Innovation through Research, Science and Technology (FIRST)"
    assert row["country_iso2"] == "VN" and row["country_name"] == "Vietnam"
    assert row["status"] == "Active"
    assert row["board_approval_date"] == dt.date(2013, 5, 31)
    assert row["closing_date"] == dt.date(2019, 6, 30)
    assert row["total_commitment_usd"] == 100_000_000.0
    assert row["project_cost_usd"] == 110_000_000.0
    assert row["sector_codes"] == ["ET"] and row["sector_names"] == ["Tertiary education"]
    assert row["major_sector_codes"] == ["EX"]
    assert row["theme_names"] == ["Education for the knowledge economy"]
    assert row["implementing_agency"] == "MINISTRY OF SCIENCE AND TECHNOLOGY"
    assert row["borrower"] == "SOCIALIST REPUBLIC OF VIETNAM"


def test_current_format_us_dates_and_thousands_commas(httpserver):
    httpserver.expect_request(PATH, query_string=qs("AZ", 0)).respond_with_json(
        page([CURRENT], 0, 1)
    )
    row = client(httpserver).fetch_projects(["AZ"]).frame.iloc[0]
    assert row["project_id"] == "P174379"
    assert row["country_iso2"] == "AZ" and row["country_codes"] == ["AZ"]
    assert row["country_name"] == "Azerbaijan"
    assert row["board_approval_date"] == dt.date(2021, 5, 20)
    assert row["closing_date"] == dt.date(2026, 3, 31)
    assert row["total_commitment_usd"] == 65_000_000.0
    assert row["project_cost_usd"] == 95_880_000.0
    assert row["sector_codes"] == ["TI"] and row["major_sector_codes"] == ["TX"]
    assert row["theme_names"] == ["Urban and Rural Development"]
    assert row["implementing_agency"] == "State Roads Agency"


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ("12/1/2027 11:59:59 PM", dt.date(2027, 12, 1)),
        ("1/15/2025", dt.date(2025, 1, 15)),
        ("2025-01-15", dt.date(2025, 1, 15)),
        ("2025-01-15T00:00:00Z", dt.date(2025, 1, 15)),
        ("", None),
        (None, None),
    ],
)
def test_date_forms(closing, expected):
    df = parse_projects_payload([dict(CURRENT, closingdate=closing)], "test://x")
    assert df.iloc[0]["closing_date"] == expected


def test_amount_forms():
    rec = dict(CURRENT, totalcommamt="", totalamt="1,234,567.5", lendprojectcost=None)
    row = parse_projects_payload([rec], "test://x").iloc[0]
    assert row["total_commitment_usd"] == 1_234_567.5  # falls back to totalamt
    assert math.isnan(row["project_cost_usd"])


def test_several_countries_and_regional_project_kept_once(httpserver):
    kh, la = by_country("KH"), by_country("LA")
    regional = dict(CURRENT, id="P999001", countrycode=["KH", "LA"], countryshortname=None)
    httpserver.expect_request(PATH, query_string=qs("KH", 0)).respond_with_json(
        page([*kh, regional], 0, 3)
    )
    httpserver.expect_request(PATH, query_string=qs("LA", 0)).respond_with_json(
        page([*la, regional], 0, 8)
    )
    result = client(httpserver).fetch_projects(["KH", "LA"])
    ids = list(result.frame["project_id"])
    assert len(ids) == 2 + 1 + 7 and ids.count("P999001") == 1
    reg = result.frame.set_index("project_id").loc["P999001"]
    assert reg["country_codes"] == ["KH", "LA"] and reg["country_iso2"] == "KH"
    assert reg["country_name"] == "Republic of Azerbaijan"  # no short name: first countryname


def test_empty_result(httpserver):
    httpserver.expect_request(PATH, query_string=qs("BN", 0)).respond_with_json(
        {"rows": 10, "os": "0", "page": "1", "total": "0", "projects": {}}
    )
    result = client(httpserver).fetch_projects(["BN"])
    assert result.records == [] and result.frame.empty and list(result.frame.columns) == COLUMNS


def test_offline_parser_reads_bundled_list():
    df = parse_projects_payload(RECORDS, str(FIXTURE))
    assert len(df) == 52 and df["project_id"].is_unique
    assert df["country_iso2"].value_counts().to_dict() == {
        "ID": 19,
        "VN": 17,
        "LA": 7,
        "MM": 3,
        "PH": 3,
        "KH": 2,
        "TH": 1,
    }
    # the same parser reads an API page and a dict keyed by id
    api = parse_projects_payload(page(RECORDS[:3], 0, 3), "test://page")
    keyed = parse_projects_payload({r["id"]: r for r in RECORDS[:3]}, "test://keyed")
    assert api.equals(keyed) and list(api["project_id"]) == [r["id"] for r in RECORDS[:3]]


def test_5xx_then_success(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs("TH", 0)).respond_with_data(
        "Gateway Timeout", status=504
    )
    httpserver.expect_ordered_request(PATH, query_string=qs("TH", 0)).respond_with_json(
        page(by_country("TH"), 0, 1)
    )
    sleeps = Sleeps()
    result = client(httpserver, sleeps).fetch_projects(["TH"])
    assert len(result.frame) == 1 and sleeps == [1.0]


def test_429_honours_retry_after(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs("TH", 0)).respond_with_data(
        "", status=429, headers={"Retry-After": "9"}
    )
    httpserver.expect_ordered_request(PATH, query_string=qs("TH", 0)).respond_with_json(
        page(by_country("TH"), 0, 1)
    )
    sleeps = Sleeps()
    client(httpserver, sleeps).fetch_projects(["TH"])
    assert sleeps == [9.0]


def test_timeout_retried_then_source_error(own_server):
    msg, _ = timeout_failure(
        own_server, PATH, "{}",
        lambda s: client(own_server, s, timeout_s=0.05, max_retries=1).fetch_projects(["TH"]),
    )  # fmt: skip
    assert "gave up after 2 attempts" in msg and PATH in msg


def test_connection_reset_then_success(httpserver):
    httpserver.expect_ordered_request(PATH, query_string=qs("TH", 0)).respond_with_handler(
        drop_connection
    )
    httpserver.expect_ordered_request(PATH, query_string=qs("TH", 0)).respond_with_json(
        page(by_country("TH"), 0, 1)
    )
    assert len(client(httpserver).fetch_projects(["TH"]).frame) == 1


def test_truncated_json_names_url(httpserver):
    body = json.dumps(page(by_country("TH"), 0, 1))[:-40]
    httpserver.expect_request(PATH).respond_with_data(body, content_type="application/json")
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_projects(["TH"])
    assert "not valid JSON" in str(err.value) and "countrycode_exact=TH" in str(err.value)


def test_oversized_response_refused(httpserver):
    httpserver.expect_request(PATH).respond_with_json(page(by_country("VN"), 0, 17))
    with pytest.raises(SourceError) as err:
        client(httpserver, max_bytes=10_000).fetch_projects(["VN"])
    assert "10,000-byte limit" in str(err.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"rows": 10, "os": "0", "total": "1", "items": {}}, "no field 'projects'"),
        ({"rows": 10, "os": "0", "projects": {}}, "no field 'total'"),
        ({"rows": 10, "os": "0", "total": "many", "projects": {}}, "'total' is not a number"),
        ({"os": "0", "total": "1", "projects": "P1"}, "neither an object nor a list"),
        ([CURRENT], "expected a JSON object"),
    ],
)
def test_schema_drift_in_page(httpserver, body, expected):
    httpserver.expect_request(PATH).respond_with_json(body)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_projects(["AZ"])
    assert expected in str(err.value) and PATH in str(err.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"closingdate": "31.03.2026"}, "project P174379: field 'closingdate' is not a date"),
        ({"totalcommamt": "n/a"}, "project P174379: field 'totalcommamt' is not an amount"),
        ({"sector_namecode": "TI"}, "field 'sector_namecode' is not a list"),
        ({"id": None}, "missing or invalid field 'id'"),
    ],
)
def test_schema_drift_in_record(change, expected):
    with pytest.raises(SourceError) as err:
        parse_projects_payload([dict(CURRENT, **change)], "test://bundle.json")
    assert expected in str(err.value) and "test://bundle.json" in str(err.value)


def test_tolerated_drift_missing_sectors_extra_fields_id_only_as_key():
    rec = copy.deepcopy(CURRENT)
    del rec["sector_namecode"], rec["id"], rec["theme_list"]
    rec["brand_new_field"] = {"x": 1}
    rec["totalamt"] = 65000000  # number instead of string
    df = parse_projects_payload({"projects": {"P174379": rec}}, "test://p")
    row = df.iloc[0]
    assert row["project_id"] == "P174379"
    assert row["sector_codes"] == ["TX"]  # major sector codes when sector codes are missing
    assert row["theme_names"] == []


def test_page_repeating_forever_is_stopped(httpserver):
    """The server echoes the offset asked for but always sends the first page's projects."""
    first = by_country("ID")[:10]

    def same_page(request: Request) -> Response:
        body = page(first, int(request.args["os"]), 19)
        return Response(json.dumps(body), mimetype="application/json")

    httpserver.expect_request(PATH).respond_with_handler(same_page)
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_projects(["ID"])
    assert "repeats project ids" in str(err.value) and "os=10" in str(err.value)
    assert len(httpserver.log) == 2


def test_server_ignoring_offset_is_stopped(httpserver):
    httpserver.expect_request(PATH).respond_with_json(page(by_country("ID")[:10], 0, 19))
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_projects(["ID"])
    assert "asked for os=10, server returned os='0'" in str(err.value)


def test_empty_page_before_total_is_stopped(httpserver):
    ids = by_country("ID")
    httpserver.expect_request(PATH, query_string=qs("ID", 0)).respond_with_json(
        page(ids[:10], 0, 19)
    )
    httpserver.expect_request(PATH, query_string=qs("ID", 10)).respond_with_json(page([], 10, 19))
    with pytest.raises(SourceError) as err:
        client(httpserver).fetch_projects(["ID"])
    assert "empty page at os=10 but total=19" in str(err.value)


def test_bad_country_codes_rejected_before_any_request(httpserver):
    with pytest.raises(ValueError):
        client(httpserver).fetch_projects(["KHM"])
    assert len(httpserver.log) == 0

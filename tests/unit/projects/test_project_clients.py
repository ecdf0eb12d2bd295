"""The World Bank Projects and IATI clients check each answer against its request, and read
locations, sector shares and financiers; records with missing or placeholder fields are kept
with a flag. Run against a local HTTP server; every record and activity here is SYNTHETIC
(ids P9xxxxx, XX-SYNTHETIC-...) in the APIs' real shapes (/tmp/research/apis.md §3-4, the
World Bank `locations` objects as in an old v2 answer: geoLocId, geoLocName, latitude,
longitude, country, all strings).
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.projects.iati_api import IatiClient
from assets.projects.iati_docs import parse_activity_docs
from assets.projects.worldbank_projects_api import WorldBankProjectsClient
from pipelines.framework.http import HttpClient, SourceError

WBP = "/api/v2/projects"
SELECT = "/datastore/activity/select"


def no_sleep(_: float) -> None:
    return None


def wb_client(server: HTTPServer) -> WorldBankProjectsClient:
    http = HttpClient("worldbank_projects", max_retries=0, sleep=no_sleep)
    return WorldBankProjectsClient(server.url_for(WBP), http, rows=10)


def wb_page(records: list[dict], total: int | None = None, os: int = 0) -> dict:
    total = len(records) if total is None else total
    return {"rows": 10, "os": str(os), "page": "1", "total": str(total),
            "projects": {r["id"]: r for r in records}}  # fmt: skip


RECORD = {
    "id": "P900101",
    "project_name": "SYNTHETIC water project",
    "countrycode": ["KH"],
    "status": "Active",
    "boardapprovaldate": "2020-05-29T00:00:00Z",
    "closingdate": "6/30/2026 12:00:00 AM",
    "idacommamt": "15,000,000",
    "grantamt": "8,000,000",
    "ibrdcommamt": "0",
    "sector1": {"Name": "Water supply", "Percent": 88},
    "sector2": {"Name": "Public administration- Water, sanitation and flood protection",
                "Percent": 12},
    "sector3": {"Name": "", "Percent": 0},
    "sector_namecode": [
        {"name": "Water supply", "code": "WC"},
        {"name": "Public administration- Water, sanitation and flood protection", "code": "BW"},
    ],
    "locations": [{"geoLocId": "0001831797", "geoLocName": "SYNTHETIC town",
                   "latitude": "13.10271", "longitude": "103.19822", "country": "KH"}],
}  # fmt: skip


def json_answer(body: dict) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def test_worldbank_locations_sector_shares_and_financiers(httpserver: HTTPServer):
    httpserver.expect_request(WBP).respond_with_json(wb_page([RECORD]))
    result = wb_client(httpserver).fetch_projects(["KH"], retrieved_on=dt.date(2026, 12, 1))
    row = result.frame.iloc[0]
    args = httpserver.log[0][0].args
    assert {"locations", "sector1", "status", "idacommamt"} <= set(args["fl"].split(","))
    assert args["geocode"] == "on"
    assert row["locations"] == [
        {"geo_loc_id": "0001831797", "name": "SYNTHETIC town", "latitude": 13.10271,
         "longitude": 103.19822, "country_iso2": "KH", "admin1": None, "admin2": None}
    ]  # fmt: skip
    assert [(s["code"], s["percent"]) for s in row["sectors"]] == [("WC", 88.0), ("BW", 12.0)]
    # idacommamt and grantamt become financier rows (IBRD 0 does not)
    assert [(f["financier_id"], f["amount_usd"]) for f in row["financiers"]] == [
        ("IDA", 15_000_000.0),
        ("GRANT", 8_000_000.0),
    ]
    assert row["status_as_of"] == dt.date(2026, 12, 1) and row["record_flags"] == []


def test_worldbank_answer_for_another_country_is_refused(httpserver: HTTPServer):
    other = dict(RECORD, countrycode=["VN"])
    httpserver.expect_request(WBP).respond_with_json(wb_page([other]))
    with pytest.raises(SourceError) as err:
        wb_client(httpserver).fetch_projects(["KH"])
    msg = str(err.value)
    assert "requested countrycode_exact=KH" in msg and "['VN']" in msg and WBP in msg
    assert err.value.permanent and len(httpserver.log) == 1  # not retried


def test_worldbank_key_that_is_not_the_record_id_is_refused(httpserver: HTTPServer):
    body = wb_page([RECORD])
    body["projects"] = {"P900999": RECORD}
    httpserver.expect_request(WBP).respond_with_json(body)
    with pytest.raises(SourceError, match="keyed 'P900999' carries id 'P900101'"):
        wb_client(httpserver).fetch_projects(["KH"])


def test_worldbank_total_that_changes_between_pages_is_refused(httpserver: HTTPServer):
    first = [dict(RECORD, id=f"P9002{i:02d}") for i in range(10)]
    pages = {"0": wb_page(first, 12), "10": wb_page([dict(RECORD, id="P900299")], 13, os=10)}
    httpserver.expect_request(WBP).respond_with_handler(lambda r: json_answer(pages[r.args["os"]]))
    with pytest.raises(SourceError, match="total changed between pages: 12 -> 13"):
        wb_client(httpserver).fetch_projects(["KH"])


def test_worldbank_record_without_status_is_kept_with_a_flag(httpserver: HTTPServer):
    bare = {k: v for k, v in RECORD.items() if k != "status"}
    httpserver.expect_request(WBP).respond_with_json(wb_page([bare, dict(RECORD, id="P900102")]))
    frame = wb_client(httpserver).fetch_projects(["KH"]).frame.set_index("project_id")
    assert pd.isna(frame.loc["P900101", "status"])  # None in the frame, NULL when landed
    assert frame.loc["P900101", "record_flags"] == ["status_missing"]
    assert frame.loc["P900102", "status"] == "Active"  # the other record is not affected


# ----------------------------------------------------------------------------------- IATI
def solr(docs: list[dict], request: Request, cursor: str = "*", **echo: str) -> dict:
    params = dict(request.args) | echo
    return {"responseHeader": {"status": 0, "QTime": 2, "params": params},
            "response": {"numFound": len(docs), "start": 0, "docs": docs},
            "nextCursorMark": cursor}  # fmt: skip


def iati_client(server: HTTPServer) -> IatiClient:
    http = HttpClient("iati", max_retries=0, sleep=no_sleep)
    return IatiClient(server.url_for("/datastore"), http, api_key="k", rows=10)


DOC = {
    "id": "h1",
    "iati_identifier": "XX-SYNTHETIC-0101",
    "title_narrative": ["SYNTHETIC activity"],
    "recipient_country_code": ["KH"],
    "activity_status_code": "2",
    "activity_date_type": ["1", "2", "3"],
    "activity_date_iso_date": ["2021-01-01T00:00:00Z", "1900-01-01T00:00:00Z",
                               "2025-12-31T00:00:00Z"],
    "participating_org_ref": ["XM-DAC-701-8", "XX-SYNTH-MIN"],
    "participating_org_narrative": ["SYNTHETIC Japan agency", "SYNTHETIC Ministry"],
    "participating_org_role": ["1", "4"],
    "participating_org_type": ["10", "10"],
    "sector_code": ["14020", "12220"],
    "sector_vocabulary": ["1", "1"],
    "sector_percentage": [70, 30],
    "location_name_narrative": ["SYNTHETIC site"],
    "location_point_pos": ["13.1 103.2"],
    "location_ref": ["L1"],
}  # fmt: skip


def test_iati_placeholder_date_funders_sectors_and_locations(httpserver: HTTPServer):
    httpserver.expect_request(SELECT).respond_with_handler(lambda r: json_answer(solr([DOC], r)))
    row = iati_client(httpserver).fetch_activities(["KH"]).iloc[0]
    # actual start 1900-01-01 is a placeholder: missing, flagged; the planned start is used
    assert row["start_date"] == dt.date(2021, 1, 1) and row["end_date"] == dt.date(2025, 12, 31)
    assert row["record_flags"] == ["placeholder_date:2 1900-01-01"]
    assert row["funders"] == [{"ref": "XM-DAC-701-8", "name": "SYNTHETIC Japan agency",
                               "type": "10"}]  # fmt: skip
    assert [(s["code"], s["percent"]) for s in row["sectors"]] == [("14020", 70.0),
                                                                  ("12220", 30.0)]  # fmt: skip
    assert row["locations"][0]["latitude"] == 13.1 and row["locations"][0]["longitude"] == 103.2


def test_iati_only_placeholder_start_gives_no_start():
    doc = dict(DOC, activity_date_type=["2"], activity_date_iso_date=["1900-01-01T00:00:00Z"])
    row = parse_activity_docs([doc], "test://x").iloc[0]
    assert row["start_date"] is None and row["record_flags"] == ["placeholder_date:2 1900-01-01"]


def test_iati_unequal_org_arrays_give_no_funders_and_a_flag():
    doc = dict(DOC, participating_org_role=["1"])  # two names, one role: cannot pair them
    row = parse_activity_docs([doc], "test://x").iloc[0]
    assert row["funders"] == [] and "participating_org_arrays_unequal" in row["record_flags"]


def test_iati_answer_to_another_query_is_refused(httpserver: HTTPServer):
    other = "recipient_country_code:(VN)"
    httpserver.expect_request(SELECT).respond_with_handler(
        lambda r: json_answer(solr([DOC], r, q=other))
    )
    with pytest.raises(SourceError) as err:
        iati_client(httpserver).fetch_activities(["KH"])
    msg = str(err.value)
    assert "sent q='recipient_country_code:(KH)'" in msg and "(VN)" in msg and SELECT in msg
    assert err.value.permanent


def test_iati_activity_of_another_country_is_refused(httpserver: HTTPServer):
    vn = dict(DOC, recipient_country_code=["VN"])
    httpserver.expect_request(SELECT).respond_with_handler(lambda r: json_answer(solr([vn], r)))
    with pytest.raises(SourceError, match=r"activity 'XX-SYNTHETIC-0101' has \['VN'\]"):
        iati_client(httpserver).fetch_activities(["KH"])

"""The project sources: one interface per source, bundled and live implementations, one factory.

The live World Bank source runs against a local HTTP server in the API's page shape; its one
record is a SYNTHETIC EXAMPLE. Expected values by hand from the inputs.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

from pytest_httpserver import HTTPServer

from assets.projects import iati_docs, worldbank_records
from assets.projects.sources import (
    NO_IATI_SNAPSHOT,
    BundledWorldBankProjects,
    LiveIati,
    LiveWorldBankProjects,
    NoIatiSnapshot,
    company_files,
    iati_source,
    register_files,
    worldbank_projects_source,
)
from pipelines.settings import Settings

DATA = Path(__file__).resolve().parents[3] / "data"
OFFLINE = Settings(data_dir=DATA)
WB_FILE = DATA / "sources" / "projects" / "worldbank_projects_asean_2013.json"


def test_factories_pick_by_mode() -> None:
    bundled = worldbank_projects_source(OFFLINE)
    assert isinstance(bundled, BundledWorldBankProjects) and bundled.path == WB_FILE
    assert isinstance(iati_source(OFFLINE), NoIatiSnapshot)
    live = replace(
        OFFLINE, mode="live", worldbank_projects_api_url="http://x/wbp", iati_api_url="http://x/i"
    )
    wb = worldbank_projects_source(live)
    assert isinstance(wb, LiveWorldBankProjects)
    assert wb.url == "http://x/wbp" and wb.client.base_url == "http://x/wbp"
    iati = iati_source(replace(live, iati_api_key="k"))
    assert isinstance(iati, LiveIati)
    assert iati.client.select_url == "http://x/i/activity/select" and iati.client.api_key == "k"


def test_bundled_worldbank_delivery_goes_through_the_api_parser() -> None:
    delivery = worldbank_projects_source(OFFLINE).fetch(["KH"])
    assert delivery.payload.source == "worldbank_projects"
    assert delivery.payload.uri == str(WB_FILE)
    assert delivery.payload.data == WB_FILE.read_bytes()
    frame = delivery.read()
    assert list(frame.columns) == worldbank_records.COLUMNS
    assert len(frame) == 52  # every record of the export, whatever the countries asked for
    danang = frame.set_index("project_id").loc["P123384"]
    # record: "boardapprovaldate": "2013-04-26T00:00:00Z", first sector code TC
    assert danang["board_approval_date"] == dt.date(2013, 4, 26)
    assert danang["sector_codes"][0] == "TC"


def test_offline_iati_delivers_no_activity() -> None:
    delivery = iati_source(OFFLINE).fetch(["KH"])
    assert (delivery.payload.source, delivery.payload.uri) == ("iati", NO_IATI_SNAPSHOT)
    frame = delivery.read()
    assert frame.empty and list(frame.columns) == iati_docs.COLUMNS


def test_live_worldbank_delivery(httpserver: HTTPServer) -> None:
    record = {
        "id": "P000001",
        "project_name": "EXAMPLE synthetic project",
        "countrycode": ["KH"],
        "status": "Active",
        "boardapprovaldate": "2020-01-02T00:00:00Z",
        "totalcommamt": "1,000",
    }
    page = {"rows": 500, "os": "0", "page": "1", "total": "1", "projects": {"P000001": record}}
    httpserver.expect_request("/wbp").respond_with_json(page)
    url = httpserver.url_for("/wbp")
    settings = replace(OFFLINE, mode="live", worldbank_projects_api_url=url)
    delivery = worldbank_projects_source(settings).fetch(["KH"])
    assert (delivery.payload.source, delivery.payload.uri) == ("worldbank_projects", url)
    assert json.loads(delivery.payload.data) == [record]
    frame = delivery.read()
    assert frame["project_id"].tolist() == ["P000001"]
    assert frame["total_commitment_usd"].tolist() == [1000.0]


def test_register_files_bundled_first_then_the_inbox(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("b.xlsx", "a.csv", ".hidden.csv", "notes.txt"):
        (inbox / name).write_text("x", encoding="utf-8")
    files = register_files(replace(OFFLINE, inbox_dir=inbox))
    assert files == [
        DATA / "sources" / "projects" / "documented_city_projects.csv",
        inbox / "a.csv",
        inbox / "b.xlsx",
    ]


def test_company_files_csv_then_xlsx(tmp_path: Path) -> None:
    folder = tmp_path / "companies"
    folder.mkdir()
    for name in ("z.csv", "a.xlsx", "README.md", "b.csv"):
        (folder / name).write_text("x", encoding="utf-8")
    assert company_files(replace(OFFLINE, data_dir=tmp_path)) == [
        folder / "b.csv",
        folder / "z.csv",
        folder / "a.xlsx",
    ]

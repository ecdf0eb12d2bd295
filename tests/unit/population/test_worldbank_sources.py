"""The World Bank indicators source: one interface, bundled and live implementations, one factory.

The live one runs against a local HTTP server in the API's shape; expected rows by hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytest_httpserver import HTTPServer

from assets.population.sources import (
    BundledWorldBankIndicators,
    LiveWorldBankIndicators,
    worldbank_indicators_source,
)
from pipelines.settings import Settings

DATA = Path(__file__).resolve().parents[3] / "data"
OFFLINE = Settings(data_dir=DATA)


def test_factory_picks_by_mode() -> None:
    bundled = worldbank_indicators_source(OFFLINE)
    assert isinstance(bundled, BundledWorldBankIndicators)
    assert bundled.folder == DATA / "sources" / "worldbank"
    assert bundled.catalogue == DATA / "catalogue" / "national_series.csv"
    live = worldbank_indicators_source(
        replace(OFFLINE, mode="live", worldbank_api_url="http://x/v2")
    )
    assert isinstance(live, LiveWorldBankIndicators)
    assert live.url == "http://x/v2" and live.client.base_url == "http://x/v2"
    assert live.countries == ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]
    assert 400 in live.client.http.retry_statuses  # the client's own retry rule


def test_bundled_delivery_reads_the_snapshot_files() -> None:
    delivery = worldbank_indicators_source(OFFLINE).fetch()
    assert delivery.payload.source == "worldbank_indicators"
    assert delivery.payload.uri == str(DATA / "sources" / "worldbank")
    assert delivery.payload.vintage == "bundled snapshots (see data/SOURCES.md)"
    frame = delivery.read()
    # api_SP.POP.TOTL_2018-04-24.json: {"countryiso3code": "KHM", "date": "2016", "value": 15762370}
    khm = frame[
        (frame["source_file"] == "api_SP.POP.TOTL_2018-04-24.json")
        & (frame["country_iso3"] == "KHM")
        & (frame["year"] == 2016)
    ]
    assert khm["value"].tolist() == [15762370.0]


def test_bundled_payload_changes_with_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "worldbank"
    folder.mkdir()
    (folder / "a.csv").write_text("x\n1\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a snapshot", encoding="utf-8")
    source = BundledWorldBankIndicators(folder, tmp_path / "series.csv")
    before = source.fetch().payload.data
    (folder / "notes.txt").write_text("still not a snapshot", encoding="utf-8")
    assert source.fetch().payload.data == before  # only .csv and .json files count
    (folder / "a.csv").write_text("x\n2\n", encoding="utf-8")
    assert source.fetch().payload.data != before


def test_live_delivery_asks_each_catalogued_api_code_once(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    catalogue = tmp_path / "national_series.csv"
    catalogue.write_text(
        "indicator_code,api_code,name\n"
        "SP.URB.TOTL.IN.ZS,SP.URB.TOTL.IN.ZS,urban share\n"
        "SP.URB.TOTL.IN.ZS,SP.URB.TOTL.IN.ZS,urban share (second OWID file)\n"
        "NY.GDP.PCAP.PP.KD@2011PPP,,snapshot only: no api_code\n"
        "NY.GDP.PCAP.PP.KD@2021PPP,NY.GDP.PCAP.PP.KD,gdp\n",
        encoding="utf-8",
    )
    meta = {"page": 1, "pages": 1, "per_page": 1000, "total": 1, "lastupdated": "2026-10-15"}
    for code, value in (("SP.URB.TOTL.IN.ZS", 25.5), ("NY.GDP.PCAP.PP.KD", 5100.0)):
        record = {"indicator": {"id": code}, "countryiso3code": "KHM", "date": "2022"}
        httpserver.expect_request(f"/v2/country/KHM/indicator/{code}").respond_with_json(
            [meta, [record | {"value": value}]]
        )
    url = httpserver.url_for("/v2")
    settings = replace(OFFLINE, mode="live", worldbank_api_url=url, http_max_retries=0)
    source = worldbank_indicators_source(settings)
    assert isinstance(source, LiveWorldBankIndicators)
    source = replace(source, catalogue=catalogue, countries=["KHM"])
    delivery = source.fetch()
    assert len(httpserver.log) == 2  # one series per api_code, none for the snapshot-only code
    assert all("date=2000:2030" in req.full_path for req, _ in httpserver.log)
    assert (delivery.payload.uri, delivery.payload.vintage) == (url, "2026-10-15")
    rows = delivery.read().sort_values("indicator_code")
    assert rows[["indicator_code", "country_iso3", "year", "value"]].values.tolist() == [
        ["NY.GDP.PCAP.PP.KD@2021PPP", "KHM", 2022, 5100.0],
        ["SP.URB.TOTL.IN.ZS", "KHM", 2022, 25.5],
    ]
    assert rows["source_file"].tolist() == [
        f"{url}/country/.../indicator/NY.GDP.PCAP.PP.KD",
        f"{url}/country/.../indicator/SP.URB.TOTL.IN.ZS",
    ]

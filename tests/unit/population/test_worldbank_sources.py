"""The World Bank indicators source: one interface, bundled and live implementations, one factory.

The live one runs against a local HTTP server in the API's shape; expected rows by hand.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from assets.population.sources import (
    BundledWorldBankIndicators,
    LiveWorldBankIndicators,
    worldbank_indicators_source,
)
from pipelines.framework.http import SourceError
from pipelines.settings import Settings
from tests.helpers.reference import ASEAN_ISO3
from tests.helpers.replay import json_answer, replay_server
from tests.helpers.worldbank_replay import SOURCE, WorldBankReplay, page_answer, record

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
    assert live.countries == ASEAN_ISO3
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
    settings = replace(
        OFFLINE, mode="live", worldbank_api_url=url, http_max_retries=0, output_dir=tmp_path
    )
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
    assert source.traffic is not None and source.traffic.requests == 2
    assert len(list((tmp_path / "cache" / "http" / "worldbank_indicators").glob("*.body"))) == 2


def test_bundled_rows_carry_an_empty_value_flag() -> None:
    frame = worldbank_indicators_source(OFFLINE).fetch().read()
    assert list(frame.columns) == [
        "country_iso3", "indicator_code", "year", "value", "value_flag", "vintage", "source_file"
    ]  # fmt: skip
    assert frame["value_flag"].isna().all() and frame["value"].notna().all()
    assert worldbank_indicators_source(OFFLINE).traffic is None


def test_one_failing_series_does_not_stop_the_others_and_a_rerun_asks_only_for_it(
    tmp_path: Path,
) -> None:
    """Series A is refused (an answer for another indicator), B is fetched and kept; the
    error names A; the rerun, with the server fixed, asks for A only."""
    catalogue = tmp_path / "national_series.csv"
    catalogue.write_text(
        "indicator_code,api_code,name\nSP.POP.TOTL,SP.POP.TOTL,a\nEN.POP.DNST,EN.POP.DNST,b\n",
        encoding="utf-8",
    )
    with replay_server() as replay:
        api = WorldBankReplay(replay)
        wrong = [record("SP.POP.GROW", "KHM", 2022, 1.2)]
        replay.script(
            SOURCE, json_answer(page_answer(wrong, 1, 1000, 1)),
            match=lambda r: "/indicator/SP.POP.TOTL" in r.path,
        )  # fmt: skip
        settings = replace(
            OFFLINE, mode="live", worldbank_api_url=api.url(), http_max_retries=0,
            output_dir=tmp_path,
        )  # fmt: skip
        source = replace(
            worldbank_indicators_source(settings), catalogue=catalogue, countries=["KHM"]
        )
        with pytest.raises(SourceError) as err:
            source.fetch()
        assert "1 of 2 series failed" in str(err.value)
        assert "answer for indicator SP.POP.GROW, asked SP.POP.TOTL" in str(err.value)
        assert err.value.permanent  # every failure was a refusal: no asset retry
        assert api.asked() == [("EN.POP.DNST", 1), ("SP.POP.TOTL", 1)]
        replay.clear_log()
        rerun = replace(
            worldbank_indicators_source(settings), catalogue=catalogue, countries=["KHM"]
        )
        rows = rerun.fetch().read()
        assert api.asked() == [("SP.POP.TOTL", 1)]  # EN.POP.DNST from the kept answer
    assert sorted(set(rows["indicator_code"])) == ["EN.POP.DNST", "SP.POP.TOTL"]
    # KHM 2022 population by the replay's formula: 1,000,000 x 2 (KHM is 2nd) + (2022 - 2000).
    khm = rows[(rows["indicator_code"] == "SP.POP.TOTL") & (rows["year"] == 2022)]
    assert khm["value"].tolist() == [2_000_022.0]

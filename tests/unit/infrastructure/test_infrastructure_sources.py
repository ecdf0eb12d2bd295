"""The source factories of the infrastructure family pick their implementation from the settings.

OSM data are the SYNTHETIC city of test_osm_extract.py beside this file; no network.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from assets.infrastructure.metric_rows import OSM_COLUMNS
from assets.infrastructure.sources import (
    OFFLINE_NOTE,
    BundledOsmMeasurement,
    ExtractMeasurement,
    OverpassMeasurement,
    health_facilities_source,
    osm_measurement_source,
    sdg_11_2_1_source,
    street_network_source,
)
from pipelines.settings import Settings
from tests.unit.infrastructure.test_osm_extract import (
    CITY,
    EXPECTED,
    METRICS,
    write_osm_xml,
)


def test_offline_default_measures_nothing_and_says_so():
    osm = osm_measurement_source(Settings())
    assert isinstance(osm, BundledOsmMeasurement)
    assert (osm.source, osm.uri) == ("osm", OFFLINE_NOTE)
    result = osm.measure([CITY], METRICS)
    assert result.frame.empty and list(result.frame.columns) == OSM_COLUMNS
    assert result.rejects.empty and result.costs == []


def test_live_mode_measures_with_overpass_at_the_configured_url():
    settings = Settings(
        mode="live", overpass_url="http://127.0.0.1:9/api/interpreter", http_timeout_s=7,
        http_max_retries=2, overpass_timeout_s=25, overpass_maxsize_bytes=2_000_000,
    )  # fmt: skip
    osm = osm_measurement_source(settings)
    assert isinstance(osm, OverpassMeasurement)
    assert (osm.source, osm.uri) == ("osm_overpass", "http://127.0.0.1:9/api/interpreter")
    assert (osm.timeout_s, osm.maxsize_bytes) == (25, 2_000_000)  # [timeout:25][maxsize:...]
    http = osm.client.http
    assert (http.source, http.max_retries, http.max_bytes) == ("osm_overpass", 2, 2_000_000)
    assert http.timeout_s == 25 + 30  # the read waits for the query's own timeout and more
    assert http.store is not None and http.throttle_delay is not None  # kept answers; slots


@pytest.mark.parametrize("mode", ["offline", "live"])
def test_a_local_extract_wins_over_the_mode(tmp_path, mode):
    pbf = tmp_path / "city.osm.pbf"
    osm = osm_measurement_source(Settings(mode=mode, osm_pbf=pbf))
    assert isinstance(osm, ExtractMeasurement)
    assert (osm.source, osm.uri) == ("osm_extract", str(pbf))


def test_extract_measurement_adds_the_measured_area(tmp_path):
    xml = write_osm_xml(tmp_path / "synthetic.osm")
    frame = ExtractMeasurement(xml).measure([CITY], METRICS).frame
    got = dict(zip(frame["metric_id"], frame["value"], strict=True))
    assert got["hospitals"] == EXPECTED["hospitals"]
    # the 2 km ring is the 256-gon inscribed in the circle: 128 * 2^2 * sin(pi / 128) km2
    assert got["land_area_km2"] == pytest.approx(128 * 4 * math.sin(math.pi / 128), rel=1e-6)
    area = frame[frame["metric_id"] == "land_area_km2"].iloc[0]
    assert (area["source_id"], area["measurement_area"]) == ("osm_extract", "ring_2km")
    assert area["osm_timestamp"] == "2026-01-02T03:04:05Z"  # the newest object timestamp
    assert "disc of 2 km radius" in area["measurement_area_definition"]


def test_bundled_sources_read_their_files_under_the_sources_dir(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    for factory, source in (
        (street_network_source, "ghsl_street_network"),
        (health_facilities_source, "health_facilities"),
        (sdg_11_2_1_source, "sdg_11_2_1"),
    ):
        bundled = factory(settings)
        assert bundled.source == source
        assert bundled.paths and all(
            Path(p).is_relative_to(settings.sources_dir) for p in bundled.paths
        )

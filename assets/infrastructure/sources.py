"""Where the infrastructure family's data come from, chosen once from the settings.

* OSM measurement (`raw.osm_metrics`): one interface, `OsmMeasurement`, with three
  implementations: `BundledOsmMeasurement` (offline default: no OSM measurement, the bundled
  metrics stand in), `OverpassMeasurement` (live Overpass API, at most two queries per city)
  and `ExtractMeasurement` (a local .osm.pbf / .osm file, `ASCN_OSM_PBF`, filtered in C++).
  `osm_measurement_source(settings)` picks one; a set extract wins over live mode, because it
  is the explicit, reproducible choice. Each measures every city's measurement areas
  (assets/infrastructure/boundaries.py) and returns an `OsmResult` (rows, rejects, cost).
* Bundled published sources (GHSL / Boeing street network, MIMU and Brunei facility lists,
  SDG 11.2.1): `BundledMetrics`, the files to land and the reader that turns them into metric
  rows; one factory per source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pandas as pd

from assets.infrastructure.boundaries import CityAreas
from assets.infrastructure.extract import measure_with_extract
from assets.infrastructure.ghsl_street_network import read_bundled_street_network
from assets.infrastructure.health_facilities import read_bundled_facilities
from assets.infrastructure.metric_rows import (
    BOUNDARIES_URI,
    OSM_COLUMNS,
    empty_metric_frame,
    measured_area_row,
    metric_frame,
)
from assets.infrastructure.osm_model import Progress, no_progress
from assets.infrastructure.overpass import OsmResult, measure_with_overpass
from assets.infrastructure.overpass_api import OverpassClient, status_delay, status_url
from assets.infrastructure.sdg_11_2_1 import read_sdg_11_2_1
from assets.reference.cities import CityMatcher
from assets.reference.countries import iso2_to_iso3
from pipelines.framework.http import HttpClient, SourceError, http_client, user_agent
from pipelines.settings import Settings

OFFLINE_NOTE = "offline: no OSM measurement (set ASCN_MODE=live or ASCN_OSM_PBF)"


# ---------------------------------------------------------------------------------------------
# OSM measurement
# ---------------------------------------------------------------------------------------------
class OsmMeasurement(Protocol):
    """Measures every catalogue metric in every city's measurement areas (`OSM_COLUMNS` rows)."""

    @property
    def source(self) -> str:
        """Source id of the landed payload (lineage `_source`)."""
        ...

    @property
    def uri(self) -> str:
        """What was read (lineage `_source_uri`)."""
        ...

    def measure(
        self, cities: Sequence[CityAreas], catalogue: pd.DataFrame, progress: Progress
    ) -> OsmResult:
        """Metric rows (with each measured area's size), rejects, and the cost per city."""
        ...


@dataclass(frozen=True)
class BundledOsmMeasurement:
    """Offline: OSM is not measured; the bundled metrics stand in, other cells stay gaps."""

    source: str = "osm"
    uri: str = OFFLINE_NOTE

    def measure(
        self,
        cities: Sequence[CityAreas],
        catalogue: pd.DataFrame,
        progress: Progress = no_progress,
    ) -> OsmResult:
        return OsmResult(empty_metric_frame(OSM_COLUMNS))


@dataclass(frozen=True)
class OverpassMeasurement:
    """Live: at most two polite Overpass queries per city at `client.url`."""

    client: OverpassClient
    timeout_s: int = 180
    maxsize_bytes: int = 536_870_912
    boundaries_path: str = BOUNDARIES_URI
    source: str = "osm_overpass"

    @property
    def uri(self) -> str:
        return self.client.url

    def measure(
        self,
        cities: Sequence[CityAreas],
        catalogue: pd.DataFrame,
        progress: Progress = no_progress,
    ) -> OsmResult:
        return measure_with_overpass(
            self.client, cities, catalogue, timeout_s=self.timeout_s,
            maxsize_bytes=self.maxsize_bytes, boundaries_path=self.boundaries_path,
            progress=progress,
        )  # fmt: skip


@dataclass(frozen=True)
class ExtractMeasurement:
    """Local extract: one pyosmium pass (filtered in C++) measures every (city, area, metric)."""

    pbf: Path
    source: str = "osm_extract"

    @property
    def uri(self) -> str:
        return str(self.pbf)

    def measure(
        self,
        cities: Sequence[CityAreas],
        catalogue: pd.DataFrame,
        progress: Progress = no_progress,
    ) -> OsmResult:
        frame = measure_with_extract(self.pbf, cities, catalogue, progress=progress)
        vintage = frame["osm_timestamp"].dropna().max() if not frame.empty else None
        areas = [a for c in cities for a in c.areas if a.geometry is not None]
        units = {c.city_id: c.population_unit_id for c in cities}
        extra = [measured_area_row(a, vintage, self.source, units[a.city_id]) for a in areas]
        if frame.empty:
            return OsmResult(frame)
        return OsmResult(pd.concat([frame, metric_frame(extra, OSM_COLUMNS)], ignore_index=True))


def osm_measurement_source(settings: Settings) -> OsmMeasurement:
    """The OSM back-end the settings ask for: extract if `osm_pbf` is set, else live or bundled."""
    if settings.osm_pbf:
        return ExtractMeasurement(settings.osm_pbf)
    if settings.live:
        return OverpassMeasurement(
            OverpassClient(settings.overpass_url, overpass_http(settings)),
            timeout_s=settings.overpass_timeout_s,
            maxsize_bytes=settings.overpass_maxsize_bytes,
            boundaries_path=str(settings.reference_dir / "city_boundaries.csv"),
        )
    return BundledOsmMeasurement()


def overpass_http(settings: Settings) -> HttpClient:
    """The HTTP client of Overpass: kept answers, the query's own timeout plus a margin for the
    read, answers up to `maxsize`, and the wait for a free slot asked from /api/status."""
    status = HttpClient(
        source="osm_overpass_status",
        timeout_s=settings.http_timeout_s,
        max_retries=0,
        user_agent=user_agent(settings.contact),
    )
    url = status_url(settings.overpass_url)

    def slot_delay(kind: str) -> float | None:
        try:
            return status_delay(status.get(url).body.decode("utf-8", "replace"))
        except SourceError:
            return None  # no status page: the exponential back-off applies

    return http_client(
        settings,
        "osm_overpass",
        timeout_s=max(settings.http_timeout_s, settings.overpass_timeout_s + 30),
        max_bytes=settings.overpass_maxsize_bytes,
        throttle_delay=slot_delay,
    )


# ---------------------------------------------------------------------------------------------
# Bundled published sources
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BundledMetrics:
    """A bundled published source: the files it lands and the reader of their metric rows."""

    source: str
    paths: list[Path]
    read: Callable[[CityMatcher], tuple[pd.DataFrame, pd.DataFrame]]  # -> (rows, rejects)


def street_network_source(settings: Settings) -> BundledMetrics:
    """GHSL urban-centre attributes with G. Boeing's OSM street-network metrics."""
    folder = settings.sources_dir / "ghsl"
    data = folder / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"
    meta = folder / "ghsl_ucdb2015_via_boeing_street_network_indicators_metadata.csv"
    return BundledMetrics(
        "ghsl_street_network",
        [data, meta],
        lambda cities: read_bundled_street_network(data, cities, meta),
    )


def health_facilities_source(settings: Settings) -> BundledMetrics:
    """MIMU public hospitals (Myanmar, 2020) and the Brunei Ministry of Health facility list."""
    folder = settings.sources_dir / "infrastructure"
    mimu = folder / "mmr_mimu_public_hospitals_2020_ascn_cities.csv"
    brn = folder / "brn_moh_public_hospitals_health_centres.csv"
    return BundledMetrics(
        "health_facilities",
        [mimu, brn],
        lambda cities: read_bundled_facilities(mimu, brn, cities),
    )


def sdg_11_2_1_source(settings: Settings) -> BundledMetrics:
    """SDG 11.2.1 convenient access to public transport (UN SDG database via 360info)."""
    path = (
        settings.sources_dir
        / "infrastructure"
        / "sdg_11_2_1_public_transport_access_asean_cities.csv"
    )
    return BundledMetrics(
        "sdg_11_2_1",
        [path],
        lambda cities: read_sdg_11_2_1(path, cities, iso2_to_iso3(settings)),
    )

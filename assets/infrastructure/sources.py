"""Where the infrastructure family's data come from, chosen once from the settings.

* OSM measurement (`raw.osm_metrics`): one interface, `OsmMeasurement`, with three
  implementations: `BundledOsmMeasurement` (offline default: no OSM measurement, the bundled
  metrics stand in), `OverpassMeasurement` (live Overpass API) and `ExtractMeasurement` (a local
  .osm.pbf / .osm file, `ASCN_OSM_PBF`). `osm_measurement_source(settings)` picks one; a set
  extract wins over live mode, because it is the explicit, reproducible choice.
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

from assets.infrastructure.extract import measure_with_extract
from assets.infrastructure.ghsl_street_network import read_bundled_street_network
from assets.infrastructure.health_facilities import read_bundled_facilities
from assets.infrastructure.metric_rows import METRIC_COLUMNS, with_measured_areas
from assets.infrastructure.osm_model import Boundary, Progress, no_progress
from assets.infrastructure.overpass import measure_with_overpass
from assets.infrastructure.overpass_api import OverpassClient
from assets.infrastructure.sdg_11_2_1 import read_sdg_11_2_1
from assets.reference.cities import CityMatcher
from assets.reference.countries import iso2_to_iso3
from pipelines.framework.http import HttpClient
from pipelines.settings import Settings

OFFLINE_NOTE = "offline: no OSM measurement (set ASCN_MODE=live or ASCN_OSM_PBF)"


# ---------------------------------------------------------------------------------------------
# OSM measurement
# ---------------------------------------------------------------------------------------------
class OsmMeasurement(Protocol):
    """Measures every catalogue metric inside every city boundary, as `METRIC_COLUMNS` rows."""

    @property
    def source(self) -> str:
        """Source id of the landed payload (lineage `_source`)."""
        ...

    @property
    def uri(self) -> str:
        """What was read (lineage `_source_uri`)."""
        ...

    def measure(
        self, boundaries: Sequence[Boundary], catalogue: pd.DataFrame, progress: Progress
    ) -> pd.DataFrame:
        """Metric rows; a back-end that measures also adds each boundary's land area."""
        ...


@dataclass(frozen=True)
class BundledOsmMeasurement:
    """Offline: OSM is not measured; the bundled metrics stand in, other cells stay gaps."""

    source: str = "osm"
    uri: str = OFFLINE_NOTE

    def measure(
        self,
        boundaries: Sequence[Boundary],
        catalogue: pd.DataFrame,
        progress: Progress = no_progress,
    ) -> pd.DataFrame:
        return pd.DataFrame(columns=METRIC_COLUMNS)


@dataclass(frozen=True)
class OverpassMeasurement:
    """Live: one polite Overpass query per (city, metric) at `client.url`."""

    client: OverpassClient
    source: str = "osm_overpass"

    @property
    def uri(self) -> str:
        return self.client.url

    def measure(
        self,
        boundaries: Sequence[Boundary],
        catalogue: pd.DataFrame,
        progress: Progress = no_progress,
    ) -> pd.DataFrame:
        frame = measure_with_overpass(self.client, boundaries, catalogue, progress=progress)
        return with_measured_areas(frame, boundaries, self.source)


@dataclass(frozen=True)
class ExtractMeasurement:
    """Local extract: one pyosmium pass over `pbf` measures every (city, metric)."""

    pbf: Path
    source: str = "osm_extract"

    @property
    def uri(self) -> str:
        return str(self.pbf)

    def measure(
        self,
        boundaries: Sequence[Boundary],
        catalogue: pd.DataFrame,
        progress: Progress = no_progress,
    ) -> pd.DataFrame:
        frame = measure_with_extract(self.pbf, boundaries, catalogue, progress=progress)
        return with_measured_areas(frame, boundaries, self.source)


def osm_measurement_source(settings: Settings) -> OsmMeasurement:
    """The OSM back-end the settings ask for: extract if `osm_pbf` is set, else live or bundled."""
    if settings.osm_pbf:
        return ExtractMeasurement(settings.osm_pbf)
    if settings.live:
        http = HttpClient(
            source="osm_overpass",
            timeout_s=settings.http_timeout_s,
            max_retries=settings.http_max_retries,
        )
        return OverpassMeasurement(OverpassClient(settings.overpass_url, http))
    return BundledOsmMeasurement()


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

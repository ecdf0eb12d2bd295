"""Checks on infrastructure metrics (every back-end, every bundled source).

The ranges come from the OSM metric catalogue (data/catalogue/osm_metrics.csv): an OSM value
per km2 of its measurement area above `valid_max_per_km2` is impossible (a measuring bug or a
broken answer), so the blocking checks fail. A value that is only implausible (above the
plausible maxima, or 0 where it cannot be) is kept and flagged in the table (`implausible`),
not a check failure: bad data must not block the other sources.
"""

from __future__ import annotations

from assets.infrastructure.metric_catalogue import catalogue_ranges, load_metric_catalogue
from assets.reference.vocabularies import boundary_types, focus_areas
from pipelines.framework.checks import gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, in_set, not_null
from pipelines.settings import Settings


def infrastructure_suite(settings: Settings | None = None) -> SuiteSpec:
    s = settings or Settings.from_env()
    catalogue = load_metric_catalogue(s.catalogue_dir / "osm_metrics.csv", focus_areas(s))
    suite: SuiteSpec = [
        not_null("city_id"),
        not_null("metric_id"),
        not_null("unit"),
        not_null("boundary_type"),
        not_null("source_id"),
        between("year", 1990, 2100),
        # the one list of boundary types (data/reference/boundary_types.csv)
        in_set("boundary_type", sorted(boundary_types(s))),
        # OSM rows: every value of an area that has a size (a measured area is never empty)
        between("measurement_area_km2", 0.001, 1e6),
    ]
    # Per OSM metric: from 0 to the catalogue's hard limit per km2 of the measurement area.
    for r in catalogue_ranges(catalogue).itertuples():
        suite.append(_row_condition(between("value_per_km2", 0, r.valid_max_per_km2), r.metric_id))
    return suite


def _row_condition(expectation: tuple[str, dict], metric_id: str) -> tuple[str, dict]:
    name, kwargs = expectation
    condition = f'metric_id == "{metric_id}" and source_id in ["osm_overpass", "osm_extract"]'
    return name, kwargs | {"row_condition": condition, "condition_parser": "pandas"}


infrastructure_known = sql_check(
    "staging/infrastructure", "infrastructure_known_cities_valid_values",
    "Known cities; no negative value (ratios aside); unit and boundary present; OSM rows with "
    "their measurement area; one value per (city, metric, boundary, source, area).",
)  # fmt: skip
infrastructure_ranges = gx_check(
    "staging/infrastructure", "infrastructure_metrics_plausible",
    "staging.infrastructure_metrics", infrastructure_suite,
    "GX: required fields present, OSM values within the catalogue's hard limits per km2, years "
    "plausible, boundary type known.",
)  # fmt: skip

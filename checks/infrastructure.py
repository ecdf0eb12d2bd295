"""Checks on infrastructure metrics (every back-end, every bundled source)."""

from __future__ import annotations

from assets.reference.vocabularies import boundary_types
from pipelines.framework.checks import gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, in_set, not_null


def infrastructure_suite() -> SuiteSpec:
    return [
        not_null("city_id"),
        not_null("metric_id"),
        not_null("unit"),
        not_null("boundary_type"),
        not_null("source_id"),
        between("value", -1_000, 1e9),  # negatives only for ratios (SQL check)
        between("year", 1990, 2100),
        # the one list of boundary types (data/reference/boundary_types.csv)
        in_set("boundary_type", sorted(boundary_types())),
    ]


infrastructure_known = sql_check(
    "staging/infrastructure", "infrastructure_known_cities_valid_values",
    "Known cities; no negative value; unit and boundary present; one value per "
    "(city, metric, boundary, source).",
)  # fmt: skip
infrastructure_ranges = gx_check(
    "staging/infrastructure", "infrastructure_metrics_plausible",
    "staging.infrastructure_metrics", infrastructure_suite,
    "GX: required fields present, values plausible, years plausible, boundary type known.",
)  # fmt: skip

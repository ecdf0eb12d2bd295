"""Checks on infrastructure metrics (every back-end)."""

from __future__ import annotations

from pipelines.framework.checks import gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, not_null


def infrastructure_suite() -> SuiteSpec:
    return [
        not_null("city_id"),
        not_null("metric_id"),
        not_null("unit"),
        not_null("boundary_type"),
        not_null("source_id"),
        between("value", -1_000, 1e9),  # negatives only for ratios (SQL check)
        between("year", 1990, 2100),
    ]


infrastructure_known = sql_check(
    "staging/infrastructure", "infrastructure_known_cities_valid_values",
    "Known cities; no negative value; unit and boundary present; one value per "
    "(city, metric, boundary, source).",
)  # fmt: skip
infrastructure_ranges = gx_check(
    "staging/infrastructure", "infrastructure_metrics_plausible",
    "staging.infrastructure_metrics", infrastructure_suite,
    "GX: required fields present, values non-negative, years plausible.",
)  # fmt: skip

"""Checks on the published indicators."""

from __future__ import annotations

from pipelines.framework.checks import gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, not_null


def indicator_suite() -> SuiteSpec:
    return [
        not_null("city_id"),
        not_null("indicator_id"),
        not_null("value"),
        not_null("unit"),
        not_null("provenance"),
        between("score", 0, 100),
        between("peer_score", 0, 100),
        between("year_gap", 0, 30),
    ]


indicator_values_consistent = sql_check(
    "marts/indicators", "indicator_values_unique_and_covered",
    "One value per (city, indicator, year); every value in the catalogue; a coverage row for "
    "every city and indicator; focus-area scores only at or above the minimum coverage.",
)  # fmt: skip
indicator_values_ranges = gx_check(
    "marts/indicators", "indicator_values_plausible", "marts.indicator_values",
    indicator_suite, "GX: scores within 0-100, provenance and unit on every value.",
)  # fmt: skip

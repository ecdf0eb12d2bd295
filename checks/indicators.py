"""Blocking checks on the indicator marts, each on the table it reads (assets/indicators)."""

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


indicator_values_unique = sql_check(
    "marts/indicator_values", "indicator_values_unique_and_in_catalogue",
    "One value per (city, indicator, year); every value's indicator is in the catalogue.",
)  # fmt: skip
indicator_values_ranges = gx_check(
    "marts/indicator_values", "indicator_values_plausible", "marts.indicator_values",
    indicator_suite, "GX: scores within 0-100, provenance and unit on every value.",
)  # fmt: skip
coverage_complete = sql_check(
    "marts/coverage", "indicator_coverage_every_cell",
    "A coverage row for every city and catalogue indicator.",
)  # fmt: skip
focus_area_scores_gated = sql_check(
    "marts/focus_area_scores", "indicator_focus_area_scores_gated",
    "Focus-area scores only at or above the minimum coverage.",
)  # fmt: skip

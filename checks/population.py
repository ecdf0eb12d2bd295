"""Checks on the registry and population data."""

from __future__ import annotations

from pipelines.framework.checks import gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, in_set, not_null

BOUNDARIES = [
    "city_proper", "municipality", "regency", "prefecture", "province", "union_territory",
    "agglomeration", "urban_centre", "metro", "country", "city_state", "district",
    "urban_extent", "radius_around_centre",
]  # fmt: skip
ASEAN = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]


def population_suite() -> SuiteSpec:
    return [
        not_null("city_id"),
        not_null("source_id"),
        between("year", 1950, 2035),
        # Smallest pilot unit ~27,000 (a Thai town municipality); largest GHSL centre ~36 M.
        between("population", 1_000, 50_000_000),
        between("area_km2", 1, 20_000),
        in_set("boundary_type", BOUNDARIES),
    ]


def country_suite() -> SuiteSpec:
    return [
        in_set("country_iso3", ASEAN),
        between("year", 1960, 2030),
        not_null("value"),
        not_null("vintage"),
    ]


registry_unique = sql_check(
    "staging/reference", "registry_ids_unique_and_complete",
    "City ids unique; name, ISO3 and coordinates present; exactly six focus areas.",
)  # fmt: skip
population_known_cities = sql_check(
    "staging/population", "population_known_cities_unique",
    "Every population figure belongs to a registry city; no duplicate figure.",
)  # fmt: skip
population_ranges = gx_check(
    "staging/population", "population_figures_plausible", "staging.population_figures",
    population_suite, "GX: years, population and area within plausible ranges; boundary known.",
)  # fmt: skip
country_ranges = gx_check(
    "staging/population", "country_indicators_plausible", "staging.country_indicators",
    country_suite, "GX: ASEAN countries only, plausible years, values present with vintage.",
)  # fmt: skip

"""Checks on the population data: city figures and the national World Bank series."""

from __future__ import annotations

from assets.reference.countries import asean_iso3
from assets.reference.vocabularies import boundary_types
from pipelines.framework.checks import gx_check, sql_check
from pipelines.framework.expectations import SuiteSpec, between, in_set, not_null


def population_suite() -> SuiteSpec:
    return [
        not_null("city_id"),
        not_null("source_id"),
        between("year", 1950, 2035),
        # Smallest pilot unit ~27,000 (a Thai town municipality); largest GHSL centre ~36 M.
        between("population", 1_000, 50_000_000),
        between("area_km2", 1, 20_000),
        # the one list of boundary types (data/reference/boundary_types.csv)
        in_set("boundary_type", sorted(boundary_types())),
    ]


def country_suite() -> SuiteSpec:
    return [
        # the ASEAN member states of data/reference/countries.csv
        in_set("country_iso3", asean_iso3()),
        between("year", 1960, 2030),
        not_null("value"),
        not_null("vintage"),
    ]


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

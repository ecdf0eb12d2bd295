"""The spatial-unit model and the year alignment (docs/METHODOLOGY.md §1-§3) on the synthetic
world of world.py; every expected value is computed by hand from the rows listed there."""

import pytest

from tests.unit.indicators.conftest import gap, value_row
from tests.unit.indicators.world import PILOT


def test_every_value_carries_its_unit(world):
    assert value_row(world, "a", "population")["unit_id"] == PILOT["a"]
    assert value_row(world, "a", "population")["unit_type"] == "city"
    d = value_row(world, "d", "population")
    assert (d["unit_type"], d["unit_id"], d["is_pilot_unit"]) == ("admin_region", "regency:d", True)
    pm = value_row(world, "a", "pm")
    assert (pm["unit_type"], pm["unit_id"]) == ("urban_centre", "ghsl_ucdb2015:1")
    assert pm["unit_vintage"] == "GHSL UCDB R2019A, 2015 delineation" and not pm["is_pilot_unit"]
    assert value_row(world, "a", "national_x")["unit_id"] == "country:KHM"
    missing = world.execute(
        "select count(*) from marts.indicator_values where unit_type is null or unit_id is null"
    ).fetchall()[0][0]
    assert missing == 0


def test_ratio_only_from_numerator_and_denominator_of_the_same_unit(world):
    # a's population 2020: (100,000 + 140,000) / 2 = 120,000; area 50 km2 in both years.
    a = value_row(world, "a", "population_density")
    assert a["value"] == pytest.approx(2400.0)
    assert a["denominator_unit_id"] == a["unit_id"] == PILOT["a"]
    # 12 hospitals (10 + (14 - 10) * 2 / 4) per 120,000 residents of the same unit: 10 per 100k
    assert value_row(world, "a", "hospitals_per_100k")["value"] == pytest.approx(10.0)
    # d: the district list (5) has no population of its own; the regency list (1,200) has
    # (the regency of 1,000,000): 120 per 100,000
    d = value_row(world, "d", "hospitals_per_100k")
    assert d["unit_id"] == d["denominator_unit_id"] == "regency:d"
    assert d["value"] == pytest.approx(1200 / 1_000_000 * 100_000)
    # The urban centre's 2015 area divides its 2020 street network (same unit id)
    s = value_row(world, "a", "street_density")
    assert s["value"] == pytest.approx(500 / 100) and s["denominator_unit_id"] == "ghsl_ucdb2015:1"
    mismatched = world.execute(
        "select count(*) from marts.indicator_values where denominator_unit_id <> unit_id"
    ).fetchall()[0][0]
    assert mismatched == 0


def test_no_ratio_across_units_and_coverage_says_why(world):
    # c's pilot unit "C city" has no area; "C greater" (another city unit) has one: not used.
    assert world.execute(
        "select count(*) from marts.indicator_values "
        "where city_id = 'c' and indicator_id = 'population_density'"
    ).fetchall()[0][0] == 0  # fmt: skip
    assert gap(world, "c", "population_density") == (
        "no land_area_km2 figure of the same unit (city: C city): a ratio is computed only "
        "within one unit"
    )


def test_coverage_reasons_for_missing_units_and_years(world):
    assert gap(world, "e", "population") == (
        "the source states no year for the figures of the pilot unit (E municipality)"
    )
    assert gap(world, "g", "population") == (
        "the registry's pilot unit (G city) has no figure in the sources"
    )
    assert gap(world, "c", "hospitals_per_100k") == "data exist but not within 5 years of 2020"
    # b has a population, but no urban-centre street length: not a unit problem
    assert gap(world, "b", "street_density") == "no source data for this city"
    # g has only urban-centre figures; the indicator needs its pilot unit
    assert gap(world, "g", "population_density") == (
        "the registry's pilot unit (G city) has no figure in the sources"
    )
    assert gap(world, "a", "population") is None


def test_year_alignment_and_estimate_flags(world):
    a = value_row(world, "a", "population")
    assert (a["estimate_method"], list(a["source_years"]), a["data_year"], a["year_gap"]) == (
        "interpolated", [2018, 2022], 2018, 2
    )  # fmt: skip
    assert a["estimated"] and "estimated_numerator" in a["quality_flags"]
    density = value_row(world, "a", "population_density")
    assert density["denominator_estimate_method"] == "interpolated"
    assert list(density["denominator_source_years"]) == [2018, 2022]
    assert "estimated_denominator" in density["quality_flags"]
    f = value_row(world, "f", "population_density")  # 49,999 on 35 km2, both from 2016
    assert f["value"] == pytest.approx(49_999 / 35)
    assert (f["estimate_method"], f["denominator_estimate_method"]) == (
        "carried_forward", "carried_forward"
    )  # fmt: skip
    b = value_row(world, "b", "share_pct")
    assert (b["estimate_method"], b["data_year"], b["year_gap"]) == ("carried_forward", 2017, 3)
    observed = value_row(world, "b", "population")
    assert observed["estimate_method"] == "observed" and not observed["estimated"]
    # An area of a fixed polygon is a property of the unit, not an estimate
    street = value_row(world, "a", "street_density")
    assert street["denominator_estimate_method"] == "unit_attribute"
    assert list(street["denominator_source_years"]) == [2015] and not street["estimated"]


def test_denominator_estimates_show_even_when_the_numerator_is_observed(world):
    # f's hospitals are from 2020 (observed); its population is 2016, carried forward 4 years
    f = value_row(world, "f", "hospitals_per_100k")
    assert f["estimate_method"] == "observed"
    assert f["denominator_estimate_method"] == "carried_forward" and f["estimated"]


def test_city_units_side_by_side(world):
    units = world.execute(
        "select unit_id, unit_type, is_pilot_unit, population, population_year, area_km2, "
        "size_class from marts.city_units where city_id = 'c' order by unit_id"
    ).fetchall()
    assert units == [
        ("census_city:c:city_proper:C city", "city", True, 150_000.0, 2020, None, "50k_200k"),
        ("census_city:c:city_proper:C greater", "city", False, 900_000.0, 2020, 300.0,
         "500k_1.5m"),
        ("ghsl_ucdb2015:3", "urban_centre", False, 400_000.0, 2015, 80.0, "200k_500k"),
        ("ring_5km:c", "measurement_area", False, None, None, 78.5, "unknown"),
    ]  # fmt: skip


def test_projects_belong_to_the_pilot_unit_and_old_snapshots_are_not_carried(world):
    # a: one active project in the 2025 register, attributed to a's pilot unit; its population
    # (2018, 2022) is more than 1 year from 2026, so no rate per resident is made up
    a = world.execute(
        "select unit_id, value from staging.measures "
        "where city_id = 'a' and measure_id = 'projects_active'"
    ).fetchall()
    assert a == [(PILOT["a"], 1.0)]
    assert gap(world, "a", "active_projects_per_100k") == (
        "the unit (A municipality) has a population figure but not within 1 years of 2026"
    )
    # b's register is of 2013: not within 1 year of 2026
    assert gap(world, "b", "active_projects_per_100k") == (
        "data exist but not within 1 years of 2026"
    )

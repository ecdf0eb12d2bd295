"""Plausibility rules from the catalogue (docs/METHODOLOGY.md §4) on the synthetic world of
world.py: each rule flags the wrong value and passes the right one; flagged values stay
published, flagged, and are never scored or ranked."""

import pandas as pd
import pytest

from tests.unit.indicators.conftest import value_row


def test_density_far_from_the_units_own_density_is_implausible(world):
    # g's urban centre: 167,113 people on 40 km2 (own density 4,177.8); a second source gives
    # 500,000 for the same urban centre: 500,000 / 40 = 12,500, three times the own density.
    g = value_row(world, "g", "uc_density")
    assert g["value"] == pytest.approx(12_500)
    assert g["implausible"] and "implausible" in g["quality_flags"]
    assert g["implausible_reason"] == (
        "differs by more than 5 % from the unit's own published density (4177.8)"
    )
    # a's 2020 density 120,000 / 50 = 2,400 lies between its own 2018 (2,000) and 2022 (2,800)
    a = value_row(world, "a", "population_density")
    assert not a["implausible"] and a["implausible_reason"] is None


def test_zero_roads_for_a_city_above_the_threshold_is_implausible(world):
    e = value_row(world, "e", "road_density")  # 0 km of road, 50,001 people
    assert e["value"] == 0 and e["implausible"]
    assert e["implausible_reason"] == "zero road_length_total for a city of 50001 people"
    assert pd.isna(e["score"]) and e["rank_label"] is None
    f = value_row(world, "f", "road_density")  # 0 km of road, 49,999 people
    assert f["value"] == 0 and not f["implausible"]


def test_facility_count_bounded_by_population(world):
    # 1,200 hospitals for 1,000,000 people: 120 per 100,000 > plausible_max 100 (bound 1,000)
    d = value_row(world, "d", "hospitals_per_100k")
    assert (
        d["implausible"] and d["implausible_reason"] == "outside the plausible range 0.0 to 100.0"
    )
    assert d["not_ranked_reason"].startswith("implausible: outside the plausible range")
    # 10 per 100,000 is plausible
    assert not value_row(world, "b", "hospitals_per_100k")["implausible"]


def test_a_count_must_be_a_whole_number(world):
    f = value_row(world, "f", "hospitals_per_100k")  # 7.5 hospitals, observed
    assert f["implausible"] and f["implausible_reason"] == (
        "a count must be a whole number of at least 0"
    )
    # a's 12 hospitals are interpolated (10 and 14): a fractional estimate would be no error
    assert not value_row(world, "a", "hospitals_per_100k")["implausible"]


def test_a_value_its_source_family_flagged_stays_implausible(world):
    c = value_row(world, "c", "road_density")
    assert c["value"] == pytest.approx(10 / 78.5) and c["implausible"]
    assert c["implausible_reason"] == "flagged by the source family: synthetic note"


def test_outside_plausible_range_kept_flagged_not_scored(world):
    a = value_row(world, "a", "share_pct")
    assert a["value"] == 150.0 and a["implausible"]
    assert pd.isna(a["score"]) and a["rank_label"] is None and pd.isna(a["rank_position"])


def test_no_implausible_value_is_scored_anywhere(world):
    scored = world.execute(
        "select count(*) from marts.indicator_values where implausible and (score is not null "
        "or peer_score is not null or rank_label is not null or country_rank_label is not null)"
    ).fetchall()[0][0]
    flagged = world.execute(
        "select count(*) from marts.indicator_values where implausible"
    ).fetchall()[0][0]
    # g uc_density, e and c roads, d and f hospitals, a share
    assert (scored, flagged) == (0, 6)

"""Comparison sets, ranks, national context, directions and focus-area scores
(docs/METHODOLOGY.md §5-§6) on the synthetic world of world.py; expectations by hand."""

import pandas as pd
import pytest

from tests.unit.indicators.conftest import value_row


def labels(con, indicator: str, column: str = "rank_label") -> dict[str, object]:
    rows = con.execute(
        f"select city_id, {column} from marts.indicator_values "  # noqa: S608 - test literal
        "where indicator_id = $i order by city_id",
        {"i": indicator},
    ).fetchall()
    return dict(rows)


def test_five_values_are_ranked_ties_share_a_rank_scores_are_min_max(world):
    # pm (lower is better) in 5 urban centres: a 10, b 20, c 20, d 30, f 40
    assert labels(world, "pm") == {"a": "1/5", "b": "2/5", "c": "2/5", "d": "4/5", "f": "5/5"}
    assert labels(world, "pm", "rank_position") == {"a": 1, "b": 2, "c": 2, "d": 4, "f": 5}
    # score = (max - value) / (max - min) * 100: a 100, b (40-20)/30 = 66.7, d 33.3, f 0
    assert labels(world, "pm", "score") == {"a": 100.0, "b": 66.7, "c": 66.7, "d": 33.3, "f": 0.0}
    a = value_row(world, "a", "pm")
    assert (a["rank_set_size"], a["comparison_set_id"]) == (5, "pm|urban_centre|2015")


def test_fewer_than_five_is_too_few_to_rank_never_a_small_fraction(world):
    # ext in 4 urban extents (a 30, b 40, c 60, d 70): no position, no score
    ext = value_row(world, "d", "ext")
    assert (ext["rank_label"], ext["rank_set_size"]) == ("too few to rank", 4)
    assert pd.isna(ext["rank_position"]) and pd.isna(ext["score"])
    assert ext["not_ranked_reason"] == (
        "too few to rank: 4 scored values in the comparison set, 5 needed"
    )
    # hospitals: a and b plausible (10 and 10), d and f implausible: a set of 2
    assert labels(world, "hospitals_per_100k") == {"a": "too few to rank", "b": "too few to rank",
                                                   "d": None, "f": None}  # fmt: skip
    small = world.execute(
        "select count(*) from marts.indicator_values "
        "where rank_position is not null and rank_set_size < 5"
    ).fetchall()[0][0]
    assert small == 0


def test_peer_group_is_the_size_class_of_the_values_own_unit(world):
    # a's headline is 140,000 (50k_200k), its urban centre 300,000 (200k_500k): the urban-centre
    # value is compared with the other urban centres of 200k-500k (all five)
    a = value_row(world, "a", "pm")
    assert (a["peer_group"], a["peer_group_basis"]) == ("200k_500k", "own unit population")
    assert (a["peer_rank_label"], a["peer_rank_position"], a["peer_rank_set_size"]) == (
        "1/5", 1, 5
    )  # fmt: skip
    assert a["peer_comparison_set_id"] == "pm|urban_centre|2015|200k_500k"
    # an urban extent has no population of its own: the pilot unit's size class
    assert value_row(world, "a", "ext")["peer_group_basis"] == "pilot unit population"


def test_comparison_sets_never_mix_unit_types(world):
    mixed = world.execute(
        "select comparison_set_id from marts.indicator_values group by 1 "
        "having count(distinct unit_type) > 1"
    ).fetchall()
    assert mixed == []
    # population: pilot units of type city (a, b, c, f) and admin_region (d): two sets
    sets = world.execute(
        "select comparison_set_id, count(*) from marts.indicator_values "
        "where indicator_id = 'population' group by 1 order by 1"
    ).fetchall()
    assert sets == [("population|admin_region|2020", 1), ("population|city|2020", 4)]


def test_national_values_ranked_among_countries_never_among_cities(world):
    # IDN 90 > MYS 80 > THA 70 > VNM 60 > KHM 50 > LAO 40: six countries, seven cities
    a = value_row(world, "a", "national_x")
    assert (a["country_rank_label"], a["country_rank_position"], a["country_rank_set_size"]) == (
        "5/6 countries", 5, 6
    )  # fmt: skip
    assert value_row(world, "b", "national_x")["country_rank_label"] == "5/6 countries"
    assert value_row(world, "g", "national_x")["country_rank_label"] == "1/6 countries"
    national = world.execute(
        "select count(*) filter (where rank_label is not null or rank_position is not null "
        "or score is not null or peer_score is not null or peer_rank_label is not null), "
        "count(*) from marts.indicator_values where level = 'national'"
    ).fetchall()[0]
    assert national == (0, 7)
    assert a["not_ranked_reason"] == "national context: ranked among countries, not among cities"


def test_neutral_values_are_neither_scored_nor_ranked(world):
    p = value_row(world, "b", "population")
    assert p["direction"] == "neutral" and pd.isna(p["score"]) and p["rank_label"] is None
    assert p["not_ranked_reason"] == "neutral direction: not scored or ranked"


def test_focus_area_scores_from_comparable_scores_only(world):
    rows = world.execute(
        "select city_id, indicators_scored, score, rank_label, rank_position, rank_set_size "
        "from marts.focus_area_scores where focus_area_id = 'health' order by city_id"
    ).fetchall()
    # health has 2 directional indicators: hospitals (too few to rank: no score) and pm
    assert rows == [
        ("a", 1, 100.0, "1/5", 1, 5),
        ("b", 1, 66.7, "2/5", 2, 5),
        ("c", 1, 66.7, "2/5", 2, 5),
        ("d", 1, 33.3, "4/5", 4, 5),
        ("e", 0, None, None, None, None),
        ("f", 1, 0.0, "5/5", 5, 5),
        ("g", 0, None, None, None, None),
    ]
    # built: street density, ext and road density are all too few to rank: nobody is scored
    assert world.execute(
        "select count(score) from marts.focus_area_scores where focus_area_id = 'built'"
    ).fetchall()[0][0] == 0  # fmt: skip


def test_city_against_its_peers_view(world):
    rows = world.execute(
        "select indicator_id, value, rank_label, set_median, peer_median, peer_rank_label, "
        "better_than_peer_median from marts.v_city_vs_peers where city_id = 'b'"
    ).fetchall()
    # b's only ranked value: pm 20 in {10, 20, 20, 30, 40}: median 20, not better than 20
    assert rows == [("pm", 20.0, "2/5", 20.0, 20.0, "2/5", False)]


@pytest.mark.parametrize(
    "column",
    [
        "rank_position",
        "rank_set_size",
        "peer_rank_position",
        "country_rank_position",
        "year",
        "data_year",
        "year_gap",
    ],
)
def test_ranks_and_years_are_integers(world, column):
    (dtype,) = world.execute(
        "select data_type from duckdb_columns() where table_name = 'indicator_values' "
        "and column_name = $c",
        {"c": column},
    ).fetchall()[0]
    assert dtype == "INTEGER"

"""Analyst-facing schema of the indicator marts: typed columns (no NULL type), a description on
every column of every mart and view, the catalogue's rationale on every direction."""

import csv

from pipelines.settings import REPO_ROOT


def test_no_null_typed_column_in_any_mart(world):
    null_typed = world.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and data_type like '%NULL%'"
    ).fetchall()
    assert null_typed == []
    # an all-empty catalogue column (iso37122 in the world's catalogue) is still text
    (dtype,) = world.execute(
        "select data_type from duckdb_columns() where table_name = 'indicator_catalogue' "
        "and schema_name = 'marts' and column_name = 'iso37122'"
    ).fetchall()[0]
    assert dtype == "VARCHAR"


def test_every_mart_view_and_history_column_is_described(world):
    undescribed = world.execute(
        "select table_name, column_name from duckdb_columns() "
        "where (schema_name = 'marts' or table_name = 'headline_history') "
        "and (comment is null or comment = '')"
    ).fetchall()
    assert undescribed == []
    views = world.execute(
        "select view_name, comment from duckdb_views() where schema_name = 'marts'"
    ).fetchall()
    assert [v for v, _ in views] == ["v_city_vs_peers"] and views[0][1]
    (profile,) = world.execute(
        "select comment from duckdb_columns() where table_name = 'city_profile' "
        "and column_name = 'hospitals_per_100k'"
    ).fetchall()[0]
    assert profile == "Hospitals per 100k (per 100,000 population, 2020)"


def test_no_shared_temporary_table_outlives_the_build(world):
    assert world.execute("select table_name from duckdb_tables() where temporary").fetchall() == []


def test_every_direction_of_the_real_catalogue_has_its_rationale():
    rows = list(csv.DictReader(open(REPO_ROOT / "data/catalogue/indicators.csv", encoding="utf-8")))
    assert len(rows) == 54
    assert all(r["direction_rationale"].strip() for r in rows)
    neutral = {r["indicator_id"] for r in rows if r["direction"] == "neutral"}
    # the three, and the others whose better or worse is a policy choice or has a target
    assert {"land_use_efficiency", "open_space_pct", "project_investment_per_capita",
            "built_up_m2_per_capita", "police_stations_per_100k", "road_density",
            "national_mobile_per_100", "active_projects_per_100k",
            "funded_focus_area_share"} <= neutral  # fmt: skip
    tally = {}
    for r in rows:
        tally[(r["level"], r["direction"])] = tally.get((r["level"], r["direction"]), 0) + 1
    assert tally == {
        ("city", "higher_better"): 18, ("city", "lower_better"): 3, ("city", "neutral"): 22,
        ("national", "higher_better"): 6, ("national", "lower_better"): 2,
        ("national", "neutral"): 3,
    }  # fmt: skip

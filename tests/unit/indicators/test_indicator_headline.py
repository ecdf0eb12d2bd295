"""Headline population from the registry's pilot unit, and the record that makes a change of
headline visible (meta.headline_history, checks/indicators.py headline_changes)."""

import duckdb
import pandas as pd
import pytest

from assets.indicators.marts import build_marts, prepare_headline_history
from checks.indicators import headline_changes
from tests.unit.indicators.world import STAGING_MEASURES, build_world
from warehouse.db import run_sql_file


def headlines(con) -> dict[str, tuple]:
    rows = con.execute(
        "select city_id, headline_population, headline_population_year, headline_unit_type, "
        "size_class from marts.city_peer_groups order by city_id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_headline_is_the_pilot_unit_nearest_2020(world):
    h = headlines(world)
    # a: 2018 and 2022 are both 2 years from 2020: the later figure (140,000)
    assert h["a"] == (140_000.0, 2022, "city", "50k_200k")
    # b: two 2020 figures of the same unit: the one published with its area (300,000)
    assert h["b"] == (300_000.0, 2020, "city", "200k_500k")
    # c: "C city" (the registry's unit, 150,000), not "C greater" (900,000) of the same year
    assert h["c"] == (150_000.0, 2020, "city", "50k_200k")
    # d: the regency, a larger unit, because the registry says the pilot is the regency
    assert h["d"] == (1_000_000.0, 2020, "admin_region", "500k_1.5m")
    # e: a figure without a year is still the pilot unit's published figure
    assert h["e"][:2] == (50_001.0, None)
    # g: the registry names a unit the sources do not have: no headline, never another unit
    assert h["g"] == (None, None, None, "unknown")


def test_headline_notes_and_unconfirmed_pilot_units(world):
    notes = dict(
        world.execute("select city_id, headline_note from marts.city_peer_groups").fetchall()
    )
    assert notes["e"] == (
        "the source states no year for this figure; the registry does not confirm which unit "
        "the pilot covers"
    )
    assert (
        notes["g"] == "the pilot unit named in the registry has no population figure in the sources"
    )
    assert notes["a"] is None
    (flags,) = world.execute(
        "select quality_flags from marts.indicator_values "
        "where city_id = 'e' and indicator_id = 'road_density'"
    ).fetchall()[0]
    assert "pilot_unit_unconfirmed" not in flags  # a ring is not the pilot unit


def test_a_changed_headline_is_reported_with_old_and_new_values(tmp_path, catalogue):
    con = duckdb.connect(str(tmp_path / "history.duckdb"))
    build_world(con, catalogue)
    assert headline_changes(con)[1] == []  # the first build has nothing to compare with
    build_marts(con)
    assert headline_changes(con)[1] == []  # an identical rebuild changes nothing
    # b's census office revises its 2020 figure (with area) from 300,000 to 305,000
    con.execute(
        "update staging.population_figures set population = 305000 "
        "where city_id = 'b' and population = 300000"
    )
    run_sql_file(con, STAGING_MEASURES)
    build_marts(con)
    columns, rows = headline_changes(con)
    changed = [dict(zip(columns, r, strict=True)) for r in rows]
    assert changed == [
        {
            "city_id": "b", "old_population": 300_000.0, "new_population": 305_000.0,
            "old_year": 2020, "new_year": 2020, "old_unit": "B municipality",
            "new_unit": "B municipality", "old_source": "census_city",
            "new_source": "census_city",
        }
    ]  # fmt: skip
    assert con.execute("select max(build_seq) from meta.headline_history").fetchall() == [(3,)]
    con.close()


def test_a_table_published_before_the_history_is_its_first_entry(tmp_path):
    # A build file made before the unit model: city_peer_groups without the unit columns.
    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    run_sql_file(con, "schema.sql")
    old = pd.DataFrame(  # noqa: F841 - read by DuckDB
        {
            "city_id": ["x"], "name": ["X"], "country_iso3": ["KHM"],
            "headline_population": [489_000.0], "headline_population_year": [2018],
            "headline_boundary_type": ["agglomeration"],
            "headline_population_source": ["un_wup2018"], "size_class": ["200k_500k"],
        }
    )  # fmt: skip
    con.execute("create table marts.city_peer_groups as select * from old")
    prepare_headline_history(con)
    rows = con.execute(
        "select build_seq, city_id, population, population_year, unit_id, boundary_type, "
        "source_id from meta.headline_history"
    ).fetchall()
    assert rows == [(0, "x", 489_000.0, 2018, None, "agglomeration", "un_wup2018")]
    prepare_headline_history(con)  # a history that exists is never seeded twice
    assert con.execute("select count(*) from meta.headline_history").fetchall() == [(1,)]
    con.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_headline_ties_do_not_depend_on_row_order(tmp_path, catalogue, seed):
    con = duckdb.connect(str(tmp_path / f"shuffled{seed}.duckdb"))
    build_world(con, catalogue, shuffle_seed=seed)
    h = headlines(con)
    assert (h["a"][0], h["b"][0], h["c"][0]) == (140_000.0, 300_000.0, 150_000.0)
    con.close()

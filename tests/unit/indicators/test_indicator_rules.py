"""The comparability rules of the indicator marts (assets/indicators/sql) on small inputs
computed by hand."""

import duckdb
import pandas as pd
import pytest

from assets.indicators.catalogue import COLUMNS
from assets.indicators.marts import build_marts
from warehouse.db import run_sql_file


def catalogue_row(**kw) -> dict:
    row = dict.fromkeys(COLUMNS)
    row.update(
        scale=1.0, direction="higher_better", focus_area_id="health", level="city",
        reference_year=2020, max_year_gap=5, plausible_min=0.0, plausible_max=1e9,
        typical_min=None, typical_max=None, numerator_boundary=None, denominator=None,
        unit="per 100,000 population",
    )  # fmt: skip
    row.update(kw)
    return row


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "rules.duckdb"))
    run_sql_file(con, "schema.sql")
    cities = pd.DataFrame(  # noqa: F841 - scanned by DuckDB below
        {
            "city_id": ["a", "b", "c", "d"],
            "name": ["A", "B", "C", "D"],
            "country_iso3": ["KHM", "KHM", "THA", "THA"],
        }
    )
    bounds = pd.DataFrame(  # noqa: F841
        {"boundary_type": ["municipality", "urban_centre", "radius"], "precedence": [1, 3, 8]}
    )
    figures = pd.DataFrame(  # noqa: F841
        {
            "city_id": ["a", "b", "c", "d"],
            "year": [2020, 2020, 2020, 2015],
            "population": [100_000.0, 300_000.0, 120_000.0, 150_000.0],
            "boundary_type": ["municipality", "municipality", "municipality", "urban_centre"],
            "source_id": ["census"] * 4,
            "is_projection": [False] * 4,
        }
    )
    m = [(c, "population", y, p, b) for c, y, p, b in figures[
        ["city_id", "year", "population", "boundary_type"]].itertuples(index=False)]  # fmt: skip
    m += [
        ("a", "hospitals", 2018, 10.0, "municipality"),
        ("a", "hospitals", 2022, 14.0, "municipality"),  # interpolated to 12 in 2020
        ("b", "hospitals", 2020, 30.0, "municipality"),  # observed: 10 per 100k
        ("c", "hospitals", 2010, 5.0, "municipality"),  # 10 years off: not used
        ("d", "hospitals", 2020, 15.0, "radius"),  # only an urban-centre population: mismatch
        ("a", "share", 2020, 150.0, "municipality"),  # implausible percentage
        ("b", "share", 2017, 40.0, "municipality"),  # carried forward 3 years
    ]
    measures = pd.DataFrame(  # noqa: F841
        m, columns=["city_id", "measure_id", "year", "value", "boundary_type"]
    ).assign(source_id="test", provenance="raw.test#1", vintage="test", unit=None)
    catalogue = pd.DataFrame(  # noqa: F841
        [
            catalogue_row(
                indicator_id="hospitals_per_100k",
                name="Hospitals",
                numerator_measure="hospitals",
                denominator="population",
                scale=100_000.0,
            ),
            catalogue_row(
                indicator_id="share_pct",
                name="Share",
                numerator_measure="share",
                unit="percent",
                plausible_max=100.0,
            ),
        ]  # fmt: skip
    )
    con.execute("create table staging.cities as select * from cities")
    con.execute("create table staging.boundary_types as select * from bounds")
    con.execute("create table staging.population_figures as select * from figures")
    con.execute("create table staging.measures as select * from measures")
    con.execute("create table staging.indicator_catalogue as select * from catalogue")
    con.execute("create table staging.focus_areas as select 'health' as focus_area_id, "
                "'Health' as name")  # fmt: skip
    build_marts(con)  # every indicator mart, in the pipeline's order (min coverage 0.5)
    yield con
    con.close()


def rows(con, indicator: str) -> dict[str, dict]:
    frame = con.execute(
        "select * from marts.indicator_values where indicator_id = $i", {"i": indicator}
    ).df()
    return {r["city_id"]: r for r in frame.to_dict("records")}


def test_year_alignment_interpolates_and_carries_with_flags(con):
    h = rows(con, "hospitals_per_100k")
    assert h["a"]["value"] == pytest.approx(12.0)  # 10 + (14 - 10) * 2 / 4, per 100k of 100k
    assert (h["a"]["method"], h["a"]["data_year"], h["a"]["year_gap"]) == (
        "interpolated", "2018-2022", 2
    )  # fmt: skip
    assert h["a"]["estimated"] and "estimated" in h["a"]["quality_flags"]
    assert h["b"]["method"] == "observed" and not h["b"]["estimated"]
    s = rows(con, "share_pct")
    assert (s["b"]["method"], s["b"]["data_year"], s["b"]["year_gap"]) == (
        "carried_forward", "2017", 3
    )  # fmt: skip
    assert "c" not in h  # only data 10 years away


def test_coverage_explains_the_gap(con):
    (reason,) = con.execute(
        "select gap_reason from marts.coverage where city_id = 'c' "
        "and indicator_id = 'hospitals_per_100k'"
    ).fetchall()[0]
    assert reason == "data exist but not within 5 years of 2020"


def test_boundary_mismatch_is_flagged(con):
    d = rows(con, "hospitals_per_100k")["d"]
    assert d["value"] == pytest.approx(15 / 150_000 * 100_000)
    assert d["boundary_mismatch"] and d["denominator_boundary"] == "urban_centre"
    assert "boundary_mismatch" in d["quality_flags"]
    assert not rows(con, "hospitals_per_100k")["a"]["boundary_mismatch"]


def test_ties_share_a_rank_and_scores_are_min_max(con):
    h = rows(con, "hospitals_per_100k")
    assert (h["a"]["rank"], h["b"]["rank"], h["d"]["rank"]) == ("1/3", "2/3", "2/3")
    assert (h["a"]["score"], h["b"]["score"], h["d"]["score"]) == (100.0, 0.0, 0.0)
    # Peer groups: a and d are 50k-200k; b alone in 200k-500k (no spread, no peer score).
    assert (h["a"]["peer_rank"], h["d"]["peer_rank"], h["b"]["peer_rank"]) == ("1/2", "2/2", "1/1")
    assert pd.isna(h["b"]["peer_score"])


def test_implausible_values_are_flagged_kept_and_not_scored(con):
    a = rows(con, "share_pct")["a"]
    assert a["value"] == 150.0 and a["implausible"] and "implausible" in a["quality_flags"]
    assert pd.isna(a["score"]) and pd.isna(a["rank"])


def test_focus_area_score_needs_minimum_coverage(con):
    scores = con.execute(
        "select city_id, indicators_scored, score, not_scored_reason "
        "from marts.focus_area_scores order by city_id"
    ).fetchall()
    by_city = {c: (n, s, r) for c, n, s, r in scores}
    assert by_city["a"][:2] == (1, 100.0)  # 1 of 2 scored = 0.5, the minimum
    assert by_city["c"][1] is None and "below the minimum" in by_city["c"][2]


def test_city_profile_is_one_wide_row_per_city(con):
    profile = con.execute("select * from marts.city_profile order by city_id").df()
    assert list(profile["city_id"]) == ["a", "b", "c", "d"]
    assert profile.loc[0, "hospitals_per_100k"] == pytest.approx(12.0)


def test_every_mart_column_is_described_where_the_table_is_built(con):
    undescribed = con.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and (comment is null or comment = '')"
    ).fetchall()
    assert undescribed == []
    (profile,) = con.execute(
        "select comment from duckdb_columns() where table_name = 'city_profile' "
        "and column_name = 'hospitals_per_100k'"
    ).fetchall()[0]
    assert profile == "Hospitals (per 100,000 population, 2020)"


def test_no_shared_temporary_table_outlives_the_build(con):
    assert con.execute("select table_name from duckdb_tables() where temporary").fetchall() == []

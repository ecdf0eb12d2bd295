"""The published warehouse after a real offline run, checked against values computed by hand
from the bundled source files (data/sources/...)."""

import math
import os
import stat

import pytest

from assets.indicators.catalogue import COLUMNS


def value(con, city: str, indicator: str) -> float:
    rows = con.execute(
        "select value from marts.indicator_values where city_id = $c and indicator_id = $i",
        {"c": city, "i": indicator},
    ).fetchall()
    assert len(rows) == 1, (city, indicator, rows)
    return rows[0][0]


def test_every_city_has_a_population_with_provenance(analyst):
    rows = analyst.execute(
        "select city_id, value, provenance from marts.indicator_values "
        "where indicator_id = 'population'"
    ).fetchall()
    assert len(rows) == 31
    assert all(v > 0 and p.startswith("raw.") for _, v, p in rows)


def test_battambang_population_and_density(analyst):
    # census_city_figures.csv: Battambang municipality, 2019 census: 119,251 people on 293 km2.
    assert value(analyst, "khm-battambang", "population") == 119_251
    assert value(analyst, "khm-battambang", "population_density") == pytest.approx(119_251 / 293)
    # GHSL UCDB 2015 urban centre "Battambang": resident_pop 175,941 on 54.0 km2.
    assert value(analyst, "khm-battambang", "urban_centre_density") == pytest.approx(175_941 / 54)


def test_battambang_street_density_from_boeing_metrics(analyst):
    # Boeing street network for the Battambang urban centre: m = 2,683 edges with mean length
    # 160.69531867312742 m; street km / urban-centre area 54.0 km2.
    km = 2683 * 160.69531867312742 / 1000
    assert value(analyst, "khm-battambang", "street_density") == pytest.approx(km / 54)
    assert value(analyst, "khm-battambang", "street_km_per_100k") == pytest.approx(
        km / 175_941 * 100_000
    )


def test_growth_rate_uses_same_source_and_boundary(analyst):
    # SDG 11.3.1 growth term from the WUP 2018 F22 Yangon agglomeration row (thousands).
    import csv

    from pipelines.settings import REPO_ROOT

    path = REPO_ROOT / "data/sources/population/un_wup2018_f22_ascn_cities.csv"
    rows = csv.DictReader(open(path, encoding="utf-8"))
    row = next(r for r in rows if r["ascn_city"] == "Yangon")
    expected = 100 * math.log(float(row["2015"]) / float(row["2010"])) / 5
    got = analyst.execute(
        "select value from marts.indicator_values where city_id = 'mmr-yangon' "
        "and indicator_id = 'population_growth_pct'"
    ).fetchall()
    # Yangon's census figures have no 2010/2015 pair, so the WUP agglomeration series is used.
    assert got and got[0][0] == pytest.approx(expected)


def test_national_context_uses_newest_vintage(analyst):
    # Internet users, Cambodia, 2022: OWID 2022-data file says 59.6606, the newer OWID 2025
    # download says 56.7328 (data/SOURCES.md); the newest vintage wins.
    assert value(analyst, "khm-battambang", "national_internet_users_pct") == pytest.approx(56.7328)


def test_ties_share_a_rank(analyst):
    ranks = {
        r[0]
        for r in analyst.execute(
            "select rank from marts.indicator_values where country_iso3 = 'KHM' "
            "and indicator_id = 'national_internet_users_pct'"
        ).fetchall()
    }
    assert len(ranks) == 1  # four Cambodian cities, one national value, one shared rank


def test_provenance_traces_back_to_raw_rows(analyst):
    (prov,) = analyst.execute(
        "select provenance from marts.indicator_values "
        "where city_id = 'khm-battambang' and indicator_id = 'population'"
    ).fetchall()[0]
    table, row = prov.split("#")
    assert table == "raw.census_population"
    (population, source_url) = analyst.execute(
        "select population, source_url from raw.census_population where source_row = $r",
        {"r": int(row)},
    ).fetchall()[0]
    assert int(population) == 119_251 and source_url.startswith("https://")


def test_gaps_are_gaps_not_zeros(analyst):
    # No hospital data is bundled for Battambang: the cell is a gap with a reason.
    assert (
        analyst.execute(
            "select count(*) from marts.indicator_values "
            "where city_id = 'khm-battambang' and indicator_id = 'hospitals_per_100k'"
        ).fetchall()[0][0]
        == 0
    )
    (reason,) = analyst.execute(
        "select gap_reason from marts.coverage "
        "where city_id = 'khm-battambang' and indicator_id = 'hospitals_per_100k'"
    ).fetchall()[0]
    assert reason == "no source data for this city"


def test_published_file_is_read_only_documented_and_versioned(published, analyst):
    mode = os.stat(published / "ascn.duckdb").st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    missing = analyst.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and (comment is null or comment = '')"
    ).fetchall()
    assert missing == []
    version, storage = analyst.execute(
        "select duckdb_version, storage_version from meta.publication"
    ).fetchall()[0]
    assert version and storage == "v1.4.0"
    assert {p.stem for p in (published / "parquet").glob("*.parquet")} >= {
        "indicator_values",
        "city_profile",
        "focus_area_scores",
        "coverage",
        "indicator_catalogue",
        "projects",
    }
    assert (published / "data_dictionary.md").read_text().count("## marts.") >= 10


def test_catalogue_published_with_all_columns(analyst):
    cols = [
        r[0]
        for r in analyst.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'indicator_catalogue'"
        ).fetchall()
    ]
    assert cols == COLUMNS
    assert analyst.execute("select count(*) from marts.indicator_catalogue").fetchall()[0][0] >= 40


def test_focus_area_scores_respect_minimum_coverage(analyst):
    rows = analyst.execute(
        "select coverage, score from marts.focus_area_scores where score is not null"
    ).fetchall()
    assert rows and all(c >= 0.5 for c, _ in rows)


def test_quarantine_is_queryable(analyst):
    analyst.execute("select source, row_number, field, reason from quarantine.rejected_rows")

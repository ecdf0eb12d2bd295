"""The published warehouse after a real offline run, checked against values computed by hand
from the bundled source files (data/sources/...), and the issue-12 corrections: every wrong value
the sceptical review listed is corrected, not computed (reason in coverage) or flagged."""

import csv
import math
import os
import stat

import pytest

from assets.indicators.catalogue import COLUMNS
from pipelines.settings import REPO_ROOT

GHSL = REPO_ROOT / "data/sources/ghsl/ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"


def value(con, city: str, indicator: str, column: str = "value"):
    rows = con.execute(
        f"select {column} from marts.indicator_values "  # noqa: S608 - test literal
        "where city_id = $c and indicator_id = $i",
        {"c": city, "i": indicator},
    ).fetchall()
    assert len(rows) == 1, (city, indicator, rows)
    return rows[0][0]


def gap(con, city: str, indicator: str) -> str:
    (reason,) = con.execute(
        "select gap_reason from marts.coverage where city_id = $c and indicator_id = $i "
        "and not filled",
        {"c": city, "i": indicator},
    ).fetchall()[0]
    return reason


def headline(con, city: str) -> tuple:
    return con.execute(
        "select headline_population, headline_population_year, headline_unit_name "
        "from marts.city_peer_groups where city_id = $c",
        {"c": city},
    ).fetchall()[0]


def test_battambang_population_and_density(analyst):
    # census_city_figures.csv: Battambang municipality, 2019 census: 119,251 people on 293 km2,
    # carried forward one year to 2020 (both numerator and denominator).
    assert value(analyst, "khm-battambang", "population") == 119_251
    assert value(analyst, "khm-battambang", "population_density") == pytest.approx(119_251 / 293)
    assert value(analyst, "khm-battambang", "population", "estimate_method") == "carried_forward"
    # GHSL UCDB 2015 urban centre 11165 "Battambang": resident_pop 175,941 on 54.0 km2.
    assert value(analyst, "khm-battambang", "urban_centre_density") == pytest.approx(175_941 / 54)
    assert value(analyst, "khm-battambang", "urban_centre_density", "unit_id") == (
        "ghsl_ucdb2015:11165"
    )


def test_battambang_street_density_from_boeing_metrics(analyst):
    # Boeing street network for the Battambang urban centre: m = 2,683 edges with mean length
    # 160.69531867312742 m; street km / urban-centre area 54.0 km2 (a unit attribute).
    km = 2683 * 160.69531867312742 / 1000
    assert value(analyst, "khm-battambang", "street_density") == pytest.approx(km / 54)
    assert value(analyst, "khm-battambang", "street_density", "denominator_estimate_method") == (
        "unit_attribute"
    )
    assert value(analyst, "khm-battambang", "street_km_per_100k") == pytest.approx(
        km / 175_941 * 100_000
    )


def test_battambang_pm25_rank_among_the_17_urban_centres(analyst):
    # From the GHSL file: 9 of the other 16 urban centres have less PM2.5 than Battambang's
    # 22.00235 (lower is better): rank 10/17. Peers: the 7 urban centres of 50,000-200,000
    # residents; 4 of them have less: 5/7.
    rows = list(csv.DictReader(open(GHSL, encoding="utf-8")))
    pm = {r["ascn_city"]: float(r["pm25_concentration"]) for r in rows}
    pop = {r["ascn_city"]: float(r["resident_pop"]) for r in rows}
    btb = pm["Battambang"]
    peers = [c for c in pm if 50_000 <= pop[c] < 200_000]
    assert (len(pm), len(peers)) == (17, 7)
    expected = f"{1 + sum(v < btb for v in pm.values())}/17"
    expected_peer = f"{1 + sum(pm[c] < btb for c in peers)}/7"
    assert (expected, expected_peer) == ("10/17", "5/7")
    got = analyst.execute(
        "select rank_label, rank_position, rank_set_size, peer_rank_label, peer_group "
        "from marts.indicator_values "
        "where city_id = 'khm-battambang' and indicator_id = 'pm25_concentration'"
    ).fetchall()[0]
    assert got == (expected, 10, 17, expected_peer, "50k_200k")


def test_headline_population_is_the_registrys_pilot_unit(analyst):
    # census_city_figures.csv, the unit named in data/reference/cities.csv pilot_unit_name
    assert headline(analyst, "idn-banyuwangi") == (1_708_114, 2020, "Banyuwangi Regency")
    assert headline(analyst, "idn-sumedang") == (1_152_507, 2020, "Sumedang Regency")
    assert headline(analyst, "lao-vientiane") == (840_940, 2023, "Vientiane Prefecture")
    assert headline(analyst, "mmr-nay-pyi-taw") == (1_160_242, 2014, "Naypyidaw Union Territory")
    assert headline(analyst, "tha-phuket") == (416_582, 2019, "Phuket province")
    assert headline(analyst, "tha-khon-kaen") == (114_459, None, "Khon Kaen city municipality")
    # ties once decided by row order: the figure published with its area / the registry's unit
    assert headline(analyst, "tha-bangkok")[0] == 5_588_222
    assert headline(analyst, "idn-dki-jakarta")[0] == 10_562_088
    assert headline(analyst, "khm-phnom-penh")[0] == 2_281_951
    chonburi = analyst.execute(
        "select headline_population, pilot_unit_confirmed, size_class from marts.city_peer_groups "
        "where city_id = 'tha-chonburi'"
    ).fetchall()[0]
    assert chonburi == (27_815, False, "below_50k")


def test_estimated_values_say_how(analyst):
    # Hanoi: 8,053,663 (2019) and 8,435,700 (2022), interpolated to 2020: + 382,037 / 3
    hanoi = analyst.execute(
        "select value, estimate_method, source_years from marts.indicator_values "
        "where city_id = 'vnm-hanoi' and indicator_id = 'population'"
    ).fetchall()[0]
    assert hanoi[0] == pytest.approx(8_053_663 + (8_435_700 - 8_053_663) / 3)
    assert hanoi[1:] == ("interpolated", [2019, 2022])
    # Vientiane Prefecture: 820,940 (2015) and 840,940 (2023): 820,940 + 20,000 * 5 / 8
    assert value(analyst, "lao-vientiane", "population") == pytest.approx(833_440)
    # ... on the prefecture's 3,920 km2 (published 2015, carried forward)
    assert value(analyst, "lao-vientiane", "population_density") == pytest.approx(833_440 / 3920)
    assert value(analyst, "lao-vientiane", "population_density", "denominator_source_years") == [
        2015
    ]


def test_wrong_values_of_the_review_are_corrected_or_not_computed(analyst):
    # densities of mismatched units: not computed, and coverage says why
    for city in ("mmr-nay-pyi-taw", "tha-chonburi", "khm-siem-reap", "lao-luang-prabang"):
        assert gap(analyst, city, "population_density").startswith(
            "no land_area_km2 figure of the same unit"
        ), city
    # recomputed on the pilot unit: Phuket 416,582 / 576; the regencies on their own area
    assert value(analyst, "tha-phuket", "population_density") == pytest.approx(416_582 / 576)
    assert value(analyst, "idn-banyuwangi", "population_density") == pytest.approx(
        1_708_114 / 5782.40
    )
    assert value(analyst, "idn-sumedang", "population_density") == pytest.approx(
        1_152_507 / 1558.72
    )
    # hospital lists of a district or region divided by a city population: not computed
    assert gap(analyst, "mmr-mandalay", "public_hospitals_per_100k").startswith(
        "no population figure of the same unit (admin_region: district (Mandalay District))"
    )
    assert gap(analyst, "brn-bandar-seri-begawan", "public_hospitals_per_100k").startswith(
        "no population figure of the same unit"
    )
    assert "year is not stated" in gap(analyst, "mmr-yangon", "public_hospitals_per_100k")
    # Nay Pyi Taw: 22 MIMU hospitals in the union territory of 1,160,242: same unit, too few
    assert value(analyst, "mmr-nay-pyi-taw", "public_hospitals_per_100k") == pytest.approx(
        22 / 1_160_242 * 100_000
    )
    assert value(analyst, "mmr-nay-pyi-taw", "public_hospitals_per_100k", "rank_label") == (
        "too few to rank"
    )
    # Da Nang's 2013 project values (0.088 projects and US$ 178.52 per resident in 2026) are
    # gone: a 2013 snapshot is not carried to 2026 (catalogue max_year_gap 1)
    assert analyst.execute(
        "select count(*) from marts.indicator_values where city_id = 'vnm-da-nang' "
        "and (indicator_id like 'project_%' or indicator_id = 'active_projects_per_100k')"
    ).fetchall()[0][0] == 0  # fmt: skip
    # Khon Kaen's pilot-unit figure states no year: no 2020 population
    assert gap(analyst, "tha-khon-kaen", "population").startswith("the source states no year")
    # land-use efficiency is neutral: Banyuwangi's -2.72 (a population decline) ranks nowhere
    assert value(analyst, "idn-banyuwangi", "land_use_efficiency", "rank_label") is None
    # growth rates are labelled as UN WUP agglomerations (Manila's is Metro Manila's)
    assert value(analyst, "phl-manila", "population_growth_pct", "unit_type") == "agglomeration"


def test_national_context_ranked_among_countries_only(analyst):
    # Cambodia's 92.3 % electricity access: 9th of the 10 ASEAN countries, no city rank or score
    row = analyst.execute(
        "select value, rank_label, score, peer_score, country_rank_label "
        "from marts.indicator_values "
        "where city_id = 'khm-battambang' and indicator_id = 'national_electricity_access_pct'"
    ).fetchall()[0]
    assert row == (pytest.approx(92.3), None, None, None, "9/10 countries")


def test_vientiane_public_transport_is_one_documented_choice(analyst):
    # Two UN SDG rows for Vientiane (same year, source and geoname): "Viengchan" 23.95793 and
    # "Vientiane" 24.9697; the unit id decides ('Viengchan' < 'Vientiane') and it is flagged.
    assert value(analyst, "lao-vientiane", "pt_access_pct") == pytest.approx(23.95793)
    assert "tied_candidates" in value(analyst, "lao-vientiane", "pt_access_pct", "quality_flags")


def test_must_show_rules_hold_on_the_bundled_build(analyst):
    counts = analyst.execute(
        """
        select
          (select count(*) from (select comparison_set_id from marts.indicator_values
                                 group by 1 having count(distinct unit_type) > 1)),
          (select count(*) from marts.indicator_values
           where rank_position is not null and rank_set_size < 5),
          (select count(*) from marts.indicator_values
           where level = 'national' and (rank_label is not null or score is not null)),
          (select count(*) from marts.indicator_values where denominator_unit_id <> unit_id),
          (select count(*) from marts.indicator_values
           where implausible and (score is not null or rank_label is not null)),
          (select count(*) from marts.indicator_catalogue
           where coalesce(trim(direction_rationale), '') = '')
        """
    ).fetchall()[0]
    assert counts == (0, 0, 0, 0, 0, 0)


def test_growth_rate_uses_same_source_and_unit(analyst):
    # SDG 11.3.1 growth term from the WUP 2018 F22 Yangon agglomeration row (thousands).
    path = REPO_ROOT / "data/sources/population/un_wup2018_f22_ascn_cities.csv"
    rows = csv.DictReader(open(path, encoding="utf-8"))
    row = next(r for r in rows if r["ascn_city"] == "Yangon")
    expected = 100 * math.log(float(row["2015"]) / float(row["2010"])) / 5
    assert value(analyst, "mmr-yangon", "population_growth_pct") == pytest.approx(expected)


def test_national_context_uses_newest_vintage(analyst):
    # Internet users, Cambodia, 2022: OWID 2022-data file says 59.6606, the newer OWID 2025
    # download says 56.7328 (data/SOURCES.md); the newest vintage wins.
    assert value(analyst, "khm-battambang", "national_internet_users_pct") == pytest.approx(56.7328)


def test_provenance_traces_back_to_raw_rows_by_content(analyst):
    prov = value(analyst, "khm-battambang", "population", "provenance")
    table, key = prov.split("#")
    assert (table, key) == ("raw.census_population", "khm-battambang/municipality/2019/119251")
    city, boundary, year, population = key.split("/")
    (source_url,) = analyst.execute(
        "select source_url from raw.census_population where city_id = $c "
        "and boundary_type = $b and year = $y and population = $p",
        {"c": city, "b": boundary, "y": int(year), "p": int(population)},
    ).fetchall()[0]
    assert source_url.startswith("https://")


def test_gaps_are_gaps_not_zeros(analyst):
    # No hospital data is bundled for Battambang: the cell is a gap with a reason.
    assert analyst.execute(
        "select count(*) from marts.indicator_values "
        "where city_id = 'khm-battambang' and indicator_id = 'hospitals_per_100k'"
    ).fetchall()[0][0] == 0  # fmt: skip
    assert gap(analyst, "khm-battambang", "hospitals_per_100k") == "no source data for this city"


def test_published_file_is_read_only_documented_and_versioned(published, analyst):
    mode = os.stat(published / "ascn.duckdb").st_mode
    assert not mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    # Every table and column of every schema (raw, staging, meta, quarantine too) says what it
    # holds: an analyst opening the file reads it with duckdb_tables() / duckdb_columns().
    undescribed_tables = analyst.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = current_database() and coalesce(comment, '') = ''"
    ).fetchall()
    assert undescribed_tables == []
    undescribed_columns = analyst.execute(
        "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
        "where database_name = current_database() and coalesce(comment, '') = ''"
    ).fetchall()
    assert undescribed_columns == []
    null_typed = analyst.execute(
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and data_type like '%NULL%'"
    ).fetchall()
    assert null_typed == []
    version, storage = analyst.execute(
        "select duckdb_version, storage_version from meta.publication"
    ).fetchall()[0]
    assert version and storage == "v1.4.0"
    assert {p.stem for p in (published / "parquet").glob("*.parquet")} >= {
        "indicator_values", "city_profile", "city_units", "focus_area_scores", "coverage",
        "indicator_catalogue", "projects",
    }  # fmt: skip
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
    assert analyst.execute("select count(*) from marts.indicator_catalogue").fetchall()[0][0] == 54


def test_focus_area_scores_respect_minimum_coverage(analyst):
    rows = analyst.execute(
        "select coverage, score from marts.focus_area_scores where score is not null"
    ).fetchall()
    assert rows and all(c >= 0.5 for c, _ in rows)


def test_quarantine_is_queryable(analyst):
    analyst.execute("select source, row_number, field, reason from quarantine.rejected_rows")


def test_readme_and_methodology_state_the_estimates_of_the_bundled_build(analyst):
    import re

    (total, estimated, forward, back, interpolated, denominator_only) = analyst.execute(
        """
        select count(*), count(*) filter (where estimated),
               count(*) filter (where estimate_method = 'carried_forward'),
               count(*) filter (where estimate_method = 'carried_back'),
               count(*) filter (where estimate_method = 'interpolated'),
               count(*) filter (where estimate_method = 'observed' and estimated)
        from marts.indicator_values
        """
    ).fetchall()[0]
    readme = " ".join((REPO_ROOT / "README.md").read_text(encoding="utf-8").split())
    said = re.search(
        r"(\d+) of the (\d+) published values are estimated, (\d+) carried forward, (\d+) "
        r"carried back and (\d+) interpolated .*? plus (\d+) with an observed numerator",
        readme,
    )
    assert said, "README: the estimates sentence is missing"
    assert tuple(map(int, said.groups())) == (
        estimated, total, forward, back, interpolated, denominator_only
    )  # fmt: skip
    method = (REPO_ROOT / "docs/METHODOLOGY.md").read_text(encoding="utf-8")
    assert f"({estimated} of {total} values)" in method
    assert f"| numerator total | {forward} | {back} | {interpolated} |" in method
    assert f"plus {denominator_only} values with an observed numerator" in method

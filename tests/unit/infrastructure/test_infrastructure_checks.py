"""Plausibility (staging_infrastructure.sql with the catalogue's ranges) and the checks of
staging.infrastructure_metrics, on SYNTHETIC rows in a temporary DuckDB file, without Dagster.

Expected flags are worked out by hand from the bundled catalogue's ranges
(data/catalogue/osm_metrics.csv): road_length_total and green_area are implausible at 0 in a
city of over 50,000 people; hospitals above 5 per km2 or 50 per 100,000 residents; roads above
40 km per km2; green area above 1 km2 per km2 is impossible (the check fails).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assets.infrastructure.metric_catalogue import catalogue_ranges, load_metric_catalogue
from assets.reference.vocabularies import focus_areas
from checks.infrastructure import infrastructure_suite
from pipelines.framework.expectations import validate_frame
from pipelines.settings import Settings
from warehouse.db import run_sql_file

REPO = Path(__file__).resolve().parents[3]
SETTINGS = Settings(data_dir=REPO / "data")
STAGING_SQL = REPO / "assets" / "infrastructure" / "sql" / "staging_infrastructure.sql"
CHECK_SQL = REPO / "checks" / "sql" / "infrastructure_known_cities_valid_values.sql"
RANGES = catalogue_ranges(
    load_metric_catalogue(SETTINGS.catalogue_dir / "osm_metrics.csv", focus_areas(SETTINGS))
)
RING5 = 78.5319  # km2 (the 5 km ring)

# (city, metric, value, unit, boundary_type, measurement_area, area_km2, unit_id)
OSM = [
    ("tst-big", "road_length_total", 0.0, "km", "ring_5km", "ring_5km", RING5, None),
    ("tst-big", "green_area", 12.0, "km2", "ring_5km", "ring_5km", RING5, None),
    ("tst-big", "hospitals", 400.0, "count", "ring_5km", "ring_5km", RING5, None),
    ("tst-big", "road_length_total", 3500.0, "km", "ring_10km", "ring_10km", 314.13, None),
    ("tst-small", "road_length_total", 0.0, "km", "ring_5km", "ring_5km", RING5, None),
    ("tst-small", "hospitals", 30.0, "count", "municipality", "admin_adm2:X", 115.2,
     "census_city:tst-small:municipality:Small town"),
]  # fmt: skip
# populations: tst-big has a 2,000,000 city figure; tst-small a 40,000 municipality
POPULATION = [
    ("tst-big", "city_proper", "census_city", "Big city", 2020, 2_000_000.0),
    ("tst-big", "province", "census_city", "Big province", 2020, 9_000_000.0),
    ("tst-small", "municipality", "census_city", "Small town", 2019, 40_000.0),
]


def build(tmp_path: Path, osm=OSM) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("create schema raw; create schema staging")
    con.execute(
        "create table staging.cities as select * from (values ('tst-big'), ('tst-small')) "
        "t(city_id)"
    )
    con.execute(
        "create table staging.boundary_types as select * from (values ('city_proper', 'city'), "
        "('municipality', 'city'), ('province', 'admin_region')) t(boundary_type, unit_type)"
    )
    pop = pd.DataFrame(
        POPULATION,
        columns=["city_id", "boundary_type", "source_id", "unit_ref", "year", "population"],
    )
    pop["is_projection"] = False
    con.register("pop", pop)
    con.execute("create table staging.population_figures as select * from pop")
    columns = ["city_id", "metric_id", "value", "unit", "boundary_type", "measurement_area",
               "measurement_area_km2", "unit_id"]  # fmt: skip
    rows = pd.DataFrame(osm, columns=columns)
    rows = rows.assign(
        boundary_ref=rows["measurement_area"], osm_timestamp="2026-11-20T06:00:00Z",
        source_id="osm_extract", source_uri="file:x", reference_period="2026-11-20",
        notes="n", measurement_area_definition="synthetic", measured_zero=rows["value"] == 0,
    )  # fmt: skip
    con.register("osm_rows", rows)
    con.execute("create table raw.osm_metrics as select * from osm_rows")
    for table in ("ghsl_street_network", "health_facilities", "sdg_11_2_1"):
        bundled = {"city_id": "tst-big", "metric_id": "street_length_total", "value": 0.0,
                   "unit": "km", "boundary_type": "urban_centre", "boundary_ref": "GHSL",
                   "osm_timestamp": None, "source_id": f"bundled_{table}", "source_uri": "f",
                   "reference_period": "2015", "notes": ""}  # fmt: skip
        con.register("bundled", pd.DataFrame([bundled]))
        con.execute(f"create table raw.{table} as select * from bundled")  # noqa: S608
        con.unregister("bundled")
    con.register("osm_metric_ranges", RANGES)
    run_sql_file(con, STAGING_SQL)
    return con


def flags(con) -> dict[tuple[str, str, str], str | None]:
    rows = con.execute(
        "select city_id, metric_id, measurement_area, plausibility_note "
        "from staging.infrastructure_metrics where source_id = 'osm_extract'"
    ).fetchall()
    return {(c, m, a): note for c, m, a, note in rows}


def test_implausible_values_are_kept_with_their_reason(tmp_path):
    con = build(tmp_path)
    got = flags(con)
    # 0 km of road in a 5 km ring of a 2,000,000-people city (its province does not count)
    assert got[("tst-big", "road_length_total", "ring_5km")] == (
        "0 in a city of 2000000 people (more than 50000)"
    )
    # the same 0 in a town of 40,000: plausible
    assert got[("tst-small", "road_length_total", "ring_5km")] is None
    # 400 hospitals in 78.5319 km2: 5.0935 per km2 > 5; not above 50 per 100,000 of the
    # city's 2,000,000 people (1,000)
    assert got[("tst-big", "hospitals", "ring_5km")] == (
        "5.093 per km2 is above the plausible 5 per km2"
    )
    # 30 hospitals in the admin area linked to the 40,000-people municipality: 30 > 50 * 0.4
    assert got[("tst-small", "hospitals", "admin_adm2:X")] == (
        "30 is above 50 per 100,000 residents of 40000 people"
    )
    # 3,500 km of road in 314.13 km2: 11.14 km per km2, plausible (at most 40)
    assert got[("tst-big", "road_length_total", "ring_10km")] is None
    table = con.execute(
        "select count(*), count(*) filter (where implausible), min(value) "
        "from staging.infrastructure_metrics where source_id = 'osm_extract'"
    ).fetchall()
    assert table == [(6, 3, 0.0)]  # every value kept, three flagged
    # bundled sources are not judged by the OSM catalogue (their 0 km stays unflagged)
    assert con.execute(
        "select distinct implausible from staging.infrastructure_metrics "
        "where source_id like 'bundled_%'"
    ).fetchall() == [(False,)]


def test_sql_check_passes_good_rows_and_fails_bad_ones(tmp_path):
    con = build(tmp_path)
    assert con.execute(CHECK_SQL.read_text()).fetchall() == []
    con.execute(
        "update staging.infrastructure_metrics set measurement_area = null "
        "where city_id = 'tst-small' and metric_id = 'hospitals'"
    )
    con.execute(
        "update staging.infrastructure_metrics set measured_zero = true "
        "where city_id = 'tst-big' and metric_id = 'hospitals'"
    )
    problems = sorted(r[3] for r in con.execute(CHECK_SQL.read_text()).fetchall())
    assert problems == ["OSM value without its measurement area",
                        "measured_zero on a value that is not 0"]  # fmt: skip


def _frame(tmp_path, osm=OSM) -> pd.DataFrame:
    return build(tmp_path, osm).execute("select * from staging.infrastructure_metrics").df()


def test_suite_passes_implausible_but_possible_values(tmp_path):
    success, result = validate_frame(_frame(tmp_path), "infra_ok", infrastructure_suite(SETTINGS))
    assert success, [r["expectation_config"] for r in result["results"] if not r["success"]]


def test_suite_fails_an_impossible_value_from_the_catalogue_range(tmp_path):
    # 100 km2 of green area in a 78.5 km2 ring: 1.27 km2 per km2 > the hard limit 1
    bad = [*OSM, ("tst-big", "green_area", 100.0, "km2", "ring_10km", "ring_10km", RING5, None)]
    success, result = validate_frame(
        _frame(tmp_path, bad), "infra_bad", infrastructure_suite(SETTINGS)
    )
    failed = [r["expectation_config"]["kwargs"] for r in result["results"] if not r["success"]]
    assert not success
    assert [(f["column"], f["max_value"]) for f in failed] == [("value_per_km2", 1.0)]
    assert 'metric_id == "green_area"' in str(failed[0]["row_condition"])


def test_suite_fails_a_boundary_type_outside_the_shared_list(tmp_path):
    frame = _frame(tmp_path)
    frame.loc[0, "boundary_type"] = "osm_admin_boundary"
    success, result = validate_frame(frame, "infra_bt", infrastructure_suite(SETTINGS))
    failed = [r for r in result["results"] if not r["success"]]
    assert not success
    assert [r["expectation_config"]["type"] for r in failed] == [
        "expect_column_values_to_be_in_set"
    ]


@pytest.mark.parametrize("metric", sorted(RANGES["metric_id"]))
def test_every_catalogue_metric_has_its_range_in_the_suite(metric):
    conditions = [str(k.get("row_condition", "")) for _, k in infrastructure_suite(SETTINGS)]
    assert sum(c.startswith(f'metric_id == "{metric}"') for c in conditions) == 1

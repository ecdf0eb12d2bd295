"""Projects between steps: typed DuckDB tables (LIST, DATE), no JSON text; the published
marts.projects keeps its documented text form. Rows are SYNTHETIC EXAMPLES."""

from __future__ import annotations

import datetime as dt
import json
import re

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.projects.marts import MARTS, marts_projects
from assets.projects.schema import fetch_frame, typed
from warehouse.db import run_sql_file


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema staging; create schema marts")
    return con


def test_typed_lists_and_dates_survive_a_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    frame = pd.DataFrame(
        {
            "codes": [[], ["TC", "BC"], None],
            "empty": [[], [], []],  # no value to infer a type from: still a list of text
            "start": [dt.date(2013, 4, 26), None, float("nan")],
            "n": [1.0, None, 3.0],
        }
    )
    stored = typed(frame, ["codes", "empty", "absent"], ["start"])  # noqa: F841 - read by DuckDB
    con.execute("create table t as select * from stored")
    types = dict(con.execute("select column_name, column_type from (describe t)").fetchall())
    assert types == {"codes": "VARCHAR[]", "empty": "VARCHAR[]", "start": "DATE", "n": "DOUBLE"}
    back = fetch_frame(con, "select * from t")
    assert back["codes"].tolist() == [[], ["TC", "BC"], None]
    assert back["empty"].tolist() == [[], [], []]
    assert back["start"].tolist() == [dt.date(2013, 4, 26), None, None]


def _staging_projects(con: duckdb.DuckDBPyConnection, partners: list[list[str]]) -> None:
    n = len(partners)
    columns = {
        "project_key": [f"pk:{i}" for i in range(n)],
        "is_primary": [True] * n,
        "source_id": ["project_register"] * n,
        "source_project_id": [f"EX-{i}" for i in range(n)],
        "partner_companies": partners,
        "partner_countries": [["JPN", "KHM"]] * n,
        "start_date": [dt.date(2021, 1, 15)] + [None] * (n - 1),
        "end_date": [None] * n,
        "status_as_of": [dt.date(2025, 3, 31)] * n,
        "city_candidates": [["khm-battambang"]] * n,
        "focus_area_ids": [["built_infrastructure", "civic_social"]] * n,
        "record_flags": [["status_missing"]] + [[]] * (n - 1),
    }
    text = ["city_id", "city_match", "city_confidence", "title", "sector", "focus_area_id"]
    text += ["financier", "financier_type", "currency", "fx_rate_source", "fx_flag", "status"]
    text += ["source_status", "source_ref", "source_uri", "provenance"]
    text += ["match_level", "placement", "status_display", "vintage"]
    numbers = ["cost", "cost_usd", "fx_rate", "fx_rate_year", "as_of_year"]
    frame = pd.DataFrame(columns).assign(
        **{c: "x" for c in text}, **{c: 1.0 for c in numbers}, status_is_current=True
    )
    lists = ["partner_companies", "partner_countries", "city_candidates", "focus_area_ids"]
    projects = typed(  # noqa: F841 - read by DuckDB
        frame, [*lists, "record_flags"], ["start_date", "end_date", "status_as_of"]
    )
    con.execute("create table staging.projects as select * from projects")


def test_published_projects_keep_json_text_lists_and_iso_dates(
    con: duckdb.DuckDBPyConnection,
) -> None:
    partners = [["EXAMPLE Co A", "EXAMPLE Co B"], [], ['Công ty "Ví dụ" / EXAMPLE']]
    _staging_projects(con, partners)
    mart = next(m for m in MARTS if m.name == "projects")
    run_sql_file(con, mart.sql)
    rows = con.execute(
        "select partner_companies, partner_countries, start_date, end_date from marts.projects "
        "order by project_key"
    ).fetchall()
    # the form of the original pipeline: json.dumps(list, ensure_ascii=False), date.isoformat()
    assert [r[0] for r in rows] == [json.dumps(p, ensure_ascii=False) for p in partners]
    assert {r[1] for r in rows} == {'["JPN", "KHM"]'}
    assert [r[2] for r in rows] == ["2021-01-15", None, None]
    more = con.execute(
        "select cities, focus_area_ids, record_flags, status_as_of from marts.projects "
        "order by project_key"
    ).fetchall()
    assert more[0] == (
        '["khm-battambang"]',
        '["built_infrastructure", "civic_social"]',
        '["status_missing"]',
        dt.date(2025, 3, 31),  # status_as_of stays a DATE
    )
    assert more[1][2] == "[]"
    types = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'projects'"
        ).fetchall()
    )
    assert types["partner_companies"] == "VARCHAR" and types["start_date"] == "VARCHAR"
    comment = con.execute(
        "select comment from duckdb_tables() "
        "where schema_name = 'marts' and table_name = 'projects'"
    ).fetchall()
    assert comment[0][0].startswith("Development projects from every source")


def test_one_asset_spec_and_one_sql_file_per_published_table() -> None:
    keys = {key.to_user_string() for key in marts_projects.keys}
    assert keys == {
        "marts/projects",
        "marts/project_portfolio",
        "marts/donor_coordination",
        "marts/focus_area_funding_gaps",
        "marts/business_matches",
        "marts/project_places",
        "marts/opportunities",
        "marts/company_registers",
    }
    for mart in MARTS:
        sql = mart.sql.read_text(encoding="utf-8").lower()
        created = set(re.findall(r"create or replace table ([a-z_.]+)", sql))
        commented = set(re.findall(r"comment on (?:table|column) (marts\.[a-z_]+)", sql))
        assert created == commented == {mart.table}, mart.name
    deps = marts_projects.asset_deps
    portfolio = {k.to_user_string() for k in deps[dg.AssetKey(["marts", "project_portfolio"])]}
    assert "marts/city_peer_groups" in portfolio  # headline population for USD per capita
    opportunities = {k.to_user_string() for k in deps[dg.AssetKey(["marts", "opportunities"])]}
    assert {"marts/focus_area_scores", "marts/focus_area_funding_gaps"} <= opportunities
    donors = {k.to_user_string() for k in deps[dg.AssetKey(["marts", "donor_coordination"])]}
    assert "staging/aiddata_locations" in donors

"""A small in-memory warehouse for the project tables, without Dagster: the real registry and
focus areas (data/reference), raw project tables from given frames, then the real staging code
(`assets.projects.staging.build_projects`, `aiddata_city_links`) and the real mart SQL files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from assets.projects import iati_docs, worldbank_records
from assets.projects.aiddata import COLUMNS as AIDDATA_COLUMNS
from assets.projects.fields import empty_frame
from assets.projects.lookups import load_lookups
from assets.projects.marts import MARTS, OPPORTUNITY_PARAMS, _focus_area_ranks
from assets.projects.schema import CONFORMED_COLUMNS, CONFORMED_DATES, CONFORMED_LISTS, typed
from assets.projects.staging import aiddata_city_links, build_projects
from assets.reference.cities import read_cities
from pipelines.settings import Settings
from warehouse.db import run_sql_file

REPO = Path(__file__).resolve().parents[3]
SETTINGS = Settings(data_dir=REPO / "data")
REFERENCE_SQL = REPO / "assets" / "reference" / "sql" / "staging_reference.sql"


def reference(con: duckdb.DuckDBPyConnection) -> None:
    """raw and staging cities, focus areas and boundary types from data/reference."""
    ref = REPO / "data" / "reference"
    for schema in ("raw", "staging", "marts"):
        con.execute(f"create schema if not exists {schema}")  # noqa: S608 - fixed names
    cities = read_cities(ref / "cities.csv")  # noqa: F841 - read by DuckDB
    areas = pd.read_csv(ref / "focus_areas.csv", dtype=str)  # noqa: F841
    types = pd.read_csv(ref / "boundary_types.csv", dtype=str, keep_default_na=False)  # noqa: F841
    con.execute("create or replace table raw.cities as select * from cities")
    con.execute("create or replace table raw.focus_areas as select * from areas")
    con.execute("create or replace table raw.boundary_types as select * from types")
    run_sql_file(con, REFERENCE_SQL)


def land(
    con: duckdb.DuckDBPyConnection,
    worldbank: pd.DataFrame | None = None,
    iati: pd.DataFrame | None = None,
    register: pd.DataFrame | None = None,
    aiddata: pd.DataFrame | None = None,
    retrieved: datetime | None = None,
) -> None:
    """The raw project tables (empty where no frame is given), typed as the landing types them."""
    at = retrieved or datetime(2025, 4, 2, tzinfo=UTC)
    wb = worldbank if worldbank is not None else empty_frame(worldbank_records.COLUMNS)
    ia = iati if iati is not None else empty_frame(iati_docs.COLUMNS)
    reg = register if register is not None else empty_frame(CONFORMED_COLUMNS)
    aid = aiddata if aiddata is not None else empty_frame(AIDDATA_COLUMNS)
    frames = {
        "worldbank_projects": typed(
            wb, worldbank_records.LIST_COLUMNS, worldbank_records.DATE_COLUMNS,
            worldbank_records.STRUCT_COLUMNS,
        ),
        "iati_activities": typed(
            ia, iati_docs.LIST_COLUMNS, iati_docs.DATE_COLUMNS, iati_docs.STRUCT_COLUMNS
        ),
        "project_register": typed(reg, CONFORMED_LISTS, CONFORMED_DATES),
        "aiddata_gcdf_locations": aid,
    }  # fmt: skip
    for table, frame in frames.items():
        stamped = frame.assign(_source_uri=f"test://{table}", _retrieved_at=at)  # noqa: F841
        con.execute(f"create or replace table raw.{table} as select * from stamped")  # noqa: S608


def staged(con: duckdb.DuckDBPyConnection, today: date, settings: Settings = SETTINGS) -> None:
    """staging.projects, staging.project_source_coverage and staging.aiddata_locations."""
    build_projects(con, settings, today)
    lookups = load_lookups(settings, pd.DataFrame(con.sql("select * from staging.cities").df()))
    raw = con.sql("select * exclude (_retrieved_at) from raw.aiddata_gcdf_locations").df()
    linked = aiddata_city_links(raw, lookups).astype(  # noqa: F841 - read by DuckDB
        {"city_id": "string", "match_level": "string", "evidence": "string"}
    )
    con.execute("create or replace table staging.aiddata_locations as select * from linked")


def marts(con: duckdb.DuckDBPyConnection, names: list[str], max_age_days: int = 1095) -> None:
    """Run the named project mart SQL files (in MARTS order) with the pipeline's parameters."""
    params = {"max_age_days": max_age_days, **OPPORTUNITY_PARAMS}
    for mart in MARTS:
        if mart.name in names:
            if mart.name == "opportunities":
                _focus_area_ranks(con)
            run_sql_file(con, mart.sql, params)

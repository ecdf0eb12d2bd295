"""The conformed projects table: its sources, columns and status lifecycle, and how project
frames travel to and from DuckDB with real types (lists as ``VARCHAR[]``, dates as ``DATE``).

Between steps the projects live in DuckDB tables; a step pulls the rows it needs into pandas
(`fetch_frame`: Python lists and dates, as DuckDB holds them) and writes its result back with
`typed` columns, so no list is ever encoded as JSON text on the way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

SOURCE_REGISTER = "project_register"
SOURCE_WORLDBANK = "worldbank_projects"
SOURCE_IATI = "iati"
#: lower number wins when one project is reported by several sources
SOURCE_PRECEDENCE = {SOURCE_REGISTER: 0, SOURCE_WORLDBANK: 1, SOURCE_IATI: 2}
#: the raw table each source lands in (for the provenance of a conformed row)
RAW_TABLE = {
    SOURCE_WORLDBANK: "worldbank_projects",
    SOURCE_IATI: "iati_activities",
    SOURCE_REGISTER: "project_register",
}

#: the project lifecycle every source is mapped to (the staging check accepts exactly these)
STATUSES = ("pipeline", "active", "completed", "cancelled")
OPEN_STATUSES = ("pipeline", "active")
FINANCIER_TYPES = (
    "government",
    "multilateral",
    "bilateral",
    "private",
    "ppp",
    "ngo",
    "foundation",
    "other",
)

CONFORMED_COLUMNS = (
    "source_id",
    "source_project_id",
    "city_id",
    "city_match",
    "city_confidence",
    "city_candidates",
    "title",
    "description",
    "sector",
    "sector_codes",
    "focus_area_id",
    "financier",
    "financier_type",
    "partner_companies",
    "partner_countries",
    "cost",
    "project_cost",
    "currency",
    "status",
    "source_status",
    "start_date",
    "end_date",
    "source_ref",
    "source_uri",
    "source_row",
)
CONFORMED_LISTS = ("city_candidates", "sector_codes", "partner_companies", "partner_countries")
CONFORMED_DATES = ("start_date", "end_date")

_STRING_LIST = pa.list_(pa.string())


def _list_or_none(value: Any) -> list[Any] | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return list(value)


def _date_or_none(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.date() if isinstance(value, datetime) else value


def typed(frame: pd.DataFrame, lists: Iterable[str], dates: Iterable[str]) -> pd.DataFrame:
    """`frame` with the named columns as Arrow ``list<string>`` and ``date32`` columns, which
    DuckDB stores as ``VARCHAR[]`` and ``DATE`` whatever the rows hold (even all-empty lists).
    Columns not in `frame` are skipped; the other columns are left as they are."""
    out = frame.copy()
    for names, arrow_type, value_of in (
        (lists, _STRING_LIST, _list_or_none),
        (dates, pa.date32(), _date_or_none),
    ):
        for name in names:
            if name in out:
                array = pa.array([value_of(v) for v in out[name]], type=arrow_type)
                out[name] = pd.Series(pd.arrays.ArrowExtensionArray(array), index=out.index)
    return out


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The rows of `sql` as a frame of Python values: lists as lists, dates as dates."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns)

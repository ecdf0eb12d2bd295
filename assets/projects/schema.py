"""The conformed projects table: its sources, columns and status lifecycle, and how project
frames travel to and from DuckDB with real types (lists as ``VARCHAR[]``, dates as ``DATE``).

Between steps the projects live in DuckDB tables; a step pulls the rows it needs into pandas
(`fetch_frame`: Python lists and dates, as DuckDB holds them) and writes its result back with
`typed` columns, so no list is ever encoded as JSON text on the way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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
#: the conformed columns, described once (raw.project_register, its last good rows and
#: staging.projects; the lineage columns: warehouse.db)
CONFORMED_DESCRIPTIONS = {
    "source_id": "Source of the record: worldbank_projects, iati or project_register",
    "source_project_id": "Project id in its source",
    "city_id": "Registry city of the project (register: the city named; located projects: the one "
    "city at the most specific match level; null for none or several)",
    "city_match": "How the city was found: location (a geocoded location), or explicit/name (a "
    "register names the city by id or by name)",
    "city_confidence": "Register rows: high; null for location placement",
    "city_candidates": "Every registry city the project is placed in",
    "title": "Project title",
    "description": "Project description (IATI; null for the other sources)",
    "sector": "Sectors as given by the source",
    "sector_codes": "Sector codes of the source (empty for registers)",
    "focus_area_id": "Primary ASCN focus area (registers: as stated; else from the sector shares, "
    "data/catalogue/sector_focus_map.csv)",
    "financier": "Financier (World Bank; IATI reporting organisation; register financier)",
    "financier_type": "government, multilateral, bilateral, private, ppp, ngo, foundation or other",
    "partner_companies": "Partner companies",
    "partner_countries": "Partner company countries (ISO3)",
    "cost": "Cost in currency (World Bank: total commitment, US$; IATI: sum of the budget lines; "
    "register: as stated)",
    "project_cost": "World Bank total project cost, US$ (null for the other sources)",
    "currency": "ISO 4217 currency of cost",
    "status": "pipeline, active, completed or cancelled (null when the source gave none or an "
    "unmapped one: see record_flags)",
    "source_status": "Status as given by the source",
    "start_date": "Start date (World Bank: board approval)",
    "end_date": "End or closing date",
    "source_ref": "Source document or URL of the record",
    "source_uri": "File, folder or API the record came from",
    "source_row": "1-based position of the record in its file or answer (header excluded)",
}
CONFORMED_LISTS = ("city_candidates", "sector_codes", "partner_companies", "partner_countries")
CONFORMED_DATES = ("start_date", "end_date")

#: what staging.projects adds to the conformed columns of every source (conform.py, staging.py)
PLACE_TYPE = pa.struct(
    [
        ("city_id", pa.string()),
        ("level", pa.string()),
        ("location_name", pa.string()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        ("distance_km", pa.float64()),
        ("admin1", pa.string()),
        ("admin2", pa.string()),
        ("evidence", pa.string()),
    ]
)
FINANCIER_ROW_TYPE = pa.struct(
    [
        ("financier_id", pa.string()),
        ("name", pa.string()),
        ("type", pa.string()),
        ("amount", pa.float64()),
        ("currency", pa.string()),
        ("amount_usd", pa.float64()),
        ("basis", pa.string()),
    ]
)
FOCUS_SHARE_TYPE = pa.struct([("focus_area_id", pa.string()), ("percent", pa.float64())])
STAGED_COLUMNS = (
    "status_as_of",  # the date the status held (export vintage, retrieval, register receipt)
    "record_flags",  # e.g. status_missing, placeholder_date:2 1900-01-01
    "placement",  # national, elsewhere, located, register
    "match_level",  # level of city_id (placement.LEVELS or stated_by_city_register)
    "country_codes",
    "focus_area_ids",
    "places",
    "financiers",
    "focus_shares",
)
STAGED_LISTS = ("record_flags", "country_codes", "focus_area_ids")
STAGED_DATES = ("status_as_of",)
STAGED_STRUCTS = {
    "places": PLACE_TYPE,
    "financiers": FINANCIER_ROW_TYPE,
    "focus_shares": FOCUS_SHARE_TYPE,
}

_STRING_LIST = pa.list_(pa.string())


def _list_or_none(value: Any) -> list[Any] | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return list(value)


def _date_or_none(value: Any) -> date | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.date() if isinstance(value, datetime) else value


def _structs_or_none(value: Any) -> list[dict[str, Any]] | None:
    items = _list_or_none(value)
    if items is None:
        return None
    return [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in dict(i).items()}
        for i in items
    ]


def typed(
    frame: pd.DataFrame,
    lists: Iterable[str],
    dates: Iterable[str],
    structs: Mapping[str, pa.DataType] | None = None,
) -> pd.DataFrame:
    """`frame` with the named columns as Arrow ``list<string>``, ``date32`` and
    ``list<struct>`` columns, which DuckDB stores as ``VARCHAR[]``, ``DATE`` and
    ``STRUCT(...)[]`` whatever the rows hold (even all-empty lists). Columns not in `frame` are
    skipped; the other columns are left as they are."""
    out = frame.copy()
    plan = [(name, _STRING_LIST, _list_or_none) for name in lists]
    plan += [(name, pa.date32(), _date_or_none) for name in dates]
    plan += [(name, pa.list_(t), _structs_or_none) for name, t in (structs or {}).items()]
    for name, arrow_type, value_of in plan:
        if name in out:
            array = pa.array([value_of(v) for v in out[name]], type=arrow_type)
            out[name] = pd.Series(pd.arrays.ArrowExtensionArray(array), index=out.index)
    return out


def fetch_frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    """The rows of `sql` as a frame of Python values: lists as lists, dates as dates."""
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns)

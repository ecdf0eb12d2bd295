"""Projects, donors and opportunities of the report, by city.

The projects family publishes these tables and grows them (status with its as-of date, match
level, financiers, opportunities): every column present in the published file is kept, so the
city page shows what exists and says "not yet available" for a table that does not.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

TABLES = {
    "projects": "marts.projects",
    "donors": "marts.donor_coordination",
    "gaps": "marts.focus_area_funding_gaps",
    "opportunities": "marts.opportunities",
    "matches": "marts.business_matches",
}


def _table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where schema_name = $s and table_name = $t",
            {"s": schema, "t": name},
        ).fetchall()[0][0]
    )


def load_projects(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """{"project_tables": {key: available?}, "<key>_by_city": {city_id: [row, ...]}}."""
    out: dict[str, Any] = {"project_tables": {}}
    for key, table in TABLES.items():
        by_city: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        present = _table_exists(con, table)
        out["project_tables"][key] = present
        if present:
            cur = con.execute(f"select * from {table}")  # noqa: S608 (name from TABLES)
            names = [d[0] for d in cur.description]
            for r in cur.fetchall():
                row = dict(zip(names, r, strict=True))
                by_city[row.get("city_id")].append(row)
        out[f"{key}_by_city"] = by_city
    return out

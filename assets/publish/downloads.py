"""Downloads written with the report: every published table as CSV, one CSV per city, and the
data dictionary, under `<reports>/downloads/`.

Tables are copied by DuckDB itself (`COPY ... TO`) from the published file opened read-only; the
city files are written from the report data, one pass over the catalogue per city.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb

from warehouse.db import marts_tables
from warehouse.dictionary import QUERY as DICTIONARY_QUERY

CITY_COLUMNS = [
    "city_id", "city_name", "indicator_id", "indicator_name", "focus_area_id", "level", "value",
    "unit", "year", "data_year", "estimate_method", "rank_position", "rank_set_size",
    "quality_flags", "source_id", "source_name", "vintage", "provenance", "gap_reason",
]  # fmt: skip


def table_files(published_db: Path, out: Path) -> list[dict[str, str]]:
    """Every `marts` table as `tables/<name>.csv` and the data dictionary; the list of files."""
    (out / "tables").mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        names = marts_tables(con)
        files = []
        for name in names:
            target = out / "tables" / f"{name}.csv"
            # The name comes from duckdb_tables(); COPY takes no bound file name, so the path (the
            # report's own folder) is quoted as an SQL string literal.
            path = target.as_posix().replace("'", "''")
            con.execute(f"copy marts.\"{name}\" to '{path}' (header, delimiter ',')")  # noqa: S608
            files.append({"name": name, "href": f"tables/{name}.csv"})
        con.execute(DICTIONARY_QUERY).df().to_csv(out / "data_dictionary.csv", index=False)
    finally:
        con.close()
    return files


def city_file(data: dict[str, Any], city: dict[str, Any], out: Path) -> str:
    """`city/<stem>.csv`: one row per indicator of the catalogue, a gap as an empty value with
    its reason. Returns the path relative to `out`."""
    (out / "city").mkdir(parents=True, exist_ok=True)
    rel = f"city/{city['file_stem']}.csv"
    with (out / rel).open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CITY_COLUMNS)
        w.writeheader()
        for k in data["catalogue"]:
            v = data["values"].get((city["city_id"], k["indicator_id"])) or {}
            cell = data["coverage"].get((city["city_id"], k["indicator_id"])) or {}
            has = v.get("value") is not None
            w.writerow({
                "city_id": city["city_id"], "city_name": city["name"],
                "indicator_id": k["indicator_id"], "indicator_name": k["name"],
                "focus_area_id": k["focus_area_id"], "level": k["level"],
                "value": v.get("value") if has else "", "unit": k["unit"],
                "year": v.get("year"), "data_year": v.get("data_year"),
                "estimate_method": v.get("estimate_method"),
                "rank_position": v.get("rank_position"), "rank_set_size": v.get("rank_set_size"),
                "quality_flags": ";".join(v.get("quality_flags") or []),
                "source_id": v.get("source_id"),
                "source_name": data["sources"].name(v.get("source_id")) if has else "",
                "vintage": v.get("vintage"), "provenance": v.get("provenance"),
                "gap_reason": "" if has else cell.get("gap_reason") or "",
            })  # fmt: skip
    return rel

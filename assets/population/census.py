"""The curated city population figures (censuses and statistics offices), one row per figure.

File: ``data/sources/population/census_city_figures.csv``. A whole-file problem raises
``ValueError`` naming the file; a bad row becomes a reject (file, 1-based data row, field, value,
reason) and is left out of the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from pathlib import Path

import pandas as pd

from pipelines.framework.csv_text import read_csv_text, require_columns, to_number
from pipelines.framework.rejects import reject, rejects_frame
from warehouse.db import TableDoc

CENSUS_COLUMNS = [
    "city_id",
    "year",
    "population",
    "area_km2",
    "boundary_type",
    "unit_name",
    "figure_kind",
    "source_name",
    "source_url",
    "notes",
]
FIGURE_KINDS = frozenset({"census", "estimate", "registered", "projection", ""})
#: raw.census_population (the source_* and lineage columns: warehouse.db)
CENSUS_DOC = TableDoc(
    "Curated published population figures of the pilot cities (censuses, statistics offices), "
    "one row per figure as given in data/sources/population/census_city_figures.csv; bad rows "
    "are in quarantine.rejected_rows.",
    {
        "city_id": "Registry city id (data/reference/cities.csv)",
        "year": "Year of the figure (null when the source states none)",
        "population": "Population (persons) as published",
        "area_km2": "Land area of the same unit as published with the figure (km2; null if none)",
        "boundary_type": "Boundary type of the unit (data/reference/boundary_types.csv)",
        "unit_name": "Name of the unit the figure is of, as in the source",
        "figure_kind": "census, estimate, registered or projection, as stated (empty: not stated)",
        "source_id": "Source id: census_city",
        "source_name": "Who published the figure (and through which page it was read)",
        "source_url": "URL of the publication",
        "notes": "Curator's notes on the figure",
    },
)


def _row_problems(
    rec: dict, city_ids: Collection[str], boundary_types: Collection[str]
) -> list[tuple[str, str, str]]:
    """Return (field, value, reason) for each problem of one census row."""
    problems: list[tuple[str, str, str]] = []
    if rec["city_id"] not in city_ids:
        problems.append(("city_id", rec["city_id"], "unknown city_id"))
    pop = to_number(rec["population"])
    if pop is None or pop < 0 or pop != int(pop):
        problems.append(
            ("population", rec["population"], "population is not a non-negative whole number")
        )
    if rec["year"]:
        year = to_number(rec["year"])
        if year is None or year != int(year) or not 1900 <= year <= dt.date.today().year:
            problems.append(("year", rec["year"], "impossible year"))
    if rec["area_km2"] and ((a := to_number(rec["area_km2"])) is None or a <= 0):
        problems.append(("area_km2", rec["area_km2"], "area is not a positive number"))
    if rec["boundary_type"] not in boundary_types:
        problems.append(("boundary_type", rec["boundary_type"], "unknown boundary type"))
    if rec["figure_kind"] not in FIGURE_KINDS:
        problems.append(("figure_kind", rec["figure_kind"], "unknown figure kind"))
    return problems


def read_census_figures(
    path: Path | str, city_ids: Collection[str], boundary_types: Collection[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read the curated published city population figures.

    ``city_ids`` are the registry ids, ``boundary_types`` the members of
    ``data/reference/boundary_types.csv`` (`assets.reference.vocabularies.boundary_types`).
    Returns ``(rows, rejects)``. ``rows`` columns: city_id, year (Int64, may be missing when the
    source gives none), population (Int64, persons), area_km2 (float, NaN if not given),
    boundary_type, unit_name, figure_kind, source_id ('census_city'), source_name, source_url,
    notes, source_row (1-based data row).
    """
    df = read_csv_text(path)
    require_columns(df, CENSUS_COLUMNS, path)
    rejects: list[dict] = []
    keep: list[int] = []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        problems = _row_problems(rec, city_ids, boundary_types)
        rejects += [reject(path, i, f, v, r) for f, v, r in problems]
        if not problems:
            keep.append(i - 1)
    rows = df.iloc[keep].copy()
    rows["source_row"] = [k + 1 for k in keep]
    rows["year"] = pd.to_numeric(rows["year"]).astype("Int64")
    rows["population"] = pd.to_numeric(rows["population"]).astype("Int64")
    rows["area_km2"] = pd.to_numeric(rows["area_km2"]).astype(float)
    rows["source_id"] = "census_city"
    columns = CENSUS_COLUMNS[:7] + ["source_id"] + CENSUS_COLUMNS[7:] + ["source_row"]
    return rows[columns].reset_index(drop=True), rejects_frame(rejects)

"""The indicator catalogue (`data/catalogue/indicators.csv`): loading and validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = [
    "indicator_id", "name", "definition", "numerator_measure", "numerator_boundary",
    "denominator", "scale", "unit", "direction", "focus_area_id", "level", "iso37120_2018",
    "iso37122", "u4ssc", "sdg11", "reference_year", "max_year_gap", "plausible_min",
    "plausible_max", "typical_min", "typical_max", "source_tables", "min_data", "notes",
]  # fmt: skip
UNITS = {
    "persons", "persons per km2", "percent", "percent per year", "per 100,000 population",
    "km per km2", "per km2", "km per 100,000 population", "m2 per capita", "km2",
    "USD per capita", "projects per 100,000 population", "per 100 people", "USD",
    "international $ (PPP)", "micrograms per m3", "ratio", "count", "m", "1000 kg per year",
    "tonnes per year per capita", "kg per year per capita",
}  # fmt: skip
DIRECTIONS = {"higher_better", "lower_better", "neutral"}
LEVELS = {"city", "national"}


def load_catalogue(
    path: Path, focus_areas: set[str], existing_tables: set[str], boundary_types: set[str]
) -> pd.DataFrame:
    """Read and validate the catalogue; raise ValueError naming the row and field at fault."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    problems: list[str] = []

    def bad(i: int, field: str, why: str) -> None:
        problems.append(f"{path}: row {i + 1}, field {field}: {why}")

    dupes = frame["indicator_id"][frame["indicator_id"].duplicated()]
    for i in dupes.index:
        bad(i, "indicator_id", f"duplicate id {frame.at[i, 'indicator_id']!r}")
    for i, row in frame.iterrows():
        if not row["indicator_id"] or not row["numerator_measure"]:
            bad(i, "indicator_id/numerator_measure", "required")
        if row["unit"] not in UNITS:
            bad(i, "unit", f"unknown unit {row['unit']!r}")
        if row["direction"] not in DIRECTIONS:
            bad(i, "direction", f"must be one of {sorted(DIRECTIONS)}")
        if row["focus_area_id"] not in focus_areas:
            bad(i, "focus_area_id", f"unknown focus area {row['focus_area_id']!r}")
        if row["level"] not in LEVELS:
            bad(i, "level", f"must be one of {sorted(LEVELS)}")
        if row["numerator_boundary"] and row["numerator_boundary"] not in boundary_types:
            bad(i, "numerator_boundary", f"unknown boundary type {row['numerator_boundary']!r}")
        for table in filter(None, row["source_tables"].split(";")):
            if table.strip() not in existing_tables:
                bad(i, "source_tables", f"table {table.strip()!r} does not exist")
        for field in ("scale", "reference_year", "max_year_gap", "plausible_min", "plausible_max"):
            if pd.isna(pd.to_numeric(row[field], errors="coerce")):
                bad(i, field, f"not a number: {row[field]!r}")
        for field in ("typical_min", "typical_max"):  # optional
            if row[field] and pd.isna(pd.to_numeric(row[field], errors="coerce")):
                bad(i, field, f"not a number: {row[field]!r}")
    if problems:
        raise ValueError("invalid indicator catalogue:\n" + "\n".join(problems))
    out = frame[COLUMNS].replace({"": None})
    for field in ("scale", "plausible_min", "plausible_max", "typical_min", "typical_max"):
        out[field] = pd.to_numeric(out[field]).astype(float)
    for field in ("reference_year", "max_year_gap"):
        out[field] = out[field].astype(int)
    return out

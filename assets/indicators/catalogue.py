"""The indicator catalogue (`data/catalogue/indicators.csv`): loading and validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.reference.vocabularies import UNIT_TYPES
from warehouse.db import TableDoc

COLUMNS = [
    "indicator_id", "name", "definition", "numerator_measure", "unit_type", "denominator",
    "denominator_alignment", "scale", "unit", "direction", "direction_rationale",
    "focus_area_id", "level", "iso37120_2018", "iso37122", "u4ssc", "sdg11", "reference_year",
    "max_year_gap", "plausible_min", "plausible_max", "typical_min", "typical_max",
    "source_tables", "min_data", "notes", "density_check", "zero_implausible_above_population",
    "numerator_is_count",
]  # fmt: skip
#: staging.indicator_catalogue (published as marts.indicator_catalogue)
DOC = TableDoc(
    "The indicator catalogue (data/catalogue/indicators.csv), validated: one row per indicator, "
    "with its definition, formula, standards mapping and comparability settings.",
    {
        "indicator_id": "Indicator id",
        "name": "Name",
        "definition": "Definition",
        "numerator_measure": "Measure used as numerator (staging.measures.measure_id)",
        "unit_type": (
            "Unit type of the numerator: pilot (the registry's pilot unit), a unit type "
            "(urban_centre, urban_extent, agglomeration, measurement_area, nation), or empty = any"
            " unit (pilot unit first, then boundary precedence)"
        ),
        "denominator": (
            "Measure used as denominator (empty = none); always of the same unit as the numerator"
        ),
        "denominator_alignment": (
            "year (default: aligned to the reference year like the numerator) or unit_attribute (a"
            " property of the unit such as the area of a fixed polygon, taken as it is)"
        ),
        "scale": "Multiplier (e.g. 100000 for per 100,000)",
        "unit": "Unit",
        "direction": "higher_better, lower_better or neutral (not scored)",
        "direction_rationale": "One line: why this direction, or why neutral",
        "focus_area_id": "ASCN focus area",
        "level": "city or national",
        "iso37120_2018": "ISO 37120:2018 indicator number, where one matches",
        "iso37122": "ISO 37122:2019 indicator number, where one matches",
        "u4ssc": "ITU U4SSC KPI code, where one matches",
        "sdg11": "SDG 11 indicator, where one matches",
        "reference_year": "Year values are aligned to",
        "max_year_gap": "Largest gap in years between data and reference year",
        "plausible_min": (
            "Lower plausibility bound (outside: flagged implausible, not scored); for per-100,000 "
            "counts, plausible_max bounds the count by the population"
        ),
        "plausible_max": "Upper plausibility bound",
        "typical_min": "Lower typical bound (outside: flagged, still scored)",
        "typical_max": "Upper typical bound",
        "source_tables": "Warehouse tables the indicator is computed from",
        "min_data": "Minimum data the indicator needs",
        "notes": "Notes and caveats",
        "density_check": (
            "own_unit: the value must be within 5 % of the unit's own published density (else "
            "implausible)"
        ),
        "zero_implausible_above_population": (
            "A zero numerator is implausible for a city with more people than this"
        ),
        "numerator_is_count": (
            "True when the numerator is a count: negative or (observed) fractional counts are "
            "implausible"
        ),
    },
)
UNITS = {
    "persons", "persons per km2", "percent", "percent per year", "per 100,000 population",
    "km per km2", "per km2", "km per 100,000 population", "m2 per capita", "km2",
    "USD per capita", "projects per 100,000 population", "per 100 people", "USD",
    "international $ (PPP)", "micrograms per m3", "ratio", "count", "m", "1000 kg per year",
    "tonnes per year per capita", "kg per year per capita",
}  # fmt: skip
DIRECTIONS = {"higher_better", "lower_better", "neutral"}
LEVELS = {"city", "national"}
# unit_type: the unit type the numerator must have; `pilot` = the registry's pilot unit of the
# city; empty = any unit (pilot unit first, then boundary precedence).
CATALOGUE_UNIT_TYPES = {*UNIT_TYPES, "pilot", ""}
ALIGNMENTS = {"", "year", "unit_attribute"}
DENSITY_CHECKS = {"", "own_unit"}
YES = {"", "yes"}
NUMBERS = ("scale", "reference_year", "max_year_gap", "plausible_min", "plausible_max")
OPTIONAL_NUMBERS = ("typical_min", "typical_max", "zero_implausible_above_population")
# Columns with no value in any row would be typed NULL in DuckDB: they stay text.
TEXT = [c for c in COLUMNS if c not in NUMBERS + OPTIONAL_NUMBERS + ("numerator_is_count",)]


def load_catalogue(path: Path, focus_areas: set[str], existing_tables: set[str]) -> pd.DataFrame:
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
        _check_row(row, lambda field, why, i=i: bad(i, field, why), focus_areas, existing_tables)
    if problems:
        raise ValueError("invalid indicator catalogue:\n" + "\n".join(problems))
    out = frame[COLUMNS].replace({"": None})
    for field in ("scale", "plausible_min", "plausible_max", "typical_min", "typical_max"):
        out[field] = pd.to_numeric(out[field]).astype(float)
    for field in ("reference_year", "max_year_gap"):
        out[field] = out[field].astype(int)
    out["zero_implausible_above_population"] = pd.to_numeric(
        out["zero_implausible_above_population"]
    ).astype("Int64")
    out["numerator_is_count"] = frame["numerator_is_count"].eq("yes")
    out[TEXT] = out[TEXT].astype("string")  # typed VARCHAR even when a column is all empty
    return out


def _check_row(row: pd.Series, bad, focus_areas: set[str], existing_tables: set[str]) -> None:
    if not row["indicator_id"] or not row["numerator_measure"]:
        bad("indicator_id/numerator_measure", "required")
    if row["unit"] not in UNITS:
        bad("unit", f"unknown unit {row['unit']!r}")
    if row["direction"] not in DIRECTIONS:
        bad("direction", f"must be one of {sorted(DIRECTIONS)}")
    if not row["direction_rationale"].strip():
        bad("direction_rationale", "required: one line saying why this direction (or neutral)")
    if row["focus_area_id"] not in focus_areas:
        bad("focus_area_id", f"unknown focus area {row['focus_area_id']!r}")
    if row["level"] not in LEVELS:
        bad("level", f"must be one of {sorted(LEVELS)}")
    if row["unit_type"] not in CATALOGUE_UNIT_TYPES:
        bad("unit_type", f"unknown unit type {row['unit_type']!r}")
    if (row["level"] == "national") != (row["unit_type"] == "nation"):
        bad("unit_type", "national indicators and only they have unit type 'nation'")
    if row["denominator_alignment"] not in ALIGNMENTS:
        bad("denominator_alignment", f"must be one of {sorted(ALIGNMENTS - {''})} or empty")
    if row["denominator_alignment"] and not row["denominator"]:
        bad("denominator_alignment", "set but the indicator has no denominator")
    if row["density_check"] not in DENSITY_CHECKS:
        bad("density_check", "must be 'own_unit' or empty")
    if row["numerator_is_count"] not in YES:
        bad("numerator_is_count", "must be 'yes' or empty")
    for table in filter(None, row["source_tables"].split(";")):
        if table.strip() not in existing_tables:
            bad("source_tables", f"table {table.strip()!r} does not exist")
    for field in NUMBERS:
        if pd.isna(pd.to_numeric(row[field], errors="coerce")):
            bad(field, f"not a number: {row[field]!r}")
    for field in OPTIONAL_NUMBERS:
        if row[field] and pd.isna(pd.to_numeric(row[field], errors="coerce")):
            bad(field, f"not a number: {row[field]!r}")

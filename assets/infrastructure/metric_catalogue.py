"""The OSM metric catalogue (data/catalogue/osm_metrics.csv): which metrics OSM is measured for.

One row per metric: an allow-listed Overpass tag filter, its geometry (point / line / area), the
unit and aggregation that geometry implies, and the ASCN focus area it informs. Adding an OSM
metric is adding a row; both back-ends measure every row.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path

import pandas as pd

from assets.infrastructure.osm_model import GEOMETRIES, MetricSpec, parse_tag_filter

# Ranges per metric (docs/METHODOLOGY.md, plausibility): beyond `valid_max_per_km2` a value is
# impossible (the blocking check fails); beyond a plausible maximum, or 0 where the city has
# more than `zero_implausible_above_population` people, it is kept and flagged implausible.
RANGE_COLUMNS = [
    "valid_max_per_km2",
    "plausible_max_per_km2",
    "plausible_max_per_100k",
    "zero_implausible_above_population",
]
CATALOGUE_COLUMNS = [
    "metric_id",
    "name",
    "osm_filter",
    "geometry",
    "unit",
    "aggregation",
    "focus_area_id",
    "notes",
    *RANGE_COLUMNS,
    "plausibility_rationale",
]
UNIT_FOR_GEOMETRY = {"point": "count", "line": "km", "area": "km2"}
AGGREGATION_FOR_GEOMETRY = {"point": "count", "line": "sum_length", "area": "sum_area"}


def load_metric_catalogue(path: str | Path, focus_areas: Collection[str]) -> pd.DataFrame:
    """Read and validate data/catalogue/osm_metrics.csv; ValueError naming row and field.

    `focus_areas` are the accepted `focus_area_id`s (`assets.reference.vocabularies`). The
    returned frame has the catalogue columns plus `spec`, the parsed `MetricSpec` of each row.
    """
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in CATALOGUE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    if df.empty:
        raise ValueError(f"{path}: the metric catalogue has no rows")
    seen: set[str] = set()
    specs = []
    for i, row in enumerate(df.to_dict("records"), start=2):  # row 1 is the header
        where = f"{path} row {i} (metric {row['metric_id']!r})"
        mid = row["metric_id"].strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]*", mid):
            raise ValueError(f"{where}, field metric_id: must be lower_snake_case")
        if mid in seen:
            raise ValueError(f"{where}, field metric_id: duplicate id {mid!r}")
        seen.add(mid)
        geometry = row["geometry"].strip()
        if geometry not in GEOMETRIES:
            raise ValueError(f"{where}, field geometry: {geometry!r} not one of {GEOMETRIES}")
        if row["unit"].strip() != UNIT_FOR_GEOMETRY[geometry]:
            raise ValueError(
                f"{where}, field unit: {row['unit']!r}; a {geometry} metric is measured in "
                f"{UNIT_FOR_GEOMETRY[geometry]!r}"
            )
        if row["aggregation"].strip() != AGGREGATION_FOR_GEOMETRY[geometry]:
            raise ValueError(
                f"{where}, field aggregation: {row['aggregation']!r}; a {geometry} metric uses "
                f"{AGGREGATION_FOR_GEOMETRY[geometry]!r}"
            )
        if row["focus_area_id"].strip() not in focus_areas:
            raise ValueError(
                f"{where}, field focus_area_id: {row['focus_area_id']!r} not one of "
                f"{sorted(focus_areas)}"
            )
        if not row["name"].strip():
            raise ValueError(f"{where}, field name: empty")
        _check_ranges(row, where)
        try:
            tag_filter = parse_tag_filter(row["osm_filter"], mid)
        except ValueError as exc:
            raise ValueError(f"{where}, field osm_filter: {exc}") from exc
        specs.append(MetricSpec(mid, geometry, UNIT_FOR_GEOMETRY[geometry], tag_filter))
    df = df.copy()
    df["spec"] = specs
    return df


def _check_ranges(row: dict[str, str], where: str) -> None:
    for col in RANGE_COLUMNS:
        text = row[col].strip()
        if not text and col in ("valid_max_per_km2", "plausible_max_per_km2"):
            raise ValueError(f"{where}, field {col}: empty; every metric needs its range")
        if text:
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"{where}, field {col}: {text!r} is not a number") from None
            if not value > 0:
                raise ValueError(f"{where}, field {col}: {text!r} must be positive")
    if float(row["plausible_max_per_km2"]) > float(row["valid_max_per_km2"]):
        raise ValueError(
            f"{where}, field plausible_max_per_km2: above valid_max_per_km2 "
            f"({row['plausible_max_per_km2']} > {row['valid_max_per_km2']})"
        )
    if row["plausible_max_per_100k"].strip() and row["geometry"].strip() != "point":
        raise ValueError(f"{where}, field plausible_max_per_100k: only for counts (point metrics)")
    if not row["plausibility_rationale"].strip():
        raise ValueError(f"{where}, field plausibility_rationale: empty; say why the range")


def catalogue_ranges(catalogue: pd.DataFrame) -> pd.DataFrame:
    """metric_id and its ranges as numbers (NULL where the catalogue sets none)."""
    out = catalogue[["metric_id", "geometry", "unit", *RANGE_COLUMNS]].copy()
    for col in RANGE_COLUMNS:
        out[col] = pd.to_numeric(out[col].replace("", None), errors="raise").astype("float64")
    return out.reset_index(drop=True)


def catalogue_specs(catalogue: pd.DataFrame | Sequence[MetricSpec]) -> list[MetricSpec]:
    """The metrics of a loaded catalogue frame, or the given specs as a list."""
    if isinstance(catalogue, pd.DataFrame):
        return list(catalogue["spec"])
    return list(catalogue)

"""The one row shape every infrastructure reader returns, and the small helpers readers share.

Both OSM back-ends and the bundled published sources give a frame with `METRIC_COLUMNS` (one row
per city, metric and boundary), so `raw.*` tables of the family union by name in staging.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from assets.infrastructure.osm_model import Boundary, MetricSpec

METRIC_COLUMNS = [
    "city_id",
    "metric_id",
    "value",
    "unit",
    "boundary_type",
    "boundary_ref",
    "osm_timestamp",
    "source_id",
    "source_uri",
    "reference_period",
    "notes",
]
# Where a measured area row says its boundary came from (a label, not a path that is read).
BOUNDARIES_URI = "data/reference/city_boundaries.csv"


def empty_metric_frame() -> pd.DataFrame:
    """No rows, with `METRIC_COLUMNS` and a float `value` column."""
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c == "value" else "object") for c in METRIC_COLUMNS}
    )


def metric_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows (dicts) -> a frame with exactly `METRIC_COLUMNS`, `value` as float."""
    if not rows:
        return empty_metric_frame()
    df = pd.DataFrame(rows).reindex(columns=METRIC_COLUMNS)
    df["value"] = df["value"].astype("float64")
    return df


def measured_row(
    b: Boundary, m: MetricSpec, value: float, ts: str, source_id: str, uri: str, notes: str
) -> dict[str, Any]:
    """One OSM measurement: metric `m` inside boundary `b`, data vintage `ts`."""
    return {
        "city_id": b.city_id,
        "metric_id": m.metric_id,
        "value": float(value),
        "unit": m.unit,
        "boundary_type": b.boundary_type,
        "boundary_ref": b.ref,
        "osm_timestamp": ts,
        "source_id": source_id,
        "source_uri": uri,
        "reference_period": ts[:10] if ts and ts != "unknown" else None,
        "notes": notes,
    }


def measured_area_rows(
    boundaries: Iterable[Boundary], vintage: str | None, source: str
) -> list[dict[str, Any]]:
    """Area of each measured radius or bounding box, so per-km2 indicators use the same area."""
    rows = []
    for b in boundaries:
        if b.kind == "radius" and b.radius_km:
            area = math.pi * b.radius_km**2
        elif b.kind == "bbox":
            mid = math.radians((b.north + b.south) / 2)
            area = (b.north - b.south) * 111.32 * (b.east - b.west) * 111.32 * math.cos(mid)
        else:  # relation areas are not measured here
            continue
        rows.append(
            {"city_id": b.city_id, "metric_id": "land_area_km2", "value": area, "unit": "km2",
             "boundary_type": b.boundary_type, "boundary_ref": b.ref, "osm_timestamp": vintage,
             "source_id": source, "source_uri": BOUNDARIES_URI,
             "reference_period": (vintage or "")[:10] or None,
             "notes": "area of the measured boundary (geometry, not a published figure)"}
        )  # fmt: skip
    return rows


def with_measured_areas(
    frame: pd.DataFrame, boundaries: Iterable[Boundary], source: str
) -> pd.DataFrame:
    """`frame` plus the area of every measured boundary (nothing added to an empty frame)."""
    if frame.empty:
        return frame
    vintage = frame["osm_timestamp"].dropna().max()
    return pd.concat([frame, pd.DataFrame(measured_area_rows(boundaries, vintage, source))])


def csv_rows(path: Path) -> list[dict[str, str]]:
    """A bundled CSV as dicts (a UTF-8 byte-order mark is dropped)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def to_number(value: Any) -> float | None:
    """A cell as float; None for empty, non-numeric or NaN cells (missing stays missing)."""
    try:
        f = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f

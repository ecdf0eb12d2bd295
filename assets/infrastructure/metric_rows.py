"""The one row shape every infrastructure reader returns, and the small helpers readers share.

Both OSM back-ends and the bundled published sources give a frame with `METRIC_COLUMNS` (one row
per city, metric and boundary), so `raw.*` tables of the family union by name in staging; the
OSM back-ends add the measurement-area columns (`OSM_COLUMNS`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from assets.infrastructure.osm_model import MeasurementArea, MetricSpec
from warehouse.db import TableDoc

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
# OSM rows say which measurement area each value is of (the bundled sources do not have one).
OSM_COLUMNS = METRIC_COLUMNS + [
    "measurement_area",  # ring_5km, ring_10km, admin_adm2:<shapeID>, osm_relation:<id>
    "measurement_area_km2",
    "measurement_area_definition",
    "measured_zero",  # True: the source answered and counted nothing (a real 0, not a gap)
    "unit_id",  # the population unit an admin area is the same extent as (else empty)
]
LAND_AREA = "land_area_km2"  # the measured-area rows (denominator of per-km2 indicators)
#: the columns of every infrastructure raw table, described once (source_id, source_uri and the
#: lineage columns: warehouse.db)
METRIC_DESCRIPTIONS = {
    "city_id": "Registry city id",
    "metric_id": "Metric id (OSM metrics: data/catalogue/osm_metrics.csv; land_area_km2: the "
    "measurement area itself)",
    "value": "Value of the metric, in unit",
    "unit": "Unit of the value (count, km, km2, percent, ...)",
    "boundary_type": "Boundary type of the area the value is of (data/reference/"
    "boundary_types.csv)",
    "boundary_ref": "The area the value is of, as the source names it (OSM: the measurement area)",
    "osm_timestamp": "Timestamp of the OSM data measured ('unknown' when the source does not "
    "state it; null for non-OSM sources)",
    "reference_period": "Period the value refers to, as stated by the source",
    "notes": "What the value counts, and the source's caveats",
    "measurement_area": "OSM rows: the measurement area: ring_5km, ring_10km, "
    "admin_adm2:<geoBoundaries shapeID>[+...], osm_relation:<id>",
    "measurement_area_km2": "OSM rows: geodesic area of the measurement area in km2 (land and "
    "water alike)",
    "measurement_area_definition": "OSM rows: how the measurement area is defined (ring radius "
    "and centre, or the admin polygon and its source)",
    "measured_zero": "OSM rows: true when the source answered and counted none (a measured 0, "
    "not a gap)",
    "unit_id": "OSM rows: population unit an administrative measurement area is the same extent "
    "as (data/reference/city_boundaries.csv population_unit_id); empty for rings",
}


def metric_doc(description: str) -> TableDoc:
    """The descriptions of an infrastructure raw table: `description` and the metric columns."""
    return TableDoc(description, METRIC_DESCRIPTIONS)


def empty_metric_frame(columns: list[str] | None = None) -> pd.DataFrame:
    """No rows, with `columns` (default `METRIC_COLUMNS`) and a float `value` column."""
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float64" if c in ("value", "measurement_area_km2") else "object")
            for c in (columns or METRIC_COLUMNS)
        }
    )


def metric_frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> pd.DataFrame:
    """Rows (dicts) -> a frame with exactly `columns` (default `METRIC_COLUMNS`), `value` float."""
    if not rows:
        return empty_metric_frame(columns)
    df = pd.DataFrame(rows).reindex(columns=columns or METRIC_COLUMNS)
    df["value"] = df["value"].astype("float64")
    return df


def measured_row(
    area: MeasurementArea,
    m: MetricSpec,
    value: float,
    ts: str,
    source_id: str,
    uri: str,
    notes: str,
    unit_id: str | None = None,
) -> dict[str, Any]:
    """One OSM measurement: metric `m` inside measurement area `area`, data vintage `ts`."""
    return {
        "city_id": area.city_id,
        "metric_id": m.metric_id,
        "value": float(value),
        "unit": m.unit,
        "boundary_type": area.boundary_type,
        "boundary_ref": area_ref(area),
        "osm_timestamp": ts,
        "source_id": source_id,
        "source_uri": uri,
        "reference_period": ts[:10] if ts and ts != "unknown" else None,
        "notes": ("measured 0: " + notes) if value == 0 else notes,
        "measurement_area": area.area_id,
        "measurement_area_km2": area.area_km2,
        "measurement_area_definition": area.definition,
        "measured_zero": value == 0,
        "unit_id": None if area.is_ring else unit_id,
    }


def area_ref(area: MeasurementArea) -> str:
    """Short label of a measurement area (`boundary_ref`)."""
    if area.is_ring:
        return f"{area.area_id} around ({area.lat:.5f}, {area.lon:.5f})"
    return area.area_id


def measured_area_row(
    area: MeasurementArea, vintage: str | None, source: str, unit_id: str | None = None
) -> dict[str, Any]:
    """The area of one measurement area, so per-km2 indicators divide by the same area."""
    km2 = area.area_km2
    return {
        "city_id": area.city_id, "metric_id": LAND_AREA, "value": km2, "unit": "km2",
        "boundary_type": area.boundary_type, "boundary_ref": area_ref(area),
        "osm_timestamp": vintage, "source_id": source, "source_uri": BOUNDARIES_URI,
        "reference_period": (vintage or "")[:10] or None,
        "notes": "area of the measurement area (geodesic; land and water alike), not a "
        "published figure",
        "measurement_area": area.area_id, "measurement_area_km2": km2,
        "measurement_area_definition": area.definition, "measured_zero": False,
        "unit_id": None if area.is_ring else unit_id,
    }  # fmt: skip


# Where a measured area row says its areas came from (a label, not a path that is read).
BOUNDARIES_URI = "data/reference/city_boundaries.csv"

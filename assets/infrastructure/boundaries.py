"""Where each city is measured in OSM: data/reference/city_boundaries.csv joined to the registry.

A boundary is an OSM relation (Overpass only), a radius around the registry centre, or a bbox
(`assets.infrastructure.osm_model.Boundary`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from assets.infrastructure.metric_rows import to_number
from assets.infrastructure.osm_model import BOUNDARY_KINDS, Boundary
from pipelines.framework.rejects import reject, rejects_frame

BOUNDARY_COLUMNS = [
    "city_id",
    "boundary_kind",
    "osm_relation_id",
    "bbox_south",
    "bbox_west",
    "bbox_north",
    "bbox_east",
    "radius_km",
    "boundary_type",
    "notes",
]


def load_city_boundaries(
    path: str | Path, cities_df: pd.DataFrame
) -> tuple[list[Boundary], pd.DataFrame]:
    """Read data/reference/city_boundaries.csv and join centres from the city registry.

    Returns (boundaries, rejects). A malformed row (unknown kind, bad number, duplicate city)
    raises ValueError naming the file, row and field. A city missing from the registry, a
    radius city without registry coordinates, and a registry city without a boundary row are
    rejects (the city is then not measured; missing stays missing).
    A relation boundary (boundary_kind=relation + osm_relation_id) is queried in Overpass as
    area id = relation id + 3600000000; the PBF back-end cannot use it (no polygon) and skips it.
    """
    path = Path(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in BOUNDARY_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    lat_col = _pick(cities_df, ("lat", "latitude", "centre_lat"))
    lon_col = _pick(cities_df, ("lon", "lng", "longitude", "centre_lon"))
    centres = {
        str(r["city_id"]): (to_number(r.get(lat_col)), to_number(r.get(lon_col)))
        for r in cities_df.to_dict("records")
    }
    out: list[Boundary] = []
    rejects: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(df.to_dict("records"), start=2):
        city = row["city_id"].strip()
        where = f"{path} row {i} (city {city!r})"
        if city in seen:
            raise ValueError(f"{where}, field city_id: duplicate boundary row")
        seen.add(city)
        kind = row["boundary_kind"].strip()
        if kind not in BOUNDARY_KINDS:
            raise ValueError(f"{where}, field boundary_kind: {kind!r} not one of {BOUNDARY_KINDS}")
        if not row["boundary_type"].strip():
            raise ValueError(f"{where}, field boundary_type: empty")
        rel = _checked_number(row, "osm_relation_id", where, integer=True)
        radius = _checked_number(row, "radius_km", where)
        bbox = [
            _checked_number(row, f"bbox_{s}", where) for s in ("south", "west", "north", "east")
        ]
        if city not in centres:
            rejects.append(reject(path, i, "city_id", city, "city not in the city registry"))
            continue
        lat, lon = centres[city]
        if kind == "relation" and (rel is None or rel <= 0):
            raise ValueError(f"{where}, field osm_relation_id: a positive id is required")
        if kind == "radius":
            if radius is None or radius <= 0:
                raise ValueError(f"{where}, field radius_km: a positive radius is required")
            if lat is None or lon is None:
                rejects.append(
                    reject(
                        path,
                        i,
                        "city_id",
                        city,
                        "radius boundary but the registry has no coordinates",
                    )
                )
                continue
        if kind == "bbox":
            s, w, n, e = bbox
            if None in bbox or not (-90 <= s < n <= 90 and -180 <= w < e <= 180):
                raise ValueError(f"{where}, field bbox_*: need south < north and west < east")
        out.append(
            Boundary(
                city_id=city,
                kind=kind,
                boundary_type=row["boundary_type"].strip(),
                relation_id=int(rel) if rel is not None else None,
                lat=lat,
                lon=lon,
                radius_km=radius,
                south=bbox[0],
                west=bbox[1],
                north=bbox[2],
                east=bbox[3],
            )
        )
    for city in centres:
        if city not in seen:
            rejects.append(reject(path, 0, "city_id", city, "registry city has no boundary row"))
    return out, rejects_frame(rejects)


def _pick(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    """The first of `names` that is a column of `df` (registries name coordinates differently)."""
    return next((n for n in names if n in df.columns), None)


def _checked_number(
    row: dict[str, str], field: str, where: str, integer: bool = False
) -> float | int | None:
    """An optional numeric cell; a cell that is not a number raises ValueError naming it."""
    text = (row.get(field) or "").strip()
    if not text:
        return None
    pattern = r"\d+" if integer else r"-?\d+(\.\d+)?"
    if not re.fullmatch(pattern, text):
        raise ValueError(f"{where}, field {field}: {text!r} is not a number")
    return int(text) if integer else float(text)

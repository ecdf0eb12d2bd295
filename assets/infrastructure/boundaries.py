"""Where each city is measured in OSM: the standard rings, plus its administrative polygon.

Every registry city with coordinates gets the same two measurement areas, `ring_5km` and
`ring_10km`: geodesic discs around the registry centre (data/reference/cities.csv lat/lon).
data/reference/city_boundaries.csv adds, where one is held, the city's administrative unit:

* `admin_source = geoboundaries_adm2`: polygons of a bundled geoBoundaries file (`admin_file`
  under data/sources/infrastructure), `admin_ref` their `shapeID`s (`;`-separated, unioned),
  `expected_name` their `shapeName`s in the same order (checked: a wrong id fails loudly);
  measurement area id `admin_adm2:<shapeID>[+<shapeID>...]`;
* `admin_source = osm_relation`: an OSM boundary relation id (`admin_ref`), used in live mode
  only once the answer's `name`/`name:en` is one of `expected_name` (`|`-separated) and its
  `admin_level` is `expected_admin_level`; measurement area id `osm_relation:<id>`;
* `admin_source = none`: rings only.

`population_unit_id` links the admin unit to the population unit of the same extent (a census
unit id of staging.measures), so per-resident values are computed within one unit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import shapely
from shapely.geometry import shape

from assets.infrastructure.geometry import area_km2, ring_polygon
from assets.infrastructure.osm_model import MeasurementArea, RelationCandidate
from pipelines.framework.csv_text import to_number
from pipelines.framework.rejects import reject, rejects_frame

BOUNDARY_COLUMNS = [
    "city_id",
    "admin_source",
    "admin_file",
    "admin_ref",
    "expected_name",
    "expected_admin_level",
    "boundary_type",
    "population_unit_id",
    "notes",
]
ADMIN_SOURCES = ("none", "geoboundaries_adm2", "osm_relation")
RING_RADII_KM = (5.0, 10.0)  # the standard measurement areas: the same for every city


def ring_area(city_id: str, lat: float, lon: float, radius_km: float) -> MeasurementArea:
    """The standard ring `ring_<r>km` of a city."""
    name = f"ring_{radius_km:g}km"
    return MeasurementArea(
        city_id=city_id,
        area_id=name,
        boundary_type=name,
        definition=(
            f"disc of {radius_km:g} km radius around the registry centre ({lat:.5f}, "
            f"{lon:.5f}): 256-vertex geodesic polygon (WGS84), land and water alike (same "
            "definition for every city)"
        ),
        lat=lat,
        lon=lon,
        geometry=ring_polygon(lat, lon, radius_km),
        radius_km=radius_km,
    )


@dataclass(frozen=True)
class CityAreas:
    """The measurement areas of one city and the population unit its admin area is linked to."""

    city_id: str
    areas: tuple[MeasurementArea, ...]
    population_unit_id: str | None = None
    row: int = 0  # its row in city_boundaries.csv (for rejects)


def load_city_boundaries(
    path: str | Path, cities_df: pd.DataFrame, polygon_dir: str | Path | None = None
) -> tuple[list[CityAreas], pd.DataFrame]:
    """Read data/reference/city_boundaries.csv and build every city's measurement areas.

    `polygon_dir` holds the `admin_file`s (default: data/sources/infrastructure beside the
    reference folder). Returns (cities, rejects). A malformed row (unknown source, bad id, a
    shapeID not in its file or of another name, duplicate city) raises ValueError naming the
    file, row and field. A city missing from the registry, a registry city without coordinates
    and a registry city without a row are rejects.
    """
    path = Path(path)
    folder = Path(polygon_dir) if polygon_dir else path.parent.parent / "sources" / "infrastructure"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in BOUNDARY_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    centres = {
        str(r["city_id"]): (to_number(r.get("lat")), to_number(r.get("lon")))
        for r in cities_df.to_dict("records")
    }
    out: list[CityAreas] = []
    rejects: list[dict[str, Any]] = []
    seen: set[str] = set()
    polygon_files: dict[Path, dict[str, dict[str, Any]]] = {}
    for i, row in enumerate(df.to_dict("records"), start=2):
        row = {k: (v or "").strip() for k, v in row.items()}
        city = row["city_id"]
        where = f"{path} row {i} (city {city!r})"
        if city in seen:
            raise ValueError(f"{where}, field city_id: duplicate boundary row")
        seen.add(city)
        source = row["admin_source"]
        if source not in ADMIN_SOURCES:
            raise ValueError(f"{where}, field admin_source: {source!r} not one of {ADMIN_SOURCES}")
        if source != "none" and not row["boundary_type"]:
            raise ValueError(f"{where}, field boundary_type: empty for an admin area")
        admin = None
        if source == "geoboundaries_adm2":
            admin = _geoboundaries_area(row, where, folder, polygon_files)
        elif source == "osm_relation":
            admin = _relation_area(row, where)
        if city not in centres:
            rejects.append(reject(path, i, "city_id", city, "city not in the city registry"))
            continue
        lat, lon = centres[city]
        if lat is None or lon is None:
            rejects.append(reject(path, i, "city_id", city, "registry city has no coordinates"))
            continue
        areas = [ring_area(city, lat, lon, r) for r in RING_RADII_KM]
        if admin is not None:
            areas.append(MeasurementArea(city_id=city, lat=lat, lon=lon, **admin))
        out.append(CityAreas(city, tuple(areas), row["population_unit_id"] or None, i))
    for city in centres:
        if city not in seen:
            rejects.append(reject(path, 0, "city_id", city, "registry city has no boundary row"))
    return out, rejects_frame(rejects)


def _geoboundaries_area(
    row: dict[str, str], where: str, folder: Path, cache: dict[Path, dict[str, dict[str, Any]]]
) -> dict[str, Any]:
    ids = [s.strip() for s in row["admin_ref"].split(";") if s.strip()]
    names = [s.strip() for s in row["expected_name"].split("|")]
    if not ids or not all(re.fullmatch(r"[A-Za-z0-9]+", s) for s in ids):
        raise ValueError(f"{where}, field admin_ref: {row['admin_ref']!r} is not a shapeID list")
    if len(names) != len(ids):
        raise ValueError(
            f"{where}, field expected_name: {len(names)} name(s) for {len(ids)} shapeID(s)"
        )
    file = folder / row["admin_file"]
    if file not in cache:
        cache[file] = _read_geojson(file)
    features = cache[file]
    parts = []
    for shape_id, name in zip(ids, names, strict=True):
        feature = features.get(shape_id)
        if feature is None:
            raise ValueError(f"{where}, field admin_ref: shapeID {shape_id} not in {file}")
        props = feature["properties"]
        if props.get("shapeName") != name or props.get("shapeType") != "ADM2":
            raise ValueError(
                f"{where}, field expected_name: shapeID {shape_id} in {file} is "
                f"{props.get('shapeType')} {props.get('shapeName')!r}, not ADM2 {name!r}"
            )
        parts.append(shapely.make_valid(shape(feature["geometry"])))
    geometry = shapely.union_all(parts)
    label = names[0] if len(names) == 1 else f"{len(names)} units: {', '.join(names)}"
    return {
        "area_id": "admin_adm2:" + "+".join(ids),
        "boundary_type": row["boundary_type"],
        "geometry": geometry,
        "definition": (
            f"administrative polygon: geoBoundaries {features[ids[0]]['properties']['shapeGroup']}"
            f" ADM2 {label} ({area_km2(geometry):.2f} km2, simplified edition; "
            f"data/sources/INFRASTRUCTURE_SOURCES.md)"
        ),
    }


def _relation_area(row: dict[str, str], where: str) -> dict[str, Any]:
    ref, level = row["admin_ref"], row["expected_admin_level"]
    if not re.fullmatch(r"[1-9]\d{0,10}", ref):
        raise ValueError(f"{where}, field admin_ref: {ref!r} is not an OSM relation id")
    names = tuple(n.strip() for n in row["expected_name"].split("|") if n.strip())
    if not names:
        raise ValueError(f"{where}, field expected_name: a relation needs its expected name")
    if not re.fullmatch(r"\d{1,2}", level):
        raise ValueError(
            f"{where}, field expected_admin_level: {level!r}; a relation is used only when its "
            "admin_level is confirmed, so the expected level is required"
        )
    candidate = RelationCandidate(int(ref), names, level)
    return {
        "area_id": f"osm_relation:{ref}",
        "boundary_type": row["boundary_type"],
        "geometry": None,  # known once the live answer confirmed the relation
        "relation": candidate,
        "definition": f"OSM boundary relation {ref} (to be confirmed: name, admin_level {level})",
    }


def _read_geojson(file: Path) -> dict[str, dict[str, Any]]:
    """shapeID -> feature of a geoBoundaries GeoJSON file; ValueError naming the file."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        features = {f["properties"]["shapeID"]: f for f in data["features"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{file}: not a readable geoBoundaries GeoJSON file ({exc})") from exc
    return features

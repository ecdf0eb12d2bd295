"""Infrastructure metrics per city: plain functions (no Dagster) that tests call directly.

Two OSM back-ends give one output frame (`OUTPUT_COLUMNS`):
* `measure_with_overpass` (live Overpass API, one query per city x metric);
* `measure_with_extract` (a local .osm.pbf / .osm file read with pyosmium).
Both turn OSM objects into `Feature`s and measure them with the same functions below, so the
same data give the same numbers. Bundled, published sources are mapped to the same frame:
GHSL UCDB 2015 / Boeing street-network indicators, MIMU hospitals (Myanmar), Brunei MOH
facilities, SDG 11.2.1 (360info / UN SDG database).

Measurement rules (identical in both back-ends):
* point metrics count nodes, ways and multipolygon relations matching the filter that have at
  least one vertex inside the boundary (Overpass `node/way/rel(around:...)` + `out count`
  selects objects that touch the boundary, so "any vertex inside" is the extract's equivalent;
  a way crossing the circle with no vertex inside, or a non-multipolygon relation, can differ);
* line metrics sum the length of way segments inside the boundary: great-circle (haversine)
  length of each segment times the fraction of it inside the circle / bbox (fraction from a
  local equirectangular projection); with an OSM-relation boundary (Overpass only) whole
  returned ways are summed;
* area metrics sum shoelace areas (equirectangular projection at the ring's mean latitude,
  outer minus inner rings) of closed ways and multipolygon relations whose outer-ring vertex
  mean lies inside the boundary (whole polygon counted, not clipped).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from assets.infrastructure.overpass_client import (
    BOUNDARY_KINDS,
    GEOMETRIES,
    Boundary,
    Feature,
    MetricSpec,
    OverpassClient,
    parse_tag_filter,
)
from assets.projects.parse import ISO2_TO_ISO3

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
OUTPUT_COLUMNS = [
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
REJECT_COLUMNS = ["source_uri", "row_number", "field", "value", "reason"]
CATALOGUE_COLUMNS = [
    "metric_id",
    "name",
    "osm_filter",
    "geometry",
    "unit",
    "aggregation",
    "focus_area_id",
    "notes",
]
UNIT_FOR_GEOMETRY = {"point": "count", "line": "km", "area": "km2"}
AGGREGATION_FOR_GEOMETRY = {"point": "count", "line": "sum_length", "area": "sum_area"}
FOCUS_AREAS = frozenset(
    {
        "civic_social",
        "health_wellbeing",
        "safety_security",
        "quality_environment",
        "built_infrastructure",
        "industry_innovation",
    }
)
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
Progress = Callable[[int, int | None, str], None]


def _no_progress(done: int, total: int | None, message: str) -> None:
    return None


def _empty_output() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c == "value" else "object") for c in OUTPUT_COLUMNS}
    )


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return _empty_output()
    df = pd.DataFrame(rows).reindex(columns=OUTPUT_COLUMNS)
    df["value"] = df["value"].astype("float64")
    return df


# ---------------------------------------------------------------------------------------------
# Catalogue and boundaries
# ---------------------------------------------------------------------------------------------
def load_metric_catalogue(path: str | Path) -> pd.DataFrame:
    """Read and validate data/catalogue/osm_metrics.csv; ValueError naming row and field."""
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
        if row["focus_area_id"].strip() not in FOCUS_AREAS:
            raise ValueError(
                f"{where}, field focus_area_id: {row['focus_area_id']!r} not one of "
                f"{sorted(FOCUS_AREAS)}"
            )
        if not row["name"].strip():
            raise ValueError(f"{where}, field name: empty")
        try:
            tag_filter = parse_tag_filter(row["osm_filter"], mid)
        except ValueError as exc:
            raise ValueError(f"{where}, field osm_filter: {exc}") from exc
        specs.append(MetricSpec(mid, geometry, UNIT_FOR_GEOMETRY[geometry], tag_filter))
    df = df.copy()
    df["spec"] = specs
    return df


def catalogue_specs(catalogue: pd.DataFrame | Sequence[MetricSpec]) -> list[MetricSpec]:
    if isinstance(catalogue, pd.DataFrame):
        return list(catalogue["spec"])
    return list(catalogue)


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
        str(r["city_id"]): (_num(r.get(lat_col)), _num(r.get(lon_col)))
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
            rejects.append(_reject(path, i, "city_id", city, "city not in the city registry"))
            continue
        lat, lon = centres[city]
        if kind == "relation" and (rel is None or rel <= 0):
            raise ValueError(f"{where}, field osm_relation_id: a positive id is required")
        if kind == "radius":
            if radius is None or radius <= 0:
                raise ValueError(f"{where}, field radius_km: a positive radius is required")
            if lat is None or lon is None:
                rejects.append(
                    _reject(
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
            rejects.append(_reject(path, 0, "city_id", city, "registry city has no boundary row"))
    return out, pd.DataFrame(rejects, columns=REJECT_COLUMNS)


def _pick(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    return next((n for n in names if n in df.columns), None)


def _num(value: Any) -> float | None:
    try:
        f = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def _checked_number(row: dict[str, str], field: str, where: str, integer: bool = False):
    text = (row.get(field) or "").strip()
    if not text:
        return None
    pattern = r"\d+" if integer else r"-?\d+(\.\d+)?"
    if not re.fullmatch(pattern, text):
        raise ValueError(f"{where}, field {field}: {text!r} is not a number")
    return int(text) if integer else float(text)


def _reject(path: Path, row: int, field: str, value: Any, reason: str) -> dict[str, Any]:
    return {
        "source_uri": str(path),
        "row_number": row,
        "field": field,
        "value": value,
        "reason": reason,
    }


# ---------------------------------------------------------------------------------------------
# Geometry (shared by both back-ends)
# ---------------------------------------------------------------------------------------------
def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def contains(b: Boundary, lon: float, lat: float) -> bool:
    if b.kind == "relation":
        return True  # Overpass already restricted the objects to the area
    if b.kind == "radius":
        return haversine_km(b.lon, b.lat, lon, lat) <= b.radius_km
    return b.south <= lat <= b.north and b.west <= lon <= b.east


def _fraction_inside(b: Boundary, p: tuple[float, float], q: tuple[float, float]) -> float:
    """Fraction of segment p-q inside the boundary (0..1)."""
    if b.kind == "relation":
        return 1.0
    if b.kind == "radius":
        k = math.radians(1) * EARTH_RADIUS_KM
        cos0 = math.cos(math.radians(b.lat))
        x0, y0 = (p[0] - b.lon) * k * cos0, (p[1] - b.lat) * k
        dx, dy = (q[0] - p[0]) * k * cos0, (q[1] - p[1]) * k
        a = dx * dx + dy * dy
        if a == 0:
            return 0.0
        bq, c = 2 * (x0 * dx + y0 * dy), x0 * x0 + y0 * y0 - b.radius_km**2
        disc = bq * bq - 4 * a * c
        if disc <= 0:
            return 0.0
        r = math.sqrt(disc)
        t0, t1 = max(0.0, (-bq - r) / (2 * a)), min(1.0, (-bq + r) / (2 * a))
        return max(0.0, t1 - t0)
    # Liang-Barsky clip against the bbox in lon/lat
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for pk, qk in (
        (-dx, p[0] - b.west),
        (dx, b.east - p[0]),
        (-dy, p[1] - b.south),
        (dy, b.north - p[1]),
    ):
        if pk == 0:
            if qk < 0:
                return 0.0
            continue
        t = qk / pk
        if pk < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    return max(0.0, t1 - t0)


def line_length_inside_km(b: Boundary, coords: Sequence[tuple[float, float]]) -> float:
    total = 0.0
    for p, q in zip(coords, coords[1:], strict=False):
        frac = _fraction_inside(b, p, q)
        if frac > 0:
            total += haversine_km(p[0], p[1], q[0], q[1]) * frac
    return total


def ring_area_km2(ring: Sequence[tuple[float, float]]) -> float:
    """Shoelace area on an equirectangular projection at the ring's mean latitude."""
    pts = list(ring[:-1]) if len(ring) > 1 and ring[0] == ring[-1] else list(ring)
    if len(pts) < 3:
        return 0.0
    lat_m = math.radians(sum(p[1] for p in pts) / len(pts))
    k = math.radians(1) * EARTH_RADIUS_KM
    lon0, lat0 = pts[0]  # coordinates relative to a vertex: avoids cancellation
    xy = [((p[0] - lon0) * k * math.cos(lat_m), (p[1] - lat0) * k) for p in pts]
    s = sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(xy, xy[1:] + xy[:1], strict=True))
    return abs(s) / 2


def _vertex_mean(rings: Sequence[Sequence[tuple[float, float]]]) -> tuple[float, float] | None:
    pts = [p for r in rings for p in (r[:-1] if len(r) > 1 and r[0] == r[-1] else r)]
    if not pts:
        return None
    return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)


def feature_value(feature: Feature, geometry: str, b: Boundary) -> float:
    """What one OSM object contributes to a metric inside a boundary."""
    if geometry == "point":
        return 1.0 if any(contains(b, lon, lat) for lon, lat in feature.points()) else 0.0
    if geometry == "line":
        return line_length_inside_km(b, feature.line) if feature.osm_type == "way" else 0.0
    if not feature.outer:
        return 0.0
    centre = _vertex_mean(feature.outer)
    if centre is None or not contains(b, *centre):
        return 0.0
    area = sum(ring_area_km2(r) for r in feature.outer) - sum(
        ring_area_km2(r) for r in feature.inner
    )
    return max(0.0, area)


def _bounds(b: Boundary) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) envelope for a cheap pre-filter; None = no envelope."""
    if b.kind == "bbox":
        return b.south, b.west, b.north, b.east
    if b.kind == "radius":
        dlat = math.degrees(b.radius_km / EARTH_RADIUS_KM) * 1.01
        dlon = dlat / max(0.01, math.cos(math.radians(min(89.0, abs(b.lat) + dlat))))
        return b.lat - dlat, b.lon - dlon, b.lat + dlat, b.lon + dlon
    return None


# ---------------------------------------------------------------------------------------------
# Back-end 1: Overpass
# ---------------------------------------------------------------------------------------------
def measure_with_overpass(
    client: OverpassClient,
    boundaries: Iterable[Boundary],
    catalogue: pd.DataFrame | Sequence[MetricSpec],
    progress: Progress = _no_progress,
) -> pd.DataFrame:
    """One Overpass query per (city, metric), sequentially. SourceError propagates."""
    specs = catalogue_specs(catalogue)
    bounds = list(boundaries)
    total = len(bounds) * len(specs)
    rows, done = [], 0
    for b in bounds:
        for m in specs:
            result = client.run(b, m)
            if m.geometry == "point":
                value = float(result.count or 0)
            else:
                value = sum(feature_value(f, m.geometry, b) for f in result.features)
            rows.append(
                _row(
                    b,
                    m,
                    value,
                    result.osm_timestamp or "unknown",
                    "osm_overpass",
                    client.url,
                    f"Overpass QL: {' '.join(result.query.split())}",
                )
            )
            done += 1
            progress(done, total, f"overpass {b.city_id} {m.metric_id} = {value:g} {m.unit}")
    return _frame(rows)


def _row(
    b: Boundary, m: MetricSpec, value: float, ts: str, source_id: str, uri: str, notes: str
) -> dict[str, Any]:
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


# ---------------------------------------------------------------------------------------------
# Back-end 2: local OSM extract (pyosmium)
# ---------------------------------------------------------------------------------------------
def measure_with_extract(
    pbf_path: str | Path,
    boundaries: Iterable[Boundary],
    catalogue: pd.DataFrame | Sequence[MetricSpec],
    progress: Progress = _no_progress,
    progress_every: int = 1_000_000,
) -> pd.DataFrame:
    """Read an .osm.pbf (or .osm XML) once and measure every (city, metric) pair.

    A missing, empty or corrupt file raises ValueError naming the file. Relation-only
    boundaries are skipped (no polygon here) and reported through `progress`.
    """
    import osmium  # local import: only this back-end needs libosmium

    path = Path(pbf_path)
    if not path.is_file():
        raise ValueError(f"OSM extract {path}: file not found")
    if path.stat().st_size == 0:
        raise ValueError(f"OSM extract {path}: file is empty")
    specs = catalogue_specs(catalogue)
    usable: list[tuple[Boundary, tuple[float, float, float, float]]] = []
    for b in boundaries:
        env = _bounds(b)
        if env is None:
            progress(0, None, f"extract: skipped {b.city_id}: relation boundary needs Overpass")
        else:
            usable.append((b, env))
    keys = frozenset().union(*(m.tag_filter.keys for m in specs)) if specs else frozenset()
    sums = {(b.city_id, m.metric_id): 0.0 for b, _ in usable for m in specs}
    seen_objects, latest = 0, None
    try:
        processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
        header_ts = processor.header.get("osmosis_replication_timestamp", "") or None
        for obj in processor:
            seen_objects += 1
            if seen_objects % progress_every == 0:
                progress(seen_objects, None, f"extract: {seen_objects:,} objects read from {path}")
            ts = obj.timestamp
            if ts is not None and ts.year > 1970 and (latest is None or ts > latest):
                latest = ts
            tags = obj.tags
            if not any(k in tags for k in keys):
                continue
            feature = _feature_from_osmium(obj)
            if feature is None:
                continue
            tag_dict = {t.k: t.v for t in tags}
            matched = [m for m in specs if m.tag_filter.matches(tag_dict)]
            if not matched:
                continue
            pts = feature.points()
            if not pts:
                continue
            fs, fw = min(p[1] for p in pts), min(p[0] for p in pts)
            fn, fe = max(p[1] for p in pts), max(p[0] for p in pts)
            for b, (s, w, n, e) in usable:
                if fn < s or fs > n or fe < w or fw > e:
                    continue
                for m in matched:
                    sums[(b.city_id, m.metric_id)] += feature_value(feature, m.geometry, b)
    except RuntimeError as exc:  # libosmium reports unreadable input as RuntimeError
        raise ValueError(f"OSM extract {path}: cannot be read as OSM data ({exc})") from exc
    if seen_objects == 0:
        raise ValueError(f"OSM extract {path}: contains no OSM objects")
    progress(seen_objects, seen_objects, f"extract: done, {seen_objects:,} objects from {path}")
    if header_ts:
        vintage = header_ts
    elif latest is not None:
        vintage = latest.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        vintage = "unknown"
    note = "OSM extract read with pyosmium; vintage = " + (
        "header osmosis_replication_timestamp"
        if header_ts
        else "newest object timestamp in the file"
        if latest is not None
        else "unknown (no header timestamp, no object timestamps)"
    )
    rows = [
        _row(
            b,
            m,
            sums[(b.city_id, m.metric_id)],
            vintage,
            "osm_extract",
            path.resolve().as_uri(),
            note,
        )
        for b, _ in usable
        for m in specs
    ]
    return _frame(rows)


def _feature_from_osmium(obj: Any) -> Feature | None:
    try:
        if obj.is_node():
            loc = obj.location
            return Feature("node", obj.id, line=[(loc.lon, loc.lat)]) if loc.valid() else None
        if obj.is_way():
            pts = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
            f = Feature("way", obj.id, line=pts)
            if obj.is_closed() and len(pts) >= 4:
                f.outer = [pts]
            return f
        if obj.is_area() and not obj.from_way():
            outer, inner = [], []
            for ring in obj.outer_rings():
                outer.append([(n.lon, n.lat) for n in ring])
                inner.extend([(n.lon, n.lat) for n in r] for r in obj.inner_rings(ring))
            return Feature("relation", obj.orig_id(), outer=outer, inner=inner)
    except Exception as exc:  # osmium.InvalidLocationError and friends: skip the object
        if type(exc).__name__ == "InvalidLocationError":
            return None
        raise
    return None  # relations themselves (their geometry arrives as an area) and way-areas


# ---------------------------------------------------------------------------------------------
# Bundled published sources
# ---------------------------------------------------------------------------------------------
GHSL_METRICS: list[tuple[str, str, str, str, str]] = [
    # (source column, metric_id, unit, reference period, note)
    (
        "intersect_count",
        "street_intersections",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of (undirected) edge intersections (Boeing metadata)",
    ),
    (
        "intersect_count_clean",
        "street_intersections_clean",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of street intersections after merging nodes within 10 m (Boeing metadata)",
    ),
    (
        "m",
        "street_segments",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of streets (undirected edges) (Boeing metadata column m)",
    ),
    (
        "n",
        "street_nodes",
        "count",
        "OSM, downloaded before 2020-05-20",
        "Count of nodes (Boeing metadata column n)",
    ),
    (
        "length_mean",
        "street_segment_length_mean",
        "m",
        "OSM, downloaded before 2020-05-20",
        "Mean street segment length, metres (Boeing metadata)",
    ),
    ("area", "uc_area", "km2", "2015", "Area within urban centre boundary polygon (GHS AREA)"),
    ("built_up_area", "uc_built_up_area", "km2", "2015", "Built-up surface area 2015 (GHS B15)"),
    (
        "resident_pop",
        "uc_resident_population",
        "persons",
        "2015",
        "Total resident population 2015 (GHS P15)",
    ),
    (
        "pm25_concentration",
        "pm25_concentration",
        "ug/m3",
        "2014",
        "PM2.5 concentration 2014 (GBD, via UCDB E_CPM2_T14)",
    ),
    (
        "land_use_efficiency",
        "land_use_efficiency",
        "ratio",
        "1990-2015",
        "Land use efficiency 1990-2015 (Melchiorri; UCDB SDG_LUE9015)",
    ),
    (
        "pct_open_space",
        "pct_open_space",
        "percent",
        "2015",
        "Percent open space (JRC; UCDB SDG_OS15MX)",
    ),
    (
        "transport_co2_em_fossil",
        "transport_co2_emissions_fossil",
        "t/yr",
        "2015",
        "Transport CO2 from non-short-cycle-organic fuels 2015, 10^3 kg/yr = t/yr (Crippa; EDGAR)",
    ),
    (
        "transport_co2_em_bio",
        "transport_co2_emissions_bio",
        "t/yr",
        "2015",
        "Transport CO2 from short-cycle-organic fuels 2015, 10^3 kg/yr = t/yr (Crippa; EDGAR)",
    ),
    (
        "transport_pm25_em",
        "transport_pm25_emissions",
        "t/yr",
        "2015",
        "Transport PM2.5 emissions 2015, 10^3 kg/yr = t/yr (Crippa; EDGAR)",
    ),
]
GHSL_VINTAGE_NOTE = (
    "GHS-UCDB 2015 R2019A v1.2 attributes (EC JRC) merged with G. Boeing street-network "
    "indicators, gboeing/street-network-models commit 6bc56bf (2020-05-20); OSM download date "
    "not stated in the stored file"
)


def city_id_for(name: str, iso3: str, cities_df: pd.DataFrame | None = None) -> str | None:
    """Registry city_id for an ASCN city name; None if the registry does not have it."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    guess = f"{iso3.strip().lower()}-{slug}"
    if cities_df is None or cities_df.empty:
        return guess
    if "name" in cities_df.columns:
        mask = cities_df["name"].astype(str).str.lower() == name.strip().lower()
        if "country_iso3" in cities_df.columns:
            mask &= cities_df["country_iso3"].astype(str).str.upper() == iso3.upper()
        hit = cities_df[mask]
        if len(hit) == 1:
            return str(hit.iloc[0]["city_id"])
    return guess if guess in set(cities_df["city_id"]) else None


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def read_bundled_street_network(
    ghsl_csv: str | Path, cities_df: pd.DataFrame, metadata_csv: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """GHSL UCDB 2015 / Boeing street-network CSV -> (metric rows, rejects).

    Street length km is DERIVED as m (undirected edges) x length_mean (m) / 1000, because the
    metadata defines m as the count of undirected edges and length_mean as their mean length
    in metres; it is only derived when the metadata defines both columns so.
    """
    path = Path(ghsl_csv)
    meta_path = Path(metadata_csv) if metadata_csv else _metadata_path(path)
    meta = {r["indicator"]: r["description"] for r in _csv_rows(meta_path)}
    derive_length = "undirected edges" in meta.get("m", "") and "length, meters" in meta.get(
        "length_mean", ""
    )
    rows, rejects = [], []
    for i, rec in enumerate(_csv_rows(path), start=2):
        city = city_id_for(rec["ascn_city"], rec["ascn_country_iso3"], cities_df)
        if city is None:
            rejects.append(_reject(path, i, "ascn_city", rec["ascn_city"], "not in city registry"))
            continue
        ref = f"GHSL urban centre {rec['uc_id']} ({rec['uc_names']})"

        def add(metric, value, unit, period, note, _city=city, _ref=ref):
            rows.append(
                {
                    "city_id": _city,
                    "metric_id": metric,
                    "value": value,
                    "unit": unit,
                    "boundary_type": "urban_centre",
                    "boundary_ref": _ref,
                    "osm_timestamp": "unknown",
                    "source_id": "ghsl_ucdb2015",
                    "source_uri": str(path),
                    "reference_period": period,
                    "notes": f"{note}; {GHSL_VINTAGE_NOTE}",
                }
            )

        for col, metric, unit, period, note in GHSL_METRICS:
            if col not in rec or col not in meta:
                continue
            text = (rec[col] or "").strip()
            if not text:
                continue  # missing stays missing
            value = _num(text)
            if value is None:
                rejects.append(_reject(path, i, col, text, "not a number"))
                continue
            add(metric, value, unit, period, note)
        m, lm = _num(rec.get("m")), _num(rec.get("length_mean"))
        if derive_length and m is not None and lm is not None:
            add(
                "street_length_total",
                m * lm / 1000,
                "km",
                "OSM, downloaded before 2020-05-20",
                "DERIVED: m (count of undirected edges) x length_mean (mean street segment "
                "length, m) / 1000, both as defined in the Boeing metadata",
            )
    return _frame(rows), pd.DataFrame(rejects, columns=REJECT_COLUMNS)


def _metadata_path(path: Path) -> Path:
    candidates = [
        path.with_name(path.name.replace("_ascn.csv", "_metadata.csv")),
        path.with_name(path.stem + "_metadata.csv"),
    ]
    for c in candidates:
        if c.is_file():
            return c
    raise ValueError(f"{path}: metadata CSV not found next to it (tried {candidates})")


MIMU_BOUNDARY_TYPES = {
    "region": "province",
    "district": "district",
    "union territory": "union_territory",
}


def read_bundled_facilities(
    mimu_csv: str | Path, brn_csv: str | Path, cities_df: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """MIMU public hospitals (Myanmar, 2020) and Brunei MOH facilities -> (metric rows, rejects).

    MIMU: per ASCN city, count of public hospitals and the sum of numeric `bedClass` values
    (a bed-count class as published, not a census of beds; "NA" rows are left out and counted
    in the notes). The match level (Yangon Region, Mandalay District, Nay Pyi Taw union
    territory) becomes the boundary. Brunei: hospitals and health centres in Brunei-Muara
    district (which contains Bandar Seri Begawan).
    """
    rows, rejects = [], []
    mimu = Path(mimu_csv)
    groups: dict[tuple[str, str], list[tuple[int, dict[str, str]]]] = {}
    for i, rec in enumerate(_csv_rows(mimu), start=2):
        if (rec.get("ascn_city") or "").strip():
            groups.setdefault(
                (rec["ascn_city"].strip(), rec["ascn_match_level"].strip()), []
            ).append((i, rec))
    for (name, level), recs in groups.items():
        city = city_id_for(name, "MMR", cities_df)
        if city is None:
            rejects.append(_reject(mimu, recs[0][0], "ascn_city", name, "not in city registry"))
            continue
        kind = next((v for k, v in MIMU_BOUNDARY_TYPES.items() if level.startswith(k)), "other")
        beds = [_num(r["bedClass"]) for _, r in recs]
        numeric = [b for b in beds if b is not None]
        base = {
            "city_id": city,
            "unit": "count",
            "boundary_type": kind,
            "boundary_ref": level,
            "osm_timestamp": None,
            "source_id": "mimu_health_facilities_2020",
            "source_uri": str(mimu),
            "reference_period": "2020",
        }
        rows.append(
            {
                **base,
                "metric_id": "public_hospitals",
                "value": float(len(recs)),
                "notes": "Public hospitals listed by MIMU (2020, v20241016); no clinics, no "
                "private hospitals",
            }
        )
        rows.append(
            {
                **base,
                "metric_id": "public_hospital_bed_class_sum",
                "unit": "beds",
                "value": float(sum(numeric)),
                "notes": f"Sum of numeric bedClass (bed-count class as published) over "
                f"{len(numeric)} of {len(recs)} hospitals; "
                f"{len(recs) - len(numeric)} with non-numeric bedClass left out",
            }
        )
    brn = Path(brn_csv)
    counts: dict[tuple[str, str, str], int] = {}
    for i, rec in enumerate(_csv_rows(brn), start=2):
        name = (rec.get("ascn_city") or "").strip()
        if not name:
            continue
        city = city_id_for(name, "BRN", cities_df)
        if city is None:
            rejects.append(_reject(brn, i, "ascn_city", name, "not in city registry"))
            continue
        ftype = (rec.get("facility_type") or "").strip()  # some values carry a trailing tab
        metric = {"Hospital": "public_hospitals", "Health Centre": "public_health_centres"}.get(
            ftype
        )
        if metric is None or (rec.get("public_or_private") or "").strip() != "Public":
            rejects.append(
                _reject(brn, i, "facility_type", ftype, "not a public hospital or health centre")
            )
            continue
        key = (city, metric, f"{rec['district'].strip()} District")
        counts[key] = counts.get(key, 0) + 1
    for (city, metric, district), n in sorted(counts.items()):
        rows.append(
            {
                "city_id": city,
                "metric_id": metric,
                "value": float(n),
                "unit": "count",
                "boundary_type": "district",
                "boundary_ref": district,
                "osm_timestamp": None,
                "source_id": "brn_moh_facilities",
                "source_uri": str(brn),
                "reference_period": "as listed 2024-12 (bruneimap commit 2024-12-19)",
                "notes": "Ministry of Health facility list via bruneimap; district contains "
                "the capital, so this is not the municipality",
            }
        )
    return _frame(rows), pd.DataFrame(rejects, columns=REJECT_COLUMNS)


def read_sdg_11_2_1(path: str | Path, cities_df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SDG 11.2.1 share of population with convenient access to public transport, per city-year.

    Vientiane has two UN rows ("Vientiane" and "Viengchan") with different values; the source
    does not say which delineation each is, so both are kept, told apart by boundary_ref (the UN
    city name); an indicator must pick one explicitly.
    """
    path = Path(path)
    rows, rejects = [], []
    city_rows: dict[str, int] = {}
    recs = [
        (i, r) for i, r in enumerate(_csv_rows(path), start=2) if (r.get("ascn_city") or "").strip()
    ]
    for _, rec in recs:
        city_rows[rec["ascn_city"]] = city_rows.get(rec["ascn_city"], 0) + 1
    for i, rec in recs:
        iso3 = ISO2_TO_ISO3.get(rec["country_iso2"].strip())
        city = city_id_for(rec["ascn_city"].strip(), iso3 or "", cities_df) if iso3 else None
        if city is None:
            rejects.append(_reject(path, i, "ascn_city", rec["ascn_city"], "not in city registry"))
            continue
        value = _num(rec.get("pct_pt_access"))
        if value is None:
            rejects.append(
                _reject(path, i, "pct_pt_access", rec.get("pct_pt_access"), "not a number")
            )
            continue
        note = (
            "UN SDG Global Database series SP_TRN_PUBL via 360info (CC BY 4.0); UN city "
            "delineation (urban extent), not the administrative boundary"
        )
        if city_rows[rec["ascn_city"]] > 1:
            note += (
                f"; the source has {city_rows[rec['ascn_city']]} UN rows for this city "
                "with different values, kept separately by boundary_ref: choose one"
            )
        rows.append(
            {
                "city_id": city,
                "metric_id": "pct_pt_access",
                "value": value,
                "unit": "percent",
                "boundary_type": "urban_extent",
                "boundary_ref": f"UN SDG city {rec['city'].strip()!r}",
                "osm_timestamp": None,
                "source_id": "unsd_sdg_11_2_1",
                "source_uri": str(path),
                "reference_period": rec["year"].strip(),
                "notes": note,
            }
        )
    return _frame(rows), pd.DataFrame(rejects, columns=REJECT_COLUMNS)

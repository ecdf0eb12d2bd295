"""Plain geometry on (lon, lat) coordinates: distances, containment, clipping and ring areas.

No assets and no I/O: both OSM back-ends measure their `Feature`s with these functions, so the
same data give the same numbers. The measurement rules:

* point metrics count objects with at least one vertex inside the boundary (Overpass
  `(around:...)` + `out count` selects objects that touch the boundary, so "any vertex inside"
  is the extract's equivalent; a way crossing the circle with no vertex inside can differ);
* line metrics sum the great-circle (haversine) length of each way segment times the fraction
  of it inside the circle / bbox (fraction from a local equirectangular projection); with an
  OSM-relation boundary (Overpass only) whole returned ways are summed;
* area metrics sum shoelace areas (equirectangular projection at the ring's mean latitude,
  outer minus inner rings) of closed ways and multipolygon relations whose outer-ring vertex
  mean lies inside the boundary (whole polygon counted, not clipped).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from assets.infrastructure.osm_model import Boundary, Feature

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two (lon, lat) points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def contains(b: Boundary, lon: float, lat: float) -> bool:
    """Whether the point lies inside the boundary (edges count as inside)."""
    if b.kind == "relation":
        return True  # Overpass already restricted the objects to the area
    if b.kind == "radius":
        return haversine_km(b.lon, b.lat, lon, lat) <= b.radius_km
    return b.south <= lat <= b.north and b.west <= lon <= b.east


def fraction_inside(b: Boundary, p: tuple[float, float], q: tuple[float, float]) -> float:
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
    """Length in km of the part of a polyline inside the boundary."""
    total = 0.0
    for p, q in zip(coords, coords[1:], strict=False):
        frac = fraction_inside(b, p, q)
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


def vertex_mean(rings: Sequence[Sequence[tuple[float, float]]]) -> tuple[float, float] | None:
    """Mean of the ring vertices (closing vertex not repeated); None without vertices."""
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
    centre = vertex_mean(feature.outer)
    if centre is None or not contains(b, *centre):
        return 0.0
    area = sum(ring_area_km2(r) for r in feature.outer) - sum(
        ring_area_km2(r) for r in feature.inner
    )
    return max(0.0, area)


def envelope(b: Boundary) -> tuple[float, float, float, float] | None:
    """(south, west, north, east) envelope for a cheap pre-filter; None = no envelope."""
    if b.kind == "bbox":
        return b.south, b.west, b.north, b.east
    if b.kind == "radius":
        dlat = math.degrees(b.radius_km / EARTH_RADIUS_KM) * 1.01
        dlon = dlat / max(0.01, math.cos(math.radians(min(89.0, abs(b.lat) + dlat))))
        return b.lat - dlat, b.lon - dlon, b.lat + dlat, b.lon + dlon
    return None

"""Geometry of the OSM measurement, on shapely and pyproj (no hand-written clipping or areas).

Coordinates are (lon, lat) degrees (WGS84) throughout. Distances, lengths and areas are
geodesic on the WGS84 ellipsoid through `pyproj.Geod` (GeographicLib): no projection, so no
projection distortion, and the same for every city. (The hand-written code this replaces used
a sphere: lengths and areas now differ from it by up to about 0.5 % at ASEAN latitudes.)

* A ring (`ring_polygon`) is a geodesic disc: 256 vertices at exactly `radius_km` from the
  centre (`Geod.fwd`), joined by straight edges in lon/lat. Its area is 99.99 % of pi r^2 (the
  inscribed 256-gon), 78.532 km2 for 5 km.
* Clipping is shapely's intersection in lon/lat (straight OSM segments stay straight), then the
  geodesic length or area of what is inside (`length_km`, `area_km2`).
* The measurement rules built on these (assets/infrastructure/measure.py): points count
  objects that touch the area (a node inside it, a way or polygon that intersects it:
  Overpass's spatial filters select the same); lines sum the length of each way inside the
  area (a dual carriageway mapped as two ways counts twice); areas take the union of every
  polygon (overlaps dissolved) intersected with the area.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

GEOD = Geod(ellps="WGS84")
RING_VERTICES = 256

Coords = Sequence[tuple[float, float]]


def ring_polygon(
    lat: float, lon: float, radius_km: float, vertices: int = RING_VERTICES
) -> Polygon:
    """The disc of `radius_km` around (lat, lon): `vertices` points at exactly that distance.

    Azimuths start due north, so the points due N, E, S and W of the centre are vertices.
    """
    if radius_km <= 0:
        raise ValueError(f"ring radius must be positive, got {radius_km!r} km")
    azimuths = np.arange(vertices) * (360.0 / vertices)
    lons, lats, _ = GEOD.fwd(
        np.full(vertices, lon), np.full(vertices, lat), azimuths, np.full(vertices, radius_km * 1e3)
    )
    return Polygon(zip(lons, lats, strict=True))


def area_km2(geom: BaseGeometry) -> float:
    """Geodesic area of the polygons in `geom` (lines and points have none)."""
    if geom.is_empty:
        return 0.0
    return abs(GEOD.geometry_area_perimeter(geom)[0]) / 1e6


def length_km(geom: BaseGeometry) -> float:
    """Geodesic length of the lines in `geom` (a polygon's boundary does not count)."""
    lines = [g for g in _parts(geom) if g.geom_type in ("LineString", "LinearRing")]
    return sum(GEOD.geometry_length(g) for g in lines) / 1e3


def lengths_km(geoms: Sequence[BaseGeometry] | np.ndarray) -> list[float]:
    """`length_km` of each geometry, bit for bit, computed for all at once: every line part's
    coordinates in one array, every segment's geodesic length in one `Geod.line_lengths` call
    (the same GeographicLib inverse `line_length` sums), each part's segments summed in order
    from 0 (`np.cumsum`, as `line_length` does), the parts of a geometry with `sum`."""
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    while len(parts) and np.isin(shapely.get_type_id(parts), (4, 5, 6, 7)).any():
        parts, idx = shapely.get_parts(parts, return_index=True)  # nested collections
        owner = owner[idx]
    lines = np.isin(shapely.get_type_id(parts), (1, 2)) & ~shapely.is_empty(parts)
    parts, owner = parts[lines], owner[lines]
    totals: list[list[float]] = [[] for _ in range(n)]
    if len(parts):
        xy, at = shapely.get_coordinates(parts, return_index=True)
        seg = GEOD.line_lengths(xy[:, 0], xy[:, 1])  # seg[i]: point i to point i + 1
        ends = np.flatnonzero(np.diff(at)) + 1  # first point of each part but the first
        starts = np.concatenate(([0], ends))
        stops = np.concatenate((ends, [len(at)]))
        for k, a, b in zip(owner, starts, stops, strict=True):
            totals[k].append(float(np.cumsum(seg[a : b - 1])[-1]) if b - a > 1 else 0.0)
    return [sum(t) / 1e3 for t in totals]


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    if geom.is_empty:
        return []
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _parts(g)]
    return [geom]


# ---------------------------------------------------------------------------------------------
# OSM objects -> geometries
# ---------------------------------------------------------------------------------------------
def point(lon: float, lat: float) -> Point:
    return Point(lon, lat)


def line(coords: Coords) -> LineString | Point | None:
    """A way's polyline (a single-node way is a point; no node: None)."""
    pts = list(coords)
    if not pts:
        return None
    if len(pts) == 1:
        return Point(pts[0])
    return LineString(pts)


def closed_way_polygon(coords: Coords) -> Polygon | None:
    """A closed way as a polygon (None when it is not closed or has fewer than 3 corners)."""
    pts = list(coords)
    if len(pts) < 4 or pts[0] != pts[-1]:
        return None
    return _valid(Polygon(pts))


def rings_polygon(
    outer_rings: Sequence[Coords], inner_rings: Sequence[Coords]
) -> BaseGeometry | None:
    """A multipolygon from closed outer and inner rings (inner rings are holes)."""
    outers = [shapely.make_valid(Polygon(r)) for r in outer_rings if len(r) >= 4]
    if not outers:
        return None
    shape = shapely.union_all(outers)
    inners = [shapely.make_valid(Polygon(r)) for r in inner_rings if len(r) >= 4]
    if inners:
        shape = shape.difference(shapely.union_all(inners))
    return None if shape.is_empty else shape


def polygon_from_member_lines(lines: Sequence[Coords]) -> BaseGeometry | None:
    """A multipolygon relation's area from its member ways, joined end to end (GEOS BuildArea:
    rings inside rings become holes, whatever the members' roles)."""
    parts = [LineString(c) for c in lines if len(c) >= 2]
    if not parts:
        return None
    shape = shapely.build_area(shapely.union_all(parts))
    return None if shape.is_empty else _valid(shape)


def _valid(geom: BaseGeometry) -> BaseGeometry | None:
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        polys = [g for g in _parts(geom) if g.geom_type == "Polygon"]
        geom = MultiPolygon(polys) if len(polys) > 1 else (polys[0] if polys else geom)
    return None if geom.is_empty else geom


def bounds_overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Whether two (minx, miny, maxx, maxy) boxes overlap (a cheap pre-filter)."""
    return not (a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1])


def bounds_overlap_many(bounds: np.ndarray, box: tuple[float, ...]) -> np.ndarray:
    """`bounds_overlap` of every row of an (n, 4) array of boxes (`shapely.bounds`) with `box`
    (a NaN row, an empty geometry's, counts as overlapping, as in `bounds_overlap`)."""
    return ~(
        (bounds[:, 2] < box[0])
        | (box[2] < bounds[:, 0])
        | (bounds[:, 3] < box[1])
        | (box[3] < bounds[:, 1])
    )


_LINESTRING_WKB = bytes([1, 2, 0, 0, 0])  # little-endian, 2D LineString


def wkb_line_bounds(hexes: Sequence[str]) -> np.ndarray:
    """`shapely.bounds` of WKB LineStrings given as hex (libosmium's `WKBFactory`), read from
    the coordinates with numpy, without building geometries: an (n, 4) array (minx, miny,
    maxx, maxy). Anything other than a little-endian 2D LineString of 2+ points goes through
    shapely."""
    n = len(hexes)
    sizes = np.fromiter(map(len, hexes), dtype=np.int64, count=n) // 2
    if n == 0 or (sizes < 9 + 32).any():  # empty, or shorter than a 2-point line
        return shapely.bounds(shapely.from_wkb(list(hexes))).reshape(n, 4)
    raw = np.frombuffer(bytes.fromhex("".join(hexes)), dtype=np.uint8)
    starts = np.zeros(n, dtype=np.int64)
    np.cumsum(sizes[:-1], out=starts[1:])
    points = (sizes - 9) // 16
    header = raw[(starts[:, None] + np.arange(9)).ravel()].reshape(n, 9)
    simple = (
        ((sizes - 9) % 16 == 0)
        & (points >= 2)
        & (header[:, :5] == np.frombuffer(_LINESTRING_WKB, dtype=np.uint8)).all(axis=1)
        & (header[:, 5:].copy().view("<u4")[:, 0] == points)
    )
    if not simple.all():
        out = np.empty((n, 4))
        out[~simple] = shapely.bounds(
            shapely.from_wkb([h for h, ok in zip(hexes, simple, strict=True) if not ok])
        )
        if simple.any():
            out[simple] = wkb_line_bounds([h for h, ok in zip(hexes, simple, strict=True) if ok])
        return out
    body = np.ones(len(raw), dtype=bool)
    body[(starts[:, None] + np.arange(9)).ravel()] = False
    xy = raw[body].view("<f8").reshape(-1, 2)
    first = np.zeros(n, dtype=np.int64)
    np.cumsum(points[:-1], out=first[1:])
    return np.hstack(
        [np.minimum.reduceat(xy, first, axis=0), np.maximum.reduceat(xy, first, axis=0)]
    )

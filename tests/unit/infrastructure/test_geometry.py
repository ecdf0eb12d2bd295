"""Measurement areas and geometry (shapely + pyproj) on SYNTHETIC shapes, with expectations
worked out by hand.

Hand formulas used below (WGS84, tests/helpers/geodesy.py):
* the ring is a 256-gon inscribed in the circle of radius r: area = (n / 2) r^2 sin(2 pi / n)
  = 0.99990 pi r^2 (the curvature correction, about r^2 / (12 R^2) = 5e-8, is far below the
  tolerance);
* the equator is a geodesic: d degrees along it are a * d (radians) = 111.319 km per degree;
* meridian arcs and small lat/lon cells from the radii of curvature M and N.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from assets.infrastructure.boundaries import RING_RADII_KM, ring_area
from assets.infrastructure.geometry import (
    GEOD,
    area_km2,
    closed_way_polygon,
    length_km,
    lengths_km,
    polygon_from_member_lines,
    ring_polygon,
    rings_polygon,
    wkb_line_bounds,
)
from tests.helpers.geodesy import A_KM, cell_km2, m_radius_km, meridian_km

N = 256
EQ_KM_PER_DEG = A_KM * math.pi / 180  # along the equator


def inscribed_km2(r_km: float, n: int = N) -> float:
    return n / 2 * r_km**2 * math.sin(2 * math.pi / n)


@pytest.mark.parametrize("lat, lon", [(13.1, 103.2), (-6.2, 106.817), (21.0, 105.85), (0, 0)])
def test_rings_are_78_54_and_314_16_km2_for_every_city(lat, lon):
    five, ten = (ring_area("tst", lat, lon, r) for r in RING_RADII_KM)
    assert RING_RADII_KM == (5.0, 10.0)
    assert five.area_km2 == pytest.approx(inscribed_km2(5), rel=1e-6)  # 78.5317 km2
    assert ten.area_km2 == pytest.approx(inscribed_km2(10), rel=1e-6)  # 314.127 km2
    assert five.area_km2 == pytest.approx(math.pi * 25, rel=2e-4)  # 78.54 within 0.02 %
    assert (five.area_id, five.boundary_type, ten.area_id) == ("ring_5km", "ring_5km", "ring_10km")
    assert "5 km radius" in five.definition and f"({lat:.5f}, {lon:.5f})" in five.definition


def test_every_ring_vertex_is_at_exactly_the_radius_from_the_centre():
    ring = ring_polygon(13.1, 103.2, 5.0)
    lons, lats = ring.exterior.xy
    assert len(lons) == N + 1  # closed
    _, _, dist = GEOD.inv([103.2] * N, [13.1] * N, list(lons[:-1]), list(lats[:-1]))
    assert max(abs(d - 5000.0) for d in dist) < 1e-6
    # the first vertex is due north: 5 km of meridian arc (M at the arc's middle, iterated)
    dlat = math.degrees(5 / m_radius_km(13.1))
    dlat = math.degrees(5 / m_radius_km(13.1 + dlat / 2))
    assert (lons[0], lats[0]) == pytest.approx((103.2, 13.1 + dlat), abs=1e-9)


def test_a_line_half_inside_a_ring_counts_its_inside_half():
    ring = ring_polygon(0.0, 0.0, 5.0)
    # 0.09 deg (9.95 km) due north from the centre: the first 5 km are inside (the ring has a
    # vertex due north)
    north = LineString([(0.0, 0.0), (0.0, 0.09)])
    assert length_km(north) == pytest.approx(meridian_km(0.0, 0.09), rel=1e-9)
    assert length_km(ring.intersection(north)) == pytest.approx(5.0, rel=1e-9)
    # along the equator from 0.09 deg west to 0.09 deg east (20.04 km): the middle 10 km
    equator = LineString([(-0.09, 0.0), (0.09, 0.0)])
    assert length_km(equator) == pytest.approx(0.18 * EQ_KM_PER_DEG, rel=1e-9)
    assert length_km(ring.intersection(equator)) == pytest.approx(10.0, rel=1e-9)


def test_a_multipolygon_with_a_hole_measures_outer_minus_inner():
    side_o, side_i = 0.02, 0.01  # degrees, at the equator
    outer = [(0, 0), (side_o, 0), (side_o, side_o), (0, side_o), (0, 0)]
    inner = [(0.005, 0.005), (0.015, 0.005), (0.015, 0.015), (0.005, 0.015), (0.005, 0.005)]
    expected = cell_km2(0.01, side_o, side_o) - cell_km2(0.01, side_i, side_i)  # 4.90 - 1.22
    shape = rings_polygon([outer], [inner])
    assert area_km2(shape) == pytest.approx(expected, rel=1e-5)
    # the same multipolygon from its member ways, joined end to end (outer in two pieces)
    assembled = polygon_from_member_lines([outer[:3], outer[2:], inner])
    assert area_km2(assembled) == pytest.approx(expected, rel=1e-5)
    assert len(assembled.interiors) == 1
    # a small ring inside the hole holds none of it; a point in the hole is not inside
    assert not shape.contains(Point(0.01, 0.01))
    hole_ring = ring_polygon(0.01, 0.01, 0.2)  # 0.2 km < 0.005 deg (0.556 km) to the hole edge
    assert area_km2(hole_ring.intersection(shape)) == 0.0


def test_an_open_way_is_not_an_area_and_a_closed_one_is():
    pts = [(0, 0), (0.01, 0), (0.01, 0.01), (0, 0.01)]
    assert closed_way_polygon(pts) is None
    square = closed_way_polygon(pts + [(0, 0)])
    assert isinstance(square, Polygon)
    assert area_km2(square) == pytest.approx(cell_km2(0.005, 0.01, 0.01), rel=1e-5)
    assert length_km(square) == 0.0  # a polygon has no length; its boundary is not a road


def test_a_ring_needs_a_positive_radius():
    with pytest.raises(ValueError, match="positive"):
        ring_polygon(0, 0, 0)


def test_wkb_line_bounds_equal_shapely_bounds():
    lines = [
        LineString([(100.0, 10.0), (100.5, 9.5), (99.25, 10.125)]),
        LineString([(-1.5, 2.0), (3.0, -4.0)]),
    ]
    others = [Point(1.0, 2.0), Polygon([(0, 0), (1, 0), (1, 1)])]  # not lines: via shapely
    for geoms in (lines, lines + others, others, lines[:1]):
        hexes = [shapely.to_wkb(g, hex=True, byte_order=1) for g in geoms]
        np.testing.assert_array_equal(wkb_line_bounds(hexes), shapely.bounds(geoms))
    big_endian = [shapely.to_wkb(g, hex=True, byte_order=0) for g in lines]
    np.testing.assert_array_equal(wkb_line_bounds(big_endian), shapely.bounds(lines))
    assert wkb_line_bounds([]).shape == (0, 4)


def test_lengths_km_equal_length_km_bit_for_bit():
    ring = ring_polygon(10.0, 100.0, 2.0)
    lines = [
        LineString([(100.0 + 0.01 * k, 9.99), (99.99, 10.0 + 0.005 * k), (100.02, 10.01)])
        for k in range(-3, 4)
    ]
    geoms = [shapely.intersection(ring, g) for g in lines]  # lines, multi-lines, empties
    geoms += [
        shapely.GeometryCollection(
            [LineString([(0, 0), (1, 1)]), Point(3, 3), shapely.MultiLineString([[(0, 0), (0, 1)]])]
        ),
        Point(1.0, 2.0),
        Polygon([(0, 0), (1, 0), (1, 1)]),  # a polygon's boundary is no length
        LineString(),
    ]
    assert lengths_km(geoms) == [length_km(g) for g in geoms]
    assert lengths_km([]) == []

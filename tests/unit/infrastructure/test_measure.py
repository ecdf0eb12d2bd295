"""The measurement rule both OSM back-ends apply (assets/infrastructure/measure.py), on SYNTHETIC
objects around (0 N, 0 E) with expectations worked out by hand (WGS84 formulas of
tests/helpers/geodesy.py)."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import LineString, Point

from assets.infrastructure.boundaries import ring_area
from assets.infrastructure.geometry import closed_way_polygon
from assets.infrastructure.measure import MissingGeometry, measure_features
from assets.infrastructure.metric_rows import measured_row
from assets.infrastructure.osm_model import Feature, MetricSpec, parse_tag_filter
from tests.helpers.geodesy import cell_km2, meridian_km

R5, R10 = (ring_area("tst", 0.0, 0.0, r) for r in (5.0, 10.0))


def metric(mid: str, geometry: str, text: str) -> MetricSpec:
    unit = {"point": "count", "line": "km", "area": "km2"}[geometry]
    return MetricSpec(mid, geometry, unit, parse_tag_filter(text, mid))


GREEN = metric("green_area", "area", '[leisure=park] OR [landuse~"^(grass|forest)$"]')
ROADS = metric("road_length_total", "line", '[highway~"^(primary|residential)(_link)?$"]')
HOSPITALS = metric("hospitals", "point", "[amenity=hospital]")
SPECS = [GREEN, ROADS, HOSPITALS]


def square(lon0: float, lat0: float, side: float) -> list[tuple[float, float]]:
    return [(lon0, lat0), (lon0 + side, lat0), (lon0 + side, lat0 + side), (lon0, lat0 + side),
            (lon0, lat0)]  # fmt: skip


def way(osm_id: int, pts: list[tuple[float, float]], **tags: str) -> Feature:
    return Feature("way", osm_id, tags, line=LineString(pts), polygon=closed_way_polygon(pts))


def values(features, specs=SPECS, areas=(R5, R10)) -> dict[tuple[str, str], float]:
    tally = measure_features(features, specs, areas)
    return {(a, m): v for (_, a, m), v in tally.values.items()}


def test_tag_filter_is_rechecked_for_every_object():
    # what a sloppy answer could return: a protected-area multipolygon and a service way
    park = way(1, square(0, 0, 0.01), leisure="park")
    protected = Feature(
        "relation", 2, {"type": "multipolygon", "boundary": "protected_area"},
        polygon=closed_way_polygon(square(-0.02, -0.02, 0.02)),
    )  # fmt: skip
    service = way(3, [(0, 0), (0, 0.02)], highway="service")
    residential = way(4, [(0, 0), (0, 0.02)], highway="residential")
    tally = measure_features([park, protected, service, residential], SPECS, [R5])
    got = {m: v for (_, _, m), v in tally.values.items()}
    assert got["green_area"] == pytest.approx(cell_km2(0.005, 0.01, 0.01), rel=1e-5)  # park only
    assert got["road_length_total"] == pytest.approx(meridian_km(0, 0.02), rel=1e-9)
    assert tally.unmatched == 2
    assert tally.unmatched_examples == [
        "relation 2 [type=multipolygon, boundary=protected_area]", "way 3 [highway=service]"
    ]  # fmt: skip


def test_lines_are_clipped_to_each_ring_and_polygons_dissolved():
    # a primary road 0.072 deg (7.96 km) due north from the centre: 5 km in ring_5km, all of
    # it in ring_10km
    road = way(1, [(0, 0), (0, 0.072)], highway="primary")
    # two overlapping 0.01-deg parks, the second shifted east by half a side: union = 1.5 squares
    a = way(2, square(0, 0, 0.01), leisure="park")
    b = way(3, square(0.005, 0, 0.01), landuse="grass")
    got = values([road, a, b])
    assert got[("ring_5km", "road_length_total")] == pytest.approx(5.0, rel=1e-9)
    assert got[("ring_10km", "road_length_total")] == pytest.approx(meridian_km(0, 0.072), 1e-9)
    union = cell_km2(0.005, 0.01, 0.015)  # 0.015 deg east-west by 0.01 deg north-south
    assert got[("ring_5km", "green_area")] == pytest.approx(union, rel=1e-5)


def test_an_out_center_relation_is_located_by_its_centre():
    # members without geometry, only a centre 0.063 deg (6.97 km) north: enough to count it
    rel = Feature("relation", 9, {"amenity": "hospital"}, center=Point(0, 0.063))
    got = values([rel], [HOSPITALS])
    assert got[("ring_5km", "hospitals")] == 0.0  # 7 km away
    assert got[("ring_10km", "hospitals")] == 1.0


def test_missing_geometry_for_a_length_or_area_is_an_error_naming_metric_and_object():
    centre_only = Feature("relation", 77, {"leisure": "park"}, center=Point(0.001, 0.002))
    with pytest.raises(MissingGeometry) as err:
        values([centre_only])
    assert str(err.value).startswith(
        "metric 'green_area': relation 77 (only a centre at 0.002000, 0.001000) came without "
        "geometry"
    )
    bare_way = Feature("way", 78, {"highway": "residential"})
    with pytest.raises(MissingGeometry, match="metric 'road_length_total': way 78 came without"):
        values([bare_way])


def test_an_open_way_tagged_as_a_park_is_reported_not_measured():
    open_park = way(5, square(0, 0, 0.01)[:-1], leisure="park")  # not closed
    tally = measure_features([open_park], SPECS, [R5])
    assert tally.values[("tst", "ring_5km", "green_area")] == 0.0
    assert tally.not_measurable["green_area"] == 1
    assert "1 matching object(s) not a line or area" in tally.note("green_area")


def test_a_real_zero_is_a_measured_zero_flagged_as_such():
    tally = measure_features([], SPECS, [R5])
    value = tally.values[("tst", "ring_5km", "road_length_total")]
    row = measured_row(R5, ROADS, value, "2026-11-20T06:00:00Z", "osm_extract", "file:x", "n")
    assert value == 0.0
    assert row["measured_zero"] is True and row["notes"] == "measured 0: n"
    assert row["measurement_area"] == "ring_5km" and row["unit_id"] is None
    assert row["measurement_area_km2"] == pytest.approx(128 * 25 * math.sin(math.pi / 128), 1e-6)

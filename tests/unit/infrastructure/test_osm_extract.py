"""PBF / .osm back-end (pyosmium) on SYNTHETIC files built in tmp_path with known contents.

Everything here is synthetic test data (invented ids and coordinates around 10 N, 100 E), not
OpenStreetMap data. Expected values are worked out by hand from the coordinates, never copied
from the program's output.
"""

from __future__ import annotations

import math
from pathlib import Path

import osmium
import pytest
from shapely.geometry import Polygon

from assets.infrastructure.boundaries import CityAreas, ring_area
from assets.infrastructure.extract import _ReadProgress, measure_with_extract
from assets.infrastructure.osm_model import MeasurementArea, MetricSpec, parse_tag_filter
from tests.helpers.geodesy import cell_km2, meridian_km

# --- the synthetic city ---------------------------------------------------------------------
LAT0, LON0, RADIUS_KM = 10.0, 100.0, 2.0
KM_PER_DEG = 6371.0088 * math.pi / 180  # a degree of latitude on the mean sphere (coordinates)
# OSM stores coordinates as fixed-point 1e-7 degrees, so the synthetic coordinates are rounded
# to 7 decimals: 1/111.195 and 3/111.195 degrees north along a meridian (0.9947 and 2.984 km on
# WGS84 at 10 N; the coordinates were chosen on a sphere, the expectations are WGS84).
D1 = round(1.0 / KM_PER_DEG, 7)
D3 = round(3.0 / KM_PER_DEG, 7)

# nodes: id -> (lon, lat, tags)
NODES: dict[int, tuple[float, float, dict[str, str]]] = {
    # hospitals as nodes: 2 inside (0 km and ~0.55 km from the centre), 1 outside (~5.6 km)
    1: (100.000, 10.000, {"amenity": "hospital"}),
    2: (100.005, 10.000, {"amenity": "hospital"}),
    3: (100.000, 10.050, {"amenity": "hospital"}),
    # a bus stop inside, a pharmacy outside
    4: (100.001, 10.001, {"highway": "bus_stop", "public_transport": "platform"}),
    5: (100.100, 10.100, {"amenity": "pharmacy"}),
    # residential road: 1 km north along the meridian 100 E, wholly inside the 2 km radius
    10: (100.000, 10.000, {}),
    11: (100.000, 10.000 + D1, {}),
    # primary road: 3 km north along the meridian 100.0 E; only the first 2 km are inside
    20: (100.000, 10.000, {}),
    21: (100.000, 10.000 + D3, {}),
    # hospital drawn as a closed way (building outline) inside: square 0.001 deg
    30: (100.002, 9.998, {}),
    31: (100.003, 9.998, {}),
    32: (100.003, 9.999, {}),
    33: (100.002, 9.999, {}),
    # park as a closed way: square 0.002 x 0.002 deg with corners (99.996, 9.996)-(99.998, 9.998)
    40: (99.996, 9.996, {}),
    41: (99.998, 9.996, {}),
    42: (99.998, 9.998, {}),
    43: (99.996, 9.998, {}),
    # park as a multipolygon relation of two untagged open ways: right triangle with legs
    # 0.002 deg (east) and 0.002 deg (north) from (100.004, 10.004)
    50: (100.004, 10.004, {}),
    51: (100.006, 10.004, {}),
    52: (100.004, 10.006, {}),
    # a park far outside (centroid ~ 11 km away): must not count
    60: (100.100, 10.000, {}),
    61: (100.101, 10.000, {}),
    62: (100.101, 10.001, {}),
    63: (100.100, 10.001, {}),
}
# ways: id -> (node ids, tags)
WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    100: ([10, 11], {"highway": "residential"}),
    101: ([20, 21], {"highway": "primary"}),
    102: ([30, 31, 32, 33, 30], {"amenity": "hospital", "building": "hospital"}),
    103: ([40, 41, 42, 43, 40], {"leisure": "park"}),
    104: ([50, 51], {}),
    105: ([51, 52, 50], {}),
    106: ([60, 61, 62, 63, 60], {"landuse": "grass"}),
}
# relations: id -> (members [(type, ref, role)], tags)
RELATIONS = {
    200: ([("w", 104, "outer"), ("w", 105, "outer")], {"type": "multipolygon", "leisure": "park"}),
}


def _metric(metric_id: str, geometry: str, unit: str, text: str) -> MetricSpec:
    return MetricSpec(metric_id, geometry, unit, parse_tag_filter(text, metric_id))


METRICS = [
    _metric("hospitals", "point", "count", "[amenity=hospital]"),
    _metric("pharmacies", "point", "count", "[amenity=pharmacy]"),
    _metric(
        "public_transport_stops",
        "point",
        "count",
        '[highway=bus_stop] OR [public_transport~"^(platform|station)$"]',
    ),
    _metric("road_length_residential", "line", "km", "[highway=residential]"),
    _metric("road_length_primary", "line", "km", '[highway~"^(primary|primary_link)$"]'),
    _metric("green_area", "area", "km2", '[leisure=park] OR [landuse~"^(grass|forest)$"]'),
]
# A ring of 2 km (the standard rings are 5 and 10 km; the radius is a parameter of the same
# construction) around the synthetic centre.
RING = ring_area("tst-synthetic", LAT0, LON0, RADIUS_KM)
CITY = CityAreas("tst-synthetic", (RING,))


def _square_km2(lon_w: float, lat_s: float, side_deg: float) -> float:
    # hand formula: a small lat/lon cell on WGS84 (tests/helpers/geodesy.py)
    return cell_km2(lat_s + side_deg / 2, side_deg, side_deg)


# Hand-computed expectations. Lengths along a meridian are exact on the sphere; areas use the
# equirectangular formula at the shape's mean latitude, which differs from the geodesic area of
# these 200-m shapes by about 2e-6 (relative): hence AREA_REL for areas.
AREA_REL = 1e-5
EXPECTED = {
    "hospitals": 3.0,  # nodes 1, 2 and way 102 inside; node 3 outside
    "pharmacies": 0.0,  # node 5 is ~15 km away
    "public_transport_stops": 1.0,  # node 4, counted once although it matches both alternatives
    "road_length_residential": meridian_km(10.0, D1),  # way 100: D1 degrees north (0.9947 km)
    "road_length_primary": 2.0,  # way 101: 2.98 km long, clipped by the 2 km ring (vertex due N)
    # park way 103 (0.002 deg square at mean lat 9.997) + relation 200 (triangle, half of a
    # 0.002 deg square at mean lat 10.004 + 0.002/3); way 106 is outside
    "green_area": _square_km2(99.996, 9.996, 0.002)
    + 0.5 * cell_km2(10.004 + 0.002 / 3, 0.002, 0.002),
}


def write_osm_xml(path: Path, timestamp: str | None = "2026-01-02T03:04:05Z") -> Path:
    ts = f' timestamp="{timestamp}"' if timestamp else ""
    out = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="synthetic">']

    def tags(t: dict[str, str]) -> str:
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in t.items())

    for nid, (lon, lat, t) in NODES.items():
        out.append(f'<node id="{nid}" version="1"{ts} lat="{lat!r}" lon="{lon!r}">{tags(t)}</node>')
    for wid, (refs, t) in WAYS.items():
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        out.append(f'<way id="{wid}" version="1"{ts}>{nds}{tags(t)}</way>')
    kinds = {"w": "way", "n": "node"}
    for rid, (members, t) in RELATIONS.items():
        mem = "".join(
            f'<member type="{kinds[k]}" ref="{r}" role="{role}"/>' for k, r, role in members
        )
        out.append(f'<relation id="{rid}" version="1"{ts}>{mem}{tags(t)}</relation>')
    out.append("</osm>")
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def write_pbf(path: Path, replication_ts: str | None = None) -> Path:
    """Convert the synthetic XML to PBF with osmium.SimpleWriter."""
    xml = write_osm_xml(path.with_suffix(".osm"))
    header = osmium.io.Header()
    if replication_ts:
        header.set("osmosis_replication_timestamp", replication_ts)
    writer = osmium.SimpleWriter(str(path), header=header)
    try:
        for obj in osmium.FileProcessor(str(xml)):
            writer.add(obj)
    finally:
        writer.close()
    return path


# --- tests ----------------------------------------------------------------------------------
def _values(df) -> dict[str, float]:
    return dict(zip(df["metric_id"], df["value"], strict=True))


def _check(got: dict[str, float]) -> None:
    assert set(got) == set(EXPECTED)
    for metric, expected in EXPECTED.items():
        rel = AREA_REL if metric == "green_area" else 1e-9
        assert got[metric] == pytest.approx(expected, rel=rel, abs=1e-12), metric


def test_extract_counts_lengths_and_areas_equal_hand_computed(tmp_path):
    xml = write_osm_xml(tmp_path / "synthetic.osm")
    df = measure_with_extract(xml, [CITY], METRICS)
    _check(_values(df))
    row = df.set_index("metric_id").loc["road_length_residential"]
    assert row["unit"] == "km" and row["source_id"] == "osm_extract"
    assert row["boundary_type"] == "ring_2km" and row["measurement_area"] == "ring_2km"
    assert row["boundary_ref"] == "ring_2km around (10.00000, 100.00000)"
    # the 256-gon inscribed in the 2 km circle: (n / 2) r^2 sin(2 pi / n)
    assert row["measurement_area_km2"] == pytest.approx(128 * 4 * math.sin(math.pi / 128), 1e-6)
    assert row["osm_timestamp"] == "2026-01-02T03:04:05Z"  # newest timestamp of the objects
    assert not row["measured_zero"]
    pharmacies = df.set_index("metric_id").loc["pharmacies"]  # node 5 is 15 km away
    assert pharmacies["value"] == 0 and pharmacies["measured_zero"]
    assert pharmacies["notes"].startswith("measured 0")


def test_pbf_gives_the_same_numbers_and_header_vintage(tmp_path):
    pbf = write_pbf(tmp_path / "synthetic.osm.pbf", replication_ts="2026-03-01T00:00:00Z")
    df = measure_with_extract(pbf, [CITY], METRICS)
    _check(_values(df))
    assert set(df["osm_timestamp"]) == {"2026-03-01T00:00:00Z"}


def test_polygon_area_and_a_city_with_nothing(tmp_path):
    xml = write_osm_xml(tmp_path / "synthetic.osm", timestamp=None)
    # a square 9.99..10.01 N, 99.99..100.01 E as a measurement area: the primary road leaves
    # it at 10.01 N; every hospital is inside
    square = MeasurementArea(
        "tst-square", "admin_adm2:TST1", "municipality", "SYNTHETIC square", 10.0, 100.0,
        geometry=Polygon([(99.99, 9.99), (100.01, 9.99), (100.01, 10.01), (99.99, 10.01)]),
    )  # fmt: skip
    empty = CityAreas("tst-empty", (ring_area("tst-empty", 0.0, 0.0, 1.0),))
    df = measure_with_extract(xml, [CityAreas("tst-square", (square,)), empty], METRICS)
    got = df.set_index(["city_id", "metric_id"])["value"]
    assert got[("tst-square", "road_length_primary")] == pytest.approx(meridian_km(10, 0.01), 1e-9)
    assert got[("tst-square", "hospitals")] == 3.0
    assert (df[df.city_id == "tst-empty"]["value"] == 0.0).all()  # measured: nothing there
    assert df[df.city_id == "tst-empty"]["measured_zero"].all()
    assert set(df["osm_timestamp"]) == {"unknown"}


def test_progress_reports_the_share_of_the_file_read(tmp_path):
    # The watcher's arithmetic on positions it is given (the real one reads /proc/self/fdinfo).
    path = tmp_path / "ten_bytes.osm.pbf"
    path.write_bytes(b"0123456789")
    calls = []
    watcher = _ReadProgress(path, lambda *a: calls.append(a), every_percent=25)
    for passes, pos in [(1, 1), (1, 2), (1, 4), (1, 5), (2, 1), (2, 10)]:
        watcher.report(passes, pos)
    # pass 1: 10 %, then 40 % (>= 10 + 25), not 20 % or 50 %; pass 2 starts over: 10 %, 100 %
    assert [c[0] for c in calls] == [1, 4, 1, 10]
    assert calls[-1][2] == "extract: 100 % of ten_bytes.osm.pbf read (0.0 of 0.0 MB, pass 2)"


def test_progress_and_summary_reach_the_logger(tmp_path):
    xml = write_osm_xml(tmp_path / "synthetic.osm")
    calls = []
    measure_with_extract(xml, [CITY], METRICS, progress=lambda *a: calls.append(a))
    # 15 objects pass the C++ filter (next test); 8 of them lie inside the ring's envelope and
    # are measured: nodes 1, 2, 4, ways 100-103 and the area of relation 200 (node 3 is 5.6 km
    # north, node 5 and way 106 are 11 km east; relation 200 itself and the areas of closed
    # ways are not measured as such)
    assert calls[-1][2].startswith("extract: done")
    assert "8 objects checked, 0 matched no metric filter" in calls[-1][2]


def test_relation_boundary_is_skipped_by_the_extract_backend(tmp_path):
    xml = write_osm_xml(tmp_path / "synthetic.osm")
    rel = MeasurementArea("tst-rel", "osm_relation:123", "city_proper", "relation", 10.0, 100.0)
    messages = []
    df = measure_with_extract(
        xml, [CityAreas("tst-rel", (rel,)), CITY], METRICS,
        progress=lambda d, t, m: messages.append(m),
    )  # fmt: skip
    assert set(df["city_id"]) == {"tst-synthetic"}
    assert any("skipped tst-rel osm_relation:123" in m for m in messages)


def test_only_prefiltered_objects_reach_python(tmp_path, monkeypatch):
    # The C++ filter drops the untagged nodes (10-63) and ways (104, 105); nodes outside the
    # ring's envelope (3 at 5.6 km, 5 at 15 km) are dropped on their location alone; relation
    # 200 itself and the areas libosmium builds from closed ways (area id = 2 x way id: 204,
    # 206, 212) match but are not measured as such. What is left waits to be measured: nodes 1,
    # 2, 4, ways 100-103 and 106, and area 401 = 2 x 200 + 1, relation 200's polygon; way 106
    # (11 km east) is then dropped on its geometry's box.
    import assets.infrastructure.extract as extract

    waiting, measured = [], []
    flush = extract._Candidates.flush
    add_batch = extract.Measurer.add_batch

    def record_flush(self):
        waiting.extend(zip(self.osm_types, self.ids, strict=True))
        flush(self)

    def record_batch(self, osm_types, lines, polygons, matched):
        measured.extend(osm_types)
        add_batch(self, osm_types, lines, polygons, matched)

    monkeypatch.setattr(extract._Candidates, "flush", record_flush)
    monkeypatch.setattr(extract.Measurer, "add_batch", record_batch)
    measure_with_extract(write_osm_xml(tmp_path / "synthetic.osm"), [CITY], METRICS)
    assert sorted(waiting) == [
        ("node", 1), ("node", 2), ("node", 4),
        ("relation", 401),
        ("way", 100), ("way", 101), ("way", 102), ("way", 103), ("way", 106),
    ]  # fmt: skip
    assert sorted(measured) == ["node"] * 3 + ["relation"] + ["way"] * 4


@pytest.mark.parametrize(
    "content, name",
    [
        (b"", "empty.osm.pbf"),
        (b"this is not a PBF file at all", "corrupt.osm.pbf"),
        (b"\x00\x00\x00\x0d\x0a\x09OSMHeader\x18\x10", "truncated.osm.pbf"),
    ],
)
def test_corrupt_or_empty_pbf_raises_value_error_naming_the_file(tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=name):
        measure_with_extract(path, [CITY], METRICS)


def test_missing_file_and_file_without_objects(tmp_path):
    with pytest.raises(ValueError, match="nope.osm.pbf"):
        measure_with_extract(tmp_path / "nope.osm.pbf", [CITY], METRICS)
    no_objects = tmp_path / "blank.osm"
    no_objects.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(ValueError, match="blank.osm.*no OSM objects"):
        measure_with_extract(no_objects, [CITY], METRICS)

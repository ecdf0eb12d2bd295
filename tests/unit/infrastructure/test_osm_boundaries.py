"""Measurement areas of every city: the standard rings, and the admin polygons of
data/reference/city_boundaries.csv (bundled geoBoundaries KHM ADM2, OSM relation candidates).

Broken boundary files and the small registry are SYNTHETIC, written to tmp_path. The bundled
geoBoundaries extract is compared with its source in ../shared/reference/more (skipped where
that folder is absent).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import pandas as pd
import pytest
from shapely.geometry import Point

from assets.infrastructure.boundaries import load_city_boundaries

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "data"
BOUNDARIES = DATA / "reference" / "city_boundaries.csv"
POLYGONS = DATA / "sources" / "infrastructure"
GEOJSON = "khm_geoboundaries_adm2_ascn_cities.geojson"
SHARED_MORE = REPO / ".." / "shared" / "reference" / "more"
SHARED_V2 = REPO / ".." / "shared" / "reference" / "v2"
RING5 = 128 * 25 * math.sin(math.pi / 128)  # the inscribed 256-gon, 78.5317 km2


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return pd.read_csv(DATA / "reference" / "cities.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def bundled(cities):
    found, rejects = load_city_boundaries(BOUNDARIES, cities)
    return {c.city_id: c for c in found}, rejects


# --- the bundled areas ----------------------------------------------------------------------
def test_every_registry_city_gets_the_same_two_rings(bundled, cities):
    by_city, rejects = bundled
    assert rejects.empty
    assert set(by_city) == set(cities["city_id"]) and len(by_city) == 31
    for city in by_city.values():
        rings = [a for a in city.areas if a.is_ring]
        assert [a.area_id for a in rings] == ["ring_5km", "ring_10km"]
        assert rings[0].area_km2 == pytest.approx(RING5, rel=1e-6)
    bb = by_city["khm-battambang"].areas[0]
    assert (bb.lat, bb.lon) == (13.1, 103.2)  # registry coordinates
    assert bb.geometry.contains(Point(103.2, 13.1))


def test_cambodian_cities_have_their_geoboundaries_polygon(bundled):
    by_city, _ = bundled
    expected = {  # city -> (number of ADM2 units, boundary type, linked population unit)
        "khm-battambang": (1, "municipality", "Battambang municipality"),
        "khm-phnom-penh": (12, "city_proper", "Phnom Penh capital"),
        "khm-siem-reap": (1, "city_proper", "Siem Reap city"),
        "khm-sihanoukville": (1, "city_proper", "Sihanoukville city"),
    }
    for city_id, (units, btype, unit) in expected.items():
        city = by_city[city_id]
        admin = city.areas[2]
        assert admin.area_id.startswith("admin_adm2:") and admin.area_id.count("+") == units - 1
        assert admin.boundary_type == btype
        assert city.population_unit_id.endswith(f":{btype}:{unit}")
        assert admin.geometry.contains(Point(admin.lon, admin.lat))  # the registry centre
        assert "geoBoundaries KHM ADM2" in admin.definition
    # Battambang: krong Battambang, 115.2 km2 (the ADB/CDIA tracer study's 115 km2)
    battambang = by_city["khm-battambang"].areas[2]
    assert battambang.area_id == "admin_adm2:14789045B54080121728178"
    assert battambang.area_km2 == pytest.approx(115.2, abs=0.1)
    # the 12 khans of Phnom Penh dissolve into one polygon of about 685 km2 (679 published)
    assert by_city["khm-phnom-penh"].areas[2].area_km2 == pytest.approx(685.2, abs=0.5)


def test_relation_candidates_wait_for_live_confirmation(bundled):
    by_city, _ = bundled
    with_relation = {c: x.areas[2] for c, x in by_city.items() if len(x.areas) == 3
                     and x.areas[2].relation is not None}  # fmt: skip
    assert set(with_relation) == {
        "tha-bangkok", "sgp-singapore", "vnm-ho-chi-minh-city", "vnm-hanoi", "idn-dki-jakarta",
        "brn-bandar-seri-begawan",
    }  # fmt: skip
    for area in with_relation.values():
        assert area.geometry is None  # no polygon until an answer confirms it
    bsb = with_relation["brn-bandar-seri-begawan"].relation
    assert (bsb.relation_id, bsb.expected_admin_level, bsb.area_id) == (8748136, "7", 3608748136)


def test_relation_ids_are_those_of_the_shared_candidate_list(bundled):
    path = SHARED_V2 / "osm_relation_id_candidates.csv"
    if not path.is_file():
        pytest.skip(f"shared reference folder absent: {path}")
    shared = pd.read_csv(path, dtype=str)
    by_city, _ = bundled
    names = {"Bangkok": "tha-bangkok", "Singapore": "sgp-singapore", "Hanoi": "vnm-hanoi",
             "Ho Chi Minh City": "vnm-ho-chi-minh-city", "DKI Jakarta": "idn-dki-jakarta",
             "Bandar Seri Begawan": "brn-bandar-seri-begawan"}  # fmt: skip
    for row in shared.itertuples():
        area = by_city[names[row.city]].areas[2]
        assert area.relation.relation_id == int(row.osm_id)


def test_bundled_geoboundaries_file_is_the_shared_extract_byte_for_byte():
    source = SHARED_MORE / GEOJSON
    if not source.is_file():
        pytest.skip(f"shared reference folder absent: {source}")
    digest = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (source, POLYGONS / GEOJSON)]
    assert digest[0] == digest[1]


# --- malformed files ------------------------------------------------------------------------
BHEAD = (
    "city_id,admin_source,admin_file,admin_ref,expected_name,expected_admin_level,"
    "boundary_type,population_unit_id,notes\n"
)
REGISTRY = pd.DataFrame(
    {"city_id": ["tst-a", "tst-b", "tst-c"], "lat": ["10", "", "1"], "lon": ["100", "", "2"]}
)  # synthetic registry; tst-b has no coordinates


def test_user_added_relation_id_becomes_an_overpass_area(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        BHEAD + "tst-a,osm_relation,,123456,Testville|Test City,8,city_proper,,user added\n"
        "tst-c,none,,,,,,,\n"
    )
    found, rejects = load_city_boundaries(path, REGISTRY, POLYGONS)
    a = found[0].areas[2]
    assert a.area_id == "osm_relation:123456" and a.relation.area_id == 3_600_123_456
    assert a.relation.expected_names == ("Testville", "Test City")
    assert [x.area_id for x in found[1].areas] == ["ring_5km", "ring_10km"]
    assert list(rejects["value"]) == ["tst-b"]  # registry city without a row


def test_radius_city_without_coordinates_and_unknown_city_are_rejects(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(BHEAD + "tst-a,none,,,,,,,\ntst-b,none,,,,,,,\ntst-zzz,none,,,,,,,\n")
    found, rejects = load_city_boundaries(path, REGISTRY, POLYGONS)
    assert [c.city_id for c in found] == ["tst-a"]
    reasons = dict(zip(rejects["value"], rejects["reason"], strict=True))
    assert "no coordinates" in reasons["tst-b"]
    assert "not in the city registry" in reasons["tst-zzz"]
    assert "no boundary row" in reasons["tst-c"]


GB = f"tst-a,geoboundaries_adm2,{GEOJSON}"


@pytest.mark.parametrize(
    "row, field",
    [
        ("tst-a,circle,,,,,,,\n", "admin_source"),
        ("tst-a,osm_relation,,r123,Testville,8,city_proper,,\n", "admin_ref"),
        ("tst-a,osm_relation,,123,,8,city_proper,,\n", "expected_name"),
        ("tst-a,osm_relation,,123,Testville,,city_proper,,\n", "expected_admin_level"),
        ("tst-a,osm_relation,,123,Testville,8,,,\n", "boundary_type"),
        (f"{GB},14789045B00000000000000,Battambang,,municipality,,\n", "admin_ref"),
        (f"{GB},14789045B54080121728178,Siem Reap,,municipality,,\n", "expected_name"),
        (f"{GB},14789045B54080121728178,A|B,,municipality,,\n", "expected_name"),
    ],
)
def test_malformed_boundary_row_raises_naming_row_and_field(tmp_path, row, field):
    path = tmp_path / "b.csv"
    path.write_text(BHEAD + row)
    with pytest.raises(ValueError, match=f"row 2 .*field {field}"):
        load_city_boundaries(path, REGISTRY, POLYGONS)

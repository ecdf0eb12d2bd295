"""The city boundaries reader (data/reference/city_boundaries.csv joined to the registry).

Broken boundary files and the small registry are SYNTHETIC, written to tmp_path.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from assets.infrastructure.boundaries import load_city_boundaries

DATA = Path(__file__).resolve().parents[3] / "data"
BOUNDARIES = DATA / "reference" / "city_boundaries.csv"


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return pd.read_csv(DATA / "reference" / "cities.csv", dtype=str, keep_default_na=False)


# --- boundaries -----------------------------------------------------------------------------
def test_bundled_boundaries_cover_every_registry_city(cities):
    boundaries, rejects = load_city_boundaries(BOUNDARIES, cities)
    assert rejects.empty
    assert {b.city_id for b in boundaries} == set(cities["city_id"])
    bb = next(b for b in boundaries if b.city_id == "khm-battambang")
    # 293 km2 municipality (docs/DOMAIN.md §1.3): sqrt(293 / pi) = 9.657... -> 9.7 km
    assert bb.kind == "radius" and bb.radius_km == 9.7
    assert bb.radius_km == round(math.sqrt(293 / math.pi), 1)
    assert (bb.lat, bb.lon) == (13.1, 103.2)  # registry coordinates
    assert all(b.relation_id is None for b in boundaries)  # none confirmed, none invented


BHEAD = (
    "city_id,boundary_kind,osm_relation_id,bbox_south,bbox_west,bbox_north,bbox_east,"
    "radius_km,boundary_type,notes\n"
)
REGISTRY = pd.DataFrame(
    {"city_id": ["tst-a", "tst-b", "tst-c"], "lat": ["10", "", "1"], "lon": ["100", "", "2"]}
)  # synthetic registry; tst-b has no coordinates


def test_user_added_relation_id_becomes_an_overpass_area(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        BHEAD + "tst-a,relation,123456,,,,,,osm_admin_boundary,user added\n"
        "tst-b,bbox,,1,2,3,4,,bbox,\n"
        "tst-c,radius,,,,,,5,radius_around_centre,\n"
    )
    boundaries, rejects = load_city_boundaries(path, REGISTRY)
    a = boundaries[0]
    assert a.kind == "relation" and a.area_id == 3_600_123_456 and a.ref == "osm relation 123456"
    assert boundaries[1].kind == "bbox" and boundaries[1].north == 3.0
    assert rejects.empty


def test_radius_city_without_coordinates_and_unknown_city_are_rejects(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text(
        BHEAD + "tst-a,radius,,,,,,5,radius_around_centre,\n"
        "tst-b,radius,,,,,,5,radius_around_centre,\n"
        "tst-zzz,radius,,,,,,5,radius_around_centre,\n"
    )
    boundaries, rejects = load_city_boundaries(path, REGISTRY)
    assert [b.city_id for b in boundaries] == ["tst-a"]
    reasons = dict(zip(rejects["value"], rejects["reason"], strict=True))
    assert "no coordinates" in reasons["tst-b"]
    assert "not in the city registry" in reasons["tst-zzz"]
    assert "no boundary row" in reasons["tst-c"]


@pytest.mark.parametrize(
    "row, field",
    [
        ("tst-a,circle,,,,,,5,radius_around_centre,\n", "boundary_kind"),
        ("tst-a,radius,,,,,,-5,radius_around_centre,\n", "radius_km"),
        ("tst-a,radius,,,,,,five,radius_around_centre,\n", "radius_km"),
        ("tst-a,relation,,,,,,,osm_admin_boundary,\n", "osm_relation_id"),
        ("tst-a,relation,r123,,,,,,osm_admin_boundary,\n", "osm_relation_id"),
        ("tst-a,bbox,,3,2,1,4,,bbox,\n", "bbox_"),
    ],
)
def test_malformed_boundary_row_raises_naming_row_and_field(tmp_path, row, field):
    path = tmp_path / "b.csv"
    path.write_text(BHEAD + row)
    with pytest.raises(ValueError, match=f"row 2 .*field {field}"):
        load_city_boundaries(path, REGISTRY)

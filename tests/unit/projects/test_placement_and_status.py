"""Placement by location (assets/projects/placement.py) and status currency (status.py).

Cities: the real registry (data/reference/cities.csv) and admin polygons
(data/reference/city_boundaries.csv, as the infrastructure family loads them). Locations are
SYNTHETIC points and names around Battambang (centre 13.100 N, 103.200 E; province
"Battambang;Batdambang"), Luang Prabang and Phnom Penh; distances worked out by hand with the
haversine formula (R = 6371.0088 km): 0.01 degree of latitude = 1.11195 km.
"""

from __future__ import annotations

from datetime import date

import pytest

from assets.projects import status
from assets.projects.lookups import load_lookups
from assets.projects.placement import (
    ADMIN,
    ELSEWHERE,
    LOCATED,
    NATIONAL,
    PROVINCE,
    SITE,
    admin_key,
    haversine_km,
    place,
)
from assets.reference.cities import read_cities
from tests.unit.projects.project_warehouse import REPO, SETTINGS

BTB, LPB = "khm-battambang", "lao-luang-prabang"


@pytest.fixture(scope="module")
def lookups():
    return load_lookups(SETTINGS, read_cities(REPO / "data/reference/cities.csv"))


def placed(lookups, *locations, countries=("KH",)):
    return place(list(locations), list(countries), lookups.areas, lookups.country_keys)


def test_haversine_by_hand():
    assert haversine_km(13.1, 103.2, 13.19, 103.2) == pytest.approx(0.09 * 111.195, rel=1e-4)
    assert haversine_km(13.1, 103.2, 13.1, 103.2) == 0.0


def test_admin_words_and_accents_are_ignored():
    assert admin_key("Khett Batdambang") == admin_key("batdambang") == "batdambang"
    assert admin_key("Thanh pho Ho Chi Minh") == admin_key("Ho Chi Minh City") == "hochiminh"
    assert admin_key("Đà Nẵng") == admin_key("Tinh Da Nang") == "danang"
    assert admin_key("Chon Buri Province") == "chonburi"
    assert admin_key(None) == "" and admin_key(float("nan")) == ""


def test_without_a_polygon_a_point_inside_the_ring_is_a_site(lookups):
    # Luang Prabang (19.883 N, 102.133 E) has no admin polygon: the 10 km ring.
    # 0.09 deg north: 10.01 km -> outside; 0.089 deg: 9.90 km -> inside
    inside = {"name": "SYNTHETIC", "latitude": 19.972, "longitude": 102.133, "country_iso2": "LA"}
    outside = dict(inside, latitude=19.973)
    kind, links = placed(lookups, inside, countries=("LA",))
    assert kind == LOCATED and [(x.city_id, x.level) for x in links] == [(LPB, SITE)]
    assert links[0].distance_km == pytest.approx(0.089 * 111.195, rel=1e-4)
    assert "inside the 10 km ring" in links[0].evidence
    assert placed(lookups, outside, countries=("LA",)) == (ELSEWHERE, [])


def test_with_a_polygon_the_polygon_is_the_measurement_area(lookups):
    # Battambang's geoBoundaries ADM2 polygon spans 13.0293-13.1586 N (city_boundaries.csv):
    # the centre is inside; 13.17 N (7.8 km north, inside the 10 km ring) is outside it.
    centre = {"name": "SYNTHETIC", "latitude": 13.1, "longitude": 103.2, "country_iso2": "KH"}
    north = dict(centre, latitude=13.17)
    _, links = placed(lookups, centre)
    assert [(x.city_id, x.level) for x in links] == [(BTB, SITE)]
    assert "polygon admin_adm2:14789045B54080121728178" in links[0].evidence
    assert placed(lookups, north) == (ELSEWHERE, [])


def test_a_province_centroid_named_like_the_town_is_the_province(lookups):
    loc = {"name": "Battambang", "latitude": 12.91667, "longitude": 103.08333}
    _, links = placed(lookups, loc)
    assert [(x.city_id, x.level) for x in links] == [(BTB, PROVINCE)]
    assert "names the province Battambang" in links[0].evidence


def test_admin_names_place_without_points(lookups):
    by_admin1 = {"name": "SYNTHETIC village", "admin1": "Khett Batdambang"}
    by_admin2 = {"name": "SYNTHETIC village", "admin1": "Khett Batdambang", "admin2": "Battambang"}
    assert [x.level for x in placed(lookups, by_admin1)[1]] == [PROVINCE]
    assert [x.level for x in placed(lookups, by_admin2)[1]] == [ADMIN]
    # the most specific level wins when several locations place the same city
    assert [x.level for x in placed(lookups, by_admin1, by_admin2)[1]] == [ADMIN]


def test_names_count_only_in_their_own_country(lookups):
    # "Battambang" as a location of a Thai project places nothing (names are national)
    loc = {"name": "Battambang", "country_iso2": "TH"}
    assert placed(lookups, loc, countries=("TH",)) == (ELSEWHERE, [])


def test_no_location_or_a_country_is_national(lookups):
    assert placed(lookups) == (NATIONAL, [])
    assert (
        placed(lookups, {"name": "Kingdom of Cambodia", "latitude": 12.5, "longitude": 105})[0]
        == NATIONAL
    )


def test_a_title_never_places_a_project(lookups):
    # place() sees only locations: a record whose title names a city but has no location is
    # national (conform passes the locations, never the title)
    assert placed(lookups, *[]) == (NATIONAL, [])


@pytest.mark.parametrize(
    ("as_of", "current"),
    [
        (date(2023, 12, 2), True),  # 1095 days before 2026-12-01
        (date(2023, 12, 1), False),  # 1096 days
        (date(2013, 12, 18), False),
        (None, False),
    ],
)
def test_current_within_the_set_age(as_of, current):
    assert status.is_current(as_of, date(2026, 12, 1), 1095) is current


def test_display_of_a_stale_status():
    assert status.display("active", date(2013, 12, 18), False) == "active as of 2013-12-18"
    assert status.display("active", date(2025, 3, 31), True) == "active"
    assert status.display(None, date(2025, 3, 31), True) is None


def test_object_id_date_and_as_of_in_a_file_name():
    # 0x52b213b3 = 1387402163 s after 1970-01-01 = 2013-12-18 21:29:23 UTC
    assert status.object_id_date({"_id": {"$oid": "52b213b38594d8a2be17c85d"}}) == date(
        2013, 12, 18
    )
    assert status.object_id_date({"_id": "x"}) is None
    assert status.as_of_in_name("wb_projects_asean_asof2025-03-31.csv") == date(2025, 3, 31)
    assert status.as_of_in_name("projects.csv") is None

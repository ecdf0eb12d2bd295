"""The one city matcher (assets.reference.cities.CityMatcher) on a small registry written here.

Every expected id is worked out by hand from the registry below and the matcher's rules: case and
accents folded, "Da Nang" also as "Danang", scripts without spaces matched as substrings.
"""

from __future__ import annotations

import pandas as pd
import pytest

from assets.reference.cities import CityMatcher, city_slug_id, fold

REGISTRY = pd.DataFrame(
    [
        # city_id, name, local_name, country_iso3, alt_names
        ("khm-battambang", "Battambang", "បាត់ដំបង", "KHM", None),
        ("vnm-da-nang", "Da Nang", "Đà Nẵng", "VNM", None),
        ("vnm-hanoi", "Hanoi", "Hà Nội", "VNM", None),
        ("idn-dki-jakarta", "DKI Jakarta", None, "IDN", "Jakarta; Batavia"),
        # two cities called "Victoria" (hypothetical), in two countries
        ("mys-victoria", "Victoria", None, "MYS", None),
        ("phl-victoria", "Victoria", None, "PHL", None),
    ],
    columns=["city_id", "name", "local_name", "country_iso3", "alt_names"],
)


@pytest.fixture(scope="module")
def matcher() -> CityMatcher:
    return CityMatcher(REGISTRY)


# ---------------------------------------------------------------- resolve: one cell, one city


@pytest.mark.parametrize("cell", ["khm-battambang", "KHM-Battambang"])
def test_registry_id_matches_explicitly(matcher: CityMatcher, cell: str) -> None:
    assert matcher.resolve(cell) == ("khm-battambang", "explicit", None)


@pytest.mark.parametrize(
    ("cell", "city_id"),
    [
        ("Battambang", "khm-battambang"),  # English name
        ("battambang", "khm-battambang"),  # case folded
        ("បាត់ដំបង", "khm-battambang"),  # local name in Khmer script
        ("Đà Nẵng", "vnm-da-nang"),  # local name with its accents
        ("da nang", "vnm-da-nang"),  # English name, lower case
        ("ĐÀ NẴNG", "vnm-da-nang"),  # upper case, accents folded (Đ -> d)
        ("Danang", "vnm-da-nang"),  # the spaceless spelling of "Da Nang"
        ("Ha Noi", "vnm-hanoi"),  # local name "Hà Nội" without accents
        ("Jakarta", "idn-dki-jakarta"),  # alternative name
        ("Batavia", "idn-dki-jakarta"),  # second alternative name
    ],
)
def test_names_match(matcher: CityMatcher, cell: str, city_id: str) -> None:
    assert matcher.resolve(cell) == (city_id, "name", None)


def test_a_name_of_two_cities_is_ambiguous(matcher: CityMatcher) -> None:
    assert matcher.resolve("Victoria") == (None, None, "ambiguous_city")


@pytest.mark.parametrize("cell", ["Atlantis", "Battambang Province", "Nang", ""])
def test_unknown_names(matcher: CityMatcher, cell: str) -> None:
    assert matcher.resolve(cell) == (None, None, "unknown_city")


# ---------------------------------------------------------------- id_for: a name in a country


@pytest.mark.parametrize(
    ("name", "iso3", "city_id"),
    [
        ("Battambang", "KHM", "khm-battambang"),
        ("Đà Nẵng", "VNM", "vnm-da-nang"),
        ("Danang", "VNM", "vnm-da-nang"),
        (" Da Nang ", "vnm", "vnm-da-nang"),  # spaces and country case do not matter
        ("Jakarta", "IDN", "idn-dki-jakarta"),  # by name: the slug idn-jakarta does not exist
        # a name shared by cities of two countries: the country decides
        ("Victoria", "MYS", "mys-victoria"),
        ("Victoria", "PHL", "phl-victoria"),
    ],
)
def test_id_for_finds_the_city_of_the_country(
    matcher: CityMatcher, name: str, iso3: str, city_id: str
) -> None:
    assert matcher.id_for(name, iso3) == city_id


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        ("Battambang", "VNM"),  # a pilot city, but of another country
        ("Da Nang", "KHM"),
        ("Victoria", "THA"),
        ("Atlantis", "KHM"),  # unknown everywhere
    ],
)
def test_id_for_is_limited_to_the_country(matcher: CityMatcher, name: str, iso3: str) -> None:
    assert matcher.id_for(name, iso3) is None


def test_id_for_falls_back_to_the_id_convention() -> None:
    # No registry name is "dki-jakarta", but its iso3-slug is the registry id.
    assert city_slug_id("DKI Jakarta", "IDN") == "idn-dki-jakarta"
    assert CityMatcher(REGISTRY).id_for("dki jakarta!", "IDN") == "idn-dki-jakarta"


def test_fold() -> None:
    assert fold("Đà Nẵng") == "da nang"
    assert fold("Thành phố Hồ Chí Minh") == "thanh pho ho chi minh"
    assert fold("ភ្នំពេញ") == "ភ្នំពេញ"  # Khmer signs are kept (they are letters there)

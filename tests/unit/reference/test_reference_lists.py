"""The shared lists of data/reference: countries (ISO codes, ASEAN members) and vocabularies.

Expected members are read by hand from the csv files; a bad copy must raise ValueError naming the
file, the line (header = line 1) and the field.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.reference.countries import asean_iso2, asean_iso3, countries, iso2_to_iso3
from assets.reference.vocabularies import boundary_types, focus_areas
from pipelines.settings import Settings
from tests.helpers.reference import ASEAN_ISO3, FOCUS_AREA_IDS

DATA = Path(__file__).resolve().parents[3] / "data"
REAL = Settings(data_dir=DATA)
COUNTRIES_HEADER = "country_iso3,country_iso2,name,asean_member\n"


def _settings(tmp_path: Path, name: str, text: str) -> Settings:
    (tmp_path / "reference").mkdir(exist_ok=True)
    (tmp_path / "reference" / name).write_text(text, encoding="utf-8")
    return Settings(data_dir=tmp_path)


# ---------------------------------------------------------------- countries


def test_asean_members_in_file_order() -> None:
    assert asean_iso3(REAL) == ASEAN_ISO3
    assert asean_iso2(REAL) == ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"]


def test_iso2_to_iso3_includes_partner_countries() -> None:
    codes = iso2_to_iso3(REAL)
    assert codes["KH"] == "KHM" and codes["VN"] == "VNM"
    assert codes["JP"] == "JPN" and codes["US"] == "USA"  # partners, not members
    assert len(codes) == 15
    assert "JPN" not in asean_iso3(REAL)


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    s = _settings(tmp_path, "countries.csv", COUNTRIES_HEADER + "KHM,KH,Cambodia,true\n")
    assert asean_iso3(s) == ["KHM"]
    s = _settings(
        tmp_path, "countries.csv", COUNTRIES_HEADER + "KHM,KH,Cambodia,true\nLAO,LA,Lao,true\n"
    )
    assert asean_iso3(s) == ["KHM", "LAO"]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("KH,KH,Cambodia,true", "country_iso3"),  # two letters as ISO3
        ("KHM,KHM,Cambodia,true", "country_iso2"),
        ("khm,KH,Cambodia,true", "country_iso3"),  # lower case
        ("KHM,KH,Cambodia,yes", "asean_member"),
        ("BRN,BN,Brunei,true", "country_iso3"),  # duplicate of line 2
    ],
)
def test_bad_countries_file_names_file_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    s = _settings(tmp_path, "countries.csv", COUNTRIES_HEADER + "BRN,BN,Brunei,true\n" + row)
    with pytest.raises(ValueError, match=rf"countries\.csv: line 3, field {field}"):
        countries(s)


# ---------------------------------------------------------------- vocabularies


def test_boundary_types_from_the_file() -> None:
    types = boundary_types(REAL)
    assert len(types) == 16  # ring_5km, ring_10km: standard OSM measurement areas
    assert types["city_proper"] == 1 and types["municipality"] == 1
    assert types["urban_centre"] == 3 and types["radius_around_centre"] == 8
    assert "city_state" not in types  # Singapore's figure is a city_proper one


def test_focus_areas_from_the_file() -> None:
    areas = focus_areas(REAL)
    assert list(areas) == FOCUS_AREA_IDS
    assert areas["health_wellbeing"] == "Health & Well-being"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("boundary_type,precedence\ncity_proper,1\nmetro,first\n", "line 3, field precedence"),
        ("boundary_type,precedence\ncity_proper,1\ncity_proper,2\n", "line 3, field boundary_type"),
        ("boundary_type,precedence\n,1\n", "line 2, field boundary_type"),
        ("boundary_type,rank\ncity_proper,1\n", "line 1: missing column(s) precedence"),
    ],
)
def test_bad_boundary_types_file_names_file_line_and_field(
    tmp_path: Path, text: str, message: str
) -> None:
    s = _settings(tmp_path, "boundary_types.csv", text)
    with pytest.raises(ValueError, match=r"boundary_types\.csv: ") as err:
        boundary_types(s)
    assert message in str(err.value)


def test_bad_focus_areas_file_names_file_line_and_field(tmp_path: Path) -> None:
    s = _settings(
        tmp_path, "focus_areas.csv", "focus_area_id,name\ncivic_social,A\ncivic_social,B\n"
    )
    with pytest.raises(ValueError, match=r"focus_areas\.csv: line 3, field focus_area_id"):
        focus_areas(s)

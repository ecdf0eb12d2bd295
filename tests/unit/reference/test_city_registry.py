"""The city registry reader (assets.reference.cities.read_cities) on the real file and bad copies.

Expected values were read by hand from data/reference/cities.csv, not from the reader.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.reference.cities import read_cities
from tests.helpers.reference import ASEAN_ISO3

CITIES = Path(__file__).resolve().parents[3] / "data" / "reference" / "cities.csv"


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return read_cities(CITIES)


def test_registry_has_31_cities_in_10_countries(cities: pd.DataFrame) -> None:
    assert len(cities) == 31
    assert cities["city_id"].is_unique
    assert set(cities["country_iso3"]) == set(ASEAN_ISO3)


def test_registry_values(cities: pd.DataFrame) -> None:
    by_id = cities.set_index("city_id")
    assert by_id.loc["khm-battambang", "lat"] == 13.1
    assert by_id.loc["idn-sumedang", "lat"] == -6.862  # corrected sign
    assert "simplemaps" in by_id.loc["phl-manila", "coord_source"]
    assert by_id.loc["sgp-singapore", "lon"] == 103.8
    assert by_id.loc["vnm-da-nang", "local_name"] == "Đà Nẵng"
    assert (cities["joined_year"] == 2018).sum() == 26
    assert set(cities.loc[cities["joined_year"] == 2023, "name"]) == {
        "Chiang Mai",
        "Khon Kaen",
        "Rayong",
    }
    assert set(cities.loc[cities["joined_year"] == 2024, "name"]) == {"Sumedang", "Sihanoukville"}


def _write_cities(tmp_path: Path, edit) -> Path:
    df = pd.read_csv(CITIES, dtype=str, keep_default_na=False)
    df = edit(df)
    path = tmp_path / "cities.csv"
    df.to_csv(path, index=False)
    return path


def test_registry_missing_column_raises(tmp_path: Path) -> None:
    path = _write_cities(tmp_path, lambda d: d.drop(columns=["lon"]))
    with pytest.raises(ValueError, match=r"cities\.csv.*lon"):
        read_cities(path)


def test_registry_duplicate_id_raises(tmp_path: Path) -> None:
    def dup(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[1, "city_id"] = d.loc[0, "city_id"]
        return d

    with pytest.raises(ValueError, match=r"cities\.csv: row 2, field city_id"):
        read_cities(_write_cities(tmp_path, dup))


@pytest.mark.parametrize(
    ("field", "value"), [("lat", "91"), ("lon", "-181"), ("lat", "x"), ("country_iso3", "khm")]
)
def test_registry_bad_value_raises(tmp_path: Path, field: str, value: str) -> None:
    def bad(d: pd.DataFrame) -> pd.DataFrame:
        d.loc[2, field] = value
        return d

    with pytest.raises(ValueError, match=rf"cities\.csv: row 3, field {field}"):
        read_cities(_write_cities(tmp_path, bad))

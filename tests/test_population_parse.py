"""Tests of assets.population.parse on the real bundled files and on deliberately bad files.

Expected values were read by hand from the source files / DOMAIN.md, not from the parser.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.population.parse import (
    REJECT_COLUMNS,
    city_name_index,
    read_census_figures,
    read_cities,
    read_ghsl_urban_centres,
    read_national_snapshot,
    read_wup2018,
)

DATA = Path(__file__).resolve().parents[1] / "data"
CITIES = DATA / "reference" / "cities.csv"
CENSUS = DATA / "sources" / "population" / "census_city_figures.csv"
WUP = DATA / "sources" / "population" / "un_wup2018_f22_ascn_cities.csv"
GHSL = DATA / "sources" / "ghsl" / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"
WB_DIR = DATA / "sources" / "worldbank"


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return read_cities(CITIES)


@pytest.fixture(scope="module")
def city_ids(cities: pd.DataFrame) -> set[str]:
    return set(cities["city_id"])


# ---------------------------------------------------------------- registry


def test_registry_has_31_cities_in_10_countries(cities: pd.DataFrame) -> None:
    assert len(cities) == 31
    assert cities["city_id"].is_unique
    assert set(cities["country_iso3"]) == {
        "BRN",
        "KHM",
        "IDN",
        "LAO",
        "MYS",
        "MMR",
        "PHL",
        "SGP",
        "THA",
        "VNM",
    }


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


# ---------------------------------------------------------------- census figures


def test_census_battambang(city_ids: set[str]) -> None:
    rows, rejects = read_census_figures(CENSUS, city_ids)
    assert rejects.empty
    assert list(rejects.columns) == REJECT_COLUMNS
    btb = rows[rows["city_id"] == "khm-battambang"].set_index("population")
    assert btb.loc[119251, "year"] == 2019
    assert btb.loc[119251, "area_km2"] == 293.0
    assert btb.loc[119251, "boundary_type"] == "municipality"
    assert btb.loc[997169, "boundary_type"] == "province"
    assert btb.loc[155000, "year"] == 2015
    assert btb.loc[155000, "area_km2"] == 115.0
    assert set(rows["source_id"]) == {"census_city"}
    assert list(rows.columns) == [
        "city_id",
        "year",
        "population",
        "area_km2",
        "boundary_type",
        "unit_name",
        "figure_kind",
        "source_id",
        "source_name",
        "source_url",
        "notes",
        "source_row",
    ]


def test_census_every_city_has_a_figure_and_a_source(city_ids: set[str]) -> None:
    rows, _ = read_census_figures(CENSUS, city_ids)
    assert set(rows["city_id"]) == city_ids
    assert (rows["source_url"].str.len() > 0).all()
    # Manila's NCR area is only published as a range: left empty.
    ncr = rows[(rows["city_id"] == "phl-manila") & (rows["boundary_type"] == "metro")]
    assert ncr["population"].tolist() == [13484462]
    assert ncr["area_km2"].isna().all()


def _write_census(tmp_path: Path, rows: list[dict]) -> Path:
    base = {
        "city_id": "khm-battambang",
        "year": "2019",
        "population": "119251",
        "area_km2": "293",
        "boundary_type": "municipality",
        "unit_name": "u",
        "figure_kind": "census",
        "source_name": "s",
        "source_url": "http://x",
        "notes": "",
    }
    path = tmp_path / "census.csv"
    pd.DataFrame([base | r for r in rows]).to_csv(path, index=False)
    return path


def test_census_bad_rows_are_rejected(tmp_path: Path, city_ids: set[str]) -> None:
    path = _write_census(
        tmp_path,
        [
            {},
            {"city_id": "khm-atlantis"},
            {"population": "-5"},
            {"population": "lots"},
            {"year": "1850"},
            {"year": "2999"},
            {"boundary_type": "galaxy"},
        ],
    )
    rows, rejects = read_census_figures(path, city_ids)
    assert len(rows) == 1 and rows.loc[0, "source_row"] == 1
    got = set(zip(rejects["row_number"], rejects["field"], strict=True))
    assert got == {
        (2, "city_id"),
        (3, "population"),
        (4, "population"),
        (5, "year"),
        (6, "year"),
        (7, "boundary_type"),
    }
    assert (rejects["source_uri"] == str(path)).all()
    assert rejects.loc[rejects["row_number"] == 2, "value"].item() == "khm-atlantis"


def test_census_missing_column_raises(tmp_path: Path, city_ids: set[str]) -> None:
    path = _write_census(tmp_path, [{}])
    pd.read_csv(path).drop(columns=["boundary_type"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"census\.csv.*boundary_type"):
        read_census_figures(path, city_ids)


# ---------------------------------------------------------------- UN WUP 2018


def test_wup_phnom_penh(city_ids: set[str]) -> None:
    rows, rejects = read_wup2018(WUP, city_ids)
    assert rejects.empty
    assert rows["city_id"].nunique() == 24
    pp = rows[rows["city_id"] == "khm-phnom-penh"].set_index("year")
    assert pp.loc[2015, "population"] == 1_779_000.0  # file: 1779 thousand
    assert pp.loc[1950, "population"] == 364_000.0
    assert pp.loc[2035, "population"] == 3_224_000.0
    assert pp.loc[2015, "unit_name"] == "Phnum Pénh (Phnom Penh)"
    assert not pp.loc[2018, "is_projection"] and pp.loc[2019, "is_projection"]
    assert set(rows["boundary_type"]) == {"agglomeration"}
    assert set(rows["source_id"]) == {"un_wup2018"}
    assert len(pp) == 86  # 1950..2035


def test_wup_name_index_matches_slug_rule(cities: pd.DataFrame, city_ids: set[str]) -> None:
    by_slug, _ = read_wup2018(WUP, city_ids)
    by_name, _ = read_wup2018(WUP, city_ids, names=city_name_index(cities))
    pd.testing.assert_frame_equal(by_slug, by_name)


def test_wup_unknown_city_is_rejected(tmp_path: Path, city_ids: set[str]) -> None:
    df = pd.read_csv(WUP, dtype=str, keep_default_na=False).head(2)
    df.loc[1, "ascn_city"] = "Atlantis"
    path = tmp_path / "wup.csv"
    df.to_csv(path, index=False)
    rows, rejects = read_wup2018(path, city_ids)
    assert set(rows["city_id"]) == {"khm-phnom-penh"}
    assert rejects[["row_number", "field", "value"]].values.tolist() == [
        [2, "ascn_city", "Atlantis"]
    ]


def test_wup_missing_column_raises(tmp_path: Path, city_ids: set[str]) -> None:
    path = tmp_path / "wup.csv"
    pd.read_csv(WUP, dtype=str).drop(columns=["Urban Agglomeration"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"wup\.csv.*Urban Agglomeration"):
        read_wup2018(path, city_ids)


# ---------------------------------------------------------------- GHSL


def test_ghsl_battambang(city_ids: set[str]) -> None:
    rows, rejects = read_ghsl_urban_centres(GHSL, city_ids)
    assert rejects.empty
    assert len(rows) == 17
    btb = rows.set_index("city_id").loc["khm-battambang"]
    assert btb["uc_id"] == 11165
    assert btb["population"] == 175941.0
    assert btb["area_km2"] == 54.0
    assert btb["built_up_km2"] == pytest.approx(14.3611841202)
    assert btb["year"] == 2015 and btb["boundary_type"] == "urban_centre"
    assert btb["source_id"] == "ghsl_ucdb2015" and btb["source_row"] == 2


def test_ghsl_bad_rows(tmp_path: Path, city_ids: set[str]) -> None:
    df = pd.read_csv(GHSL, dtype=str, keep_default_na=False).head(3)
    df.loc[0, "ascn_city"] = "Atlantis"
    df.loc[2, "resident_pop"] = "n/a"
    path = tmp_path / "ghsl.csv"
    df.to_csv(path, index=False)
    rows, rejects = read_ghsl_urban_centres(path, city_ids)
    assert rows["city_id"].tolist() == ["khm-battambang"]
    assert rejects[["row_number", "field"]].values.tolist() == [
        [1, "ascn_city"],
        [3, "resident_pop"],
    ]


# ---------------------------------------------------------------- national series


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return read_national_snapshot(WB_DIR)


def test_national_columns_and_api_value(national: pd.DataFrame) -> None:
    assert list(national.columns) == [
        "country_iso3",
        "indicator_code",
        "year",
        "value",
        "vintage",
        "source_file",
    ]
    assert national["value"].notna().all()
    khm = national[
        (national["country_iso3"] == "KHM")
        & (national["indicator_code"] == "SP.POP.TOTL")
        & (national["year"] == 2016)
    ]
    # API record {"countryiso3code": "KHM", "date": "2016", "value": 15762370}
    api = khm[khm["source_file"] == "api_SP.POP.TOTL_2018-04-24.json"]
    assert api["value"].tolist() == [15762370.0]
    assert api["vintage"].tolist() == ["2018-04-24"]


def test_national_keeps_every_vintage(national: pd.DataFrame) -> None:
    internet = national[
        (national["country_iso3"] == "KHM")
        & (national["indicator_code"] == "IT.NET.USER.ZS")
        & (national["year"] == 2022)
    ]
    assert sorted(internet["value"]) == [56.7328, 59.6606]
    assert internet["vintage"].nunique() == 2
    assert set(national["country_iso3"]) == {
        "BRN",
        "KHM",
        "IDN",
        "LAO",
        "MYS",
        "MMR",
        "PHL",
        "SGP",
        "THA",
        "VNM",
    }
    gdp = set(
        national.loc[national["indicator_code"].str.startswith("NY.GDP.PCAP.PP"), "indicator_code"]
    )
    assert gdp == {"NY.GDP.PCAP.PP.KD@2011PPP", "NY.GDP.PCAP.PP.KD@2021PPP"}


def test_national_bad_api_response_raises(tmp_path: Path) -> None:
    for name in ["wdi_asean_countries_2018vintage.csv"]:
        (tmp_path / name).write_bytes((WB_DIR / name).read_bytes())
    (tmp_path / "api_SP.POP.TOTL_2018-04-24.json").write_text(
        '[{"message": [{"id": "120", "key": "Invalid value"}]}]', encoding="utf-8"
    )
    catalogue = tmp_path / "series.csv"
    catalogue.write_text("indicator_code,owid_source_file,owid_value_column\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"api_SP\.POP\.TOTL_2018-04-24\.json"):
        read_national_snapshot(tmp_path, catalogue)


def test_national_bad_owid_value_names_row(tmp_path: Path) -> None:
    for name in ["wdi_asean_countries_2018vintage.csv", "api_SP.POP.TOTL_2018-04-24.json"]:
        (tmp_path / name).write_bytes((WB_DIR / name).read_bytes())
    owid = tmp_path / "owid_grapher_2025_asean_countries.csv"
    owid.write_text(
        "source_file,Entity,Code,Year,source_value_column,value\n"
        "f.csv,Cambodia,KHM,2020,Urban population (% of total population),24.2\n"
        "f.csv,Cambodia,KHM,2021,Urban population (% of total population),abc\n",
        encoding="utf-8",
    )
    catalogue = tmp_path / "series.csv"
    catalogue.write_text(
        "indicator_code,owid_source_file,owid_value_column\n"
        "SP.URB.TOTL.IN.ZS,owid_grapher_2025_asean_countries.csv,"
        "Urban population (% of total population)\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"owid_grapher_2025.*row 2, field value"):
        read_national_snapshot(tmp_path, catalogue)

"""The population readers (census, WUP, GHSL, national snapshot) on the real bundled files and on
deliberately bad files.

Expected values were read by hand from the source files / docs/DOMAIN.md, not from the parser.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.population.census import read_census_figures
from assets.population.ghsl import read_ghsl_urban_centres
from assets.population.national import read_national_snapshot
from assets.population.wup import read_wup2018
from assets.reference.cities import CityMatcher, city_slug_id, read_cities
from assets.reference.vocabularies import boundary_types
from pipelines.framework.rejects import REJECT_COLUMNS
from pipelines.settings import Settings
from tests.helpers.reference import ASEAN_ISO3

DATA = Path(__file__).resolve().parents[3] / "data"
CITIES = DATA / "reference" / "cities.csv"
CENSUS = DATA / "sources" / "population" / "census_city_figures.csv"
WUP = DATA / "sources" / "population" / "un_wup2018_f22_ascn_cities.csv"
GHSL = DATA / "sources" / "ghsl" / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"
WB_DIR = DATA / "sources" / "worldbank"
NATIONAL_SERIES = DATA / "catalogue" / "national_series.csv"


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return read_cities(CITIES)


@pytest.fixture(scope="module")
def city_ids(cities: pd.DataFrame) -> set[str]:
    return set(cities["city_id"])


@pytest.fixture(scope="module")
def matcher(cities: pd.DataFrame) -> CityMatcher:
    return CityMatcher(cities)


@pytest.fixture(scope="module")
def bounds() -> set[str]:
    return set(boundary_types(Settings(data_dir=DATA)))


# ---------------------------------------------------------------- census figures


def test_census_battambang(city_ids: set[str], bounds: set[str]) -> None:
    rows, rejects = read_census_figures(CENSUS, city_ids, bounds)
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


def test_census_every_city_has_a_figure_and_a_source(city_ids: set[str], bounds: set[str]) -> None:
    rows, _ = read_census_figures(CENSUS, city_ids, bounds)
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


def test_census_bad_rows_are_rejected(tmp_path: Path, city_ids: set[str], bounds: set[str]) -> None:
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
    rows, rejects = read_census_figures(path, city_ids, bounds)
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


def test_census_missing_column_raises(tmp_path: Path, city_ids: set[str], bounds: set[str]) -> None:
    path = _write_census(tmp_path, [{}])
    pd.read_csv(path).drop(columns=["boundary_type"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"census\.csv.*boundary_type"):
        read_census_figures(path, city_ids, bounds)


def test_census_boundary_types_are_the_ones_given(
    tmp_path: Path, city_ids: set[str], bounds: set[str]
) -> None:
    # The accepted boundary types are the reference list passed in, not a list of the reader.
    path = _write_census(tmp_path, [{}, {"boundary_type": "district"}])
    assert "district" in bounds  # data/reference/boundary_types.csv has it
    rows, rejects = read_census_figures(path, city_ids, bounds)
    assert rows["boundary_type"].tolist() == ["municipality", "district"] and rejects.empty
    rows, rejects = read_census_figures(path, city_ids, {"municipality"})
    assert rows["source_row"].tolist() == [1]
    assert rejects[["row_number", "field", "value"]].values.tolist() == [
        [2, "boundary_type", "district"]
    ]


# ---------------------------------------------------------------- UN WUP 2018


def test_wup_phnom_penh(matcher: CityMatcher) -> None:
    rows, rejects = read_wup2018(WUP, matcher)
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


def test_wup_and_ghsl_names_match_the_slug_rule(matcher: CityMatcher, city_ids: set[str]) -> None:
    # The matcher gives every bundled row the id the registry's iso3-slug convention gives it
    # (what the readers did before they used the matcher): the published figures do not move.
    for path in (WUP, GHSL):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        for name, iso3 in zip(df["ascn_city"], df["ascn_country_iso3"], strict=True):
            assert city_slug_id(name, iso3) in city_ids
            assert matcher.id_for(name, iso3) == city_slug_id(name, iso3), (path.name, name)


def test_wup_unknown_city_is_rejected(tmp_path: Path, matcher: CityMatcher) -> None:
    df = pd.read_csv(WUP, dtype=str, keep_default_na=False).head(2)
    df.loc[1, "ascn_city"] = "Atlantis"
    path = tmp_path / "wup.csv"
    df.to_csv(path, index=False)
    rows, rejects = read_wup2018(path, matcher)
    assert set(rows["city_id"]) == {"khm-phnom-penh"}
    assert rejects[["row_number", "field", "value"]].values.tolist() == [
        [2, "ascn_city", "Atlantis"]
    ]


def test_wup_missing_column_raises(tmp_path: Path, matcher: CityMatcher) -> None:
    path = tmp_path / "wup.csv"
    pd.read_csv(WUP, dtype=str).drop(columns=["Urban Agglomeration"]).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"wup\.csv.*Urban Agglomeration"):
        read_wup2018(path, matcher)


# ---------------------------------------------------------------- GHSL


def test_ghsl_battambang(matcher: CityMatcher) -> None:
    rows, rejects = read_ghsl_urban_centres(GHSL, matcher)
    assert rejects.empty
    assert len(rows) == 17
    btb = rows.set_index("city_id").loc["khm-battambang"]
    assert btb["uc_id"] == 11165
    assert btb["population"] == 175941.0
    assert btb["area_km2"] == 54.0
    assert btb["built_up_km2"] == pytest.approx(14.3611841202)
    assert btb["year"] == 2015 and btb["boundary_type"] == "urban_centre"
    assert btb["source_id"] == "ghsl_ucdb2015" and btb["source_row"] == 2


def test_ghsl_bad_rows(tmp_path: Path, matcher: CityMatcher) -> None:
    df = pd.read_csv(GHSL, dtype=str, keep_default_na=False).head(3)
    df.loc[0, "ascn_city"] = "Atlantis"
    df.loc[2, "resident_pop"] = "n/a"
    path = tmp_path / "ghsl.csv"
    df.to_csv(path, index=False)
    rows, rejects = read_ghsl_urban_centres(path, matcher)
    assert rows["city_id"].tolist() == ["khm-battambang"]
    assert rejects[["row_number", "field"]].values.tolist() == [
        [1, "ascn_city"],
        [3, "resident_pop"],
    ]


# ---------------------------------------------------------------- national series


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return read_national_snapshot(WB_DIR, NATIONAL_SERIES)


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
    assert set(national["country_iso3"]) == set(ASEAN_ISO3)
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


def _national_dir_with_api(tmp_path: Path, api_text: str) -> tuple[Path, Path]:
    name = "wdi_asean_countries_2018vintage.csv"
    (tmp_path / name).write_bytes((WB_DIR / name).read_bytes())
    (tmp_path / "api_SP.POP.TOTL_2018-04-24.json").write_text(api_text, encoding="utf-8")
    catalogue = tmp_path / "series.csv"
    catalogue.write_text("indicator_code,owid_source_file,owid_value_column\n", encoding="utf-8")
    return tmp_path, catalogue


API_META = '{"page": 1, "pages": 1, "per_page": 20000, "lastupdated": "2018-04-24", "total": 9}'


def test_national_api_file_is_read_by_the_client_page_parser(tmp_path: Path) -> None:
    # Same rules as a live page: aggregates (no ISO3) and null values dropped, string numbers
    # accepted, vintage = lastupdated.
    records = (
        '{"indicator": {"id": "SP.POP.TOTL"}, "countryiso3code": "KHM", "date": "2016", '
        '"value": "15762370"}, '
        '{"indicator": {"id": "SP.POP.TOTL"}, "countryiso3code": "", "date": "2016", '
        '"value": 2296786207}, '
        '{"indicator": {"id": "SP.POP.TOTL"}, "countryiso3code": "BRN", "date": "2017", '
        '"value": null}'
    )
    folder, catalogue = _national_dir_with_api(tmp_path, f"[{API_META}, [{records}]]")
    national = read_national_snapshot(folder, catalogue)
    api = national[national["source_file"] == "api_SP.POP.TOTL_2018-04-24.json"]
    assert api[["country_iso3", "year", "value", "vintage"]].values.tolist() == [
        ["KHM", 2016, 15762370.0, "2018-04-24"]
    ]


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ('{"countryiso3code": "KHM", "date": "2016Q1", "value": 1}', "field 'date' is not a year"),
        ('{"countryiso3code": "KHM", "date": "2016"}', "missing field 'value'"),
        ('{"countryiso3code": "KHM", "date": "2016", "value": "n/a"}', "is not a number: 'n/a'"),
    ],
)
def test_national_api_file_schema_drift_names_file_and_field(
    tmp_path: Path, record: str, expected: str
) -> None:
    folder, catalogue = _national_dir_with_api(tmp_path, f"[{API_META}, [{record}]]")
    with pytest.raises(ValueError, match=r"api_SP\.POP\.TOTL_2018-04-24\.json") as err:
        read_national_snapshot(folder, catalogue)
    assert expected in str(err.value)

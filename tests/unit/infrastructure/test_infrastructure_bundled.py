"""The bundled published infrastructure sources: GHSL / Boeing street network, MIMU and Brunei
facility lists, SDG 11.2.1.

Expected values are read by hand from the committed CSVs (row cited in each comment); the
small facility files are SYNTHETIC, written to tmp_path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assets.infrastructure.ghsl_street_network import read_bundled_street_network
from assets.infrastructure.health_facilities import read_bundled_facilities
from assets.infrastructure.metric_rows import METRIC_COLUMNS
from assets.infrastructure.sdg_11_2_1 import read_sdg_11_2_1
from assets.reference.cities import CityMatcher
from assets.reference.countries import iso2_to_iso3
from pipelines.settings import Settings

DATA = Path(__file__).resolve().parents[3] / "data"
SRC = DATA / "sources" / "infrastructure"
GHSL = DATA / "sources" / "ghsl" / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"


@pytest.fixture(scope="module")
def cities() -> CityMatcher:
    return CityMatcher(
        pd.read_csv(DATA / "reference" / "cities.csv", dtype=str, keep_default_na=False)
    )


# --- bundled published sources --------------------------------------------------------------
def test_ghsl_street_network_rows(cities):
    df, rejects = read_bundled_street_network(GHSL, cities)
    assert rejects.empty and list(df.columns) == METRIC_COLUMNS
    assert set(df["source_id"]) == {"ghsl_ucdb2015"}
    assert set(df["boundary_type"]) == {"urban_centre"}
    assert set(df["osm_timestamp"]) == {"unknown"}
    bb = df[df.city_id == "khm-battambang"].set_index("metric_id")
    # Battambang row: intersect_count 1574, m 2683, length_mean 160.69531867312742, area 54.0,
    # built_up_area 14.3611841202, pm25_concentration 22.00235, transport_co2_em_bio empty
    assert bb.loc["street_intersections", "value"] == 1574
    assert bb.loc["uc_area", "value"] == 54.0
    assert bb.loc["uc_built_up_area", "value"] == pytest.approx(14.3611841202)
    assert bb.loc["pm25_concentration", "value"] == pytest.approx(22.00235)
    assert bb.loc["street_length_total", "value"] == pytest.approx(2683 * 160.69531867312742 / 1000)
    assert "DERIVED" in bb.loc["street_length_total", "notes"]
    assert "transport_co2_emissions_bio" not in bb.index  # empty in the source: stays missing
    # 17 ASCN cities covered (data/sources/INFRASTRUCTURE_SOURCES.md, GHSL section)
    assert df["city_id"].nunique() == 17


def test_ghsl_without_length_definitions_derives_no_length(tmp_path, cities):
    meta = tmp_path / "meta.csv"
    meta.write_text("indicator,type,description\nintersect_count,int,Count of intersections\n")
    df, _ = read_bundled_street_network(GHSL, cities, metadata_csv=meta)
    assert set(df["metric_id"]) == {"street_intersections"}


def test_mimu_and_brunei_facilities(cities):
    df, rejects = read_bundled_facilities(
        SRC / "mmr_mimu_public_hospitals_2020_ascn_cities.csv",
        SRC / "brn_moh_public_hospitals_health_centres.csv",
        cities,
    )
    assert rejects.empty and list(df.columns) == METRIC_COLUMNS
    got = df.set_index(["city_id", "metric_id"])
    # rows in the file: Yangon Region 84, Mandalay District 22, Nay Pyi Taw 22; boundaries as in
    # data/sources/INFRASTRUCTURE_SOURCES.md (MIMU)
    assert got.loc[("mmr-yangon", "public_hospitals"), "value"] == 84
    assert got.loc[("mmr-yangon", "public_hospitals"), "boundary_type"] == "province"
    assert got.loc[("mmr-mandalay", "public_hospitals"), "value"] == 22
    assert got.loc[("mmr-mandalay", "public_hospitals"), "boundary_type"] == "district"
    assert got.loc[("mmr-nay-pyi-taw", "public_hospitals"), "boundary_type"] == "union_territory"
    # Brunei-Muara district: 1 row "Hospital", 9 rows "Health Centre"
    assert got.loc[("brn-bandar-seri-begawan", "public_hospitals"), "value"] == 1
    assert got.loc[("brn-bandar-seri-begawan", "public_health_centres"), "value"] == 9
    assert "NA" not in set(df["value"].astype(str))


def test_mimu_bed_class_sum_skips_non_numeric(tmp_path, cities):
    # synthetic three-hospital file: bedClass 16, 50 and NA
    head = (
        "FID,the_geom,id_healthF,nmHsp_mya,nmHsp_eng,lvlHsp_mya,lvlHsp_eng,bedClass,SR_PCODE,"
        "SR_mya,SR,DT_PCODE,DT,TS_PCODE,TS_mya,TS_en,SELF_ADMIN,comment,accuraConf,ascn_city,"
        "ascn_match_level\n"
    )
    rows = "".join(
        f"x.{i},POINT (96 21),h{i},,H{i},,Station,{b},,,,,,,,,,,,Mandalay,district (Mandalay)\n"
        for i, b in enumerate(["16", "50", "NA"])
    )
    mimu = tmp_path / "mimu.csv"
    mimu.write_text(head + rows)
    brn = tmp_path / "brn.csv"
    brn.write_text(
        "district,facility_name,facility_type,public_or_private,latitude,longitude,"
        "ascn_city,ascn_match_level\n"
    )
    df, _ = read_bundled_facilities(mimu, brn, cities)
    beds = df.set_index("metric_id").loc["public_hospital_bed_class_sum"]
    assert beds["value"] == 66 and "2 of 3" in beds["notes"]


def test_sdg_11_2_1_keeps_both_vientiane_rows(cities):
    df, rejects = read_sdg_11_2_1(
        SRC / "sdg_11_2_1_public_transport_access_asean_cities.csv",
        cities,
        iso2_to_iso3(Settings(data_dir=DATA)),
    )
    assert rejects.empty and list(df.columns) == METRIC_COLUMNS
    vte = df[df.city_id == "lao-vientiane"].set_index("boundary_ref")
    # two UN rows in the source: "Vientiane" 24.9697 and "Viengchan" 23.95793 (both 2020)
    assert vte.loc["UN SDG city 'Vientiane'", "value"] == pytest.approx(24.9697)
    assert vte.loc["UN SDG city 'Viengchan'", "value"] == pytest.approx(23.95793)
    assert all("choose one" in n for n in vte["notes"])
    sgp = df[df.city_id == "sgp-singapore"].iloc[0]
    assert (sgp["value"], sgp["reference_period"]) == (99.0, "2022")
    assert len(df) == 21  # 20 pilot cities, Vientiane twice
    assert not df.duplicated(["city_id", "metric_id", "boundary_ref", "reference_period"]).any()

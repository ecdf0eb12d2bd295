"""Catalogue / boundary loaders and the bundled infrastructure sources.

Expected values for bundled files are read by hand from the committed CSVs (row cited in each
comment); broken catalogue and boundary files are SYNTHETIC, written to tmp_path.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from assets.infrastructure.parse import (
    OUTPUT_COLUMNS,
    load_city_boundaries,
    load_metric_catalogue,
    read_bundled_facilities,
    read_bundled_street_network,
    read_sdg_11_2_1,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SRC = DATA / "sources" / "infrastructure"
CATALOGUE = DATA / "catalogue" / "osm_metrics.csv"
BOUNDARIES = DATA / "reference" / "city_boundaries.csv"
GHSL = DATA / "sources" / "ghsl" / "ghsl_ucdb2015_via_boeing_street_network_indicators_ascn.csv"


@pytest.fixture(scope="module")
def cities() -> pd.DataFrame:
    return pd.read_csv(DATA / "reference" / "cities.csv", dtype=str, keep_default_na=False)


# --- catalogue ------------------------------------------------------------------------------
def test_bundled_catalogue_is_valid_and_covers_the_required_metrics():
    cat = load_metric_catalogue(CATALOGUE)
    required = {
        "hospitals", "clinics_doctors", "pharmacies", "schools", "universities_colleges",
        "libraries", "police_stations", "fire_stations", "public_transport_stops",
        "cycleway_length", "green_area", "drinking_water", "toilets", "waste_facilities",
        "power_substations", "road_length_residential", "road_length_motorway",
    }  # fmt: skip
    assert required <= set(cat["metric_id"])
    assert cat.set_index("metric_id").loc["green_area", "unit"] == "km2"


HEADER = "metric_id,name,osm_filter,geometry,unit,aggregation,focus_area_id,notes\n"
GOOD = "hospitals,Hospitals,[amenity=hospital],point,count,count,health_wellbeing,\n"


@pytest.mark.parametrize(
    "bad_row, field",
    [
        (GOOD, "metric_id"),  # duplicate id
        ("roads,Roads,[highway=primary],polygon,km,sum_length,built_infrastructure,\n", "geometry"),
        ("roads,Roads,[highway=primary],line,m,sum_length,built_infrastructure,\n", "unit"),
        ("roads,Roads,[highway=primary],line,km,count,built_infrastructure,\n", "aggregation"),
        ("roads,Roads,[highway=primary],line,km,sum_length,transport,\n", "focus_area_id"),
        (
            'roads,Roads,"[highway=primary];out;",line,km,sum_length,built_infrastructure,\n',
            "osm_filter",
        ),
        (
            'roads,Roads,"[highway~""(a|b""]",line,km,sum_length,built_infrastructure,\n',
            "osm_filter",
        ),
    ],
)
def test_broken_catalogue_entry_raises_naming_row_and_field(tmp_path, bad_row, field):
    path = tmp_path / "osm_metrics.csv"
    path.write_text(HEADER + GOOD + bad_row)
    with pytest.raises(ValueError) as err:
        load_metric_catalogue(path)
    assert "row 3" in str(err.value) and f"field {field}" in str(err.value)


# --- boundaries -----------------------------------------------------------------------------
def test_bundled_boundaries_cover_every_registry_city(cities):
    boundaries, rejects = load_city_boundaries(BOUNDARIES, cities)
    assert rejects.empty
    assert {b.city_id for b in boundaries} == set(cities["city_id"])
    bb = next(b for b in boundaries if b.city_id == "khm-battambang")
    # 293 km2 municipality (DOMAIN.md 1.3): sqrt(293 / pi) = 9.657... -> 9.7 km
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


# --- bundled published sources --------------------------------------------------------------
def test_ghsl_street_network_rows(cities):
    df, rejects = read_bundled_street_network(GHSL, cities)
    assert rejects.empty and list(df.columns) == OUTPUT_COLUMNS
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
    assert df["city_id"].nunique() == 17  # SOURCES.md section 8: 17 ASCN cities covered


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
    assert rejects.empty and list(df.columns) == OUTPUT_COLUMNS
    got = df.set_index(["city_id", "metric_id"])
    # more/SOURCES.md section 7: Yangon Region 84, Mandalay District 22, Nay Pyi Taw 22 rows
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
        SRC / "sdg_11_2_1_public_transport_access_asean_cities.csv", cities
    )
    assert rejects.empty and list(df.columns) == OUTPUT_COLUMNS
    vte = df[df.city_id == "lao-vientiane"].set_index("boundary_ref")
    # two UN rows in the source: "Vientiane" 24.9697 and "Viengchan" 23.95793 (both 2020)
    assert vte.loc["UN SDG city 'Vientiane'", "value"] == pytest.approx(24.9697)
    assert vte.loc["UN SDG city 'Viengchan'", "value"] == pytest.approx(23.95793)
    assert all("choose one" in n for n in vte["notes"])
    sgp = df[df.city_id == "sgp-singapore"].iloc[0]
    assert (sgp["value"], sgp["reference_period"]) == (99.0, "2022")
    assert len(df) == 21  # 20 pilot cities, Vientiane twice
    assert not df.duplicated(["city_id", "metric_id", "boundary_ref", "reference_period"]).any()

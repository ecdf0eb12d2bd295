"""World Bank / IATI conforming, sector mapping, FX, de-duplication and company matching.

World Bank: the real bundled records (data/sources/projects/worldbank_projects_asean_2013.json);
cities: the real registry (data/reference/cities.csv). IATI activities, register rows and
companies below are SYNTHETIC EXAMPLES made up for the tests. Expected values are worked out by
hand from the inputs.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from assets.projects.companies import match_companies, read_company_register
from assets.projects.conform import COLUMNS, conform_iati, conform_worldbank
from assets.projects.currency import add_usd, load_currencies, to_usd
from assets.projects.linking import link_duplicates
from assets.projects.lookups import Lookups, load_lookups, load_sector_map
from assets.projects.project_register import read_project_register
from assets.projects.worldbank_records import parse_projects_payload
from assets.reference.cities import read_cities
from assets.reference.vocabularies import focus_areas
from pipelines.settings import Settings
from tests.helpers.reference import FOCUS_AREA_IDS

ROOT = Path(__file__).resolve().parents[3]
WB_FILE = ROOT / "data/sources/projects/worldbank_projects_asean_2013.json"


@pytest.fixture
def cities() -> pd.DataFrame:
    return read_cities(ROOT / "data/reference/cities.csv")


@pytest.fixture
def sector_map() -> pd.DataFrame:
    return load_sector_map(ROOT / "data/catalogue/sector_focus_map.csv")


@pytest.fixture
def lookups(cities) -> Lookups:
    """The repository's reference files (sector map, countries, ...) with the test cities."""
    return load_lookups(Settings(), cities)


@pytest.fixture
def wb(lookups) -> pd.DataFrame:
    records = json.loads(WB_FILE.read_text(encoding="utf-8"))
    frame = parse_projects_payload(records, str(WB_FILE))
    return conform_worldbank(frame, lookups)


# ----------------------------------------------------------------------------- World Bank
def test_worldbank_conformed_columns(wb):
    assert list(wb.columns) == list(COLUMNS)
    assert len(wb) == 52
    assert set(wb["source_id"]) == {"worldbank_projects"}


def test_danang_sustainable_city_project(wb):
    r = wb[wb["source_project_id"] == "P123384"].iloc[0]
    # The title names Da Nang, but the 2013 record has no geocoded location: a project is placed
    # by location only, so it is national.
    assert pd.isna(r["city_id"]) and r["placement"] == "national" and r["places"] == []
    assert (r["status"], r["source_status"]) == ("active", "Active")
    # _id.$oid 52b213b3...: 0x52b213b3 = 1387402163 s = 2013-12-18 21:29:23 UTC
    assert r["status_as_of"] == date(2013, 12, 18)
    # idacommamt 202,500,000 -> the one financier row (IBRD 0 and grant 0 give none)
    assert [(f["financier_id"], f["amount_usd"]) for f in r["financiers"]] == [
        ("IDA", 202_500_000.0)
    ]
    # record: totalcommamt 202500000 (= idacommamt 202500000), lendprojectcost 272200000
    assert r["cost"] == 202_500_000.0 and r["project_cost"] == 272_200_000.0
    assert r["currency"] == "USD" and r["financier"] == "World Bank"
    assert r["start_date"] == date(2013, 4, 26) and r["end_date"] == date(2019, 6, 30)
    # sector1..4: Urban Transport 44 (TC, built), Flood protection 24 (WD, safety), Wastewater
    # Treatment and Disposal 23 (WV, quality), General transportation sector 5 (TZ, built):
    # built 49, safety 24, quality 23 -> primary built_infrastructure
    assert r["focus_area_id"] == "built_infrastructure"
    assert r["focus_shares"] == [
        {"focus_area_id": "built_infrastructure", "percent": 49.0},
        {"focus_area_id": "safety_security", "percent": 24.0},
        {"focus_area_id": "quality_environment", "percent": 23.0},
    ]
    usd = to_usd(r["cost"], r["currency"], 2013, pd.DataFrame())
    assert (usd.usd, usd.rate, usd.rate_source) == (202_500_000.0, 1.0, "identity")


def test_worldbank_closed_maps_to_completed_and_national_projects_have_no_city(wb):
    r = wb[wb["source_project_id"] == "P143025"].iloc[0]  # Lao PDR Ninth PRSO, Closed
    assert r["status"] == "completed"
    assert pd.isna(r["city_id"]) and r["placement"] == "national"


def test_worldbank_health_project_focus(wb):
    r = wb[wb["source_project_id"] == "P146271"].iloc[0]
    # sector1..4: Health 44 (JA, health), Central government administration 24 (BC, civic),
    # Sub-national government administration 24 (BH, civic), Other social services 4 (JB,
    # civic): civic 52 > health 44, so the primary area is civic_social, health the second
    assert r["focus_area_id"] == "civic_social"
    assert r["focus_area_ids"] == ["civic_social", "health_wellbeing"]
    assert [s["percent"] for s in r["focus_shares"]] == [52.0, 44.0]


def test_every_worldbank_sector_code_in_snapshot_is_mapped(sector_map):
    records = json.loads(WB_FILE.read_text(encoding="utf-8"))
    codes = {s["code"] for r in records for s in r.get("sector_namecode", [])}
    mapped = set(sector_map.loc[sector_map["vocabulary"] == "worldbank_sector", "code"])
    assert codes - mapped == set()


def test_sector_map_uses_known_focus_areas(sector_map):
    assert set(sector_map["focus_area_id"]) <= set(FOCUS_AREA_IDS)
    assert not sector_map.duplicated(["vocabulary", "code"]).any()


# ----------------------------------------------------------------------------- IATI (synthetic)
def iati_docs() -> pd.DataFrame:
    """SYNTHETIC EXAMPLE activities in the shape of assets.projects.iati_api's normaliser."""
    base = {
        "description": None,
        "reporting_org_ref": "XX-EXAMPLE-1",
        "reporting_org_name": "EXAMPLE Agency",
        "participating_orgs": [],
        "recipient_countries": ["KH"],
        "sector_vocabularies": None,
        "currency": "USD",
        "end_date": None,
        "location_names": [],
    }
    docs = [
        {
            "iati_identifier": "XX-EXAMPLE-1-0001",
            "title": "EXAMPLE Battambang drainage",
            # a point 0.5 km north of Battambang's registry centre (13.100, 103.200)
            "locations": [{"name": "EXAMPLE site", "latitude": 13.1045, "longitude": 103.2}],
            "sector_codes": ["14022"],
            "activity_status_code": "2",
            "start_date": "2020-01-01",
            "budget_value_sum": 1_000_000.0,
        },
        {
            "iati_identifier": "XX-EXAMPLE-1-0002",
            "title": "EXAMPLE provincial towns programme",
            "description": "Works in Battambang and other towns",
            "sector_codes": ["14050"],
            "activity_status_code": "6",
            "start_date": "2021-03-01",
            "budget_value_sum": 500.0,
            "currency": "KHR",
        },
        {
            "iati_identifier": "XX-EXAMPLE-1-0003",
            "title": "EXAMPLE national health support",
            "sector_codes": ["99999", "12220"],
            "activity_status_code": "5",
            "start_date": "2019-05-01",
            "budget_value_sum": None,
        },
        {
            "iati_identifier": "XX-EXAMPLE-1-0004",
            "title": "EXAMPLE roads",
            "location_names": ["Phnom Penh", "Battambang"],
            "sector_codes": ["21020"],
            "activity_status_code": "1",
            "start_date": None,
            "budget_value_sum": 10.0,
            "reporting_org_type": "40",
        },
        {
            "iati_identifier": "XX-EXAMPLE-1-P123384",
            "title": "EXAMPLE co-financing of P123384",
            "recipient_countries": ["VN"],
            "sector_codes": ["21020"],
            "activity_status_code": "3",
            "start_date": "2013-06-01",
            "budget_value_sum": 5.0,
        },
    ]
    return pd.DataFrame([{**base, **d} for d in docs])


@pytest.fixture
def iati(lookups) -> pd.DataFrame:
    return conform_iati(iati_docs(), lookups)


def test_iati_columns_status_and_city(iati):
    assert list(iati.columns) == list(COLUMNS)
    by = iati.set_index("source_project_id")
    # 0.5 km from the centre: inside the 10 km ring
    assert by.loc["XX-EXAMPLE-1-0001", ["city_id", "match_level"]].tolist() == [
        "khm-battambang",
        "site_in_city",
    ]
    assert by.loc["XX-EXAMPLE-1-0001", "places"][0]["distance_km"] == pytest.approx(0.5, abs=0.01)
    assert by.loc["XX-EXAMPLE-1-0001", "status"] == "active"
    # only the title and description name the city; no location: national, never by name
    assert pd.isna(by.loc["XX-EXAMPLE-1-0002", "city_id"])
    assert by.loc["XX-EXAMPLE-1-0002", "placement"] == "national"
    # 6 Suspended -> active, original kept
    assert by.loc["XX-EXAMPLE-1-0002", "status"] == "active"
    assert by.loc["XX-EXAMPLE-1-0002", "source_status"] == "6 Suspended"
    assert by.loc["XX-EXAMPLE-1-0003", "status"] == "cancelled"
    assert pd.isna(by.loc["XX-EXAMPLE-1-0003", "city_id"])
    # location names "Phnom Penh" and "Battambang" without points: each is also the name of
    # the city's province (cities.csv province_name), so each places the project at province
    # level; two cities at the same level -> no single city_id, both in city_candidates
    assert pd.isna(by.loc["XX-EXAMPLE-1-0004", "city_id"])
    assert by.loc["XX-EXAMPLE-1-0004", "match_level"] == "province_containing_city"
    assert by.loc["XX-EXAMPLE-1-0004", "city_candidates"] == ["khm-battambang", "khm-phnom-penh"]
    assert by.loc["XX-EXAMPLE-1-0004", "status"] == "pipeline"
    assert by.loc["XX-EXAMPLE-1-0004", "financier_type"] == "multilateral"


def test_iati_sector_mapping(iati):
    by = iati.set_index("source_project_id")
    assert by.loc["XX-EXAMPLE-1-0001", "focus_area_id"] == "quality_environment"  # 14022
    assert by.loc["XX-EXAMPLE-1-0001", "sector"] == "Sanitation - large systems"
    # 99999 is not in the map: the first mapped code (12220 Basic health care) decides
    assert by.loc["XX-EXAMPLE-1-0003", "focus_area_id"] == "health_wellbeing"
    assert by.loc["XX-EXAMPLE-1-0004", "focus_area_id"] == "built_infrastructure"  # 21020


def test_iati_non_dac_vocabulary_codes_are_ignored(lookups):
    doc = iati_docs().iloc[[0]].copy()
    doc.at[doc.index[0], "sector_codes"] = ["14022", "14050"]
    doc.at[doc.index[0], "sector_vocabularies"] = ["99", "1"]
    out = conform_iati(doc, lookups)
    assert out.iloc[0]["sector_codes"] == ["14050"]
    assert out.iloc[0]["focus_area_id"] == "quality_environment"  # 14050 Waste management


# ----------------------------------------------------------------------------- currency
def test_to_usd_by_hand():
    rates = pd.DataFrame(
        [
            {"currency": "KHR", "year": 2021, "units_per_usd": 4000.0, "source": "EXAMPLE rate"},
        ]
    )  # SYNTHETIC rate, only for the arithmetic
    got = to_usd(2_000_000, "KHR", 2021, rates)
    assert got == (500.0, 4000.0, 2021, "EXAMPLE rate")
    assert got.reason is None
    missing = to_usd(2_000_000, "KHR", 2020, rates)  # no 2020 row: never borrowed from 2021
    assert missing == (None, None, None, "no_rate") and missing.reason == "no_rate"
    assert to_usd(None, "KHR", 2021, rates).reason == "no_amount"
    assert to_usd(5, "USD", 2021, pd.DataFrame()).usd == 5.0


def test_bundled_fx_table_is_header_only_and_amounts_stay_flagged(iati):
    rates = pd.read_csv(ROOT / "data/reference/fx_rates_usd.csv")
    assert list(rates.columns) == ["currency", "year", "units_per_usd", "source"]
    out = add_usd(iati, rates).set_index("source_project_id")
    assert out.loc["XX-EXAMPLE-1-0001", "cost_usd"] == 1_000_000.0
    assert pd.isna(out.loc["XX-EXAMPLE-1-0002", "cost_usd"])
    assert out.loc["XX-EXAMPLE-1-0002", "fx_flag"] == "no_rate"
    assert out.loc["XX-EXAMPLE-1-0003", "fx_flag"] == "no_amount"


def test_iso4217_list_is_real_codes():
    codes = load_currencies(ROOT / "data/reference/iso4217_currencies.csv")
    assert {"USD", "KHR", "THB", "VND", "JPY", "EUR", "LAK", "MMK"} <= codes
    assert "XYZ" not in codes and len(codes) > 150


# ----------------------------------------------------------------------------- de-duplication
def register_rows(tmp_path: Path, lookups: Lookups) -> pd.DataFrame:
    """SYNTHETIC EXAMPLE register: one row restating the WB Da Nang project, one restating the
    synthetic IATI Battambang drainage activity by title+city+year."""
    path = tmp_path / "reg.csv"
    path.write_text(
        "project_id,city,title,sector,focus_area,status,start_date,cost,currency,source\n"
        "EX-P123384,vnm-da-nang,EXAMPLE city copy of the WB project,transport,"
        "built_infrastructure,active,2013-05-01,,,World Bank P123384 (EXAMPLE)\n"
        "EX-2,khm-battambang,EXAMPLE  Battambang drainage!,drainage,built_infrastructure,"
        "active,2020-06-30,,,EXAMPLE document\n"
        "EX-3,khm-battambang,EXAMPLE market upgrade,markets,industry_innovation,pipeline,"
        "2026-01-01,,,EXAMPLE document\n",
        encoding="utf-8",
    )
    rows, rejects = read_project_register(path, lookups, date(2025, 6, 1))
    assert rejects.empty
    return rows


def test_link_duplicates_across_sources(tmp_path, lookups, wb, iati):
    allrows = pd.concat([register_rows(tmp_path, lookups), wb, iati], ignore_index=True)
    linked = link_duplicates(allrows)
    assert len(linked) == len(allrows)  # every source row is kept

    def key(source_id, pid):
        sel = linked[(linked.source_id == source_id) & (linked.source_project_id == pid)]
        return sel.iloc[0]

    # P-code rule: WB P123384, register source mentioning P123384, IATI id ending -P123384
    danang = [
        key("project_register", "EX-P123384"),
        key("worldbank_projects", "P123384"),
        key("iati", "XX-EXAMPLE-1-P123384"),
    ]
    assert {r["project_key"] for r in danang} == {"wb:P123384"}
    assert [bool(r["is_primary"]) for r in danang] == [True, False, False]
    # title + city + start year rule (punctuation/spacing/case ignored)
    reg, act = key("project_register", "EX-2"), key("iati", "XX-EXAMPLE-1-0001")
    assert reg["project_key"] == act["project_key"]
    assert bool(reg["is_primary"]) and not bool(act["is_primary"])
    # exactly one primary per key
    assert linked.groupby("project_key")["is_primary"].sum().eq(1).all()
    # unrelated rows stay apart
    assert key("project_register", "EX-3")["project_key"] != reg["project_key"]


def test_same_title_other_year_is_not_linked(lookups):
    docs = iati_docs().iloc[[0, 0]].copy()
    docs["iati_identifier"] = ["XX-EXAMPLE-A", "XX-EXAMPLE-B"]
    docs["start_date"] = ["2020-01-01", "2022-01-01"]
    linked = link_duplicates(conform_iati(docs, lookups))
    assert linked["project_key"].nunique() == 2 and linked["is_primary"].all()


# ----------------------------------------------------------------------------- companies
def write_companies(tmp_path: Path) -> Path:
    path = tmp_path / "companies.csv"
    path.write_text(
        "company_id,name,country_iso3,sectors,focus_areas,capabilities,contact_url\n"
        "EXC-1,EXAMPLE Engineering JP (synthetic),JPN,drainage;water,"
        "built_infrastructure;quality_environment,drainage design and flood control,\n"
        "EXC-2,EXAMPLE Builders SG (synthetic),SGP,drainage,built_infrastructure,"
        "drainage construction,\n"
        "EXC-3,EXAMPLE Health IT (synthetic),KOR,ehealth,health_wellbeing,hospital software,\n"
        "EXC-4,EXAMPLE Bad (synthetic),JP,drainage,smart_stuff,,\n",
        encoding="utf-8",
    )
    return path


def test_read_company_register_rejects(tmp_path):
    companies, rejects = read_company_register(write_companies(tmp_path), focus_areas(Settings()))
    assert list(companies["company_id"]) == ["EXC-1", "EXC-2", "EXC-3"]
    assert companies.iloc[0]["sectors"] == ["drainage", "water"]
    assert sorted(zip(rejects["field"], rejects["reason"], strict=True)) == [
        ("country_iso3", "bad_country_code"),
        ("focus_areas", "unknown_focus_area"),
    ]
    assert set(rejects["row_number"]) == {4}


def test_match_companies_ranks_and_prefers_jp_kh_for_cambodia(tmp_path, lookups):
    companies, _ = read_company_register(write_companies(tmp_path), focus_areas(Settings()))
    projects = link_duplicates(register_rows(tmp_path, lookups))
    matches = match_companies(companies, projects)
    drainage = matches[matches.source_project_id == "EX-2"].set_index("company_id")
    # EXC-1: focus +3, sector 'drainage' in sector/title +1, 'drainage' in capabilities +1,
    #        JPN firm for a KHM project +1 = 6
    # EXC-2: focus +3, sector +1, capabilities +1 = 5 (SGP: no preference)
    assert drainage.loc["EXC-1", "score"] == 6 and drainage.loc["EXC-2", "score"] == 5
    assert drainage.loc["EXC-1", "rank"] == 1 and drainage.loc["EXC-2", "rank"] == 2
    assert "focus area built_infrastructure matches" in drainage.loc["EXC-1", "reason"]
    assert "sector 'drainage' in capabilities" in drainage.loc["EXC-1", "reason"]
    assert "JPN firm preferred for KHM project" in drainage.loc["EXC-1", "reason"]
    assert "EXC-3" not in drainage.index  # no overlap, no row
    # the Viet Nam row gets no JP/KH bonus
    vn = matches[matches.source_project_id == "EX-P123384"].set_index("company_id")
    assert "preferred" not in vn.loc["EXC-1", "reason"]


def test_match_companies_skips_closed_projects(tmp_path, lookups):
    companies, _ = read_company_register(write_companies(tmp_path), focus_areas(Settings()))
    projects = register_rows(tmp_path, lookups)
    projects["status"] = "completed"
    assert match_companies(companies, projects).empty


def test_bundled_documented_projects_parse(lookups):
    path = ROOT / "data/sources/projects/documented_city_projects.csv"
    rows, rejects = read_project_register(path, lookups)
    assert rejects.empty
    adb = rows.set_index("source_project_id").loc["ADB-43319-033"]
    assert adb["city_id"] == "khm-battambang" and adb["status"] == "completed"
    assert pd.isna(adb["cost"])  # not stated in the stored source: missing, not zero
    assert adb["source_ref"].startswith("https://www.adb.org/projects/43319-033")

"""Battambang on the REAL 2025 records of ../shared/reference/v2 (read from there, never copied):
the World Bank projects-list export as of 2025-03-31 (projects, sectors, geocoded locations,
financiers; CC BY 4.0) and AidData GCDF 3.0 ADM1/ADM2 locations (ODC-By 1.0).

Expected values were worked out by hand from the CSV files (a separate pandas reading, not this
code): the geo file has 18 projects with a Battambang location; two place ids occur,
geo_loc_id 1831797 (13.10271 N, 103.19822 E: 0.36 km from the registry centre 13.100 N,
103.200 E, haversine with R = 6371.0088 km) and geo_loc_id 1821310 (12.91667 N, 103.08333 E,
named "Battambang": 23.99 km away, the province centroid). Of the 18, five have status Active in
the projects file (all "BANK APPROVED", closing after 2025-03-31); their financiers are the
financiers file's rows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from assets.projects import aiddata
from assets.projects.lookups import country_names
from assets.projects.worldbank_export import read_export
from tests.unit.projects import project_warehouse as wh

V2 = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "v2"
pytestmark = pytest.mark.skipif(
    not (V2 / "wb_projects_asean_asof2025-03-31.csv").exists(),
    reason=f"the shared reference files are not here ({V2.resolve()}): the 2025 World Bank and "
    "AidData records live outside the repository and are not copied into it",
)
BTB = "khm-battambang"
TODAY = date(2026, 12, 1)  # the statuses of 2025-03-31 are 610 days old: current (< 1095)

# project -> (match level, location, km from the centre) by hand from the geo file
ACTIVE_2025 = {
    "P163264": ("province_containing_city", "1821310", 23.99),
    "P163876": ("site_in_city", "1831797", 0.36),
    "P165344": ("province_containing_city", "1821310", 23.99),
    "P169629": ("site_in_city", "1831797", 0.36),
    "P172351": ("site_in_city", "1831797", 0.36),
}
# project -> {(financier name, financer_id): amount_usd} from the financiers file
FINANCIERS = {
    "P163264": {("IDA Credit", "IDA"): 91_670_000, ("Borrower/Recipient", "BORR"): 10_000_000},
    "P163876": {("IDA Credit", "IDA"): 55_000_000, ("Borrower/Recipient", "BORR"): 2_500_000},
    "P165344": {("IDA Credit", "IDA"): 50_660_000, ("Borrower/Recipient", "BORR"): 2_500_000},
    "P169629": {
        ("IDA Credit", "IDA"): 15_000_000,
        ("Trust Funds", "TF"): 8_000_000,
        ("Borrower/Recipient", "BORR"): 1_500_000,
    },
    "P172351": {("Global Environment Facility (GEF)", "GEFU"): 4_420_000},
}
# AidData ADM1 rows of Battambang (shapeName "Battambang", shapeGroup KHM), by hand
AIDDATA_ADM1_IDS = {
    "38795", "62235", "62335", "62704", "89547", "32105",
    "61673", "32168", "32187", "35591", "62472", "88787",
}  # fmt: skip


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    """The real export and AidData files through the real staging code and mart SQL."""
    con = duckdb.connect()
    wh.reference(con)
    rows, rejects = read_export(V2, None, country_names(wh.SETTINGS))
    assert rejects.empty
    located, bad = aiddata.read_locations(aiddata.location_files(V2))
    assert bad.empty
    wh.land(con, worldbank=rows, aiddata=located)
    wh.staged(con, TODAY)
    wh.marts(con, ["projects", "project_places", "donor_coordination", "focus_area_funding_gaps"])
    return con


def test_the_export_is_read_whole_with_its_as_of_date(con):
    # 2,379 projects: Closed 1,640, Dropped 570, Active 152, Pipeline 17 (v2/SOURCES.md)
    got = dict(
        con.sql(
            "select source_status, count(*) from marts.projects "
            "where source_id = 'worldbank_projects' group by 1"
        ).fetchall()
    )
    assert got == {"Closed": 1640, "Dropped": 570, "Active": 152, "Pipeline": 17}
    as_of = con.sql(
        "select distinct status_as_of, status_is_current from marts.projects "
        "where source_id = 'worldbank_projects'"
    ).fetchall()
    assert as_of == [(date(2025, 3, 31), True)]


def test_battambang_active_projects_with_their_match_level(con):
    rows = con.sql(
        "select source_project_id, match_level, distance_km from marts.project_places "
        "where city_id = $c and status = 'active' and status_is_current order by 1",
        params={"c": BTB},
    ).fetchall()
    assert [r[0] for r in rows] == sorted(ACTIVE_2025)
    for pid, level, km in rows:
        assert level == ACTIVE_2025[pid][0], pid
        assert km == pytest.approx(ACTIVE_2025[pid][2], abs=0.01), pid


def test_battambang_locations_are_the_two_place_ids(con):
    staged = con.sql(
        "select source_project_id, pl.location_name, pl.latitude, pl.longitude "
        "from (select source_project_id, unnest(places) as pl from staging.projects) "
        "where pl.city_id = $c",
        params={"c": BTB},
    ).fetchall()
    points = {(round(lat, 5), round(lon, 5)) for _, _, lat, lon in staged}
    # 1831797 the town point and 1821310 the province centroid; nothing else (P106603's other
    # site point, Svay Pao at 2.73 km, loses to its nearer 1831797 "Batdambang")
    assert points == {(13.10271, 103.19822), (12.91667, 103.08333)}
    assert len({pid for pid, *_ in staged}) == 18  # every project with a Battambang location


def test_battambang_financiers_of_the_active_five(con):
    rows = con.sql(
        "select source_project_id, f.name, f.financier_id, f.amount_usd, f.currency "
        "from (select source_project_id, unnest(financiers) as f from staging.projects "
        "      where source_id = 'worldbank_projects') "
        "where source_project_id in (select unnest($ids))",
        params={"ids": list(ACTIVE_2025)},
    ).fetchall()
    got: dict[str, dict[tuple[str, str], float]] = {}
    for pid, name, fid, usd, _currency in rows:
        got.setdefault(pid, {})[(name, fid)] = usd
    assert got == FINANCIERS


def test_donor_coordination_keeps_price_bases_apart(con):
    rows = con.sql(
        "select source_id, price_basis, sum(amount), sum(projects) "
        "from marts.donor_coordination where city_id = $c group by all order by 1, 2",
        params={"c": BTB},
    ).fetchall()
    bases = {(src, basis) for src, basis, _, _ in rows}
    assert ("aiddata_gcdf", "constant 2021 US$") in bases
    assert ("worldbank_projects", "current US$ (at commitment)") in bases
    # No row mixes the two: every AidData row is constant 2021 US$, every WB row current US$.
    mixed = con.sql(
        "select count(*) from marts.donor_coordination where "
        "(source_id = 'aiddata_gcdf') <> (price_basis = 'constant 2021 US$')"
    ).fetchall()[0][0]
    assert mixed == 0
    # IDA to the active five: 91.67 + 55 + 50.66 + 15 M = 212.33 M current US$
    ida = con.sql(
        "select sum(amount) from marts.donor_coordination where city_id = $c "
        "and financier = 'IDA Credit' and active_projects > 0",
        params={"c": BTB},
    ).fetchall()[0][0]
    assert ida == pytest.approx(91_670_000 + 55_000_000 + 50_660_000 + 15_000_000)


def test_battambang_aiddata_adm1_rows(con):
    rows = con.sql(
        "select aiddata_project_id, intersection_value_usd2021, even_split_value_usd2021, "
        "licence, vintage from staging.aiddata_locations "
        "where city_id = $c and adm_level = 1",
        params={"c": BTB},
    ).fetchall()
    assert len(rows) == 12 and {r[0] for r in rows} == AIDDATA_ADM1_IDS
    # sums by hand from the 12 rows; 3 rows have no amount (empty, not zero)
    assert sum(r[1] for r in rows if r[1] is not None) == pytest.approx(462_727_035.04)
    assert sum(r[2] for r in rows if r[2] is not None) == pytest.approx(396_490_162.91)
    assert sum(r[1] is None for r in rows) == 3
    assert {r[3] for r in rows} == {aiddata.LICENCE} and {r[4] for r in rows} == {aiddata.VINTAGE}
    donors = con.sql(
        "select projects, amount, currency, price_basis from marts.donor_coordination "
        "where city_id = $c and source_id = 'aiddata_gcdf' "
        "and match_level = 'province_containing_city'",
        params={"c": BTB},
    ).fetchall()
    assert donors == [(12, pytest.approx(462_727_035.04), "USD", "constant 2021 US$")]


def test_battambang_aiddata_adm2_row(con):
    # The only ADM2 "Battambang" row: project 38795, 857,975.35 (2021 US$), centroid
    # 13.08779 N, 103.16446 E (4.0 km from the centre)
    rows = con.sql(
        "select aiddata_project_id, intersection_value_usd2021, match_level "
        "from staging.aiddata_locations where city_id = $c and adm_level = 2",
        params={"c": BTB},
    ).fetchall()
    assert rows == [("38795", pytest.approx(857_975.35), "admin_unit_of_city")]


def test_battambang_gaps_use_only_current_sources(con):
    gaps = dict(
        (r[0], r[1:])
        for r in con.sql(
            "select focus_area_id, gap_status, funding_gap, statement "
            "from marts.focus_area_funding_gaps where city_id = $c",
            params={"c": BTB},
        ).fetchall()
    )
    # health: P169629 (health 88 %) at site level
    assert gaps["health_wellbeing"][:2] == ("active_project_in_city", False)
    # safety_security: no active project maps there -> a gap, stated with source and date
    assert gaps["safety_security"][:2] == ("no_active_project_known", True)
    assert gaps["safety_security"][2] == (
        "no active project known in World Bank Projects (as of 2025-03-31)"
    )

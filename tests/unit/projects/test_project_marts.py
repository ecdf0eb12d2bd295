"""The project marts on SYNTHETIC records (ids P9xxxxx, titles "SYNTHETIC ..."), through the real
parser, staging code and mart SQL: stale statuses never counted as active, gaps only where a
current source was held, currencies and price bases apart, opportunities from either form of
the focus-area ranks. Expected values by hand from the records below.

Cities: the real registry (data/reference/cities.csv): Battambang's centre 13.100 N, 103.200 E,
province "Battambang"; Siem Reap 13.3622 N, 103.8597 E.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from assets.projects.worldbank_records import parse_projects_payload
from tests.unit.projects import project_warehouse as wh

BTB, SRP = "khm-battambang", "khm-siem-reap"
TODAY = date(2026, 12, 1)
STALE, CURRENT = date(2013, 12, 18), date(2025, 3, 31)  # 1079 days before TODAY is 2023-12-18


def record(pid: str, status: str | None, locations: list[dict], **extra) -> dict:
    """A SYNTHETIC record in the Projects API shape."""
    rec = {
        "id": pid,
        "project_name": f"SYNTHETIC project {pid}",
        "countrycode": ["KH"],
        "sector1": {"Name": "Water supply", "Percent": 60},
        "sector2": {"Name": "Flood protection", "Percent": 40},
        "sector_namecode": [
            {"name": "Water supply", "code": "WC"},
            {"name": "Flood protection", "code": "WD"},
        ],
        "idacommamt": "10,000,000",
        "boardapprovaldate": "2012-01-10T00:00:00Z",
        "locations": locations,
        **extra,
    }
    if status is not None:
        rec["status"] = status
    return rec


TOWN = {"geoLocId": "1", "geoLocName": "SYNTHETIC town point", "latitude": "13.1020",
        "longitude": "103.1980", "country": "KH"}  # fmt: skip
PROVINCE = {"geoLocId": "2", "geoLocName": "Battambang", "latitude": "12.91667",
            "longitude": "103.08333", "country": "KH"}  # fmt: skip
SIEM_REAP = {"geoLocId": "3", "geoLocName": "SYNTHETIC", "latitude": "13.3618",
             "longitude": "103.8606", "country": "KH"}  # fmt: skip


def build(
    frames: list[pd.DataFrame], scores: pd.DataFrame | None = None
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    wh.reference(con)
    wh.land(con, worldbank=pd.concat(frames, ignore_index=True))
    wh.staged(con, TODAY)
    names = ["projects", "project_places", "donor_coordination", "focus_area_funding_gaps"]
    if scores is not None:
        con.execute("create or replace table marts.focus_area_scores as select * from scores")
        names.append("opportunities")
    wh.marts(con, names)
    return con


def frame(records: list[dict], as_of: date) -> pd.DataFrame:
    return parse_projects_payload(records, "test://synthetic", as_of)


def gaps(con: duckdb.DuckDBPyConnection, city: str) -> dict[str, tuple]:
    rows = con.sql(
        "select focus_area_id, gap_status, funding_gap, active_in_city, active_in_province, "
        "stale_active_projects, statement from marts.focus_area_funding_gaps "
        "where city_id = $c",
        params={"c": city},
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_a_stale_active_status_is_shown_with_its_date_and_never_counted():
    con = build([frame([record("P900001", "Active", [TOWN])], STALE)])
    shown = con.sql(
        "select status, status_as_of, status_is_current, status_display, city_id, match_level "
        "from marts.projects"
    ).fetchall()
    assert shown == [("active", STALE, False, "active as of 2013-12-18", BTB, "site_in_city")]
    # water supply 60 -> quality_environment: shown active but stale, so not counted, and with
    # no current source for Cambodia no gap is claimed either way
    q = gaps(con, BTB)["quality_environment"]
    assert q[:5] == ("no_current_source", None, 0, 0, 1)
    assert q[5] == (
        "no current project source held (World Bank Projects (as of 2013-12-18, older than "
        "1095 days)): no gap claimed"
    )
    assert con.sql(
        "select count(*) from marts.focus_area_funding_gaps where funding_gap is not null"
    ).fetchall() == [(0,)]


def test_gaps_with_a_current_source_by_level():
    con = build(
        [
            frame(
                [record("P900002", "Active", [PROVINCE]), record("P900003", "Closed", [TOWN])],
                CURRENT,
            )
        ]  # fmt: skip
    )
    g = gaps(con, BTB)
    # P900002 (water 60 -> quality, flood 40 -> safety) at province level only
    assert g["quality_environment"][:4] == ("active_project_in_province_only", False, 0, 1)
    assert g["safety_security"][0] == "active_project_in_province_only"
    # nothing active in health: a gap, stated with the source and its as-of date
    assert g["health_wellbeing"][:2] == ("no_active_project_known", True)
    assert g["health_wellbeing"][5] == (
        "no active project known in World Bank Projects (as of 2025-03-31)"
    )
    # Brunei: no World Bank project of Brunei in the records -> no source held, no gap
    brn = gaps(con, "brn-bandar-seri-begawan")
    assert {v[0] for v in brn.values()} == {"no_current_source"}
    assert {v[1] for v in brn.values()} == {None}


def test_a_missing_status_is_published_empty_with_its_flag():
    con = build([frame([record("P900004", None, [TOWN])], CURRENT)])
    row = con.sql("select status, status_display, record_flags from marts.projects").fetchall()
    assert row == [(None, None, '["status_missing"]')]
    # and the staging check (checks/sql) finds nothing to block on
    sql = (wh.REPO / "checks/sql/projects_ids_cities_amounts_status.sql").read_text()
    statuses = ["pipeline", "active", "completed", "cancelled"]
    assert con.execute(sql, {"statuses": statuses}).fetchall() == []
    con.execute("update staging.projects set record_flags = []")
    assert con.execute(sql, {"statuses": statuses}).fetchall() == [
        ("worldbank_projects", "P900004", "status outside the lifecycle: null")
    ]


def test_currencies_and_price_bases_are_separate_rows():
    # financiers of the projects-list export: one in USD, one only in XDR (no amount_usd)
    usd = {"financier_id": "IDA", "name": "IDA Credit", "type": "World Bank Group",
           "amount_usd": 5_000_000.0, "amount": 3_600_000.0, "currency": "XDR",
           "basis": "financier list of the export"}  # fmt: skip
    xdr = {"financier_id": "IDA", "name": "IDA Credit", "type": "World Bank Group",
           "amount_usd": None, "amount": 1_000_000.0, "currency": "XDR",
           "basis": "financier list of the export"}  # fmt: skip
    rows = frame([record("P900005", "Active", [TOWN]), record("P900006", "Active", [TOWN])],
                 CURRENT)  # fmt: skip
    rows["financiers"] = [[usd], [xdr]]
    con = build([rows])
    got = con.sql(
        "select amount, currency, price_basis, projects from marts.donor_coordination "
        "where city_id = $c order by currency",
        params={"c": BTB},
    ).fetchall()
    assert got == [
        (5_000_000.0, "USD", "current US$ (at commitment)", 1),
        (1_000_000.0, "XDR", "nominal, as reported", 1),
    ]


def test_a_project_in_two_cities_has_a_place_in_each():
    con = build([frame([record("P900007", "Active", [TOWN, SIEM_REAP])], CURRENT)])
    places = con.sql(
        "select city_id, match_level, cities_of_project from marts.project_places order by 1"
    ).fetchall()
    assert places == [(BTB, "site_in_city", 2), (SRP, "site_in_city", 2)]
    city = con.sql("select city_id, cities from marts.projects").fetchall()
    assert city == [(None, '["khm-battambang", "khm-siem-reap"]')]


def scores(ranks: dict[str, tuple[float, int, int]], integer_columns: bool) -> pd.DataFrame:
    """SYNTHETIC focus-area scores in the two forms marts.focus_area_scores has had."""
    rows = []
    for city, (score, position, size) in ranks.items():
        row = {"city_id": city, "focus_area_id": "health_wellbeing", "score": score}
        if integer_columns:
            row |= {"rank_position": position, "rank_set_size": size}
        else:
            row |= {"rank": f"{position}/{size}"}
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("integer_columns", [True, False])
def test_opportunities_low_rank_and_no_active_project(integer_columns):
    ranks = {  # health_wellbeing, 6 ranked cities: bottom third = positions 5 and 6 (> 4)
        "khm-phnom-penh": (90.0, 1, 6),
        SRP: (80.0, 2, 6),
        "vnm-hanoi": (70.0, 3, 6),
        "vnm-da-nang": (60.0, 4, 6),
        BTB: (50.0, 5, 6),
        "brn-bandar-seri-begawan": (40.0, 6, 6),
    }
    health = dict(record("P900008", "Active", [SIEM_REAP]))
    health |= {"sector1": {"Name": "Health", "Percent": 100}, "sector2": None,
               "sector_namecode": [{"name": "Health", "code": "JA"}]}  # fmt: skip
    con = build([frame([health], CURRENT)], scores(ranks, integer_columns))
    got = con.sql(
        "select city_id, rank_position, rank_set_size, project_check, confirmed_gap, evidence "
        "from marts.opportunities order by rank_position"
    ).fetchall()
    assert got == [
        (BTB, 5, 6, "no_active_project_known", True,
         "score 50.0, rank 5 of 6; no active project known in World Bank Projects "
         "(as of 2025-03-31)"),
        ("brn-bandar-seri-begawan", 6, 6, "no_current_source", None,
         "score 40.0, rank 6 of 6; no current project source held (no project source held): "
         "no gap claimed"),
    ]  # fmt: skip


def test_closing_before_approval_is_kept_with_a_flag_not_blocking():
    # as P150472 of the 2025 export: approved 2014-09-11, closing 2014-06-12
    rec = record("P900009", "Closed", [TOWN], boardapprovaldate="2014-09-11T00:00:00Z",
                 closingdate="2014-06-12T00:00:00Z")  # fmt: skip
    con = build([frame([rec], CURRENT)])
    row = con.sql("select start_date, end_date, record_flags from marts.projects").fetchall()
    assert row == [("2014-09-11", "2014-06-12",
                    '["closing_before_approval:2014-09-11 > 2014-06-12"]')]  # fmt: skip
    sql = (wh.REPO / "checks/sql/projects_ids_cities_amounts_status.sql").read_text()
    statuses = ["pipeline", "active", "completed", "cancelled"]
    assert con.execute(sql, {"statuses": statuses}).fetchall() == []

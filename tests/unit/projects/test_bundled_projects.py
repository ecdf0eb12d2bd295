"""The bundled (offline) build: 52 World Bank records of the 2013 sample (statuses as of their
export date 2013-12-18, from their MongoDB ObjectIds) and one documented ADB project. None of
their statuses is current (more than 1095 days before any run from 2016-12-18 on), so none is
shown or counted as active, and no funding gap is claimed. Uses the session's published file
(tests/conftest.py `analyst`: one real offline run).
"""

from __future__ import annotations

from datetime import date

SAMPLE_AS_OF = date(2013, 12, 18)


def test_every_status_carries_its_as_of_date(analyst):
    rows = analyst.execute(
        "select source_id, status, status_as_of, status_is_current, status_display "
        "from marts.projects"
    ).fetchall()
    assert len(rows) == 53
    assert all(as_of is not None for _, status, as_of, _, _ in rows if status)
    wb = [r for r in rows if r[0] == "worldbank_projects"]
    assert len(wb) == 52 and {r[2] for r in wb} == {SAMPLE_AS_OF}
    assert {r[3] for r in wb} == {False}
    # 42 shown active in 2013, each as "active as of 2013-12-18", never as plain "active"
    assert sum(r[1] == "active" for r in wb) == 42
    assert {r[4] for r in wb if r[1] == "active"} == {"active as of 2013-12-18"}


def test_no_status_older_than_three_years_is_shown_or_counted_active(analyst):
    shown = analyst.execute(
        "select count(*) from marts.projects where status_display = 'active' "
        "and status_as_of < current_date - interval 1095 day"
    ).fetchall()[0][0]
    assert shown == 0
    active = analyst.execute(
        "select coalesce(sum(active_projects), 0), coalesce(sum(stale_active_projects), 0) "
        "from marts.focus_area_funding_gaps"
    ).fetchall()[0]
    # the 42 stale actives are national (no location): in no city's count either way
    assert active == (0, 0)


def test_danang_p123384_is_stale_and_national(analyst):
    row = analyst.execute(
        "select status_display, city_id, placement, cost from marts.projects "
        "where source_project_id = 'P123384'"
    ).fetchall()
    # the 2013 record: Active, US$ 202.5 M; no geocoded location, so national
    assert row == [("active as of 2013-12-18", None, "national", 202_500_000.0)]


def test_no_gap_is_claimed_without_a_current_source(analyst):
    rows = analyst.execute(
        "select gap_status, count(*), count(funding_gap) from marts.focus_area_funding_gaps "
        "group by 1"
    ).fetchall()
    assert rows == [("no_current_source", 186, 0)]  # 31 cities x 6 focus areas


def test_company_register_absence_is_published(analyst):
    assert analyst.execute("select status from marts.company_registers").fetchall() == [
        ("no company register supplied; see docs/PROJECT_REGISTER.md",)
    ]
    assert analyst.execute("select count(*) from marts.business_matches").fetchall() == [(0,)]


def test_donor_gap_and_opportunity_tables_are_documented(analyst):
    for table in ("donor_coordination", "focus_area_funding_gaps", "opportunities",
                  "project_places", "company_registers"):  # fmt: skip
        comment = analyst.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' and table_name = $t",
            {"t": table},
        ).fetchall()
        assert comment and comment[0][0], table
        missing = analyst.execute(
            "select column_name from duckdb_columns() where schema_name = 'marts' "
            "and table_name = $t and (comment is null or comment = '')",
            {"t": table},
        ).fetchall()
        assert missing == [], table

"""The real nightly job in extract mode (a local .osm.pbf) and with an inbox register.

Moved from the live-mode test (tests/system/test_live_mode.py). Data: a SYNTHETIC .osm.pbf
around Battambang's registry centre, and a SYNTHETIC example register (titles say EXAMPLE).
Expected values are worked out by hand, never copied from the program's output.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import osmium
import pytest

from pipelines.sensors import project_register_inbox
from tests.helpers.geodesy import meridian_km
from tests.helpers.pipeline import failure_text, indicator, query, run_nightly, sha256

# Battambang (data/reference/cities.csv: 13.100 N, 103.200 E): measured in its 5 and 10 km
# rings and its geoBoundaries ADM2 polygon (data/reference/city_boundaries.csv).
BTB = "khm-battambang"
BTB_LAT, BTB_LON = 13.1, 103.2
KM_PER_DEG = 6371.0088 * math.pi / 180  # a degree of latitude on the mean sphere
# Municipality 2019 population, by hand from data/sources/population/census_city_figures.csv.
BTB_POPULATION = 119251.0
BTB_RING5_KM2 = 128 * 25 * math.sin(math.pi / 128)  # the 5 km ring, an inscribed 256-gon
BTB_ADMIN = "admin_adm2:14789045B54080121728178"  # krong Battambang, 13.029-13.159 N


# ---------------------------------------------------------------------------------------------
# 3. Extract mode
# ---------------------------------------------------------------------------------------------
D1 = round(1.0 / KM_PER_DEG, 7)  # 1/111.195 deg of latitude, at OSM's 1e-7 degree precision
EXTRACT_TS = "2026-11-01T00:00:00Z"


def write_battambang_pbf(path: Path) -> Path:
    """SYNTHETIC extract: 2 hospitals and 1 school near Battambang's centre, one hospital
    11.1 km north (13.2 N: outside both rings and north of the admin polygon, which ends at
    13.159 N), and a 1 km residential road north along 103.2 E."""
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    header = osmium.io.Header()
    header.set("osmosis_replication_timestamp", EXTRACT_TS)
    nodes = [
        (1, BTB_LON, BTB_LAT, {"amenity": "hospital", "name": "SYNTHETIC hospital 1"}),
        (2, 103.21, 13.1, {"amenity": "hospital", "name": "SYNTHETIC hospital 2"}),  # 1.1 km E
        (3, 103.2, 13.2, {"amenity": "hospital", "name": "SYNTHETIC outside"}),  # 11.1 km N
        (4, 103.19, 13.105, {"amenity": "school", "name": "SYNTHETIC school"}),
        (10, BTB_LON, BTB_LAT, {}),
        (11, BTB_LON, round(BTB_LAT + D1, 7), {}),
    ]
    writer = osmium.SimpleWriter(str(path), header=header)
    try:
        for node_id, lon, lat, tags in nodes:
            writer.add_node(
                osmium.osm.mutable.Node(
                    id=node_id, location=(lon, lat), tags=tags, version=1, timestamp=stamp
                )
            )
        writer.add_way(
            osmium.osm.mutable.Way(
                id=100, nodes=[10, 11], tags={"highway": "residential"}, version=1,
                timestamp=stamp,
            )
        )  # fmt: skip
    finally:
        writer.close()
    return path


@pytest.mark.slow
def test_extract_mode_measures_a_local_pbf(tmp_path, monkeypatch):
    pbf = write_battambang_pbf(tmp_path / "battambang.osm.pbf")
    warehouse = tmp_path / "warehouse"
    (tmp_path / "dagster_home").mkdir()
    (tmp_path / "empty_inbox").mkdir()  # an inbox setting naming a missing folder fails the run
    result = run_nightly(
        monkeypatch,
        {
            "ASCN_OSM_PBF": str(pbf),
            "ASCN_OUTPUT_DIR": str(warehouse),
            "ASCN_INBOX_DIR": str(tmp_path / "empty_inbox"),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        },
    )
    assert result.success, failure_text(result)
    db = warehouse / "ascn.duckdb"

    rows = query(
        db,
        "select measurement_area, metric_id, value from raw.osm_metrics where city_id = $c",
        {"c": BTB},
    )
    metrics = {(area, m): v for area, m, v in rows}
    road_km = meridian_km(BTB_LAT, D1)  # 0.9947 km on WGS84
    for area in ("ring_5km", "ring_10km", BTB_ADMIN):
        assert metrics[(area, "hospitals")] == 2.0, area  # node 3 is outside every area
        assert metrics[(area, "schools")] == 1.0, area
        assert metrics[(area, "pharmacies")] == 0.0, area
    for area in ("ring_5km", "ring_10km"):
        assert metrics[(area, "road_length_residential")] == pytest.approx(road_km, rel=1e-9)
        assert metrics[(area, "road_length_total")] == pytest.approx(road_km, rel=1e-9)
    assert metrics[("ring_5km", "land_area_km2")] == pytest.approx(BTB_RING5_KM2, rel=1e-6)
    assert query(db, "select distinct _source, _source_uri from raw.osm_metrics") == [
        ("osm_extract", str(pbf.resolve()))
    ]
    assert query(db, "select distinct osm_timestamp from raw.osm_metrics") == [(EXTRACT_TS,)]

    # Population by hand: municipality 2019 = 119,251 (see BTB_POPULATION).
    assert query(
        db,
        "select population from staging.population_figures "
        "where city_id = $c and boundary_type = 'municipality' and year = 2019",
        {"c": BTB},
    ) == [(BTB_POPULATION,)]
    # per resident: the counts of the admin polygon, linked to the municipality's population
    hospitals = indicator(db, BTB, "hospitals_per_100k")
    assert hospitals["value"] == pytest.approx(2 / 119251 * 100_000)  # 1.6771
    assert hospitals["source_id"] == "osm_extract"
    schools = indicator(db, BTB, "schools_per_100k")
    assert schools["value"] == pytest.approx(1 / 119251 * 100_000)  # 0.8386
    # per km2: the 5 km ring
    road = indicator(db, BTB, "road_density")
    assert road["value"] == pytest.approx(road_km / BTB_RING5_KM2, rel=1e-6)  # 0.012666 km/km2


# ---------------------------------------------------------------------------------------------
# 4. Inbox: a register file, its bad row, and the sensor
# ---------------------------------------------------------------------------------------------
REGISTER_HEADER = (
    "project_id,city,title,sector,focus_area,financier,financier_type,partner_companies,"
    "partner_countries,cost,currency,status,start_date,end_date,source\n"
)
REGISTER_GOOD = (
    "EX-BTB-001,khm-battambang,EXAMPLE synthetic project: riverside lighting (not a real "
    "project),Street lighting,built_infrastructure,Example Fund,other,,,250000,USD,active,"
    "2025-01-15,2027-06-30,https://example.org/register/EX-BTB-001\n"
)
REGISTER_BAD = (
    "EX-BTB-002,khm-battambang,EXAMPLE synthetic project with a bad status,Parks,"
    "quality_environment,Example Fund,other,,,1000,USD,almost-done,2025-01-01,2025-12-31,"
    "https://example.org/register/EX-BTB-002\n"
)


@pytest.mark.slow
def test_inbox_register_lands_good_rows_and_quarantines_bad_ones(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    register = inbox / "battambang_example_register.csv"
    register.write_text(REGISTER_HEADER + REGISTER_GOOD + REGISTER_BAD, encoding="utf-8")
    (tmp_path / "dagster_home").mkdir()
    result = run_nightly(
        monkeypatch,
        {
            "ASCN_OUTPUT_DIR": str(tmp_path / "warehouse"),
            "ASCN_INBOX_DIR": str(inbox),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        },
    )
    assert result.success, failure_text(result)
    db = tmp_path / "warehouse" / "ascn.duckdb"
    good = query(
        db,
        "select city_id, title, focus_area_id, cost, currency, cost_usd, status, source_uri "
        "from marts.projects where source_id = 'project_register' "
        "and source_project_id = 'EX-BTB-001'",
    )
    assert len(good) == 1
    city, title, focus, cost, currency, cost_usd, status, uri = good[0]
    assert (city, focus, cost, currency, status, uri) == (
        BTB, "built_infrastructure", 250000.0, "USD", "active", str(register.resolve())
    )  # fmt: skip
    assert title.startswith("EXAMPLE")
    assert cost_usd == pytest.approx(250000.0)  # USD needs no conversion
    assert query(
        db, "select count(*) from marts.projects where source_project_id = 'EX-BTB-002'"
    ) == [(0,)]
    rejected = query(
        db,
        "select source, source_uri, row_number, field, value, reason from quarantine.rejected_rows",
    )
    assert rejected == [
        (
            "project_register",
            str(register.resolve()),
            2,  # 1-based data row, header not counted
            "status",
            "almost-done",
            "unknown_status",
        )
    ]


def test_inbox_sensor_requests_a_run_for_new_or_changed_files_only(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    monkeypatch.setenv("ASCN_INBOX_DIR", str(inbox))
    (inbox / "README.md").write_text("not a register", encoding="utf-8")

    def evaluate(cursor: str | None):
        context = dg.build_sensor_context(cursor=cursor)
        return project_register_inbox(context), context.cursor

    # Empty inbox (a README is not a register): skip.
    outcome, cursor = evaluate(None)
    assert isinstance(outcome, dg.SkipReason)

    # A new register: one run request naming the file.
    register = inbox / "battambang_example_register.csv"
    register.write_text(REGISTER_HEADER + REGISTER_GOOD, encoding="utf-8")
    outcome, cursor = evaluate(cursor)
    assert isinstance(outcome, dg.RunRequest)
    assert outcome.tags["ascn/files"] == register.name
    assert outcome.tags["ascn/trigger"] == "inbox"
    first_key = outcome.run_key
    assert json.loads(cursor) == {register.name: sha256(register)}

    # Unchanged: skip, cursor kept.
    outcome, cursor2 = evaluate(cursor)
    assert isinstance(outcome, dg.SkipReason)
    assert cursor2 == cursor

    # Changed content: a new request with a new run key.
    register.write_text(REGISTER_HEADER + REGISTER_GOOD + REGISTER_BAD, encoding="utf-8")
    outcome, cursor = evaluate(cursor)
    assert isinstance(outcome, dg.RunRequest)
    assert outcome.tags["ascn/files"] == register.name
    assert outcome.run_key != first_key

    # A second file: only that one is named.
    other = inbox / "phnom_penh_example_register.csv"
    other.write_text(REGISTER_HEADER, encoding="utf-8")
    outcome, cursor = evaluate(cursor)
    assert isinstance(outcome, dg.RunRequest)
    assert outcome.tags["ascn/files"] == other.name

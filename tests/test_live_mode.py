"""The real nightly job, end to end, in live mode, extract mode and with an inbox register.

Live mode: one local HTTP server (pytest-httpserver) stands in for the World Bank Indicators API
v2, the World Bank Projects API, the IATI Datastore and Overpass, answering in the exact shapes
of the real APIs (see the client modules' docstrings and DOMAIN.md §4). The job is the one in
`pipelines.definitions` (the same assets as offline), run in process against a temporary
warehouse. Nothing touches the internet.

Data served:
- World Bank Indicators: SYNTHETIC values (formula below) for every series of
  data/catalogue/national_series.csv that the API can be asked for (codes without '@').
- World Bank Projects: the REAL recorded project records in tests/fixtures (CC BY 4.0).
- IATI Datastore: SYNTHETIC activities (identifiers start with XX-SYNTHETIC), no real activity.
- Overpass and the .osm.pbf extract: SYNTHETIC features around Battambang's registry centre.
- Inbox register: a SYNTHETIC example project, labelled EXAMPLE in its title.

Expected values are worked out by hand from the served data and the bundled population file,
never copied from the program's output.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import duckdb
import osmium
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from assets.infrastructure.geometry import EARTH_RADIUS_KM
from pipelines.definitions import defs
from pipelines.sensors import project_register_inbox

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"
FIXTURE = Path(__file__).parent / "fixtures" / "worldbank_projects_records_asean.json"
RECORDS = json.loads(FIXTURE.read_text(encoding="utf-8"))

ASEAN = [  # (ISO3, ISO2, name) in the order assets.reference.countries.asean_iso3() gives them
    ("BRN", "BN", "Brunei Darussalam"),
    ("KHM", "KH", "Cambodia"),
    ("IDN", "ID", "Indonesia"),
    ("LAO", "LA", "Lao PDR"),
    ("MYS", "MY", "Malaysia"),
    ("MMR", "MM", "Myanmar"),
    ("PHL", "PH", "Philippines"),
    ("SGP", "SG", "Singapore"),
    ("THA", "TH", "Thailand"),
    ("VNM", "VN", "Viet Nam"),
]
WB_LASTUPDATED = "2026-10-28"  # served as `lastupdated`: the vintage of every series
WB_YEARS = [2019, 2020, 2021, 2022, 2023]  # 2023 is served as null (not yet published)
PAGED_CODE = "IT.NET.USER.ZS"  # served in 2 pages of 25 records
IATI_KEY = "test-subscription-key"
OSM_BASE = "2026-11-20T06:00:00Z"  # Overpass osm3s.timestamp_osm_base

# Battambang (data/reference/cities.csv: 13.100 N, 103.200 E; city_boundaries.csv: radius
# 9.7 km, boundary type radius_around_centre).
BTB = "khm-battambang"
BTB_LAT, BTB_LON, BTB_RADIUS_KM = 13.1, 103.2, 9.7
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180  # one degree of latitude along a meridian
# Population used by the per-capita indicators (reference year 2026, max gap 10, so only
# figures of 2016 or later; by hand from data/sources/population/census_city_figures.csv):
# municipality 2019 = 119,251 (precedence 1) beats province 2019 = 997,169 (precedence 6);
# the 2015 city_proper figure (155,000) and the GHSL 2015 urban centre are 11 years away.
# No figure has the boundary radius_around_centre, so the value is flagged boundary_mismatch.
BTB_POPULATION = 119251.0
BTB_MEASURED_AREA_KM2 = math.pi * 9.7**2  # land_area_km2 of the radius: 295.59 km2

NO_RETRIES = {"execution": {"config": {"retries": {"disabled": {}}}}}

NAMES = {iso3: name for iso3, _, name in ASEAN}
ISO2 = {iso3: iso2 for iso3, iso2, _ in ASEAN}


# ---------------------------------------------------------------------------------------------
# World Bank Indicators API v2
# ---------------------------------------------------------------------------------------------
def live_series() -> list[tuple[str, str]]:
    """(stored indicator_code, api_code) of every series the live path asks the API for."""
    with open(DATA / "catalogue" / "national_series.csv", encoding="utf-8") as f:
        pairs = {(r["indicator_code"], r["api_code"]) for r in csv.DictReader(f) if r["api_code"]}
    return sorted(pairs)


def live_series_codes() -> list[str]:
    """API codes the live path requests (an edition-suffixed code maps to its plain API code)."""
    return sorted({api for _, api in live_series()})


def wb_value(code: str, iso3: str, year: int) -> float | None:
    """SYNTHETIC series values: percent-like numbers in 20..70; population in millions."""
    if year == 2023:
        return None
    if code == PAGED_CODE and iso3 == "KHM" and year == 2022:
        return 61.25  # the value asserted in marts.indicator_values
    i = [a[0] for a in ASEAN].index(iso3)
    if code == "SP.POP.TOTL":
        return float(1_000_000 * (i + 1) + (year - 2000))
    return round(20 + 5 * i + 0.5 * (year - 2019) + 0.01 * len(code), 2)


def wb_records(code: str) -> list[dict]:
    return [
        {
            "indicator": {"id": code, "value": f"SYNTHETIC series {code}"},
            "country": {"id": ISO2[iso3], "value": NAMES[iso3]},
            "countryiso3code": iso3,
            "date": str(year),
            "value": wb_value(code, iso3, year),
            "unit": "",
            "obs_status": "",
            "decimal": 1,
        }
        for iso3, _, _ in ASEAN
        for year in sorted(WB_YEARS, reverse=True)
    ]


def wb_page(code: str, page: int) -> list:
    records = wb_records(code)
    if code == PAGED_CODE:
        per_page, pages = 25, 2
        rows = records[(page - 1) * per_page : page * per_page]
    else:
        per_page, pages, rows = 1000, 1, records
    meta = {
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "total": len(records),
        "sourceid": "2",
        "sourcename": "World Development Indicators",
        "lastupdated": WB_LASTUPDATED,
    }
    return [meta, rows]


# ---------------------------------------------------------------------------------------------
# The fake APIs
# ---------------------------------------------------------------------------------------------
IATI_DOCS = [
    {
        "id": "synthetic-1",
        "iati_identifier": "XX-SYNTHETIC-0001",
        "title_narrative": ["SYNTHETIC test activity: Battambang drainage (not a real activity)"],
        "description_narrative": ["Synthetic document served by the test's fake IATI Datastore."],
        "reporting_org_ref": "XX-SYNTHETIC-ORG",
        "reporting_org_narrative": ["Synthetic Development Agency"],
        "participating_org_ref": ["XX-SYNTHETIC-ORG"],
        "participating_org_narrative": ["Synthetic Development Agency"],
        "recipient_country_code": ["KH"],
        "sector_code": ["14022"],
        "sector_vocabulary": ["1"],
        "activity_status_code": 2,
        "activity_date_type": ["1", "2"],
        "activity_date_iso_date": ["2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z"],
        "budget_value": [400000, 600000],
        "budget_value_currency": ["USD", "USD"],
        "default_currency": "USD",
        "location_name_narrative": ["Battambang"],
    },
    {
        "id": "synthetic-2",
        "iati_identifier": "XX-SYNTHETIC-0002",
        "title_narrative": ["SYNTHETIC test activity number two (not a real activity)"],
        "reporting_org_ref": "XX-SYNTHETIC-ORG",
        "reporting_org_narrative": ["Synthetic Development Agency"],
        "recipient_country_code": ["LA"],
        "sector_code": ["12220"],
        "sector_vocabulary": ["1"],
        "activity_status_code": 2,
        "default_currency": "USD",
    },
]
# cursorMark paging: "*" -> page 1 (doc 1), "AoE1" -> page 2 (doc 2), "AoE2" -> no docs, and
# nextCursorMark equal to the cursor sent, which ends the paging.
IATI_PAGES = {
    "*": ([IATI_DOCS[0]], "AoE1"),
    "AoE1": ([IATI_DOCS[1]], "AoE2"),
    "AoE2": ([], "AoE2"),
}

# Overpass: what the fake server answers for Battambang's radius.
OVERPASS_COUNTS = {  # point metric -> (nodes, ways, relations)
    "hospitals": (2, 1, 0),
    "schools": (4, 1, 0),
}
ROAD_NORTH_DEG = 0.02  # a trunk road from the centre 0.02 deg north along the meridian
PARK_SIDE_DEG = 0.01  # a square park, south-west corner at the centre
OVERPASS_METRICS = ["hospitals", "schools", "road_length_total", "green_area"]


class FakeApis:
    """Handlers for the four APIs under one server; `fail` switches a failure shape on."""

    def __init__(self, server: HTTPServer):
        self.server = server
        self.fail: str | None = None
        self.requests: list[tuple[str, str]] = []
        server.expect_request(re.compile(r"^/wb/v2/.*")).respond_with_handler(self.worldbank)
        server.expect_request("/wbp/api/v2/projects").respond_with_handler(self.projects)
        server.expect_request("/iati/activity/select").respond_with_handler(self.iati)
        server.expect_request("/overpass/api/interpreter", method="POST").respond_with_handler(
            self.overpass
        )

    def url(self, path: str) -> str:
        return self.server.url_for(path)

    def worldbank(self, request: Request) -> Response:
        self.requests.append(("worldbank", request.full_path))
        if self.fail == "worldbank_500":
            return Response("<html><body>Internal Server Error</body></html>", status=500)
        m = re.fullmatch(r"/wb/v2/country/([^/]+)/indicator/([^/]+)", request.path)
        countries = m.group(1).split(";") if m else []
        args = request.args
        ok = (
            m is not None
            and countries == [a[0] for a in ASEAN]
            and m.group(2) in live_series_codes()
            and args.get("format") == "json"
            and args.get("date") == "2000:2030"
        )
        if not ok:  # the API's HTTP-200 error shape for an unknown indicator
            body = [
                {
                    "message": [
                        {"id": "120", "key": "Invalid value", "value": "The provided parameter"}
                    ]
                }
            ]
            return Response(json.dumps(body), content_type="application/json;charset=utf-8")
        body = wb_page(m.group(2), int(args.get("page", "1")))
        return Response(json.dumps(body), content_type="application/json;charset=utf-8")

    def projects(self, request: Request) -> Response:
        self.requests.append(("worldbank_projects", request.full_path))
        country = request.args.get("countrycode_exact", "")
        offset = int(request.args.get("os", "0"))
        records = [r for r in RECORDS if r["countrycode"] == country] if offset == 0 else []
        body = {
            "rows": int(request.args.get("rows", "10")),
            "os": str(offset),
            "page": "1",
            "total": str(sum(r["countrycode"] == country for r in RECORDS)),
            "projects": {r["id"]: r for r in records},
        }
        return Response(json.dumps(body), content_type="application/json")

    def iati(self, request: Request) -> Response:
        self.requests.append(("iati", request.full_path))
        if request.headers.get("Ocp-Apim-Subscription-Key") != IATI_KEY:
            body = {
                "statusCode": 401,
                "message": "Access denied due to missing subscription key. Make sure to include "
                "subscription key when making requests to an API.",
            }
            return Response(json.dumps(body), status=401, content_type="application/json")
        cursor = request.args.get("cursorMark", "")
        docs, next_cursor = IATI_PAGES[cursor]
        body = {
            "responseHeader": {"status": 0, "QTime": 3, "params": dict(request.args)},
            "response": {"numFound": len(IATI_DOCS), "start": 0, "numFoundExact": True,
                         "docs": docs},
            "nextCursorMark": next_cursor,
        }  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")

    def overpass(self, request: Request) -> Response:
        query = request.form.get("data", "")
        self.requests.append(("osm_overpass", query))
        if self.fail == "overpass_remark":
            body = {
                "version": 0.6,
                "generator": "Overpass API 0.7.62.1 084b4234",
                "osm3s": {"timestamp_osm_base": OSM_BASE, "copyright": "ODbL"},
                "elements": [],
                "remark": 'runtime error: Query timed out in "query" at line 3 after 181 seconds.',
            }
            return Response(json.dumps(body), content_type="application/json")
        around = re.search(r"\(around:(\d+),([-\d.]+),([-\d.]+)\)", query)
        assert around is not None, query
        assert (around.group(1), around.group(2), around.group(3)) == (
            "9700",
            "13.100000",
            "103.200000",
        ), query
        lat, lon = float(around.group(2)), float(around.group(3))
        if '["amenity"="hospital"]' in query:
            elements = [count_element(*OVERPASS_COUNTS["hospitals"])]
        elif '["amenity"="school"]' in query:
            elements = [count_element(*OVERPASS_COUNTS["schools"])]
        elif '["highway"~' in query and "out geom;" in query:
            elements = [
                {
                    "type": "way",
                    "id": 9000001,
                    "bounds": {"minlat": lat, "minlon": lon, "maxlat": lat + ROAD_NORTH_DEG,
                               "maxlon": lon},
                    "nodes": [9100001, 9100002],
                    "geometry": [{"lat": lat, "lon": lon},
                                 {"lat": lat + ROAD_NORTH_DEG, "lon": lon}],
                    "tags": {"highway": "trunk", "name": "SYNTHETIC road"},
                }
            ]  # fmt: skip
        elif '["leisure"="park"]' in query and "out geom;" in query:
            s = PARK_SIDE_DEG
            ring = [(lat, lon), (lat, lon + s), (lat + s, lon + s), (lat + s, lon), (lat, lon)]
            elements = [
                {
                    "type": "way",
                    "id": 9000002,
                    "nodes": [9200001, 9200002, 9200003, 9200004, 9200001],
                    "geometry": [{"lat": a, "lon": o} for a, o in ring],
                    "tags": {"leisure": "park", "name": "SYNTHETIC park"},
                }
            ]
        else:
            raise AssertionError(f"unexpected Overpass query {query}")
        body = {
            "version": 0.6,
            "generator": "Overpass API 0.7.62.1 084b4234",
            "osm3s": {"timestamp_osm_base": OSM_BASE, "copyright": "The data included in this "
                      "document is from www.openstreetmap.org. The data is made available under "
                      "ODbL."},
            "elements": elements,
        }  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")


def count_element(nodes: int, ways: int, relations: int) -> dict:
    """Overpass `out count;`: one element of type count, every number a string."""
    return {
        "type": "count",
        "id": 0,
        "tags": {
            "nodes": str(nodes),
            "ways": str(ways),
            "relations": str(relations),
            "areas": "0",
            "total": str(nodes + ways + relations),
        },
    }


# ---------------------------------------------------------------------------------------------
# Running the job
# ---------------------------------------------------------------------------------------------
def trimmed_data_dir(dest: Path) -> Path:
    """Copy of data/ whose OSM boundaries and metrics are cut to Battambang and 4 metrics, so
    live mode sends 4 Overpass queries (one per city and metric, 1 s apart) instead of 713."""
    shutil.copytree(DATA, dest)
    for name, keep in (
        ("reference/city_boundaries.csv", lambda line: line.startswith(BTB + ",")),
        (
            "catalogue/osm_metrics.csv",
            lambda line: line.split(",", 1)[0] in OVERPASS_METRICS,
        ),
    ):
        path = dest / name
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text(lines[0] + "".join(x for x in lines[1:] if keep(x)), encoding="utf-8")
    return dest


def nightly_job():
    """The nightly job of the code location (a module-level function for `reconstructable`)."""
    return defs.resolve_job_def("nightly")


def run_nightly(mp: pytest.MonkeyPatch, env: dict[str, str]) -> dg.ExecuteJobResult:
    """Run the nightly job in this process (its in-process executor) with `env` as settings.

    `execute_job` rather than `execute_in_process`: the latter always enables step retries, and
    the assets' RetryPolicy would wait 30 s + 90 s before a failing source fails the run. Here the
    run config turns step retries off; everything else is the production job.
    """
    for key in [k for k in os.environ if k.startswith("ASCN_")]:
        mp.delenv(key)
    mp.delenv("IATI_API_KEY", raising=False)
    mp.setenv("GX_ANALYTICS_ENABLED", "False")
    mp.setenv("DAGSTER_DISABLE_TELEMETRY", "1")
    for key, value in env.items():
        mp.setenv(key, value)
    Path(env["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
    with dg.DagsterInstance.get() as instance:  # run history under this test's DAGSTER_HOME
        return dg.execute_job(
            dg.reconstructable(nightly_job), instance=instance, run_config=NO_RETRIES
        )


def failure_text(result: dg.ExecuteJobResult) -> str:
    parts = []
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None:
            parts.append(f"{event.step_key}: {error.message}")
            error = error.cause
    return "\n".join(parts)


def query(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def indicator(db: Path, city: str, indicator_id: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        frame = con.execute(
            "select * from marts.indicator_values where city_id = $c and indicator_id = $i",
            {"c": city, "i": indicator_id},
        ).df()
    finally:
        con.close()
    assert len(frame) == 1, f"{indicator_id} for {city}: {len(frame)} rows"
    return frame.iloc[0].to_dict()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# 1. Live mode
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One successful live run against the fake APIs; yields what the tests need."""
    base = tmp_path_factory.mktemp("live")
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    apis = FakeApis(server)
    env = {
        "ASCN_MODE": "live",
        "ASCN_DATA_DIR": str(trimmed_data_dir(base / "data")),
        "ASCN_OUTPUT_DIR": str(base / "warehouse"),
        "DAGSTER_HOME": str(base / "dagster_home"),
        "ASCN_WORLDBANK_API_URL": apis.url("/wb/v2"),
        "ASCN_WORLDBANK_PROJECTS_API_URL": apis.url("/wbp/api/v2/projects"),
        "ASCN_IATI_API_URL": apis.url("/iati"),
        "IATI_API_KEY": IATI_KEY,
        "ASCN_OVERPASS_URL": apis.url("/overpass/api/interpreter"),
        "ASCN_HTTP_MAX_RETRIES": "1",
        "ASCN_HTTP_TIMEOUT_S": "10",
    }
    (base / "dagster_home").mkdir()
    try:
        with pytest.MonkeyPatch.context() as mp:
            result = run_nightly(mp, env)
        yield {
            "result": result,
            "apis": apis,
            "env": env,
            "db": base / "warehouse" / "ascn.duckdb",
        }
    finally:
        server.clear()
        server.stop()


@pytest.mark.slow
def test_live_run_publishes_values_served_by_the_apis(live):
    result, apis, db = live["result"], live["apis"], live["db"]
    assert result.success, failure_text(result)
    assert db.is_file()

    # Every API was called, through the same assets as offline: one request series per World
    # Bank code (2 pages for the paged one), 10 country queries, 3 IATI pages, 4 Overpass queries.
    called = [source for source, _ in apis.requests]
    codes = live_series_codes()
    assert called.count("worldbank") == len(codes) + 1
    assert called.count("worldbank_projects") == 10
    assert called.count("iati") == 3
    assert called.count("osm_overpass") == len(OVERPASS_METRICS)
    assert not any("@" in path for source, path in apis.requests if source == "worldbank")

    # raw.worldbank_indicators: vintage = served lastupdated, lineage = the local URL.
    wb_url = live["env"]["ASCN_WORLDBANK_API_URL"]
    rows = query(
        db,
        "select distinct vintage, _source, _source_uri from raw.worldbank_indicators",
    )
    assert rows == [(WB_LASTUPDATED, "worldbank_indicators", wb_url)]
    served = sorted(
        (stored, r["countryiso3code"], int(r["date"]))
        for stored, api in live_series()
        for r in wb_records(api)
    )
    landed = sorted(
        query(db, "select indicator_code, country_iso3, year from raw.worldbank_indicators")
    )
    assert landed == served  # every served record, paged series included, none twice
    assert query(
        db,
        "select vintage from meta.source_loads where source = 'worldbank_indicators'",
    ) == [(WB_LASTUPDATED,)]

    # National context in the marts = the served value (KHM 2022, reference year 2022).
    internet = indicator(db, BTB, "national_internet_users_pct")
    assert internet["value"] == pytest.approx(61.25)
    assert (internet["data_year"], internet["method"], internet["vintage"]) == (
        "2022",
        "observed",
        WB_LASTUPDATED,
    )

    # Lineage of every live raw table = the fake server's URLs.
    lineage = {
        "worldbank_projects": live["env"]["ASCN_WORLDBANK_PROJECTS_API_URL"],
        "iati_activities": live["env"]["ASCN_IATI_API_URL"] + "/activity/select",
        "osm_metrics": live["env"]["ASCN_OVERPASS_URL"],
    }
    for table, uri in lineage.items():
        got = query(db, f"select distinct _source_uri from raw.{table}")  # noqa: S608
        assert got == [(uri,)], table

    # World Bank Projects: every recorded record served (ASEAN ids), parsed from the API page.
    wb_ids = {r["id"] for r in RECORDS}
    assert {r[0] for r in query(db, "select project_id from raw.worldbank_projects")} == wb_ids
    p146271 = query(
        db,
        "select cost, currency, status, source_uri from marts.projects "
        "where source_id = 'worldbank_projects' and source_project_id = 'P146271'",
    )
    assert len(p146271) == 1
    assert p146271[0][0] == pytest.approx(13_450_000)  # totalcommamt of the recorded record

    # IATI: both synthetic docs over the cursor pages, with the key header; budget summed.
    iati = query(
        db,
        "select source_project_id, cost, currency, city_id from marts.projects "
        "where source_id = 'iati' order by 1",
    )
    assert [r[0] for r in iati] == ["XX-SYNTHETIC-0001", "XX-SYNTHETIC-0002"]
    assert iati[0][1:3] == (pytest.approx(1_000_000), "USD")  # 400,000 + 600,000 USD
    assert iati[0][3] == BTB  # location narrative "Battambang"

    # Overpass: counts from the string count tags, lengths and areas from the geometry.
    metrics = dict(
        query(db, "select metric_id, value from raw.osm_metrics where city_id = $c", {"c": BTB})
    )
    road_km = ROAD_NORTH_DEG * KM_PER_DEG  # 2.2239 km along the meridian, wholly inside 9.7 km
    lat_mid = math.radians(BTB_LAT + PARK_SIDE_DEG / 2)
    park_km2 = (PARK_SIDE_DEG * KM_PER_DEG) * (PARK_SIDE_DEG * KM_PER_DEG * math.cos(lat_mid))
    assert metrics == {
        "hospitals": 3.0,  # 2 nodes + 1 way
        "schools": 5.0,  # 4 nodes + 1 way
        "road_length_total": pytest.approx(road_km, rel=1e-9),
        "green_area": pytest.approx(park_km2, rel=1e-6),
        "land_area_km2": pytest.approx(BTB_MEASURED_AREA_KM2, rel=1e-12),
    }
    assert query(
        db, "select distinct osm_timestamp from raw.osm_metrics where city_id = $c", {"c": BTB}
    ) == [(OSM_BASE,)]

    # Indicators from those metrics: count / population x 100,000 with the municipality 2019
    # population (boundary_mismatch: the radius has no population of its own).
    hospitals = indicator(db, BTB, "hospitals_per_100k")
    assert hospitals["value"] == pytest.approx(3 / BTB_POPULATION * 100_000)  # 2.5157
    assert hospitals["denominator_boundary"] == "municipality"
    assert hospitals["boundary_mismatch"]
    assert "boundary_mismatch" in list(hospitals["quality_flags"])
    assert hospitals["source_id"] == "osm_overpass"
    schools = indicator(db, BTB, "schools_per_100k")
    assert schools["value"] == pytest.approx(5 / BTB_POPULATION * 100_000)  # 4.1928
    road = indicator(db, BTB, "road_density")
    assert road["value"] == pytest.approx(road_km / BTB_MEASURED_AREA_KM2)  # 0.0075 km/km2
    assert road["denominator_boundary"] == "radius_around_centre"
    assert not road["boundary_mismatch"]
    green = indicator(db, BTB, "green_area_m2_per_capita")
    assert green["value"] == pytest.approx(park_km2 * 1e6 / BTB_POPULATION, rel=1e-6)

    # Quarantine: only the cities deliberately left out of the trimmed boundary file.
    rejected = query(
        db,
        "select source, field, reason, count(*) from quarantine.rejected_rows group by all",
    )
    assert rejected == [("osm_overpass", "city_id", "registry city has no boundary row", 30)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fail", "source", "url_env", "detail"),
    [
        ("worldbank_500", "worldbank_indicators", "ASCN_WORLDBANK_API_URL", "HTTP 500"),
        (
            "overpass_remark",
            "osm_overpass",
            "ASCN_OVERPASS_URL",
            "Overpass remark: runtime error: Query timed out",
        ),
    ],
    ids=["worldbank_http_500", "overpass_runtime_remark"],
)
def test_live_source_failure_fails_the_run_and_keeps_the_published_file(
    live, fail, source, url_env, detail
):
    db = live["db"]
    assert live["result"].success
    before = sha256(db)
    live["apis"].fail = fail
    try:
        with pytest.MonkeyPatch.context() as mp:
            result = run_nightly(mp, live["env"])
    finally:
        live["apis"].fail = None
    assert not result.success
    text = failure_text(result)
    assert f"[{source}] {live['env'][url_env]}" in text
    assert detail in text
    if fail == "worldbank_500":
        assert "gave up after 2 attempts" in text  # ASCN_HTTP_MAX_RETRIES=1
    assert sha256(db) == before  # the analysts' file was not touched
    published = [
        e for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["publish", "warehouse"])
    ]  # fmt: skip
    assert published == []


# ---------------------------------------------------------------------------------------------
# 3. Extract mode
# ---------------------------------------------------------------------------------------------
D1 = round(1.0 / KM_PER_DEG, 7)  # ~1 km of latitude, rounded to OSM's 1e-7 degree precision
EXTRACT_TS = "2026-11-01T00:00:00Z"


def write_battambang_pbf(path: Path) -> Path:
    """SYNTHETIC extract: 2 hospitals and 1 school inside Battambang's 9.7 km radius, one
    hospital outside it (11.1 km north), and a 1 km residential road north along 103.2 E."""
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

    metrics = dict(
        query(
            db,
            "select metric_id, value from raw.osm_metrics where city_id = $c",
            {"c": BTB},
        )
    )
    road_km = D1 * KM_PER_DEG  # 0.9999996 km
    assert metrics["hospitals"] == 2.0  # node 3 is 11.1 km away, outside the 9.7 km radius
    assert metrics["schools"] == 1.0
    assert metrics["road_length_residential"] == pytest.approx(road_km, rel=1e-9)
    assert metrics["road_length_total"] == pytest.approx(road_km, rel=1e-9)
    assert metrics["pharmacies"] == 0.0
    assert metrics["land_area_km2"] == pytest.approx(BTB_MEASURED_AREA_KM2)
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
    hospitals = indicator(db, BTB, "hospitals_per_100k")
    assert hospitals["value"] == pytest.approx(2 / 119251 * 100_000)  # 1.6771
    assert hospitals["boundary_type"] == "radius_around_centre"
    assert hospitals["denominator_boundary"] == "municipality"
    assert hospitals["denominator_year"] == "2019"
    assert hospitals["boundary_mismatch"]
    assert "boundary_mismatch" in list(hospitals["quality_flags"])
    assert hospitals["source_id"] == "osm_extract"
    schools = indicator(db, BTB, "schools_per_100k")
    assert schools["value"] == pytest.approx(1 / 119251 * 100_000)  # 0.8386
    assert schools["boundary_mismatch"]
    road = indicator(db, BTB, "road_density")
    assert road["value"] == pytest.approx(road_km / (math.pi * 9.7**2))  # 0.003383 km/km2
    assert road["denominator_boundary"] == "radius_around_centre"
    assert not road["boundary_mismatch"]


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

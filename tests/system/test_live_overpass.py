"""The real nightly job in live mode, Overpass cases of issue 13 (nothing touches the internet).

A local replay server (tests/helpers/replay.py) stands in for every API; Overpass answers are
built from each city's query in the real JSON shape (tests/helpers/overpass_replay.py): `make`
count elements, the candidate relation and its area, `out geom` ways and relations. Every city
of the registry is measured: its 5 and 10 km rings, the Cambodian geoBoundaries polygons, and
the six OSM relation candidates (five confirmed by the answer; Singapore's answer gives another
admin_level, so it is rejected and only its rings are measured).

Each city's answer also carries a `boundary=protected_area` multipolygon and a
`highway=service` way: neither may be counted. Refused answers (an HTTP 400 parse error, a
runtime-error `remark`, a relation answered `out center` for green area, ways without geometry)
fail the run and leave the published file byte for byte as it was; rate-limit pages (HTTP 429,
and HTTP 200) are waited for and retried.

Everything Overpass serves is SYNTHETIC. Expected values are worked out by hand (WGS84 formulas
of tests/helpers/geodesy.py), never copied from the program's output.
"""

from __future__ import annotations

import math
import shutil
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from werkzeug import Request, Response

from tests.helpers import overpass_replay as osm
from tests.helpers.answers import overpass_parse_error, overpass_rate_limited
from tests.helpers.geodesy import cell_km2, meridian_km
from tests.helpers.pipeline import (
    failure_text,
    live_apis,
    live_env,
    materialization,
    query,
    run_nightly,
    sha256,
)
from tests.helpers.projects_replay import IATI_KEY
from tests.helpers.replay import replay_server

SOURCE = "osm_overpass"
BTB, BKK, SGP = "khm-battambang", "tha-bangkok", "sgp-singapore"
N_CITIES = 31
CONFIRMED = 5  # relation candidates the answers confirm (Singapore's is rejected)


def careless_extras(city: str, lat: float, lon: float) -> list[dict]:
    """What every answer also holds: a protected area and a service road (neither counts)."""
    way = osm.road(8_000_001, lat, lon, highway="service")
    return [osm.protected_area(7_000_001, lat, lon), way]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("live_overpass")
    with replay_server() as replay:
        apis = live_apis(replay)
        overpass: osm.OverpassReplay = apis[SOURCE]
        overpass.extra = careless_extras
        overpass.relations[536780]["tags"]["admin_level"] = "4"  # Singapore: not the expected 2
        env = live_env(base, replay, IATI_API_KEY=IATI_KEY)
        with pytest.MonkeyPatch.context() as mp:
            result = run_nightly(mp, env)
        per_city = Counter(overpass.city_of(q)[0] for q in overpass.queries)
        sizes: Counter[str] = Counter()
        for served, q in zip(replay.requests(SOURCE), overpass.queries, strict=True):
            sizes[overpass.city_of(q)[0]] += served.bytes
        print(
            f"\nlive run against the local replay ({'ok' if result.success else 'FAILED'}): "
            f"{replay.count(SOURCE)} Overpass requests, {replay.bytes_served(SOURCE):,} bytes"
        )
        for city in sorted(per_city):
            print(f"  {city:28s} {per_city[city]} request(s) {sizes[city]:>9,} bytes")  # fmt: skip
        yield {
            "result": result,
            "replay": replay,
            "overpass": overpass,
            "env": env,
            "base": base,
            "db": base / "warehouse" / "ascn.duckdb",
            "per_city": per_city,
            "sizes": sizes,
        }


def rerun(live: dict) -> tuple[object, str]:
    """The next night, Overpass answers not kept (the other sources' kept answers reused)."""
    shutil.rmtree(live["base"] / "warehouse" / "cache" / "http" / SOURCE, ignore_errors=True)
    live["replay"].clear_log()
    live["overpass"].queries.clear()
    with pytest.MonkeyPatch.context() as mp:
        result = run_nightly(mp, live["env"])
    return result, failure_text(result)


def metric(live: dict, city: str, area: str, metric_id: str) -> float:
    rows = query(
        live["db"],
        "select value from staging.infrastructure_metrics where city_id = $c and "
        "measurement_area = $a and metric_id = $m and source_id = 'osm_overpass'",
        {"c": city, "a": area, "m": metric_id},
    )
    assert len(rows) == 1, (city, area, metric_id, rows)
    return rows[0][0]


@pytest.mark.slow
def test_every_city_costs_at_most_two_requests(live):
    assert live["result"].success, failure_text(live["result"])
    per_city = live["per_city"]
    assert len(per_city) == N_CITIES and max(per_city.values()) == 2
    assert sum(per_city.values()) == N_CITIES + CONFIRMED  # 36, not about 620
    assert per_city[BKK] == 2 and per_city[SGP] == 1 and per_city[BTB] == 1
    meta = materialization(live["result"], "raw", "osm_metrics")
    assert meta is not None
    assert (meta["requests"], meta["max_requests_per_city"]) == (N_CITIES + CONFIRMED, 2)
    assert meta["bytes_fetched"] == live["replay"].bytes_served(SOURCE)
    assert f"| {BKK} | 2 | {live['sizes'][BKK]:,} | 0 |" in meta["cost_per_city"]


@pytest.mark.slow
def test_what_is_published_for_battambang(live):
    # counts as served (tests/helpers/overpass_replay.COUNTS), one value per area
    assert metric(live, BTB, "ring_5km", "hospitals") == 3.0  # "2" nodes + "1" way
    assert metric(live, BTB, "ring_10km", "hospitals") == 4.0
    admin = "admin_adm2:14789045B54080121728178"
    assert metric(live, BTB, admin, "hospitals") == 5.0
    assert metric(live, BTB, "ring_5km", "pharmacies") == 0.0  # a measured 0 ...
    flags = query(
        live["db"], "select measured_zero, implausible from staging.infrastructure_metrics "
        "where city_id = $c and metric_id = 'pharmacies' and measurement_area = 'ring_5km'",
        {"c": BTB},
    )  # fmt: skip
    assert flags == [(True, False)]
    # the trunk road (0.02 deg north from the centre, 2.21 km) lies inside every area; the
    # service road beside it is not a road_length_total road
    road = meridian_km(13.1, osm.ROAD_NORTH_DEG)
    for area in ("ring_5km", "ring_10km", admin):
        assert metric(live, BTB, area, "road_length_total") == pytest.approx(road, rel=1e-9)
        assert metric(live, BTB, area, "road_length_trunk") == pytest.approx(road, rel=1e-9)
    # the park (0.01 deg square north-east of the centre) is green; the protected area is not
    park = cell_km2(13.1 + osm.PARK_SIDE_DEG / 2, osm.PARK_SIDE_DEG, osm.PARK_SIDE_DEG)
    assert metric(live, BTB, "ring_5km", "green_area") == pytest.approx(park, rel=1e-5)
    # the measurement areas and their size
    ring5 = 128 * 25 * math.sin(math.pi / 128)  # the inscribed 256-gon: 78.5319 km2
    assert metric(live, BTB, "ring_5km", "land_area_km2") == pytest.approx(ring5, rel=1e-6)
    assert metric(live, BTB, admin, "land_area_km2") == pytest.approx(115.2, abs=0.1)


@pytest.mark.slow
def test_confirmed_and_rejected_relations(live):
    bangkok = metric(live, BKK, "osm_relation:92277", "hospitals")
    assert bangkok == 5.0  # the second query's count of the relation's area
    # the SYNTHETIC relation is a 0.2 x 0.2 deg square around the registry centre
    assert metric(live, BKK, "osm_relation:92277", "land_area_km2") == pytest.approx(
        cell_km2(13.7522, 0.2, 0.2), rel=1e-5
    )
    assert query(
        live["db"], "select count(*) from staging.infrastructure_metrics where city_id = $c "
        "and measurement_area like 'osm_relation:%'", {"c": SGP},
    ) == [(0,)]  # fmt: skip
    rejected = query(
        live["db"], "select field, value, reason from quarantine.rejected_rows "
        "where source = $s and field = 'admin_ref'", {"s": SOURCE},
    )  # fmt: skip
    assert rejected == [("admin_ref", "536780", "admin_level 4 is not 2")]


# ---- refused answers: the run fails, the published file is untouched ------------------------
def _center_only_park(request: Request) -> Response:
    """Battambang's answer with its green-area relation as `out center` gives it: no geometry."""
    replay: osm.OverpassReplay = _CURRENT["overpass"]
    query_text = request.form["data"]
    elements = replay.elements(query_text)
    elements.append({"type": "relation", "id": 6_000_001, "center": {"lat": 13.1, "lon": 103.2},
                     "members": [{"type": "way", "ref": 6_000_002, "role": "outer"}],
                     "tags": {"type": "multipolygon", "leisure": "park"}})  # fmt: skip
    return osm.json_response(osm.answer_body(elements))


def _no_geometry(request: Request) -> Response:
    """Battambang's answer as `out body` would give it: ways without coordinates."""
    replay: osm.OverpassReplay = _CURRENT["overpass"]
    elements = replay.elements(request.form["data"])
    for e in elements:
        e.pop("geometry", None)
    return osm.json_response(osm.answer_body(elements))


_CURRENT: dict = {}
REFUSED: dict[str, tuple[Callable[[Request], Response] | Response, str]] = {
    "parse_error_400": (
        overpass_parse_error('line 7: parse error: Unknown type "nwrx"'),
        'HTTP 400: line 7: parse error: Unknown type "nwrx"',
    ),
    "remark_timeout": (
        lambda r: osm.json_response(
            osm.answer_body(
                [], 'runtime error: Query timed out in "query" at line 3 after 181 seconds.'
            )
        ),  # fmt: skip
        'Overpass remark: runtime error: Query timed out in "query" at line 3 after 181 seconds.',
    ),
    "out_center_relation": (
        _center_only_park,
        "metric 'green_area': relation 6000001 (only a centre at 13.100000, 103.200000) came "
        "without geometry",
    ),
    "answer_without_geometry": (
        _no_geometry,
        "came without geometry; a line metric cannot be measured from it",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_answer_fails_the_run_and_keeps_the_published_file(live, case):
    assert live["result"].success
    _CURRENT["overpass"] = live["overpass"]
    before = sha256(live["db"])
    answer, mismatch = REFUSED[case]
    times = 2 if case == "remark_timeout" else 1  # a timeout is retried once (max retries 1)
    live["replay"].script(SOURCE, answer, match=osm.for_city(live["overpass"], BTB), times=times)
    try:
        result, text = rerun(live)
    finally:
        live["replay"].unscript()
    assert not result.success
    assert f"[{SOURCE}] {live['env']['ASCN_OVERPASS_URL']}" in text
    assert f"city {BTB} (query step 1): " in text and mismatch in text
    btb = [s for s in live["replay"].requests(SOURCE) if s.scripted]
    assert len(btb) == times  # a permanent refusal is not retried
    assert sha256(live["db"]) == before  # the analysts' file was not touched
    assert materialization(result, "publish", "warehouse") is None


RATE_LIMITED = {
    "rate_limit_429": overpass_rate_limited(status=429),
    "rate_limit_page_200": overpass_rate_limited(status=200),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(RATE_LIMITED))
def test_rate_limited_answer_is_retried_after_the_slot_delay(live, case):
    live[
        "overpass"
    ].status = "Rate limit: 2\nSlot available after: 2026-11-20T06:00:01Z, in 1 seconds.\n"
    live["replay"].script(SOURCE, RATE_LIMITED[case], match=osm.for_city(live["overpass"], BTB))
    try:
        result, text = rerun(live)
    finally:
        live["replay"].unscript()
        live["overpass"].status = "2 slots available now.\n"
    assert result.success, text
    scripted = [s.status for s in live["replay"].requests(SOURCE) if s.scripted]
    assert scripted == [429 if case == "rate_limit_429" else 200]
    assert live["replay"].count("osm_overpass_status") == 1  # asked when the slot is free
    assert live["replay"].count(SOURCE) == N_CITIES + CONFIRMED + 1  # one retry

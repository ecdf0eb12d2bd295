"""OverpassClient and the city query against a local pytest-httpserver serving the real Overpass
shapes: `make` count elements (numbers as strings), `osm3s` block, elements with `geometry` /
`center`, runtime errors as HTTP 200 with `remark`, HTTP 400 parse errors as XHTML pages,
rate-limit pages (tests/helpers/answers.py; /tmp/research/apis.md §1). All feature data are
SYNTHETIC, never real OSM data.
"""

from __future__ import annotations

import json
import time

import pytest
from shapely.geometry import Polygon
from werkzeug import Response

from assets.infrastructure.boundaries import ring_area
from assets.infrastructure.osm_model import MeasurementArea, RelationCandidate, parse_tag_filter
from assets.infrastructure.overpass_api import (
    OverpassClient,
    element_to_feature,
    status_delay,
    status_url,
)
from assets.infrastructure.overpass_query import build_request, poly_strings
from pipelines.framework.http import HttpClient, SourceError
from tests.helpers.answers import overpass_parse_error, overpass_rate_limited
from tests.helpers.overpass_replay import answer_body, count_element, road
from tests.helpers.replay import Sleeps
from tests.unit.infrastructure.test_osm_extract import METRICS

PATH = "/api/interpreter"
CITY = "tst-synthetic"
AREAS = [ring_area(CITY, 10.0, 100.0, r) for r in (5.0, 10.0)]
REQUEST = build_request(CITY, AREAS, METRICS, timeout_s=25, maxsize_bytes=2_000_000)
POINTS = [m for m in METRICS if m.geometry == "point"]


def good_elements(request=REQUEST, **counts) -> list[dict]:
    """One count element per asked (metric, area), `counts` by element name, 0 otherwise."""
    out = [count_element(name, *counts.get(name, (0, 0, 0))) for name in request.counts]
    return out + [road(7, 10.0, 100.0, "residential")]


def ok(elements, **extra) -> Response:
    return Response(json.dumps(answer_body(elements) | extra), content_type="application/json")


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client(httpserver, sleeps):
    http = HttpClient(source="osm_overpass", timeout_s=5, max_retries=2, sleep=sleeps)
    return OverpassClient(httpserver.url_for(PATH), http, METRICS)


# --- the query -------------------------------------------------------------------------------
def test_one_query_asks_every_metric_in_every_area(httpserver, client):
    seen = {}

    def handler(request):
        seen["data"], seen["ua"] = request.form["data"], request.headers.get("User-Agent", "")
        return ok(good_elements(c0_hospitals=(2, 1, 0), c1_hospitals=(3, 1, 0)))

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handler)
    answer = client.run(REQUEST)
    q = seen["data"]
    assert q.startswith("[out:json][timeout:25][maxsize:2000000];\n")
    # candidates of every point metric in the 10 km ring, the 5 km ring a subset of them
    assert 'nwr["amenity"="hospital"](around:10000,10.000000,100.000000);' in q
    assert "\n)->.P1;\n" in q and "nwr.P1(around:5000,10.000000,100.000000)->.P0;" in q
    assert q.index(")->.P1;") < q.index("nwr.P1(around:5000")  # defined before it is used
    # one named count per metric and area: 3 point metrics x 2 rings
    assert sorted(REQUEST.counts) == sorted(f"c{i}_{m.metric_id}" for i in (0, 1) for m in POINTS)
    assert q.count("make c") == 6 and 'nwr.P0["amenity"="hospital"];' in q
    assert (
        '(nwr.P0["highway"="bus_stop"]; nwr.P0["public_transport"~"^(platform|station)$"];);' in q
    )
    # geometry only for the line and area metrics, of the largest ring, once
    assert 'way["highway"="residential"](around:10000,10.000000,100.000000);' in q
    assert 'relation["leisure"="park"](around:10000,10.000000,100.000000);' in q
    assert q.rstrip().endswith("(.G1;);\nout geom;")
    assert REQUEST.geometry_types == {"way", "relation"}
    assert answer.counts[("hospitals", "ring_5km")] == 3  # "2" + "1" + "0", from strings
    assert answer.counts[("hospitals", "ring_10km")] == 4
    assert answer.counts[("pharmacies", "ring_5km")] == 0  # present with 0: a measured 0
    assert answer.osm_timestamp == "2026-11-20T06:00:00Z"
    assert [f.ref for f in answer.features] == ["way 7"]
    assert seen["ua"].startswith("ascn-city-indicators/")


def test_a_polygon_area_is_selected_in_its_box_then_by_each_part():
    square = MeasurementArea(
        CITY, "admin_adm2:T1", "municipality", "SYNTHETIC", 10.0, 100.0,
        geometry=parse_polygon([(99.9, 9.9), (100.1, 9.9), (100.1, 10.1), (99.9, 10.1)]),
    )  # fmt: skip
    q = build_request(CITY, [*AREAS, square], METRICS, timeout_s=25, maxsize_bytes=10**6).query
    assert 'nwr["amenity"="hospital"](9.9000000,99.9000000,10.1000000,100.1000000);' in q
    poly = "9.9000000 99.9000000 9.9000000 100.1000000 10.1000000 100.1000000 10.1000000 99.9000000"
    assert f'(nwr.BP2(poly:"{poly}");)->.P2;' in q
    assert "make c2_hospitals" in q and "(.G1; .G2;);" in q


def test_a_relation_candidate_is_asked_with_its_area_and_confirmed_in_a_second_query():
    rel = MeasurementArea(CITY, "osm_relation:123", "city_proper", "candidate", 10.0, 100.0,
                          relation=_candidate(123))  # fmt: skip
    first = build_request(CITY, AREAS, METRICS, timeout_s=25, maxsize_bytes=10**6, relation=rel)
    assert "rel(123);\nout geom;\narea(id:3600000123);\nout ids;" in first.query
    assert (first.relation_id, first.area_check) == (123, 3_600_000_123)
    second = build_request(CITY, [rel], METRICS, timeout_s=25, maxsize_bytes=10**6, step=2)
    assert "area(id:3600000123)->.adm;\n.adm out ids;" in second.query
    assert 'nwr["amenity"="hospital"](area.adm);' in second.query
    assert sorted(second.counts) == sorted(f"c0_{m.metric_id}" for m in POINTS)


def test_geometry_and_center_elements_are_parsed():
    way = element_to_feature(road(7, 10.0, 100.0))
    assert way.line.coords[:] == [(100.0, 10.0), (100.0, 10.02)] and way.polygon is None
    rel = element_to_feature({"type": "relation", "id": 5, "center": {"lat": 10.0, "lon": 100.0},
                              "members": [{"type": "way", "ref": 1, "role": "outer"}],
                              "tags": {"leisure": "park"}})  # fmt: skip
    assert rel.line is None and rel.polygon is None and rel.center.coords[:] == [(100.0, 10.0)]


# --- failures ----------------------------------------------------------------------------------
def test_429_then_success_honours_retry_after(httpserver, client, sleeps):
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_response(
        ok(good_elements())
    )
    assert client.run(REQUEST).counts[("hospitals", "ring_5km")] == 0
    assert sleeps == [7.0]


def test_504_then_success(httpserver, client, sleeps):
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data(
        "<html>504 Gateway Timeout</html>", status=504
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_response(
        ok(good_elements(c0_pharmacies=(4, 1, 0)))
    )
    assert client.run(REQUEST).counts[("pharmacies", "ring_5km")] == 5
    assert len(sleeps) == 1


def test_rate_limit_page_with_http_200_waits_for_the_slot_the_status_page_states(httpserver):
    # Overpass sends no Retry-After; its /api/status says when a slot is free (apis.md §1.5)
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_response(
        overpass_rate_limited(status=200)
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_response(
        ok(good_elements())
    )
    status = ("Connected as: 1807920285\nCurrent time: 2020-11-21T12:45:45Z\nRate limit: 2\n"
              "Slot available after: 2020-11-21T12:46:05Z, in 20 seconds.\n"
              "Slot available after: 2020-11-21T12:50:26Z, in 281 seconds.\n")  # fmt: skip
    sleeps = Sleeps()
    http = HttpClient(source="osm_overpass", timeout_s=5, max_retries=2, sleep=sleeps,
                      throttle_delay=lambda kind: status_delay(status))  # fmt: skip
    client = OverpassClient(httpserver.url_for(PATH), http, METRICS)
    client.run(REQUEST)
    assert sleeps == [20.0]  # the earliest free slot, not the back-off of 1 s
    assert status_delay("2 slots available now.\n") == 0.0 and status_delay("nothing") is None
    assert status_url("https://x.example/api/interpreter") == "https://x.example/api/status"


def test_parse_error_is_permanent_and_names_the_error_line(httpserver, client, sleeps):
    httpserver.expect_request(PATH, method="POST").respond_with_response(
        overpass_parse_error('line 3: parse error: Unknown type "nwrx"')
    )
    with pytest.raises(SourceError) as err:
        client.run(REQUEST)
    assert err.value.status == 400 and err.value.permanent
    assert 'HTTP 400: line 3: parse error: Unknown type "nwrx"' in str(err.value)
    assert "<?xml" not in str(err.value) and CITY in str(err.value)
    assert len(httpserver.log) == 1 and sleeps == []  # not retried


def test_network_timeout_gives_source_error_naming_city_metric_and_url(httpserver, sleeps):
    def slow(request):
        time.sleep(0.6)
        return ok(good_elements())

    httpserver.expect_request(PATH, method="POST").respond_with_handler(slow)
    http = HttpClient(source="osm_overpass", timeout_s=0.2, max_retries=1, sleep=sleeps)
    with pytest.raises(SourceError) as err:
        OverpassClient(httpserver.url_for(PATH), http, METRICS).run(REQUEST)
    msg = str(err.value)
    assert CITY in msg and "query step 1" in msg and PATH in msg and "Timeout" in msg


def test_malformed_json_names_city_metric_and_source(httpserver, client):
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        '{"version":0.6,"elements":[{"type":"c0_hospitals","id":1,"tags":{"nodes":"1"',
        content_type="application/json",
    )
    with pytest.raises(SourceError) as err:
        client.run(REQUEST)
    msg = str(err.value)
    assert "[osm_overpass]" in msg and CITY in msg and "not valid JSON" in msg
    assert err.value.permanent


def test_runtime_error_remark_is_a_source_error(httpserver, client, sleeps):
    remark = 'runtime error: Query timed out in "query" at line 3 after 26 seconds.'
    httpserver.expect_request(PATH, method="POST").respond_with_response(ok([], remark=remark))
    with pytest.raises(SourceError) as err:
        client.run(REQUEST)
    msg = str(err.value)
    assert CITY in msg and httpserver.url_for(PATH) in msg
    assert f"Overpass remark: {remark}" in msg  # in full
    assert len(httpserver.log) == 3 and not err.value.permanent  # retried per request


def test_out_of_memory_remark_is_permanent_and_says_what_to_raise(httpserver, client):
    remark = 'runtime error: Query run out of memory in "query" at line 9 using about 2048 MB.'
    httpserver.expect_request(PATH, method="POST").respond_with_response(ok([], remark=remark))
    with pytest.raises(SourceError, match="ASCN_OVERPASS_MAXSIZE_BYTES") as err:
        client.run(REQUEST)
    assert err.value.permanent and len(httpserver.log) == 1


def test_count_element_with_non_numeric_count_is_rejected(httpserver, client):
    elements = good_elements()
    next(e for e in elements if e["type"] == "c0_hospitals")["tags"]["nodes"] = "many"
    httpserver.expect_request(PATH, method="POST").respond_with_response(ok(elements))
    with pytest.raises(SourceError, match="unreadable count element c0_hospitals"):
        client.run(REQUEST)


@pytest.mark.parametrize(
    "change, mismatch",
    [
        (
            lambda e: e.remove(next(x for x in e if x["type"] == "c0_hospitals")),
            "1 count element(s) missing, e.g. 'c0_hospitals' (metric hospitals, "
            "area ring_5km); a missing count is a failed query, never 0",
        ),
        (
            lambda e: e.append(count_element("c9_hospitals", 1, 0, 0)),
            "element type 'c9_hospitals' (id 1) was not asked for",
        ),
        (
            lambda e: e.append({"type": "node", "id": 4, "lat": 10.0, "lon": 100.0}),
            "element type 'node' (id 4) was not asked for",
        ),
        (
            lambda e: e.append(count_element("c0_hospitals", 1, 0, 0)),
            "count element 'c0_hospitals' appears twice",
        ),
        (
            lambda e: e[-1].pop("geometry"),
            "metric 'road_length_residential': way 7 came without geometry",
        ),
    ],
    ids=["count_missing", "count_not_asked", "node_not_asked", "count_twice", "no_geometry"],
)
def test_an_answer_that_does_not_match_its_request_is_refused(httpserver, client, change, mismatch):
    elements = good_elements()
    change(elements)
    httpserver.expect_request(PATH, method="POST").respond_with_response(ok(elements))
    with pytest.raises(SourceError) as err:
        client.run(REQUEST)
    assert err.value.permanent and mismatch in str(err.value)
    assert httpserver.url_for(PATH) in str(err.value) and len(httpserver.log) == 1


@pytest.mark.parametrize(
    "text",
    [
        "[amenity=hospital];out;",  # statement injection
        '[name~"a\\"];node(1)"]',  # quote escape
        "amenity=hospital",  # no brackets
        '[amenity~"{x}"]',  # characters outside the regex allow-list
        "[!amenity]",  # nothing positive to select
        "",
    ],
)
def test_unknown_or_unsafe_filter_raises_value_error_naming_the_metric(text):
    with pytest.raises(ValueError, match="bad_metric"):
        parse_tag_filter(text, "bad_metric")


def test_a_polygon_with_a_hole_cannot_be_an_overpass_poly_filter():
    outer = [(0, 0), (1, 0), (1, 1), (0, 1)]
    holed = parse_polygon(outer, [(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)])
    with pytest.raises(ValueError, match="holes"):
        poly_strings(holed)


def parse_polygon(outer, inner=None) -> Polygon:
    return Polygon(outer, [inner] if inner else None)


def _candidate(rel_id: int) -> RelationCandidate:
    return RelationCandidate(rel_id, ("Testville",), "8")

"""OverpassClient against a local pytest-httpserver serving the real Overpass JSON shapes.

Response shapes follow docs/DOMAIN.md §4.4 (count element with string counts; `osm3s` block;
elements with `geometry` / `center`; runtime errors as HTTP 200 with `remark`). All feature
data are SYNTHETIC (the test city of test_osm_extract.py beside this file), never real OSM data.
"""

from __future__ import annotations

import json
import time

import pytest
from werkzeug import Response

from assets.infrastructure.extract import measure_with_extract
from assets.infrastructure.osm_model import Boundary, parse_tag_filter
from assets.infrastructure.overpass import measure_with_overpass
from assets.infrastructure.overpass_api import OverpassClient, element_to_feature
from pipelines.framework.http import HttpClient, SourceError
from tests.unit.infrastructure.test_osm_extract import (
    BOUNDARY,
    EXPECTED,
    METRICS,
    NODES,
    WAYS,
    write_osm_xml,
)

OSM3S = {
    "timestamp_osm_base": "2026-09-20T10:00:00Z",
    "timestamp_areas_base": "2026-09-20T09:00:00Z",
    "copyright": "The data included in this document is from www.openstreetmap.org. "
    "The data is made available under ODbL.",
}
PATH = "/api/interpreter"
HOSPITALS = next(m for m in METRICS if m.metric_id == "hospitals")
ROADS = next(m for m in METRICS if m.metric_id == "road_length_residential")


def body(elements, **extra) -> str:
    doc = {"version": 0.6, "generator": "Overpass API 0.7.62 (synthetic test)", "osm3s": OSM3S}
    doc.update(extra)
    doc["elements"] = elements
    return json.dumps(doc)


def count_element(nodes: int, ways: int, relations: int) -> dict:
    total = nodes + ways + relations
    return {
        "type": "count",
        "id": 0,
        "tags": {
            "nodes": str(nodes),
            "ways": str(ways),
            "relations": str(relations),
            "areas": "0",
            "total": str(total),
        },
    }


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def client(httpserver, sleeps):
    http = HttpClient(source="osm_overpass", timeout_s=5, max_retries=2, sleep=sleeps.append)
    return OverpassClient(httpserver.url_for(PATH), http, timeout_s=25, min_interval_s=0)


def test_count_query_shape_post_form_and_string_counts(httpserver, client):
    seen = {}

    def handler(request):
        seen["data"] = request.form["data"]
        seen["ua"] = request.headers.get("User-Agent", "")
        return Response(body([count_element(2, 1, 0)]), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handler)
    result = client.run(BOUNDARY, HOSPITALS)
    assert result.count == 3  # "2" nodes + "1" way + "0" relations, parsed from strings
    assert result.osm_timestamp == "2026-09-20T10:00:00Z"
    q = seen["data"]
    assert q.startswith("[out:json][timeout:25];")
    assert 'node(around:2000,10.000000,100.000000)["amenity"="hospital"];' in q
    assert 'way(around:2000,10.000000,100.000000)["amenity"="hospital"];' in q
    assert 'rel(around:2000,10.000000,100.000000)["amenity"="hospital"];' in q
    assert q.rstrip().endswith("out count;")
    assert seen["ua"].startswith("ascn-city-indicators/")


def test_relation_and_bbox_boundaries_build_area_and_bbox_filters(client):
    rel = Boundary("tst-rel", "relation", "osm_relation", relation_id=123456)
    q = client.build_query(rel, HOSPITALS)
    assert "area(id:3600123456)->.a;" in q and 'node(area.a)["amenity"="hospital"];' in q
    bbox = Boundary("tst-bbox", "bbox", "bbox", south=1, west=2, north=3, east=4)
    q = client.build_query(bbox, ROADS)
    assert 'way(1.000000,2.000000,3.000000,4.000000)["highway"="residential"];' in q
    assert "node(" not in q and q.rstrip().endswith("out geom;")


def test_geometry_and_center_elements_are_parsed():
    way = {
        "type": "way",
        "id": 7,
        "geometry": [{"lat": 10.0, "lon": 100.0}, {"lat": 10.01, "lon": 100.0}],
    }
    centre = {"type": "way", "id": 8, "center": {"lat": 10.0, "lon": 100.0}}
    f1, f2 = element_to_feature(way), element_to_feature(centre)
    assert f1.line == [(100.0, 10.0), (100.0, 10.01)] and f1.outer == []
    assert f2.line == [(100.0, 10.0)]


def test_429_then_success_honours_retry_after(httpserver, client, sleeps):
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data(
        "rate limited", status=429, headers={"Retry-After": "7"}
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data(
        body([count_element(0, 0, 0)]), content_type="application/json"
    )
    assert client.run(BOUNDARY, HOSPITALS).count == 0
    assert sleeps == [7.0]


def test_504_then_success(httpserver, client, sleeps):
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data(
        "<html>504 Gateway Timeout</html>", status=504
    )
    httpserver.expect_ordered_request(PATH, method="POST").respond_with_data(
        body([count_element(4, 0, 1)]), content_type="application/json"
    )
    assert client.run(BOUNDARY, HOSPITALS).count == 5
    assert len(sleeps) == 1


def test_network_timeout_gives_source_error_naming_city_metric_and_url(httpserver, sleeps):
    def slow(request):
        time.sleep(0.6)
        return Response(body([count_element(1, 0, 0)]), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(slow)
    http = HttpClient(source="osm_overpass", timeout_s=0.2, max_retries=1, sleep=sleeps.append)
    client = OverpassClient(httpserver.url_for(PATH), http, timeout_s=25, min_interval_s=0)
    with pytest.raises(SourceError) as err:
        client.run(BOUNDARY, HOSPITALS)
    msg = str(err.value)
    assert "tst-synthetic" in msg and "hospitals" in msg and PATH in msg
    assert "Timeout" in msg


def test_malformed_json_names_city_metric_and_source(httpserver, client):
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        '{"version":0.6,"elements":[{"type":"count","id":0,"tags":{"nodes":"1"',
        content_type="application/json",
    )
    with pytest.raises(SourceError) as err:
        client.run(BOUNDARY, HOSPITALS)
    msg = str(err.value)
    assert "[osm_overpass]" in msg and "tst-synthetic" in msg and "hospitals" in msg
    assert "not valid JSON" in msg


def test_runtime_error_remark_is_a_source_error(httpserver, client):
    remark = 'runtime error: Query timed out in "query" at line 3 after 26 seconds.'
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        body([], remark=remark), content_type="application/json"
    )
    with pytest.raises(SourceError) as err:
        client.run(BOUNDARY, ROADS)
    msg = str(err.value)
    assert "tst-synthetic" in msg and "road_length_residential" in msg
    assert httpserver.url_for(PATH) in msg and "Query timed out" in msg


def test_count_element_with_non_numeric_count_is_rejected(httpserver, client):
    bad = {
        "type": "count",
        "id": 0,
        "tags": {"nodes": "many", "ways": "0", "relations": "0", "total": "0"},
    }
    httpserver.expect_request(PATH, method="POST").respond_with_data(
        body([bad]), content_type="application/json"
    )
    with pytest.raises(SourceError, match="hospitals: unreadable count element"):
        client.run(BOUNDARY, HOSPITALS)


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


# --- both back-ends on the same synthetic data ----------------------------------------------
def _geom(ids):
    return [{"lat": NODES[n][1], "lon": NODES[n][0]} for n in ids]


def _way(wid):
    refs, tags = WAYS[wid]
    return {
        "type": "way",
        "id": wid,
        "bounds": {},
        "nodes": refs,
        "geometry": _geom(refs),
        "tags": tags,
    }


# What a real Overpass would answer for the synthetic city, selected BY HAND per metric:
FAKE_ANSWERS = {
    '"amenity"="hospital"': [count_element(2, 1, 0)],  # nodes 1, 2 + way 102 (node 3 outside)
    '"amenity"="pharmacy"': [count_element(0, 0, 0)],
    '"highway"="bus_stop"': [count_element(1, 0, 0)],  # node 4 (union: counted once)
    '"highway"="residential"': [_way(100)],
    '"highway"~"^(primary|primary_link)$"': [_way(101)],
    '"leisure"="park"': [
        _way(103),
        {
            "type": "relation",
            "id": 200,
            "bounds": {},
            "tags": {"type": "multipolygon", "leisure": "park"},
            "members": [
                {"type": "way", "ref": 104, "role": "outer", "geometry": _geom([50, 51])},
                {"type": "way", "ref": 105, "role": "outer", "geometry": _geom([51, 52, 50])},
            ],
        },
        _way(106),  # returned by a sloppy server: centroid outside, must not count
    ],
}


def test_both_backends_give_the_same_numbers(httpserver, client, tmp_path):
    def handler(request):
        q = request.form["data"]
        key = next(k for k in FAKE_ANSWERS if k in q)
        return Response(body(FAKE_ANSWERS[key]), content_type="application/json")

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handler)
    progress = []
    live = measure_with_overpass(
        client, [BOUNDARY], METRICS, progress=lambda *a: progress.append(a)
    )
    local = measure_with_extract(write_osm_xml(tmp_path / "synthetic.osm"), [BOUNDARY], METRICS)
    got_live = dict(zip(live["metric_id"], live["value"], strict=True))
    got_local = dict(zip(local["metric_id"], local["value"], strict=True))
    for metric, expected in EXPECTED.items():
        assert got_live[metric] == pytest.approx(got_local[metric], rel=1e-9, abs=1e-12), metric
        assert got_live[metric] == pytest.approx(expected, rel=1e-9, abs=1e-12), metric
    assert set(live["source_id"]) == {"osm_overpass"}
    assert set(live["osm_timestamp"]) == {"2026-09-20T10:00:00Z"}
    assert [p[0] for p in progress] == list(range(1, len(METRICS) + 1))
    assert list(live.columns) == list(local.columns)

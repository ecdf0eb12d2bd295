"""The Overpass back-end (assets/infrastructure/overpass.py) against a local pytest-httpserver:
one query per city, a second only for a confirmed OSM relation, the same numbers as the extract
back-end on the same SYNTHETIC data, and relation candidates confirmed or rejected from what the
answer says. Expected values are worked out by hand (tests/helpers/geodesy.py)."""

from __future__ import annotations

import json
import re

import pytest
from werkzeug import Request, Response

from assets.infrastructure.boundaries import CityAreas, ring_area
from assets.infrastructure.extract import measure_with_extract
from assets.infrastructure.osm_model import MeasurementArea, RelationCandidate
from assets.infrastructure.overpass import measure_with_overpass
from assets.infrastructure.overpass_api import OverpassClient
from pipelines.framework.http import HttpClient, SourceError
from tests.helpers.geodesy import cell_km2
from tests.helpers.overpass_replay import answer_body, count_element, square_relation
from tests.helpers.replay import Sleeps
from tests.unit.infrastructure.test_osm_extract import (
    CITY,
    EXPECTED,
    METRICS,
    NODES,
    WAYS,
    write_osm_xml,
)

PATH = "/api/interpreter"
TS = "2026-11-20T06:00:00Z"
# counts per metric in the 2 km ring, BY HAND from test_osm_extract.NODES/WAYS: hospitals =
# nodes 1, 2 + way 102 (node 3 is 5.6 km away); the bus stop node 4 once; no pharmacy
RING_COUNTS = {"hospitals": (2, 1, 0), "pharmacies": (0, 0, 0), "public_transport_stops": (1, 0, 0)}


def _geom(ids):
    return [{"lat": NODES[n][1], "lon": NODES[n][0]} for n in ids]


def _way(wid):
    refs, tags = WAYS[wid]
    return {"type": "way", "id": wid, "nodes": refs, "geometry": _geom(refs), "tags": tags}


GEOMETRY = [
    _way(100), _way(101), _way(103), _way(106),
    {"type": "relation", "id": 200, "tags": {"type": "multipolygon", "leisure": "park"},
     "members": [{"type": "way", "ref": 104, "role": "outer", "geometry": _geom([50, 51])},
                 {"type": "way", "ref": 105, "role": "outer", "geometry": _geom([51, 52, 50])}]},
    # what a careless answer could add: neither may count
    {"type": "relation", "id": 300, "tags": {"type": "multipolygon", "boundary": "protected_area"},
     "members": [{"type": "way", "ref": 301, "role": "outer",
                  "geometry": _geom([40, 41, 42, 43, 40])}]},
    {"type": "way", "id": 400, "nodes": [10, 11], "geometry": _geom([10, 11]),
     "tags": {"highway": "service"}},
]  # fmt: skip


def counts_for(query: str, table: dict) -> list[dict]:
    return [
        count_element(name, *table.get(metric, (0, 0, 0)))
        for name, metric in re.findall(r"^make (c\d+_([a-z0-9_]+)) ", query, re.M)
    ]


def serve(httpserver, answer) -> list[str]:
    queries: list[str] = []

    def handler(request: Request) -> Response:
        queries.append(request.form["data"])
        return Response(json.dumps(answer_body(answer(queries[-1]))),
                        content_type="application/json")  # fmt: skip

    httpserver.expect_request(PATH, method="POST").respond_with_handler(handler)
    return queries


def client(httpserver) -> OverpassClient:
    http = HttpClient(source="osm_overpass", timeout_s=5, max_retries=1, sleep=Sleeps())
    return OverpassClient(httpserver.url_for(PATH), http)


def run(httpserver, cities):
    return measure_with_overpass(client(httpserver), cities, METRICS, timeout_s=25,
                                 maxsize_bytes=10**7)  # fmt: skip


def test_both_backends_give_the_same_numbers(httpserver, tmp_path):
    queries = serve(httpserver, lambda q: counts_for(q, RING_COUNTS) + GEOMETRY)
    live = run(httpserver, [CITY])
    local = measure_with_extract(write_osm_xml(tmp_path / "synthetic.osm"), [CITY], METRICS)
    got_live = dict(zip(live.frame["metric_id"], live.frame["value"], strict=True))
    got_local = dict(zip(local["metric_id"], local["value"], strict=True))
    for metric, expected in EXPECTED.items():
        rel = 1e-5 if metric == "green_area" else 1e-9  # the hand area formula (1e-6)
        assert got_live[metric] == pytest.approx(got_local[metric], rel=1e-9), metric
        assert got_live[metric] == pytest.approx(expected, rel=rel), metric
    assert len(queries) == 1 and live.costs[0].requests == 1
    assert live.costs[0].bytes > 0 and live.rejects.empty
    assert set(live.frame["osm_timestamp"]) == {TS}
    assert list(live.frame.columns) == list(local.columns)
    pharmacies = live.frame.set_index("metric_id").loc["pharmacies"]
    assert pharmacies["value"] == 0 and pharmacies["measured_zero"]  # present with "0"s


def _with_relation(tags: dict, half_deg: float = 0.05, rel_in_answer=True, area=True):
    """A city of a 2 km ring and relation candidate 777 (expected 'Testville', level 8)."""
    candidate = MeasurementArea(
        "tst-synthetic", "osm_relation:777", "city_proper", "candidate", 10.0, 100.0,
        relation=RelationCandidate(777, ("Testville", "Test City"), "8"),
    )  # fmt: skip
    city = CityAreas("tst-synthetic", (*CITY.areas, candidate), "census_city:tst:city_proper:T", 9)
    relation = square_relation(777, 10.0, 100.0, half_deg, tags)

    def answer(q: str) -> list[dict]:
        out = []
        if "rel(777);" in q and rel_in_answer:
            out.append(relation)
        if area and "area(id:3600000777)" in q:
            out.append({"type": "area", "id": 3_600_000_777})
        table = RING_COUNTS if "->.adm;" not in q else {"hospitals": (5, 0, 0)}
        return out + counts_for(q, table) + GEOMETRY

    return city, answer


def test_a_confirmed_relation_costs_a_second_request_and_is_measured(httpserver):
    tags = {"boundary": "administrative", "name": "เทสต์วิลล์", "name:en": "Testville",
            "admin_level": "8"}  # fmt: skip
    city, answer = _with_relation(tags)
    queries = serve(httpserver, answer)
    result = run(httpserver, [city])
    assert len(queries) == 2 and "area(id:3600000777)->.adm;" in queries[1]
    assert [(c.city_id, c.requests) for c in result.costs] == [("tst-synthetic", 2)]
    rows = result.frame[result.frame["measurement_area"] == "osm_relation:777"]
    got = dict(zip(rows["metric_id"], rows["value"], strict=True))
    assert got["hospitals"] == 5.0
    # the relation's square, 0.1 x 0.1 deg around (10 N, 100 E)
    assert got["land_area_km2"] == pytest.approx(cell_km2(10.0, 0.1, 0.1), rel=1e-5)
    assert set(rows["unit_id"]) == {"census_city:tst:city_proper:T"}
    assert set(rows["boundary_type"]) == {"city_proper"}
    assert "name:en 'Testville'" in rows["measurement_area_definition"].iloc[0]
    assert result.rejects.empty


GOOD = {"boundary": "administrative", "name": "Testville", "admin_level": "8"}


@pytest.mark.parametrize(
    "tags, kwargs, reason",
    [
        ({**GOOD, "admin_level": "6"}, {}, "admin_level 6 is not 8"),
        (
            {**GOOD, "name": "Otherville"},
            {},
            "name 'Otherville', name:en None is not one of ['Testville', 'Test City']",
        ),
        (GOOD, {"rel_in_answer": False}, "relation 777 is not in the answer (deleted or wrong id)"),
        (GOOD, {"area": False}, "Overpass has no area 3600000777 for it"),
        (GOOD, {"half_deg": 0.01}, None),  # contains the centre: confirmed
    ],
    ids=["admin_level", "name", "absent", "no_area", "confirmed"],
)
def test_a_relation_is_used_only_when_the_answer_confirms_it(httpserver, tags, kwargs, reason):
    city, answer = _with_relation(tags, **kwargs)
    queries = serve(httpserver, answer)
    result = run(httpserver, [city])
    if reason is None:
        assert len(queries) == 2 and result.rejects.empty
        return
    assert len(queries) == 1  # no second request for a candidate that is not confirmed
    assert list(result.rejects["reason"]) == [reason]
    assert list(result.rejects["field"]) == ["admin_ref"] and list(
        result.rejects["row_number"]
    ) == [9]
    assert "osm_relation:777" not in set(result.frame["measurement_area"])
    assert set(result.frame["measurement_area"]) == {"ring_2km"}  # the rings are measured


def test_a_relation_polygon_not_containing_the_registry_centre_is_rejected(httpserver):
    city, _ = _with_relation(GOOD)
    far = square_relation(777, 10.5, 100.5, 0.05, GOOD)  # 0.5 deg away

    def answer(q):
        return ([far, {"type": "area", "id": 3_600_000_777}] if "rel(777)" in q else []) + \
            counts_for(q, RING_COUNTS) + GEOMETRY  # fmt: skip

    serve(httpserver, answer)
    result = run(httpserver, [city])
    assert list(result.rejects["reason"]) == ["its polygon does not contain the registry centre"]


def test_a_second_answer_without_the_asked_area_is_refused(httpserver):
    city, answer = _with_relation(GOOD)

    def without_adm(q):
        return [e for e in answer(q) if not ("->.adm;" in q and e["type"] == "area")]

    serve(httpserver, without_adm)
    with pytest.raises(SourceError, match="asked area 3600000777, the answer has none") as err:
        run(httpserver, [city])
    assert err.value.permanent


def test_more_cities_each_cost_one_request(httpserver):
    other = CityAreas("tst-other", tuple(ring_area("tst-other", 0.0, 0.0, r) for r in (5, 10)))
    queries = serve(httpserver, lambda q: counts_for(q, RING_COUNTS) + GEOMETRY)
    result = run(httpserver, [CITY, other])
    assert [(c.city_id, c.requests) for c in result.costs] == [
        ("tst-synthetic", 1),
        ("tst-other", 1),
    ]
    assert len(queries) == 2 and "(around:10000,0.000000,0.000000)" in queries[1]

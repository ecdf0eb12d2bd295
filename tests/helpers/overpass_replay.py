"""Overpass on the replay server (source id `osm_overpass`; moved from the live-mode test, the
infrastructure family may reshape it to its queries).

SYNTHETIC features around Battambang's registry centre (13.1 N, 103.2 E, radius 9.7 km): two
point counts (`out count;` elements, numbers as strings), one trunk road and one square park
with `out geom;` geometry, in the JSON shape of Overpass API 0.7.62 (docs/DOMAIN.md §4.4).
`fail = "remark"` answers every query with a runtime-error `remark` (HTTP 200, no elements).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from werkzeug import Request, Response

from tests.helpers.pipeline import OVERPASS_PATH
from tests.helpers.replay import ReplayServer

OSM_BASE = "2026-11-20T06:00:00Z"  # Overpass osm3s.timestamp_osm_base
BTB = "khm-battambang"
COUNTS = {  # point metric -> (nodes, ways, relations)
    "hospitals": (2, 1, 0),
    "schools": (4, 1, 0),
}
ROAD_NORTH_DEG = 0.02  # a trunk road from the centre 0.02 deg north along the meridian
PARK_SIDE_DEG = 0.01  # a square park, south-west corner at the centre
METRICS = ["hospitals", "schools", "road_length_total", "green_area"]
GENERATOR = "Overpass API 0.7.62.1 084b4234"
COPYRIGHT = (
    "The data included in this document is from www.openstreetmap.org. The data is made "
    "available under ODbL."
)


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


def answer(elements: list[dict], remark: str | None = None) -> Response:
    body: dict = {
        "version": 0.6,
        "generator": GENERATOR,
        "osm3s": {"timestamp_osm_base": OSM_BASE, "copyright": COPYRIGHT},
        "elements": elements,
    }
    if remark is not None:
        body["remark"] = remark
    return Response(json.dumps(body), content_type="application/json")


@dataclass
class OverpassReplay:
    """Overpass `interpreter` (POST, form field `data`) at `path` of a replay server."""

    replay: ReplayServer
    path: str = OVERPASS_PATH
    fail: str | None = None

    def __post_init__(self) -> None:
        self.replay.route("osm_overpass", self.path, self.handle, method="POST")

    def handle(self, request: Request) -> Response:
        query = request.form.get("data", "")
        if self.fail == "remark":
            return answer(
                [], 'runtime error: Query timed out in "query" at line 3 after 181 seconds.'
            )
        around = re.search(r"\(around:(\d+),([-\d.]+),([-\d.]+)\)", query)
        assert around is not None, query
        assert around.groups() == ("9700", "13.100000", "103.200000"), query
        lat, lon = float(around.group(2)), float(around.group(3))
        if '["amenity"="hospital"]' in query:
            elements = [count_element(*COUNTS["hospitals"])]
        elif '["amenity"="school"]' in query:
            elements = [count_element(*COUNTS["schools"])]
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
        return answer(elements)

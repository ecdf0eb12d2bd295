"""Overpass on the replay server (source id `osm_overpass`), answering the city queries of
assets/infrastructure/overpass_query.py in the JSON shape of Overpass API 0.7.62.

Answers are built from the query itself, as the real server's would be: one `make` count element
per `make c<i>_<metric>` statement (numbers as strings, /tmp/research/apis.md §1.1), the asked
relation (`rel(<id>); out geom;`) and area (`area(id:<id>)`) if the replay knows them, then the
geometry elements when the query ends with `out geom;`. Which city a query is for is read from
its `(around:10000,<lat>,<lon>)` filter (step 1) or its area id (step 2).

Everything served is SYNTHETIC (counts, roads, parks, relations named "SYNTHETIC ..."), built
around each city's registry centre; nothing is real OSM data.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from werkzeug import Request, Response

from tests.helpers.pipeline import DATA, OVERPASS_PATH
from tests.helpers.replay import ReplayServer

OSM_BASE = "2026-11-20T06:00:00Z"  # osm3s.timestamp_osm_base of every answer
AREAS_BASE = "2026-11-20T05:00:00Z"
GENERATOR = "Overpass API 0.7.62.1 084b4234"
COPYRIGHT = (
    "The data included in this document is from www.openstreetmap.org. The data is made "
    "available under ODbL."
)
BTB = "khm-battambang"
# Kept for the live-mode test of the whole job: the metrics its trimmed catalogue keeps.
METRICS = ["hospitals", "schools", "road_length_total", "green_area"]
ROAD_NORTH_DEG = 0.02  # a trunk road from each centre 0.02 deg north along the meridian
PARK_SIDE_DEG = 0.01  # a square park, south-west corner at each centre
# counts (nodes, ways, relations) served per metric and area index of the query (c<i>_...):
# area 0 = ring_5km, 1 = ring_10km, 2 = the admin polygon (step 1) / relation area (step 2)
COUNTS = {
    ("hospitals", 0): (2, 1, 0),
    ("hospitals", 1): (3, 1, 0),
    ("hospitals", 2): (4, 1, 0),
    ("schools", 0): (4, 1, 0),
    ("schools", 1): (6, 2, 0),
    ("schools", 2): (9, 2, 0),
}
_AROUND = re.compile(r"\(around:10000,(-?[\d.]+),(-?[\d.]+)\)")
_MAKE = re.compile(r"^make (c(\d+)_([a-z0-9_]+)) ", re.M)


def count_element(name: str, nodes: int, ways: int, relations: int) -> dict:
    """A `make <name> nodes=...,ways=...,relations=...,total=...; out;` element."""
    total = nodes + ways + relations
    return {"type": name, "id": 1,
            "tags": {"nodes": str(nodes), "ways": str(ways), "relations": str(relations),
                     "total": str(total)}}  # fmt: skip


def answer_body(elements: list[dict], remark: str | None = None) -> dict:
    body: dict = {
        "version": 0.6,
        "generator": GENERATOR,
        "osm3s": {"timestamp_osm_base": OSM_BASE, "timestamp_areas_base": AREAS_BASE,
                  "copyright": COPYRIGHT},
        "elements": elements,
    }  # fmt: skip
    if remark is not None:
        body["remark"] = remark
    return body


def json_response(body: dict) -> Response:
    return Response(json.dumps(body), content_type="application/json")


def _geometry(points: list[tuple[float, float]]) -> list[dict]:
    return [{"lat": round(lat, 7), "lon": round(lon, 7)} for lat, lon in points]


def road(way_id: int, lat: float, lon: float, highway: str = "trunk") -> dict:
    """A way from (lat, lon) ROAD_NORTH_DEG north along the meridian."""
    pts = [(lat, lon), (lat + ROAD_NORTH_DEG, lon)]
    return {"type": "way", "id": way_id, "nodes": [way_id * 10, way_id * 10 + 1],
            "geometry": _geometry(pts),
            "tags": {"highway": highway, "name": f"SYNTHETIC {highway} road"}}  # fmt: skip


def park(way_id: int, lat: float, lon: float) -> dict:
    s = PARK_SIDE_DEG
    ring = [(lat, lon), (lat, lon + s), (lat + s, lon + s), (lat + s, lon), (lat, lon)]
    return {"type": "way", "id": way_id, "nodes": [way_id * 10 + k for k in (0, 1, 2, 3, 0)],
            "geometry": _geometry(ring),
            "tags": {"leisure": "park", "name": "SYNTHETIC park"}}  # fmt: skip


def protected_area(rel_id: int, lat: float, lon: float) -> dict:
    """A boundary=protected_area multipolygon (no leisure/landuse tag: not green area)."""
    s = 2 * PARK_SIDE_DEG
    ring = [(lat - s, lon - s), (lat - s, lon), (lat, lon), (lat, lon - s), (lat - s, lon - s)]
    return {"type": "relation", "id": rel_id,
            "members": [{"type": "way", "ref": rel_id * 10, "role": "outer",
                         "geometry": _geometry(ring)}],
            "tags": {"type": "multipolygon", "boundary": "protected_area",
                     "name": "SYNTHETIC protected area"}}  # fmt: skip


def square_relation(rel_id: int, lat: float, lon: float, half_deg: float, tags: dict) -> dict:
    """A boundary relation whose four member ways enclose a square around (lat, lon)."""
    a, b = lat - half_deg, lat + half_deg
    c, d = lon - half_deg, lon + half_deg
    corners = [(a, c), (a, d), (b, d), (b, c), (a, c)]
    members = [
        {"type": "way", "ref": rel_id * 10 + k, "role": "outer",
         "geometry": _geometry([corners[k], corners[k + 1]])}
        for k in range(4)
    ]  # fmt: skip
    return {"type": "relation", "id": rel_id, "members": members, "tags": tags}


def registry_centres() -> dict[str, tuple[float, float]]:
    with (DATA / "reference" / "cities.csv").open(encoding="utf-8") as f:
        return {r["city_id"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)}


def relation_candidates() -> dict[str, tuple[int, str, str]]:
    """city -> (relation id, first expected name, expected admin_level) of city_boundaries.csv"""
    path = DATA / "reference" / "city_boundaries.csv"
    with path.open(encoding="utf-8") as f:
        return {
            r["city_id"]: (int(r["admin_ref"]), r["expected_name"].split("|")[0],
                           r["expected_admin_level"])
            for r in csv.DictReader(f) if r["admin_source"] == "osm_relation"
        }  # fmt: skip


@dataclass
class OverpassReplay:
    """Overpass `interpreter` (POST, form field `data`) at `path` of a replay server.

    `relations`: relation id -> the element served for `rel(<id>); out geom;` (absent: the
    relation is not in the answer); `areas`: Overpass area ids that exist. By default every
    candidate relation of city_boundaries.csv is served as a SYNTHETIC square of 0.1 deg around
    its city's centre with the expected name and admin_level, and its area exists.
    `fail = "remark"` answers every query with a runtime-error `remark`.
    """

    replay: ReplayServer
    path: str = OVERPASS_PATH
    fail: str | None = None
    counts: dict[tuple[str, int], tuple[int, int, int]] = field(default_factory=lambda: COUNTS)
    relations: dict[int, dict] = field(default_factory=dict)
    areas: set[int] = field(default_factory=set)
    extra: Callable[[str, float, float], list[dict]] | None = None  # more geometry per city
    queries: list[str] = field(default_factory=list)
    # what /api/status says (source `osm_overpass_status`): when the next query slot is free
    status: str = "Connected as: 1807920285\nRate limit: 2\n2 slots available now.\n"

    def __post_init__(self) -> None:
        self.centres = registry_centres()
        if not self.relations:
            for city, (rel_id, name, level) in relation_candidates().items():
                lat, lon = self.centres[city]
                tags = {"type": "boundary", "boundary": "administrative", "name": name,
                        "name:en": name, "admin_level": level}  # fmt: skip
                self.relations[rel_id] = square_relation(rel_id, lat, lon, 0.1, tags)
                self.areas.add(3_600_000_000 + rel_id)
        self.replay.route("osm_overpass", self.path, self.handle, method="POST")
        status_path = self.path.rsplit("/", 1)[0] + "/status"
        self.replay.route(
            "osm_overpass_status", status_path,
            lambda r: Response(self.status, content_type="text/plain"),
        )  # fmt: skip

    def city_of(self, query: str) -> tuple[str, float, float]:
        found = _AROUND.search(query)
        if found is not None:
            lat, lon = float(found.group(1)), float(found.group(2))
            city = min(self.centres, key=lambda c: math.dist(self.centres[c], (lat, lon)))
            return city, lat, lon
        area = re.search(r"area\(id:(\d+)\)->\.adm;", query)
        assert area is not None, f"no ring and no area in the query: {query[:300]}"
        rel_id = int(area.group(1)) - 3_600_000_000
        city = next(c for c, v in relation_candidates().items() if v[0] == rel_id)
        return city, *self.centres[city]

    def handle(self, request: Request) -> Response:
        query = request.form.get("data", "")
        self.queries.append(query)
        if self.fail == "remark":
            return json_response(answer_body(
                [], 'runtime error: Query timed out in "query" at line 3 after 181 seconds.'
            ))  # fmt: skip
        return json_response(answer_body(self.elements(query)))

    def elements(self, query: str) -> list[dict]:
        """The elements the real server would return for `query` in this synthetic world."""
        city, lat, lon = self.city_of(query)
        out: list[dict] = []
        for rel in re.findall(r"^rel\((\d+)\);", query, re.M):
            if int(rel) in self.relations:
                out.append(self.relations[int(rel)])
        for area in re.findall(r"area\(id:(\d+)\)", query):
            if int(area) in self.areas:
                out.append({"type": "area", "id": int(area)})
        step2 = "->.adm;" in query
        for name, index, metric in _MAKE.findall(query):
            i = 2 if step2 else int(index)
            out.append(count_element(name, *self.counts.get((metric, i), (0, 0, 0))))
        if query.rstrip().endswith("out geom;"):  # the geometry of the line and area metrics
            base = 9_000_000 + 100 * sorted(self.centres).index(city)
            out += [road(base + 1, lat, lon), park(base + 2, lat, lon)]
            if self.extra is not None:
                out += self.extra(city, lat, lon)
        return out


def for_city(replay: OverpassReplay, city_id: str, step: int = 1) -> Callable[[Request], bool]:
    """Matches the Overpass request of `city_id` (its step-1 or step-2 query)."""

    def match(request: Request) -> bool:
        query = request.form.get("data", "")
        return ("->.adm;" in query) == (step == 2) and replay.city_of(query)[0] == city_id

    return match


def write_city_boundaries(dest: Path, keep: Callable[[dict], bool]) -> None:
    """Rewrite `dest` (a copy of city_boundaries.csv) keeping the rows `keep` accepts."""
    with dest.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = [r for r in reader if keep(r)], reader.fieldnames
    with dest.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
